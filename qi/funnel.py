"""Funnel plots for a proportion: control limits, overdispersion and outliers (pure functions).

A funnel plot puts each unit (a trust) at its denominator ``n`` (letters eligible for a standard)
and its proportion ``k / n``, with a centre line (the pooled network proportion, or a target) and
95% / 99.8% control limits that narrow as ``n`` grows (Spiegelhalter 2005).

Which definitions, exactly
--------------------------
*Unadjusted limits* (``limits="exact"``, the default) are the exact binomial limits of
Spiegelhalter (2005, Statistics in Medicine 24:1185-1202, Appendix A.1.1), interpolated so the
funnel is smooth: for the quantile ``p`` let ``r_p`` be the smallest ``r`` with
``P(R <= r) >= p`` for ``R ~ Binomial(n, theta)``; then
``alpha = (P(R <= r_p) - p) / P(R = r_p)`` and the limit is ``(r_p - alpha) / n``.
``p`` is 0.025 / 0.975 for the 95% limits and 0.001 / 0.999 for the 99.8% limits.
``limits="normal"`` gives Spiegelhalter's normal approximation ``theta +/- z_p sqrt(theta (1 -
theta) / n)`` (clipped to [0, 1]).

*Overdispersion* (``overdispersion="multiplicative"`` or ``"additive"``) follows FunnelPlotR
(``data_type = "PR"``), which implements Spiegelhalter (2005) section 4 and Spiegelhalter et al.
(2012, J R Stat Soc A 175:1-47):

1. z-scores on the arcsine scale (``scale="arcsine"``, FunnelPlotR's ``transformed_zscore``):
   ``y_i = asin(sqrt(k_i / n_i))``, ``s_i = 1 / (2 sqrt(n_i))``, target ``asin(sqrt(theta))``,
   ``z_i = (y_i - target) / s_i``; or on the proportion scale (``scale="normal"``, Spiegelhalter
   2005): ``s_i = sqrt(theta (1 - theta) / n_i)``, ``z_i = (k_i / n_i - theta) / s_i``.
2. Winsorise the z-scores at the 10% and 90% quantiles (R's default type-7 quantile), keep all
   ``I`` units.
3. ``phi = (1 / I) sum z_w^2`` (multiplicative overdispersion factor).
4. ``tau^2 = max(0, (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i))``, ``w_i = 1 / s_i^2``,
   and 0 when ``I phi < I - 1`` (the DerSimonian-Laird moment estimator of the between-trust
   variance, FunnelPlotR's ``tau_func``).
5. Limits: additive ``g^-1(g(theta) +/- z_p sqrt(s^2 + tau^2))``; multiplicative
   ``g^-1(g(theta) +/- z_p sqrt(phi) s)`` with ``phi`` used only when it is above 1 (a funnel is
   never narrowed). ``g`` is the arcsine or the identity, as the scale; limits are clipped to [0, 1].

A unit with ``n = 0`` has no proportion: it is reported as "no eligible letters", takes no part in
the centre line or the overdispersion estimates, and is never drawn as 0%.

    r = funnel(numerators, denominators, labels, overdispersion="additive")
    r.points     # label, numerator, denominator, value, z, lcl95, ucl95, lcl998, ucl998, position, outlier
    r.curve      # denominator grid and the four limits, for drawing
    r.phi, r.tau2, r.centre
    outlier_sentences(r)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import NormalDist
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS", "NO_ELIGIBLE", "FunnelResult", "binomial_limit", "normal_limit", "funnel_limits",
    "z_scores", "winsorise", "phi_estimate", "tau2_estimate", "funnel", "outlier_sentences",
]

#: limit name -> two-sided coverage
LEVELS = {"95": 0.95, "99.8": 0.998}
NO_ELIGIBLE = "no eligible letters"
LIMIT_METHODS = ("exact", "normal")
OVERDISPERSION = (None, "multiplicative", "additive")
SCALES = ("arcsine", "normal")
_STD_NORMAL = NormalDist()


def _quantiles(level: str) -> tuple[float, float]:
    try:
        cover = LEVELS[level]
    except KeyError:
        raise ValueError(f"unknown funnel limit {level!r}; use one of {sorted(LEVELS)}") from None
    tail = (1.0 - cover) / 2.0
    return tail, 1.0 - tail


# =========================================================================== exact binomial

@lru_cache(maxsize=8)
def _log_factorials(upto: int) -> np.ndarray:
    return np.array([math.lgamma(i + 1.0) for i in range(upto + 1)])


def _log_factorial_table(n: int) -> np.ndarray:
    # one table per power of two, so a funnel of many denominators reuses it
    size = 1 << max(10, int(n).bit_length())
    return _log_factorials(size)


def binomial_limit(theta: float, n: int, p: float) -> float:
    """Spiegelhalter's interpolated exact binomial ``p``-quantile of ``R / n``, ``R ~ Bin(n, theta)``.

    ``(r_p - alpha) / n`` with ``r_p`` the smallest r where ``P(R <= r) >= p`` and
    ``alpha = (P(R <= r_p) - p) / P(R = r_p)`` (Spiegelhalter 2005, Appendix A.1.1), clipped to [0, 1].
    """
    n = int(n)
    if n <= 0:
        return math.nan
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, got {p}")
    if not 0.0 <= theta <= 1.0:
        raise ValueError(f"theta must be a proportion in [0, 1], got {theta}")
    if theta == 0.0 or theta == 1.0:
        return float(theta)
    lf = _log_factorial_table(n)
    k = np.arange(n + 1)
    logpmf = lf[n] - lf[k] - lf[n - k] + k * math.log(theta) + (n - k) * math.log1p(-theta)
    pmf = np.exp(logpmf)
    if p <= 0.5:
        cdf = np.cumsum(pmf)
        r = int(np.searchsorted(cdf, p, side="left"))
        r = min(r, n)
        alpha = (cdf[r] - p) / pmf[r]
    else:
        # the upper tail from its own sums: P(R > r) keeps its digits where P(R <= r) is near 1
        sf = np.cumsum(pmf[::-1])[::-1]          # sf[r] = P(R >= r)
        above = np.append(sf[1:], 0.0)           # above[r] = P(R > r)
        # smallest r with P(R <= r) >= p, i.e. P(R > r) <= 1 - p
        r = int(np.flatnonzero(above <= 1.0 - p)[0])
        alpha = ((1.0 - p) - above[r]) / pmf[r]
    # at r_p = 0 (or n) the interpolation runs past the end of the scale: a proportion's limit stays in [0, 1]
    return min(1.0, max(0.0, (r - alpha) / n))


def normal_limit(theta: float, n: int, p: float) -> float:
    """Normal approximation: ``theta + z_p sqrt(theta (1 - theta) / n)``, clipped to [0, 1]."""
    if n <= 0:
        return math.nan
    z = _STD_NORMAL.inv_cdf(p)
    return min(1.0, max(0.0, theta + z * math.sqrt(theta * (1.0 - theta) / n)))


# =========================================================================== overdispersion

def _transform(scale: str):
    if scale == "arcsine":
        return (lambda x: np.arcsin(np.sqrt(x)), lambda y: np.sin(np.clip(y, 0.0, math.pi / 2)) ** 2)
    if scale == "normal":
        return (lambda x: np.asarray(x, dtype=float), lambda y: np.clip(y, 0.0, 1.0))
    raise ValueError(f"unknown scale {scale!r}; use one of {SCALES}")


def _within_se(theta: float, n: np.ndarray, scale: str) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    if scale == "arcsine":
        return 1.0 / (2.0 * np.sqrt(n))
    return np.sqrt(theta * (1.0 - theta) / n)


def z_scores(numerators: Sequence[float], denominators: Sequence[float], theta: float,
             scale: str = "arcsine") -> tuple[np.ndarray, np.ndarray]:
    """Unadjusted z-scores and their within-unit standard errors ``s_i`` (units with n > 0)."""
    k = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    g, _ = _transform(scale)
    s = _within_se(theta, n, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (g(k / n) - g(theta)) / s
    return z, s


def _quantile_type7(x: np.ndarray, q: float) -> float:
    xs = np.sort(x)
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (h - lo) * (xs[hi] - xs[lo]))


def winsorise(z: Sequence[float], trim: float = 0.1) -> np.ndarray:
    """z-scores pulled in to their ``trim`` and ``1 - trim`` quantiles (R's type-7 quantile)."""
    z = np.asarray(z, dtype=float)
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim}")
    if z.size == 0:
        return z
    lo, hi = _quantile_type7(z, trim), _quantile_type7(z, 1.0 - trim)
    return np.clip(z, lo, hi)


def phi_estimate(z_winsorised: Sequence[float]) -> float:
    """Multiplicative overdispersion factor: the mean of the squared (winsorised) z-scores."""
    z = np.asarray(z_winsorised, dtype=float)
    if z.size == 0:
        return math.nan
    return float(np.sum(z * z) / z.size)


def tau2_estimate(phi: float, s: Sequence[float]) -> float:
    """Between-unit variance (DerSimonian-Laird moment estimator), 0 when ``I phi < I - 1``."""
    s = np.asarray(s, dtype=float)
    m = s.size
    if m == 0 or not math.isfinite(phi) or m * phi < m - 1:
        return 0.0
    w = 1.0 / (s * s)
    denom = float(np.sum(w) - np.sum(w * w) / np.sum(w))
    if denom <= 0:
        return 0.0
    return max(0.0, (m * phi - (m - 1)) / denom)


# =========================================================================== limits

def funnel_limits(theta: float, denominators: Sequence[float], *, level: str = "99.8",
                  limits: str = "exact", overdispersion: str | None = None, phi: float = 1.0,
                  tau2: float = 0.0, scale: str = "arcsine") -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ``level`` limits at each denominator (nan where n <= 0)."""
    if limits not in LIMIT_METHODS:
        raise ValueError(f"unknown limits {limits!r}; use one of {LIMIT_METHODS}")
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"unknown overdispersion {overdispersion!r}; use one of {OVERDISPERSION}")
    lo_p, hi_p = _quantiles(level)
    n = np.asarray(denominators, dtype=float)
    lower = np.full(n.shape, math.nan)
    upper = np.full(n.shape, math.nan)
    ok = n > 0
    if overdispersion is None:
        fn = binomial_limit if limits == "exact" else normal_limit
        for i in np.flatnonzero(ok):
            lower[i] = fn(theta, int(n[i]), lo_p)
            upper[i] = fn(theta, int(n[i]), hi_p)
        return lower, upper
    g, g_inv = _transform(scale)
    s = _within_se(theta, n[ok], scale)
    if overdispersion == "additive":
        spread = np.sqrt(s * s + tau2)
    else:
        spread = math.sqrt(max(phi, 1.0)) * s
    z = _STD_NORMAL.inv_cdf(hi_p)
    centre = float(g(theta))
    lower[ok] = g_inv(centre - z * spread)
    upper[ok] = g_inv(centre + z * spread)
    return lower, upper


# =========================================================================== the funnel

@dataclass
class FunnelResult:
    points: pd.DataFrame
    curve: pd.DataFrame
    centre: float
    target: float | None
    phi: float
    tau2: float
    units_used: int
    limits: str
    overdispersion: str | None
    scale: str
    outlier_level: str
    improvement: str
    notes: list[str] = field(default_factory=list)

    @property
    def outliers(self) -> pd.DataFrame:
        return self.points[self.points["outlier"]]

    def overdispersion_text(self) -> str:
        """phi and tau^2 in words, whichever adjustment is drawn."""
        if not math.isfinite(self.phi):
            return "Overdispersion not estimated (fewer than two trusts with eligible letters)."
        base = (f"Overdispersion: phi = {self.phi:.3g} (1 means the trusts vary no more than chance), "
                f"tau\u00b2 = {self.tau2:.3g} on the {self.scale} scale, from {self.units_used} trusts.")
        if self.overdispersion == "additive":
            return base + " Limits widened by the between-trust variance tau\u00b2 (random effects)."
        if self.overdispersion == "multiplicative":
            return base + (" Limits widened by sqrt(phi)." if self.phi > 1 else
                           " phi is not above 1, so the limits are not widened.")
        return base + " Limits are not adjusted for overdispersion."


def _position(value: float, n: float, lims: dict[str, tuple[float, float]]) -> str:
    if not n > 0:
        return NO_ELIGIBLE
    lo998, hi998 = lims["99.8"]
    lo95, hi95 = lims["95"]
    # a point on a limit is inside it, as FunnelPlotR counts it
    if value > hi998:
        return "above 99.8%"
    if value < lo998:
        return "below 99.8%"
    if value > hi95:
        return "above 95%"
    if value < lo95:
        return "below 95%"
    return "within"


def _curve_grid(denominators: np.ndarray, points: int = 160) -> np.ndarray:
    top = max(float(np.max(denominators)) if denominators.size else 10.0, 10.0) * 1.1
    grid = np.unique(np.round(np.geomspace(1.0, top, points)).astype(int))
    return np.unique(np.concatenate([grid, denominators.astype(int)]))


def funnel(numerators: Sequence[float], denominators: Sequence[float], labels: Sequence | None = None, *,
           target: float | None = None, limits: str = "exact", overdispersion: str | None = None,
           scale: str = "arcsine", trim: float = 0.1, outlier_level: str = "99.8",
           improvement: str = "increase") -> FunnelResult:
    """A proportion funnel: one point per unit, limits at its own denominator, outliers marked.

    ``target``: the centre line (default: the pooled proportion sum k / sum n of units with n > 0).
    ``improvement``: "increase" (higher is better), "decrease" or "neutral"; only the words change.
    """
    k = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if k.shape != n.shape:
        raise ValueError(f"{k.size} numerators but {n.size} denominators")
    labels = list(labels) if labels is not None else [str(i + 1) for i in range(k.size)]
    if len(labels) != k.size:
        raise ValueError(f"{len(labels)} labels for {k.size} points")
    bad = [labels[i] for i in range(k.size)
           if not (np.isfinite(k[i]) and np.isfinite(n[i])) or k[i] < 0 or n[i] < 0 or k[i] > n[i]
           or k[i] != round(k[i]) or n[i] != round(n[i])]
    if bad:
        raise ValueError(f"numerator and denominator must be whole numbers with 0 <= k <= n; check {bad[:5]}")
    if outlier_level not in LEVELS:
        raise ValueError(f"unknown outlier_level {outlier_level!r}; use one of {sorted(LEVELS)}")
    if improvement not in ("increase", "decrease", "neutral"):
        raise ValueError(f"unknown improvement {improvement!r}")
    _transform(scale)  # validates the scale
    if limits not in LIMIT_METHODS:
        raise ValueError(f"unknown limits {limits!r}; use one of {LIMIT_METHODS}")
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"unknown overdispersion {overdispersion!r}; use one of {OVERDISPERSION}")

    has = n > 0
    notes: list[str] = []
    pooled = float(k[has].sum() / n[has].sum()) if has.any() else math.nan
    centre = float(target) if target is not None else pooled
    if target is not None and not 0.0 <= target <= 1.0:
        raise ValueError(f"target must be a proportion in [0, 1], got {target}")

    phi = tau2 = math.nan
    z_all = np.full(k.shape, math.nan)
    if has.sum() >= 2 and 0.0 < centre < 1.0:
        z, s = z_scores(k[has], n[has], centre, scale)
        z_all[has] = z
        phi = phi_estimate(winsorise(z, trim))
        tau2 = tau2_estimate(phi, s)
    elif overdispersion is not None:
        notes.append("Overdispersion needs at least two trusts with eligible letters and a centre line "
                     "strictly between 0% and 100%; limits are not adjusted.")
    od = overdispersion if math.isfinite(phi) else None

    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(has, k / np.where(has, n, 1.0), math.nan)

    def limit_columns(denominators: np.ndarray) -> dict[str, np.ndarray]:
        cols = {}
        for level in LEVELS:
            lo, hi = (funnel_limits(centre, denominators, level=level, limits=limits, overdispersion=od, phi=phi,
                                    tau2=tau2, scale=scale) if math.isfinite(centre)
                      else (np.full(denominators.shape, math.nan), np.full(denominators.shape, math.nan)))
            cols[f"lcl{level.replace('.', '')}"], cols[f"ucl{level.replace('.', '')}"] = lo, hi
        return cols

    cols = limit_columns(n)
    positions = [
        _position(value[i], n[i], {lv: (cols[f"lcl{lv.replace('.', '')}"][i], cols[f"ucl{lv.replace('.', '')}"][i])
                                   for lv in LEVELS})
        for i in range(k.size)
    ]
    outlier_rank = {"95": ("above 95%", "below 95%", "above 99.8%", "below 99.8%"),
                    "99.8": ("above 99.8%", "below 99.8%")}[outlier_level]
    points = pd.DataFrame({
        "label": labels, "numerator": k.astype(int), "denominator": n.astype(int), "value": value,
        "z": z_all, **cols, "position": positions,
    })
    points["outlier"] = points["position"].isin(outlier_rank)

    grid = _curve_grid(n[has]) if has.any() else np.array([1, 10])
    curve = {"denominator": grid, **limit_columns(grid)}
    return FunnelResult(points=points, curve=pd.DataFrame(curve), centre=centre,
                        target=target, phi=phi, tau2=tau2 if math.isfinite(phi) else math.nan,
                        units_used=int(has.sum()), limits=limits, overdispersion=od, scale=scale,
                        outlier_level=outlier_level, improvement=improvement, notes=notes)


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f}%"


def outlier_sentences(result: FunnelResult, measure: str = "compliance") -> list[str]:
    """One sentence per unit outside the limits (and per unit with no eligible letters)."""
    out = []
    centre_word = "the target" if result.target is not None else "the network"
    for _, row in result.points.iterrows():
        pos = row["position"]
        if pos == NO_ELIGIBLE:
            out.append(f"{row['label']}: no eligible letters for {measure}; not plotted.")
            continue
        if pos == "within":
            continue
        side, level = pos.split(" ")
        direction = "higher" if side == "above" else "lower"
        if result.improvement == "neutral":
            meaning = "more than chance would explain"
        else:
            good = (side == "above") == (result.improvement == "increase")
            meaning = f"{'better' if good else 'worse'} by more than chance would explain"
        strength = "an alarm" if level == "99.8%" else "an alert"
        out.append(
            f"{row['label']} ({row['numerator']}/{row['denominator']}, {_pct(row['value'])}) is {side} the "
            f"{level} limit ({strength}): {measure} is {direction} than {centre_word} "
            f"({_pct(result.centre)}), {meaning}."
        )
    return out
