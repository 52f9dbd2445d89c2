"""Small numeric helpers that reproduce R's arithmetic where it decides a flag.

R's ``sum()`` and ``mean()`` accumulate in long double (80-bit on x86-64) and ``mean()``
adds a second correction pass. A point lies *on* the centre line only when ``y == cl``
exactly, so the centre line must be the same double R computes, not just a close one.
numpy's ``longdouble`` is the same 80-bit type on x86-64 Linux, and ``cumsum`` adds in
sequence like R's loop.

``qbinom_half`` is R's ``qbinom(p, size, 0.5)`` computed from the exact binomial CDF (no
scipy), and ``runs_table`` derives the Swed-Eisenhart runs limits from the exact
distribution of the number of runs.
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

_LD = np.longdouble
_DBL_EPSILON = 2.220446049250313e-16


def r_sum(x: np.ndarray) -> float:
    """R's ``sum(x, na.rm = TRUE)`` for a double vector."""
    x = x[~np.isnan(x)]
    if x.size == 0:
        return 0.0
    return float(np.cumsum(x.astype(_LD))[-1])


def r_mean(x: np.ndarray) -> float:
    """R's ``mean(x, na.rm = TRUE)``: long-double sum, divide, one correction pass."""
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan
    xl = x.astype(_LD)
    s = np.cumsum(xl)[-1] / n
    if math.isfinite(float(s)):
        t = np.cumsum(xl - s)[-1]
        s = s + t / n
    return float(s)


def r_median(x: np.ndarray) -> float:
    """R's ``median(x, na.rm = TRUE)`` (the mean of the two middle values when n is even)."""
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan
    s = np.sort(x)
    half = (n + 1) // 2
    if n % 2 == 1:
        return float(s[half - 1])
    return r_mean(s[half - 1:half + 1])


@lru_cache(maxsize=4096)
def qbinom_half(p: float, size: int) -> int:
    """R's ``qbinom(p, size, 0.5)``: the smallest x with P(X <= x) >= p (R's fuzz included).

    Exact: the CDF of Binomial(size, 1/2) is a dyadic rational, compared with the double
    ``p * (1 - 64 * DBL_EPSILON)`` as R does. Large sizes locate the answer in floating
    point first and confirm it exactly.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if p + 1.01 * _DBL_EPSILON >= 1.0:
        return size
    target = Fraction(p * (1 - 64 * _DBL_EPSILON))
    if size <= 1500:
        return _qbinom_half_exact(target, size, 0)
    # floating point CDF from the log-pmf; exact integers only when it is too close to call
    k = np.arange(1, size + 1, dtype=float)
    logc = np.concatenate(([0.0], np.cumsum(np.log(size - k + 1) - np.log(k))))
    cdf = np.cumsum(np.exp(logc - size * math.log(2.0)))
    t = float(target)
    guess = int(np.searchsorted(cdf, t))
    if cdf[guess] >= t * (1 + 1e-9) and (guess == 0 or cdf[guess - 1] <= t * (1 - 1e-9)):
        return guess
    return _qbinom_half_exact(target, size, 0)


def _qbinom_half_exact(target: Fraction, size: int, start: int) -> int:
    """Smallest x >= start with sum_{k<=x} C(size,k) / 2**size >= target (exact integers)."""
    total = 1 << size
    # cumulative count up to start - 1
    c = 1  # C(size, 0)
    acc = 0
    for k in range(0, start):
        acc += c
        c = c * (size - k) // (k + 1)
    # now c == C(size, start)
    num, den = target.numerator, target.denominator
    x = start
    while x <= size:
        acc += c
        if acc * den >= num * total:
            return x
        c = c * (size - x) // (x + 1)
        x += 1
    return size


def crossings_min(n_useful: int) -> int:
    """Anhøj: the fewest median crossings that are not a signal, ``qbinom(0.05, n - 1, 0.5)``."""
    return qbinom_half(0.05, max(n_useful - 1, 0))


def longest_run_max(n_useful: int) -> int:
    """Anhøj (Schilling 2012): the longest run that is not a signal, ``round(log2(n)) + 3``."""
    return int(round(math.log2(n_useful))) + 3


def runs_distribution(n1: int, n2: int) -> dict[int, Fraction]:
    """Exact distribution of the number of runs R for n1 items of one kind and n2 of the other."""
    if n1 == 0 or n2 == 0:
        return {1: Fraction(1)}
    total = math.comb(n1 + n2, n1)
    out: dict[int, Fraction] = {}
    for r in range(2, n1 + n2 + 1):
        if r % 2 == 0:
            k = r // 2
            c = 2 * math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k - 1)
        else:
            k = (r - 1) // 2
            c = math.comb(n1 - 1, k) * math.comb(n2 - 1, k - 1) + math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k)
        if c:
            out[r] = Fraction(c, total)
    return out


@lru_cache(maxsize=1024)
def runs_table(n_useful: int, alpha: float = 0.05) -> tuple[int, int]:
    """The IHI runs-table range (fewest, most) runs that are *not* a signal.

    Derived as the Swed-Eisenhart (1943) two-sided test behind the table in Perla, Provost &
    Murray (2011): n_useful points split as evenly as possible above and below the median
    (n1 = n // 2, n2 = n - n1); too few runs when P(R <= runs) <= alpha/2, too many when
    P(R >= runs) <= alpha/2. Example, n = 10 (5 and 5): P(R <= 2) = 2/252 and
    P(R <= 3) = 10/252, so 3 runs is the fewest that is not a signal; by symmetry 9 the most.
    """
    if n_useful < 2:
        raise ValueError("the runs table needs at least 2 useful observations")
    n1 = n_useful // 2
    n2 = n_useful - n1
    if n_useful > 200:
        return _runs_table_float(n1, n2, alpha)
    dist = runs_distribution(n1, n2)
    tail = Fraction(alpha) / 2
    acc = Fraction(0)
    lo = min(dist)
    for r in sorted(dist):
        acc += dist[r]
        if acc > tail:
            lo = r
            break
    acc = Fraction(0)
    hi = max(dist)
    for r in sorted(dist, reverse=True):
        acc += dist[r]
        if acc > tail:
            hi = r
            break
    return lo, hi


def _runs_table_float(n1: int, n2: int, alpha: float) -> tuple[int, int]:
    """The same limits for long series, with the probabilities in floating point (log-gamma)."""
    lc = lambda n, k: math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)  # noqa: E731
    log_total = lc(n1 + n2, n1)
    probs = {}
    for r in range(2, n1 + n2 + 1):
        if r % 2 == 0:
            k = r // 2
            if k - 1 > n1 - 1 or k - 1 > n2 - 1:
                continue
            p = 2 * math.exp(lc(n1 - 1, k - 1) + lc(n2 - 1, k - 1) - log_total)
        else:
            k = (r - 1) // 2
            p = 0.0
            if k <= n1 - 1 and k - 1 <= n2 - 1 and k >= 1:
                p += math.exp(lc(n1 - 1, k) + lc(n2 - 1, k - 1) - log_total)
            if k - 1 <= n1 - 1 and k <= n2 - 1 and k >= 1:
                p += math.exp(lc(n1 - 1, k - 1) + lc(n2 - 1, k) - log_total)
        probs[r] = p
    tail = alpha / 2
    rs = sorted(probs)
    acc, lo = 0.0, rs[0]
    for r in rs:
        acc += probs[r]
        if acc > tail:
            lo = r
            break
    acc, hi = 0.0, rs[-1]
    for r in reversed(rs):
        acc += probs[r]
        if acc > tail:
            hi = r
            break
    return lo, hi
