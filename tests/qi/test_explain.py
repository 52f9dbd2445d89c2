"""qi.explain: every chart sentence comes from the structured result, for every rule set."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qi import explain
from qi.rules import SPECIAL_CAUSES, SpecialCause, special_cause_label, special_cause_labels
from qi.spc import RULE_SETS, analyse


def test_every_label_reads_back_to_its_rule():
    for label, cause in SPECIAL_CAUSES.items():
        assert special_cause_label(cause.rule, cause.up, cause.n) == label
    assert SPECIAL_CAUSES["7 Point Trend (Decreasing)"] == SpecialCause("trend", False, 7)
    assert list(special_cause_labels("limit", np.array([True, False]))) == ["Above UCL", "Below LCL"]
    with pytest.raises(ValueError):
        special_cause_label("zigzag", True)


@pytest.mark.parametrize("rules", RULE_SETS)
def test_every_signal_of_every_rule_set_is_explained(rules):
    """Series built to fire each rule (limit, shift, trend): each special-cause point gets a
    'Signal, ...' sentence naming its rule, and common-cause points never do."""
    rng = np.random.default_rng(7)
    series = {
        "limit": list(10 + rng.normal(0, 1, 20)) + [30.0],
        "shift": list(10 + rng.normal(0, 1, 12)) + [14.0 + 0.1 * k for k in range(9)],
        "trend": list(10 + rng.normal(0, 0.5, 12)) + [10.0 + k for k in range(8)],
    }
    seen = set()
    for values in series.values():
        r = analyse(values, chart="i", rules=rules)
        for _, row in r.points.iterrows():
            sentence = explain.point_sentence(row)
            if str(row["point_type"]).startswith("special_cause"):
                assert sentence.startswith("Signal, "), sentence
                seen.add(SPECIAL_CAUSES[row["special_cause_type"]].rule)
            else:
                assert not sentence.startswith("Signal")
    assert "limit" in seen and seen & {"long_run", "shift", "trend", "two_in_three"}


def test_point_signals_use_the_names_the_user_knows():
    values = [0.2, 0.22, 0.18, 0.21, 0.19, 0.2, 0.22, 0.18, 0.21, 0.19, 0.2, 0.95]
    r = analyse(values, chart="i", rules="mdc")
    names = [f"Månad {i}" for i in range(len(values))]
    lines = explain.point_signals(r.points, names, percent=True)
    assert lines and lines[-1].startswith("Månad 11 (95%): Signal, an improvement")


def test_phase_sentences_say_why():
    phases = pd.DataFrame([
        {"phase": 1, "runs_signal": True, "longest_run": 9, "longest_run_max": 7, "crossings": 2, "crossings_min": 4},
        {"phase": 2, "runs_signal": False, "longest_run": 3, "longest_run_max": 7, "crossings": 9, "crossings_min": 4},
        {"phase": 3, "runs_signal": True, "longest_run": math.nan, "longest_run_max": 5, "crossings": 5,
         "crossings_min": math.nan},
    ])
    lines = explain.phase_sentences(phases)
    assert len(lines) == 2
    assert "longest run is 9 points" in lines[0] and "only 2 times" in lines[0]
    assert lines[1].startswith("Phase 3: the runs analysis finds non-random variation")


def test_names_icons_and_few_points():
    assert set(RULE_SETS) == set(explain.RULE_SET_NAMES)
    assert explain.icon_words("improvement_high", "inconsistent") == ("Special cause improvement (high)",
                                                                      "Target hit and miss")
    assert explain.icon_words(None, None) == (None, None)
    assert "Only 3 point(s)" in explain.few_points_note(3)
    assert explain.few_points_note(explain.FEW_POINTS) is None
