"""R arithmetic, qbinom and the runs table, checked against hand-derived values."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from qi import _rmath as R


@pytest.mark.parametrize(
    "n, lmax, cmin",
    # spc_reference.md section 1.2 table, plus n = 8 from section 3.7
    [(8, 6, 1), (10, 6, 2), (12, 7, 3), (13, 7, 3), (20, 7, 6), (24, 8, 8), (30, 8, 10), (36, 8, 13), (100, 10, 41)],
)
def test_anhoej_limits_reference_table(n, lmax, cmin):
    assert R.longest_run_max(n) == lmax
    assert R.crossings_min(n) == cmin


def test_qbinom_by_hand():
    # Binomial(9, 1/2): P(X<=1) = 10/512 < 0.05 <= P(X<=2) = 46/512
    assert R.qbinom_half(0.05, 9) == 2
    # Binomial(7, 1/2): P(X<=0) = 1/128 < 0.05 <= P(X<=1) = 8/128
    assert R.qbinom_half(0.05, 7) == 1
    # Binomial(4, 1/2): P(X<=0) = 1/16 = 0.0625 >= 0.05
    assert R.qbinom_half(0.05, 4) == 0
    assert R.qbinom_half(0.05, 0) == 0
    assert R.crossings_min(1) == 0
    assert R.qbinom_half(0.5, 10) == 5       # median of a symmetric binomial
    assert R.qbinom_half(1.0, 10) == 10


def test_qbinom_large_sizes_agree_with_exact_integers():
    target = Fraction(0.05 * (1 - 64 * 2.220446049250313e-16))
    for m in (1499, 1500, 1501, 2048, 5000):
        assert R.qbinom_half(0.05, m) == R._qbinom_half_exact(target, m, 0)


def test_r_mean_is_the_double_r_returns():
    # R: mean(c(0.1, 0.2, 0.3)) == 0.2 is TRUE (long double + correction); numpy's is 0.20000000000000004
    assert R.r_mean(np.array([0.1, 0.2, 0.3])) == 0.2
    assert R.r_mean(np.array([1.0, np.nan, 3.0])) == 2.0
    assert math.isnan(R.r_mean(np.array([np.nan])))
    assert R.r_sum(np.array([0.1, 0.2, 0.3])) == 0.6    # long double sum, then rounded


def test_r_median():
    assert R.r_median(np.array([3.0, 1.0, 2.0, 10.0])) == 2.5
    assert R.r_median(np.array([5.0, 1.0, 3.0])) == 3.0
    assert math.isnan(R.r_median(np.array([])))


def test_runs_distribution_is_a_distribution():
    d = R.runs_distribution(5, 5)
    assert sum(d.values()) == 1
    # hand count: R = 2 in 2 ways, R = 3 in 8 ways out of C(10, 5) = 252
    assert d[2] == Fraction(2, 252) and d[3] == Fraction(8, 252)
    mean = sum(r * p for r, p in d.items())
    assert mean == 1 + Fraction(2 * 5 * 5, 10)


def test_runs_table_n10_by_hand():
    # 5 above, 5 below: P(R <= 2) = 2/252 <= 2.5 %, P(R <= 3) = 10/252 > 2.5 %  -> fewest allowed 3;
    # by symmetry P(R >= 10) = 2/252, P(R >= 9) = 10/252                       -> most allowed 9
    assert R.runs_table(10) == (3, 9)


@pytest.mark.parametrize("n", [10, 12, 20, 30, 44, 60])
def test_runs_table_symmetric_for_even_n(n):
    lo, hi = R.runs_table(n)
    assert lo + hi == n + 2          # the runs distribution for n/2 and n/2 is symmetric about n/2 + 1


def test_runs_table_float_path_matches_exact_near_switch():
    for n in (150, 199):
        exact = R.runs_table(n)
        assert R._runs_table_float(n // 2, n - n // 2, 0.05) == exact
