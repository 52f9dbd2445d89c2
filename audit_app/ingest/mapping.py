"""Suggest which canonical audit field (records.CANONICAL_FIELDS) each spreadsheet column holds.

Three ways to a suggestion, best first:
1. a heading the user confirmed for this trust before (`remembered`), confidence 1.0;
2. an exact synonym after normalising the heading (case, punctuation, '(Y/N)', trailing '?'), 0.97;
3. fuzzy similarity to a synonym (rapidfuzz) or a telling keyword ('wean', 'gp', 'benzo'), 0.6-0.9.
Each field is given to at most one column (the most confident); the rest go to `extra`.

A suggestion must also fit the column's values (`value_kind` of a sample): a column of yes/no
answers never goes to a number or a date, a column of dates never to a yes/no; the next candidate
that fits is taken instead. A column the user left unmapped is remembered as unmapped (None).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from rapidfuzz import fuzz, process

from audit_app.ingest.normalise import is_blank, parse_yes_no
from audit_app.records import CANONICAL_FIELDS, YesNo

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
    "nhs_number": ("nhs number", "nhs no", "nhs", "nhs num", "nhs id", "patient nhs no", "patient nhs number"),
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
    "complete_prescription": ("complete prescription", "prescription complete", "prescription complete y n",
                              "drug dose frequency stated", "complete rx", "rx complete", "all details stated",
                              "full prescription", "prescription fully written"),
    "duration_stated": ("duration stated", "duration documented", "duration specified", "duration on letter",
                        "duration in letter", "stop date", "stop date stated", "duration or stop date",
                        "duration stop date stated", "duration stop date", "course length stated",
                        "max days stated", "review stop date stated", "duration given"),
    "patient_informed": ("patient informed", "patient counselled", "counselling", "counselling documented",
                         "patient counselling", "leaflet given", "information given to patient",
                         "patient information", "patient advised", "patient educated", "opioid leaflet"),
    "coprescription_justified": ("co prescription justified", "coprescription justified", "benzo justified",
                                 "sedative justified", "combination justified", "justification documented",
                                 "co prescribing justified", "benzo gabapentinoid justified"),
    "high_dose_reviewed": ("high dose reviewed", "high dose review", "high dose documented",
                           "high ome reviewed", "dose above threshold reviewed", "high dose justified"),
    "long_term_preadmission": ("ltot", "long term opioid", "long term opioid therapy", "pre admission opioid",
                               "on opioid before admission", "opioid before admission", "regular opioid pre admission",
                               "existing opioid", "pre existing opioid", "long term opioid pre admission"),
    "ltot_reconciled": ("ltot reconciled", "pre admission opioid reconciled", "opioid reconciled",
                        "medicines reconciliation opioid", "long term opioid reconciled", "reconciled"),
    "laxative": ("laxative", "laxative prescribed", "laxative co prescribed", "laxative on tto", "laxatives"),
    "ost": ("ost", "opioid substitution therapy", "methadone buprenorphine ost", "substitution therapy",
            "drug treatment service"),
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
    ("letter_text", r"\b(letter|excerpt|tto text|summary text)\b", 0.8),
    ("nhs_number", r"\bnhs\b", 0.8),
    ("hospital_number", r"\b(mrn|hosp\w*|unit no|pas)\b", 0.75),
    ("date_of_birth", r"\b(dob|birth)\b", 0.85),
    ("gp_action", r"\bgp\b", 0.8),
    ("indication", r"\bindication\w*\b", 0.85),
    ("discharge_date", r"\bdate\b", 0.7),
    ("duration_stated", r"\b(duration|stop date)\b.*\b(stated|documented|given|specified|recorded)\b", 0.85),
    ("days_supplied", r"\b(duration|days|supply)\b", 0.75),
    # a 'Duration' column of yes/no answers says whether a duration was stated
    ("duration_stated", r"\b(duration|stop date)\b", 0.7),
    ("quantity", r"\b(qty|quantity|tablets)\b", 0.75),
    ("comments", r"\b(comment\w*|notes?|remarks?)\b", 0.75),
    ("auditor", r"\b(pharmacist|auditor|initials)\b", 0.75),
    ("specialty", r"\b(specialt\w*|speciality)\b", 0.8),
    ("palliative", r"\b(palliative|eol)\b", 0.75),
    ("drug", r"\b(drug\w*|medication|medicine)\b", 0.7),
    ("patient_informed", r"\b(counsel\w*|leaflet|patient (informed|advised|told))\b", 0.8),
    ("laxative", r"\blaxative\w*\b", 0.8),
    ("opioid_prescribed", r"^opioids?\b", 0.65),
)

_NOISE = re.compile(r"\b(y n|yes no|y n u|approx|approximately|please tick|tick|if applicable|documented y n)\b")


# Abbreviations auditors write in headings, read as the word they stand for.
_ABBREVIATIONS = {"pt": "patient", "pts": "patient", "pat": "patient", "dc": "discharge", "d/c": "discharge",
                  "disch": "discharge", "hosp": "hospital", "doc": "documented", "docs": "documented"}


def normalise_heading(heading: Any) -> str:
    """'Opioid on TTO (Y/N)' -> 'opioid on tto'; 'Opioid? ' -> 'opioid'; 'OME/day (approx)' -> 'ome day'."""
    s = str(heading or "").lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    s = " ".join(s.split())
    s2 = " ".join(_NOISE.sub(" ", s).split())
    s = s2 or s
    s = re.sub(r"\band\b", " ", s) if s not in ("and",) else s
    s = " ".join(_ABBREVIATIONS.get(w, w) for w in s.split())
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
_LONG_SYN_KEYS = [k for k in _SYN_KEYS if len(k) >= 5]


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

    def decisions(self) -> dict[str, str | None]:
        """heading -> field for every named column, None where the column is not used: what is
        remembered for the trust, so that a column left unmapped stays unmapped next time."""
        return {c.heading: c.field for c in self.columns if c.heading.strip()}

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


def _candidates(heading: str) -> list[tuple[str, float, str]]:
    """Every field the heading could mean, most likely first: (field, confidence, source)."""
    norm = normalise_heading(heading)
    if not norm:
        return []
    found: dict[str, tuple[float, str]] = {}

    def offer(f: str, conf: float, src: str) -> None:
        if conf > found.get(f, (0.0, ""))[0]:
            found[f] = (conf, src)

    if norm in _SYN_INDEX:
        # very short generic headings ('id', 'no', 'date') are a little less certain
        conf = 0.97 if len(norm) > 3 or norm in ("dob", "mrn", "ome", "age", "sex", "imd", "nhs", "qty") else 0.9
        offer(_SYN_INDEX[norm], conf, "synonym")
    if len(norm) >= 4:
        for key, score, _ in process.extract(norm, _SYN_KEYS, scorer=fuzz.ratio, score_cutoff=82, limit=8):
            offer(_SYN_INDEX[key], 0.9 * score / 100, "fuzzy")
        for key, score, _ in process.extract(norm, _LONG_SYN_KEYS, scorer=fuzz.token_sort_ratio, score_cutoff=85,
                                             limit=8):
            offer(_SYN_INDEX[key], 0.88 * score / 100, "fuzzy")
    # The first keyword that matches is the heading's meaning; later ones are fallbacks for
    # when the column's values rule the first out.
    for rank, (f, _pattern, conf) in enumerate(k for k in KEYWORDS if re.search(k[1], norm)):
        offer(f, conf - 0.05 * rank, "keyword")
    ranked = sorted(found.items(), key=lambda kv: -kv[1][0])
    return [(f, conf, src) for f, (conf, src) in ranked if conf >= MIN_CONFIDENCE]


def _score_heading(heading: str) -> tuple[str | None, float, str]:
    best = _candidates(heading)
    return best[0] if best else (None, 0.0, "none")


# ---------------------------------------------------------------- what the values look like

SAMPLE_SIZE = 200          # cells read per column to judge what it holds
_FIT_SHARE = 0.8           # share of answered cells that must look alike to call the column's kind
_DATE_TEXT = re.compile(r"^\s*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
                        r"\d{1,2}(st|nd|rd|th)?[\s\-]*[a-z]{3,9}[\s\-,]*\d{2,4})\b", re.I)
_NUMBER_TEXT = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")
_KIND_WORDS = {"yesno": "yes/no answers", "date": "dates", "number": "numbers", "binary": "0/1 answers",
               "text": "text"}
_FIELD_KIND_WORDS = {"yesno": "a yes/no answer", "date": "a date", "int": "a number", "float": "a number",
                     "str": "text"}


def _cell_kind(value: Any) -> str | None:
    """'yesno' | 'date' | 'number' | 'binary' | 'text' for one cell; None for a blank or an
    'unknown' answer ('?', 'n/a'), which fits any column."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "yesno"
    if isinstance(value, (dt.date, dt.datetime)):
        return "date"
    if isinstance(value, (int, float)):
        return "binary" if value in (0, 1) else "number"
    text = str(value).strip()
    if _NUMBER_TEXT.match(text):
        return "binary" if text in ("0", "1") else "number"
    if _DATE_TEXT.match(text):
        return "date"
    p = parse_yes_no(text)
    if p.value in (YesNo.YES, YesNo.NO):
        return "yesno"
    if p.unknown and p.unknown != "unrecognised":
        return None
    return "text"


def value_kind(values: Iterable[Any]) -> str | None:
    """What a column holds, judged on a sample of its cells: 'yesno', 'date', 'number', 'binary'
    (only 0 and 1: a number or a yes/no), 'text', or None when nothing is answered."""
    kinds = [k for k in (_cell_kind(v) for v in values) if k]
    if not kinds:
        return None
    n = len(kinds)
    count = {k: kinds.count(k) for k in set(kinds)}
    if count.get("binary", 0) == n:
        return "binary"
    if count.get("yesno", 0) + count.get("binary", 0) >= _FIT_SHARE * n:
        return "yesno"
    if count.get("date", 0) >= _FIT_SHARE * n:
        return "date"
    if count.get("number", 0) + count.get("binary", 0) >= _FIT_SHARE * n:
        return "number"
    return "text"


# field kind -> column kinds that cannot hold it
_MISFITS: dict[str, frozenset[str]] = {
    "yesno": frozenset({"date", "number"}),
    "int": frozenset({"yesno", "date"}),
    "float": frozenset({"yesno", "date"}),
    "date": frozenset({"yesno", "binary"}),
}


def fits(field_name: str, column_kind: str | None) -> bool:
    """Can a column of this kind of values hold this field?"""
    if column_kind is None or field_name not in CANONICAL_FIELDS:
        return True
    return column_kind not in _MISFITS.get(CANONICAL_FIELDS[field_name][0], frozenset())


def misfit_note(field_name: str, column_kind: str | None) -> str:
    """'holds yes/no answers, not a number (Days supplied / duration (days))'."""
    kind, words = CANONICAL_FIELDS[field_name]
    return (f"holds {_KIND_WORDS.get(column_kind or '', 'blanks')}, "
            f"not {_FIELD_KIND_WORDS.get(kind, kind)} ({words})")


def column_samples(rows: Iterable[Any], n_columns: int, limit: int = SAMPLE_SIZE) -> list[list[Any]]:
    """The first `limit` non-blank cells of each column (rows: sequences of cells, or objects
    with `.values` such as `DataRow`)."""
    out: list[list[Any]] = [[] for _ in range(n_columns)]
    for row in rows:
        values = getattr(row, "values", row)
        for c in range(min(n_columns, len(values))):
            if len(out[c]) < limit and not is_blank(values[c]):
                out[c].append(values[c])
        if all(len(col) >= limit for col in out):
            break
    return out


def suggest_mapping(headings: Iterable[Any], remembered: dict[str, str | None] | None = None,
                    values: list[list[Any]] | None = None) -> Mapping:
    """Suggest a canonical field for each heading. `remembered` (the decisions confirmed earlier
    for the same trust; None = left unmapped) wins for headings that still exist. `values`, a
    sample of each column's cells (`column_samples`), rules out fields the values cannot be."""
    headings = ["" if h is None else str(h) for h in headings]
    remembered_keys = {_heading_key(h): f for h, f in (remembered or {}).items()
                       if f is None or f in CANONICAL_FIELDS}
    cols: list[ColumnSuggestion] = []
    for i, h in enumerate(headings):
        key = _heading_key(h)
        kind = value_kind(values[i]) if values is not None and i < len(values) else None
        if key and key in remembered_keys:
            f = remembered_keys[key]
            cols.append(ColumnSuggestion(h, f, 1.0, "remembered",
                                         "" if f else "not used: left unmapped at the last import"))
            continue
        candidates = _candidates(h)
        fitting = [c for c in candidates if fits(c[0], kind)]
        if fitting:
            f, conf, src = fitting[0]
            note = ""
            if fitting[0] != candidates[0]:
                note = (f"the heading suggests '{CANONICAL_FIELDS[candidates[0][0]][1]}' but the column "
                        + misfit_note(candidates[0][0], kind))
            cols.append(ColumnSuggestion(h, f, conf, src, note))
        elif candidates:
            cols.append(ColumnSuggestion(h, None, candidates[0][1], "none",
                                         "not mapped: the column " + misfit_note(candidates[0][0], kind)))
        else:
            cols.append(ColumnSuggestion(h, None, 0.0, "none"))
    _resolve_clashes(cols)
    return Mapping(cols)


def suggest_for_sheet(sheet, remembered: dict[str, str | None] | None = None) -> Mapping:
    """`suggest_mapping` for a read sheet (`SheetData`): its headings and a sample of each column."""
    return suggest_mapping(sheet.headings, remembered=remembered,
                           values=column_samples(sheet.rows, len(sheet.headings)))


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
        if f == c.field:
            continue  # the editor sends every row: a row left as suggested is still the suggestion, not 'your choice'
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
