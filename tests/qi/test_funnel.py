"""qi.funnel against independent computations.

- Exact binomial limits: re-derived here with exact rational arithmetic (fractions.Fraction), from
  the definition in Spiegelhalter (2005) Appendix A.1.1, so no floating-point CDF is shared.
- Overdispersion: re-derived with the standard library only (statistics.quantiles 'inclusive' is
  R's type-7 quantile, as FunnelPlotR's winsorisation uses), following FunnelPlotR's
  transformed_zscore / winsorisation / phi_func / tau_func for data_type = "PR".
"""
from __future__ import annotations

import math
import statistics
from fractions import Fraction

import numpy as np
import pytest

from qi.funnel import (
    NO_ELIGIBLE, binomial_limit, funnel, funnel_limits, normal_limit, outlier_sentences, phi_estimate,
    tau2_estimate, winsorise, z_scores,
)


def exact_limit(theta: Fraction, n: int, p: Fraction) -> float:
    cdf = Fraction(0)
    prev = Fraction(0)
    for r in range(n + 1):
        pmf = math.comb(n, r) * theta ** r * (1 - theta) ** (n - r)
        prev, cdf = cdf, cdf + pmf
        if cdf >= p:
            alpha = (cdf - p) / (cdf - prev)
            return float(min(Fraction(1), max(Fraction(0), (r - alpha) / n)))  # a proportion's limit: in [0, 1]
    raise AssertionError("unreachable")


@pytest.mark.parametrize("theta", [Fraction(3, 10), Fraction(9, 10), Fraction(1, 50), Fraction(1, 2)])
@pytest.mark.parametrize("n", [1, 7, 40, 123, 400])
@pytest.mark.parametrize("p", [Fraction(1, 1000), Fraction(1, 40), Fraction(39, 40), Fraction(999, 1000)])
def test_exact_binomial_limit_matches_rational_derivation(theta, n, p):
    assert binomial_limit(float(theta), n, float(p)) == pytest.approx(exact_limit(theta, n, p), abs=1e-9)


@pytest.mark.parametrize("theta", [0.02, 0.3, 0.97])
def test_exact_limits_never_leave_the_proportion_scale(theta):
    # at r_p = 0 (or n) the interpolation alone would give a limit below 0% (or above 100%)
    for n in range(1, 60):
        for p in (0.001, 0.025, 0.975, 0.999):
            assert 0.0 <= binomial_limit(theta, n, p) <= 1.0
    assert binomial_limit(0.3, 10, 0.001) == 0.0  # P(R = 0) = 0.028 > 0.001: the limit sits on 0


def test_exact_limits_large_n_agree_with_normal_approximation():
    # the interpolated exact limit converges on theta + z sqrt(theta(1-theta)/n)
    for p in (0.001, 0.025, 0.975, 0.999):
        assert binomial_limit(0.62, 200_000, p) == pytest.approx(normal_limit(0.62, 200_000, p), abs=2e-5)


def test_normal_limit_formula():
    z = 3.090232306167813
    assert normal_limit(0.4, 90, 0.999) == pytest.approx(0.4 + z * math.sqrt(0.4 * 0.6 / 90), abs=1e-12)
    assert normal_limit(0.99, 5, 0.999) == 1.0
    assert normal_limit(0.01, 5, 0.001) == 0.0


@pytest.mark.parametrize("limits", ["exact", "normal"])
@pytest.mark.parametrize("od", [None, "additive", "multiplicative"])
def test_limits_narrow_as_the_denominator_grows(limits, od):
    ns = np.array([20, 50, 100, 250, 500, 1000, 5000])
    for level in ("95", "99.8"):
        lo, hi = funnel_limits(0.7, ns, level=level, limits=limits, overdispersion=od, phi=1.8, tau2=0.002)
        width = hi - lo
        assert np.all(np.diff(width) < 0), (level, width)
        assert np.all(lo < 0.7) and np.all(hi > 0.7)
    lo95, hi95 = funnel_limits(0.7, ns, level="95", limits=limits, overdispersion=od, phi=1.8, tau2=0.002)
    lo998, hi998 = funnel_limits(0.7, ns, level="99.8", limits=limits, overdispersion=od, phi=1.8, tau2=0.002)
    assert np.all(lo998 < lo95) and np.all(hi998 > hi95)


def test_additive_limits_do_not_close_on_the_centre():
    # with tau2 > 0 the funnel keeps a floor width: between-trust variation does not vanish with n
    lo, hi = funnel_limits(0.5, [10**7], level="95", overdispersion="additive", tau2=0.01)
    half_arcsine = 1.959963984540054 * math.sqrt(1 / (4 * 10**7) + 0.01)
    assert hi[0] == pytest.approx(math.sin(math.asin(math.sqrt(0.5)) + half_arcsine) ** 2, abs=1e-12)
    assert hi[0] - lo[0] > 0.3


# --------------------------------------------------------------------------- overdispersion

K = [45, 80, 62, 30, 150, 12, 71, 95, 40, 58, 120, 22]
N = [60, 100, 90, 70, 180, 40, 80, 110, 75, 66, 140, 60]


def reference_od(k, n, trim=0.1, scale="arcsine"):
    """FunnelPlotR PR steps, written again with the standard library."""
    theta = sum(k) / sum(n)
    z, s = [], []
    for ki, ni in zip(k, n):
        if scale == "arcsine":
            se = 1 / (2 * math.sqrt(ni))
            z.append((math.asin(math.sqrt(ki / ni)) - math.asin(math.sqrt(theta))) / se)
        else:
            se = math.sqrt(theta * (1 - theta) / ni)
            z.append((ki / ni - theta) / se)
        s.append(se)
    deciles = statistics.quantiles(z, n=int(round(1 / trim)), method="inclusive")
    lo, hi = deciles[0], deciles[-1]
    zw = [min(max(v, lo), hi) for v in z]
    m = len(zw)
    phi = sum(v * v for v in zw) / m
    w = [1 / (x * x) for x in s]
    tau2 = 0.0 if m * phi < m - 1 else max(0.0, (m * phi - (m - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    return theta, z, zw, phi, tau2


@pytest.mark.parametrize("scale", ["arcsine", "normal"])
def test_phi_and_tau2_match_reference(scale):
    theta, z_ref, zw_ref, phi_ref, tau2_ref = reference_od(K, N, scale=scale)
    z, s = z_scores(K, N, theta, scale)
    assert np.allclose(z, z_ref, atol=1e-9, rtol=0)
    assert np.allclose(winsorise(z, 0.1), zw_ref, atol=1e-9, rtol=0)
    assert phi_estimate(winsorise(z)) == pytest.approx(phi_ref, abs=1e-9)
    assert tau2_estimate(phi_ref, s) == pytest.approx(tau2_ref, abs=1e-9)
    assert phi_ref > 1 and tau2_ref > 0   # the example is overdispersed: the test would notice a zero
    r = funnel(K, N, overdispersion="additive", scale=scale)
    assert r.phi == pytest.approx(phi_ref, abs=1e-9)
    assert r.tau2 == pytest.approx(tau2_ref, abs=1e-9)
    assert r.centre == pytest.approx(theta, abs=1e-15)


def test_adjusted_limits_match_reference_formulae():
    theta, _, _, phi, tau2 = reference_od(K, N)
    r_add = funnel(K, N, overdispersion="additive")
    r_mul = funnel(K, N, overdispersion="multiplicative")
    z998 = 3.090232306167813

    def back(angle):
        # FunnelPlotR truncates the arcsine limits where they stop being monotonic: past pi/2 the
        # upper limit is 1, below 0 the lower limit is 0
        return 1.0 if angle > math.pi / 2 else 0.0 if angle < 0 else math.sin(angle) ** 2

    capped = inside = 0
    for i, ni in enumerate(N):
        s = 1 / (2 * math.sqrt(ni))
        c = math.asin(math.sqrt(theta))
        assert r_add.points["ucl998"][i] == pytest.approx(back(c + z998 * math.sqrt(s * s + tau2)), abs=1e-9)
        assert r_add.points["lcl998"][i] == pytest.approx(back(c - z998 * math.sqrt(s * s + tau2)), abs=1e-9)
        assert r_mul.points["ucl998"][i] == pytest.approx(back(c + z998 * math.sqrt(phi) * s), abs=1e-9)
        assert r_mul.points["lcl95"][i] == pytest.approx(back(c - 1.959963984540054 * math.sqrt(phi) * s), abs=1e-9)
        capped += r_add.points["ucl998"][i] == 1.0
        inside += 0 < r_mul.points["ucl998"][i] < 1
    assert capped > 0 and inside > 0   # both branches of the truncation were exercised
    # widened: the unadjusted funnel is narrower at every trust
    r0 = funnel(K, N)
    assert (r0.points["ucl998"] < r_add.points["ucl998"]).all()
    assert r0.outliers.shape[0] >= r_add.outliers.shape[0]


def test_tau2_zero_when_not_overdispersed():
    # identical proportions: z = 0, phi = 0 < (I-1)/I
    r = funnel([10, 20, 40], [50, 100, 200], overdispersion="additive")
    assert r.phi == 0 and r.tau2 == 0
    lo, hi = funnel_limits(0.2, [50], level="95", overdispersion="multiplicative", phi=0.3)
    lo1, hi1 = funnel_limits(0.2, [50], level="95", overdispersion="multiplicative", phi=1.0)
    assert (lo[0], hi[0]) == (lo1[0], hi1[0])   # phi < 1 never narrows the funnel


def test_winsorise_keeps_units_and_clips_extremes():
    z = np.array([-10.0, -1, 0, 0.5, 1, 1.5, 2, 2.5, 3, 40])
    w = winsorise(z, 0.1)
    assert w.size == z.size
    assert w.min() > -10 and w.max() < 40
    assert np.array_equal(w[2:8], z[2:8])


# --------------------------------------------------------------------------- points, outliers, zero N

def test_zero_eligible_is_not_zero_percent():
    r = funnel([40, 0, 30, 5], [50, 0, 40, 60], ["Trust A", "Trust B", "Trust C", "Trust D"])
    row = r.points.set_index("label").loc["Trust B"]
    assert row["position"] == NO_ELIGIBLE
    assert math.isnan(row["value"]) and math.isnan(row["ucl95"])
    assert not row["outlier"]
    assert r.centre == pytest.approx(75 / 150)
    assert r.units_used == 3
    sentences = outlier_sentences(r)
    assert any(s.startswith("Trust B: no eligible letters") for s in sentences)
    assert not any("Trust B" in s and "0.0%" in s for s in sentences)


def test_outliers_named_with_side_and_meaning():
    k = [70, 72, 68, 71, 69, 20]
    n = [100] * 6
    r = funnel(k, n, [f"Trust {c}" for c in "ABCDEF"])
    assert r.outliers["label"].tolist() == ["Trust F"]
    assert r.points.set_index("label").loc["Trust F", "position"] == "below 99.8%"
    text = " ".join(outlier_sentences(r, "OD-04 compliance"))
    assert "Trust F (20/100, 20.0%) is below the 99.8% limit" in text and "worse" in text
    r = funnel(k, n, [f"Trust {c}" for c in "ABCDEF"], improvement="decrease")
    assert "better" in " ".join(outlier_sentences(r))


def test_point_on_the_limit_is_within():
    lo, hi = funnel_limits(0.5, [100], level="99.8", limits="normal")
    r = funnel([50, 50], [100, 100], limits="normal")
    assert r.points["position"].tolist() == ["within", "within"]
    # a point exactly at the upper 95% limit of a normal funnel centred on a target
    n = 400
    ucl = 0.5 + 1.959963984540054 * math.sqrt(0.25 / n)
    k = round(ucl * n)
    r = funnel([k], [n], target=k / n - 1e-15, limits="normal")
    assert r.points["position"][0] == "within"


@pytest.mark.parametrize("bad", [([5], [3]), ([-1], [3]), ([1.5], [3]), ([float("nan")], [3])])
def test_bad_counts_rejected(bad):
    with pytest.raises(ValueError):
        funnel(*bad)


def test_bad_options_rejected():
    with pytest.raises(ValueError, match="overdispersion"):
        funnel([1], [2], overdispersion="both")
    with pytest.raises(ValueError, match="scale"):
        funnel([1], [2], scale="logit")
    with pytest.raises(ValueError, match="limits"):
        funnel([1], [2], limits="poisson")


def test_curve_covers_the_denominators():
    r = funnel(K, N)
    assert r.curve["denominator"].max() >= max(N)
    assert set(N) <= set(r.curve["denominator"])
    c = r.curve.set_index("denominator")
    for ni, lo in zip(N, r.points["lcl95"]):
        assert c.loc[ni, "lcl95"] == pytest.approx(lo)
