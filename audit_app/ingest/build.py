"""From a table and a confirmed mapping to `AuditRecord`s plus a `ValidationReport`.

Every cell of a mapped column is normalised (see `normalise`); every problem becomes an issue
naming the Excel row and the column ('H "Days supplied"'). Raw values are never copied into
issues for identifier columns or letter text.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from audit_app.ingest.mapping import Mapping
from audit_app.ingest.normalise import (Parsed, check_discharge_date, clean_text, is_blank, parse_date,
                                        parse_days, parse_float, parse_int, parse_yes_no)
from audit_app.ingest.readers import SheetData
from audit_app.ingest.report import ValidationReport
from audit_app.privacy import nhs_number_is_valid
from audit_app.records import CANONICAL_FIELDS, IDENTIFIER_FIELDS, AuditRecord, YesNo

PRIVATE_FIELDS = frozenset(IDENTIFIER_FIELDS) | {"letter_text"}
_YES_NO_FIELDS = [f for f, (kind, _) in CANONICAL_FIELDS.items() if kind == "yesno"]
_OPIOID_DEPENDENT = ("weaning_plan", "gp_action", "indication", "new_opioid")
_NO_DRUG = re.compile(r"^\s*(-+|n/?a|nil|none|no|na|not applicable|nothing|x)\s*$", re.I)
_EXCERPT_HEADING = re.compile(r"excerpt|extract|snippet|part of", re.I)


def jsonable(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ") if v.time() != dt.time() else v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def letter_kind(text: str | None, heading: str | None = None) -> str | None:
    """'excerpt' when the column says so (or the text is too short to be a whole letter),
    'letter' for a full letter, None without text."""
    if not text or not text.strip():
        return None
    if heading and _EXCERPT_HEADING.search(heading):
        return "excerpt"
    if len(text) < 400:
        return "excerpt"
    return "letter"


def build_records(sheet: SheetData, mapping: Mapping, report: ValidationReport | None = None,
                  *, today: dt.date | None = None) -> tuple[list[AuditRecord], ValidationReport]:
    """Normalise every row. Returns (records, report); the report also holds the sheet's notes."""
    if report is None:
        report = ValidationReport(sheet.file, sheet.sheet)
        report.extend(sheet.issues)
    col_field: list[str | None] = [mapping.field_for(h) for h in sheet.headings]
    field_col = {f: i for i, f in enumerate(col_field) if f}
    has_ward_col = "ward" in field_col
    records: list[AuditRecord] = []

    if "letter_id" not in field_col:
        report.add("warning", "no column is mapped to the letter id; letters are numbered by their row "
                   "('row-5'), so a later correction cannot be matched to its letter", code="no_letter_id")
    for essential in ("opioid_prescribed",):
        if essential in field_col:
            continue
        if "letter_text" in field_col:
            report.add("info", f"no column is mapped to '{essential}' ({CANONICAL_FIELDS[essential][1]}); "
                       "the letter text is read by the extractor instead", code="missing_field", field=essential)
        else:
            report.add("warning", f"no column is mapped to '{essential}' ({CANONICAL_FIELDS[essential][1]}); "
                       "standards that need it will be 'not assessable'", code="missing_field", field=essential)

    pending: list[tuple[int, str, str, int | None, Any, str, str]] = []  # row issues, said after the misfit check
    answered: dict[int, int] = {}      # column -> non-blank cells
    unreadable: dict[int, int] = {}    # column -> cells its field could not read
    for dr in sheet.rows:
        rec = AuditRecord(letter_id="", source_row=dr.row, source_sheet=sheet.sheet)
        answers_unknown: dict[str, str] = {}
        row_issues: list[tuple[str, str, int | None, Any, str, str]] = []  # sev, msg, col, raw, field, code

        def note(sev, msg, c, raw, f, code):
            row_issues.append((sev, msg, c, None if f in PRIVATE_FIELDS else raw, f, code))

        for c, f in enumerate(col_field):
            value = dr.values[c] if c < len(dr.values) else None
            if not f:
                if not is_blank(value):
                    rec.extra[sheet.headings[c]] = jsonable(value)
                continue
            kind = CANONICAL_FIELDS[f][0]
            p: Parsed
            if f == "days_supplied":
                p = parse_days(value)
                rec.days_supplied = p.value
                rec.days_supplied_raw = p.raw
                if p.extra and p.extra.get("quantity") and not rec.quantity:
                    rec.quantity = p.extra["quantity"]
            elif kind == "yesno":
                p = parse_yes_no(value)
                setattr(rec, f, p.value)
                if p.unknown:
                    answers_unknown[f] = p.unknown
            elif kind == "date":
                p = parse_date(value, date1904=sheet.date1904)
                setattr(rec, f, p.value)
                if f == "discharge_date" and p.severity is None:
                    p = check_discharge_date(p.value, today) or p
            elif f == "age":
                p = parse_int(value, lo=0, hi=120, what="age in years",
                              unit_words=("y", "yr", "yrs", "years", "year", "yo", "y/o"))
                rec.age = p.value
            elif f == "imd_quintile":
                p = parse_int(value, lo=1, hi=5, what="IMD quintile (1-5)")
                rec.imd_quintile = p.value
            elif f == "ome_mg_per_day":
                p = parse_float(value, lo=0, hi=20000, what="OME in mg/day",
                                unit_words=("mg", "mg/day", "mg/d", "mg/24h", "mg per day", "mg/24 hours"))
                rec.ome_mg_per_day = p.value
            else:
                text = clean_text(value)
                p = Parsed(text)
                if f == "nhs_number" and text:
                    p = _check_nhs_number(text)
                setattr(rec, f, text)
            if p.severity:
                note(p.severity, p.message, c, value, f, _code(f, p))
            if p.unknown and f not in ("letter_id",):
                report.count_unknown(f, p.unknown)

        # letter id
        if not rec.letter_id:
            rec.letter_id = f"row-{dr.row}"
            if "letter_id" in field_col:
                note("warning", f"the letter id is blank; called '{rec.letter_id}'", field_col["letter_id"], None,
                     "letter_id", "blank_id")

        # 'Ward/Spec' style: 'Ward 23 / Obstetrics' -> ward + specialty
        if rec.specialty and " / " in rec.specialty and not has_ward_col:
            ward, _, spec = rec.specialty.rpartition(" / ")
            rec.ward, rec.specialty = ward.strip() or None, spec.strip() or None

        _cross_checks(rec, answers_unknown, field_col, note)

        for sev, msg, c, raw, f, code in row_issues:
            pending.append((dr.row, sev, msg, c, raw, f, code))
            if c is not None and (code == "bad_value" or code == "unknown_unrecognised"):
                unreadable[c] = unreadable.get(c, 0) + 1
        for c, value in enumerate(dr.values[:len(col_field)]):
            if col_field[c] and not is_blank(value):
                answered[c] = answered.get(c, 0) + 1
        records.append(rec)

    misfits = _mapping_misfits(sheet, col_field, answered, unreadable, pending, report)
    for row, sev, msg, c, raw, f, code in pending:
        if c in misfits and code in ("bad_value", "unknown_unrecognised"):
            continue  # said once for the whole column: the mapping, not the cells, is wrong
        report.add(sev, msg, row=row, column=sheet.column_label(c) if c is not None else None,
                   raw=raw, field=f, code=code)

    _tidy_specialties(records)
    _duplicate_ids(records, sheet, field_col, report)
    report.n_rows = len(records)
    return records, report


MAPPING_MISFIT = "mapping_misfit"   # code of an issue whose fix is a different mapping, not a different file
_MISFIT_SHARE = 0.5                # share of a column's answers its field cannot read that blames the mapping


def _check_nhs_number(text: str) -> Parsed:
    """A typed NHS number kept as written, with a warning when it cannot be one (never quoting the number)."""
    digits = re.sub(r"\D", "", text)
    if len(digits) != 10 or re.search(r"[^\d\s./-]", text):
        return Parsed(text, severity="warning", message=f"the NHS number is not 10 digits (it has {len(digits)}"
                      + (" and other characters" if re.search(r"[^\d\s./-]", text) else "")
                      + "); it is kept as written: check it against the patient record")
    if not nhs_number_is_valid(digits):
        return Parsed(text, severity="warning", message="the NHS number fails its check digit (modulus 11), so a "
                      "digit is probably mistyped; it is kept as written: check it against the patient record")
    return Parsed(text)


def _mapping_misfits(sheet: SheetData, col_field: list[str | None], answered: dict[int, int],
                     unreadable: dict[int, int], pending: list, report: ValidationReport) -> set[int]:
    """Columns whose field cannot read most of their cells: the mapping is wrong, not the cells.
    Each becomes one issue saying which column's mapping to change (an error when the cells were
    errors, so nothing wrong is saved)."""
    out: set[int] = set()
    for c, bad in unreadable.items():
        n = answered.get(c, 0)
        if bad < 2 or bad <= _MISFIT_SHARE * n:
            continue
        out.add(c)
        f = col_field[c]
        letter = sheet.column_letters[c]
        sev = "error" if any(p[3] == c and p[6] == "bad_value" for p in pending) else "warning"
        example = next((p[4] for p in pending if p[3] == c and p[4] is not None), None)
        eg = f" (e.g. '{clean_text(example)[:30]}')" if example is not None and f not in PRIVATE_FIELDS else ""
        report.add(sev, f"{bad} of {n} values{eg} cannot be read as '{CANONICAL_FIELDS[f][1]}': change the mapping "
                   f"of column {letter} (choose the field it holds, or '(not used)')",
                   column=sheet.column_label(c), field=f, code=MAPPING_MISFIT)
    return out


def _code(f: str, p: Parsed) -> str:
    if p.severity == "error":
        return "bad_value"
    if p.unknown:
        return f"unknown_{p.unknown.replace(' ', '_').replace('/', '')}"
    if p.extra and p.extra.get("quantity"):
        return "quantity_not_days"
    return "note"


def _cross_checks(rec: AuditRecord, unknown: dict[str, str], field_col: dict[str, int], note) -> None:
    """Answers that contradict each other, and unknowns that matter (n/a vs blank kept distinct)."""
    opioid = rec.opioid_prescribed
    if "opioid_prescribed" in field_col and opioid == YesNo.UNKNOWN:
        kind = unknown.get("opioid_prescribed", "unknown")
        if kind in ("blank", "n/a", "-"):
            note("warning", f"'opioid on TTO' is {kind}; read as unknown", field_col["opioid_prescribed"], None,
                 "opioid_prescribed", f"unknown_{kind.replace('/', '')}")
    for f in _OPIOID_DEPENDENT:
        if f not in field_col:
            continue
        v = getattr(rec, f)
        kind = unknown.get(f)
        if opioid == YesNo.YES and kind in ("n/a", "blank", "-"):
            note("info", f"{kind} although an opioid is recorded; read as unknown", field_col[f], None, f,
                 "unknown_with_opioid")
        if opioid == YesNo.NO and v == YesNo.YES:
            note("warning", f"'{f.replace('_', ' ')}' is yes but no opioid is recorded", field_col[f], None, f,
                 "inconsistent")
    if opioid == YesNo.NO and rec.drug and not _NO_DRUG.match(rec.drug) and "drug" in field_col:
        note("warning", "a drug is written but 'opioid on TTO' is no", field_col["drug"], rec.drug, "drug",
             "inconsistent")
    if opioid == YesNo.NO and rec.days_supplied and "days_supplied" in field_col:
        note("warning", "days supplied given but 'opioid on TTO' is no", field_col["days_supplied"],
             rec.days_supplied, "days_supplied", "inconsistent")


def _tidy_specialties(records: list[AuditRecord]) -> None:
    """'acute medicine' and 'Acute Medicine' are one specialty: use the most common capitalised spelling."""
    for attr in ("specialty", "ward"):
        spellings: dict[str, Counter] = {}
        for r in records:
            v = getattr(r, attr)
            if v:
                spellings.setdefault(v.casefold(), Counter())[v] += 1
        choice = {}
        for key, counts in spellings.items():
            ranked = sorted(counts.items(), key=lambda kv: (kv[0].islower() or kv[0].isupper(), -kv[1]))
            best = ranked[0][0]
            if best.islower():
                best = " ".join(w if w in ("and", "of", "&") else w[:1].upper() + w[1:] for w in best.split())
            choice[key] = best
        for r in records:
            v = getattr(r, attr)
            if v:
                setattr(r, attr, choice[v.casefold()])


def _duplicate_ids(records: list[AuditRecord], sheet: SheetData, field_col: dict[str, int],
                   report: ValidationReport) -> None:
    first: dict[str, int] = {}
    col = sheet.column_label(field_col["letter_id"]) if "letter_id" in field_col else None
    for r in records:
        key = r.letter_id.strip().casefold()
        if key in first:
            report.add("error", f"duplicate letter id '{r.letter_id}' (also on row {first[key]}); each letter "
                       "needs its own id", row=r.source_row, column=col, raw=r.letter_id, field="letter_id",
                       code="duplicate_id")
        else:
            first[key] = r.source_row
