"""nlp.evaluate: OME within 10%, high-dose verdicts, error classes, and no letter text in the printed report."""
from __future__ import annotations

import copy
import json

import pytest

from nlp.evaluate import classify_miss, evaluate, main, ome_within

LETTER = ("Discharge medications:\n- Zomorph 60mg capsules one twice a day for back pain\n"
          "Plan: GP please review and reduce the Zomorph over 4 weeks.\n")
GOLD = {"id": "T-1", "scenario": "acute_new", "letter_style": "structured", "weaning_plan": {"present": True, "text": "GP please review and reduce the Zomorph over 4 weeks."},
        "gp_instruction": {"present": True, "text": "GP please review and reduce the Zomorph over 4 weeks."},
        "indication_documented": True, "risk_flags": ["high_dose_120_ome", "mr_opioid_for_acute_pain"], "distractors": [],
        "ome_max_mg_per_day": 120.0, "ome_regular_mg_per_day": 120.0, "patient_age": None,
        "opioids": [{"text": "Zomorph 60mg capsules one twice a day for back pain", "generic": "morphine", "brand": "Zomorph",
                     "formulation": "MR", "route": "oral", "strength_mg": 60.0, "strength_mcg_per_hour": None,
                     "dose_mg_min": 60.0, "dose_mg_max": 60.0, "frequency_per_day_max": 2, "prn": False,
                     "max_daily_dose_mg": 120.0, "duration_days": None, "supply_days": None, "supply_quantity": None,
                     "new_on_admission": None}]}


@pytest.mark.parametrize("gold, pred, ok", [(100, 109.9, True), (100, 111, False), (0, 0, True), (0, None, True), (50, None, False)])
def test_ome_within(gold, pred, ok):
    assert ome_within(gold, pred) is ok


def test_verdicts_and_thresholds_on_a_wrong_total():
    rec = {"id": "T-1", "text": LETTER, "gold": GOLD}
    rep = evaluate([rec])
    assert rep["ome"]["within_10pct_rate"] == 1.0 and rep["ome"]["wrong_verdicts_120"] == 0
    wrong = copy.deepcopy(GOLD)
    wrong["ome_max_mg_per_day"] = 60.0
    rep = evaluate([{"id": "T-1", "text": LETTER, "gold": wrong}])
    assert rep["ome"]["within_10pct_rate"] == 0.0
    assert rep["ome"]["wrong_verdicts_120"] == 1 and rep["ome"]["wrong_verdict_ids_120"] == ["T-1"]
    assert rep["thresholds"]["wrong_120_verdicts_max"]["pass"] is False
    assert "ome_total" in rep["error_classes"]


@pytest.mark.parametrize("miss, cls", [
    ({"field": "weaning_plan", "expected": True, "predicted": False}, "gp_weaning_phrasing"),
    ({"field": "dose_mg_max", "expected": 60.0, "predicted": 30.0, "generic": "morphine"}, "tablet_counts"),
    ({"field": "risk_flag:age_over_65", "expected": True, "predicted": False}, "age_dates"),
    ({"field": "new_on_admission", "expected": True, "predicted": False, "generic": "morphine"}, "status"),
    ({"field": "route", "expected": "subcutaneous", "predicted": "oral", "generic": "morphine"}, "routes"),
])
def test_classify_miss(miss, cls):
    assert classify_miss({"id": "T-1", **miss}, GOLD) == cls


def test_misspelt_prescription_is_a_misspelling():
    gold = copy.deepcopy(GOLD)
    gold["opioids"][0]["text"] = "Zomorf 60mg capsules one twice a day"
    assert classify_miss({"id": "T-1", "field": "prescription_missed", "expected": "morphine MR", "predicted": None}, gold) == "misspellings"


def test_printed_report_has_no_letter_text(tmp_path, capsys):
    gold = copy.deepcopy(GOLD)
    gold["weaning_plan"] = {"present": False, "text": None}
    gold["gp_instruction"] = {"present": False, "text": None}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": "T-1", "text": LETTER, "gold": gold}) + "\n", encoding="utf-8")
    main([str(path), "--misses", "50"])
    out = capsys.readouterr().out
    assert "weaning_plan" in out and "errors by class" in out
    assert "reduce the Zomorph" not in out and "back pain" not in out
