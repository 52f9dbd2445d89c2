"""Network benchmark: prints figures, asserts nothing.

Generates a network of trusts x monthly rounds x letters with a result for every enabled
standard and each letter's programme facts (letter_measure) (PostgreSQL: 20 x 12 x 500 = 120,000
letters, ~1.7 million standard results, written with COPY; SQLite: 5 trusts, executemany), then
times what the Network page and the collated report do:

- load: the access check, the check for letters without current facts, the GROUP BY counts in the
  database (results; programme measures), the OME column for the median, the rounds and PDSA cycles;
- funnel (OD-04; % of opioid letters >= 90 mg OME/day): statistics + figure + the figure's JSON
  (what the page sends to the browser);
- small multiples (OD-04; median OME): every trust's chart + figure + JSON;
- league table (OD-04; median OME; items per 100 discharges);
- new round: the facts of a freshly imported round of letters (real extractions) computed and
  stored on the next page load;
- collated report: every standard's and measure's funnel (proportions), trend and league table,
  feedback for every trust, PNG charts, the workbook and the slide deck.

Aims (issue 16): each view < 2 s, collated report < 30 s, on the 2-core machine.
Run: `python bench/bench_network.py [--pg URL] [--trusts 20] [--rounds 12] [--letters 500]
[--sqlite-trusts 5] [--keep]`. PostgreSQL is used when --pg or $OPIOID_AUDIT_BENCH_PG_URL /
$OPIOID_AUDIT_TEST_PG_URL is set; the bench works in its own schema and drops it afterwards.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from audit_app import network as nw  # noqa: E402
from audit_app import network_report as nr  # noqa: E402
from audit_app.access import AccessContext  # noqa: E402
from audit_app.services import network as net_services  # noqa: E402
from audit_app.store import Store  # noqa: E402

OUTCOMES = ("met", "not_met", "not_applicable")


def _trust_profile(rnd: random.Random, i: int, standards: list[str]) -> dict[str, tuple[float, float, float]]:
    """(starting compliance, monthly change, share not applicable) per standard; trust 3 is the
    network's low outlier on OD-04, trust 1 improves after its PDSA cycle."""
    out = {}
    for sid in standards:
        base = rnd.uniform(0.55, 0.85)
        slope = 0.02 if i == 1 else rnd.uniform(-0.004, 0.006)
        if i == 3 and sid == "OD-04":
            base, slope = 0.30, 0.0
        out[sid] = (base, slope, rnd.uniform(0.05, 0.4))
    return out


def _facts(rnd: random.Random, i: int, m: int) -> dict:
    """One letter's programme facts (as programme_facts gives them): trust 5 prescribes higher
    doses, trust 2 more MR starts; the network's dose drifts down over the year."""
    if rnd.random() < 0.12:
        return {"has_opioid": False, "n_items": 0, "new_starts": 0}
    ome = rnd.lognormvariate(3.6 + (0.5 if i == 5 else 0.0) - 0.01 * m, 0.6)
    complete = rnd.random() < 0.9
    n_items = 1 + (rnd.random() < 0.3)
    pre = rnd.random() < 0.4
    new = 0 if pre and rnd.random() < 0.7 else n_items
    escalated = pre and rnd.random() < 0.1
    flags = [{"flag": f} for f, p in (("tramadol_ssri_snri", 0.02), ("paracetamol_duplicated", 0.03),
                                      ("above_licensed_max", 0.005)) if rnd.random() < p]
    return {"has_opioid": True, "excluded": ["palliative"] if rnd.random() < 0.04 else [], "n_items": n_items,
            "new_items": new, "new_starts": new, "new_mr_items": sum(rnd.random() < (0.3 if i == 2 else 0.12)
                                                                    for _ in range(new)),
            "ome_mg_per_day": ome if complete else None, "ome_lower_bound": None if complete else ome,
            "pre_admission_opioid": pre, "pre_admission_ome": ome * 0.9 if pre else None, "escalated": escalated,
            "dose_reduced": pre and not escalated and rnd.random() < 0.15,
            "referral_prompt": ["high_dose"] if ome >= 120 else (["escalating"] if escalated else []),
            "safety_flags": flags}


def generate(store: Store, n_trusts: int, n_rounds: int, n_letters: int, *, seed: int = 16,
             prefix: str = "Bench trust") -> dict:
    """Trusts, rounds, letters and standard results written straight into the tables (no text,
    no extraction: the network view only reads the results). Returns ids and counts."""
    import sqlalchemy as sa

    from audit_app.store.models import AuditRound, Letter, LetterMeasure, StandardResultRow, Trust

    rnd = random.Random(seed)
    standards = [s.id for s in nw.network_standards()]
    basis = nw.facts_basis()
    measure_cols = [c.name for c in LetterMeasure.__table__.columns]
    now = dt.datetime.now(dt.timezone.utc)
    pg = store.dialect == "postgresql"
    with store.engine.begin() as conn:
        next_letter = (conn.scalar(sa.select(sa.func.max(Letter.id))) or 0) + 1
        trust_ids = []
        for i in range(1, n_trusts + 1):
            tid = conn.execute(sa.insert(Trust).values(name=f"{prefix} {i:02d}", keep_identifiers=False,
                                                        created_at=now).returning(Trust.id)).scalar_one()
            trust_ids.append(tid)
        round_rows, letter_rows, result_rows, measure_rows = [], [], [], []
        for i, tid in enumerate(trust_ids, start=1):
            prof = _trust_profile(rnd, i, standards)
            for m in range(n_rounds):
                start = dt.date(2024 + m // 12, m % 12 + 1, 1)
                end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                rid = conn.execute(sa.insert(AuditRound).values(
                    trust_id=tid, label=start.strftime("%b %Y"), period_start=start, period_end=end,
                    standards_version=1, created_at=now, discharges=n_letters * rnd.randint(3, 5))
                    .returning(AuditRound.id)).scalar_one()
                round_rows.append(rid)
                for j in range(n_letters):
                    lid = next_letter
                    next_letter += 1
                    letter_rows.append((lid, rid, f"k:{uuid.UUID(int=rnd.getrandbits(128)).hex}", j + 2, "{}", 1, now))
                    row = nw.letter_measure_row(lid, rid, 1, basis, _facts(rnd, i, m))
                    measure_rows.append(tuple(row[c] for c in measure_cols))
                    for sid in standards:
                        base, slope, na = prof[sid]
                        u = rnd.random()
                        if u < na:
                            outcome = "not_applicable"
                        else:
                            p = min(0.98, max(0.02, base + slope * m))
                            outcome = "met" if rnd.random() < p else "not_met"
                        result_rows.append((lid, sid, outcome, 1, "{}"))
        t = time.perf_counter()
        if pg:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                with cur.copy("COPY letter (id, round_id, letter_key, source_row, record, version, updated_at) "
                              "FROM STDIN") as cp:
                    for row in letter_rows:
                        cp.write_row(row)
                with cur.copy("COPY standard_result (letter_id, standard_id, outcome, standards_version, result) "
                              "FROM STDIN") as cp:
                    for row in result_rows:
                        cp.write_row(row)
                with cur.copy(f"COPY letter_measure ({', '.join(measure_cols)}) FROM STDIN") as cp:
                    for row in measure_rows:
                        cp.write_row(row)
                cur.execute("SELECT setval(pg_get_serial_sequence('letter', 'id'), (SELECT max(id) FROM letter))")
                cur.execute("ANALYZE letter")
                cur.execute("ANALYZE standard_result")
                cur.execute("ANALYZE audit_round")
                cur.execute("ANALYZE letter_measure")
        else:
            raw = conn.connection.driver_connection
            raw.executemany("INSERT INTO letter (id, round_id, letter_key, source_row, record, version, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(a, b, c, d, e, f, g.isoformat(sep=" ")) for a, b, c, d, e, f, g in letter_rows])
            raw.executemany("INSERT INTO standard_result (letter_id, standard_id, outcome, standards_version, result) "
                            "VALUES (?, ?, ?, ?, ?)", result_rows)
            raw.executemany(f"INSERT INTO letter_measure ({', '.join(measure_cols)}) "
                            f"VALUES ({', '.join('?' for _ in measure_cols)})", measure_rows)
        write_s = time.perf_counter() - t
    for i, tid in enumerate(trust_ids[:4], start=1):
        store.save_pdsa_cycle(tid, {"cycle_no": 1, "change_idea": f"Weaning plan prompt in the TTO template ({i})",
                                    "date_start": dt.date(2024, 4 + i, 1).isoformat(), "act": "adopt",
                                    "measures_linked": ["OD-04"]})
    net = store.create_network(f"{prefix} network", trust_ids)
    return dict(trust_ids=trust_ids, network_id=net.id, letters=len(letter_rows), results=len(result_rows),
                write_s=write_s)


def _t(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _new_round(store: Store, trust_id: int, n_letters: int) -> int:
    """A round of letters with real extractions (the shapes of tests/network/test_network_measures.py),
    saved as an import saves it, facts not computed yet."""
    from tests.network.test_network_measures import SHAPES

    rnd = random.Random(99)
    shapes = list(SHAPES)
    letters = [{"record": {"letter_id": f"N{j}"}, "extraction": SHAPES[rnd.choice(shapes)](), "standard_results": []}
               for j in range(n_letters)]
    return store.save_round(trust_id, "New round", letters, period_start=dt.date(2030, 1, 1))


def time_views(store: Store, network_id: int, *, report: bool = True, repeat: int = 3,
               new_round_letters: int = 500) -> dict:
    from audit_app.access import AccessContext

    ctx = AccessContext.single_user()
    scope = net_services.network_scope(store, ctx, network_id)

    def load():          # what the collated report loads: every standard and measure
        return net_services.network_data(store, net_services.network_scope(store, ctx, network_id))

    def load_one(sid):   # what the Network page loads: one standard's or measure's counts
        return lambda: net_services.network_data(store, net_services.network_scope(store, ctx, network_id), sid)

    figs = {}
    out = {"page load": [_t(load_one("OD-04"))[1] for _ in range(repeat)],
           "page load, % >= 90 mg": [_t(load_one("high_dose_90"))[1] for _ in range(repeat)],
           "page load, median OME": [_t(load_one("median_ome"))[1] for _ in range(repeat)]}
    data, load_s = _t(load)
    out["load"] = [load_s] + [_t(load)[1] for _ in range(repeat - 1)]

    def funnel_view(sid):
        def run():
            fv = nw.funnel_for(data, sid)
            fig = nw.funnel_figure(fv)
            figs[f"funnel:{sid}"] = fig
            return fig.to_json()
        return run

    def multiples(sid):
        def run():
            panels = nw.trend_panels(data, sid)
            fig = nw.trends_figure(panels, data.standard(sid))
            return fig.to_json()
        return run

    def league(sid):
        return lambda: nw.league_table(data, sid)

    for name, fn in (("funnel (OD-04)", funnel_view("OD-04")), ("funnel (% >= 90 mg)", funnel_view("high_dose_90")),
                     ("small multiples (OD-04)", multiples("OD-04")),
                     ("small multiples (median OME)", multiples("median_ome")),
                     ("league table (OD-04)", league("OD-04")), ("league table (median OME)", league("median_ome")),
                     ("league table (items per 100 discharges)", league("items_per_100"))):
        data._by_round.clear()   # each view computes its counts afresh (as a new page run would)
        out[name] = [_t(fn)[1] for _ in range(repeat)]
    out["outliers"] = nw.funnel_for(data, "OD-04").sentences[:2] + nw.funnel_for(data, "high_dose_90").sentences[:2]
    if report:
        # as services.network.collated_report does it: Chromium starts while the report is collated
        t = time.perf_counter()
        with nr.chart_session():
            rep = nw.collate(data)
            t_collate = time.perf_counter() - t
            pngs, notes = nr.render_charts(rep)
            t_png = time.perf_counter() - t - t_collate
        xlsx = nr.build_workbook(rep, pngs, notes=notes)
        t_xlsx = time.perf_counter() - t - t_collate - t_png
        pptx = nr.build_deck(rep, pngs)
        total = time.perf_counter() - t
        out["report"] = dict(total=total, collate=t_collate, charts=t_png, xlsx=t_xlsx,
                             pptx=total - t_collate - t_png - t_xlsx, n_png=len(pngs),
                             n_funnels=len(rep.funnels), n_leagues=len(rep.leagues),
                             xlsx_mb=len(xlsx) / 1e6, pptx_mb=len(pptx) / 1e6, notes=notes)
    if new_round_letters:
        _new_round(store, scope.trust_ids[0], new_round_letters)
        n, s_ = _t(lambda: net_services.refresh_letter_measures(store, scope.trust_ids))
        out["new round"] = (n, s_)
    return out


def _fmt(xs) -> str:
    return f"{min(xs):.2f}-{max(xs):.2f} s" if len(xs) > 1 else f"{xs[0]:.2f} s"


def run(label: str, url: str, trusts: int, rounds: int, letters: int, report: bool) -> None:
    store = Store(url)
    print(f"== {label}: {trusts} trusts x {rounds} rounds x {letters} letters ({trusts * rounds * letters:,} letters)")
    gen, gen_s = _t(lambda: generate(store, trusts, rounds, letters))
    print(f"generate: {gen_s:.1f} s ({gen['results']:,} standard results; bulk write {gen['write_s']:.1f} s)")
    res = time_views(store, gen["network_id"], report=report)
    print(f"page load, one standard (access check + GROUP BY counts + rounds + PDSA): {_fmt(res['page load'])}")
    print(f"page load, % >= 90 mg (+ facts check + measure GROUP BY): {_fmt(res['page load, % >= 90 mg'])}")
    print(f"page load, median OME (+ the OME column): {_fmt(res['page load, median OME'])}")
    print(f"load, every standard and measure (the collated report's): {_fmt(res['load'])}")
    for name in [k for k in res if k.startswith(("funnel", "small multiples", "league table"))]:
        print(f"{name}: {_fmt(res[name])}   aim < 2 s")
    for s in res["outliers"]:
        print(f"  {s}")
    if report:
        r = res["report"]
        print(f"collated report: {r['total']:.1f} s (collate {r['collate']:.1f} s: {r['n_funnels']} funnels, "
              f"{r['n_leagues']} league tables; {r['n_png']} PNG charts {r['charts']:.1f} s, workbook "
              f"{r['xlsx']:.1f} s / {r['xlsx_mb']:.1f} MB, slides {r['pptx']:.1f} s / {r['pptx_mb']:.1f} MB)   "
              "aim < 30 s")
        for n in r["notes"]:
            print(f"  {n}")
    if "new round" in res:
        n, s_ = res["new round"]
        print(f"new round: facts of {n} freshly imported letters computed and stored on the next load: {s_:.1f} s")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("OPIOID_AUDIT_BENCH_PG_URL") or os.environ.get("OPIOID_AUDIT_TEST_PG_URL"))
    ap.add_argument("--trusts", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--letters", type=int, default=500)
    ap.add_argument("--sqlite-trusts", type=int, default=5)
    ap.add_argument("--no-report", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated PostgreSQL schema / SQLite file")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'network.db'}", args.sqlite_trusts, args.rounds, args.letters,
            not args.no_report)
    if not args.pg:
        print("PostgreSQL: skipped (pass --pg URL or set OPIOID_AUDIT_BENCH_PG_URL)")
        return
    import sqlalchemy as sa

    schema = f"bench_network_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in args.pg else "?"
    try:
        run("PostgreSQL", f"{args.pg}{sep}options=-csearch_path%3D{schema}", args.trusts, args.rounds, args.letters,
            not args.no_report)
    finally:
        if not args.keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        else:
            print(f"kept schema {schema}")
        admin.dispose()


if __name__ == "__main__":
    main()
