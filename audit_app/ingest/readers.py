"""Read one sheet of an audit workbook (or a CSV) into a clean table.

`read_table` finds the header row below title/note rows (a merged group heading never
becomes the header), reads merged cells (vertical merges in the data are filled down),
skips empty rows and columns, skips sub-heading rows inside the data ('--- Surgical wards ---'),
and stops at trailing summary rows ('Total audited: 41', 'Summary', =COUNTIF rows). Formulas
are never evaluated: a formula cell gives Excel's last saved value, or blank.
Every skipped row is reported (severity 'info') in `SheetData.issues`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from audit_app.ingest import safety
from audit_app.ingest.mapping import _score_heading
from audit_app.ingest.normalise import clean_text, is_blank
from audit_app.ingest.report import IngestError, ValidationIssue

HEADER_SCAN_ROWS = 30
_AGGREGATE = re.compile(r"\b(COUNT|COUNTA|COUNTIF|COUNTIFS|COUNTBLANK|SUM|SUMIF|SUMIFS|SUMPRODUCT|AVERAGE|"
                        r"AVERAGEIF|AVERAGEIFS|SUBTOTAL|AGGREGATE|MEDIAN|MIN|MAX|PERCENTILE|ROWS)\s*\(", re.I)
_SUMMARY = re.compile(r"^\s*(total|totals|grand total|summary|count|sum|average|mean|median|n\s*=|"
                      r"number (audited|of letters|of patients)|audited|compliance|overall|percentage|results?)\b",
                      re.I)
_SUBHEADING = re.compile(r"^\s*([-=*#_~–—>]{2,}.*|.*[-=*#_~–—<]{2,}\s*)$")


@dataclass
class RawSheet:
    """Cell values of one sheet before any interpretation. Rows and columns are 0-based here."""

    file: str
    sheet: str | None
    sheet_names: list[str]
    cells: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)   # min_row, min_col, max_row, max_col
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    date1904: bool = False
    kind: str = "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


@dataclass
class DataRow:
    row: int                 # 1-based row as Excel shows it
    values: list[Any]


@dataclass
class SheetData:
    """The table found in one sheet: headings, data rows (with their Excel row numbers) and the
    notes on what was skipped."""

    file: str
    sheet: str | None
    sheet_names: list[str]
    header_row: int                                  # 1-based
    headings: list[str]
    column_letters: list[str]
    rows: list[DataRow]
    issues: list[ValidationIssue] = field(default_factory=list)
    title: str | None = None
    kind: str = "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    date1904: bool = False

    def column_label(self, index: int) -> str:
        """'H "Days supplied"' for messages."""
        return f'{self.column_letters[index]} "{self.headings[index]}"'

    def column_index(self, heading: str) -> int | None:
        key = " ".join(str(heading).split()).casefold()
        for i, h in enumerate(self.headings):
            if " ".join(h.split()).casefold() == key:
                return i
        return None

    def to_frame(self):
        """A pandas DataFrame of the raw values (headings as columns, Excel row numbers as index)."""
        import pandas as pd

        return pd.DataFrame([r.values for r in self.rows], columns=self.headings,
                            index=pd.Index([r.row for r in self.rows], name="row"))


# ------------------------------------------------------------------ file level

def list_sheets(path_or_bytes, filename: str | None = None, *, max_bytes: int | None = None) -> list[str]:
    """Sheet names of a workbook (a CSV has one unnamed sheet: [])."""
    data, name = safety.load_bytes(path_or_bytes, filename, max_bytes=max_bytes)
    if safety.file_kind(data, name) != "xlsx":
        return []
    with _Workbook(data, name) as wb:
        return wb.sheet_names


def read_raw(path_or_bytes, filename: str | None = None, *, sheet: str | int | None = None,
             max_bytes: int | None = None) -> RawSheet:
    data, name = safety.load_bytes(path_or_bytes, filename, max_bytes=max_bytes)
    kind = safety.file_kind(data, name)
    if kind == "xlsx":
        return _read_xlsx(data, name, sheet)
    return _read_csv(data, name)


def read_table(path_or_bytes, filename: str | None = None, *, sheet: str | int | None = None,
               max_bytes: int | None = None) -> SheetData:
    """Read the chosen sheet (default: the first) and find its table. Raises IngestError."""
    return extract_table(read_raw(path_or_bytes, filename, sheet=sheet, max_bytes=max_bytes))


class _Workbook:
    """The parts of an .xlsx needed to stream one sheet: sheet names and paths, shared strings,
    date styles. Unlike `openpyxl.load_workbook(read_only=True)`, opening parses no worksheet (a
    sheet without a <dimension> would otherwise be parsed whole just to size it). XML goes
    through openpyxl's parsers, which use defusedxml (no entity expansion, no external entities)."""

    def __init__(self, data: bytes, name: str, *, data_only: bool = False):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        safety.check_xlsx_container(data, name)
        self.name = name
        try:
            self.reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=data_only)
            self.reader.read_manifest()
            self.reader.read_strings()
            self.reader.read_workbook()
            apply_stylesheet(self.reader.archive, self.reader.wb)
            self._sheets = [(sheet.name, rel) for sheet, rel in self.reader.parser.find_sheets()
                            if rel.target in self.reader.valid_files]
        except IngestError:
            raise
        except Exception as exc:  # openpyxl wraps parse errors; look for defusedxml's refusal in the chain
            _raise_workbook_error(exc, name)
        self.data_only = data_only
        self.wb = self.reader.wb

    def __enter__(self) -> "_Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.reader.archive.close()

    @property
    def sheet_names(self) -> list[str]:
        return [n for n, _ in self._sheets]

    def pick(self, sheet: str | int | None) -> tuple[str, Any]:
        """(sheet name, relationship) of the sheet asked for: by name (case and spaces aside) or
        1-based number; the first by default."""
        names = self.sheet_names
        if not names:
            raise IngestError("the workbook has no sheets", self.name)
        index = None
        if sheet is None or sheet == "":
            index = 0
        elif isinstance(sheet, str) and sheet in names:
            index = names.index(sheet)
        elif isinstance(sheet, str):
            folded = [n.strip().casefold() for n in names]
            if sheet.strip().casefold() in folded:
                index = folded.index(sheet.strip().casefold())
            elif sheet.strip().isdigit():
                sheet = int(sheet.strip())
        if index is None and isinstance(sheet, int) and 1 <= sheet <= len(names):
            index = sheet - 1
        if index is None:
            raise IngestError(f"no sheet called '{sheet}'; the sheets are: {', '.join(repr(n) for n in names)}",
                              self.name)
        return self._sheets[index]

    def rows(self, title: str, rel, limits: safety.Limits):
        """(row index 0-based, [(col index 0-based, value, data_type)]) for each row holding a
        value, streamed (memory does not grow with the sheet); then (-1, merged cells)."""
        from openpyxl.worksheet._reader import WorkSheetParser

        with self.reader.archive.open(rel.target) as src:
            parser = WorkSheetParser(src, self.reader.shared_strings, data_only=self.data_only, epoch=self.wb.epoch,
                                     date_formats=self.wb._date_formats, timedelta_formats=self.wb._timedelta_formats)
            filled = 0
            for idx, row in parser.parse():
                cells = [(c["column"] - 1, c["value"], c["data_type"]) for c in row if c["value"] is not None]
                if not cells:
                    continue
                filled += 1
                if filled > limits.max_rows + HEADER_SCAN_ROWS:
                    raise _too_many_rows(self.name, title, limits)
                widest = max(c for c, _, _ in cells)
                if widest >= limits.max_columns:
                    raise _too_many_columns(self.name, title, limits, get_column_letter(widest + 1), idx)
                yield idx - 1, cells
            yield -1, parser.merged_cells  # the merged ranges come after the rows in the XML

    def prescan(self, title: str, rel, limits: safety.Limits) -> None:
        """Refuse a sheet past the row or column caps before parsing it: a scan of the raw XML at
        C speed (seconds for a million rows, where the parser would take minutes)."""
        rows_with_values = 0
        in_row_has_value = False
        tail = b""
        with self.reader.archive.open(rel.target) as src:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                buf = tail + chunk
                cut = max(buf.rfind(b"<"), 0) if len(chunk) == 1 << 20 else len(buf)
                tail, buf = buf[cut:], buf[:cut]
                for m in _XML_TOKEN.finditer(buf):
                    tag = m.group("tag")
                    if tag == b"row":
                        in_row_has_value = False
                    elif tag == b"c":
                        col = m.group("col")
                        if col and not m.group("empty") and _column_number(col) > limits.max_columns:
                            raise _too_many_columns(self.name, title, limits, col.decode(), None)
                    elif not in_row_has_value:
                        in_row_has_value = True
                        rows_with_values += 1
                        if rows_with_values > limits.max_rows + HEADER_SCAN_ROWS:
                            raise _too_many_rows(self.name, title, limits)


# A row, a cell (its column letters, and whether it is self-closing: a styled empty cell) or a
# value / inline string / formula inside a cell. Namespace prefixes ('<x:row>') allowed.
_XML_TOKEN = re.compile(rb"<(?:\w+:)?(?P<tag>row|c|v|is|f)\b(?:[^>]*?\br=\"(?P<col>[A-Z]{1,3})\d+\")?[^>]*?(?P<empty>/?)>")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _too_many_rows(name: str, sheet: str, limits: safety.Limits) -> IngestError:
    return IngestError(f"the sheet has more than {limits.max_rows:,} rows (the limit; split the file, or raise "
                       f"{safety.MAX_ROWS_ENV})", name, sheet=sheet)


def _too_many_columns(name: str, sheet: str, limits: safety.Limits, column: str, row: int | None) -> IngestError:
    return IngestError(f"the sheet has data in column {column}, beyond the limit of {limits.max_columns} columns "
                       f"(remove the extra columns, or raise {safety.MAX_COLUMNS_ENV})", name, sheet=sheet, row=row)


def _raise_workbook_error(exc: BaseException, name: str):
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith("defusedxml") or type(seen).__name__ in (
                "EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden", "NotSupportedError"):
            raise IngestError("refusing to read the workbook: it contains XML entity or DTD declarations "
                              "(a possible XML attack)", name) from None
        seen = seen.__cause__ or seen.__context__
    detail = " ".join(str(exc).split())[:100]
    raise IngestError(f"cannot read the workbook ({type(exc).__name__}: {detail}); open it in Excel and "
                      "save it again as .xlsx", name) from None


def _read_xlsx(data: bytes, name: str, sheet: str | int | None) -> RawSheet:
    """Stream the sheet (a raw-XML pre-scan enforces the row and column caps first), twice only
    when it has formulas: the second pass reads Excel's last calculated values."""
    limits = safety.limits()
    with _Workbook(data, name) as wb:
        title, rel = wb.pick(sheet)
        if "chartsheet" in (rel.Type or ""):
            raise IngestError("is a chart sheet, not a data sheet", name, sheet=title)
        try:
            wb.prescan(title, rel, limits)
            formulas: dict[tuple[int, int], str] = {}
            cells: list[list[Any]] = []
            merged_xml = None
            for r, row in wb.rows(title, rel, limits):
                if r < 0:
                    merged_xml = row
                    continue
                if len(cells) < r:
                    cells.extend([] for _ in range(r - len(cells)))
                vals: list[Any] = [None] * (max(c for c, _, _ in row) + 1)
                for c, v, kind in row:
                    if kind == "f" or (hasattr(v, "text") and not isinstance(v, str)):  # incl. ArrayFormula
                        formulas[(r, c)] = str(getattr(v, "text", v))
                        v = None
                    vals[c] = v
                cells.append(vals)
        except IngestError:
            raise
        except Exception as exc:  # a damaged sheet part: one clear line, never a traceback
            _raise_workbook_error(exc, name)
        merged = []
        for rng in getattr(merged_xml, "mergeCell", None) or ():
            try:
                c0, r0, c1, r1 = range_boundaries(rng.ref)
            except (TypeError, ValueError):
                continue
            if r0 <= len(cells) and c0 <= limits.max_columns:
                merged.append((r0 - 1, c0 - 1, min(r1, len(cells)) - 1, min(c1, limits.max_columns) - 1))
        date1904 = bool(getattr(wb.wb, "epoch", None) and wb.wb.epoch.year == 1904)
        sheet_names = wb.sheet_names
    if formulas:   # Excel's last calculated values; never evaluate formulas ourselves
        with _Workbook(data, name, data_only=True) as wb2:
            for r, row in wb2.rows(title, rel, limits):
                if r < 0:
                    continue
                for c, v, _ in row:
                    if (r, c) in formulas:
                        cells[r][c] = v
    return RawSheet(name, title, sheet_names, cells, merged, formulas, date1904, "xlsx")


def _read_csv(data: bytes, name: str) -> RawSheet:
    text, encoding = safety.decode_csv(data, name)
    if not text.strip():
        raise IngestError("the file has no text in it", name)
    first, _, rest = text.partition("\n")
    m = re.fullmatch(r"\s*sep=(.)\s*", first)
    if m:                                    # Excel's 'sep=;' hint line
        delimiter, text = m.group(1), rest
    else:
        delimiter = sniff_delimiter(text)
    limits = safety.limits()
    cells: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(cells) >= limits.max_rows and any(v.strip() for v in row):
                raise IngestError(f"the file has more than {limits.max_rows:,} rows (split it, or raise "
                                  f"{safety.MAX_ROWS_ENV})", name, row=reader.line_num)
            if len(row) > limits.max_columns and any(v.strip() for v in row[limits.max_columns:]):
                raise IngestError(f"the row has more than {limits.max_columns} columns (remove the extra "
                                  f"columns, or raise {safety.MAX_COLUMNS_ENV})", name, row=reader.line_num)
            for c, v in enumerate(row):
                if "\x00" in v:
                    raise IngestError("a NUL byte (binary data) in the cell; export the sheet again as CSV",
                                      name, row=reader.line_num, column=get_column_letter(c + 1))
            cells.append([(v if v.strip() else None) for v in row[:limits.max_columns]])
    except csv.Error as exc:
        raise IngestError(f"cannot read the CSV ({exc})", name, row=reader.line_num) from None
    return RawSheet(name, None, [], cells, [], {}, False, "csv", encoding, delimiter)


def sniff_delimiter(text: str) -> str:
    """',', ';', tab or '|': the one that splits the first lines most consistently."""
    sample = "\n".join(text.splitlines()[:30])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    best, best_score = ",", -1.0
    for d in (",", ";", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=d) if any(x.strip() for x in r)]
        except csv.Error:
            continue
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        score = (common - 1) * counts.count(common) / len(counts)
        if score > best_score:
            best, best_score = d, score
    return best


# ------------------------------------------------------------------ table finding

def _looks_textual_heading(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    s = v.strip()
    if not s or len(s) > 60 or "\n" in s:
        return False
    return not re.fullmatch(r"[\d\s/.\-:]+", s)


def extract_table(raw: RawSheet) -> SheetData:
    name, sheet = raw.file, raw.sheet
    cells = raw.cells
    n_cols = max((len(r) for r in cells), default=0)
    if not cells or n_cols == 0 or all(all(is_blank(v) for v in r) for r in cells):
        what = f"sheet '{sheet}' is empty" if sheet else "the file has no data"
        raise IngestError(what + " (no cells filled in)", name, sheet=sheet)
    grid = [list(r) + [None] * (n_cols - len(r)) for r in cells]

    # merged ranges: anchors spanning >1 column are titles / group headings / sub-headings
    wide_anchor: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0, r1, c1) in raw.merged:
        if c1 > c0:
            wide_anchor[(r0, c0)] = (r0, c0, r1, c1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0)

    header_idx = _find_header(grid, wide_anchor, covered, name, sheet)
    issues: list[ValidationIssue] = []

    def issue(sev: str, msg: str, row: int | None = None, code: str = "", raw_value: Any = None, column=None):
        issues.append(ValidationIssue(sev, msg, name, sheet, row, column, raw_value, None, code))

    # fill vertical merges below the header (a value merged down several rows belongs to each)
    for (r0, c0, r1, c1) in raw.merged:
        if r0 > header_idx and r1 > r0 and c1 == c0 and r1 < len(grid):
            for r in range(r0 + 1, r1 + 1):
                grid[r][c0] = grid[r0][c0]

    # headings (a blank header cell under a vertical merge takes the merged value)
    header = list(grid[header_idx])
    for c in range(n_cols):
        if is_blank(header[c]) and (header_idx, c) in covered:
            ar, ac = covered[(header_idx, c)]
            if ac == c:
                header[c] = grid[ar][ac]
    title = next((clean_text(v) for r in grid[:header_idx] for v in r if not is_blank(v)), None)

    # rows below the header
    data_rows: list[DataRow] = []
    summary_at: int | None = None
    n_headings = sum(1 for v in header if not is_blank(v))
    for r in range(header_idx + 1, len(grid)):
        vals = grid[r]
        filled = [(c, v) for c, v in enumerate(vals) if not is_blank(v)]
        excel_row = r + 1
        row_formulas = [raw.formulas[(r, c)] for c in range(n_cols) if (r, c) in raw.formulas]
        if not filled and not row_formulas:
            continue
        first_text = clean_text(filled[0][1]) if filled else ""
        is_aggregate = any(_AGGREGATE.search(f) for f in row_formulas)
        if summary_at is not None:
            if len(filled) >= max(3, n_headings // 2) and not is_aggregate:
                issue("warning", f"data found after the summary row {summary_at}; read as a letter - check it "
                      "is not part of the summary", excel_row, "after_summary")
            else:
                what = "a formula row (formulas are not evaluated)" if is_aggregate else "part of the summary"
                issue("info", f"ignored: {what} below the data (summary from row {summary_at})",
                      excel_row, "summary_row", first_text)
                continue
        elif is_aggregate or (filled and len(filled) <= 4 and isinstance(filled[0][1], str)
                              and _SUMMARY.match(first_text or "") and not _is_probable_id(first_text)):
            summary_at = excel_row
            what = "a formula row (formulas are not evaluated)" if is_aggregate else "a summary row"
            issue("info", f"ignored: {what}", excel_row, "summary_row", first_text)
            _check_total(first_text, data_rows, excel_row, issue)
            continue
        if len(filled) == 1 and isinstance(filled[0][1], str):
            c, v = filled[0]
            text = v.strip()
            if (r, c) in wide_anchor or _SUBHEADING.match(text) or (
                    " " in text and not re.search(r"\d", text) and len(text) <= 60 and c == 0):
                issue("info", f"skipped: a sub-heading row ('{text[:50]}'), not a letter", excel_row,
                      "subheading", text)
                continue
        for c in range(n_cols):
            if (r, c) in raw.formulas and is_blank(vals[c]):
                issue("warning", "a formula with no saved value (formulas are not evaluated); read as blank",
                      excel_row, "formula_no_value", column=get_column_letter(c + 1))
        data_rows.append(DataRow(excel_row, vals))

    # columns: keep those with a heading or any data
    keep = [c for c in range(n_cols)
            if not is_blank(header[c]) or any(not is_blank(dr.values[c]) for dr in data_rows)]
    headings: list[str] = []
    letters: list[str] = []
    seen: dict[str, int] = {}
    for c in keep:
        letter = get_column_letter(c + 1)
        h = clean_text(header[c])
        h = " ".join(h.split()) if h else None
        if not h:
            h = f"Column {letter}"
            issue("warning", f"column {letter} has data but no heading; called '{h}'", header_idx + 1,
                  "no_heading", column=letter)
        key = h.casefold()
        if key in seen:
            new = f"{h} ({letter})"
            issue("warning", f"heading '{h}' appears twice (columns {get_column_letter(seen[key] + 1)} and "
                  f"{letter}); the second is called '{new}'", header_idx + 1, "duplicate_heading", column=letter)
            h = new
        seen[h.casefold()] = c
        headings.append(h)
        letters.append(letter)
    rows = [DataRow(dr.row, [dr.values[c] for c in keep]) for dr in data_rows]
    if not rows:
        # an error: a round of no letters is never saved (the CLI exits 1, as for any report error)
        issues.append(ValidationIssue("error", "no data rows below the header", name, sheet,
                                      header_idx + 1, None, None, None, "no_rows"))
    return SheetData(name, sheet, raw.sheet_names, header_idx + 1, headings, letters, rows, issues, title,
                     raw.kind, raw.encoding, raw.delimiter, raw.date1904)


def _is_probable_id(text: str | None) -> bool:
    return bool(text) and bool(re.fullmatch(r"[A-Za-z]{0,4}\d*[-_/]?\d+", text.strip()))


def _check_total(text: str | None, rows: list[DataRow], excel_row: int, issue) -> None:
    m = re.search(r"(?:total|audited|n\s*=)\D{0,20}(\d+)\s*$", text or "", re.I)
    if m and int(m.group(1)) != len(rows):
        issue("warning", f"the summary says {m.group(1)} but {len(rows)} letter rows were read", excel_row,
              "summary_mismatch")


def _find_header(grid, wide_anchor, covered, name, sheet) -> int:
    best_idx, best_score = None, 0.0
    scanned = 0
    for r, vals in enumerate(grid):
        if scanned >= HEADER_SCAN_ROWS:
            break
        filled = [(c, v) for c, v in enumerate(vals) if not is_blank(v)]
        if not filled:
            continue
        scanned += 1
        texts = [v for c, v in filled if (r, c) not in wide_anchor and _looks_textual_heading(v)]
        if len(texts) < 2:
            continue
        matches = 0
        for v in texts:
            f, conf, _src = _score_heading(v)
            if f and conf >= 0.8:
                matches += 1
        others = len(filled) - len(texts)
        distinct = len({t.strip().casefold() for t in texts})
        score = 3 * matches + distinct - 1.5 * others
        if matches == 0 and distinct < 3:
            continue
        if score > best_score:
            best_idx, best_score = r, score
    if best_idx is None:
        raise IngestError(f"no header row found in the first {HEADER_SCAN_ROWS} rows (expected a row of column "
                          "headings such as 'Audit ID', 'Opioid prescribed?', 'Days supplied')", name, sheet=sheet)
    return best_idx
