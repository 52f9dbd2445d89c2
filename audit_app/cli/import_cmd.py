"""`opioid-audit import FILE --trust T --round R [--sheet S] [--mapping JSON] [--accept]`

A collated workbook (several trusts in one sheet): `--trust-column [HEADING]` instead of --trust
splits the rows by that column (default: a column headed 'Trust' or 'Organisation') into one
round per trust, with the same mapping and validation report (audit_app.collated_import).

Prints the suggested column mapping and the validation report (never identifiers or letter
text). Saves the round only with --accept, and only when the report has no errors (exit 1
otherwise, nothing saved). A file that cannot be read at all is a one-line error (exit 2).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from audit_app.cli.common import CliError, existing_file, open_store


def register(sub) -> None:
    p = sub.add_parser("import", help="import an audit spreadsheet (xlsx/csv) as a round: shows the mapping and "
                                      "validation report; saves only with --accept")
    p.add_argument("file", metavar="FILE", help="the audit spreadsheet (.xlsx or .csv)")
    p.add_argument("--trust", metavar="T", help="trust name or code (created on --accept if new)")
    p.add_argument("--round", dest="round_label", metavar="R", help="label of the new round, e.g. 'Round 3'")
    p.add_argument("--sheet", metavar="S", help="sheet name or number (default: the first sheet)")
    p.add_argument("--mapping", metavar="JSON",
                   help='column mapping as JSON (or a .json file): {"heading": "field", ...}; '
                        "null or \"extra\" leaves a column unmapped")
    p.add_argument("--accept", action="store_true", help="save the round if the report has no errors")
    p.add_argument("--list-sheets", action="store_true", help="list the workbook's sheets and stop")
    p.add_argument("--no-extract", action="store_true",
                   help="do not run the letter extractor on letter text (no second reader)")
    p.add_argument("--period-start", metavar="DATE", help="round period start (default: earliest discharge date)")
    p.add_argument("--period-end", metavar="DATE", help="round period end (default: latest discharge date)")
    p.add_argument("--discharges", type=int, metavar="N",
                   help="number of discharges in the round's period (all patients), for rates per 100 discharges")
    p.add_argument("--max-mb", type=float, metavar="MB",
                   help="refuse files larger than this (default 20, or $OPIOID_AUDIT_MAX_UPLOAD_MB)")
    p.add_argument("--json", action="store_true", help="print the mapping and report as JSON")
    p.add_argument("--trust-column", nargs="?", const="", metavar="HEADING",
                   help="a collated workbook: split the rows by this column (default: the column headed "
                        "'Trust' or 'Organisation') into one round per trust")
    p.set_defaults(func=run)


def _load_mapping(text: str | None) -> dict | None:
    if not text:
        return None
    src = text
    p = Path(text)
    if not text.lstrip().startswith("{") and p.suffix.lower() == ".json":
        if not p.exists():
            raise CliError(f"mapping file not found: {p}")
        src = p.read_text(encoding="utf-8-sig")
    try:
        mapping = json.loads(src)
    except json.JSONDecodeError as exc:
        raise CliError(f"--mapping is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(mapping, dict):
        raise CliError('--mapping must be a JSON object: {"heading": "field", ...}')
    return mapping


def _date(text: str | None, what: str):
    if not text:
        return None
    from audit_app.ingest import parse_date

    p = parse_date(text)
    if p.value is None:
        raise CliError(f"{what}: {p.message or 'not a date'} (use dd/mm/yyyy or yyyy-mm-dd)")
    return p.value


def run(args) -> int:
    from audit_app import importing
    from audit_app.ingest import IngestError, max_upload_bytes

    path = existing_file(args.file)
    max_bytes = max_upload_bytes(args.max_mb) if args.max_mb else None
    if args.list_sheets:
        try:
            sheets = importing.list_sheets(path, max_bytes=max_bytes)
        except IngestError as exc:
            raise CliError(str(exc)) from None
        print("\n".join(sheets) if sheets else f"{path.name}: a CSV file has one unnamed sheet")
        return 0
    mapping = _load_mapping(args.mapping)
    period_start = _date(args.period_start, "--period-start")
    period_end = _date(args.period_end, "--period-end")
    collated = args.trust_column is not None
    if collated and args.trust:
        raise CliError("use either --trust (one trust's round) or --trust-column (a collated workbook)")
    if args.accept and not ((args.trust or collated) and args.round_label):
        raise CliError("--accept needs --trust and --round (or --trust-column and --round for a collated workbook)")
    if period_start and period_end and period_start > period_end:
        raise CliError("--period-start is after --period-end")
    if args.discharges is not None and args.discharges <= 0:
        raise CliError(f"--discharges must be a whole number above 0, got {args.discharges}")

    from audit_app.store import StoreError

    store = open_store(args)
    try:
        trust = store.find_trust(args.trust) if args.trust else None
        try:
            prepared = importing.prepare_import(path, path.name, sheet=args.sheet, mapping=mapping,
                                             trust_id=trust.id if trust else None, store=store,
                                             extract=not args.no_extract, max_bytes=max_bytes)
        except IngestError as exc:
            raise CliError(str(exc)) from None
        out = sys.stdout
        if collated:
            return _run_collated(args, store, prepared, period_start, period_end, out)
        if args.json:
            doc = {"file": prepared.filename, "sheet": prepared.sheet.sheet, "header_row": prepared.sheet.header_row,
                   "mapping": prepared.mapping.to_dict(), "report": prepared.report.to_dict(),
                   "second_reader": prepared.comparison_summary(), "saved_round_id": None}
        else:
            _print_preview(prepared, trust, out)
        if not args.accept:
            if not args.json:
                print("\nNothing saved. Check the mapping and the report, then run again with --accept "
                      "(and --mapping to change a column).", file=out)
            else:
                print(json.dumps(doc, indent=2, default=str), file=out)
            return 0
        if prepared.report.has_errors:
            msg = f"not saved: {len(prepared.report.errors)} error(s) in the report; " + _what_to_fix(prepared)
            if args.json:
                print(json.dumps(doc, indent=2, default=str), file=out)
            print(f"opioid-audit import: {msg}", file=sys.stderr)
            return 1
        try:
            # A new trust is created in the round's own transaction: a failed import leaves none.
            round_id = importing.accept_import(store, prepared, trust_id=trust.id if trust else None,
                                               new_trust=None if trust else args.trust, label=args.round_label,
                                               period_start=period_start, period_end=period_end)
            if trust is None:
                trust = store.get_trust(store.trust_of_round(round_id))
                if not args.json:
                    print(f"Created trust '{trust.name}'.", file=out)
            if args.discharges is not None:
                store.update_round(round_id, discharges=args.discharges)
        except (IngestError, StoreError) as exc:
            raise CliError(str(exc)) from None
        if args.json:
            doc["saved_round_id"] = round_id
            print(json.dumps(doc, indent=2, default=str), file=out)
        else:
            start, end = period_start or prepared.period[0], period_end or prepared.period[1]
            saved_label = store.get_round(round_id).label  # identifiers in the label are masked
            print(f"\nSaved round '{saved_label}' for trust '{trust.name}' (id {round_id}): "
                  f"{len(prepared.records)} letters, period {start} to {end}. "
                  "The column mapping is remembered for this trust's next import.", file=out)
        return 0
    finally:
        store.close()


def _what_to_fix(prepared) -> str:
    """Errors a different mapping would clear name the columns to remap; the rest are in the file."""
    from audit_app.ingest.build import MAPPING_MISFIT

    misfits = [i for i in prepared.report.errors if i.code == MAPPING_MISFIT]
    letters = [str(i.column).split(" ", 1)[0] for i in misfits]
    if misfits and len(misfits) == len(prepared.report.errors):
        return (f"change the mapping of column {', '.join(letters)} with --mapping "
                '\'{"Heading": "field"}\' (null = not used), then run again')
    if misfits:
        return (f"change the mapping of column {', '.join(letters)} (--mapping) and fix the other errors "
                "in the spreadsheet, then run again")
    return "fix the spreadsheet and import it again"


def _run_collated(args, store, prepared, period_start, period_end, out) -> int:
    from audit_app import collated_import
    from audit_app.ingest import IngestError
    from audit_app.store import StoreError

    try:
        heading = collated_import.trust_heading(prepared, args.trust_column or None)
    except IngestError as exc:
        raise CliError(str(exc)) from None
    parts = collated_import.split_by_trust(prepared, heading)
    doc = {"file": prepared.filename, "trust_column": heading, "mapping": prepared.mapping.to_dict(),
           "report": prepared.report.to_dict(), "trusts": {n: len(p.records) for n, p in parts.items()},
           "saved_round_ids": None}
    if not args.json:
        _print_preview(prepared, None, out)
        print(f"\nCollated workbook: split by column '{heading}' into {len(parts)} trust(s):", file=out)
        for name, part in parts.items():
            known = store.find_trust(name)
            print(f"  {name}: {len(part.records)} letter(s), {len(part.report.errors)} error(s)"
                  + ("" if known else " (new trust: created on --accept)"), file=out)
    if not args.accept:
        if args.json:
            print(json.dumps(doc, indent=2, default=str), file=out)
        else:
            print("\nNothing saved. Run again with --accept to save one round per trust.", file=out)
        return 0
    if prepared.report.has_errors:
        if args.json:
            print(json.dumps(doc, indent=2, default=str), file=out)
        print(f"opioid-audit import: not saved: {len(prepared.report.errors)} error(s) in the report; "
              + _what_to_fix(prepared), file=sys.stderr)
        return 1
    try:
        saved = collated_import.accept_collated(store, parts, label=args.round_label, period_start=period_start,
                                                period_end=period_end)
    except (IngestError, StoreError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        doc["saved_round_ids"] = saved
        print(json.dumps(doc, indent=2, default=str), file=out)
    else:
        for name, rid in saved.items():
            print(f"Saved round '{args.round_label}' for trust '{name}' (id {rid}): {len(parts[name].records)} letters.",
                  file=out)
    return 0


def _print_preview(prepared, trust, out) -> None:
    sd = prepared.sheet
    where = f"sheet '{sd.sheet}'" if sd.sheet else f"CSV ({sd.encoding}, delimiter {sd.delimiter!r})"
    sheets = f" (sheets: {', '.join(repr(s) for s in sd.sheet_names)})" if len(sd.sheet_names) > 1 else ""
    print(f"{prepared.filename}: {where}{sheets}; header on row {sd.header_row}; {len(sd.rows)} letter row(s)",
          file=out)
    origin = "remembered for this trust, then suggested" if prepared.remembered_mapping else "suggested"
    print(f"\nColumn mapping ({origin}):", file=out)
    width = max((len(h) for h in sd.headings), default=10)
    for letter, col in zip(sd.column_letters, prepared.mapping.columns):
        target = col.field or "(not used: kept as is)"
        conf = f"{col.confidence:.2f} {col.source}" if col.field else ("remembered" if col.source == "remembered" else "")
        flag = "  <- check" if col.field and col.confidence < 0.85 else ""
        why = f"  ({col.note})" if col.note else ""
        print(f"  {letter:>3}  {col.heading:<{width}}  -> {target:<24} {conf}{flag}{why}", file=out)
    rep = prepared.report
    print(f"\nValidation report: {rep.summary()}", file=out)
    for line in rep.format_lines(with_sheet=False):
        print(f"  {line}", file=out)
    unknown = rep.unknown_summary_lines()
    if unknown:
        print("\nUnknown answers (kept distinct):", file=out)
        for line in unknown:
            print(f"  {line}", file=out)
    if prepared.extractor_available and any(prepared.comparisons):
        print("\nSecond reader (letter extractor vs auditor; 'low' = from excerpts):", file=out)
        for f, c in prepared.comparison_summary().items():
            print(f"  {f:<24} agree {c.get('agree', 0):>3}  disagree {c.get('disagree', 0):>3}  "
                  f"not comparable {c.get('not-comparable', 0):>3}  low {c.get('low', 0):>3}", file=out)
        n = len(prepared.disagreements())
        if n:
            print(f"  {n} disagreement(s) to review in the app (letter text is not printed here).", file=out)
