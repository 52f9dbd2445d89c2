"""`opioid-audit network --network NAME --out network.xlsx [--slides network.pptx]`

The collated network report (services.network.collated_report): a funnel per standard, league
tables, each trust's trend, signals in words and one feedback page per trust. Aggregates only.
The command runs as the single local user: every trust is in the default network 'All trusts';
named networks (created on the Network page) are listed with --list.
"""
from __future__ import annotations

import sys
from pathlib import Path

from audit_app.cli.common import CliError, open_store


def register(sub) -> None:
    p = sub.add_parser("network", help="collated report of a network of trusts (Excel, and slides with --slides)")
    p.add_argument("--network", metavar="NAME", default="All trusts",
                   help="network name (default: 'All trusts', every trust in the store)")
    p.add_argument("--out", metavar="FILE.xlsx", help="where to write the Excel workbook")
    p.add_argument("--slides", metavar="FILE.pptx", help="also write the slide deck")
    p.add_argument("--feedback", metavar="TRUST", help="write only this trust's feedback page (pptx) to --out")
    p.add_argument("--period", default="latest", metavar="YYYY-MM",
                   help="funnel of each trust's latest round (default) or of the rounds starting in a month")
    p.add_argument("--overdispersion", choices=["none", "additive", "multiplicative"], default="none",
                   help="widen the funnel limits for overdispersion (Spiegelhalter 2005)")
    p.add_argument("--rules", choices=["mdc", "anhoej", "ihi"], default="mdc", help="trend rules (default mdc)")
    p.add_argument("--no-charts", action="store_true", help="tables and words only (no chart pictures)")
    p.add_argument("--trends", metavar="IDS", help="standards whose trend pictures to draw, e.g. OD-04,OD-05 "
                                                   "(default: the four with most signals)")
    p.add_argument("--list", action="store_true", help="list the networks and their trusts, and stop")
    p.add_argument("--create", action="store_true",
                   help="create the network --network from the trusts named with --trust, and stop")
    p.add_argument("--trust", action="append", default=[], metavar="TRUST", help="with --create: a member trust")
    p.add_argument("--name-trusts", action="store_true",
                   help="with --create: member trusts see each other by name (default: anonymised)")
    p.add_argument("--grant-lead", metavar="EMAIL",
                   help="make EMAIL a lead of --network (sign-in deployments), and stop")
    p.set_defaults(func=run)


def _writable(path: str, suffix: str) -> Path:
    p = Path(path)
    if p.suffix.lower() != suffix:
        raise CliError(f"{path}: the file name should end in {suffix}")
    if not p.parent.exists():
        raise CliError(f"{path}: folder {p.parent} does not exist")
    return p


def _create(store, acc, args) -> int:
    from audit_app import services

    if not args.trust:
        raise CliError("--create needs the member trusts: --trust NAME (repeat it)")
    ids = []
    for name in args.trust:
        t = store.find_trust(name)
        if t is None:
            raise CliError(f"no trust named {name!r}")
        ids.append(t.id)
    try:
        services.network.create_network(store, acc, args.network, ids, name_trusts=args.name_trusts)
    except services.ServiceError as exc:
        raise CliError(str(exc)) from None
    print(f"Created network {args.network!r} of {len(ids)} trust(s).")
    return 0


def run(args) -> int:
    from audit_app import services
    from audit_app.access import AccessDenied

    net = services.network
    store = open_store(args)
    try:
        acc = services.single_user()
        if args.list:
            for nid, name in net.visible_networks(store, acc).items():
                scope = net.network_scope(store, acc, nid)
                print(f"{name}: {', '.join(scope.name_of(t) for t in scope.trust_ids) or 'no trust'}")
            return 0
        if args.create:
            return _create(store, acc, args)
        if args.grant_lead:
            scope = net.network_by_name(store, acc, args.network)
            if scope.network_id == net.default_network_id():
                raise CliError("'All trusts' is the single-user view: create a named network to give it a lead")
            store.grant_network(args.grant_lead, scope.network_id)
            print(f"{args.grant_lead.strip().lower()} now leads {scope.name!r}.")
            return 0
        if not args.out:
            raise CliError("--out is required (the .xlsx workbook, or the .pptx page with --feedback)")
        try:
            scope = net.network_by_name(store, acc, args.network)
            if args.feedback:
                out = _writable(args.out, ".pptx")
                tid = next((t for t in scope.trust_ids if scope.name_of(t).lower() == args.feedback.strip().lower()),
                           None)
                if tid is None:
                    raise CliError(f"no trust named {args.feedback!r} in {scope.name!r}")
                out.write_bytes(net.trust_feedback(store, scope, tid, period=args.period, rules=args.rules))
                print(f"Wrote {scope.name_of(tid)}'s feedback page to {out}.")
                return 0
            out = _writable(args.out, ".xlsx")
            slides = _writable(args.slides, ".pptx") if args.slides else None
            trends = [t.strip() for t in args.trends.split(",") if t.strip()] if args.trends else None
            built = net.collated_report(store, scope, slides=slides is not None, charts=not args.no_charts,
                                        period=args.period, overdispersion=args.overdispersion, rules=args.rules,
                                        trend_standards=trends)
        except (services.ServiceError, AccessDenied) as exc:
            raise CliError(str(exc)) from None
        out.write_bytes(built.workbook)
        print(f"Wrote the collated report of {scope.name!r} ({len(scope.trust_ids)} trusts) to {out}.")
        if slides is not None and built.slides:
            slides.write_bytes(built.slides)
            print(f"Wrote the slides to {slides}.")
        for n in built.notes:
            print(f"  {n}", file=sys.stderr)
        return 0
    finally:
        store.close()
