"""analyse(): the contract (columns, phases, freeze, icons) and the errors on invalid data."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from qi.spc import PHASE_COLUMNS, POINT_COLUMNS, analyse


def test_columns_and_one_row_per_point_in_input_order():
    r = analyse([5, 3, 8], labels=["c", "a", "b"], chart="i")
    assert list(r.points.columns) == POINT_COLUMNS
    assert list(r.phases.columns)[:8] == PHASE_COLUMNS[:8]
    assert r.points["label"].tolist() == ["c", "a", "b"]
    assert r.points["value"].tolist() == [5, 3, 8]


@pytest.mark.parametrize("chart", ["run", "i", "mr", "c", "g", "t"])
def test_every_plain_chart_runs(chart):
    r = analyse([3, 5, 4, 6, 2, 7, 5, 4, 6, 5, 3, 4], chart=chart)
    assert len(r.points) == 12 and len(r.phases) == 1


@pytest.mark.parametrize("chart", ["p", "pp", "u", "up"])
def test_every_denominator_chart_runs(chart):
    r = analyse([3, 5, 4, 6, 2, 7, 5, 4], [10, 12, 9, 14, 10, 13, 11, 10], chart=chart)
    assert len(r.points) == 8


def test_anhoej_mdc_specific_columns_are_nan():
    p = analyse([3, 5, 4, 6, 2, 7], chart="i").points
    for c in ("shift", "trend", "two_in_three"):
        assert p[c].isna().all()
    assert p["sigma_signal"].dtype == bool and p["outside_limits"].dtype == bool


def test_phases_restart_limits_and_match_separate_analyses():
    a = [3.0, 5, 4, 6, 2, 7, 5, 4]
    b = [13.0, 15, 12, 16, 14, 11, 15]
    whole = analyse(a + b, chart="i", phases=[len(a)])   # 0-based position = qicharts2 part = 8
    first, second = analyse(a, chart="i"), analyse(b, chart="i")
    p = whole.points
    assert p["phase"].tolist() == [1] * 8 + [2] * 7
    for col in ("cl", "lcl", "ucl", "lcl_2sigma", "ucl_2sigma"):
        np.testing.assert_array_equal(p[col].to_numpy(), np.concatenate([first.points[col], second.points[col]]))
    assert whole.phases["n_obs"].tolist() == [8, 7]


def test_phases_by_date_label_and_by_string():
    labels = list(pd.date_range("2024-01-01", periods=10, freq="MS"))
    y = [1, 2, 1, 2, 1, 5, 6, 5, 6, 5]
    by_ts = analyse(y, labels=labels, chart="i", phases=[labels[5]])
    by_str = analyse(y, labels=labels, chart="i", phases=["2024-06-01"])
    by_date = analyse(y, labels=[d.date() for d in labels], chart="i", phases=[dt.date(2024, 6, 1)])
    for r in (by_ts, by_str, by_date):
        assert r.points["phase"].tolist() == [1] * 5 + [2] * 5
    with pytest.raises(ValueError, match="phase start '2030-01-01'"):
        analyse(y, labels=labels, chart="i", phases=["2030-01-01"])


def test_phase_at_first_point_is_one_phase():
    r = analyse([1, 2, 3, 4], chart="run", phases=[0])
    assert r.points["phase"].tolist() == [1, 1, 1, 1]


def test_freeze_per_phase():
    a = [1.0, 3, 2, 4, 3, 9, 9]
    b = [10.0, 12, 11, 13, 12, 0, 0]
    r = analyse(a + b, chart="i", phases=[7], freeze=5)
    p = r.points
    assert p["cl"][0] == pytest.approx(2.6) and p["cl"][7] == pytest.approx(11.6)
    assert p["baseline"].tolist() == ([True] * 5 + [False] * 2) * 2


def test_mdc_freeze_must_be_at_least_12():
    with pytest.raises(ValueError, match="freeze must be >= 12"):
        analyse(list(range(20)), chart="i", rules="mdc", freeze=6)
    analyse(list(range(20)), chart="i", rules="mdc", freeze=12)


def test_mdc_short_group_note():
    r = analyse([1, 2, 3, 4, 5], chart="i", rules="mdc")
    assert any("trial limits" in n for n in r.notes)


# ----------------------------------------------------------------- icons
def _xmr(y, **kw):
    return analyse(y, chart="i", rules="mdc", **kw)


BASE = [10.0, 12.0] * 7      # mean 11, MR 2 -> limits 11 +/- 5.32


def test_variation_icon_from_last_point():
    assert _xmr(BASE).variation_icon == "common_cause"
    assert _xmr(BASE + [20.0]).variation_icon == "improvement_high"
    assert _xmr(BASE + [2.0]).variation_icon == "concern_low"
    assert _xmr(BASE + [20.0], improvement="decrease").variation_icon == "concern_high"
    assert _xmr(BASE + [2.0], improvement="decrease").variation_icon == "improvement_low"
    assert _xmr(BASE + [20.0], improvement="neutral").variation_icon == "neutral_high"
    assert _xmr(BASE + [2.0], improvement="neutral").variation_icon == "neutral_low"


def test_assurance_icon_uses_last_limits():
    # limits 11 +/- 2.66 * 2 = 5.68 .. 16.32
    assert _xmr(BASE, target=20).assurance_icon == "consistent_fail"
    assert _xmr(BASE, target=20, improvement="decrease").assurance_icon == "consistent_pass"
    assert _xmr(BASE, target=3).assurance_icon == "consistent_pass"
    assert _xmr(BASE, target=3, improvement="decrease").assurance_icon == "consistent_fail"
    assert _xmr(BASE, target=11).assurance_icon == "inconsistent"
    assert _xmr(BASE, target=11, improvement="neutral").assurance_icon is None
    assert _xmr(BASE).assurance_icon is None
    assert _xmr([5.0] * 14, target=3).assurance_icon == "inconsistent"      # NaN limits fall through
    # rebased: the last phase's limits decide (phase 2: 31 +/- 5.32, so 20 is below its lower limit)
    r = _xmr(BASE + [x + 20 for x in BASE], phases=[14], target=20)
    assert r.assurance_icon == "consistent_pass"


# ----------------------------------------------------------------- invalid data
def test_numerator_above_denominator_names_the_point():
    with pytest.raises(ValueError, match=r"numerator 12 is above its denominator 10 at point 1 \(label 'Feb'\)"):
        analyse([5, 12], [10, 10], labels=["Jan", "Feb"], chart="p")
    with pytest.raises(ValueError, match="above its denominator"):
        analyse([5, 12], [10, 10], chart="run")


def test_negative_counts_and_denominators():
    with pytest.raises(ValueError, match=r"negative count -1 at point 0"):
        analyse([-1, 2], [10, 10], chart="p")
    with pytest.raises(ValueError, match=r"negative count -3 at point 2"):
        analyse([1, 2, -3], chart="c")
    with pytest.raises(ValueError, match=r"negative denominator"):
        analyse([1, 2], [10, -1], chart="u")


def test_duplicate_labels():
    with pytest.raises(ValueError, match=r"duplicate label '2024-01' at points 0 and 2"):
        analyse([1, 2, 3], labels=["2024-01", "2024-02", "2024-01"])


def test_non_numeric_value():
    with pytest.raises(ValueError, match=r"value at point 1 \(label 'b'\) is not a number: 'x'"):
        analyse([1, "x", 3], labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="infinite"):
        analyse([1, math.inf, 3])


def test_option_errors():
    with pytest.raises(ValueError, match="unknown chart"):
        analyse([1, 2], chart="xbar")
    with pytest.raises(ValueError, match="unknown rules"):
        analyse([1, 2], rules="nelson")
    with pytest.raises(ValueError, match="needs denominators"):
        analyse([1, 2], chart="p")
    with pytest.raises(ValueError, match="without denominators"):
        analyse([1, 2], [3, 4], chart="c")
    with pytest.raises(ValueError, match="run_length applies to rules='mdc'"):
        analyse([1, 2], run_length=6)
    with pytest.raises(ValueError, match="run_length must be 6 or 7"):
        analyse([1, 2], rules="mdc", run_length=8)
    with pytest.raises(ValueError, match="time between events"):
        analyse([1, 0, 2], chart="t")
    with pytest.raises(ValueError, match="labels has 1 entries"):
        analyse([1, 2], labels=["a"])


def test_rate_chart_count_with_zero_exposure_is_an_error():
    with pytest.raises(ValueError, match="zero exposure"):
        analyse([1, 2], [0, 3], chart="u")


def test_series_index_becomes_labels():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="MS"))
    r = analyse(s)
    assert pd.api.types.is_datetime64_any_dtype(r.points["label"])


def test_mdc_run_length_6():
    # mean (132 + 84) / 18 = 12: the last 12 sits ON the mean and breaks the run, leaving six 14s
    y = [10.0, 12.0] * 6 + [14.0] * 6
    assert not analyse(y, chart="i", rules="mdc").points["shift"].any()
    r6 = analyse(y, chart="i", rules="mdc", run_length=6)
    assert r6.points["shift"][12:].all()
    assert r6.points["special_cause_type"][12] == "6 Points Above CL"


def test_summary_dict():
    s = analyse([3, 1, 4, 2, 3, 1, 4, 2, 9, 8, 9, 8, 9, 8, 9, 8]).summary()
    assert s["runs_signal_phases"] == [1] and s["special_cause_points"] == 16
