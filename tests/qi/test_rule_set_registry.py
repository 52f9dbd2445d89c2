"""qi.spc.RULE_SET_REGISTRY: each rule set alone, on the same limits, returns everything analyse assembles."""
from __future__ import annotations

import numpy as np
import pytest

from qi.limits import CHART_LIMITS
from qi.spc import PHASE_COLUMNS, RULE_SET_REGISTRY, RULE_SETS, analyse


def _limits(values):
    y = np.asarray(values, dtype=float)
    return CHART_LIMITS["i"](y, np.full(y.size, np.nan), y.copy(), np.ones(y.size, dtype=bool), True)


@pytest.mark.parametrize("name", RULE_SETS)
def test_each_rule_set_classifies_a_phase_on_its_own(name):
    values = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 25, 10, 11]
    found = RULE_SET_REGISTRY[name].classify("i", _limits(values), 7)
    for key in ("sigma", "outside", "shift", "trend", "two", "cause", "v"):
        assert len(found[key]) == len(values), key
    assert set(PHASE_COLUMNS) - {"phase"} <= set(found["phase"])
    assert found["outside"][10] and found["v"][10] == 1 and found["cause"][10] == "Above UCL"


def test_registry_settings_are_what_analyse_enforces():
    assert RULE_SETS == tuple(RULE_SET_REGISTRY)
    mdc = RULE_SET_REGISTRY["mdc"]
    with pytest.raises(ValueError, match=f"freeze must be >= {mdc.min_freeze} with rules='mdc'"):
        analyse(list(range(1, 20)), chart="i", rules="mdc", freeze=mdc.min_freeze - 1)
    assert analyse(list(range(1, 20)), chart="i", rules="mdc", run_length=6).run_length == 6
    for name, rule_set in RULE_SET_REGISTRY.items():
        if 6 not in rule_set.run_lengths:
            with pytest.raises(ValueError, match="run_length"):
                analyse(list(range(1, 20)), chart="i", rules=name, run_length=6)
        if not rule_set.reads_mr_chart:
            with pytest.raises(ValueError, match="mr chart"):
                analyse(list(range(1, 20)), chart="mr", rules=name)
    short = analyse([5, 6, 5, 7, 6], chart="i", rules="mdc")
    assert any("trial limits" in n for n in short.notes)
    assert not any("trial limits" in n for n in analyse([5, 6, 5, 7, 6], chart="i", rules="anhoej").notes)
