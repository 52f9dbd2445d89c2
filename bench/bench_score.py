"""Benchmark: score a generated 1,000-letter round and build its Excel report.

    python bench/bench_score.py [--letters 1000] [--rounds 3] [--no-charts] [--seed 1]

Prints the figures: standards evaluation (letters/s), summary, subgroups, QI measures,
report without charts, report with charts (one PNG per measure over the rounds). Each figure is
wall time and this process's CPU time (on a busy machine wall time can be several times CPU;
Chromium's PNG rendering is in wall time only).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit_app.report import build_round_report  # noqa: E402
from audit_app.scoring import qi_measures, results_frame, subgroup_table, summarise  # noqa: E402
from audit_app.standards import default_config, evaluate_letter  # noqa: E402

DRUGS = [
    ("oxycodone", "OxyNorm", "IR", 5.0, 1.5), ("oxycodone", "OxyContin", "MR", 10.0, 1.5),
    ("morphine", "Oramorph", "liquid", 2.0, 1.0), ("codeine", None, "IR", 30.0, 0.1),
    ("codeine", None, "combination", 30.0, 0.1), ("tramadol", None, "IR", 50.0, 0.1),
    ("buprenorphine", "BuTrans", "patch", None, 2.4), ("dihydrocodeine", None, "combination", 10.0, 0.1),
]
YN = ["yes", "no", "unknown"]


def _item(rng: random.Random) -> dict:
    generic, brand, form, strength, factor = rng.choice(DRUGS)
    if form == "patch":
        mcg = rng.choice([5, 10, 20])
        return {"generic": generic, "brand": brand, "formulation": form, "route": "transdermal", "strength_mg": None,
                "strength_mcg_per_hour": mcg, "dose_mg_min": None, "dose_mg_max": None, "frequency_per_day_max": None,
                "prn": False, "supply_quantity": f"{rng.choice([1, 2, 4])} patches", "supply_days": None,
                "duration_days": None, "new_on_admission": rng.random() < 0.5, "ome_mg_per_day": mcg * factor,
                "text": f"{brand} {mcg} micrograms/hour patch", "span": [100, 140]}
    dose = strength * rng.choice([1, 2])
    freq = rng.choice([2, 3, 4, 6])
    return {"generic": generic, "brand": brand, "formulation": form, "route": "oral", "strength_mg": strength,
            "strength_mcg_per_hour": None, "dose_mg_min": strength, "dose_mg_max": dose,
            "frequency_per_day_max": freq if rng.random() > 0.05 else None, "prn": rng.random() < 0.6,
            "supply_quantity": f"{rng.choice([10, 20, 28, 56, 100])} tablets" if rng.random() > 0.1 else None,
            "supply_days": rng.choice([None, None, 5, 7, 14]), "duration_days": rng.choice([None, 3, 5, 7]),
            "new_on_admission": rng.choice([True, True, True, False, None]),
            "ome_mg_per_day": dose * freq * factor, "text": f"{generic} {strength:g}mg", "span": [100, 130]}


def make_round(n: int, rng: random.Random, start: dt.date, weaning_rate: float) -> list[dict]:
    letters = []
    for i in range(n):
        has_opioid = rng.random() < 0.85
        rec = {
            "letter_id": f"B-{start:%y%m}-{i:04d}", "hospital_number": f"RX{9000000 + i}",
            "nhs_number": f"999 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "discharge_date": (start + dt.timedelta(days=rng.randrange(28))).isoformat(),
            "age": rng.randint(10, 95), "sex": rng.choice(["M", "F", "F", None]),
            "imd_quintile": rng.choice([1, 2, 3, 4, 5, None]),
            "opioid_prescribed": "yes" if has_opioid else rng.choice(["no", "unknown"]),
            "weaning_plan": ("yes" if rng.random() < weaning_rate else "no") if has_opioid else "unknown",
            "gp_action": rng.choice(YN), "indication": rng.choice(YN),
            "palliative": "yes" if rng.random() < 0.04 else "no",
            "days_supplied": rng.choice([None, 3, 5, 7, 14]),
            "co_prescribed_sedative": rng.choice([None, "N", "N", "diazepam", "pregabalin"]),
            "drug": "OxyNorm 5mg" if has_opioid else None,
        }
        ext = None
        if rng.random() < 0.6:
            items = [_item(rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))] if has_opioid else []
            ext = {"opioids": items, "weaning_plan": {"present": rng.random() < weaning_rate, "text": "stop after 5 days",
                                                      "span": [200, 217]},
                   "gp_instruction": {"present": rng.random() < 0.4, "text": "GP to review", "span": [300, 312]},
                   "indication_documented": rng.random() < 0.6, "risk_flags": [], "distractors": [],
                   "patient_age": rec["age"],
                   "ome_total_mg_per_day": sum(x["ome_mg_per_day"] for x in items) if items else None}
        letters.append({"id": i + 1, "letter_key": f"k:{i:08x}", "record": rec, "extraction": ext, "text": None})
    return letters


class Timer:
    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c

    def __str__(self):
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-charts", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None, help="also write the report here")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    cfg = default_config()

    rounds = [make_round(args.letters, rng, dt.date(2026, 1 + 2 * r, 1), 0.35 + 0.15 * r) for r in range(args.rounds)]
    labels = [f"Round {r + 1}" for r in range(args.rounds)]

    n_results = 0
    with Timer() as t:
        for letters in rounds:
            for lt in letters:
                res = evaluate_letter(lt["record"], lt["extraction"], cfg)
                lt["standard_results"] = [r.to_dict() for r in res]
                n_results += len(res)
    n_letters = args.letters * args.rounds
    print(f"evaluate_letter: {n_letters} letters, {n_results} results: {t} "
          f"({n_letters / t.cpu:,.0f} letters per CPU second, {1000 * t.cpu / n_letters:.2f} ms/letter)")

    cur = rounds[-1]
    with Timer() as t:
        frame = results_frame(cur, labels[-1])
        summary = summarise(frame, cfg)
    print(f"results_frame + summarise, one round ({len(frame)} result rows): {t}")
    with Timer() as t:
        for by in ("sex", "age_band", "imd_quintile"):
            subgroup_table(frame, by, cfg)
    print(f"subgroup tables (sex, age band, IMD): {t}")
    with Timer() as t:
        m = qi_measures(list(zip(labels, rounds)), "round", cfg)
    print(f"qi_measures over {args.rounds} rounds ({len(m)} rows): {t}")
    with Timer() as t:
        qi_measures(list(zip(labels, rounds)), "week", cfg)
    print(f"qi_measures by week of discharge: {t}")

    prev = (labels[-2], rounds[-2]) if args.rounds > 1 else None
    history = list(zip(labels, rounds))
    with Timer() as t:
        data = build_round_report("Bench Trust", labels[-1], cur, config=cfg, previous=prev, history=history,
                                  charts=False)
    print(f"build_round_report ({args.letters} letters, comparison, no charts): {t}, {len(data) / 1e6:.2f} MB")
    if not args.no_charts:
        with Timer() as t:
            data = build_round_report("Bench Trust", labels[-1], cur, config=cfg, previous=prev, history=history,
                                      charts=True, path=args.out)
        import io

        import openpyxl
        n_img = len(openpyxl.load_workbook(io.BytesIO(data))["Charts"]._images)
        print(f"build_round_report with charts: {t}, {n_img} chart image(s), {len(data) / 1e6:.2f} MB")
    print()
    print(summary[["standard_id", "numerator", "denominator", "pct", "ci_low_pct", "ci_high_pct", "not_assessable",
                   "excluded_total"]].round(1).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
