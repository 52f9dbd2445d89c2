"""Time qi.spc.analyse: one 10,000-point series per chart and rule set, and 1,000 series of 30 points.

    .venv/bin/python bench/bench_spc.py

Aims (issue): under 50 ms per 10,000-point series; under 2 s for the 1,000 short series; cost
growing linearly (checked by timing 2,500 / 5,000 / 10,000 / 20,000 points for the I chart).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi.spc import analyse  # noqa: E402

CHARTS = ["run", "i", "mr", "p", "pp", "u", "up", "c", "g", "t"]


def _data(n: int, rng: np.random.Generator):
    den = rng.integers(20, 60, n).astype(float)
    num = rng.binomial(den.astype(int), 0.3).astype(float)
    return num, den


CLOCK = time.process_time   # CPU time of this process: stable on a shared, busy machine


def _time(fn, repeat: int = 5) -> float:
    fn()  # warm-up (caches, imports)
    times = []
    for _ in range(repeat):
        t = CLOCK()
        fn()
        times.append(CLOCK() - t)
    return statistics.median(times)


def main() -> int:
    global CLOCK
    if "--wall" in sys.argv:
        CLOCK = time.perf_counter
    rng = np.random.default_rng(2024)
    num, den = _data(10_000, rng)
    print("10,000-point series (median of 5 runs, CPU ms; --wall for wall-clock)")
    print(f"{'chart':6} {'anhoej':>8} {'mdc':>8} {'ihi':>8}")
    worst = 0.0
    for chart in CHARTS:
        row = []
        for rules in ("anhoej", "mdc", "ihi"):
            if chart == "mr" and rules != "anhoej":
                row.append("   -    ")
                continue
            kw = {"denominators": den} if chart in ("p", "pp", "u", "up") else {}
            values = num + 1 if chart == "t" else num
            t = _time(lambda: analyse(values, chart=chart, rules=rules, **kw)) * 1000
            worst = max(worst, t)
            row.append(f"{t:8.1f}")
        print(f"{chart:6} {' '.join(row)}")
    print(f"worst: {worst:.1f} ms (aim < 50 ms)")

    series = [rng.normal(40, 5, 30) for _ in range(1000)]
    t = _time(lambda: [analyse(s, chart="i") for s in series], repeat=3)
    t_mdc = _time(lambda: [analyse(s, chart="i", rules="mdc") for s in series], repeat=3)
    pn = [_data(30, rng) for _ in range(1000)]
    t_p = _time(lambda: [analyse(a, b, chart="p") for a, b in pn], repeat=3)
    print(f"1,000 series of 30 points: i/anhoej {t:.2f} s, i/mdc {t_mdc:.2f} s, p/anhoej {t_p:.2f} s (aim < 2 s)")

    print("scaling, I chart (anhoej):")
    for n in (2_500, 5_000, 10_000, 20_000):
        y = rng.normal(40, 5, n)
        t = _time(lambda: analyse(y, chart="i")) * 1000
        print(f"  n={n:6d}: {t:7.1f} ms  ({t / n * 1000:.2f} us/point)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
