"""Centre lines and limits of every chart type, from hand-worked examples and the formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

from qi.spc import analyse

REL = 1e-12


def approx(v):
    return pytest.approx(v, rel=REL, abs=1e-15)


def col(res, name):
    return res.points[name].to_numpy(dtype=float)


def test_run_chart_median_and_no_limits():
    r = analyse([3, 1, 2, 10], chart="run")
    assert np.all(col(r, "cl") == 2.5)
    for c in ("lcl", "ucl", "lcl_2sigma", "ucl_2sigma"):
        assert np.isnan(col(r, c)).all()
    assert not r.points["sigma_signal"].any()


def test_i_chart_hand_worked():
    # mean 2.6; moving ranges 2, 1, 2, 1 -> mean MR 1.5 (none >= 3.267 * 1.5); sigma = 1.5 / 1.128
    r = analyse([1, 3, 2, 4, 3], chart="i")
    s = 1.5 / 1.128
    assert col(r, "cl")[0] == approx(2.6)
    assert col(r, "ucl")[0] == approx(2.6 + 3 * s)
    assert col(r, "lcl")[0] == approx(2.6 - 3 * s)
    assert col(r, "ucl_2sigma")[0] == approx(2.6 + 2 * s)
    assert col(r, "lcl_2sigma")[0] == approx(2.6 - 2 * s)


def test_i_chart_moving_range_screening_on_and_off():
    y = [1, 2, 1, 2, 1, 2, 1, 20]
    # mean 30/8 = 3.75; MRs six 1s and one 19: mean MR 25/7; 19 >= 3.267 * 25/7 = 11.67 is screened out -> 1
    on = analyse(y, chart="i")
    assert col(on, "cl")[0] == approx(3.75)
    assert col(on, "ucl")[0] == approx(3.75 + 3 * 1 / 1.128)
    # lcl = 3.75 - 3/1.128 = 1.0904: the 1s are below it; ucl = 6.4096: 20 is above it
    assert on.points["sigma_signal"].tolist() == [True, False, True, False, True, False, True, True]
    off = analyse(y, chart="i", screen_moving_ranges=False)
    assert col(off, "ucl")[0] == approx(3.75 + 3 * (25 / 7) / 1.128)


def test_mdc_xmr_limits_2_66_and_near_zone():
    y = [1, 2, 1, 2, 1, 2, 1, 20]
    r = analyse(y, chart="i", rules="mdc")
    assert col(r, "ucl")[0] == approx(3.75 + 2.66 * 1)
    assert col(r, "lcl")[0] == approx(3.75 - 2.66 * 1)
    assert col(r, "ucl_2sigma")[0] == approx(3.75 + (2 * (2.66 / 3)) * 1)
    off = analyse(y, chart="i", rules="mdc", screen_moving_ranges=False)
    assert col(off, "ucl")[0] == approx(3.75 + 2.66 * 25 / 7)


def test_constant_series_has_no_limits():
    for rules in ("anhoej", "mdc"):
        r = analyse([5.0] * 15, chart="i", rules=rules)
        assert np.isnan(col(r, "ucl")).all() and np.isnan(col(r, "lcl")).all()
        assert (r.points["point_type"] == "common_cause").all()
    r = analyse([5.0] * 15, chart="run")
    ph = r.phases.iloc[0]
    assert ph["n_useful"] == 0 and math.isnan(ph["longest_run"]) and not ph["runs_signal"]


def test_mr_chart():
    r = analyse([1, 3, 2, 4], chart="mr")
    v = col(r, "value")
    assert math.isnan(v[0]) and v[1:].tolist() == [2, 1, 2]
    cl = 5 / 3
    assert col(r, "cl")[0] == approx(cl)
    assert col(r, "ucl")[0] == approx(3.267 * cl)
    assert col(r, "ucl_2sigma")[0] == approx((3.267 / 3) * 2 * cl)
    assert (col(r, "lcl") == 0).all()
    assert not r.phases["runs_signal"].any()     # qicharts2 never reports a runs signal on an mr chart


def test_p_chart_varying_denominators_and_clipping():
    num, den = [2, 4, 6], [10, 20, 30]
    r = analyse(num, den, chart="p")
    cl = 12 / 60
    assert col(r, "value").tolist() == [0.2, 0.2, 0.2]
    assert np.allclose(col(r, "cl"), cl, rtol=REL)
    for i, n in enumerate(den):
        s = math.sqrt(cl * (1 - cl) / n)
        assert col(r, "ucl")[i] == approx(cl + 3 * s)
        assert col(r, "lcl")[i] == approx(max(0.0, cl - 3 * s))
        assert col(r, "ucl_2sigma")[i] == approx(cl + 2 * s)
    hi = analyse([9, 10], [10, 10], chart="p")     # cl 0.95 + 3 sigma > 1 -> capped at 1
    assert (col(hi, "ucl") == 1).all()


def test_p_chart_all_100_percent():
    r = analyse([10, 20, 5], [10, 20, 5], chart="p")
    assert (col(r, "cl") == 1).all() and (col(r, "ucl") == 1).all() and (col(r, "lcl") == 1).all()
    assert r.phases.iloc[0]["n_useful"] == 0 and not r.phases.iloc[0]["runs_signal"]


def _laney(num, den, kind):
    p = [a / b for a, b in zip(num, den)]
    cl = sum(num) / sum(den)
    sig = [math.sqrt(cl * (1 - cl) / n) if kind == "p" else math.sqrt(cl / n) for n in den]
    z = [(pi - cl) / si for pi, si in zip(p, sig)]
    mr = [abs(b - a) for a, b in zip(z, z[1:])]
    amr = sum(mr) / len(mr)
    mr = [m for m in mr if m < 3.267 * amr]
    sz = (sum(mr) / len(mr)) / 1.128
    return cl, [cl + 3 * s * sz for s in sig], [cl - 3 * s * sz for s in sig]


def test_laney_p_prime_from_the_formula():
    num, den = [2, 4, 6, 3, 9, 1], [10, 20, 30, 10, 25, 12]
    r = analyse(num, den, chart="pp")
    cl, ucl, lcl = _laney(num, den, "p")
    assert col(r, "cl")[0] == approx(cl)
    np.testing.assert_allclose(col(r, "ucl"), [min(1, u) for u in ucl], rtol=1e-12)
    np.testing.assert_allclose(col(r, "lcl"), [max(0, v) for v in lcl], rtol=1e-12)


def test_u_and_laney_u_prime():
    r = analyse([2, 4, 6], [1, 2, 3], chart="u")
    assert (col(r, "cl") == 2).all()
    for i, n in enumerate([1, 2, 3]):
        assert col(r, "ucl")[i] == approx(2 + 3 * math.sqrt(2 / n))
        assert col(r, "lcl")[i] == approx(max(0.0, 2 - 3 * math.sqrt(2 / n)))
    num, den = [3, 8, 2, 9, 4, 6], [2.0, 3.5, 1.0, 4.0, 2.5, 3.0]
    r = analyse(num, den, chart="up")
    cl, ucl, lcl = _laney(num, den, "u")
    np.testing.assert_allclose(col(r, "ucl"), ucl, rtol=1e-12)
    np.testing.assert_allclose(col(r, "lcl"), [max(0, v) for v in lcl], rtol=1e-12)


def test_u_chart_allows_counts_above_exposure():
    r = analyse([30, 40], [10, 10], chart="u")
    assert col(r, "value").tolist() == [3.0, 4.0]


def test_c_chart():
    r = analyse([2, 4, 6], chart="c")
    assert (col(r, "cl") == 4).all()
    assert col(r, "ucl")[0] == approx(4 + 3 * 2) and col(r, "ucl_2sigma")[0] == approx(8)
    assert col(r, "lcl")[0] == 0 and col(r, "lcl_2sigma")[0] == 0   # 4 - 6 and 4 - 4 -> clipped / exactly 0


def test_g_chart_limits_from_mean_centre_median():
    r = analyse([1, 2, 3, 10], chart="g")
    assert (col(r, "cl") == 2.5).all()
    assert col(r, "ucl")[0] == approx(4 + 3 * math.sqrt(20))
    assert col(r, "lcl")[0] == 0


def test_t_chart_transform():
    y = [1.0, 2.0, 3.0, 4.0, 5.0]
    r = analyse(y, chart="t")
    yt = [v ** (1 / 3.6) for v in y]
    m = sum(yt) / len(yt)
    mr = [abs(b - a) for a, b in zip(yt, yt[1:])]
    s = (sum(mr) / len(mr)) / 1.128
    assert col(r, "cl")[0] == pytest.approx(m ** 3.6, rel=1e-12)
    assert col(r, "ucl")[0] == pytest.approx((m + 3 * s) ** 3.6, rel=1e-12)
    low = m - 3 * s
    assert col(r, "lcl")[0] == (0.0 if low < 0 else pytest.approx(low ** 3.6, rel=1e-12))


def test_freeze_fixes_limits_but_runs_use_all_points():
    y = [1, 3, 2, 4, 3, 9, 9, 9, 9, 9, 9, 9, 9, 9]
    r = analyse(y, chart="i", freeze=5)
    s = 1.5 / 1.128
    assert np.allclose(col(r, "cl"), 2.6, rtol=REL)
    assert col(r, "ucl")[-1] == approx(2.6 + 3 * s)
    assert r.points["baseline"].tolist() == [True] * 5 + [False] * 9
    assert r.phases.iloc[0]["n_useful"] == 14      # runs analysis over all points of the phase
    assert r.phases.iloc[0]["runs_signal"]


def test_zero_denominator_is_a_no_data_point():
    r = analyse([2, 0, 9], [10, 0, 30], chart="p")
    p = r.points
    assert math.isnan(p["value"][1]) and p["point_type"][1] == "no_data"
    assert math.isnan(p["ucl"][1]) and math.isnan(p["lcl"][1])
    assert p["cl"][0] == approx(11 / 40)
    assert r.phases.iloc[0]["n_useful"] == 2 and r.phases.iloc[0]["n_obs"] == 3
    assert not p["sigma_signal"][1]
    assert any("zero denominator" in n for n in r.notes)


def test_no_data_notes_name_dates_as_dates():
    import pandas as pd

    labels = [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-02-07"), pd.Timestamp("2024-03-06")]
    r = analyse([2, 0, 9], [10, 0, 30], chart="p", labels=labels)
    assert "no data (zero denominator) at 2024-02-07" in r.notes
    r = analyse([2, None, 9], chart="run", labels=["Round 1", "Round 2", "Round 3"])
    assert "no data (missing value) at 'Round 2'" in r.notes


def test_missing_value_drops_both_adjacent_moving_ranges():
    # qicharts2: mean of 1, 3, 2, 4 = 2.5; MRs of (y - cl): 2, NA, NA, 2 -> mean MR 2
    r = analyse([1, 3, None, 2, 4], chart="i")
    assert col(r, "cl")[0] == approx(2.5)
    assert col(r, "ucl")[0] == approx(2.5 + 3 * 2 / 1.128)
    assert r.points["point_type"][2] == "no_data"
