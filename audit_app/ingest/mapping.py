"""Suggest which canonical audit field (records.CANONICAL_FIELDS) each spreadsheet column holds.

Three ways to a suggestion, best first:
1. a heading the user confirmed for this trust before (`remembered`), confidence 1.0;
2. an exact synonym after normalising the heading (case, punctuation, '(Y/N)', trailing '?'), 0.97;
3. fuzzy similarity to a synonym (rapidfuzz) or a telling keyword ('wean', 'gp', 'benzo'), 0.6-0.9.
Each field is given to at most one column (the most confident); the rest go to `extra`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from rapidfuzz import fuzz, process

from audit_app.records import CANONICAL_FIELDS

MIN_CONFIDENCE = 0.6

# Synonyms as they look after `normalise_heading` (lower case, words only).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "letter_id": ("audit id", "id", "letter id", "patient ref", "ref", "reference", "record id", "case id",
                  "case no", "case number", "audit no", "audit number", "audit ref", "study id", "episode id",
                  "row id", "sample id", "serial no", "no", "number", "tto id", "letter no", "patient ref no"),
    "hospital_number": ("hosp no", "hospital number", "hospital no", "hosp number", "mrn", "medical record number",
                        "unit number", "unit no", "case note number", "casenote number", "case note no",
                        "hospital id", "pas number", "pas no", "pas id", "crn", "k number", "patient number",
                        "hosp id", "record number"),
    "nhs_number": ("nhs number", "nhs no", "nhs", "nhs num", "nhs id"),
    "patient_name": ("patient name", "name", "patient", "surname", "full name", "pt name", "forename surname"),
    "date_of_birth": ("dob", "date of birth", "birth date", "d o b", "birthdate"),
    "discharge_date": ("date of discharge", "discharge date", "date discharged", "discharged", "tto date",
                       "date", "discharge", "dc date", "d c date", "date of d c", "discharge dt"),
    "ward": ("ward", "ward name", "location", "ward unit", "discharging ward"),
    "specialty": ("specialty", "speciality", "spec", "ward spec", "ward specialty", "ward speciality",
                  "department", "dept", "team", "directorate", "service", "consultant specialty",
                  "clinical specialty", "specialty team"),
    "age": ("age", "age years", "age yrs", "age y", "patient age", "age at discharge"),
    "sex": ("sex", "gender", "m f", "sex m f"),
    "imd_quintile": ("imd", "imd quintile", "deprivation quintile", "imd q", "deprivation"),
    "opioid_prescribed": ("opioid prescribed", "opioid on tto", "opioid", "opioid on discharge", "opioid yes no",
                          "any opioid", "discharged on opioid", "opioid supplied", "opioid on tto y n",
                          "opioids prescribed", "opioid at discharge", "opioid given", "on opioid",
                          "opioid present", "opioid on ttо"),
    "drug": ("drug", "drugs", "drug s", "opioid name dose", "opioid name and dose", "opioid s on discharge",
             "opioids on discharge", "opioid on discharge name", "opioid name", "medication", "medicine",
             "opioid details", "drug and dose", "drug dose", "which opioid", "opioid drug", "drug name",
             "opioid s", "opioids", "opioid and dose", "opioid dose", "drug s and dose"),
    "dose": ("dose", "strength", "dose mg"),
    "frequency": ("frequency", "freq", "directions", "how often"),
    "days_supplied": ("days supplied", "duration", "duration days", "supply days", "supply", "days supply",
                      "days of supply", "no of days", "number of days", "days", "length of supply",
                      "course length", "tto duration", "supply duration", "duration of supply",
                      "days supplied on tto", "supply length", "length of course", "duration of course"),
    "quantity": ("quantity", "qty", "amount supplied", "quantity supplied", "tablets supplied", "no of tablets",
                 "number of tablets", "qty supplied", "pack size"),
    "weaning_plan": ("weaning plan", "tapering plan documented", "tapering plan", "wean stop plan",
                     "weaning stopping plan", "wean plan", "stop plan", "step down plan", "deprescribing plan",
                     "weaning plan documented", "taper plan", "plan to stop", "weaning", "wean stop",
                     "stopping plan", "weaning or stopping plan", "reduction plan", "wean"),
    "gp_action": ("gp informed", "gp action", "gp advice", "gp instruction", "gp instructions", "gp informed of plan",
                  "advice to gp", "gp review", "gp asked to review", "gp action documented", "instructions to gp",
                  "gp", "info for gp", "gp letter", "gp told", "gp review requested", "gp follow up",
                  "action for gp", "gp advised"),
    "indication": ("indication documented", "indication", "indication recorded", "reason for opioid",
                   "indication stated", "indication given", "reason documented"),
    "new_opioid": ("new opioid", "new", "new this admission", "new or existing", "started this admission",
                   "new on admission", "new vs existing", "newly started", "new start"),
    "palliative": ("palliative", "end of life", "eol", "palliative eol", "palliative care patient"),
    "cancer_pain": ("cancer pain", "cancer", "active cancer", "cancer related pain"),
    "co_prescribed_sedative": ("benzo gabapentinoid", "benzodiazepine gabapentinoid", "benzo", "benzodiazepine",
                               "gabapentinoid", "co prescribed sedative", "sedatives", "co prescribed benzo",
                               "benzo or gabapentinoid", "bzd", "concurrent sedative", "benzos gabapentinoids",
                               "benzodiazepine or gabapentinoid", "co prescribed benzo gabapentinoid",
                               "sedative co prescribed", "benzo gaba"),
    "ome_mg_per_day": ("ome day", "ome day approx", "ome", "ome mg day", "oral morphine equivalent", "total ome",
                       "ome mg", "daily ome", "morphine equivalent", "mme", "ome per day", "ome mg 24h",
                       "total daily ome", "ome mg per day", "omed"),
    "auditor": ("pharmacist", "auditor", "audited by", "initials", "reviewer", "data collector", "completed by",
                "pharmacist initials", "auditor initials", "checked by"),
    "comments": ("comments", "notes", "notes comments", "comment", "remarks", "other", "free text",
                 "additional comments", "notes comment", "other comments", "comments notes"),
    "letter_text": ("letter text", "letter excerpt", "letter", "discharge letter", "tto text", "letter extract",
                    "excerpt", "pasted letter", "full letter", "discharge summary", "discharge summary text",
                    "letter pasted", "text of letter", "letter content", "summary text", "letter snippet"),
}

# (field, regex on the normalised heading, confidence) for headings no synonym matched.
KEYWORDS: tuple[tuple[str, str, float], ...] = (
    ("co_prescribed_sedative", r"\b(benzo\w*|gabapentin\w*|pregabalin|bzd|sedative\w*|z drug)\b", 0.85),
    ("weaning_plan", r"\b(wean\w*|taper\w*|step down|deprescrib\w*)\b", 0.85),
    ("ome_mg_per_day", r"\b(ome|mme|morphine equiv\w*)\b", 0.85),
    ("letter_text", r"\b(letter|excerpt)\b", 0.8),
    ("nhs_number", r"\bnhs\b", 0.8),
    ("hospital_number", r"\b(mrn|hosp\w*|unit no|pas)\b", 0.75),
    ("date_of_birth", r"\b(dob|birth)\b", 0.85),
    ("gp_action", r"\bgp\b", 0.8),
    ("indication", r"\bindication\w*\b", 0.85),
    ("discharge_date", r"\bdate\b", 0.7),
    ("days_supplied", r"\b(duration|days|supply)\b", 0.75),
    ("quantity", r"\b(qty|quantity|tablets)\b", 0.75),
    ("comments", r"\b(comment\w*|notes?|remarks?)\b", 0.75),
    ("auditor", r"\b(pharmacist|auditor|initials)\b", 0.75),
    ("specialty", r"\b(specialt\w*|speciality)\b", 0.8),
    ("palliative", r"\b(palliative|eol)\b", 0.75),
    ("drug", r"\b(drug\w*|medication|medicine)\b", 0.7),
    ("opioid_prescribed", r"^opioids?\b", 0.65),
)

_NOISE = re.compile(r"\b(y n|yes no|y n u|approx|approximately|please tick|tick|if applicable|documented y n)\b")


def normalise_heading(heading: Any) -> str:
    """'Opioid on TTO (Y/N)' -> 'opioid on tto'; 'Opioid? ' -> 'opioid'; 'OME/day (approx)' -> 'ome day'."""
    s = str(heading or "").lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    s = " ".join(s.split())
    s2 = " ".join(_NOISE.sub(" ", s).split())
    s = s2 or s
    s = re.sub(r"\band\b", " ", s) if s not in ("and",) else s
    return " ".join(s.split())


def _build_synonym_index() -> tuple[dict[str, str], list[str]]:
    index: dict[str, str] = {}
    for f, syns in SYNONYMS.items():
        if f not in CANONICAL_FIELDS:  # pragma: no cover - guards edits to the table
            raise ValueError(f"synonym table names unknown field {f!r}")
        for s in syns + (f.replace("_", " "),):
            key = normalise_heading(s)
            index.setdefault(key, f)
    return index, list(index)


_SYN_INDEX, _SYN_KEYS = _build_synonym_index()


@dataclass
class ColumnSuggestion:
    heading: str
    field: str | None
    confidence: float
    source: str            # 'remembered' | 'user' | 'synonym' | 'fuzzy' | 'keyword' | 'none'
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "field": self.field, "confidence": round(self.confidence, 2),
                "source": self.source, "note": self.note}


@dataclass
class Mapping:
    """The suggested (or confirmed) mapping: one `ColumnSuggestion` per heading, in sheet order."""

    columns: list[ColumnSuggestion] = field(default_factory=list)

    def as_dict(self) -> dict[str, str]:
        """heading -> canonical field, mapped columns only (the plain dict users confirm/edit)."""
        return {c.heading: c.field for c in self.columns if c.field}

    def field_for(self, heading: str) -> str | None:
        key = _heading_key(heading)
        for c in self.columns:
            if _heading_key(c.heading) == key:
                return c.field
        return None

    def heading_for(self, field_name: str) -> str | None:
        for c in self.columns:
            if c.field == field_name:
                return c.heading
        return None

    def confidence(self, heading: str) -> float:
        key = _heading_key(heading)
        return next((c.confidence for c in self.columns if _heading_key(c.heading) == key), 0.0)

    @property
    def unmapped(self) -> list[str]:
        return [c.heading for c in self.columns if not c.field]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    def __getitem__(self, heading: str) -> str | None:
        return self.field_for(heading)


def _heading_key(h: Any) -> str:
    return " ".join(str(h or "").split()).casefold()


def _score_heading(heading: str) -> tuple[str | None, float, str]:
    norm = normalise_heading(heading)
    if not norm:
        return None, 0.0, "none"
    if norm in _SYN_INDEX:
        # very short generic headings ('id', 'no', 'date') are a little less certain
        conf = 0.97 if len(norm) > 3 or norm in ("dob", "mrn", "ome", "age", "sex", "imd", "nhs", "qty") else 0.9
        return _SYN_INDEX[norm], conf, "synonym"
    best_field, best_conf, best_src = None, 0.0, "none"
    if len(norm) >= 4:
        hit = process.extractOne(norm, _SYN_KEYS, scorer=fuzz.ratio, score_cutoff=82)
        if hit:
            best_field, best_conf, best_src = _SYN_INDEX[hit[0]], 0.9 * hit[1] / 100, "fuzzy"
        hit = process.extractOne(norm, [k for k in _SYN_KEYS if len(k) >= 5], scorer=fuzz.token_sort_ratio,
                                 score_cutoff=85)
        if hit and 0.88 * hit[1] / 100 > best_conf:
            best_field, best_conf, best_src = _SYN_INDEX[hit[0]], 0.88 * hit[1] / 100, "fuzzy"
    for f, pattern, conf in KEYWORDS:
        if re.search(pattern, norm):
            if conf > best_conf:
                best_field, best_conf, best_src = f, conf, "keyword"
            break
    if best_conf < MIN_CONFIDENCE:
        return None, best_conf, "none"
    return best_field, best_conf, best_src


def suggest_mapping(headings: Iterable[Any], remembered: dict[str, str] | None = None) -> Mapping:
    """Suggest a canonical field for each heading. `remembered` (a mapping confirmed earlier for
    the same trust) wins for headings that still exist."""
    headings = ["" if h is None else str(h) for h in headings]
    remembered_keys = {_heading_key(h): f for h, f in (remembered or {}).items() if f in CANONICAL_FIELDS}
    cols: list[ColumnSuggestion] = []
    for h in headings:
        key = _heading_key(h)
        if key in remembered_keys:
            cols.append(ColumnSuggestion(h, remembered_keys[key], 1.0, "remembered"))
        else:
            f, conf, src = _score_heading(h)
            cols.append(ColumnSuggestion(h, f, conf, src))
    _resolve_clashes(cols)
    return Mapping(cols)


def _resolve_clashes(cols: list[ColumnSuggestion]) -> None:
    """Give each field to its most confident column (earliest on ties); the others become extra."""
    winners: dict[str, ColumnSuggestion] = {}
    for c in sorted((c for c in cols if c.field), key=lambda c: -c.confidence):
        if c.field in winners:
            c.note = f"'{c.field}' already taken by column '{winners[c.field].heading}'; kept as extra"
            c.field, c.source = None, "none"
        else:
            winners[c.field] = c


def apply_user_mapping(suggested: Mapping, user: dict[str, Any] | None, *, file: str | None = None) -> tuple[Mapping, list[str]]:
    """Overlay the user's plain dict (heading -> field; None/'' /'extra' = unmapped) on the
    suggestion. Returns the mapping and messages for headings not in the sheet.
    Raises ValueError for an unknown field or a field given to two columns."""
    if not user:
        return suggested, []
    by_key = {_heading_key(c.heading): c for c in suggested.columns}
    notes: list[str] = []
    cols = [ColumnSuggestion(c.heading, c.field, c.confidence, c.source, c.note) for c in suggested.columns]
    by_key = {_heading_key(c.heading): c for c in cols}
    for heading, f in user.items():
        f = (str(f).strip() if f is not None else "") or None
        if f in ("extra", "none", "ignore", "-"):
            f = None
        if f is not None and f not in CANONICAL_FIELDS:
            raise ValueError(f"unknown field '{f}' for heading '{heading}' in the mapping; "
                             f"choose one of: {', '.join(CANONICAL_FIELDS)}")
        c = by_key.get(_heading_key(heading))
        if c is None:
            notes.append(f"the mapping names heading '{heading}', which is not in this sheet; ignored")
            continue
        c.field, c.confidence, c.source, c.note = f, 1.0, "user", ""
    user_fields = {}
    for c in cols:
        if c.source == "user" and c.field:
            if c.field in user_fields:
                raise ValueError(f"field '{c.field}' is mapped from two columns: "
                                 f"'{user_fields[c.field]}' and '{c.heading}'")
            user_fields[c.field] = c.heading
    # a user choice beats a suggestion for the same field
    for c in cols:
        if c.source != "user" and c.field in user_fields:
            c.note = f"'{c.field}' is mapped from '{user_fields[c.field]}' by the user; kept as extra"
            c.field, c.source = None, "none"
    _resolve_clashes(cols)
    return Mapping(cols), notes
