"""Import page: spreadsheets and letters -> a round (audit_app.importing does the work).

audit_app.importing (openpyxl, the extraction pipeline) is imported on first use, not at app start:
warm_up loads it in the background.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import pandas as pd

from audit_app import pasted, privacy, wording
from audit_app.records import CANONICAL_FIELDS
from audit_app.services.scope import ServiceError, TrustScope, check_period
from audit_app.services.standards import current_standards
from audit_app.store.database import StoreError


LETTER_SEPARATOR = pasted.SEPARATOR  # still honoured; letters are split on their own structure without it


def _import_error(exc: Exception, filename: str | None) -> ServiceError:
    from audit_app.ingest import IngestError  # openpyxl: see the module docstring

    if isinstance(exc, (IngestError, StoreError, ServiceError)):
        return ServiceError(str(exc))
    return ServiceError(f"{filename or 'the file'}: could not be read ({type(exc).__name__}: {exc}). Nothing was saved.")


def warm_up() -> None:
    """Load what a first import and a first chart need (openpyxl, the spaCy extraction pipeline,
    plotly) so that a user's first upload does not wait for ~1 s of imports. Thread-safe; the app
    calls it once per process in the background after the first page has been drawn."""
    import openpyxl  # noqa: F401

    from audit_app import importing
    from qi import figures  # noqa: F401 - plotly

    importing.run_extraction(["warm up"])


def list_sheets(data: bytes, filename: str) -> list[str]:
    from audit_app import importing  # see the module docstring

    try:
        return importing.list_sheets(data, filename)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message naming the file
        raise _import_error(exc, filename) from None


def split_pasted_letters(text: str) -> list[str]:
    """Pasted text -> letters, split on the letters' own structure (audit_app.pasted.split_letters)."""
    return pasted.split_letters(text)


def discharge_date_of(text: str):
    """The discharge date a letter states ('Discharged: 30 March 2024', 'Date of discharge 03/09/2025'),
    or None: read by audit_app.importing.prepare_letters into each letter's Discharge date."""
    from audit_app import importing  # see the module docstring

    return importing.discharge_date_of(text)


def decode_letter_file(data: bytes, filename: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ServiceError(f"{filename}: not a text file (letters must be plain .txt)")


def prepare_upload(scope: TrustScope, data: bytes, filename: str, *,
                   sheet: str | None = None, mapping: dict | None = None,
                   progress: Callable[[int, int], None] | None = None):
    """Read, map, validate and extract an uploaded file (audit_app.importing.prepare_import); saves nothing."""
    from audit_app import importing  # see the module docstring

    try:
        return importing.prepare_import(data, filename, sheet=sheet, mapping=mapping, trust_id=scope.trust_id,
                                        store=scope.store, progress=progress)
    except Exception as exc:  # noqa: BLE001
        raise _import_error(exc, filename) from None


def prepare_letters(scope: TrustScope, letters: list[tuple[str, str]], *,
                    progress: Callable[[int, int], None] | None = None):
    """Letters (name, text) from .txt files or pasted text, read like a two-column sheet
    (audit_app.importing.prepare_letters); saves nothing."""
    from audit_app import importing  # see the module docstring

    try:
        return importing.prepare_letters(letters, trust_id=scope.trust_id, store=scope.store, progress=progress)
    except Exception as exc:  # noqa: BLE001
        raise _import_error(exc, importing.LETTERS_FILE) from None


def remap_upload(scope: TrustScope, prepared, mapping: dict | None, *,
                 progress: Callable[[int, int], None] | None = None):
    """The prepared import under the user's edited mapping (audit_app.importing.remap_import): the
    file is not read again and letters already read keep their extraction; saves nothing."""
    from audit_app import importing  # see the module docstring

    try:
        return importing.remap_import(prepared, mapping, progress=progress)
    except Exception as exc:  # noqa: BLE001
        raise _import_error(exc, prepared.filename) from None


def mapping_table(prepared) -> pd.DataFrame:
    """One row per column heading: the field in words ('(not used)' when unmapped), what that field
    means in one line, how sure the suggestion is and why."""
    rows = []
    for c in prepared.mapping.columns:
        rows.append({"Column": c.heading, "Field": wording.field_label(c.field),
                     "Means": wording.field_help(c.field),
                     "Confidence": round(float(c.confidence), 2),
                     "Why": wording.mapping_reason(c.source, c.note)})
    return pd.DataFrame(rows, columns=["Column", "Field", "Means", "Confidence", "Why"])


def field_choices() -> dict[str, str]:
    """Field label (what the mapping editor shows) -> field code; '(not used)' -> ''."""
    return {wording.NOT_USED: "", **{wording.field_label(k): k for k in CANONICAL_FIELDS}}


def mapping_from_table(table: pd.DataFrame) -> dict[str, str | None]:
    """The user's edited mapping: heading -> field code (None for a column they chose not to use).
    The Field column holds labels (field_choices); codes are accepted too."""
    choices = field_choices()
    out: dict[str, str | None] = {}
    for _, r in table.iterrows():
        f = r.get("Field")
        if f is None or (isinstance(f, float) and math.isnan(f)) or f == "":
            out[str(r["Column"])] = None
            continue
        code = choices.get(str(f), str(f) if str(f) in CANONICAL_FIELDS else None)
        out[str(r["Column"])] = code or None
    return out


def mapping_with_edits(prepared, edited_rows: dict) -> dict[str, str | None]:
    """The mapping after the editor's edits ({row index: {"Field": label}}), applied as they are made."""
    table = mapping_table(prepared)
    for i, change in (edited_rows or {}).items():
        if "Field" in change and 0 <= int(i) < len(table):
            table.loc[int(i), "Field"] = change["Field"]
    return mapping_from_table(table)


def review_table(prepared) -> pd.DataFrame:
    """Where the auditor and the extractor disagree: one text row per answer (lists shown as text,
    so no column mixes types), letter id and Excel row, no identifier and no letter text."""
    rows = []
    for rec, comps in zip(prepared.records, prepared.comparisons):
        for c in comps:
            if c.needs_review:
                rows.append({"Letter": str(rec.letter_id), "Row": "" if rec.source_row is None else str(rec.source_row),
                             "Answer": c.label or wording.field_words(c.field),
                             "Auditor": services_value(c.auditor), "Extractor": services_value(c.extractor),
                             "Note": c.note or ("from an excerpt: read with care" if c.confidence == "low" else "")})
    return pd.DataFrame(rows, columns=["Letter", "Row", "Answer", "Auditor", "Extractor", "Note"])


def services_value(value: Any) -> str:
    return wording.words(value) if isinstance(value, str) else wording.cell_text(value)


def issues_table(prepared) -> pd.DataFrame:
    rows = [{"Severity": i.severity, "Sheet": i.sheet or "", "Row": i.row, "Column": i.column or "",
             "Message": i.message} for i in prepared.report.sorted()]  # messages already in words
    df = pd.DataFrame(rows, columns=["Severity", "Sheet", "Row", "Column", "Message"])
    df["Row"] = df["Row"].astype("Int64")
    return privacy.safe_frame(df)  # every table shown may be downloaded as CSV


def preview_table(prepared, limit: int = 200) -> pd.DataFrame:
    """The first records as read, mapped fields only, in words (identifiers and letter text left
    out; dates dd/mm/yyyy; every cell text, so no column mixes types)."""
    hidden = {"hospital_number", "nhs_number", "patient_name", "date_of_birth", "letter_text"}
    shown = [f for f in CANONICAL_FIELDS if f not in hidden and prepared.mapping.heading_for(f)]
    rows = []
    for rec, ex in list(zip(prepared.records, prepared.extractions))[:limit]:
        d = {"Row": "" if rec.source_row is None else str(rec.source_row)}
        for f in shown:
            v = getattr(rec, f)
            d[CANONICAL_FIELDS[f][1]] = wording.uk_date(v) if CANONICAL_FIELDS[f][0] == "date" else services_value(
                getattr(v, "value", v))
        d["Opioids found in the letter"] = "; ".join(wording.opioid_summary(o) for o in ex.opioids) if ex else ""
        rows.append(d)
    return privacy.safe_frame(pd.DataFrame(rows))


MAPPING_MISFIT = "mapping_misfit"  # = audit_app.ingest.build.MAPPING_MISFIT (not imported here: openpyxl)


def extraction_summary(extraction) -> str:
    """What the extractor found in one letter (its nlp.LetterExtraction), in words (markdown),
    before anything is saved."""
    if extraction is None:
        return "Not read by the extractor."
    ops = extraction.opioids
    lines = [f"- **Opioids:** {'; '.join(wording.opioid_summary(o) for o in ops) if ops else 'none found'}"]
    if extraction.ome_total_mg_per_day is not None:
        lines.append(f"- **OME:** {float(extraction.ome_total_mg_per_day):g} mg/day")
    for key, present in (("weaning_plan", extraction.weaning_plan.present),
                         ("gp_instruction", extraction.gp_instruction.present),
                         ("indication_documented", extraction.indication_documented)):
        lines.append(f"- **{wording.field_words(key)}:** {'found' if present else 'not found'}")
    return "\n".join(lines)


def _fingerprint(letter_id: Any, text: str | None, discharge_date: Any, *, masked: bool) -> str:
    """Keyed hash of a letter's id and its text (as stored: masked unless the trust keeps
    identifiers), or of its id and discharge date when there is no text."""
    body = (privacy.mask_text(text) if masked else text) if text else f"date:{discharge_date or ''}"
    return privacy.keyed_hash(f"{str(letter_id or '').strip()}\n{body}", "letter-content")


def already_stored(scope: TrustScope, prepared) -> dict[str, int]:
    """Round label -> how many of the prepared letters that round already holds (same letter id
    and text, compared as keyed hashes): the same spreadsheet or letters imported twice."""
    masked = not scope.trust.keep_identifiers
    incoming = {_fingerprint(r.letter_id, r.letter_text, r.discharge_date.isoformat() if r.discharge_date else None,
                             masked=masked) for r in prepared.records}
    found: dict[str, int] = {}
    for rnd in scope.store.list_rounds(scope.trust_id):
        if not rnd.n_letters:
            continue
        n = sum(1 for lt in scope.store.letters(rnd.id)
                if _fingerprint(lt.record.get("letter_id"), lt.text, lt.record.get("discharge_date"),
                                masked=False) in incoming)
        if n:
            found[rnd.label] = n
    return found


def save_import(scope: TrustScope, prepared, *, label: str, period_start: Any = None,
                period_end: Any = None, standards_version: int | None = None, into_round_id: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Score and save the prepared import as a round (one transaction; nothing saved on failure).

    `into_round_id`: an existing EMPTY round (created on the Trusts page) to fill, in the same
    transaction; its label, period and standards version are used.
    """
    from audit_app import importing  # see the module docstring

    if into_round_id is not None:
        empty = scope.round(into_round_id)
        if empty.n_letters:
            raise ServiceError(f"round {empty.label!r} already has letters; import into a new round")
        label = empty.label
        period_start = period_start or empty.period_start
        period_end = period_end or empty.period_end
        standards_version = empty.standards_version or standards_version
    if not (label or "").strip():
        raise ServiceError("give the round a label")
    check_period(period_start, period_end)
    _, config = current_standards(scope, standards_version)
    try:
        return importing.accept_import(scope.store, prepared, trust_id=scope.trust_id, label=label,
                                       period_start=period_start,
                                       period_end=period_end, standards_config=config, progress=progress,
                                       into_round_id=into_round_id)
    except Exception as exc:  # noqa: BLE001
        raise _import_error(exc, prepared.filename) from None
