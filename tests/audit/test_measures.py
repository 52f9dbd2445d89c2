"""The programme's measures (per 100 discharges, high dose, reduced, escalation, referral prompt,
safety flags), the new subgroups, the change-idea wording and the comparison label."""
from __future__ import annotations

import math
from dataclasses import dataclass

import datetime as dt
import pytest

from audit_app.scoring import (
    compare_proportions, measure_options, programme_measures, qi_measures, qi_series, results_frame,
    score_letters, subgroup_table, summarise,
)
from audit_app.standards import StandardsConfig, default_config, evaluate_letter
from audit_app.standards.change_ideas import suggested_wording, template_for, template_table
from audit_app.standards.measures import programme_facts
from tests.standards.test_standards_auditor import co, found, letter, mst, rx


@dataclass
class Round:
    label: str
    period_start: dt.date | None = None
    discharges: int | None = None


def L(x, record=None, i=0):
    rec = {"letter_id": f"L{i}", **(record or {})}
    return {"id": i, "record": rec, "extraction": x,
            "standard_results": [r.to_dict() for r in evaluate_letter(rec, x)]}


def value(m, mid, period=None):
    row = m[m.measure_id == mid]
    if period is not None:
        row = row[row.period == period]
    return row.iloc[0]


def test_per_100_discharges_from_the_round_field():
    letters = [L(letter([rx()]), i=1), L(letter([rx(), mst()]), i=2), L(letter([]), i=3)]
    m = qi_measures([(Round("R1", discharges=200), letters)])
    starts, items = value(m, "new_starts_per_100"), value(m, "items_per_100")
    assert (starts.numerator, starts.denominator, starts.value) == (2, 200, 1.0)   # mst is continued: not a start
    assert (items.numerator, items.value) == (3, 1.5)
    kw = qi_series(m, "items_per_100")
    assert kw["values"] == [1.5] and "denominators" not in kw and kw["chart"] == "run"


def test_per_100_discharges_missing_is_not_a_zero():
    m = qi_measures([(Round("R1"), [L(letter([rx()]))])])
    row = value(m, "new_starts_per_100")
    assert math.isnan(row.value)
    assert qi_series(m, "new_starts_per_100")["values"] == []   # a round without discharges is not charted


def test_increase_counts_as_escalation_not_as_a_start():
    up = mst(status="changed", dose_change="increased", previous_dose_mg=20, ome_mg_per_day=60)
    f = programme_facts({"letter_id": "A"}, letter([up]))
    assert f["escalated"] and f["new_starts"] == 0 and f["new_items"] == 1
    assert f["referral_prompt"] == ["escalating"]
    assert f["pre_admission_ome"] == pytest.approx(40.0)


def test_high_dose_reduced_and_referral_prompt():
    high_reduced = mst(dose_change="reduced", previous_dose_mg=90, dose_mg_max=60, ome_mg_per_day=120)  # was 180
    high_same = mst(ome_mg_per_day=130)
    low = mst(ome_mg_per_day=30)
    letters = [L(letter([high_reduced]), i=1), L(letter([high_same]), i=2), L(letter([low]), i=3)]
    m = qi_measures([(Round("R1"), letters)])
    r = value(m, "high_dose_reduced")
    assert (r.numerator, r.denominator) == (1, 2)
    ref = value(m, "referral_prompt")
    assert (ref.numerator, ref.denominator) == (2, 3)   # 120 and 130 mg, not 30 mg
    h = value(m, "high_dose_120")
    assert (h.numerator, h.denominator) == (2, 3)


def test_repeat_admissions_prompt_from_the_sheet():
    f = programme_facts({"letter_id": "A", "extra": {"Admissions 12 months": "3"}}, letter([rx(ome_mg_per_day=10)]))
    assert f["referral_prompt"] == ["repeat_admissions"]
    f = programme_facts({"letter_id": "A", "extra": {"Repeat admission": "N"}}, letter([rx(ome_mg_per_day=10)]))
    assert f["referral_prompt"] == []


@pytest.mark.parametrize("x,flag", [
    (letter([rx(generic="tramadol", max_daily_dose_mg=400)], co_prescriptions=[co("sertraline", "ssri_snri")]),
     "tramadol_ssri_snri"),
    (letter([rx(generic="methadone", purpose="pain")], co_prescriptions=[co("citalopram", "qt_prolonging")]), "methadone_qt"),
    (letter([rx(generic="codeine", formulation="combination", text="Co-codamol 30/500 two tablets QDS")],
            co_prescriptions=[co("paracetamol", "paracetamol")]), "paracetamol_duplicated"),
    (letter([rx(generic="tramadol", max_daily_dose_mg=600)]), "above_licensed_max"),
])
def test_safety_flags(x, flag):
    flags = [f["flag"] for f in programme_facts({"letter_id": "A"}, x)["safety_flags"]]
    assert flags == [flag]
    m = qi_measures([(Round("R1"), [L(x)])])
    assert value(m, f"flag_{flag}").numerator == 1


@pytest.mark.parametrize("x", [
    letter([rx(generic="tramadol", max_daily_dose_mg=400)], co_prescriptions=[co("sertraline", "ssri_snri", status="stopped")]),
    letter([rx(generic="codeine", formulation="IR", text="Codeine 30 mg QDS")], co_prescriptions=[co("paracetamol", "paracetamol")]),
    letter([rx(generic="oxycodone", max_daily_dose_mg=600)]),   # no ceiling dose for oxycodone
])
def test_no_safety_flag(x):
    assert programme_facts({"letter_id": "A"}, x)["safety_flags"] == []


def test_every_programme_measure_is_in_the_options_and_charts():
    cfg = default_config()
    opts = measure_options(cfg)
    for mid in programme_measures(cfg):
        assert mid in opts
    m = qi_measures([(Round(f"R{i}", discharges=100), [L(letter([rx()]), i=i)]) for i in range(3)])
    assert set(programme_measures(cfg)) <= set(m.measure_id)


def test_subgroups_for_ethnicity_mental_health_and_substance_misuse():
    letters = []
    for i in range(12):
        rec = {"extra": {"Ethnic group": "White British" if i < 7 else "Asian",
                         "Mental health diagnosis (Y/N)": "Y" if i % 2 else "N", "Substance misuse?": "?"}}
        x = letter(weaning_plan=found("stop in 5 days")) if i % 3 else letter()
        letters.append(L(x, rec, i))
    df = results_frame(letters)
    t = subgroup_table(df, "ethnicity")
    od04 = t[t.standard_id == "OD-04"]
    assert set(od04.group) == {"White British", "Asian"}
    assert od04[od04.group == "Asian"].iloc[0]["display"].endswith("(suppressed)")   # 5 letters, 1 not met: small
    assert set(subgroup_table(df, "mental_health").group) == {"yes", "no"}
    assert subgroup_table(df, "substance_misuse").empty   # every answer unknown


def test_excluded_text_in_words():
    letters = [L(letter([mst()]), i=1), L(letter([]), i=2), L(letter(), i=3)]
    s = summarise(results_frame(letters))
    text = s[s.standard_id == "OD-04"].iloc[0]["excluded_text"]
    assert "LTOT" not in text and "NO_OPIOID" not in text
    assert "Long-term opioid, unchanged" in text and "No opioid on the letter" in text
    assert s[s.standard_id == "OD-04"].iloc[0]["excluded"] == {"LTOT": 1, "NO_OPIOID": 1}   # codes kept for machines


def test_comparison_limit_close_to_zero_is_not_shown_as_zero():
    c = compare_proportions(12, 30, 5, 30, measure="Weaning plan")
    assert c.ci_high < 0 and c.interpretation.startswith("Deterioration")
    assert "to 0)" not in c.sentence and "to -0.5)" in c.sentence
    c = compare_proportions(10, 30, 10, 30, measure="Weaning plan")
    assert c.interpretation.startswith("No clear difference")


# ------------------------------------------------------------------------------- change ideas

def test_wording_filled_with_the_letters_drug_and_days():
    x = letter([rx(text="Oxycodone 5 mg QDS PRN")])
    res = evaluate_letter({"letter_id": "A"}, x)
    lines = {w["standard_id"]: w["text"] for w in suggested_wording(x, res)}
    assert {"OD-03", "OD-04", "OD-08"} <= set(lines)
    assert "oxycodone 5 mg" in lines["OD-03"] and "7 days" in lines["OD-03"]
    assert "do not add to repeat" in lines["OD-08"]
    assert "{" not in " ".join(lines.values())


def test_no_wording_for_standards_that_are_met():
    x = letter(weaning_plan=found("stop by day 5"), gp_instruction=found("GP: do not add to repeat"))
    res = evaluate_letter({"letter_id": "A"}, x)
    assert not {w["standard_id"] for w in suggested_wording(x, res)} & {"OD-03", "OD-04", "OD-08"}


def test_trust_template_overrides_default_and_is_checked():
    cfg = default_config().with_changes(templates={"OD-04": "{drug}: stop within {days} days (Ward 7 template)"})
    assert template_for(cfg, "OD-04").endswith("(Ward 7 template)")
    back = StandardsConfig.from_dict(cfg.to_dict())
    assert back.templates == cfg.templates
    assert template_for(cfg.with_changes(templates={"OD-04": ""}), "OD-04") == template_for(default_config(), "OD-04")
    with pytest.raises(ValueError, match="unknown placeholder"):
        default_config().with_changes(templates={"OD-04": "stop {drg}"})
    with pytest.raises(ValueError, match="unknown standard"):
        StandardsConfig.from_dict({"templates": {"OD-99": "x"}})


def test_template_table_with_round_compliance():
    letters = [L(letter(), i=1), L(letter(weaning_plan=found("stop in 5 days")), i=2)]
    s = summarise(results_frame(letters))
    rows = {r["standard_id"]: r for r in template_table(default_config(), s)}
    assert rows["OD-04"]["compliance"] == "50% (1/2)"
    assert "oxycodone 5 mg" in rows["OD-04"]["example"]


# ------------------------------------------------------------------------------- round discharges

def test_round_discharges_are_stored_and_feed_the_rate(store):
    from audit_app.store.database import StoreError

    t = store.create_trust("Trust D")
    rid = store.save_round(t.id, "R1", [{"letter_id": "A", "record": {"letter_id": "A"}, "extraction": letter([rx()]),
                                        "standard_results": []}])
    assert store.get_round(rid).discharges is None
    store.update_round(rid, discharges="250")
    rnd = store.get_round(rid)
    assert rnd.discharges == 250
    m = qi_measures([(rnd, store.letters(rid))])
    assert value(m, "new_starts_per_100").value == pytest.approx(0.4)
    with pytest.raises(StoreError, match="whole number"):
        store.update_round(rid, discharges="lots")
    with pytest.raises(StoreError, match="whole number"):
        store.update_round(rid, discharges=-3)
    assert store.get_round(rid).discharges == 250   # a bad value changes nothing
    store.update_round(rid, discharges="")
    assert store.get_round(rid).discharges is None


def test_a_round_with_local_standards_on_saves_on_every_database(store):
    """OD-15's population code once exceeded the results column (PostgreSQL refused the round)."""
    cfg = default_config().with_changes(enable={"OD-15": True, "OD-17": True})
    x = letter([rx(prn=True)])
    results = [r.to_dict() for r in evaluate_letter({"letter_id": "A"}, x, cfg)]
    assert any(r["exclusion_code"] == "NO_REGULAR_STRONG" for r in results)
    t = store.create_trust("Trust E")
    rid = store.save_round(t.id, "R1", [{"letter_id": "A", "record": {"letter_id": "A"}, "extraction": x,
                                        "standard_results": results}])
    assert store.get_round(rid).n_letters == 1
