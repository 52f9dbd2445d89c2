"""The extractor as a second reader: its answer beside the auditor's, field by field.

`compare(record, extraction)` (the letter's `nlp.LetterExtraction`) returns one `FieldComparison` per comparable field (opioid on the
TTO, drug(s), days supplied, weaning plan, GP action, indication, co-prescribed benzodiazepine /
gabapentinoid, OME/day) with 'agree', 'disagree' or 'not-comparable' and the letter text that
supports the extractor's answer. Disagreements are for a person to review: neither side is
assumed right. An excerpt (a few pasted lines, not the whole letter) cannot show that something
is absent, so comparisons made on excerpts carry confidence 'low'.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from audit_app.ingest.build import letter_kind
from audit_app.ingest.normalise import parse_sedative
from audit_app.records import AuditRecord, YesNo

if TYPE_CHECKING:  # nlp loads spaCy: the types only
    from nlp import LetterExtraction, OpioidPrescription

AGREE, DISAGREE, NOT_COMPARABLE = "agree", "disagree", "not-comparable"

COMPARED_FIELDS: dict[str, str] = {
    "opioid_prescribed": "Opioid on the TTO",
    "drug": "Opioid(s)",
    "days_supplied": "Days supplied",
    "weaning_plan": "Weaning / stopping plan",
    "gp_action": "GP action",
    "indication": "Indication documented",
    "co_prescribed_sedative": "Benzodiazepine / gabapentinoid co-prescribed",
    "ome_mg_per_day": "OME mg/day",
}

_NONE_WRITTEN = re.compile(r"^\s*(-+|n/?a|nil|none|no|na|not applicable|nothing|no opioid\w*)\s*$", re.I)


@dataclass
class FieldComparison:
    field: str
    label: str
    auditor: Any
    extractor: Any
    status: str                      # 'agree' | 'disagree' | 'not-comparable'
    evidence: str | None = None      # letter text behind the extractor's answer
    span: tuple[int, int] | None = None   # offsets of the evidence in the letter text
    confidence: str = "normal"       # 'normal' | 'low' (excerpt)
    source: str = "letter"           # 'letter' | 'excerpt'
    note: str = ""

    @property
    def needs_review(self) -> bool:
        return self.status == DISAGREE

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "label": self.label, "auditor": _plain(self.auditor),
                "extractor": _plain(self.extractor), "status": self.status, "evidence": self.evidence,
                "span": list(self.span) if self.span else None, "confidence": self.confidence,
                "source": self.source, "note": self.note}


def _plain(v: Any) -> Any:
    if isinstance(v, YesNo):
        return v.value
    if isinstance(v, (set, frozenset, tuple)):
        return sorted(v)
    return v


def _yn(v: Any) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return "unknown"


def _find_span(text: str | None, evidence: str | None, obj: Any = None) -> tuple[int, int] | None:
    """Where the evidence is in the letter: the extractor's own span (an OpioidPrescription or a
    Finding), else the first place the evidence text appears."""
    span = getattr(obj, "span", None)
    if span is not None:
        return int(span[0]), int(span[1])
    if text and evidence:
        i = text.find(evidence)
        if i >= 0:
            return i, i + len(evidence)
    return None


@lru_cache(maxsize=4096)
def drug_generics(text: str | None) -> frozenset[str] | None:
    """Opioid generics named in an auditor's free-text drug cell ('OxyNorm 5mg + OxyContin 10mg'
    -> {'oxycodone'}). None when the text names nothing recognisable."""
    if text is None or not text.strip():
        return None
    if _NONE_WRITTEN.match(text):
        return frozenset()
    from nlp.lexicon import load_lexicon  # here: importing nlp loads spaCy (~1 s)

    lex = load_lexicon()
    found = {term.generic for _s, _e, matched in lex.iter_matches(text) for term in lex.lookup(matched)
             if term.category == "opioid"}
    return frozenset(found) if found else None


def _extractor_days(opioids: list[OpioidPrescription]) -> tuple[int | None, OpioidPrescription | None]:
    """The longest supply (else duration) stated for any opioid, with that prescription."""
    best, best_item = None, None
    for o in opioids:
        d = o.supply_days if o.supply_days is not None else o.duration_days
        if d is not None and (best is None or d > best):
            best, best_item = int(d), o
    return best, best_item


def compare(record: AuditRecord, extraction: LetterExtraction | None, *, excerpt: bool | None = None,
            fields: Iterable[str] | None = None, text: str | None = None) -> list[FieldComparison]:
    """The auditor's answer and the extractor's, field by field (see module docstring).
    `fields` limits the comparison (e.g. to the columns the spreadsheet has); `excerpt` defaults to
    a guess from the letter text (`ingest.letter_kind`)."""
    text = text if text is not None else record.letter_text
    if extraction is None or not text:
        return []
    if excerpt is None:
        excerpt = letter_kind(text) == "excerpt"
    source = "excerpt" if excerpt else "letter"
    conf = "low" if excerpt else "normal"
    wanted = list(fields) if fields is not None else list(COMPARED_FIELDS)
    opioids = list(extraction.opioids)
    has_opioid = bool(opioids)
    out: list[FieldComparison] = []

    def add(f, auditor, extractor, status, evidence=None, obj=None, note=""):
        out.append(FieldComparison(f, COMPARED_FIELDS[f], auditor, extractor, status, evidence,
                                   _find_span(text, evidence, obj), conf, source, note))

    def yes_no(f: str, auditor: YesNo, extractor: bool | None, evidence: str | None, obj=None):
        ext = _yn(extractor)
        if auditor == YesNo.UNKNOWN:
            add(f, auditor.value, ext, NOT_COMPARABLE, evidence, obj, "the auditor's answer is unknown")
        elif extractor is None:
            add(f, auditor.value, ext, NOT_COMPARABLE, evidence, obj, "the extractor gave no answer")
        else:
            status = AGREE if auditor.value == ext else DISAGREE
            note = ""
            if status == DISAGREE and excerpt and ext == "no":
                note = "the excerpt may leave out what the auditor saw in the whole letter"
            add(f, auditor.value, ext, status, evidence, obj, note)

    first = opioids[0] if opioids else None
    for f in wanted:
        if f == "opioid_prescribed":
            yes_no(f, record.opioid_prescribed, has_opioid, first.text if first else None, first)
        elif f == "drug":
            aud = drug_generics(record.drug)
            ext = frozenset(o.generic for o in opioids if o.generic)
            evidence = "; ".join(o.text for o in opioids if o.text) or None
            if aud is None:
                note = "no drug written" if not record.drug else "no opioid name recognised in the auditor's text"
                add(f, record.drug, ext, NOT_COMPARABLE, evidence, first if len(opioids) == 1 else None, note)
            else:
                missing, added = aud - ext, ext - aud
                note = []
                if missing:
                    note.append("extractor did not find " + ", ".join(sorted(missing)))
                if added:
                    note.append("extractor also found " + ", ".join(sorted(added)))
                add(f, aud, ext, AGREE if aud == ext else DISAGREE, evidence, first if len(opioids) == 1 else None,
                    "; ".join(note))
        elif f == "days_supplied":
            ext, item = _extractor_days(opioids)
            aud = record.days_supplied
            evidence = item.text if item else None
            if aud is None or ext is None:
                why = "the auditor gave no number of days" if aud is None else "the letter states no days"
                add(f, aud if aud is not None else record.days_supplied_raw, ext, NOT_COMPARABLE, evidence, item, why)
            else:
                add(f, aud, ext, AGREE if int(aud) == int(ext) else DISAGREE, evidence, item)
        elif f == "weaning_plan":
            wp = extraction.weaning_plan
            yes_no(f, record.weaning_plan, wp.present, wp.text, wp)
        elif f == "gp_action":
            gp = extraction.gp_instruction
            yes_no(f, record.gp_action, gp.present, gp.text, gp)
        elif f == "indication":  # a letter-level yes/no without a quoted sentence
            yes_no(f, record.indication, extraction.indication_documented, None)
        elif f == "co_prescribed_sedative":
            aud = parse_sedative(record.co_prescribed_sedative)
            flags = set(extraction.risk_flags)
            benzo = "benzodiazepine_coprescribed" in flags
            gaba = "gabapentinoid_coprescribed" in flags
            ext_any = benzo or gaba
            ext_desc = ", ".join(n for n, on in (("benzodiazepine", benzo), ("gabapentinoid", gaba)) if on) or "none"
            raw = record.co_prescribed_sedative
            if aud["any"] == YesNo.UNKNOWN:
                add(f, raw, ext_desc, NOT_COMPARABLE, note="the auditor's answer is unknown")
            elif not has_opioid:
                add(f, raw, ext_desc, NOT_COMPARABLE, note="the extractor found no discharge opioid")
            else:
                status = AGREE if (aud["any"] == YesNo.YES) == ext_any else DISAGREE
                note = ""
                if status == AGREE and aud["any"] == YesNo.YES:
                    for kind, on in (("benzodiazepine", benzo), ("gabapentinoid", gaba)):
                        if aud[kind] == YesNo.YES and not on:
                            status, note = DISAGREE, f"the auditor names a {kind}; the extractor found {ext_desc}"
                add(f, raw, ext_desc, status, note=note)
        elif f == "ome_mg_per_day":
            ext = extraction.ome_total_mg_per_day
            aud = record.ome_mg_per_day
            if aud is None or ext is None:
                add(f, aud, ext, NOT_COMPARABLE,
                    note="the auditor gave no OME" if aud is None else "the extractor could not total the OME")
            else:
                tol = max(5.0, 0.1 * max(aud, ext))
                ok = abs(aud - ext) <= tol
                add(f, aud, round(ext, 1), AGREE if ok else DISAGREE,
                    note=f"{'within' if ok else 'differs by more than'} {tol:g} mg/day (the larger of 5 mg and 10%)")
        else:
            raise ValueError(f"cannot compare unknown field {f!r}; choose from {', '.join(COMPARED_FIELDS)}")
    return out


def summarise(all_comparisons: Iterable[Iterable[FieldComparison]]) -> dict[str, dict[str, int]]:
    """field -> {'agree': n, 'disagree': n, 'not-comparable': n, 'low': n}."""
    out: dict[str, Counter] = {}
    for comps in all_comparisons:
        for c in comps:
            cnt = out.setdefault(c.field, Counter())
            cnt[c.status] += 1
            if c.confidence == "low":
                cnt["low"] += 1
    return {f: dict(c) for f, c in out.items()}


def disagreements(all_comparisons: Iterable[Iterable[FieldComparison]]) -> list[FieldComparison]:
    return [c for comps in all_comparisons for c in comps if c.needs_review]
