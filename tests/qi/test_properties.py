"""Property tests (hypothesis): freeze = truncation, phases are independent, I chart shift-equivariance."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qi.spc import analyse

LIMIT_COLS = ("cl", "lcl", "ucl", "lcl_2sigma", "ucl_2sigma")
ints = st.integers(min_value=0, max_value=60)
settings.register_profile("qi", max_examples=60, deadline=None)
settings.load_profile("qi")


def _same(a, b):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-12, atol=1e-12, equal_nan=True)


@given(data=st.data(), chart=st.sampled_from(["run", "i", "c", "g", "mr"]))
def test_freeze_k_equals_first_k_points(data, chart):
    y = data.draw(st.lists(ints, min_size=3, max_size=40))
    k = data.draw(st.integers(min_value=2, max_value=len(y)))
    frozen = analyse(y, chart=chart, freeze=k).points
    alone = analyse(y[:k], chart=chart).points
    for c in LIMIT_COLS:
        _same(frozen[c][:k], alone[c])
        if chart != "mr":   # limits are constant within a phase for these charts
            _same(frozen[c][k:], np.full(len(y) - k, alone[c].iloc[0]))


@given(data=st.data(), chart=st.sampled_from(["p", "pp", "u"]))
def test_freeze_k_equals_first_k_points_with_denominators(data, chart):
    den = data.draw(st.lists(st.integers(min_value=1, max_value=50), min_size=4, max_size=30))
    num = [data.draw(st.integers(min_value=0, max_value=d)) for d in den]
    k = data.draw(st.integers(min_value=2, max_value=len(den)))
    frozen = analyse(num, den, chart=chart, freeze=k).points
    alone = analyse(num[:k], den[:k], chart=chart).points
    for c in LIMIT_COLS:
        _same(frozen[c][:k], alone[c])


@given(data=st.data())
def test_mdc_freeze_k_equals_first_k_points(data):
    y = data.draw(st.lists(ints, min_size=12, max_size=40))
    k = data.draw(st.integers(min_value=12, max_value=len(y)))
    frozen = analyse(y, chart="i", rules="mdc", freeze=k).points
    alone = analyse(y[:k], chart="i", rules="mdc").points
    for c in LIMIT_COLS:
        _same(frozen[c][:k], alone[c])


@given(blocks=st.lists(st.lists(ints, min_size=2, max_size=15), min_size=2, max_size=4),
       perm_seed=st.randoms(use_true_random=False),
       chart=st.sampled_from(["run", "i", "c", "mr"]),
       rules=st.sampled_from(["anhoej", "mdc", "ihi"]))
def test_reordering_phases_keeps_each_phase_limits(blocks, perm_seed, chart, rules):
    if chart == "mr" and rules != "anhoej":
        rules = "anhoej"
    order = list(range(len(blocks)))
    perm_seed.shuffle(order)

    def run(seq):
        y = [v for i in seq for v in blocks[i]]
        starts, pos = [], 0
        for i in seq:
            starts.append(pos)
            pos += len(blocks[i])
        p = analyse(y, chart=chart, rules=rules, phases=starts[1:]).points
        return {i: p.iloc[s:s + len(blocks[i])] for i, s in zip(seq, starts)}

    a, b = run(list(range(len(blocks)))), run(order)
    for i in range(len(blocks)):
        for c in LIMIT_COLS + ("point_type",):
            if c == "point_type":
                assert a[i][c].tolist() == b[i][c].tolist()
            else:
                _same(a[i][c], b[i][c])


@given(y=st.lists(st.integers(min_value=-50, max_value=50), min_size=2, max_size=40),
       shift=st.integers(min_value=-1000, max_value=1000),
       screen=st.booleans(), rules=st.sampled_from(["anhoej", "mdc"]))
def test_constant_shift_moves_i_chart_limits(y, shift, screen, rules):
    a = analyse(y, chart="i", rules=rules, screen_moving_ranges=screen).points
    b = analyse([v + shift for v in y], chart="i", rules=rules, screen_moving_ranges=screen).points
    for c in LIMIT_COLS:
        np.testing.assert_allclose(b[c].to_numpy(float), a[c].to_numpy(float) + shift, rtol=1e-9, atol=1e-9,
                                   equal_nan=True)
