"""`opioid-audit extract INPUT --out OUTPUT`: run the opioid extractor over many letters.

INPUT is a folder of .txt letters, a .jsonl of {"id", "text"} records, or a spreadsheet (.xlsx/.xlsm/.csv) with a
letter-text column (--column, optional --id-column, --sheet). OUTPUT is .jsonl (full results), .csv or .xlsx (one
row per discharge opioid, letter-level columns repeated; letters without an opioid get one row). A progress line per
batch goes to stderr; a letter that cannot be read is reported by id and skipped, never stopping the batch.

Identifiers (names, NHS and hospital numbers, dates of birth) are masked in every evidence text and
in the letter ids unless --unmask is given; every cell of a .csv or .xlsx goes through the
spreadsheet-formula guard (privacy.safe_cell).
"""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Iterator

from audit_app.cli.common import CliError
from audit_app.privacy import mask_deep, mask_file_name, mask_text, name_tokens, neutralise_workbook, safe_cell, safe_csv_rows

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".xlsx")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
ROW_COLUMNS = [
    "id", "error", "n_opioids", "opioid_index", "generic", "brand", "formulation", "route", "strength_mg",
    "strength_mcg_per_hour", "dose_mg_min", "dose_mg_max", "frequency_per_day_max", "prn", "max_daily_dose_mg",
    "duration_days", "supply_days", "supply_quantity", "new_on_admission", "indication", "ome_mg_per_day", "ome_flag",
    "evidence", "weaning_plan", "weaning_plan_text", "gp_instruction", "gp_instruction_text", "indication_documented",
    "risk_flags", "ome_total_mg_per_day", "patient_age", "scenario", "distractors",
]


def register(sub) -> None:
    p = sub.add_parser("extract", help="extract discharge opioids, doses, OME, weaning plans and GP actions from letters")
    p.add_argument("input", help="folder of .txt letters, .jsonl of {id, text}, or a spreadsheet (.xlsx/.csv)")
    p.add_argument("--out", required=True, help="output file: .jsonl, .csv or .xlsx")
    p.add_argument("--column", help="spreadsheet heading of the letter text (default: the column that looks like "
                                    "letter text, as import suggests)")
    p.add_argument("--id-column", help="spreadsheet heading of the letter id (default: the suggested id column, "
                                       "else the row number)")
    p.add_argument("--sheet", help="worksheet name (default: the first sheet)")
    p.add_argument("--batch-size", type=int, default=64, help="letters per batch (default 64)")
    p.add_argument("--n-process", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--unmask", action="store_true",
                   help="write names, NHS numbers and dates of birth as they are in the letters (masked by default)")
    p.set_defaults(func=run)


# --------------------------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------------------------
def _read_folder(folder: Path) -> list[tuple[str, object]]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".txt")
    if not files:
        raise CliError(f"no .txt letters in folder: {folder}")
    return [(p.stem, _bounded(p)) for p in files]


def _read_jsonl(path: Path) -> list[tuple[str, object]]:
    out = []
    with io.StringIO(_bounded(path).decode("utf-8", errors="replace")) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                out.append((f"line-{n}", _Bad(f"line {n} is not valid JSON")))
                continue
            if not isinstance(rec, dict) or "text" not in rec:
                out.append((str(rec.get("id", f"line-{n}")) if isinstance(rec, dict) else f"line-{n}",
                            _Bad(f"line {n} has no 'text' field")))
                continue
            out.append((str(rec.get("id", f"line-{n}")), rec["text"]))
    if not out:
        raise CliError(f"no records in {path}")
    return out


def _read_sheet(path: Path, column: str | None, id_column: str | None, sheet: str | None) -> list[tuple[str, object]]:
    """Find the table as `import` does (title rows, merged headings skipped), then the letter text
    column: --column by heading, else the column the mapping suggests for letter text."""
    from audit_app.ingest import IngestError, read_table, suggest_for_sheet

    try:
        data = read_table(path, path.name, sheet=sheet)
    except IngestError as exc:
        raise CliError(str(exc)) from None
    named = [h for h in (column, id_column) if h]
    if any(data.column_index(h) is None for h in named):
        # the table found holds neither named heading (a hostile or odd first row fooled the header
        # search): the row that holds the names is the header
        return _read_sheet_by_names(path, column, id_column, sheet)
    mapping = suggest_for_sheet(data)

    def pick(heading: str | None, field: str, what: str) -> int | None:
        if heading:
            i = data.column_index(heading)
            if i is None:
                raise CliError(f"{what} {heading!r} not found in {path.name} (columns: {', '.join(data.headings)})")
            return i
        suggested = mapping.heading_for(field)
        return data.column_index(suggested) if suggested else None

    ci = pick(column, "letter_text", "column")
    if ci is None:
        ci = data.column_index("text")
    if ci is None:
        ci = _longest_text_column(data)
    if ci is None:
        raise CliError(f"no letter text column found in {path.name}: name it with --column "
                       f"(columns: {', '.join(data.headings)})")
    ii = pick(id_column, "letter_id", "id column")
    out = []
    for r in data.rows:
        text = r.values[ci] if ci < len(r.values) else None
        if text is None or (isinstance(text, str) and not text.strip()):
            continue
        lid = r.values[ii] if ii is not None and ii < len(r.values) else None
        lid = str(lid).strip() if lid is not None and str(lid).strip() else f"row-{r.row}"
        out.append((lid, text if isinstance(text, (str, bytes)) else str(text)))
    if not out:
        raise CliError(f"no letter text in column {data.headings[ci]!r} of {path.name}")
    return out


def _longest_text_column(data, min_chars: int = 80) -> int | None:
    """The column whose cells are longest on average (letters are long), if they are long at all."""
    best, best_len = None, float(min_chars)
    for c in range(len(data.headings)):
        cells = [v for v in (r.values[c] if c < len(r.values) else None for r in data.rows[:200]) if isinstance(v, str)]
        mean = sum(len(v) for v in cells) / len(cells) if cells else 0.0
        if mean > best_len:
            best, best_len = c, mean
    return best


def _read_sheet_by_names(path: Path, column: str | None, id_column: str | None,
                         sheet: str | None) -> list[tuple[str, object]]:
    """The header is the first row (of 20) holding the named letter-text heading ('text' by default)."""
    column = column or "text"
    if path.suffix.lower() == ".csv":
        with io.StringIO(_bounded(path).decode("utf-8-sig", errors="replace"), newline="") as fh:
            rows = list(csv.reader(fh))
    else:
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover
            raise CliError("reading .xlsx needs openpyxl") from exc
        try:
            wb = openpyxl.load_workbook(io.BytesIO(_bounded(path)), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - corrupt or encrypted workbook
            raise CliError(f"cannot open workbook {path.name}: {type(exc).__name__}") from exc
        if sheet and sheet not in wb.sheetnames:
            raise CliError(f"no sheet {sheet!r} in {path.name} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = [["" if v is None else v for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    header_idx = None
    for i, r in enumerate(rows[:20]):
        names = [str(v).strip().lower() for v in r]
        if column.strip().lower() in names:
            header_idx = i
            break
    if header_idx is None:
        first = next((r for r in rows if any(str(v).strip() for v in r)), [])
        raise CliError(f"column {column!r} not found in {path.name} (columns: {', '.join(str(v) for v in first if str(v).strip())})")
    names = [str(v).strip().lower() for v in rows[header_idx]]
    ci = names.index(column.strip().lower())
    ii = None
    if id_column:
        if id_column.strip().lower() not in names:
            raise CliError(f"id column {id_column!r} not found in {path.name}")
        ii = names.index(id_column.strip().lower())
    out = []
    for n, r in enumerate(rows[header_idx + 1:], header_idx + 2):
        text = r[ci] if ci < len(r) else ""
        lid = str(r[ii]) if ii is not None and ii < len(r) and str(r[ii]).strip() else f"row-{n}"
        if text is None or (isinstance(text, str) and not text.strip()):
            continue
        out.append((lid, text if isinstance(text, (str, bytes)) else str(text)))
    if not out:
        raise CliError(f"no letter text in column {column!r} of {path.name}")
    return out


def _bounded(path: Path) -> bytes:
    """The file's bytes, refused past the upload cap whatever the source (a pipe has no size)."""
    from audit_app.ingest import IngestError
    from audit_app.ingest.safety import load_bytes

    try:
        return load_bytes(path)[0]
    except IngestError as exc:
        raise CliError(str(exc)) from None


class _Bad:
    """A record that could not be read; becomes an error row."""

    def __init__(self, reason: str):
        self.reason = reason


def read_letters(args) -> list[tuple[str, object]]:
    src = Path(args.input)
    if not src.exists():
        raise CliError(f"input not found: {src}")
    if src.is_dir():
        return _read_folder(src)
    suffix = src.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(src)
    if suffix in SHEET_SUFFIXES:
        return _read_sheet(src, args.column, args.id_column, args.sheet)
    if suffix == ".txt":
        return [(src.stem, _bounded(src))]
    raise CliError(f"unknown input type {suffix or '(none)'}: use a folder of .txt, .jsonl, .xlsx or .csv")


# --------------------------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------------------------
def rows_for(lid: str, d: dict) -> Iterator[dict]:
    letter = {
        "id": lid, "error": d.get("error"), "n_opioids": len(d["opioids"]),
        "weaning_plan": d["weaning_plan"]["present"], "weaning_plan_text": d["weaning_plan"]["text"],
        "gp_instruction": d["gp_instruction"]["present"], "gp_instruction_text": d["gp_instruction"]["text"],
        "indication_documented": d["indication_documented"], "risk_flags": "; ".join(d["risk_flags"]),
        "ome_total_mg_per_day": d["ome_total_mg_per_day"], "patient_age": d["patient_age"], "scenario": d["scenario"],
        "distractors": "; ".join(f"{x['generic']}/{x['reason']}" for x in d["distractors"]),
    }
    if not d["opioids"]:
        yield letter
        return
    for i, o in enumerate(d["opioids"], 1):
        row = dict(letter)
        row["opioid_index"] = i
        for k in ROW_COLUMNS:
            if k in o and k not in ("id",):
                row[k] = o[k]
        row["evidence"] = o["text"]
        yield row


class _Writer:
    def __init__(self, path: Path):
        self.path = path
        self.suffix = path.suffix.lower()
        self.rows: list[dict] = []
        self.fh = None
        if self.suffix == ".jsonl":
            self.fh = path.open("w", encoding="utf-8")
        elif self.suffix == ".csv":
            self.fh = path.open("w", encoding="utf-8", newline="")
            self.csv = csv.writer(self.fh)
            self.csv.writerow(ROW_COLUMNS)

    def add(self, lid: str, d: dict) -> None:
        if self.suffix == ".jsonl":
            self.fh.write(json.dumps({"id": lid, **d}, ensure_ascii=False) + "\n")
        elif self.suffix == ".csv":
            self.csv.writerows(safe_csv_rows([_cell(r.get(k)) for k in ROW_COLUMNS] for r in rows_for(lid, d)))
        else:
            self.rows.extend(rows_for(lid, d))

    def close(self) -> None:
        if self.suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = "Extraction"
            ws.append(ROW_COLUMNS)
            for r in self.rows:
                ws.append([_xl(r.get(k)) for k in ROW_COLUMNS])
            ws.freeze_panes = "A2"
            neutralise_workbook(wb)
            wb.save(self.path)
        if self.fh:
            self.fh.close()


def _cell(v):
    return "" if v is None else v


def _xl(v):
    if isinstance(v, (list, dict)):
        v = json.dumps(v, ensure_ascii=False)
    return safe_cell(v)  # never let letter text become a formula


def run(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CliError(f"unknown output type {out.suffix or '(none)'}: use .jsonl, .csv or .xlsx")
    if not out.parent.exists():
        raise CliError(f"output folder not found: {out.parent}")
    if args.batch_size < 1 or args.n_process < 1:
        raise CliError("--batch-size and --n-process must be at least 1")
    letters = read_letters(args)
    from nlp.pipeline import extract_many

    writer = _Writer(out)
    total, done, errors = len(letters), 0, 0
    try:
        for start in range(0, total, args.batch_size):
            batch = letters[start:start + args.batch_size]
            texts = [("" if isinstance(t, _Bad) else t) for _, t in batch]
            results = list(extract_many(texts, n_process=args.n_process, batch_size=args.batch_size))
            for (lid, raw), res, text in zip(batch, results, texts):
                d = res.to_dict()
                if not args.unmask:
                    # char-for-char masking: evidence quoted from the letter takes the letter's masking
                    if isinstance(text, bytes):
                        text = text.decode("utf-8", "replace")
                    d = mask_deep(d, (text, mask_text(text)) if text else None)
                    lid = mask_file_name(str(lid), name_tokens(text))  # 'Llŷr_9434765919.txt'
                if isinstance(raw, _Bad):
                    d["error"] = raw.reason
                if d.get("error"):
                    errors += 1
                    print(f"extract: letter {lid} skipped: {d['error']}", file=sys.stderr)
                writer.add(lid, d)
            done += len(batch)
            print(f"extract: {done}/{total} letters ({errors} skipped)", file=sys.stderr, flush=True)
    finally:
        writer.close()
    print(f"Wrote {out} ({total} letters, {errors} skipped).")
    return 0
