"""Read audit spreadsheets (xlsx / csv) into canonical `AuditRecord`s with a validation report.

Public API::

    read_table(path_or_bytes, filename=None, *, sheet=None, max_bytes=None) -> SheetData
    list_sheets(path_or_bytes, filename=None, *, max_bytes=None) -> list[str]
    suggest_mapping(headings, remembered=None, values=None) -> Mapping   # .as_dict(): heading -> field
    suggest_for_sheet(sheet, remembered=None) -> Mapping              # headings + sampled values
    apply_user_mapping(suggested, user_dict) -> (Mapping, notes)
    build_records(sheet, mapping) -> (list[AuditRecord], ValidationReport)
    parse_yes_no / parse_date / parse_days / parse_int / parse_float / parse_sedative -> Parsed
    IngestError(message, file, sheet=None, row=None, column=None)   # str() is one line
    ValidationReport / ValidationIssue

`audit_app.importing` strings these together for the CLI and the app.
"""
from audit_app.ingest.build import build_records, jsonable, letter_kind
from audit_app.ingest.mapping import (CANONICAL_FIELDS, ColumnSuggestion, Mapping, apply_user_mapping,
                                      column_samples, normalise_heading, suggest_for_sheet, suggest_mapping,
                                      value_kind)
from audit_app.ingest.normalise import (Parsed, parse_date, parse_days, parse_float, parse_int, parse_sedative,
                                        parse_yes_no)
from audit_app.ingest.readers import DataRow, RawSheet, SheetData, list_sheets, read_raw, read_table
from audit_app.ingest.report import IngestError, ValidationIssue, ValidationReport
from audit_app.ingest.safety import DEFAULT_MAX_MB, max_upload_bytes

__all__ = [
    "read_table", "read_raw", "list_sheets", "SheetData", "RawSheet", "DataRow",
    "suggest_mapping", "suggest_for_sheet", "column_samples", "value_kind", "apply_user_mapping", "Mapping", "ColumnSuggestion", "normalise_heading", "CANONICAL_FIELDS",
    "build_records", "letter_kind", "jsonable",
    "Parsed", "parse_yes_no", "parse_date", "parse_days", "parse_int", "parse_float", "parse_sedative",
    "IngestError", "ValidationIssue", "ValidationReport", "DEFAULT_MAX_MB", "max_upload_bytes",
]
