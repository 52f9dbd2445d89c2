"""`opioid-audit chart`: a run chart or SPC chart from a CSV of label, value[, denominator].

    opioid-audit chart rounds.csv --chart p --rules mdc --phase 2024-03-01 --out chart.png

The CSV needs a header row. The first column is the label (a date or period), the second the
value (the numerator when there is a third, denominator, column). Columns may also be named
``label``, ``value`` and ``denominator`` in any order. ``--out`` writes a PNG (kaleido with the
system Chromium), an HTML page, or a CSV of the analysed points; without ``--out`` a summary
is printed.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from audit_app.cli.common import CliError, existing_file
from audit_app.privacy import mask_text

OUT_SUFFIXES = (".png", ".html", ".csv")


def register(sub) -> None:
    p = sub.add_parser("chart", help="draw a run or SPC chart (Anhøj, MDC or IHI rules) from a CSV of label, value[, denominator]")
    p.add_argument("file", metavar="FILE.csv", help="CSV with a header: label, value[, denominator]")
    p.add_argument("--chart", default="run", help="run (default), i, mr, p, pp, u, up, c, g or t")
    p.add_argument("--rules", default="anhoej", help="anhoej (default, qicharts2), mdc (Making Data Count) or ihi")
    p.add_argument("--phase", action="append", default=[], metavar="LABEL",
                   help="label of the first point of a new phase (repeatable), e.g. the start of an adopted change")
    p.add_argument("--freeze", type=int, default=None, metavar="N",
                   help="number of leading points of each phase that fix the centre line and limits")
    p.add_argument("--improvement", default="increase", help="increase (default), decrease or neutral")
    p.add_argument("--target", type=float, default=None, help="target value (assurance icon and target line)")
    p.add_argument("--no-screen", action="store_true",
                   help="do not screen large moving ranges (as the MDC Excel tool)")
    p.add_argument("--run-length", type=int, default=7, choices=(6, 7),
                   help="MDC shift/trend length (7 default, 6 as the MDC Excel option)")
    p.add_argument("--title", default=None, help="chart title")
    p.add_argument("--show-2sigma", action="store_true", help="draw the 2-sigma lines")
    p.add_argument("--out", default=None, metavar="PATH", help="write .png, .html or .csv (of the points)")
    p.set_defaults(func=run)


def _number(text: str, row: int, column: str, *, allow_empty: bool) -> float:
    t = (text or "").strip()
    if t == "" or t.upper() in ("NA", "NAN"):
        if allow_empty:
            return math.nan
        raise CliError(f"row {row}, column '{column}': a value is required")
    try:
        v = float(t)
    except ValueError:
        raise CliError(f"row {row}, column '{column}': {t!r} is not a number") from None
    if math.isinf(v):
        raise CliError(f"row {row}, column '{column}': {t!r} is not a finite number")
    return v


def read_chart_csv(path: Path) -> tuple[list[str], list[float], list[float] | None]:
    """Labels, values and (optional) denominators from the CSV; errors name the row and column."""
    try:
        from audit_app.ingest import IngestError
        from audit_app.ingest.safety import load_bytes

        try:
            text = load_bytes(path)[0].decode("utf-8-sig")  # bounded: a pipe or device is refused at the cap
        except IngestError as exc:
            raise CliError(str(exc)) from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not a UTF-8 text CSV") from None
    rows = list(csv.reader(text.splitlines()))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise CliError(f"{path}: the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    if len(header) < 2:
        raise CliError(f"{path}: the header needs at least two columns: label, value[, denominator]")
    if {"label", "value"} <= set(header):
        i_lab, i_val = header.index("label"), header.index("value")
        i_den = header.index("denominator") if "denominator" in header else None
    else:
        i_lab, i_val = 0, 1
        i_den = 2 if len(header) >= 3 and header[2] != "" else None
    names = {i_lab: header[i_lab] or "label", i_val: header[i_val] or "value"}
    if i_den is not None:
        names[i_den] = header[i_den] or "denominator"
    labels: list[str] = []
    values: list[float] = []
    dens: list[float] = []
    for rownum, r in enumerate(rows[1:], start=2):
        need = max(i for i in (i_lab, i_val, i_den) if i is not None) + 1
        if len(r) < need:
            raise CliError(f"row {rownum}: expected {need} columns, found {len(r)}")
        lab = r[i_lab].strip()
        if not lab:
            raise CliError(f"row {rownum}, column '{names[i_lab]}': the label is empty")
        labels.append(mask_text(lab))  # labels reach the chart, its axis and the CSV: no identifier
        values.append(_number(r[i_val], rownum, names[i_val], allow_empty=True))
        if i_den is not None:
            dens.append(_number(r[i_den], rownum, names[i_den], allow_empty=True))
    if not labels:
        raise CliError(f"{path}: no data rows after the header")
    return labels, values, (dens if i_den is not None else None)


def run(args) -> int:
    from qi.spc import analyse

    path = existing_file(args.file)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise CliError(f"--out must end in .png, .html or .csv, not {out.name!r}")
    labels, values, dens = read_chart_csv(path)
    try:
        result = analyse(
            values,
            denominators=dens,
            labels=labels,
            chart=args.chart,
            phases=[mask_text(p) for p in args.phase] if args.phase else None,
            freeze=args.freeze,
            rules=args.rules,
            improvement=args.improvement,
            target=args.target,
            screen_moving_ranges=not args.no_screen,
            run_length=args.run_length,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None

    if out is None:
        _print_summary(result)
        return 0
    suffix = out.suffix.lower()
    if suffix == ".csv":
        from audit_app.privacy import frame_to_csv

        frame_to_csv(result.points, out)  # labels come from the user's CSV: never a live formula
    else:
        from qi.figures import figure_to_png, spc_figure

        fig = spc_figure(result, title=mask_text(args.title), show_2sigma=args.show_2sigma)
        if suffix == ".html":
            fig.write_html(out, include_plotlyjs="cdn")
        else:
            try:
                figure_to_png(fig, out)
            except RuntimeError as exc:
                raise CliError(str(exc)) from None
    print(f"wrote {out} ({len(result.points)} points, {len(result.phases)} phase(s), "
          f"variation: {result.variation_icon or '-'}, assurance: {result.assurance_icon or '-'})")
    return 0


def _print_summary(result) -> None:
    s = result.summary()
    print(f"{s['chart']} chart, {s['rules']} rules, improvement {s['improvement']}: "
          f"{s['n_points']} points, {s['n_phases']} phase(s)")
    for _, ph in result.phases.iterrows():
        print(f"  phase {int(ph['phase'])}: {int(ph['n_obs'])} points, {int(ph['n_useful'])} useful, "
              f"longest run {ph['longest_run']:g} (max {ph['longest_run_max']:g}), "
              f"crossings {ph['crossings']:g} (min {ph['crossings_min']:g}), "
              f"runs signal {'yes' if ph['runs_signal'] else 'no'}")
    special = result.points[result.points["point_type"].astype(str).str.startswith("special_cause")]
    for _, row in special.iterrows():
        print(f"  {row['label']}: {row['special_cause_type']} ({row['point_type']})")
    print(f"  variation icon: {s['variation_icon'] or '-'}; assurance icon: {s['assurance_icon'] or '-'}")
    for note in s["notes"]:
        print(f"  note: {note}")
