"""Problems found while reading an audit file: one exception for files we cannot read at all
(`IngestError`) and a `ValidationReport` listing every problem in a file we could read.

Messages point at the cell the way the user sees it in Excel: 1-based row numbers and the
column letter with its heading (`H "Days supplied"`). Raw values are quoted only where they are
not identifiers (the caller decides; see `ingest.build`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from audit_app.privacy import describe_identifiers, find_identifiers, mask_file_name

SEVERITIES = ("error", "warning", "info")


def _one_line(text: str) -> str:
    """One line, identifiers described rather than quoted ('a 10-digit number')."""
    return describe_identifiers(" ".join(str(text).split()))


def _safe_raw(raw: Any) -> Any:
    """The value as written, or what it is when it holds an identifier."""
    if raw is None or isinstance(raw, bool):
        return raw
    text = str(raw)
    return describe_identifiers(text) if find_identifiers(text) else raw


def _where(file: str | None, sheet: str | None, row: int | None, column: str | None) -> str:
    parts = []
    if file:
        parts.append(mask_file_name(str(file)))
    if sheet:
        parts.append(f"sheet '{mask_file_name(str(sheet))}'")
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {describe_identifiers(str(column))}")
    return ", ".join(parts)


class IngestError(Exception):
    """A file that cannot be imported at all. `str()` is one clear line naming the file
    (and the sheet / row / column where that applies)."""

    def __init__(self, message: str, file: str | None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None):
        self.message = _one_line(message)
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = _where(self.file, self.sheet, self.row, self.column)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ValidationIssue:
    """One problem in one place. `row` is the Excel row (1-based) or None for the whole sheet."""

    severity: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None        # 'H "Days supplied"'
    raw: Any = None                  # the value as written; None for identifiers / letter text
    field: str | None = None         # canonical field, when the column is mapped
    code: str = ""                   # machine-readable kind, e.g. 'yesno_unclear', 'subheading'

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        self.message = _one_line(self.message)
        self.raw = _safe_raw(self.raw)

    def __str__(self) -> str:
        return self.format()

    def format(self, *, with_sheet: bool = True) -> str:
        where = _where(None, self.sheet if with_sheet else None, self.row, self.column) or "whole sheet"
        text = f"{self.severity.upper():7} {where}: {self.message}"
        if self.raw is not None and self.raw != "":
            raw = _one_line(str(self.raw))
            if len(raw) > 60:
                raw = raw[:57] + "..."
            if f"'{raw}'" not in self.message:
                text += f" (value: {raw!r})"
        return text

    def to_dict(self) -> dict[str, Any]:
        raw = self.raw
        if raw is not None and not isinstance(raw, (str, int, float, bool)):
            raw = str(raw)
        return {
            "severity": self.severity, "file": mask_file_name(self.file), "sheet": mask_file_name(self.sheet),
            "row": self.row,
            "column": self.column, "message": self.message, "raw": raw, "field": self.field,
            "code": self.code,
        }


@dataclass
class ValidationReport:
    """Every problem found in one sheet, plus counts of the kinds of unknown answer
    (`unknown_counts[field]['n/a'|'blank'|'?'|...]`), because 'n/a' and blank are not the same."""

    file: str | None = None
    sheet: str | None = None
    issues: list[ValidationIssue] = field(default_factory=list)
    unknown_counts: dict[str, Counter] = field(default_factory=dict)
    n_rows: int = 0                  # data rows read into records

    def add(self, severity: str, message: str, *, row: int | None = None, column: str | None = None,
            raw: Any = None, field: str | None = None, code: str = "") -> ValidationIssue:
        issue = ValidationIssue(severity, message, self.file, self.sheet, row, column, raw, field, code)
        self.issues.append(issue)
        return issue

    def extend(self, issues) -> None:
        for i in issues:
            i.file = i.file or self.file
            i.sheet = i.sheet or self.sheet
            self.issues.append(i)

    def count_unknown(self, field_name: str, kind: str) -> None:
        self.unknown_counts.setdefault(field_name, Counter())[kind] += 1

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def infos(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "info"]

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def by_code(self, code: str) -> list[ValidationIssue]:
        return [i for i in self.issues if i.code == code]

    def __iter__(self) -> Iterator[ValidationIssue]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.issues)

    def sorted(self) -> list[ValidationIssue]:
        rank = {s: n for n, s in enumerate(SEVERITIES)}
        return sorted(self.issues, key=lambda i: (rank[i.severity], i.row or 0, i.column or ""))

    def summary(self) -> str:
        return (f"{self.n_rows} letter(s) read; {len(self.errors)} error(s), "
                f"{len(self.warnings)} warning(s), {len(self.infos)} note(s)")

    def format_lines(self, *, include_info: bool = True, with_sheet: bool = True) -> list[str]:
        return [i.format(with_sheet=with_sheet) for i in self.sorted() if include_info or i.severity != "info"]

    def unknown_summary_lines(self) -> list[str]:
        lines = []
        for f, counts in self.unknown_counts.items():
            parts = ", ".join(f"{k}: {n}" for k, n in counts.most_common())
            lines.append(f"{f}: unknown answers - {parts}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": mask_file_name(self.file), "sheet": mask_file_name(self.sheet), "n_rows": self.n_rows,
            "issues": [i.to_dict() for i in self.sorted()],
            "unknown_counts": {k: dict(v) for k, v in self.unknown_counts.items()},
        }

    def store_issues(self) -> list[dict[str, Any]]:
        """The shape `store.save_round(import_issues=...)` takes."""
        return [{"severity": i.severity, "sheet": mask_file_name(i.sheet), "row": i.row, "column": i.column,
                 "message": i.message} for i in self.sorted()]
