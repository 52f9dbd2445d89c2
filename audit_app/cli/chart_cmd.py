"""`opioid-audit chart`: a run chart or SPC chart from a CSV of label, value[, denominator].

    opioid-audit chart rounds.csv --chart p --rules mdc --phase 2024-03-01 --out chart.png

The CSV needs a header row saying what the columns are (qi.series_csv): the app's "Download
data (CSV)" (period, numerator, denominator, proportion, target, ...) is read back exactly; a
hand-made ``period, proportion`` or ``label, value[, denominator]`` (value = numerator) works too.
A target column is used when --target is not given. ``--out`` writes a PNG (kaleido with the
system Chromium), an HTML page, or a CSV of the analysed points; without ``--out`` a summary
is printed.
"""
from __future__ import annotations

import sys
from pathlib import Path

from audit_app.cli.common import CliError, existing_file
from audit_app.privacy import mask_text

OUT_SUFFIXES = (".png", ".html", ".csv")


def register(sub) -> None:
    p = sub.add_parser("chart", help="draw a run or SPC chart (Anhøj, MDC or IHI rules) from a CSV of label, value[, denominator]")
    p.add_argument("file", metavar="FILE.csv",
                   help="CSV with a header: period, numerator, denominator (as the app downloads it), "
                        "or period, proportion / percent / value")
    p.add_argument("--chart", default="run", help="run (default), i, mr, p, pp, u, up, c, g or t")
    p.add_argument("--rules", default="anhoej", help="anhoej (default, qicharts2), mdc (Making Data Count) or ihi")
    p.add_argument("--phase", action="append", default=[], metavar="LABEL",
                   help="label of the first point of a new phase (repeatable), e.g. the start of an adopted change")
    p.add_argument("--freeze", type=int, default=None, metavar="N",
                   help="number of leading points of each phase that fix the centre line and limits")
    p.add_argument("--improvement", default="increase", help="increase (default), decrease or neutral")
    p.add_argument("--target", type=float, default=None,
                   help="target (a fraction for proportions, 0.8 = 80%%; default: the CSV's target column)")
    p.add_argument("--no-screen", action="store_true",
                   help="do not screen large moving ranges (as the MDC Excel tool)")
    p.add_argument("--run-length", type=int, default=7, choices=(6, 7),
                   help="MDC shift/trend length (7 default, 6 as the MDC Excel option)")
    p.add_argument("--title", default=None, help="chart title")
    p.add_argument("--show-2sigma", action="store_true", help="draw the 2-sigma lines")
    p.add_argument("--out", default=None, metavar="PATH", help="write .png, .html or .csv (of the points)")
    p.set_defaults(func=run)


def read_chart_csv(path: Path):
    """The series in the CSV (qi.series_csv: the app's "Download data" format, or label, value[,
    denominator]); errors name the row and column, warnings go to stderr."""
    from qi.series_csv import SeriesCsvError, read_series_csv

    try:
        from audit_app.ingest import IngestError
        from audit_app.ingest.safety import load_bytes

        try:
            text = load_bytes(path)[0].decode("utf-8-sig")  # bounded: a pipe or device is refused at the cap
        except IngestError as exc:
            raise CliError(str(exc)) from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not a UTF-8 text CSV") from None
    try:
        series = read_series_csv(text, str(path))
    except SeriesCsvError as exc:
        raise CliError(str(exc)) from None
    for w in series.warnings:
        print(f"opioid-audit chart: warning: {w}", file=sys.stderr)
    series.labels = [mask_text(lab) for lab in series.labels]  # labels reach the chart, its axis and the CSV: no identifier
    return series


def run(args) -> int:
    from qi.spc import analyse

    path = existing_file(args.file)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise CliError(f"--out must end in .png, .html or .csv, not {out.name!r}")
    series = read_chart_csv(path)
    target = args.target if args.target is not None else series.target
    try:
        result = analyse(
            series.values,
            denominators=series.denominators,
            labels=series.labels,
            chart=args.chart,
            phases=[mask_text(p) for p in args.phase] if args.phase else None,
            freeze=args.freeze,
            rules=args.rules,
            improvement=args.improvement,
            target=target,
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
