"""One small function per standard: (LetterFacts, StandardsConfig) -> list[StandardResult].

Registered by id in ``REGISTRY`` with ``@standard("OD-xx")``. Letter-level standards return one
result; item-level standards return one result per opioid item (``item_index``), or a single
letter result when the letter's items are not known (no letter text) or the letter is out of
scope (no opioid).
"""
from __future__ import annotations

import re
from typing import Callable

from audit_app.records import YesNo
from audit_app.standards.config import StandardsConfig
from audit_app.standards.definitions import get_definition
from audit_app.standards.facts import (
    AUDITOR, CONFIG, DERIVED, EXTRACTION, LetterFacts, auditor_answer,
    classify_sedative_text, co_evidence, combine_answer, coprescriptions, cite, extraction_answer,
    is_codeine_item, is_strong_opioid, item_change, item_evidence, item_statements, justification, letter_indication_covers_all,
    mentions_codeine, num, stated_duration, supply_days, total_ome,
)
from audit_app.standards.results import MET, NOT_APPLICABLE, NOT_ASSESSABLE, NOT_MET, StandardResult

Evaluator = Callable[[LetterFacts, StandardsConfig], list[StandardResult]]
REGISTRY: dict[str, Evaluator] = {}


def standard(standard_id: str):
    def deco(fn: Evaluator) -> Evaluator:
        if standard_id in REGISTRY:
            raise ValueError(f"standard {standard_id} registered twice")
        REGISTRY[standard_id] = fn
        fn.standard_id = standard_id  # type: ignore[attr-defined]
        return fn
    return deco


def get_evaluator(standard_id: str) -> Evaluator:
    try:
        return REGISTRY[standard_id]
    except KeyError:
        raise ValueError(f"no evaluator registered for standard {standard_id!r}") from None


# ---------------------------------------------------------------------------------------------
# shared gates
# ---------------------------------------------------------------------------------------------

def result(sid, outcome, evidence, *, code=None, item=None, reason=None) -> StandardResult:
    """One standard's verdict on a letter (or on its opioid `item`) with the evidence cited."""
    return StandardResult(sid, outcome, code, list(evidence), item, reason)


def _fan_out(sid: str, f: LetterFacts, outcome: str, evidence: list[dict], *, code=None, reason=None,
             item_level: bool) -> list[StandardResult]:
    """The same verdict for every item (item-level standards with known items) or the letter."""
    if item_level and f.items:
        return [result(sid, outcome, evidence, code=code, item=i, reason=reason) for i in range(len(f.items))]
    return [result(sid, outcome, evidence, code=code, reason=reason)]


def _gate(sid: str, f: LetterFacts, cfg: StandardsConfig, *, item_level: bool,
          skip_children: bool = True) -> list[StandardResult] | None:
    """Results for letters outside the standard (no opioid, unknown, under 18, excluded), else None."""
    if f.opioid == "no":
        return [result(sid, NOT_APPLICABLE, f.opioid_ev, code="NO_OPIOID")]
    if f.opioid == "unknown":
        return [result(sid, NOT_ASSESSABLE, f.opioid_ev, reason="OPIOID_UNKNOWN")]
    if skip_children and f.age is not None and f.age < 18 and not cfg.param("include_children"):
        return _fan_out(sid, f, NOT_APPLICABLE, f.age_ev + [cite(CONFIG, "include_children", False)],
                        code="UNDER_18", item_level=item_level)
    d = get_definition(sid, cfg.standards_version)
    for code in d.exclusions:
        if code == "LTOT":
            continue  # handled per standard (letter or item 'new' status)
        if sid == "OD-08" and code == "PALL" and not cfg.param("od08_exclude_palliative"):
            continue
        if code in f.exclusions:
            return _fan_out(sid, f, NOT_APPLICABLE, f.exclusions[code], code=code, item_level=item_level)
    return None


def _letter_new_gate(sid: str, f: LetterFacts) -> list[StandardResult] | None:
    if f.letter_new == "not_new":
        return [result(sid, NOT_APPLICABLE, f.new_ev, code=f.letter_not_new_code)]
    if f.letter_new == "unknown":
        return [result(sid, NOT_ASSESSABLE, f.new_ev, reason="NEW_STATUS_UNKNOWN")]
    return None


def _items_unknown(sid: str) -> list[StandardResult]:
    """No opioid items to judge because the letter text was not extracted."""
    return [result(sid, NOT_ASSESSABLE, [cite(EXTRACTION, "opioids", None, note=_NO_TEXT)], reason="ITEMS_UNKNOWN")]


def _yesno_result(sid, ans: YesNo, evidence, missing_reason, *, item=None) -> StandardResult:
    if ans is YesNo.YES:
        return result(sid, MET, evidence, item=item)
    if ans is YesNo.NO:
        return result(sid, NOT_MET, evidence, item=item)
    return result(sid, NOT_ASSESSABLE, evidence, item=item, reason=missing_reason)


def _answer_for_letter(sid, f, auditor_field, extraction_key, missing_reason, *, item_level=False):
    ans, evid = combine_answer(f.record, f.extraction, auditor_field, extraction_key)
    if item_level and f.items:
        return [_yesno_result(sid, ans, evid, missing_reason, item=i) for i in range(len(f.items))]
    return [_yesno_result(sid, ans, evid, missing_reason)]


def _new_items(sid, f: LetterFacts, judge) -> list[StandardResult]:
    """Apply ``judge(i, item, new_evidence) -> StandardResult`` to each new item; LTOT for others."""
    out = []
    for i in range(len(f.items)):
        status, code, new_ev = f.item_status(i)
        if status == "not_new":
            out.append(result(sid, NOT_APPLICABLE, new_ev, code=code, item=i))
        elif status == "unknown":
            out.append(result(sid, NOT_ASSESSABLE, new_ev, item=i, reason="NEW_STATUS_UNKNOWN"))
        else:
            out.append(judge(i, f.items[i], new_ev))
    return out


def _each_new_item(sid, f: LetterFacts, judge) -> list[StandardResult]:
    """`_new_items`, or the letter-level answer when no opioid item was extracted."""
    if not f.items:
        return _letter_new_gate(sid, f) or _items_unknown(sid)
    return _new_items(sid, f, judge)


_NO_TEXT = "needs the letter text (no extraction) or an auditor column"


# ---------------------------------------------------------------------------------------------
# OD-01 ... OD-17
# ---------------------------------------------------------------------------------------------

@standard("OD-01")
def od01_indication(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    """Per item: the item's own indication, or a letter-level one that covers it (the letter's
    only opioid, or 'all analgesia / the opioids are for ...'). The auditor's column is per letter
    and, when answered, is the audit's record for every item."""
    sid = "OD-01"
    gated = _gate(sid, f, cfg, item_level=True)
    if gated:
        return gated
    a, found = auditor_answer(f.record, "indication")
    if a is not YesNo.UNKNOWN or not f.items:
        return _answer_for_letter(sid, f, "indication", "indication_documented", "MISSING_INDICATION", item_level=True)
    letter_level, _ = extraction_answer(f.extraction, "indication_documented")
    covers_all = letter_indication_covers_all(f.text)
    out = []
    for i, item in enumerate(f.items):
        if item.get("indication"):
            out.append(result(sid, MET, [item_evidence(i, item, "indication", item["indication"])], item=i))
        elif covers_all:
            out.append(result(sid, MET, [cite(DERIVED, "letter_text", covers_all.group(0), text=covers_all.group(0),
                                        span=[covers_all.start(), covers_all.end()],
                                        note="an indication covering all the analgesia")], item=i))
        elif letter_level is YesNo.YES and len(f.items) == 1:
            out.append(result(sid, MET, [cite(EXTRACTION, "indication_documented", True,
                                        note="the letter's indication; this is its only opioid")], item=i))
        elif "indication" not in item and letter_level is YesNo.UNKNOWN:
            out.append(result(sid, NOT_ASSESSABLE, [item_evidence(i, item, "indication", None,
                                                          note="the extractor did not look for an indication")],
                          item=i, reason="MISSING_INDICATION"))
        else:
            note = ("no indication for this opioid (the letter's indication does not name it)"
                    if letter_level is YesNo.YES else "no indication found for this opioid")
            out.append(result(sid, NOT_MET, [item_evidence(i, item, "indication", None, note=note)], item=i))
    return out


_OD02_FIELDS = ("drug", "strength", "formulation", "dose", "frequency", "route", "quantity")


def _od02_missing(item: dict) -> list[str]:
    patch = str(item.get("formulation") or "") == "patch" or item.get("strength_mcg_per_hour") is not None
    have = {
        "drug": bool(item.get("generic") or item.get("brand")),
        "strength": num(item.get("strength_mg")) is not None or num(item.get("strength_mcg_per_hour")) is not None,
        "formulation": bool(item.get("formulation")),
        "dose": num(item.get("dose_mg_max")) is not None or (patch and num(item.get("strength_mcg_per_hour")) is not None),
        "frequency": num(item.get("frequency_per_day_max")) is not None or patch,
        "route": bool(item.get("route")),
        "quantity": bool(item.get("supply_quantity")) or num(item.get("supply_days")) is not None,
    }
    return [k for k in _OD02_FIELDS if not have[k]]


@standard("OD-02")
def od02_complete(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-02"
    gated = _gate(sid, f, cfg, item_level=True)
    if gated:
        return gated
    a, found = auditor_answer(f.record, "complete_prescription")
    if a is not YesNo.UNKNOWN:
        return _fan_out(sid, f, MET if a is YesNo.YES else NOT_MET, [cite(AUDITOR, found, a)], item_level=True)
    if not f.items:
        return [result(sid, NOT_ASSESSABLE, f.opioid_ev + [cite(EXTRACTION, "opioids", None, note=_NO_TEXT)],
                   reason="ITEMS_UNKNOWN")]
    out = []
    for i, item in enumerate(f.items):
        missing = _od02_missing(item)
        if missing:
            out.append(result(sid, NOT_MET, [item_evidence(i, item, "missing_fields", missing,
                                                       note="not stated: " + ", ".join(missing))], item=i))
        else:
            out.append(result(sid, MET, [item_evidence(i, item, "missing_fields", [],
                                                   note="drug, strength, formulation, dose, frequency, route and quantity stated")], item=i))
    return out


@standard("OD-03")
def od03_duration(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    """Per item: any stated intended length or stop date, in any common wording, in the item's
    line or statement (or a plan about it). A stated supply length counts only when the trust
    sets ``od03_supply_counts_as_duration``. Excluded: pre-admission opioid continued unchanged."""
    sid = "OD-03"
    gated = _gate(sid, f, cfg, item_level=True)
    if gated:
        return gated
    a, found = auditor_answer(f.record, "duration_stated")
    if not f.items:
        if f.letter_new == "not_new" and f.letter_not_new_code == "LTOT":
            return [result(sid, NOT_APPLICABLE, f.new_ev, code="LTOT")]
        if a is not YesNo.UNKNOWN:
            return [_yesno_result(sid, a, [cite(AUDITOR, found, a)], "MISSING_DURATION")]
        return [result(sid, NOT_ASSESSABLE, [cite(EXTRACTION, "opioids", None, note=_NO_TEXT + " 'duration_stated'")],
                   reason="ITEMS_UNKNOWN")]
    supply_counts = bool(cfg.param("od03_supply_counts_as_duration"))
    out = []
    for i, item in enumerate(f.items):
        status, code, new_ev = f.item_status(i)
        if status == "not_new" and code == "LTOT":
            out.append(result(sid, NOT_APPLICABLE, new_ev, code="LTOT", item=i))
            continue
        if a is not YesNo.UNKNOWN:
            out.append(_yesno_result(sid, a, [cite(AUDITOR, found, a)], "MISSING_DURATION", item=i))
            continue
        found_ev, supply_ev = _od03_statement(f, i, item)
        if found_ev is None and supply_ev is not None and supply_counts:
            found_ev = dict(supply_ev, note=supply_ev["note"] + "; counted (trust setting od03_supply_counts_as_duration)")
            supply_ev = None
        if found_ev is not None:
            out.append(result(sid, MET, [found_ev], item=i))
        elif status == "unknown":
            out.append(result(sid, NOT_ASSESSABLE, new_ev + ([supply_ev] if supply_ev else []), item=i,
                          reason="NEW_STATUS_UNKNOWN"))
        else:
            note = "no intended length or stop date found"
            if supply_ev is not None:
                note += " (a supply length is stated; the trust does not count it as a duration)"
            out.append(result(sid, NOT_MET, [item_evidence(i, item, "duration_days", None, note=note)]
                          + ([supply_ev] if supply_ev else []), item=i))
    return out


def _od03_statement(f: LetterFacts, i: int, item: dict) -> tuple[dict | None, dict | None]:
    """(evidence of a stated length/stop date, evidence of a stated supply length)."""
    if num(item.get("duration_days")) is not None:
        return item_evidence(i, item, "duration_days", num(item["duration_days"])), None
    supply_ev = None
    for what, text, offset in item_statements(f, i):
        hit = stated_duration(text)
        if hit is None:
            continue
        kind, m = hit
        span = [offset + m.start(), offset + m.end()] if offset >= 0 else None
        e = cite(DERIVED, f"opioids[{i}].{what}", m.group(0), text=m.group(0), span=span,
               note={"length": "intended length stated", "stop": "stop date stated",
                     "supply": "supply length stated"}[kind])
        if kind != "supply":
            return e, None
        supply_ev = supply_ev or e
    if supply_ev is None and num(item.get("supply_days")) is not None:
        supply_ev = item_evidence(i, item, "supply_days", num(item["supply_days"]), note="supply length stated")
    return None, supply_ev


@standard("OD-04")
def od04_weaning(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-04"
    gated = _gate(sid, f, cfg, item_level=False) or _letter_new_gate(sid, f)
    if gated:
        return gated
    res = _answer_for_letter(sid, f, "weaning_plan", "weaning_plan", "MISSING_WEANING_PLAN")
    res[0].evidence.extend(e for e in f.new_ev if e.get("note"))
    return res


@standard("OD-05")
def od05_supply(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-05"
    gated = _gate(sid, f, cfg, item_level=True)
    if gated:
        return gated
    limit = float(cfg.param("supply_limit_days"))
    limit_ev = cite(CONFIG, "supply_limit_days", cfg.param("supply_limit_days"))
    auditor_days = num(f.record.days_supplied)

    def verdict(days, evid, item=None):
        evid = evid + [limit_ev]
        if days is None:
            return result(sid, NOT_ASSESSABLE, evid, item=item, reason="MISSING_QUANTITY")
        return result(sid, MET if days <= limit + 1e-9 else NOT_MET, evid, item=item)

    if not f.items:
        gated = _letter_new_gate(sid, f)
        if gated:
            return gated
        if auditor_days is not None:
            return [verdict(auditor_days, [cite(AUDITOR, "days_supplied", auditor_days, text=f.record.days_supplied_raw)])]
        return [result(sid, NOT_ASSESSABLE, [cite(AUDITOR, "days_supplied", None, text=f.record.days_supplied_raw,
                                            note="days supplied not recorded and no letter text")],
                   reason="MISSING_QUANTITY")]

    def judge(i, item, new_ev):
        if auditor_days is not None:
            return verdict(auditor_days, [cite(AUDITOR, "days_supplied", auditor_days, text=f.record.days_supplied_raw)], i)
        days, how = supply_days(item)
        e = item_evidence(i, item, "supply_days", None if days is None else round(days, 2), note=how)
        return verdict(days, [e] + [x for x in new_ev if x.get("note")], i)

    return _new_items(sid, f, judge)


_IR_FORMS = {"IR", "liquid", "combination"}


@standard("OD-06")
def od06_ir(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-06"
    def judge(i, item, new_ev):
        form = item.get("formulation")
        extra = [x for x in new_ev if x.get("note")]
        if form in _IR_FORMS:
            return result(sid, MET, [item_evidence(i, item, "formulation", form)] + extra, item=i)
        if form in ("MR", "patch"):
            return result(sid, NOT_MET, [item_evidence(i, item, "formulation", form,
                                                   note="new long-acting opioid")] + extra, item=i)
        return result(sid, NOT_ASSESSABLE, [item_evidence(i, item, "formulation", form)], item=i,
                  reason="MISSING_FORMULATION")

    return _gate(sid, f, cfg, item_level=True) or _each_new_item(sid, f, judge)


@standard("OD-07")
def od07_no_new_patch(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-07"
    gated = _gate(sid, f, cfg, item_level=False) or _letter_new_gate(sid, f)
    if gated:
        return gated
    if not f.items:
        return _items_unknown(sid)
    patches, unknown_form = [], []
    for i, item in enumerate(f.items):
        status, new_ev = f.item_new(i)
        if status == "not_new":
            continue
        if item.get("formulation") == "patch" or str(item.get("route") or "") == "transdermal":
            patches.append(item_evidence(i, item, "formulation", "patch",
                                         note="newly started patch" if status == "new" else "patch; new status unknown"))
        elif not item.get("formulation"):
            unknown_form.append(item_evidence(i, item, "formulation", None))
    if patches:
        return [result(sid, NOT_MET, patches)]
    if unknown_form:
        return [result(sid, NOT_ASSESSABLE, unknown_form, reason="MISSING_FORMULATION")]
    return [result(sid, MET, [cite(EXTRACTION, "opioids[].formulation",
                             sorted({str(it.get('formulation')) for it in f.items}),
                             note="no newly started transdermal opioid")])]


@standard("OD-08")
def od08_gp_action(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-08"
    return _gate(sid, f, cfg, item_level=False) or _answer_for_letter(
        sid, f, "gp_action", "gp_instruction", "MISSING_GP_ACTION")


@standard("OD-09")
def od09_patient_informed(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-09"
    return (_gate(sid, f, cfg, item_level=False) or _letter_new_gate(sid, f)
            or _answer_for_letter(sid, f, "patient_informed", "patient_informed", "MISSING_PATIENT_INFORMATION"))


def _coprescription(sid: str, f: LetterFacts, cfg: StandardsConfig, cls: str, classes: set[str], flag: str,
                    code: str):
    """Population: the auditor's 'co-prescribed' column when it names the class, else the
    extractor's active co-prescriptions (stopped, negated and allergy mentions are not
    co-prescriptions). Met when every co-prescribed drug of the class has a stated reason."""
    gated = _gate(sid, f, cfg, item_level=False)
    if gated:
        return gated
    raw = f.record.co_prescribed_sedative
    auditor_classes = classify_sedative_text(raw)
    found = coprescriptions(f.extraction, classes)
    if auditor_classes is not None:
        present = cls in auditor_classes
        pop_ev = [cite(AUDITOR, "co_prescribed_sedative", raw)]
    elif found is not None:
        present = bool(found)
        pop_ev = [co_evidence(i, c, "class", c.get("class"), note=f"co-prescribed {c.get('drug') or c.get('class')}")
                  for i, c in found] or [cite(EXTRACTION, "co_prescriptions", [], note=f"no active {' or '.join(sorted(classes))} on the letter")]
    elif f.extraction is not None:
        flags = f.extraction.get("risk_flags")
        present = isinstance(flags, list) and flag in flags
        pop_ev = [cite(EXTRACTION, "risk_flags", flag if present else None,
                     note=f"extractor {'found' if present else 'did not find'} {flag}")]
    else:
        return [result(sid, NOT_ASSESSABLE, [cite(AUDITOR, "co_prescribed_sedative", raw,
                                            note="co-prescription not recorded and no letter text")],
                   reason="POPULATION_UNKNOWN")]
    if raw and auditor_classes is None:
        pop_ev.insert(0, cite(AUDITOR, "co_prescribed_sedative", raw, note="drug class not stated by the auditor"))
    if not present:
        return [result(sid, NOT_APPLICABLE, pop_ev, code=code)]
    a, a_found = auditor_answer(f.record, "coprescription_justified")
    if a is not YesNo.UNKNOWN:
        return [_yesno_result(sid, a, pop_ev + [cite(AUDITOR, a_found, a)], "MISSING_JUSTIFICATION")]
    if found and any("justification" in c for _, c in found):
        reasons = [(i, c) + justification(c) for i, c in found]
        j_ev = [co_evidence(i, c, "justification", txt, note="reason stated" if ok else "no reason stated")
                for i, c, ok, txt in reasons]
        ok_all = all(ok for _, _, ok, _ in reasons)
        return [result(sid, MET if ok_all else NOT_MET, pop_ev + j_ev)]
    ans, evid = combine_answer(f.record, f.extraction, None, "coprescription_justified")
    return [_yesno_result(sid, ans, pop_ev + evid, "MISSING_JUSTIFICATION")]


@standard("OD-10")
def od10_bzd(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    return _coprescription("OD-10", f, cfg, "bzd", {"benzodiazepine", "z_drug"}, "benzodiazepine_coprescribed",
                           "NO_BZD")


@standard("OD-11")
def od11_gabapentinoid(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    return _coprescription("OD-11", f, cfg, "gaba", {"gabapentinoid"}, "gabapentinoid_coprescribed",
                           "NO_GABAPENTINOID")


@standard("OD-12")
def od12_high_dose(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    """Population: total pain OME at or over the threshold (a lower bound over it counts; under
    it with an item not converted is not assessable). Met: a documented senior / pain-team /
    specialist review, or a taper (reduction) plan. A review requested but not done is not one."""
    sid = "OD-12"
    gated = _gate(sid, f, cfg, item_level=False)
    if gated:
        return gated
    threshold = float(cfg.param("high_dose_threshold_mg"))
    t_ev = cite(CONFIG, "high_dose_threshold_mg", cfg.param("high_dose_threshold_mg"))
    ome, complete, evid = total_ome(f)
    if ome is None or (ome < threshold and not complete):
        return [result(sid, NOT_ASSESSABLE, evid + [t_ev], reason="OME_INCOMPLETE" if ome is not None else "POPULATION_UNKNOWN")]
    if ome < threshold:
        return [result(sid, NOT_APPLICABLE, evid + [t_ev], code="BELOW_THRESHOLD")]
    pop = evid + [t_ev]
    a, found = auditor_answer(f.record, "high_dose_reviewed")
    if a is not YesNo.UNKNOWN:
        return [_yesno_result(sid, a, pop + [cite(AUDITOR, found, a)], "MISSING_REVIEW")]
    x = f.extraction
    if x is None:
        return [result(sid, NOT_ASSESSABLE, pop + [cite(AUDITOR, "high_dose_reviewed", None, note="not recorded and no letter text")],
                   reason="MISSING_REVIEW")]
    review, r_ev = extraction_answer(x, "specialist_review")
    if review is YesNo.UNKNOWN:
        review, r_ev = extraction_answer(x, "high_dose_reviewed")
    if review is YesNo.YES:
        return [result(sid, MET, pop + [dict(r_ev, note="senior / pain-team / specialist review documented")])]
    plan, p_ev = extraction_answer(x, "weaning_plan")
    if plan is YesNo.YES:
        return [result(sid, MET, pop + [dict(p_ev, note="reduction (taper) plan documented")])]
    sr = x.get("specialist_review")
    if sr is None and "high_dose_reviewed" not in x:  # an extraction that did not look for a review
        return [result(sid, NOT_ASSESSABLE, pop + [cite(EXTRACTION, "specialist_review", None,
                                                  note="this extraction does not record reviews")],
                   reason="MISSING_REVIEW")]
    no_ev = [cite(EXTRACTION, "specialist_review", False, note="no review or reduction plan found")]
    if isinstance(sr, dict) and sr.get("negated_text"):
        no_ev = [cite(EXTRACTION, "specialist_review.negated_text", False, text=sr.get("negated_text"),
                    span=sr.get("negated_span"), note="a review was requested or planned but not done: not met")]
    return [result(sid, NOT_MET, pop + no_ev)]


@standard("OD-13")
def od13_ltot(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    """Population: a pre-admission opioid (auditor: not new / long-term, or the letter says an
    opioid is continued or changed from its pre-admission dose). Met when the letter states, for
    each pre-admission opioid, whether it changed, and an increase comes with a plan (weaning /
    return to the pre-admission dose)."""
    sid = "OD-13"
    gated = _gate(sid, f, cfg, item_level=False)
    if gated:
        return gated
    a_new, found = auditor_answer(f.record, "new_opioid")
    a_ltot, found_ltot = auditor_answer(f.record, "long_term_preadmission")
    changes = [item_change(i, it) for i, it in enumerate(f.items)]
    pre = [i for i, (c, _) in enumerate(changes) if c in ("continued", "reduced", "increased", "changed")]
    if a_ltot is YesNo.YES or a_new is YesNo.NO or pre:
        pop_ev = ([cite(AUDITOR, found_ltot, a_ltot)] if a_ltot is YesNo.YES else []) + \
                 ([cite(AUDITOR, found or "new_opioid", a_new)] if a_new is YesNo.NO else []) + \
                 [changes[i][1] for i in pre]
    elif a_ltot is YesNo.NO or (f.items and all(c == "new" for c, _ in changes)):
        return [result(sid, NOT_APPLICABLE, [cite(AUDITOR, found_ltot, a_ltot)] if a_ltot is YesNo.NO else
                   [e for _, e in changes], code="NOT_LTOT")]
    elif cfg.param("assume_new_when_unknown") or (not f.items and cfg.param("assume_new_without_text")):
        return [result(sid, NOT_APPLICABLE, [cite(DERIVED, "new_opioid", None,
                                            note="no pre-admission opioid recorded; counted as new "
                                                 f"({'assume_new_when_unknown' if f.items else 'assume_new_without_text'})")],
                   code="NOT_LTOT")]
    else:
        return [result(sid, NOT_ASSESSABLE, [cite(AUDITOR, "new_opioid", YesNo.UNKNOWN, note="long-term opioid before admission not recorded")]
                   + [e for _, e in changes], reason="NEW_STATUS_UNKNOWN")]
    ans, found_rec = auditor_answer(f.record, "ltot_reconciled")
    if ans is not YesNo.UNKNOWN:
        return [_yesno_result(sid, ans, pop_ev + [cite(AUDITOR, found_rec, ans)], "MISSING_RECONCILIATION")]
    ans, x_ev = extraction_answer(f.extraction, "ltot_reconciled")
    if ans is not YesNo.UNKNOWN:
        return [_yesno_result(sid, ans, pop_ev + [x_ev], "MISSING_RECONCILIATION")]
    if not f.items:
        return [result(sid, NOT_ASSESSABLE, pop_ev + [cite(EXTRACTION, "opioids", None, note=_NO_TEXT + " 'ltot_reconciled'")],
                   reason="MISSING_RECONCILIATION")]
    unstated = [i for i, (c, _) in enumerate(changes) if c is None]
    if unstated:
        return [result(sid, NOT_MET, pop_ev + [dict(changes[i][1], note="the letter does not say whether this opioid is new, "
                                                "unchanged or changed from the pre-admission dose") for i in unstated])]
    raised = [i for i, (c, _) in enumerate(changes) if c in ("increased", "changed", "new")]
    if raised:
        w, w_ev = combine_answer(f.record, f.extraction, "weaning_plan", "weaning_plan")
        ch_ev = [changes[i][1] for i in raised]
        if w is YesNo.UNKNOWN:
            return [result(sid, NOT_ASSESSABLE, pop_ev + ch_ev + w_ev, reason="MISSING_WEANING_PLAN")]
        if w is YesNo.NO:
            w_ev = w_ev + [cite(DERIVED, "weaning_plan", False, note="dose increased or opioid added with no plan "
                                                                      "to return to the pre-admission dose")]
        return [result(sid, MET if w is YesNo.YES else NOT_MET, pop_ev + ch_ev + w_ev)]
    return [result(sid, MET, pop_ev + [cite(DERIVED, "opioids[].status", "stated",
                                      note="each opioid's status against the pre-admission list is stated")])]


_TONSIL = re.compile(r"\b(adeno)?tonsillectom\w*|\badenoidectom\w*|\bT\s*&\s*A\b", re.I)
_OSA = re.compile(r"\b(OSA|obstructive sleep apn\w*|sleep[- ]disordered breathing|sleep apn\w*)\b", re.I)


@standard("OD-14")
def od14_codeine_children(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-14"
    gated = _gate(sid, f, cfg, item_level=True, skip_children=False)
    if gated:
        return gated
    max_days = float(cfg.param("codeine_max_days_12_18"))
    max_ev = cite(CONFIG, "codeine_max_days_12_18", cfg.param("codeine_max_days_12_18"))

    def judge(item_ev: list[dict], days, days_ev, item=None):
        if f.age is None:
            return result(sid, NOT_ASSESSABLE, item_ev + [cite(AUDITOR, "age", None, note="age unknown")], item=item,
                      reason="AGE_UNKNOWN")
        if f.age >= 18:
            return result(sid, NOT_APPLICABLE, f.age_ev, code="ADULT", item=item)
        if f.age < 12:
            return result(sid, NOT_MET, item_ev + f.age_ev + [cite(DERIVED, "age", f.age, note="codeine contraindicated under 12")],
                      item=item)
        if f.text:
            t = _TONSIL.search(f.text)
            if t:
                o = _OSA.search(f.text)
                t_ev = cite(DERIVED, "letter_text", t.group(0), span=[t.start(), t.end()], text=t.group(0),
                          note="tonsillectomy/adenoidectomy mentioned")
                if o:
                    return result(sid, NOT_MET, item_ev + f.age_ev + [t_ev, cite(DERIVED, "letter_text", o.group(0), span=[o.start(), o.end()],
                                                                          text=o.group(0), note="for obstructive sleep apnoea: codeine contraindicated under 18")],
                              item=item)
                return result(sid, NOT_ASSESSABLE, item_ev + f.age_ev + [t_ev], item=item, reason="CHECK_TONSILLECTOMY_INDICATION")
        if days is None:
            return result(sid, NOT_ASSESSABLE, item_ev + f.age_ev + days_ev + [max_ev], item=item, reason="MISSING_DURATION")
        return result(sid, MET if days <= max_days + 1e-9 else NOT_MET, item_ev + f.age_ev + days_ev + [max_ev], item=item)

    if f.items:
        out = []
        for i, item in enumerate(f.items):
            if not is_codeine_item(item):
                out.append(result(sid, NOT_APPLICABLE, [item_evidence(i, item, "generic", item.get("generic"))],
                              code="NOT_CODEINE", item=i))
                continue
            days, days_ev = None, []
            if num(f.record.days_supplied) is not None:
                days, days_ev = num(f.record.days_supplied), [cite(AUDITOR, "days_supplied", num(f.record.days_supplied))]
            elif num(item.get("duration_days")) is not None:
                days, days_ev = num(item["duration_days"]), [item_evidence(i, item, "duration_days", num(item["duration_days"]))]
            else:
                days, how = supply_days(item)
                days_ev = [item_evidence(i, item, "supply_days", days, note=how)]
            out.append(judge([item_evidence(i, item, "generic", "codeine")], days, days_ev, item=i))
        return out
    has = mentions_codeine(f.record.drug)
    if has is None:
        return [result(sid, NOT_ASSESSABLE, [cite(AUDITOR, "drug", None, note="drug not recorded and no letter text")],
                   reason="ITEMS_UNKNOWN")]
    if not has:
        return [result(sid, NOT_APPLICABLE, [cite(AUDITOR, "drug", f.record.drug)], code="NO_CODEINE")]
    days = num(f.record.days_supplied)
    return [judge([cite(AUDITOR, "drug", f.record.drug, note="codeine named")], days,
                  [cite(AUDITOR, "days_supplied", days, text=f.record.days_supplied_raw)])]


@standard("OD-15")
def od15_laxative(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-15"
    gated = _gate(sid, f, cfg, item_level=False)
    if gated:
        return gated
    if not f.items:
        return [result(sid, NOT_ASSESSABLE, [cite(EXTRACTION, "opioids", None, note=_NO_TEXT)], reason="POPULATION_UNKNOWN")]
    strong = [i for i, it in enumerate(f.items)
              if is_strong_opioid(it.get("generic")) and it.get("prn") is False]
    if not strong:
        return [result(sid, NOT_APPLICABLE, [cite(EXTRACTION, "opioids[].prn", None, note="no regular strong opioid")],
                   code="NO_REGULAR_STRONG")]
    pop_ev = [item_evidence(i, f.items[i], "generic", f.items[i].get("generic"), note="regular strong opioid")
              for i in strong]
    ans, a_ev = combine_answer(f.record, f.extraction, "laxative", "laxative_coprescribed")
    if ans is not YesNo.UNKNOWN:
        return [_yesno_result(sid, ans, pop_ev + a_ev, "MISSING_LAXATIVE")]
    found = coprescriptions(f.extraction, {"laxative"})
    if found:
        return [result(sid, MET, pop_ev + [co_evidence(i, c, "class", "laxative", note=f"laxative co-prescribed: {c.get('drug')}")
                                       for i, c in found])]
    if found is not None:  # the extractor lists active co-prescriptions; stopped / negated ones are not among them
        return [result(sid, NOT_MET, pop_ev + [cite(EXTRACTION, "co_prescriptions", [],
                                              note="no laxative prescribed on discharge (stopped, declined, allergy "
                                                   "or negated mentions do not count)")])]
    if f.text:  # an extraction without co-prescriptions: read the letter text with the drug-class lexicon
        from nlp.drug_classes import find_class_mentions

        mentions = find_class_mentions(f.text, classes=["laxative"])
        active = [m for m in mentions if m.active]
        if active:
            m = active[0]
            return [result(sid, MET, pop_ev + [cite(DERIVED, "letter_text", m.drug, text=f.text[m.span[0]:m.span[1]],
                                              span=list(m.span), note="laxative on the letter")])]
        why = "; ".join(sorted({f"{m.drug} {m.status}" for m in mentions}))
        return [result(sid, NOT_MET, pop_ev + [cite(DERIVED, "letter_text", None,
                                              note="no laxative prescribed in the letter" + (f" ({why})" if why else ""))])]
    return [result(sid, NOT_ASSESSABLE, pop_ev + a_ev, reason="MISSING_LAXATIVE")]


@standard("OD-17")
def od17_no_compound(f: LetterFacts, cfg: StandardsConfig) -> list[StandardResult]:
    sid = "OD-17"
    def judge(i, item, new_ev):
        form = item.get("formulation")
        if not form:
            return result(sid, NOT_ASSESSABLE, [item_evidence(i, item, "formulation", None)], item=i, reason="MISSING_FORMULATION")
        if form == "combination":
            return result(sid, NOT_MET, [item_evidence(i, item, "formulation", form, note="compound analgesic")], item=i)
        return result(sid, MET, [item_evidence(i, item, "formulation", form)], item=i)

    return _gate(sid, f, cfg, item_level=True) or _each_new_item(sid, f, judge)
