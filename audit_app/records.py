"""The canonical audit record: one discharge letter as the auditor recorded it.

This is where the auditor's answers (from a spreadsheet) and the extractor's answers (from the
letter text) meet. Ingest produces `AuditRecord`s; the import carries each letter's
`nlp.LetterExtraction` beside its record up to the store, which keeps both as dicts
(`AuditRecord.to_dict()`, `stored_extraction`); standards read the record with the stored form of
the extraction, so a new import and a re-score of a stored round are read by the same code.

Yes/no answers are tri-state on purpose: a blank or '?' is *unknown*, which is not the same as
*no* (a standard scored on an unknown answer is 'not assessable', not 'not met').
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any


class YesNo(str, Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    @classmethod
    def coerce(cls, value: Any) -> "YesNo":
        if isinstance(value, YesNo):
            return value
        if value is None:
            return cls.UNKNOWN
        return cls(str(value))


# The words of a yes/no answer (lower case, spaces collapsed): the one list every reader uses
# (spreadsheet cells, unmapped columns the standards read, corrections on the Letters page,
# standards parameters), read by `yes_no` / `yes_no_word` below.
YES_WORDS = frozenset({"y", "yes", "true", "1", "ticked", "tick", "✓", "✔", "☑", "x", "present", "documented",
                       "done", "yes documented", "y documented", "recorded", "given", "informed", "ok"})
NO_WORDS = frozenset({"n", "no", "false", "0", "none", "nil", "not documented", "absent", "not done", "not given",
                      "✗", "✘", "no plan", "not recorded", "not informed", "n documented"})
# Words that say the answer is not known, each with its kind (the validation report names the kind).
UNKNOWN_WORDS = {
    "n/a": "n/a", "na": "n/a", "n.a.": "n/a", "n.a": "n/a", "not applicable": "n/a", "nk": "not known",
    "-": "-", "--": "-", "—": "-", "–": "-", ".": "-",
    "?": "?", "??": "?", "???": "?", "unclear": "unclear", "uncertain": "unclear", "unsure": "unclear",
    "not sure": "unclear", "unknown": "unknown", "not known": "not known", "u": "unknown", "dk": "unknown",
    "not stated": "not stated", "not recorded on letter": "not stated", "ns": "not stated",
    "not specified": "not stated", "no letter": "not stated", "cannot tell": "unclear", "can't tell": "unclear",
}
# an answer with a comment after it: 'Y (gabapentinoid)', 'Yes - verbal only', 'N - not on TTO', 'y.'
_ANSWER_WITH_COMMENT = re.compile(r"^(yes|y|no|n)\b[\s\-–:;,.(/]*(.*)$")


def _words(value: Any) -> str:
    return " ".join(str(value).strip().lower().split())


def yes_no_word(value: Any) -> YesNo | None:
    """YES or NO when `value` is exactly a yes/no answer (True/False, 1/0, 'Y', 'yes', 'ticked', '✓',
    'not done' ...); None when it is not (blank, '?', 'n/a', 'Yes - verbal', anything else)."""
    if isinstance(value, bool):
        return YesNo.YES if value else YesNo.NO
    if isinstance(value, (int, float)):
        return YesNo.YES if value == 1 else YesNo.NO if value == 0 else None
    text = _words(value)
    return YesNo.YES if text in YES_WORDS else YesNo.NO if text in NO_WORDS else None


def yes_no(value: Any) -> YesNo:
    """The one tolerant yes/no reader: a YesNo as it is; an extraction finding ``{present: ...}`` by
    its flag; a yes/no word (`yes_no_word`); an answer with a comment ('Yes - verbal'); otherwise
    UNKNOWN (blank, None, 'n/a', '?', anything else)."""
    if isinstance(value, YesNo):
        return value
    if value is None:
        return YesNo.UNKNOWN
    if isinstance(value, dict):
        return yes_no(value.get("present"))
    word = yes_no_word(value)
    if word is not None:
        return word
    if isinstance(value, (int, float)):
        return YesNo.UNKNOWN
    text = _words(value)
    if text in UNKNOWN_WORDS:
        return YesNo.UNKNOWN
    m = _ANSWER_WITH_COMMENT.match(text)
    if m:
        return YesNo.YES if m.group(1).startswith("y") else YesNo.NO
    return YesNo.UNKNOWN


def stored_extraction(extraction: Any) -> dict | None:
    """An extraction in the form the store keeps and the standards read: nlp's
    ``LetterExtraction.to_dict()`` (``nlp.letter_from_dict`` reads it back). A dict is already that
    form (read from the store, or an older extractor's); None stays None."""
    if extraction is None or isinstance(extraction, dict):
        return extraction
    return extraction.to_dict()


# Canonical field name -> (python type, short description for the mapping screen).
# Order is the order shown to users.
CANONICAL_FIELDS: dict[str, tuple[str, str]] = {
    "letter_id": ("str", "Letter / audit ID"),
    "hospital_number": ("str", "Hospital number / MRN (identifier)"),
    "nhs_number": ("str", "NHS number (identifier)"),
    "patient_name": ("str", "Patient name (identifier)"),
    "date_of_birth": ("date", "Date of birth (identifier)"),
    "discharge_date": ("date", "Discharge date"),
    "ward": ("str", "Ward"),
    "specialty": ("str", "Specialty"),
    "age": ("int", "Age (years)"),
    "sex": ("str", "Sex"),
    "imd_quintile": ("int", "IMD quintile (1 = most deprived)"),
    "opioid_prescribed": ("yesno", "Opioid on the TTO"),
    "drug": ("str", "Opioid(s): name and dose as written"),
    "dose": ("str", "Dose"),
    "frequency": ("str", "Frequency"),
    "days_supplied": ("int", "Days supplied / duration (days)"),
    "quantity": ("str", "Quantity supplied"),
    "weaning_plan": ("yesno", "Weaning / stopping plan documented"),
    "gp_action": ("yesno", "GP action documented"),
    "indication": ("yesno", "Indication documented"),
    # The auditor's own judgements that standards read (OD-02, OD-03, OD-09 ... OD-15); each
    # wins over the extractor's reading of the letter when answered.
    "complete_prescription": ("yesno", "Prescription complete (drug, strength, form, dose, frequency, quantity)"),
    "duration_stated": ("yesno", "Duration or stop date stated"),
    "patient_informed": ("yesno", "Patient informed / counselled"),
    "coprescription_justified": ("yesno", "Benzodiazepine / gabapentinoid co-prescription justified"),
    "high_dose_reviewed": ("yesno", "High dose reviewed"),
    "long_term_preadmission": ("yesno", "On a long-term opioid before admission"),
    "ltot_reconciled": ("yesno", "Pre-admission opioid reconciled"),
    "laxative": ("yesno", "Laxative co-prescribed"),
    "ost": ("yesno", "Opioid substitution therapy (exclusion)"),
    "new_opioid": ("yesno", "New opioid this admission (vs pre-admission)"),
    "palliative": ("yesno", "Palliative / end of life (exclusion)"),
    "cancer_pain": ("yesno", "Active cancer pain (exclusion)"),
    "co_prescribed_sedative": ("str", "Benzodiazepine / gabapentinoid co-prescribed (as written)"),
    "ome_mg_per_day": ("float", "OME mg/day (auditor's figure)"),
    "auditor": ("str", "Auditor / pharmacist"),
    "comments": ("str", "Comments"),
    "letter_text": ("str", "Letter text (full or excerpt)"),
}

IDENTIFIER_FIELDS = ("hospital_number", "nhs_number", "patient_name", "date_of_birth")


@dataclass
class AuditRecord:
    """One audited discharge letter. Unknown values are None (or YesNo.UNKNOWN)."""

    letter_id: str
    source_row: int | None = None          # 1-based row in the source sheet, for messages
    source_sheet: str | None = None
    hospital_number: str | None = None
    nhs_number: str | None = None
    patient_name: str | None = None
    date_of_birth: dt.date | None = None
    discharge_date: dt.date | None = None
    ward: str | None = None
    specialty: str | None = None
    age: int | None = None
    sex: str | None = None
    imd_quintile: int | None = None
    opioid_prescribed: YesNo = YesNo.UNKNOWN
    drug: str | None = None
    dose: str | None = None
    frequency: str | None = None
    days_supplied: int | None = None
    days_supplied_raw: str | None = None   # as written ('5/7', 'own supply'), kept for evidence
    quantity: str | None = None
    weaning_plan: YesNo = YesNo.UNKNOWN
    gp_action: YesNo = YesNo.UNKNOWN
    indication: YesNo = YesNo.UNKNOWN
    complete_prescription: YesNo = YesNo.UNKNOWN
    duration_stated: YesNo = YesNo.UNKNOWN
    patient_informed: YesNo = YesNo.UNKNOWN
    coprescription_justified: YesNo = YesNo.UNKNOWN
    high_dose_reviewed: YesNo = YesNo.UNKNOWN
    long_term_preadmission: YesNo = YesNo.UNKNOWN
    ltot_reconciled: YesNo = YesNo.UNKNOWN
    laxative: YesNo = YesNo.UNKNOWN
    ost: YesNo = YesNo.UNKNOWN
    new_opioid: YesNo = YesNo.UNKNOWN
    palliative: YesNo = YesNo.UNKNOWN
    cancer_pain: YesNo = YesNo.UNKNOWN
    co_prescribed_sedative: str | None = None
    ome_mg_per_day: float | None = None
    auditor: str | None = None
    comments: str | None = None
    letter_text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unmapped columns, kept verbatim

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings, YesNo as strings)."""
        out: dict[str, Any] = {}
        for k in _FIELD_NAMES:  # not dataclasses.asdict, whose recursive copy showed in every import
            v = getattr(self, k)
            if k == "extra":
                v = dict(v)  # spreadsheet cells: scalars
            elif isinstance(v, YesNo):
                v = v.value
            elif isinstance(v, (dt.date, dt.datetime)):
                v = v.isoformat()
            out[k] = v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AuditRecord":
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for k, v in data.items():
            if k not in known:
                continue
            kind = CANONICAL_FIELDS.get(k, ("", ""))[0]
            if kind == "yesno":
                v = YesNo.coerce(v)
            elif kind == "date" and isinstance(v, str) and v:
                v = dt.date.fromisoformat(v[:10])
            kwargs[k] = v
        return cls(**kwargs)


_FIELD_NAMES = tuple(f.name for f in fields(AuditRecord))
