"""`opioid-audit score`: score a round against the trust's standards, print the per-standard
summary and write the Excel report.

    opioid-audit score --trust "Trust A" --round "Round 2" --out round2.xlsx [--rescore] [--unmask]

Letters already scored at import keep their results unless ``--rescore`` is given (then every
letter is re-evaluated with the trust's current standards configuration and the round records
that configuration's version). The printed table never shows identifiers; the report masks them
unless ``--unmask``.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

from audit_app.cli.common import CliError, open_store


def register(sub) -> None:
    p = sub.add_parser("score", help="score an audit round against the standards, print the summary and write the Excel report")
    p.add_argument("--trust", required=True, metavar="TRUST", help="trust name or code")
    p.add_argument("--round", required=True, dest="round_label", metavar="ROUND", help="round label, e.g. 'Round 2'")
    p.add_argument("--out", default=None, metavar="REPORT.xlsx",
                   help="where to write the Excel report (default: <trust>-<round>-report.xlsx here)")
    p.add_argument("--rescore", action="store_true",
                   help="re-evaluate every letter with the trust's current standards configuration and save the results")
    p.add_argument("--unmask", action="store_true", help="show identifiers in the report (masked by default)")
    p.add_argument("--no-charts", action="store_true", help="leave the chart images out of the report (faster)")
    p.set_defaults(func=run)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def _names(items, attr: str) -> str:
    vals = [repr(getattr(x, attr)) for x in items]
    return ", ".join(vals) if vals else "none"


def _pct(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f}%"


def format_summary(summary) -> str:
    """The per-standard table as plain text (no identifiers)."""
    header = ["ID", "Standard", "n/N", "%", "95% CI", "Target", "Met?", "Not assessable", "Excluded"]
    rows = []
    for _, s in summary.iterrows():
        den = int(s["denominator"])
        t = s["target_pct"]
        target = "n/a" if t is None or (isinstance(t, float) and math.isnan(t)) else \
            f"{'<=' if s['direction'] == 'lower' else '>='}{t:g}%"
        met = s["target_met"]
        met = "n/a" if met is None or (isinstance(met, float) and math.isnan(met)) else ("yes" if bool(met) else "no")
        rows.append([s["standard_id"], s["short_title"], f"{int(s['numerator'])}/{den}",
                     _pct(s["pct"]) if den else "n/a",
                     f"{_pct(s['ci_low_pct'])}-{_pct(s['ci_high_pct'])}" if den else "n/a",
                     target, met, str(int(s["not_assessable"])), s["excluded_text"] or "none"])
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args) -> int:
    from audit_app.report import build_round_report_from_store
    from audit_app.scoring import results_frame, score_letters, summarise
    from audit_app.standards import config_for

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != ".xlsx":
        raise CliError(f"--out must name an .xlsx file, not {out.name!r}")
    store = open_store(args)
    trust = store.find_trust(args.trust)
    if trust is None:
        raise CliError(f"unknown trust {args.trust!r}; trusts in the store: {_names(store.list_trusts(), 'name')}")
    rnd = store.find_round(trust.id, args.round_label)
    if rnd is None:
        raise CliError(f"trust {trust.name!r} has no round {args.round_label!r}; its rounds: "
                       f"{_names(store.list_rounds(trust.id), 'label')}")

    letters = store.letters(rnd.id)
    unscored = [lt for lt in letters if not lt.standard_results]
    if args.rescore or unscored:
        config = config_for(store, trust.id)
        todo = letters if args.rescore else unscored
        store.replace_standard_results(rnd.id, score_letters(todo, config), config.version)
        print(f"Scored {len(todo)} letter(s) of {trust.name} / {rnd.label} with standards configuration v{config.version}.")
        letters = store.letters(rnd.id)
        rnd = store.find_round(trust.id, rnd.label)
    else:
        config = config_for(store, trust.id, rnd.standards_version)

    summary = summarise(results_frame(letters, rnd.label), config)
    print(f"{trust.name} - {rnd.label}: {len(letters)} letter(s); standards configuration "
          f"v{rnd.standards_version if rnd.standards_version is not None else config.version}")
    print(format_summary(summary))

    path = out or Path(f"{_slug(trust.code or trust.name)}-{_slug(rnd.label)}-report.xlsx")
    try:
        build_round_report_from_store(store, trust.id, rnd.id, unmask=args.unmask, path=path,
                                      charts=not args.no_charts, config=config)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"Report written to {path}")
    if args.unmask:
        print(f"warning: identifiers are shown unmasked in {path}; store and share it accordingly", file=sys.stderr)
    return 0
