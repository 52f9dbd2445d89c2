"""Centre line and limits, one small function per chart type (one phase at a time).

Every function takes the phase's arrays and a boolean ``base`` mask (the points that fix the
centre line and limits: the first ``freeze`` points of the phase, or all of them) and
returns a :class:`Limits` whose arrays have one entry per point of the phase. The formulas
and the order of the floating-point operations are those of qicharts2 0.8.1
(``R/helper.functions.R``: ``qic.run``, ``qic.i``, ``qic.mr``, ``qic.p``, ``qic.pp``,
``qic.u``, ``qic.up``, ``qic.c``, ``qic.g``, ``qic.t``) and, for the Making Data Count XmR
chart, NHSRplotthedots 0.2.2 (``ptd_spc_standard``).

Arguments: ``y`` is the plotted statistic (a proportion or rate when there are
denominators), ``n`` the denominators (NaN when none), ``count`` the raw numerators/counts.
Missing points are NaN in ``y`` and are skipped the way R's ``na.rm = TRUE`` skips them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qi._rmath import r_mean, r_median, r_sum

# Constants exactly as the packages write them.
D2 = 1.128                      # qicharts2: sigma = mean MR / 1.128
MR_SCREEN = 3.267               # both packages: keep moving ranges < 3.267 * mean MR
MDC_LIMIT = 2.66                # NHSRplotthedots: mean +/- 2.66 * mean MR
MDC_CLOSE = 2 * (MDC_LIMIT / 3)  # NHSRplotthedots: near-limit ("2 sigma") zone
T_POWER = 3.6                   # qicharts2 t chart: y ** (1 / 3.6)


@dataclass
class Limits:
    y: np.ndarray       # the plotted statistic (the moving range for 'mr', back-transformed y for 't')
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl2: np.ndarray    # 2-sigma lines (qicharts2 lcl.95/ucl.95; MDC near-limit zone)
    ucl2: np.ndarray


def _full(m: int, v: float) -> np.ndarray:
    return np.full(m, v, dtype=float)


def _from_sigma(y: np.ndarray, cl: float | np.ndarray, stdev) -> Limits:
    m = y.size
    cl_arr = np.broadcast_to(np.asarray(cl, dtype=float), (m,)).astype(float)
    with np.errstate(invalid="ignore", over="ignore"):
        ucl = cl_arr + 3 * stdev
        ucl2 = cl_arr + 2 * stdev
        lcl = cl_arr - 3 * stdev
        lcl2 = cl_arr - 2 * stdev
    return Limits(y, cl_arr, _as_arr(lcl, m), _as_arr(ucl, m), _as_arr(lcl2, m), _as_arr(ucl2, m))


def _as_arr(v, m: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(v, dtype=float), (m,)).astype(float)


def _screened_amr(mr: np.ndarray, screen: bool) -> float:
    """Mean moving range, optionally after Nelson's screen (strict ``mr < 3.267 * amr``)."""
    amr = r_mean(mr)
    if screen:
        with np.errstate(invalid="ignore"):
            keep = mr < MR_SCREEN * amr      # NaN compares False: dropped, as R's mean(na.rm) drops it
        amr = r_mean(mr[keep])
    return amr


def _clip_low(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a[np.isfinite(a) & (a < 0)] = 0.0
    return a


def _cap_high(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a[np.isfinite(a) & (a > 1)] = 1.0
    return a


# --------------------------------------------------------------------------- charts

def run_limits(y, n, count, base, screen) -> Limits:
    """Run chart: centre line = median of the base points, no limits."""
    cl = r_median(y[base])
    m = y.size
    nan = _full(m, np.nan)
    return Limits(y, _full(m, cl), nan, nan.copy(), nan.copy(), nan.copy())


def i_limits(y, n, count, base, screen) -> Limits:
    """I (XmR individuals) chart, qicharts2: mean +/- 3 * MR-bar / 1.128."""
    cl = r_mean(y[base])
    with np.errstate(invalid="ignore"):
        mr = np.abs(np.diff(y[base] - cl))
    amr = _screened_amr(mr, screen)
    stdev = amr / D2
    return _from_sigma(y, cl, stdev)


def mdc_i_limits(y, n, count, base, screen) -> Limits:
    """XmR chart, NHSRplotthedots / Making Data Count: mean +/- 2.66 * MR-bar.

    The 2-sigma columns hold the near-limit zone, mean +/- (2 * 2.66 / 3) * MR-bar.
    """
    yb = y[base]
    mean = r_mean(yb)
    mr = np.abs(np.diff(yb))
    amr = _screened_amr(mr, screen)
    m = y.size
    return Limits(
        y,
        _full(m, mean),
        _full(m, mean - (MDC_LIMIT * amr)),
        _full(m, mean + (MDC_LIMIT * amr)),
        _full(m, mean - (MDC_CLOSE * amr)),
        _full(m, mean + (MDC_CLOSE * amr)),
    )


def mr_limits(y, n, count, base, screen) -> Limits:
    """Moving-range chart: y := |diff(y)| (first point NA), cl = mean MR, ucl = 3.267 * cl."""
    mr = np.concatenate(([np.nan], np.abs(np.diff(y)))) if y.size else y.copy()
    cl = r_mean(mr[base])
    m = y.size
    return Limits(
        mr,
        _full(m, cl),
        _full(m, 0.0),
        _full(m, 3.267 * cl),
        _full(m, 0.0),
        _full(m, (3.267 / 3) * 2 * cl),
    )


def p_limits(y, n, count, base, screen) -> Limits:
    """p chart: cl = sum(numerators) / sum(denominators); sigma_i = sqrt(cl(1 - cl)/n_i)."""
    cl = r_sum(count[base]) / r_sum(n[base])
    with np.errstate(divide="ignore", invalid="ignore"):
        stdev = np.sqrt(cl * (1 - cl) / n)
    lim = _from_sigma(y, cl, stdev)
    return _clip_p(lim)


def _clip_p(lim: Limits) -> Limits:
    lim.ucl = _cap_high(lim.ucl)
    lim.ucl2 = _cap_high(lim.ucl2)
    lim.lcl = _clip_low(lim.lcl)
    lim.lcl2 = _clip_low(lim.lcl2)
    return lim


def _laney_sigma_z(y, cl, stdev, base, screen) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y[base] - cl) / stdev[base]
        mr = np.abs(np.diff(z))
    amr = _screened_amr(mr, screen)
    return amr / D2


def pp_limits(y, n, count, base, screen) -> Limits:
    """Laney p' chart: p-chart sigma times sigma_z = MR-bar(z) / 1.128 over the base z-scores."""
    cl = r_sum(count[base]) / r_sum(n[base])
    with np.errstate(divide="ignore", invalid="ignore"):
        stdev = np.sqrt(cl * (1 - cl) / n)
    sigma_z = _laney_sigma_z(y, cl, stdev, base, screen)
    with np.errstate(invalid="ignore"):
        stdev = stdev * sigma_z
    return _clip_p(_from_sigma(y, cl, stdev))


def u_limits(y, n, count, base, screen) -> Limits:
    """u chart: cl = sum(counts) / sum(exposure); sigma_i = sqrt(cl / n_i); lcl clipped at 0."""
    cl = r_sum(count[base]) / r_sum(n[base])
    with np.errstate(divide="ignore", invalid="ignore"):
        stdev = np.sqrt(cl / n)
    lim = _from_sigma(y, cl, stdev)
    lim.lcl = _clip_low(lim.lcl)
    lim.lcl2 = _clip_low(lim.lcl2)
    return lim


def up_limits(y, n, count, base, screen) -> Limits:
    """Laney u' chart: u-chart sigma times sigma_z; lcl clipped at 0."""
    cl = r_sum(count[base]) / r_sum(n[base])
    with np.errstate(divide="ignore", invalid="ignore"):
        stdev = np.sqrt(cl / n)
    sigma_z = _laney_sigma_z(y, cl, stdev, base, screen)
    with np.errstate(invalid="ignore"):
        stdev = stdev * sigma_z
    lim = _from_sigma(y, cl, stdev)
    lim.lcl = _clip_low(lim.lcl)
    lim.lcl2 = _clip_low(lim.lcl2)
    return lim


def c_limits(y, n, count, base, screen) -> Limits:
    """c chart: cl = mean count; sigma = sqrt(cl); lcl clipped at 0."""
    cl = r_mean(y[base])
    lim = _from_sigma(y, cl, np.sqrt(cl) if cl >= 0 else np.nan)
    lim.lcl = _clip_low(lim.lcl)
    lim.lcl2 = _clip_low(lim.lcl2)
    return lim


def g_limits(y, n, count, base, screen) -> Limits:
    """g chart (opportunities between events): limits from the mean m, sigma = sqrt(m(m + 1));
    lcl clipped at 0; the centre line drawn (and used by the runs rules) is the median."""
    mean = r_mean(y[base])
    lim = _from_sigma(y, mean, np.sqrt(mean * (mean + 1)))
    with np.errstate(invalid="ignore"):
        lim.lcl[lim.lcl < 0] = 0.0
        lim.lcl2[lim.lcl2 < 0] = 0.0
    lim.cl = _full(y.size, r_median(y[base]))
    return lim


def _rpow(a: np.ndarray, e: float) -> np.ndarray:
    """Elementwise power (R's ``^``), NaN for a negative base."""
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(a < 0, np.nan, np.power(np.where(a < 0, 0.0, a), e))


def t_limits(y, n, count, base, screen) -> Limits:
    """t chart (time between events): I chart on y ** (1/3.6), back-transformed with ** 3.6."""
    yt = _rpow(y, 1 / T_POWER)
    lim = i_limits(yt, n, count, base, screen)
    out = Limits(
        _rpow(yt, T_POWER),
        _rpow(lim.cl, T_POWER),
        _rpow(lim.lcl, T_POWER),
        _rpow(lim.ucl, T_POWER),
        _rpow(lim.lcl2, T_POWER),
        _rpow(lim.ucl2, T_POWER),
    )
    bad = np.isnan(out.lcl) | (out.lcl < 0)
    out.lcl[bad] = 0.0
    return out


CHART_LIMITS = {
    "run": run_limits,
    "i": i_limits,
    "mr": mr_limits,
    "p": p_limits,
    "pp": pp_limits,
    "u": u_limits,
    "up": up_limits,
    "c": c_limits,
    "g": g_limits,
    "t": t_limits,
}
