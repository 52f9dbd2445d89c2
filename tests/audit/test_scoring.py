"""Scoring: intervals against known values, summaries, subgroups with suppression, comparisons, QI measures."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from audit_app.scoring import (
    compare_proportions, compare_summaries, fmt_pct, newcombe_interval, qi_measures, qi_series,
    results_frame, round_half_up, score_letters, subgroup_table, summarise, wilson_interval, age_band,
)
from audit_app.standards import default_config

Z = 1.959963984540054


# ---------------------------------------------------------------------------------- Wilson

def test_wilson_zero_of_n_by_formula():
    # k = 0: lower 0, upper z^2 / (n + z^2)
    for n in (1, 5, 10, 40):
        lo, hi = wilson_interval(0, n)
        assert lo == 0.0
        assert hi == pytest.approx(Z**2 / (n + Z**2), abs=1e-12)
    assert wilson_interval(0, 10)[1] == pytest.approx(0.2775, abs=5e-5)


def test_wilson_n_of_n_by_formula():
    for n in (1, 5, 10, 40):
        lo, hi = wilson_interval(n, n)
        assert hi == 1.0
        assert lo == pytest.approx(n / (n + Z**2), abs=1e-12)
    assert wilson_interval(10, 10)[0] == pytest.approx(0.7225, abs=5e-5)


@pytest.mark.parametrize("k,n,lo,hi", [
    (81, 263, 0.2553, 0.3662),   # Newcombe 1998 (Stat Med 17:857) Table I examples
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (1, 2, 0.0945, 0.9055),      # small n, symmetric
])
def test_wilson_known_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5) and got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_small_n_by_hand():
    # 1/2: p = .5, centre .5, half = z/(1+z^2/2) * sqrt(.25/2 + z^2/16)
    half = Z / (1 + Z**2 / 2) * math.sqrt(0.125 + Z**2 / 16)
    assert wilson_interval(1, 2) == pytest.approx((0.5 - half, 0.5 + half))


def test_wilson_edge_cases():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@settings(max_examples=200, deadline=None)
def test_wilson_contains_p_and_stays_in_0_1(kn):
    k, n = kn
    if n == 0:
        return
    lo, hi = wilson_interval(k, n)
    assert 0 <= lo <= k / n <= hi <= 1


# ---------------------------------------------------------------------------------- Newcombe

@pytest.mark.parametrize("k1,n1,k2,n2,lo,hi", [
    # Newcombe 1998 (Stat Med 17:873) Table II, method 10
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
])
def test_newcombe_table_ii(k1, n1, k2, n2, lo, hi):
    d, l, h = newcombe_interval(k1, n1, k2, n2)
    assert d == pytest.approx(k1 / n1 - k2 / n2)
    assert l == pytest.approx(lo, abs=5e-5) and h == pytest.approx(hi, abs=5e-5)


def test_newcombe_is_antisymmetric():
    d, lo, hi = newcombe_interval(14, 40, 25, 40)
    d2, lo2, hi2 = newcombe_interval(25, 40, 14, 40)
    assert d == pytest.approx(-d2) and lo == pytest.approx(-hi2) and hi == pytest.approx(-lo2)


# ---------------------------------------------------------------------------------- wording

def test_comparison_wording_rounds():
    c = compare_proportions(14, 40, 25, 40, measure="Weaning plan documented")
    assert c.sentence == ("Weaning plan documented rose from 35% (14/40) to 63% (25/40), "
                          "a difference of 28 percentage points (95% CI 6 to 46).")
    assert c.difference == pytest.approx(0.275)
    assert c.interpretation.startswith("Improvement")
    down = compare_proportions(25, 40, 14, 40, measure="Weaning plan documented")
    assert down.sentence.startswith("Weaning plan documented fell from 63% (25/40) to 35% (14/40), "
                                    "a difference of -28 percentage points (95% CI -46 to -6)")
    assert down.interpretation.startswith("Deterioration")
    same = compare_proportions(10, 20, 20, 40, measure="GP action")
    assert "unchanged at 50%" in same.sentence and same.interpretation.startswith("No clear")


def test_comparison_wording_trusts_and_direction():
    c = compare_proportions(4, 40, 1, 40, measure="New patch", name1="Trust A", name2="Trust B",
                            kind="trusts", direction="lower")
    assert c.sentence.startswith("New patch was 10% (4/40) at Trust A and 3% (1/40) at Trust B, a difference of -8")
    assert "Lower is better" in c.interpretation
    empty = compare_proportions(0, 0, 3, 10, measure="X")
    assert "cannot be compared" in empty.sentence


def test_rounding_is_half_up():
    assert fmt_pct(0.625) == "63%" and fmt_pct(0.125) == "13%" and fmt_pct(0.0) == "0%"
    assert round_half_up(27.5) == 28 and round_half_up(-27.5) == -28


# ---------------------------------------------------------------------------------- summaries

def _res(sid, outcome, code=None, reason=None, item=None):
    return {"standard_id": sid, "outcome": outcome, "exclusion_code": code, "reason": reason,
            "evidence": [{"source": "auditor", "field": "x", "value": 1}], "item_index": item}


def make_letters(spec, **record):
    """spec: list of (outcome for OD-04, outcome for OD-07); each a letter."""
    letters = []
    for i, (o4, o7) in enumerate(spec):
        rs = []
        for sid, o in (("OD-04", o4), ("OD-07", o7)):
            if o in ("met", "not_met"):
                rs.append(_res(sid, o))
            elif o == "na":
                rs.append(_res(sid, "not_assessable", reason="MISSING"))
            else:
                rs.append(_res(sid, "not_applicable", code=o))
        rec = {"letter_id": f"L{i}", **{k: (v[i] if isinstance(v, list) else v) for k, v in record.items()}}
        letters.append({"id": i + 1, "letter_key": f"k{i}", "record": rec, "standard_results": rs})
    return letters


CFG = default_config().with_changes(enable={s: False for s in default_config().enabled_ids()
                                            if s not in ("OD-04", "OD-07")})


def test_summary_counts_ci_and_target():
    spec = [("met", "met")] * 14 + [("not_met", "not_met")] * 26 + [("LTOT", "LTOT")] * 3 + \
           [("PALL", "PALL")] * 2 + [("na", "na")] * 5
    s = summarise(results_frame(make_letters(spec)), CFG).set_index("standard_id")
    od4 = s.loc["OD-04"]
    assert (od4.numerator, od4.denominator, od4.not_assessable, od4.excluded_total) == (14, 40, 5, 5)
    assert od4.excluded == {"LTOT": 3, "PALL": 2}
    lo, hi = wilson_interval(14, 40)
    assert od4.pct == pytest.approx(35.0) and od4.ci_low_pct == pytest.approx(100 * lo)
    assert od4.ci_high_pct == pytest.approx(100 * hi)
    assert od4.target_met == False and od4.target_pct == 100  # noqa: E712
    # OD-07: lower is better, the numerator counts 'not met' (letters with a new patch)
    od7 = s.loc["OD-07"]
    assert (od7.numerator, od7.denominator) == (26, 40) and od7.direction == "lower" and od7.target_met == False  # noqa: E712
    none = summarise(results_frame(make_letters([("met", "met")] * 3)), CFG).set_index("standard_id")
    assert none.loc["OD-07"].numerator == 0 and none.loc["OD-07"].target_met == True  # noqa: E712
    assert none.loc["OD-04"].target_met == True  # noqa: E712


def test_summary_target_from_config_and_empty():
    cfg = CFG.with_changes(targets={"OD-04": 30})
    s = summarise(results_frame(make_letters([("met", "met"), ("not_met", "met"), ("not_met", "met")])), cfg)
    assert bool(s.set_index("standard_id").loc["OD-04"].target_met) is True  # 33% >= 30%
    e = summarise(results_frame([]), cfg)
    assert list(e["denominator"]) == [0, 0] and e["target_met"].isna().all()


def test_rate_for_population_standards():
    letters = [{"id": 1, "record": {"letter_id": "a"}, "standard_results": [_res("OD-10", "met")]},
               {"id": 2, "record": {"letter_id": "b"}, "standard_results": [_res("OD-10", "not_assessable", reason="MISSING_JUSTIFICATION")]},
               {"id": 3, "record": {"letter_id": "c"}, "standard_results": [_res("OD-10", "not_applicable", "NO_BZD")]},
               {"id": 4, "record": {"letter_id": "d"}, "standard_results": [_res("OD-10", "not_applicable", "NO_BZD")]},
               {"id": 5, "record": {"letter_id": "e"}, "standard_results": [_res("OD-10", "not_assessable", reason="POPULATION_UNKNOWN")]}]
    s = summarise(results_frame(letters)).set_index("standard_id").loc["OD-10"]
    assert (s.rate_numerator, s.rate_denominator) == (2, 4) and s.rate_pct == 50


# ---------------------------------------------------------------------------------- subgroups

def test_age_bands():
    assert [age_band(a) for a in (5, 17, 18, 64, 65, 74, 75, 99, None, "x")] == \
        ["<18", "<18", "18-64", "18-64", "65-74", "65-74", ">=75", ">=75", None, None]


def test_subgroup_suppression_never_shows_small_counts():
    # F: 12 met / 20 ; M: 3 met / 18 (small numerator) ; unknown sex: 2 letters
    spec = [("met", "met")] * 12 + [("not_met", "met")] * 8 + [("met", "met")] * 3 + [("not_met", "met")] * 15 + \
           [("met", "met")] * 2
    sex = ["F"] * 20 + ["M"] * 18 + [None] * 2
    t = subgroup_table(results_frame(make_letters(spec, sex=sex)), "sex", CFG)
    od4 = t[t.standard_id == "OD-04"].set_index("group")
    assert od4.loc["F", "numerator"] == "12" and od4.loc["F", "denominator"] == "20"
    assert od4.loc["F", "pct"] == pytest.approx(60)
    assert od4.loc["M", "numerator"] == "<5" and bool(od4.loc["M", "suppressed"]) and math.isnan(od4.loc["M", "pct"])
    assert od4.loc["unknown", "denominator"] == "<5" and od4.loc["unknown", "numerator"] == "<5"
    # OD-07 F/M/unknown: all met -> 'not met' counts 0 -> suppressed; the complement is small too
    flat = t.astype(str).to_numpy().ravel().tolist()
    for small in ("1", "2", "3", "4"):
        assert small not in [x for x in t["numerator"]] and small not in [x for x in t["denominator"]]
    assert any("<5" in x for x in flat)


def test_subgroup_complementary_suppression():
    # two groups; only one would be suppressed -> the other is suppressed too (total would reveal it)
    spec = [("met", "met")] * 10 + [("not_met", "met")] * 10 + [("met", "met")] * 3 + [("not_met", "met")] * 10
    t = subgroup_table(results_frame(make_letters(spec, sex=["F"] * 20 + ["M"] * 13)), "sex", CFG)
    od4 = t[t.standard_id == "OD-04"].set_index("group")
    assert bool(od4.loc["M", "suppressed"]) and bool(od4.loc["F", "suppressed"])


def test_subgroup_age_band_and_imd_from_decile():
    spec = [("met", "met")] * 30
    letters = make_letters(spec, age=[30] * 10 + [70] * 10 + [80] * 10)
    t = subgroup_table(results_frame(letters), "age_band", CFG)
    assert list(t[t.standard_id == "OD-04"]["group"]) == ["18-64", "65-74", ">=75"]
    letters = make_letters(spec, extra=[{"IMD decile": d} for d in [1, 2, 3] * 10])
    f = results_frame(letters)
    assert sorted(f["imd_quintile"].unique()) == [1, 2]
    assert subgroup_table(results_frame(make_letters(spec)), "imd_quintile", CFG).empty
    with pytest.raises(ValueError):
        subgroup_table(f, "ward", CFG)


# ---------------------------------------------------------------------------------- compare summaries, QI

def test_compare_summaries():
    r1 = summarise(results_frame(make_letters([("met", "met")] * 14 + [("not_met", "met")] * 26)), CFG)
    r2 = summarise(results_frame(make_letters([("met", "met")] * 25 + [("not_met", "met")] * 15)), CFG)
    c = compare_summaries(r1, r2, "Round 1", "Round 2").set_index("standard_id")
    assert c.loc["OD-04", "sentence"] == ("Weaning / stopping plan documented rose from 35% (14/40) to 63% (25/40), "
                                          "a difference of 28 percentage points (95% CI 6 to 46).")
    assert c.loc["OD-04", "difference_pp"] == pytest.approx(27.5)


def _opioid_letter(i, date, ome, weaning):
    item = {"generic": "oxycodone", "formulation": "MR" if i % 4 == 0 else "IR", "new_on_admission": True,
            "ome_mg_per_day": ome}
    ext = {"opioids": [item], "weaning_plan": {"present": weaning}, "ome_total_mg_per_day": ome}
    rec = {"letter_id": f"L{i}", "discharge_date": date.isoformat()}
    return {"id": i, "record": rec, "extraction": ext, "text": None}


def test_qi_measures_per_round_and_month_feed_spc():
    import qi.spc
    rounds = []
    for r in range(3):
        letters = [_opioid_letter(i, dt.date(2026, 1 + r, 1 + i % 28), 30 + 10 * i, i % 2 == 0) for i in range(20)]
        for lt, res in zip(letters, score_letters(letters).values()):
            lt["standard_results"] = res
        rounds.append((f"Round {r + 1}", letters))
    m = qi_measures(rounds)
    od4 = m[m.measure_id == "OD-04"]
    assert list(od4["period"]) == ["Round 1", "Round 2", "Round 3"]
    assert list(od4["numerator"]) == [10, 10, 10] and list(od4["denominator"]) == [20, 20, 20]
    med = m[m.measure_id == "median_ome"].iloc[0]
    assert med["value"] == pytest.approx(pd.Series([30 + 10 * i for i in range(20)]).median())
    hd = m[m.measure_id == "high_dose_90"].iloc[0]
    assert (hd["numerator"], hd["denominator"]) == (sum(1 for i in range(20) if 30 + 10 * i >= 90), 20)
    mr = m[m.measure_id == "new_mr"].iloc[0]
    assert (mr["numerator"], mr["denominator"]) == (5, 20)
    assert set(m.measure_id) >= {"high_dose_120", "OD-07"}
    assert qi_series(m, "OD-04")["chart"] == "run"  # fewer than 12 points: run chart
    res = qi.spc.analyse(**qi_series(m, "OD-04"))
    assert len(res.points) == 3
    res = qi.spc.analyse(**qi_series(m, "median_ome"))
    assert len(res.points) == 3
    monthly = qi_measures(rounds, period="month")
    assert list(monthly[monthly.measure_id == "OD-04"]["period"]) == ["2026-01", "2026-02", "2026-03"]
    weekly = qi_measures(rounds, period="week")
    assert len(weekly[weekly.measure_id == "OD-04"]) > 3
    with pytest.raises(ValueError):
        qi_measures(rounds, period="year")


def test_qi_series_uses_p_chart_from_12_points():
    rows = [[f"R{i}", None, "OD-04", "Weaning", "proportion", 5, 10, 50.0, "%", "p", "increase", 100]
            for i in range(12)]
    from audit_app.scoring import QI_COLUMNS
    m = pd.DataFrame(rows, columns=QI_COLUMNS)
    kw = qi_series(m, "OD-04")
    assert kw["chart"] == "p" and kw["target"] == 1.0 and kw["values"][0] == 5 and kw["denominators"][0] == 10
    assert qi_series(m.iloc[:11], "OD-04")["chart"] == "run"
