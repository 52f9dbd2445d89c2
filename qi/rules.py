"""Signal rules, one small named function per rule, each applied to one phase.

- Anhøj (qicharts2 ``runs.analysis``): :func:`anhoej_runs`.
- Making Data Count (NHSRplotthedots ``ptd_calculate_point_type``): :func:`mdc_shift`,
  :func:`mdc_trend`, :func:`mdc_two_in_three`, :func:`mdc_special_cause_type`.
- IHI run-chart rules (Perla, Provost & Murray 2011): :func:`ihi_shift`, :func:`ihi_trend`,
  :func:`ihi_runs`.

All functions are vectorised with numpy (no per-point Python loops) and take plain arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qi._rmath import crossings_min as _crossings_min
from qi._rmath import longest_run_max as _longest_run_max
from qi._rmath import runs_table


# --------------------------------------------------------------------------- special-cause labels
# The point labels are NHSRplotthedots' strings (kept so results compare with it). One function
# writes them and SPECIAL_CAUSES reads them back, so no caller takes a label apart.
COMMON_CAUSE = "Common Cause"
SPECIAL_CAUSE_RULES = ("limit", "long_run", "shift", "trend", "two_in_three")


@dataclass(frozen=True)
class SpecialCause:
    rule: str            # one of SPECIAL_CAUSE_RULES
    up: bool             # above the centre line / limit, or a rising trend
    n: int | None = None  # points in the shift or trend rule


def special_cause_label(rule: str, up: bool, n: int | None = None) -> str:
    side = "Above" if up else "Below"
    if rule == "limit":
        return "Above UCL" if up else "Below LCL"
    if rule == "long_run":
        return f"Long Run {side} CL"
    if rule == "shift":
        return f"{n} Points {side} CL"
    if rule == "trend":
        return f"{n} Point Trend ({'Increasing' if up else 'Decreasing'})"
    if rule == "two_in_three":
        return f"2 in 3 {side} CL"
    raise ValueError(f"unknown special-cause rule {rule!r}")


def special_cause_labels(rule: str, up: np.ndarray, n: int | None = None) -> np.ndarray:
    """special_cause_label for each point (`up` per point)."""
    return np.where(up, special_cause_label(rule, True, n), special_cause_label(rule, False, n))


#: every label a rule set can write -> what it means (shift and trend lengths 2-20 cover every option)
SPECIAL_CAUSES: dict[str, SpecialCause] = {
    special_cause_label(rule, up, n): SpecialCause(rule, up, n)
    for rule in SPECIAL_CAUSE_RULES for up in (True, False)
    for n in (range(2, 21) if rule in ("shift", "trend") else (None,))
}


def rle(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and length of each run of equal consecutive values (NaN never equals NaN)."""
    m = a.size
    if m == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    change = np.ones(m, dtype=bool)
    change[1:] = a[1:] != a[:-1]
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, m))
    return starts, lengths


def _expand(starts: np.ndarray, lengths: np.ndarray, keep: np.ndarray, m: int) -> np.ndarray:
    """Boolean mask of the positions covered by the runs selected by ``keep``."""
    mark = np.zeros(m + 1, dtype=int)
    np.add.at(mark, starts[keep], 1)
    np.add.at(mark, starts[keep] + lengths[keep], -1)
    return np.cumsum(mark[:-1]) > 0


def side_of_centre(y: np.ndarray, cl: np.ndarray) -> np.ndarray:
    """sign(y - cl): +1 above, -1 below, 0 on the centre line, NaN when y or cl is missing."""
    with np.errstate(invalid="ignore"):
        return np.sign(y - cl)


# --------------------------------------------------------------------------- Anhøj

@dataclass
class RunsAnalysis:
    n_obs: int
    n_useful: int
    longest_run: float          # NaN when there are no useful observations
    longest_run_max: float
    crossings: float
    crossings_min: float
    runs_signal: bool
    long_run: np.ndarray        # per point: part of a run longer than longest_run_max


def anhoej_runs(y: np.ndarray, cl: np.ndarray) -> RunsAnalysis:
    """qicharts2 ``runs.analysis``: runs about the centre line over the useful observations.

    Points on the centre line and missing points are dropped: they neither break nor extend
    a run and do not count in ``n_useful``. Signal when the longest run is longer than
    ``round(log2(n_useful)) + 3`` or there are fewer crossings than
    ``qbinom(0.05, n_useful - 1, 0.5)``.
    """
    m = y.size
    s = side_of_centre(y, cl)
    useful_idx = np.flatnonzero(~np.isnan(s) & (s != 0))
    runs = s[useful_idx]
    n_useful = int(runs.size)
    long_run = np.zeros(m, dtype=bool)
    if n_useful == 0:
        nan = float("nan")
        return RunsAnalysis(m, 0, nan, nan, nan, nan, False, long_run)
    starts, lengths = rle(runs)
    longest = int(lengths.max())
    lmax = _longest_run_max(n_useful)
    crossings = max(len(lengths) - 1, 0)
    cmin = _crossings_min(n_useful)
    signal = bool(longest > lmax or crossings < cmin)
    long_useful = _expand(starts, lengths, lengths > lmax, n_useful)
    long_run[useful_idx[long_useful]] = True
    return RunsAnalysis(m, n_useful, float(longest), float(lmax), float(crossings), float(cmin), signal, long_run)


# --------------------------------------------------------------------------- Making Data Count

def mdc_shift(side_of_mean: np.ndarray, run_length: int = 7) -> np.ndarray:
    """``run_length`` consecutive points on the same side of the mean (all of them flagged).

    ``side_of_mean`` is sign(y - mean). A point exactly on the mean (0) breaks the run, as in
    ``ptd_seven_point_one_side_mean``; a missing point (NaN) breaks it too.
    """
    a = np.where(np.isnan(side_of_mean), 0.0, side_of_mean)
    starts, lengths = rle(a)
    keep = (lengths >= run_length) & (a[starts] != 0)
    return _expand(starts, lengths, keep, a.size)


def _steps(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """No trend flags yet, no directions yet, and the sign of each step (None under 2 points)."""
    flag = np.zeros(y.size, dtype=bool)
    direction = np.zeros(y.size, dtype=float)
    if y.size < 2:
        return flag, direction, None
    with np.errstate(invalid="ignore"):
        return flag, direction, np.sign(np.diff(y))


def mdc_trend(y: np.ndarray, run_length: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """``run_length`` points each strictly above (below) the previous one.

    A tie (equal consecutive values) breaks the trend. Returns the flag per point and the
    direction NHSRplotthedots uses for the label: the sign of the step to the next point when
    the next point is also part of a trend, otherwise the sign of the step from the previous
    point (0 for the first point); +1 means "Increasing", anything else "Decreasing".
    """
    flag, direction, d = _steps(y)
    if d is None:
        return flag, direction
    m = y.size
    d0 = np.where(np.isnan(d), 0.0, d)
    starts, lengths = rle(d0)
    keep = (lengths >= run_length - 1) & (d0[starts] != 0)
    in_trend = _expand(starts, lengths, keep, m - 1)   # per step
    flag[:-1] |= in_trend
    flag[1:] |= in_trend
    nxt = np.zeros(m, dtype=bool)
    nxt[:-1] = flag[:-1] & flag[1:]
    prev_step = np.concatenate(([0.0], d0))
    next_step = np.concatenate((d0, [d0[-1]]))
    direction = np.where(nxt, next_step, prev_step)
    return flag, direction


def mdc_two_in_three(close: np.ndarray, side_of_mean: np.ndarray) -> np.ndarray:
    """Two of three consecutive points in the near-limit zone, all three on the same side.

    ``close`` is True between the 2-sigma line and the limit (not beyond the limit: a point
    outside the limits is not "close", NHSRplotthedots #153). Only the close points of a
    qualifying window are flagged; windows must lie inside the phase.
    """
    m = close.size
    flag = np.zeros(m, dtype=bool)
    if m < 3:
        return flag
    c = close.astype(int)
    r = np.where(np.isnan(side_of_mean), 0.0, side_of_mean)
    c3 = c[:-2] + c[1:-1] + c[2:]
    r3 = r[:-2] + r[1:-1] + r[2:]
    win = (c3 >= 2) & (np.abs(r3) == 3)
    cover = np.zeros(m, dtype=bool)
    cover[:-2] |= win
    cover[1:-1] |= win
    cover[2:] |= win
    return cover & close


def mdc_special_cause_type(outside, side_of_mean, trend, trend_dir, two_in_three, shift, run_length=7) -> np.ndarray:
    """NHSRplotthedots ``ptd_special_cause_type``: priority outside > trend > 2-in-3 > shift."""
    label = special_cause_labels
    out = np.full(outside.size, COMMON_CAUSE, dtype=object)
    out = np.where(shift, label("shift", side_of_mean > 0, run_length), out)
    out = np.where(two_in_three, label("two_in_three", side_of_mean > 0), out)
    out = np.where(trend, label("trend", trend_dir == 1, run_length), out)
    out = np.where(outside, label("limit", side_of_mean == 1), out)
    return out.astype(object)


# --------------------------------------------------------------------------- IHI run chart rules

IHI_SHIFT = 6
IHI_TREND = 5


def ihi_shift(s: np.ndarray, length: int = IHI_SHIFT) -> tuple[np.ndarray, int]:
    """``length`` or more consecutive useful points on one side of the median.

    ``s`` is sign(y - median). Points on the median (0) and missing points neither add to
    nor break a run and are not flagged. Returns the flags and the longest run.
    """
    m = s.size
    flag = np.zeros(m, dtype=bool)
    useful_idx = np.flatnonzero(~np.isnan(s) & (s != 0))
    if useful_idx.size == 0:
        return flag, 0
    starts, lengths = rle(s[useful_idx])
    sel = _expand(starts, lengths, lengths >= length, useful_idx.size)
    flag[useful_idx[sel]] = True
    return flag, int(lengths.max())


def ihi_trend(y: np.ndarray, length: int = IHI_TREND) -> tuple[np.ndarray, np.ndarray]:
    """``length`` or more points all going up (or down); repeated equal values count once.

    Ties are skipped (the tied points belong to the trend but do not count); a missing point
    breaks the trend. Returns the flags and the direction (+1 up, -1 down, 0 none) per point.
    """
    flag, direction, d = _steps(y)         # step k joins points k and k+1
    if d is None:
        return flag, direction
    m = y.size
    nz = np.flatnonzero(d != 0)          # NaN != 0 is True: NaN steps are kept, then break below
    if nz.size == 0:
        return flag, direction
    dn = d[nz]
    # a run of equal non-zero steps; NaN steps have their own run and never qualify
    starts, lengths = rle(dn)
    for st, ln in zip(starts.tolist(), lengths.tolist()):
        sign = dn[st]
        if np.isnan(sign) or ln < length - 1:
            continue
        first_point = nz[st]
        last_point = nz[st + ln - 1] + 1
        flag[first_point:last_point + 1] = True
        direction[first_point:last_point + 1] = sign
    return flag, direction


def ihi_runs(n_useful: int, crossings: float) -> tuple[float, float, bool]:
    """Too few or too many runs for the number of useful observations (runs table, n >= 10).

    Returns (fewest runs that is not a signal, most runs that is not a signal, signal).
    Fewer than 10 useful observations: the table does not apply (NaN, no signal).
    """
    if n_useful < 10 or crossings != crossings:
        return float("nan"), float("nan"), False
    lo, hi = runs_table(n_useful)
    runs = crossings + 1
    return float(lo), float(hi), bool(runs < lo or runs > hi)
