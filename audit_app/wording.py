"""Words for codes: the one place that turns an internal code into what a pharmacist reads.

Pages, reports and slides show `words(code)`, never the code itself (NO_OPIOID, LTOT,
ITEMS_UNKNOWN, record.gp_action, od08_exclude_palliative). Add a code here (or with
`add_words`) when a new one appears; an unknown code still reads as words ("Missing weaning
plan"), never as SHOUTED_SNAKE_CASE. Dates on screen are UK dates (`uk_date`).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from audit_app.records import CANONICAL_FIELDS

# one point per ... (Charts page, Excel report, slides)
GRAINS = {"round": "audit round", "week": "week of discharge", "month": "month of discharge"}

# Codes that are not the standards' own. Exclusion and 'not assessable' reason codes (NO_OPIOID,
# LTOT, ITEMS_UNKNOWN, ...) have their words in the standards file (standards.definitions.code_words),
# which `words` reads first: one place for those.
CODES: dict[str, str] = {
    "NOT_ENABLED": "standard switched off",
    # outcomes
    "met": "met",
    "not_met": "not met",
    "not_assessable": "not assessable",
    "not_applicable": "not applicable",
    "excluded": "excluded",
    # yes/no answers
    "yes": "yes",
    "no": "no",
    "unknown": "not known",
}


def _standards_words(code: str) -> str | None:
    from audit_app.standards.definitions import code_words

    said = code_words(code)
    return said if said and said != code else None


# Extractor fields (letter level and per opioid item) named in evidence and comparisons.
EXTRACTION_FIELDS: dict[str, str] = {
    "opioids": "opioids found in the letter",
    "weaning_plan": "weaning plan (letter)",
    "gp_instruction": "GP instruction (letter)",
    "indication_documented": "indication (letter)",
    "patient_informed": "patient informed (letter)",
    "ome_total_mg_per_day": "total OME mg/day (letter)",
    "ome_mg_per_day": "OME mg/day",
    "duration_days": "duration (days)",
    "supply_days": "days supplied",
    "supply_quantity": "quantity supplied",
    "new_on_admission": "new this admission",
    "missing_fields": "prescription details missing",
    "generic": "drug",
    "formulation": "formulation",
    "strength_mg": "strength (mg)",
    "frequency_per_day_max": "doses a day (max)",
    "patient_age": "age (letter)",
    "scenario": "scenario (letter)",
    "laxative_coprescribed": "laxative (letter)",
    "coprescription_justified": "co-prescription justified (letter)",
    "high_dose_reviewed": "high dose reviewed (letter)",
    "discharge_destination": "discharge destination",
}

# Standards parameters (the trust's settings).
PARAMETERS: dict[str, str] = {
    "od08_exclude_palliative": "OD-08: leave palliative patients out",
    "high_dose_thresholds_reported": "High-dose thresholds reported (mg OME/day)",
    "high_dose_threshold": "High-dose threshold (mg OME/day)",
    "max_days_acute": "Most days of supply for acute pain",
    "assume_new_when_unknown": "Count an opioid as new when not recorded",
}


def add_words(table: dict[str, str]) -> None:
    """Let another module (e.g. the standards) add its own codes."""
    CODES.update(table)


def _humanise(code: str) -> str:
    text = re.sub(r"[_\s]+", " ", code).strip().lower()
    return text[:1].upper() + text[1:] if text else ""


def field_words(path: str) -> str:
    """'record.gp_action' -> 'GP action documented'; 'opioids[0].duration_days' -> 'opioid 1: duration (days)';
    'extra.Notes' -> 'Notes (column not used)'."""
    path = str(path or "")
    if not path:
        return ""
    head, _, rest = path.partition(".")
    if head == "record" and rest:
        return field_words(rest)
    if head == "extra" and rest:
        return f"{rest} (column not used)"
    m = re.match(r"^opioids\[(\d+)\]\.?(.*)$", path)
    if m:
        inner = field_words(m.group(2)) if m.group(2) else "opioid"
        return f"opioid {int(m.group(1)) + 1}: {inner}"
    if path in CANONICAL_FIELDS:
        return CANONICAL_FIELDS[path][1]
    if path in EXTRACTION_FIELDS:
        return EXTRACTION_FIELDS[path]
    if path.endswith(".present") and path[:-8] in EXTRACTION_FIELDS:
        return EXTRACTION_FIELDS[path[:-8]]
    if path in PARAMETERS:
        return PARAMETERS[path]
    return _humanise(path)


def words(code: Any) -> str:
    """A code as words; blank for None/NaN; text that is already words is returned as is."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return ""
    text = str(code).strip()
    if not text or text in ("None", "nan", "NaT"):
        return ""
    if text in CODES:
        return CODES[text]
    said = _standards_words(text) if re.fullmatch(r"[A-Z][A-Z0-9_]+", text) else None
    if said:
        return said
    if text in PARAMETERS:
        return PARAMETERS[text]
    if "_" in text and re.fullmatch(r"[A-Z][A-Z0-9_]+", text):
        return _humanise(text)
    if re.fullmatch(r"[a-z][a-z0-9_]*(\.[A-Za-z0-9_\[\]]+)*", text) and ("_" in text or "." in text):
        return field_words(text)
    return text


def uk_date(value: Any) -> str:
    """dd/mm/yyyy for a date, datetime or ISO string; blank for nothing; other text unchanged."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        try:
            return f"{value.to_pydatetime():%d/%m/%Y}"
        except ValueError:
            return ""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?", text)
    if m:
        return f"{m.group(3)}/{m.group(2)}/{m.group(1)}"
    return "" if text in ("None", "nan", "NaT") else text


def period_words(period: Any, grain: str) -> str:
    """A chart period as people say it: 'w/c 01/09/2025' for a week, 'Sep 2025' for a month."""
    text = str(period)
    if grain == "week":
        d = uk_date(text)
        return f"w/c {d}" if d != text else text
    if grain == "month":
        m = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), 1).strftime("%b %Y")
    return text


def cell_text(value: Any) -> str:
    """Any value as one line of table text: lists joined with commas, None blank, dates UK."""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell_text(v) for v in value if cell_text(v))
    if isinstance(value, dict):
        return ", ".join(f"{words(k)}: {cell_text(v)}" for k, v in value.items())
    if isinstance(value, (dt.date, dt.datetime)):
        return uk_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:g}"
    if value is None:
        return ""
    return str(value)  # people's text (ids, drugs) is shown as written


def counts_words(counts: dict[str, int] | None) -> str:
    """{'NO_OPIOID': 6, 'LTOT': 3} -> 'no opioid on the discharge letter 6; long-term opioid continued (not new) 3'."""
    return "; ".join(f"{words(k)}: {v}" for k, v in (counts or {}).items() if v)


# ---------------------------------------------------------------- the column mapping editor

NOT_USED = "(not used)"

# One line on what each audit field is for, shown beside the field in the mapping editor.
FIELD_HELP: dict[str, str] = {
    "letter_id": "The letter's own reference: links corrections and later rounds to it.",
    "hospital_number": "Identifier: stored only as a keyed hash unless the trust keeps identifiers.",
    "nhs_number": "Identifier: stored only as a keyed hash unless the trust keeps identifiers.",
    "patient_name": "Identifier: not stored unless the trust keeps identifiers.",
    "date_of_birth": "Identifier: not stored unless the trust keeps identifiers.",
    "discharge_date": "Puts each letter in its week and month on the charts.",
    "ward": "For subgroups (compliance by ward).",
    "specialty": "For subgroups (compliance by specialty).",
    "age": "Age in years: under-18 standards (codeine) and age bands.",
    "sex": "For the inequality subgroups.",
    "imd_quintile": "Deprivation quintile (1 most deprived) for the inequality subgroups.",
    "opioid_prescribed": "Yes/no: was an opioid on the discharge letter? Letters without one are left out.",
    "drug": "The opioid(s) as the auditor wrote them.",
    "dose": "Dose as written.",
    "frequency": "How often, as written.",
    "days_supplied": "A number of days ('7', '5/7', '2/52'): limited supply (OD-05).",
    "quantity": "Tablets or packs supplied, as written.",
    "weaning_plan": "Yes/no: the auditor's answer for OD-04 (weaning or stopping plan).",
    "gp_action": "Yes/no: the auditor's answer for OD-08 (GP told what to do).",
    "indication": "Yes/no: the auditor's answer for OD-01 (indication).",
    "new_opioid": "Yes/no: started this admission (new) or taken before (long-term).",
    "palliative": "Yes/no: palliative or end of life; such letters are left out.",
    "cancer_pain": "Yes/no: active cancer pain; such letters are left out.",
    "complete_prescription": "Yes/no: the auditor's answer for OD-02 (complete prescription).",
    "duration_stated": "Yes/no: the auditor's answer for OD-03 (duration or stop date stated).",
    "patient_informed": "Yes/no: the auditor's answer for OD-09 (patient informed).",
    "coprescription_justified": "Yes/no: the auditor's answer for OD-10/OD-11 (co-prescription justified).",
    "high_dose_reviewed": "Yes/no: the auditor's answer for OD-12 (high dose reviewed).",
    "long_term_preadmission": "Yes/no: on a long-term opioid before admission (OD-13).",
    "ltot_reconciled": "Yes/no: the auditor's answer for OD-13 (pre-admission opioid reconciled).",
    "laxative": "Yes/no: the auditor's answer for OD-15 (laxative).",
    "ost": "Yes/no: opioid substitution therapy; such letters are left out.",
    "co_prescribed_sedative": "Benzodiazepine or gabapentinoid as written ('diazepam', 'Y - pregabalin').",
    "ome_mg_per_day": "The auditor's oral morphine equivalent in mg a day.",
    "auditor": "Who audited the letter.",
    "comments": "Free text, kept with the letter.",
    "letter_text": "The letter (or an excerpt): read by the extractor as a second reader.",
}

_MAPPING_SOURCES = {
    "remembered": "remembered from this trust's last import",
    "user": "your choice",
    "synonym": "the heading names it",
    "fuzzy": "the heading looks like it",
    "keyword": "a word in the heading",
    "none": "",
}


def field_label(field_name: str | None) -> str:
    """What the mapping editor shows for a field: its name in words, '(not used)' for none."""
    if not field_name:
        return NOT_USED
    return CANONICAL_FIELDS[field_name][1] if field_name in CANONICAL_FIELDS else words(field_name)


def field_help(field_name: str | None) -> str:
    if not field_name:
        return "Kept with the letter as it is; not read by any standard."
    return FIELD_HELP.get(field_name, field_label(field_name))


def mapping_reason(source: str, note: str = "") -> str:
    why = _MAPPING_SOURCES.get(source, source)
    return "; ".join(x for x in (why, note) if x)


def _plain_number(v: Any) -> str:
    if v is None:
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:g}"


def opioid_summary(op: Any) -> str:
    """'oxycodone (OxyNorm) IR 5-10 mg x4/day PRN, 5 days' from one extracted opioid: an
    nlp.OpioidPrescription (an import being reviewed) or its stored dict (a saved letter)."""
    get = op.get if isinstance(op, dict) else (lambda k: getattr(op, k, None))
    name = get("generic") or "opioid"
    if get("brand"):
        name += f" ({get('brand')})"
    bits = [name]
    if get("formulation"):
        bits.append(str(get("formulation")))
    lo, hi = get("dose_mg_min"), get("dose_mg_max")
    if hi is not None:
        bits.append(f"{_plain_number(lo)}-{_plain_number(hi)} mg" if lo is not None and lo != hi else f"{_plain_number(hi)} mg")
    elif get("strength_mcg_per_hour") is not None:
        bits.append(f"{_plain_number(get('strength_mcg_per_hour'))} mcg/h")
    if get("frequency_per_day_max"):
        bits.append(f"x{_plain_number(get('frequency_per_day_max'))}/day")
    if get("prn"):
        bits.append("PRN")
    days = get("duration_days") or get("supply_days")
    text = " ".join(bits)
    return f"{text}, {_plain_number(days)} days" if days else text
