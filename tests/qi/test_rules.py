"""Each rule at its boundary: 6 vs 7 points, ties, points on the centre line, priority."""
from __future__ import annotations

import math

import numpy as np
import pytest

from qi import rules as R
from qi.spc import analyse

A = np.array


# ----------------------------------------------------------------- MDC shift
def test_mdc_shift_seven_not_six():
    assert R.mdc_shift(A([1.0] * 6 + [-1.0])).sum() == 0
    assert R.mdc_shift(A([1.0] * 7)).all()
    assert R.mdc_shift(A([-1.0] * 6), run_length=6).all()


def test_mdc_shift_point_on_mean_breaks_the_run():
    rtm = A([1.0, 1, 1, 0, 1, 1, 1, 1])
    assert not R.mdc_shift(rtm).any()
    assert not R.mdc_shift(A([1.0, 1, 1, np.nan, 1, 1, 1, 1])).any()


def test_mdc_shift_flags_whole_run_only():
    rtm = A([-1.0] + [1.0] * 8 + [-1.0])
    assert R.mdc_shift(rtm).tolist() == [False] + [True] * 8 + [False]


# ----------------------------------------------------------------- MDC trend
def test_mdc_trend_seven_points_six_steps():
    flag, _ = R.mdc_trend(A([1.0, 2, 3, 4, 5, 6]))
    assert not flag.any()
    flag, d = R.mdc_trend(A([1.0, 2, 3, 4, 5, 6, 7]))
    assert flag.all() and (d == 1).all()
    flag, _ = R.mdc_trend(A([1.0, 2, 3, 4, 5, 6]), run_length=6)
    assert flag.all()


def test_mdc_trend_tie_breaks():
    flag, _ = R.mdc_trend(A([1.0, 2, 3, 3, 4, 5, 6, 7]))
    assert not flag.any()      # longest strictly rising stretch after the tie is 5 points


def test_mdc_trend_direction_label_uses_next_step_when_next_point_also_in_trend():
    y = A([1.0, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
    flag, d = R.mdc_trend(y)
    assert flag.all()
    # points 0..5: next step up; point 6 (the peak) is in both trends: the next step (down) decides
    assert d.tolist() == [1] * 6 + [-1] * 7
    sct = R.mdc_special_cause_type(np.zeros(13, bool), np.sign(y - 4), flag, d, np.zeros(13, bool), np.zeros(13, bool))
    assert sct[5] == "7 Point Trend (Increasing)" and sct[6] == "7 Point Trend (Decreasing)"


# ----------------------------------------------------------------- MDC two in three
def test_two_in_three_same_side_only_close_points_flagged():
    close = A([True, False, True])
    assert R.mdc_two_in_three(close, A([1.0, 1, 1])).tolist() == [True, False, True]
    assert not R.mdc_two_in_three(close, A([1.0, -1, 1])).any()     # #143: opposite sides
    assert not R.mdc_two_in_three(A([True, True]), A([1.0, 1])).any()


def test_two_in_three_point_beyond_limit_is_not_close():
    # XmR: 12 points alternating 9, 11 -> mean 10, MR 2, limits 10 +/- 5.32, near zone beyond 10 +/- 3.5467
    y = [9.0, 11.0] * 6 + [14.0, 16.0, 9.0]
    r = analyse(y, chart="i", rules="mdc", freeze=12)
    p = r.points
    assert p["ucl"][0] == pytest.approx(15.32) and p["ucl_2sigma"][0] == pytest.approx(10 + 2 * 2.66 / 3 * 2)
    # 14 is close (13.55 < 14 < 15.32), 16 is outside: one close point only -> no 2-in-3
    assert not p["two_in_three"].any()
    assert p["special_cause_type"][13] == "Above UCL"
    assert p["special_cause_type"][12] == "Common Cause"
    y2 = [9.0, 11.0] * 6 + [14.0, 9.0, 14.5]
    p2 = analyse(y2, chart="i", rules="mdc", freeze=12).points
    assert not p2["two_in_three"].any()          # 9 is below the mean: not all three on one side
    y3 = [9.0, 11.0] * 6 + [14.0, 11.0, 14.5]
    p3 = analyse(y3, chart="i", rules="mdc", freeze=12).points
    assert p3["two_in_three"].tolist()[12:] == [True, False, True]
    assert p3["special_cause_type"][12] == "2 in 3 Above CL"
    assert p3["point_type"][12] == "special_cause_improvement"


def test_mdc_priority_outside_trend_two_in_three_shift():
    n = 4
    t, f = np.ones(n, bool), np.zeros(n, bool)
    rtm, d = np.ones(n), np.ones(n)
    assert set(R.mdc_special_cause_type(t, rtm, t, d, t, t)) == {"Above UCL"}
    assert set(R.mdc_special_cause_type(f, rtm, t, d, t, t)) == {"7 Point Trend (Increasing)"}
    assert set(R.mdc_special_cause_type(f, rtm, f, d, t, t)) == {"2 in 3 Above CL"}
    assert set(R.mdc_special_cause_type(f, -rtm, f, d, f, t)) == {"7 Points Below CL"}
    assert set(R.mdc_special_cause_type(f, rtm, f, d, f, t, run_length=6)) == {"6 Points Above CL"}


def test_increasing_trend_is_concern_when_decrease_is_improvement():
    y = [5.0, 1, 5, 1, 5, 1, 2, 3, 4, 5, 6, 7, 8, 8]
    r = analyse(y, chart="i", rules="mdc", improvement="decrease", screen_moving_ranges=False)
    p = r.points
    rows = p[p["special_cause_type"] == "7 Point Trend (Increasing)"]
    assert len(rows) >= 7 and (rows["point_type"] == "special_cause_concern").all()


# ----------------------------------------------------------------- Anhøj runs
def test_anhoej_points_on_centre_line_are_dropped():
    y = A([2.0, 2, 1, 2, 0, 1, 0])
    cl = np.ones(7)
    ra = R.anhoej_runs(y, cl)
    # signs + + 0 + - 0 -  -> useful 5: runs (+ + +)(- -)
    assert (ra.n_obs, ra.n_useful, ra.longest_run, ra.crossings) == (7, 5, 3, 1)
    assert ra.longest_run_max == 5 and ra.crossings_min == 0     # round(log2 5) + 3; qbinom(.05, 4, .5)
    assert not ra.runs_signal


def test_anhoej_long_run_and_few_crossings():
    y = [3, 1, 4, 2, 3, 1, 4, 2, 9, 8, 9, 8, 9, 8, 9, 8]
    r = analyse(y, chart="run")
    ph = r.phases.iloc[0]
    # median (4 + 8)/2 = 6: 8 below then 8 above. n = 16: longest 8 > 7; crossings 1 < qbinom(.05, 15, .5) = 4
    assert (ph["n_useful"], ph["longest_run"], ph["longest_run_max"], ph["crossings"], ph["crossings_min"]) == (16, 8, 7, 1, 4)
    assert ph["runs_signal"]
    assert (r.points["special_cause_type"][:8] == "Long Run Below CL").all()
    assert (r.points["point_type"][8:] == "special_cause_improvement").all()
    assert r.variation_icon == "improvement_high"


def test_anhoej_boundary_run_of_max_length_is_no_signal():
    # 14 useful points: longest_run_max = round(log2 14) + 3 = 7;
    # crossings_min = qbinom(.05, 13, .5) = 4 (P(X<=3) = 378/8192 = .046, P(X<=4) = 1093/8192 = .133)
    y = [1] * 7 + [3] * 7
    r = analyse(y, chart="run")            # median 2, runs of 7 and 7, one crossing -> crossings signal only
    ph = r.phases.iloc[0]
    assert ph["longest_run"] == 7 and ph["longest_run_max"] == 7 and ph["crossings_min"] == 4
    assert ph["runs_signal"]
    assert not r.points["special_cause_type"].str.startswith("Long Run").any()


def test_odd_series_median_point_is_not_useful():
    r = analyse([1, 2, 3, 4, 5], chart="run")
    ph = r.phases.iloc[0]
    assert (ph["n_obs"], ph["n_useful"], ph["longest_run"], ph["crossings"]) == (5, 4, 2, 1)


# ----------------------------------------------------------------- IHI
def test_ihi_shift_six_points_on_median_neither_add_nor_break():
    s = A([1.0, 1, 1, 0, 1, 1, 1])
    flag, longest = R.ihi_shift(s)
    assert longest == 6 and flag.tolist() == [True] * 3 + [False] + [True] * 3
    flag, _ = R.ihi_shift(A([1.0] * 5 + [0, -1]))
    assert not flag.any()


def test_ihi_trend_five_points_ties_count_once():
    flag, d = R.ihi_trend(A([1.0, 2, 3, 4, 5]))
    assert flag.all() and (d == 1).all()
    assert not R.ihi_trend(A([1.0, 2, 3, 4]))[0].any()
    flag, _ = R.ihi_trend(A([1.0, 2, 3, 3, 4]))          # 4 distinct values only
    assert not flag.any()
    flag, _ = R.ihi_trend(A([9.0, 1, 2, 3, 3, 4, 5, 0]))  # 1 2 3 (3) 4 5: five counted, the tie included
    assert flag.tolist() == [False, True, True, True, True, True, True, False]
    flag, _ = R.ihi_trend(A([1.0, 2, np.nan, 3, 4, 5]))  # a missing point breaks it
    assert not flag.any()


@pytest.mark.parametrize("runs, signal", [(2, True), (3, False), (9, False), (10, True)])
def test_ihi_runs_table_n10(runs, signal):
    lo, hi, sig = R.ihi_runs(10, runs - 1)
    assert (lo, hi) == (3, 9) and sig is signal


def test_ihi_runs_table_not_below_10_useful():
    lo, hi, sig = R.ihi_runs(9, 0)
    assert math.isnan(lo) and math.isnan(hi) and sig is False


def test_ihi_on_run_chart():
    y = [3, 1, 4, 2, 3, 1, 4, 2, 9, 8, 9, 8, 9, 8, 9, 8]
    r = analyse(y, chart="run", rules="ihi")
    ph = r.phases.iloc[0]
    from qi._rmath import runs_table

    assert runs_table(16) == (ph["runs_min"], ph["runs_max"])
    assert ph["runs"] == 2 and ph["runs_signal"]
    assert r.points["shift"].all()
    assert (r.points["special_cause_type"][:8] == "6 Points Below CL").all()
    assert math.isnan(r.points["two_in_three"][0])
