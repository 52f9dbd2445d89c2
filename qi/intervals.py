"""Confidence intervals for a proportion and for a difference of two proportions.

The one home of these formulas: ``audit_app.scoring`` (round summaries) and ``qi.funnel`` (hover
text of a funnel plot) both use them.

- ``wilson_interval(k, n)``: Wilson score interval (Wilson 1927; Newcombe 1998 method 3).
- ``newcombe_interval(k1, n1, k2, n2)``: p1 - p2 with Newcombe's hybrid score interval
  (Newcombe 1998, method 10), built from the two Wilson intervals.
"""
from __future__ import annotations

import math

Z95 = 1.959963984540054

__all__ = ["Z95", "wilson_interval", "newcombe_interval"]


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k/n (0-1). (nan, nan) when n == 0."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo, hi = centre - half, centre + half
    if k == 0:
        lo = 0.0
    if k == n:
        hi = 1.0
    return (max(0.0, lo), min(1.0, hi))


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p1 - p2 with Newcombe's hybrid score interval (1998, method 10)."""
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (d, max(-1.0, lo), min(1.0, hi))
