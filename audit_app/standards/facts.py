"""Facts about one letter that several standards share, each with its evidence.

Rule for combining the two sources: the auditor's explicit answer (yes/no, a number) is the
audit's record; where the auditor left it unknown and the letter text was extracted, the
extractor's answer is used and the evidence says ``source='extraction'``; where neither, the
standard is 'not assessable'. Exclusions need positive evidence (an unknown 'palliative' is
not an exclusion).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from audit_app.records import AuditRecord, YesNo, yes_no

AUDITOR = "auditor"
EXTRACTION = "extraction"
DERIVED = "derived"
CONFIG = "config"


OST_BRANDS = {"espranor", "subutex", "suboxone", "buvidal", "sublocade", "physeptone"}
_OST_TEXT = re.compile(r"\b(methadone|physeptone|espranor|subutex|suboxone|buvidal|sublocade)\b", re.I)
_PATCH_INTERVAL_DAYS = {"fentanyl": 3.0}


def is_strong_opioid(generic: str | None) -> bool:
    """A strong opioid, from the one drug-class lexicon (nlp.drug_classes)."""
    from nlp.drug_classes import generics_in

    return str(generic or "").lower() in generics_in("strong_opioid")


def cite(source: str, field_name: str, value: Any = None, *, text: str | None = None,
         span: Any = None, note: str | None = None) -> dict[str, Any]:
    """One evidence item: where an answer came from (auditor, extraction, derived, config), the
    field, its value and the letter text behind it (keys with None values are left out, except 'value')."""
    out: dict[str, Any] = {"source": source, "field": field_name, "value": _jsonable(value)}
    if text is not None:
        out["text"] = text
    if span is not None:
        out["span"] = _jsonable(span)
    if note is not None:
        out["note"] = note
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, YesNo):
        return v.value
    if isinstance(v, tuple):
        return list(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _norm_key(k: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(k).strip().lower()).strip("_")


def num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None  # NaN / infinity -> None


def item_evidence(i: int, item: dict, field_name: str, value: Any = None, note: str | None = None) -> dict:
    return cite(EXTRACTION, f"opioids[{i}].{field_name}", value, text=item.get("text"),
              span=item.get("span"), note=note)


def heading_key(heading: Any) -> str:
    """A spreadsheet heading as a key: 'Mental health diagnosis (Y/N)' -> 'mental_health_diagnosis'."""
    k = _norm_key(heading)
    return re.sub(r"_(?:y_?n|yes_no|flag|\?)$", "", k)


def column_value(record: dict | AuditRecord, names: tuple[str, ...]) -> Any:
    """A record field, or an unmapped column whose heading is one of ``names`` (as heading_key
    gives them); None when blank or absent."""
    get = record.get if isinstance(record, dict) else (lambda k, d=None: getattr(record, k, d))
    for n in names:
        v = get(n)
        if v not in (None, ""):
            return v
    extra = get("extra") or {}
    for k, v in extra.items():
        if heading_key(k) in names and v not in (None, ""):
            return v
    return None


def auditor_answer(record: AuditRecord, name: str) -> tuple[YesNo, str | None]:
    """The auditor's yes/no for a canonical field, or for an unmapped column of that name.

    Returns (answer, field name as found) - the field is None when nothing was recorded.
    """
    v = getattr(record, name, None)
    if isinstance(v, YesNo) and v is not YesNo.UNKNOWN:
        return v, name
    for k, val in (record.extra or {}).items():  # an unmapped column of that name still counts
        if _norm_key(k) == name:
            return yes_no(val), f"extra.{k}"
    return YesNo.UNKNOWN, (name if isinstance(v, YesNo) else None)


def extraction_answer(extraction: dict | None, key: str) -> tuple[YesNo, dict | None]:
    """The extractor's letter-level yes/no (a bool or ``{present, text, span}``) with evidence."""
    if not extraction or key not in extraction or extraction[key] is None:
        return YesNo.UNKNOWN, None
    raw = extraction[key]
    ans = yes_no(raw)
    if ans is YesNo.UNKNOWN:
        return ans, None
    if isinstance(raw, dict):
        return ans, cite(EXTRACTION, f"{key}.present", ans == YesNo.YES, text=raw.get("text"), span=raw.get("span"))
    return ans, cite(EXTRACTION, key, ans == YesNo.YES)


def combine_answer(record: AuditRecord, extraction: dict | None, auditor_field: str | None,
                   extraction_key: str | None) -> tuple[YesNo, list[dict]]:
    """Auditor's explicit Y/N wins; else the extractor's; else UNKNOWN. Evidence notes disagreement."""
    a, found = auditor_answer(record, auditor_field) if auditor_field else (YesNo.UNKNOWN, None)
    x, x_ev = extraction_answer(extraction, extraction_key) if extraction_key else (YesNo.UNKNOWN, None)
    if a is not YesNo.UNKNOWN:
        out = [cite(AUDITOR, found or auditor_field, a)]
        if x is not YesNo.UNKNOWN and x != a and x_ev is not None:
            x_ev = dict(x_ev)
            x_ev["note"] = "extractor disagrees with the auditor; the auditor's answer is the audit's record"
            out.append(x_ev)
        return a, out
    if x is not YesNo.UNKNOWN and x_ev is not None:
        x_ev = dict(x_ev)
        x_ev.setdefault("note", "auditor's answer unknown; the extractor's answer is used")
        return x, [x_ev]
    out = []
    if auditor_field:
        out.append(cite(AUDITOR, found or auditor_field, YesNo.UNKNOWN, note="not recorded by the auditor"))
    if extraction_key:
        out.append(cite(EXTRACTION, extraction_key, None,
                      note="no letter text extracted" if extraction is None else "not found by the extractor"))
    return YesNo.UNKNOWN, out


def classify_sedative_text(text: str | None) -> set[str] | None:
    """Auditor's 'benzo / gabapentinoid' column -> {'bzd', 'gaba'} subset; None when unknown.

    Drug names and class words come from the drug-class lexicon (nlp.drug_classes); Z-drugs count
    as 'bzd' (OD-10). 'N'/'none' -> empty set; 'Y' without a drug class -> None (unknown which class).
    """
    from nlp.drug_classes import text_names_class

    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    found = set()
    if text_names_class(s, "benzodiazepine") or text_names_class(s, "z_drug"):
        found.add("bzd")
    if text_names_class(s, "gabapentinoid"):
        found.add("gaba")
    if found:
        return found
    yn = yes_no(s)
    if yn is YesNo.NO:
        return set()
    return None


def mentions_codeine(text: str | None) -> bool | None:
    """Whether free text (the auditor's drug column) names codeine or a codeine product (co-codamol,
    its brands), through the opioid lexicon. None for blank text."""
    from nlp.drug_classes import generic_of
    from nlp.lexicon import load_lexicon

    if text is None or not str(text).strip():
        return None
    return any(generic_of(surface) == "codeine" for _s, _e, surface in load_lexicon().iter_matches(str(text)))


def is_codeine_item(item: dict) -> bool:
    return str(item.get("generic") or "").lower() == "codeine"


def is_ost_item(item: dict) -> bool:
    """Opioid substitution therapy: the letter's stated purpose decides ('pain' - e.g. methadone
    or buprenorphine from the pain team - is not OST); without one, OST products and strengths."""
    purpose = item.get("purpose")
    if purpose == "substitution":
        return True
    if purpose == "pain":
        return False
    generic = str(item.get("generic") or "").lower()
    brand = str(item.get("brand") or "").lower()
    if generic == "methadone" or brand in OST_BRANDS:
        return True
    if generic == "buprenorphine" and str(item.get("formulation") or "") != "patch":
        s = num(item.get("strength_mg"))
        return s is not None and s >= 2  # 2 mg / 8 mg SL are dependence strengths (pain: 0.2/0.4 mg)
    return False


def _parse_quantity(q: Any) -> tuple[float, str] | None:
    if q is None:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?", str(q))
    if not m:
        return None
    unit = (m.group(2) or "").lower()
    unit = {"tabs": "tablets", "tab": "tablets", "tablet": "tablets", "caps": "capsules", "cap": "capsules",
            "capsule": "capsules", "patch": "patches", "ml": "ml", "mls": "ml", "ampoule": "ampoules"}.get(unit, unit)
    return float(m.group(1)), unit


def patch_interval_days(item: dict) -> float | None:
    generic = str(item.get("generic") or "").lower()
    brand = str(item.get("brand") or "").lower()
    if generic == "fentanyl":
        return 3.0
    if generic == "buprenorphine":
        if brand == "transtec":
            return 4.0
        if brand == "hapoctasin":
            return 3.0
        s = num(item.get("strength_mcg_per_hour"))
        if s is None:
            return None
        return 7.0 if s <= 20 else 3.0  # 5-20 mcg/h are 7-day; 35-70 mcg/h are 72-96 h (3 days, conservative)
    return None


def supply_days(item: dict) -> tuple[float | None, str]:
    """Days of supply for one item: stated days, else quantity / max daily use. (days, how)."""
    stated = num(item.get("supply_days"))
    if stated is not None:
        return stated, "stated supply days"
    q = _parse_quantity(item.get("supply_quantity"))
    if q is None:
        return None, "no supply days or quantity stated"
    n, unit = q
    if str(item.get("formulation") or "") == "patch" or unit == "patches":
        interval = patch_interval_days(item)
        if interval is None:
            return None, "patch change interval unknown"
        return n * interval, f"{n:g} patches x {interval:g}-day change interval"
    if unit == "ampoules":
        return None, "ampoule quantities are not converted to days"
    dose = num(item.get("dose_mg_max"))
    strength = num(item.get("strength_mg"))
    freq = num(item.get("frequency_per_day_max"))
    if not dose or not strength or not freq:
        return None, "dose, strength or maximum frequency missing"
    units_per_dose = dose / strength  # tablets (or ml: strength is mg per ml)
    per_day = units_per_dose * freq
    if per_day <= 0 or n < 0:
        return None, "dose, strength or frequency not usable"
    days = n / per_day
    return days, f"{n:g} {unit or 'units'} / ({units_per_dose:g} per dose x {freq:g} a day)"


_TEXT_KEYS = ("generic", "brand", "formulation", "route", "supply_quantity", "text", "indication",
              "ome_factor_source")
_ENUM_KEYS = {"status": ("new", "changed", "continued"), "dose_change": ("increased", "reduced", "unchanged"),
              "purpose": ("pain", "substitution")}


def _clean_item(item: dict) -> dict:
    """An extraction item with its enum/text fields as str or None (odd types never reach a rule)."""
    out = dict(item)
    for k in _TEXT_KEYS:
        v = out.get(k)
        if v is not None and not isinstance(v, str):
            out[k] = None
    for k in ("new_on_admission", "prn"):
        if out.get(k) not in (True, False, None):
            out[k] = None
    for k, allowed in _ENUM_KEYS.items():
        if k in out:
            v = str(out[k]).strip().lower() if isinstance(out[k], str) else None
            out[k] = v if v in allowed else None
    return out


@dataclass
class LetterFacts:
    record: AuditRecord
    extraction: dict | None
    text: str | None
    params: dict[str, Any]
    items: list[dict] = field(default_factory=list)
    opioid: str = "unknown"                      # 'yes' | 'no' | 'unknown'
    opioid_ev: list[dict] = field(default_factory=list)
    age: int | None = None
    age_ev: list[dict] = field(default_factory=list)
    exclusions: dict[str, list[dict]] = field(default_factory=dict)  # global exclusions found
    letter_new: str = "unknown"                  # 'new' | 'not_new' | 'unknown'
    letter_not_new_code: str = "LTOT"            # LTOT (continued unchanged) or NOT_NEW (reduced)
    new_ev: list[dict] = field(default_factory=list)

    # ---- per-item 'new' status -----------------------------------------------------------------
    def item_new(self, i: int) -> tuple[str, list[dict]]:
        """'new' | 'not_new' | 'unknown' for item ``i`` with its evidence (see :meth:`item_status`)."""
        status, _code, evid = self.item_status(i)
        return status, evid

    def item_status(self, i: int) -> tuple[str, str | None, list[dict]]:
        """(status, exclusion code when not new, evidence) for item ``i``.

        standards.md: a new opioid is one not on the pre-admission list, or the same opioid at a
        higher dose or a different formulation. So an increase counts as new; a pre-admission
        opioid continued unchanged is ``LTOT``; one reduced is ``NOT_NEW``. With no status word
        the status is unknown (never silently 'not new'), unless ``assume_new_when_unknown``.
        """
        item = self.items[i]
        a, found = auditor_answer(self.record, "new_opioid")
        if a is YesNo.NO:
            return "not_new", "LTOT", [cite(AUDITOR, found or "new_opioid", a, note="auditor: not a new opioid")]
        change, change_ev = item_change(i, item)
        if a is YesNo.YES and (len(self.items) == 1 or change is None):
            return "new", None, [cite(AUDITOR, found or "new_opioid", a)]
        if change in ("new", "increased", "changed"):
            return "new", None, [change_ev]
        if change == "continued":
            return "not_new", "LTOT", [change_ev]
        if change == "reduced":
            return "not_new", "NOT_NEW", [change_ev]
        if self.params.get("assume_new_when_unknown", False):
            return "new", None, [item_evidence(i, item, "status", None,
                                               note="new or continued not stated; counted as new (assume_new_when_unknown)")]
        return "unknown", None, [change_ev]


_CHANGE_NOTES = {
    "new": "new this admission",
    "increased": "dose increased this admission: counts as a new opioid",
    "changed": "changed this admission (not a dose reduction): counts as a new opioid",
    "continued": "pre-admission opioid continued unchanged",
    "reduced": "pre-admission opioid continued at a lower dose",
}


def item_change(i: int, item: dict) -> tuple[str | None, dict]:
    """What the letter says about item ``i`` against the pre-admission list, with evidence:
    'new' | 'increased' | 'changed' | 'continued' | 'reduced' | None (not stated).

    Uses the extractor's ``status`` / ``dose_change`` / ``previous_dose_mg``; extractions
    without a ``status`` key fall back to ``new_on_admission``.
    """
    status = item.get("status") if "status" in item else {
        True: "new", False: "continued"}.get(item.get("new_on_admission"))
    change = item.get("dose_change")
    prev, dose = num(item.get("previous_dose_mg")), num(item.get("dose_mg_max"))
    if change not in ("increased", "reduced", "unchanged") and prev is not None and dose is not None \
            and status in ("changed", "continued"):
        change = "increased" if dose > prev + 1e-9 else "reduced" if dose < prev - 1e-9 else "unchanged"
    if status == "new":
        out = "new"
    elif status in ("changed", "continued") and change == "increased":
        out = "increased"
    elif status in ("changed", "continued") and change == "reduced":
        out = "reduced"
    elif status == "continued":
        out = "continued"
    elif status == "changed":
        out = "changed" if change == "unchanged" else None
    else:
        out = None
    if out is None:
        note = ("changed this admission, but not whether the dose went up or down: status unknown"
                if status == "changed" else "the letter does not say whether this opioid is new or continued: status unknown")
        return None, item_evidence(i, item, "status", status, note=note)
    e = item_evidence(i, item, "status", status, note=_CHANGE_NOTES[out])
    if change in ("increased", "reduced") and prev is not None:
        e["previous_dose_mg"] = prev
    return out, e


def build_facts(record: AuditRecord, extraction: dict | None, params: dict[str, Any],
                text: str | None = None) -> LetterFacts:
    text = text if text is not None else record.letter_text
    f = LetterFacts(record=record, extraction=extraction, text=text if isinstance(text, str) else None,
                    params=params)
    if extraction is not None:
        raw_items = extraction.get("opioids")
        f.items = [_clean_item(o) for o in (raw_items if isinstance(raw_items, list) else []) if isinstance(o, dict)]

    # -- opioid on the letter
    a = record.opioid_prescribed
    if a is not YesNo.UNKNOWN:
        f.opioid = "yes" if a is YesNo.YES else "no"
        f.opioid_ev = [cite(AUDITOR, "opioid_prescribed", a)]
        if a is YesNo.NO and f.items:
            f.opioid_ev.append(cite(EXTRACTION, "opioids", len(f.items),
                                  note="extractor found opioid(s); the auditor's 'no' is the audit's record"))
            f.items = []
    elif extraction is not None:
        f.opioid = "yes" if f.items else "no"
        f.opioid_ev = [cite(EXTRACTION, "opioids", len(f.items), note="auditor's answer unknown; extractor used")]
    elif any(getattr(record, k) is not YesNo.UNKNOWN for k in ("weaning_plan", "gp_action", "indication", "new_opioid")):
        k = next(k for k in ("weaning_plan", "gp_action", "indication", "new_opioid") if getattr(record, k) is not YesNo.UNKNOWN)
        f.opioid = "yes"
        f.opioid_ev = [cite(AUDITOR, k, getattr(record, k),
                          note="'opioid prescribed' blank but the auditor answered an opioid question")]
    elif record.drug and yes_no(record.drug) is not YesNo.NO and str(record.drug).strip() not in ("-", "?", "n/a", "N/A"):
        f.opioid = "yes"
        f.opioid_ev = [cite(AUDITOR, "drug", record.drug, note="'opioid prescribed' blank but a drug is recorded")]
    else:
        f.opioid = "unknown"
        f.opioid_ev = [cite(AUDITOR, "opioid_prescribed", YesNo.UNKNOWN, note="not recorded and no letter text")]

    # -- age
    if record.age is not None and num(record.age) is not None:
        f.age = int(num(record.age))
        f.age_ev = [cite(AUDITOR, "age", f.age)]
    elif extraction is not None and num(extraction.get("patient_age")) is not None:
        f.age = int(num(extraction.get("patient_age")))
        f.age_ev = [cite(EXTRACTION, "patient_age", f.age)]

    # -- global exclusions (need positive evidence)
    for code, afield, xkey in (("PALL", "palliative", "palliative"), ("CANCER", "cancer_pain", "cancer_pain")):
        ans, evid = combine_answer(record, extraction, afield, xkey)
        if ans is YesNo.YES:
            f.exclusions[code] = evid
        elif code == "PALL" and ans is YesNo.UNKNOWN and extraction and extraction.get("scenario") == "palliative":
            f.exclusions[code] = [cite(EXTRACTION, "scenario", "palliative")]
    ost_ev = []
    for i, item in enumerate(f.items):
        if is_ost_item(item):
            ost_ev.append(item_evidence(i, item, "generic", item.get("generic"),
                                        note="opioid substitution therapy product"))
    if record.drug and not f.items and _OST_TEXT.search(str(record.drug)):  # the letter's items say why, when known
        ost_ev.append(cite(AUDITOR, "drug", record.drug, note="opioid substitution therapy product named"))
    ost_a, ost_found = auditor_answer(record, "ost")
    if ost_a is YesNo.YES:
        ost_ev.insert(0, cite(AUDITOR, ost_found or "ost", ost_a))
    if ost_ev and ost_a is not YesNo.NO:
        f.exclusions["OST"] = ost_ev
    for code, key, words in (("DIED", "died", ("died", "deceased", "death")),
                             ("TRANSFER", "transferred", ("transfer",))):
        ans, found = auditor_answer(record, key)
        if ans is YesNo.YES:
            f.exclusions[code] = [cite(AUDITOR, found or key, ans)]
            continue
        for src, holder, label in ((AUDITOR, {(_norm_key(k)): v for k, v in (record.extra or {}).items()}, "extra."),
                                   (EXTRACTION, extraction or {}, "")):
            dest = holder.get("discharge_destination")
            if dest and any(w in str(dest).lower() for w in words):
                f.exclusions[code] = [cite(src, f"{label}discharge_destination", dest)]
                break
    if "TRANSFER" not in f.exclusions and auditor_answer(record, "transferred")[0] is not YesNo.NO:
        t, t_ev = extraction_answer(extraction, "transfer")
        if t is YesNo.YES:
            f.exclusions["TRANSFER"] = [dict(t_ev, note="letter says the patient is transferred, not discharged home")]

    # -- new opioid (letter level): any new (or increased) item makes the letter 'new'
    a, found = auditor_answer(record, "new_opioid")
    if a is not YesNo.UNKNOWN:
        f.letter_new = "new" if a is YesNo.YES else "not_new"
        f.new_ev = [cite(AUDITOR, found or "new_opioid", a)]
    elif f.items:
        statuses = [f.item_status(i) for i in range(len(f.items))]
        news = [e for st, _, e in statuses if st == "new"]
        if news:
            f.letter_new, f.new_ev = "new", news[0]
        elif all(st == "not_new" for st, _, _ in statuses):
            f.letter_new = "not_new"
            f.letter_not_new_code = "LTOT" if all(c == "LTOT" for _, c, _ in statuses) else "NOT_NEW"
            f.new_ev = [e for _, _, ee in statuses for e in ee]
        else:
            f.new_ev = [e for st, _, ee in statuses if st == "unknown" for e in ee]
    if f.letter_new == "unknown" and f.opioid == "yes" and not f.items:
        if params.get("assume_new_without_text", True):
            f.letter_new = "new"
            f.new_ev = [cite(DERIVED, "new_opioid", None,
                           note="new or pre-existing not recorded and no letter text; counted as new "
                                "(assume_new_without_text)")]
        else:
            f.new_ev = [cite(AUDITOR, "new_opioid", YesNo.UNKNOWN, note="new or pre-existing not recorded: status unknown")]
    return f


def item_label(item: dict) -> str:
    """'oxycodone 5 mg' style name of an item for messages (no letter text)."""
    name = str(item.get("brand") or item.get("generic") or "opioid")
    strength = num(item.get("strength_mg"))
    mcg = num(item.get("strength_mcg_per_hour"))
    if mcg is not None:
        return f"{name} {mcg:g} micrograms/hour"
    return f"{name} {strength:g} mg" if strength is not None else name


PRN_NO_FREQUENCY = "prn_without_frequency"


def item_ome(item: dict) -> float | None:
    """An item's OME mg/day, or None when it could not be worked out (a 0 that comes with an
    extractor flag such as 'daily_dose_unknown' is not a real 0)."""
    o = num(item.get("ome_mg_per_day"))
    if o is not None and o <= 0 and item.get("ome_flag"):
        return None
    return o


def counts_in_pain_ome(item: dict) -> tuple[bool, str | None]:
    """Whether an item's OME enters the pain OME total, and why not: substitution doses never
    do, and methadone is flagged, not summed (standards.md OD-12)."""
    if is_ost_item(item):
        return False, "opioid substitution dose: not part of the pain OME total"
    if str(item.get("generic") or "").lower() == "methadone":
        return False, "methadone flagged, not summed"
    return True, None


def total_ome(facts: LetterFacts) -> tuple[float | None, bool, list[dict]]:
    """Total discharge OME mg/day: (value or lower bound, complete?, evidence).

    Auditor's figure first; else the sum of the items' OMEs (substitution doses and methadone
    flagged, not summed); else the extractor's total. ``complete`` is False when some item's
    OME could not be worked out (the value is then a lower bound and the evidence names the
    item) or the extractor flags its total as incomplete.
    """
    r, x = facts.record, facts.extraction
    if num(r.ome_mg_per_day) is not None:
        return num(r.ome_mg_per_day), True, [cite(AUDITOR, "ome_mg_per_day", num(r.ome_mg_per_day))]
    if facts.items:
        total, complete, evid = 0.0, True, []
        for i, it in enumerate(facts.items):
            counts, why = counts_in_pain_ome(it)
            if not counts:
                evid.append(item_evidence(i, it, "ome_mg_per_day", num(it.get("ome_mg_per_day")), note=why))
                continue
            o = item_ome(it)
            if o is None and it.get("ome_flag") == PRN_NO_FREQUENCY:
                # the audit convention (corpus rules, FPM): a PRN with no maximum frequency adds 0, said in words
                evid.append(item_evidence(i, it, "ome_mg_per_day", 0.0,
                                          note=f"{item_label(it)} PRN with no maximum frequency: not counted"))
            elif o is None:
                complete = False
                evid.append(item_evidence(i, it, "ome_mg_per_day", None,
                                          note=f"OME of {item_label(it)} could not be worked out: the total is incomplete"))
            else:
                total += o
                evid.append(item_evidence(i, it, "ome_mg_per_day", o))
        flags = x.get("ome_flags") if isinstance(x, dict) else None
        missing = x.get("ome_incomplete_items") if isinstance(x, dict) and isinstance(x.get("ome_incomplete_items"), list) else []
        missing = [m for m in missing if not (isinstance(m, dict) and m.get("reason") == PRN_NO_FREQUENCY)]
        if complete and isinstance(flags, list) and "ome_incomplete" in flags and (missing or not x.get("ome_incomplete_items")):
            complete = False
            names = [str(m.get("name") or m.get("drug") or "an opioid") + (f" ({m['reason']})" if m.get("reason") else "")
                     if isinstance(m, dict) else str(m) for m in missing]
            evid.append(cite(EXTRACTION, "ome_incomplete_items", names,
                           note="the extractor could not convert every opioid: the total is incomplete"))
        return total, complete, evid
    if x is not None and num(x.get("ome_total_mg_per_day")) is not None:
        return num(x["ome_total_mg_per_day"]), True, [cite(EXTRACTION, "ome_total_mg_per_day", num(x["ome_total_mg_per_day"]))]
    return None, False, [cite(AUDITOR, "ome_mg_per_day", None, note="no OME recorded and no letter text")]


def ome_words(value: float | None, complete: bool, evidence: list[dict]) -> str:
    """The total OME in words: '45 mg/day', 'at least 45 mg/day (incomplete: fentanyl 12
    micrograms/hour not converted)', or 'not known'."""
    if value is None:
        return "not known"
    figure = f"{value:.0f} mg/day" if abs(value - round(value)) < 0.05 else f"{value:.1f} mg/day"
    uncounted = [e["note"] for e in evidence if str(e.get("note") or "").endswith("PRN with no maximum frequency: not counted")]
    if uncounted:
        figure += " (" + "; ".join(uncounted) + ")"
    if complete:
        return figure
    named = [e["note"].split(" could not")[0].replace("OME of ", "") for e in evidence
             if "could not be worked out" in str(e.get("note") or "")]
    for e in evidence:
        if e.get("field") == "ome_incomplete_items" and e.get("value"):
            named.extend(e["value"])
    what = ", ".join(named) if named else "an opioid"
    return f"at least {figure} (incomplete: {what} not converted)"


def ome_breakdown(extraction: dict | None) -> list[dict]:
    """Per item: drug, OME mg/day, factor and the factor's source, the range where published
    factors differ (``ome_range`` mg/day, ``factor_range``), and whether it enters the pain total.
    For the letter view and exports."""
    rows = []
    raw = extraction.get("opioids") if isinstance(extraction, dict) else None
    for i, it in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(it, dict):
            continue
        it = _clean_item(it)
        counts, why = counts_in_pain_ome(it)
        rng = it.get("ome_factor_range")
        ome_rng = it.get("ome_range_mg_per_day")
        rows.append({
            "item_index": i, "drug": item_label(it), "ome_mg_per_day": item_ome(it),
            "factor": num(it.get("ome_factor")), "factor_source": it.get("ome_factor_source"),
            "factor_range": list(rng) if isinstance(rng, (list, tuple)) and len(rng) == 2 else None,
            "ome_range": list(ome_rng) if isinstance(ome_rng, (list, tuple)) and len(ome_rng) == 2 else None,
            "flag": it.get("ome_flag") if isinstance(it.get("ome_flag"), str) else None,
            "in_total": counts, "note": why or ("OME could not be worked out" if item_ome(it) is None else None),
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Statements about one item: stated length / stop date (OD-03), indication (OD-01)
# ---------------------------------------------------------------------------------------------

_N1 = (r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
       r"fourteen|twenty[- ]one|twenty[- ]eight|a|an)")
_N = rf"(?:{_N1}(?:\s*(?:-|–|—|to|or)\s*{_N1})?)"  # '5', 'five', '3-5', '3 to 5
_U = r"(?:\s*(?:days?|nights?|weeks?|wks?|fortnights?|d)\b|\s*/\s*(?:7|52)\b)"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (rf"(?:\d{{1,2}}\s*[/.-]\s*\d{{1,2}}(?:\s*[/.-]\s*\d{{2,4}})?|\d{{4}}-\d{{2}}-\d{{2}}|"
         rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|"
         rf"(?:next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day|day\s+\d+|tomorrow|the\s+end\s+of\s+(?:the\s+)?(?:week|month|course))")
# (kind, pattern): 'length' = intended length, 'stop' = stop date. Any common wording, any order.
_DURATION_RULES = tuple((kind, re.compile(p, re.I)) for kind, p in (
    ("length", rf"\bfor\s+(?:up\s+to\s+|a\s+further\s+|another\s+|the\s+next\s+|a\s+max(?:imum)?\s+of\s+|max(?:imum)?\.?\s+)?{_N}\s*(?:more\s+)?{_U}"),
    ("length", rf"\b(?:max(?:imum)?\.?|up\s+to|no\s+(?:more|longer)\s+than|not\s+(?:more|longer)\s+than|at\s+most|limit(?:ed)?\s+to)\s*:?\s*(?:of\s+)?{_N}{_U}"),
    ("length", rf"\b{_N}\s*[- ]?(?:days?|weeks?)(?:'s?)?\s+(?:course|only|max(?:imum)?|then\s+stop|in\s+total|total|treatment)\b"),
    ("length", rf"\bcourse\s*(?:of|:|-)?\s*{_N}{_U}"),
    ("length", rf"(?:\b|\s)(?:x|×)\s*{_N}{_U}"),
    ("length", rf"\b(?:duration|length\s+of\s+(?:course|treatment))\s*[:=-]?\s*{_N}{_U}"),
    ("length", rf"\b{_N}\s*/\s*(?:7|52)\b"),
    ("length", rf"\b(?:do\s+not|don['’]t|not\s+to|never)\s+(?:continue|use|take|exceed|go|carry\s+on)\s+(?:it\s+|this\s+|them\s+)?"
               rf"(?:beyond|for\s+(?:more|longer)\s+than|longer\s+than|more\s+than|past|after)\s+(?:the\s+)?(?:{_N}{_U}|{_DATE})"),
    ("length", rf"\b(?:over|during|in)\s+the\s+(?:next|following|coming)\s+(?:{_N}\s*)?(?:days?|weeks?|fortnight)\b"),
    ("length", rf"\bfor\s+(?:a|one|the\s+next)\s+fortnight\b"),
    ("stop", rf"\b(?:until|till|til|up\s+to\s+and\s+including)\s+(?:the\s+)?{_DATE}"),
    ("stop", rf"\b(?:stop(?:ped|ping|s)?|discontinue[ds]?|cease[ds]?|finish(?:ed|ing)?|end(?:s|ing)?|complete[ds]?)\s+"
             rf"(?:(?:it|this|them|oxycodone|the\s+\w+)\s+)?(?:(?:on|by|after|at|in|from|within|before)\s+)?(?:the\s+)?"
             rf"(?:{_DATE}|{_N}{_U})"),
    ("stop", rf"\b(?:stop|end|finish|last\s+dose)\s*(?:date|day|on)?\s*[:=-]\s*{_DATE}"),
))
_SUPPLY_BEFORE = re.compile(r"(?:suppl(?:y|ied)|dispensed|qty|quantity|tto|issued?|given)\b[^.;\n]{0,16}$", re.I)
_SUPPLY_AFTER = re.compile(r"^\s*(?:'s?|’s?)?\s*(?:supply|supplied|worth|of\s+(?:tablets|capsules|supply))\b", re.I)
# '7/7 (28 caps)', 'x40, 7/7': a days figure written beside the quantity is the supply, not a duration
_QUANTITY = re.compile(r"(?:\bx\s*\d+\b|\b\d+\s*(?:caps?|capsules?|tabs?|tablets?|mls?|patch(?:es)?|sachets?|ampoules?)\b)",
                       re.I)
_SUPPLY_ONLY = re.compile(rf"(?:suppl(?:y|ied)|dispensed|qty|quantity|tto)\b[^.;\n]{{0,16}}?{_N}{_U}|{_N}{_U}\s*(?:'s?|’s?)?\s*(?:supply|supplied|worth)\b", re.I)


def stated_duration(text: str | None) -> tuple[str, re.Match] | None:
    """The first stated intended length ('length') or stop date ('stop') in ``text``, else a
    stated supply length ('supply'), else None. A days phrase in a supply context ('Supply: 5
    days', '5 days' supply') is a supply length, not an intended duration."""
    if not text:
        return None
    supply = None
    for kind, rx in _DURATION_RULES:
        for m in rx.finditer(text):
            bare = kind == "length" and re.fullmatch(rf"\s*{_N}{_U}\s*", m.group(0), re.I)
            if kind == "length" and (_SUPPLY_BEFORE.search(text[max(0, m.start() - 24):m.start()])
                                     or _SUPPLY_AFTER.match(text[m.end():m.end() + 16])
                                     or (bare and (_QUANTITY.search(text[max(0, m.start() - 16):m.start()])
                                                   or _QUANTITY.search(text[m.end():m.end() + 14])))):
                supply = supply or m
                continue
            return kind, m
    if supply is None:
        supply = _SUPPLY_ONLY.search(text)
    return ("supply", supply) if supply else None


def item_statements(f: "LetterFacts", i: int) -> list[tuple[str, str, int]]:
    """Texts that speak about item ``i``: (what, text, offset in the letter or -1): its
    prescription line, its statement (``statement_span``) and letter-level plans when the letter
    has one opioid or the plan names the drug."""
    item = f.items[i]
    out: list[tuple[str, str, int]] = []
    seen: set[tuple[int, int]] = set()
    for key in ("span", "statement_span"):
        sp = item.get(key)
        if f.text and isinstance(sp, (list, tuple)) and len(sp) == 2 and all(isinstance(x, int) for x in sp) \
                and 0 <= sp[0] < sp[1] <= len(f.text) and tuple(sp) not in seen:
            seen.add(tuple(sp))
            out.append((key, f.text[sp[0]:sp[1]], sp[0]))
    if f.text and out and "statement_span" not in item:
        # older extractions: the rest of the item's line, up to the next opioid item on it
        start = out[0][2]
        line_end = f.text.find("\n", start)
        end = len(f.text) if line_end < 0 else line_end
        for other in f.items:
            sp = other.get("span")
            if other is not item and isinstance(sp, (list, tuple)) and len(sp) == 2 and isinstance(sp[0], int) \
                    and start < sp[0] < end:
                end = sp[0]
        if end > start + len(out[0][1]):
            out.append(("line", f.text[start:end], start))
    if not out and item.get("text"):
        out.append(("text", item["text"], -1))
    names = {str(item.get(k) or "").lower() for k in ("generic", "brand")} - {""}
    for key in ("weaning_plan", "gp_instruction"):
        plan = (f.extraction or {}).get(key)
        if isinstance(plan, dict) and plan.get("present") and isinstance(plan.get("text"), str):
            if len(f.items) == 1 or any(n in plan["text"].lower() for n in names):
                sp = plan.get("span")
                out.append((key, plan["text"], sp[0] if isinstance(sp, (list, tuple)) and sp else -1))
    return out


_ALL_ANALGESIA = re.compile(
    r"\b(?:all|the(?:se)?|both|above|her|his|their)\s+(?:(?:the\s+)?(?:above\s+)?)?(?:analgesi[ac]s?|analgesia|pain[- ]?relief|painkillers?|"
    r"opioids?|opiates?|pain\s+medications?)\b[^.\n]{0,20}?\b(?:for|to\s+treat|because\s+of|indicat\w*)\b", re.I)


def letter_indication_covers_all(text: str | None) -> re.Match | None:
    """'All analgesia is for post-op pain', 'the opioids are for ...': an indication that covers
    every opioid on the letter."""
    return _ALL_ANALGESIA.search(text) if text else None


# ---------------------------------------------------------------------------------------------
# Co-prescriptions (active only, as the extractor reports them)
# ---------------------------------------------------------------------------------------------

def coprescriptions(extraction: dict | None, classes: set[str]) -> list[tuple[int, dict]] | None:
    """Active co-prescriptions of the given classes (a drug's main class or any of its
    ``classes``: citalopram is an SSRI and QT-prolonging): [(index, entry)], or None when the
    extraction has no ``co_prescriptions`` list (older extractions: not assessable from it)."""
    if not isinstance(extraction, dict) or not isinstance(extraction.get("co_prescriptions"), list):
        return None
    out = []
    for i, c in enumerate(extraction["co_prescriptions"]):
        if not isinstance(c, dict):
            continue
        its = {str(c.get("class") or "").lower()} | {str(x).lower() for x in (c.get("classes") or [])}
        if its & classes and str(c.get("status") or "active").lower() == "active":
            out.append((i, c))
    return out


def co_evidence(i: int, c: dict, field_name: str, value: Any, note: str | None = None) -> dict:
    return cite(EXTRACTION, f"co_prescriptions[{i}].{field_name}", value, text=c.get("text"), span=c.get("span"),
              note=note)


def justification(c: dict) -> tuple[bool, str | None]:
    """A co-prescription's stated reason: (stated?, text). Accepts a string, {present, text} or a bool."""
    j = c.get("justification")
    if isinstance(j, dict):
        return bool(j.get("present")) and bool(j.get("text") or j.get("present")), j.get("text")
    if isinstance(j, str):
        return bool(j.strip()), j.strip() or None
    return bool(j), None
