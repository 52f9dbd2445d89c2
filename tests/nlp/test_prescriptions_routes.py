"""Routes and products outside the oral core: subcutaneous anticipatory doses, syringe drivers on discharge,
opioid substitution treatment, and the source of every OME factor. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import opioids


SUBCUT = [
    # (line, generic, dose_max, freq, prn, factor)
    ("Morphine sulfate 10mg/1ml injection 2.5-5mg SC four-hourly if required (just in case)", "morphine", 5, 6, True, 2),
    ("Oxycodone 10mg/ml injection 1-2mg s/c 2 hourly prn pain", "oxycodone", 2, 12, True, 3),
    ("Diamorphine 5mg subcut hourly when required for pain", "diamorphine", 5, 24, True, None),
    ("Morphine 20mg over 24 hours via syringe driver (CSCI)", "morphine", 20, 1, False, 2),
]


@pytest.mark.parametrize("line,generic,dose,freq,prn,factor", SUBCUT)
def test_subcutaneous_doses_on_discharge(line, generic, dose, freq, prn, factor):
    text = f"Anticipatory medicines on discharge:\n- {line}\n"
    ops = opioids(text)
    assert len(ops) == 1, ops
    o = ops[0]
    assert (o["generic"], o["route"], o["formulation"]) == (generic, "subcutaneous", "liquid")
    assert (o["dose_mg_max"], o["frequency_per_day_max"], o["prn"]) == (dose, freq, prn)
    if factor is not None:
        assert o["ome_factor"] == pytest.approx(factor)
    assert o["ome_factor_source"]


def test_syringe_driver_in_the_hospital_course_is_inpatient_only():
    d = extract_letter("Summary:\nHe needed a syringe driver with morphine 10mg over 24 hours for two days.\n"
                       "TTO:\n- Paracetamol 1g qds\n").to_dict()
    assert d["opioids"] == []
    assert [x["reason"] for x in d["distractors"]] == ["inpatient_only"]


SUBSTITUTION = [
    ("Discharge medications:\n- Methadone 1mg/ml oral solution 60ml once daily (supervised consumption, community drug service)\n",
     "methadone", "substitution"),
    ("Discharge medications:\n- Buprenorphine 8mg sublingual tablets 16mg once daily for opioid dependence\n",
     "buprenorphine", "substitution"),
    ("Discharge medications:\n- Buprenorphine 200 micrograms sublingual tablets 200-400 micrograms tds prn for pain\n",
     "buprenorphine", "pain"),
    ("Discharge medications:\n- Methadone 5mg tablets 5mg bd for neuropathic cancer pain (palliative care advice)\n",
     "methadone", "pain"),
]


@pytest.mark.parametrize("letter,generic,purpose", SUBSTITUTION)
def test_substitution_vs_pain(letter, generic, purpose):
    d = extract_letter(letter).to_dict()
    o = d["opioids"][0]
    assert (o["generic"], o["purpose"]) == (generic, purpose)
    if purpose == "substitution":
        assert o["ome_mg_per_day"] is None and o["ome_flag"]
        assert "high_dose_120_ome" not in d["risk_flags"] and "high_dose_90_ome" not in d["risk_flags"]


def test_every_item_has_a_factor_source_or_a_flag():
    text = ("Discharge medications:\n- Oxycodone 5mg qds prn\n- Fentanyl 25 micrograms/hour patch every 72 hours\n"
            "- Methadone 1mg/ml 10ml od\n- Co-codamol 30/500 2 tabs qds\n")
    for o in opioids(text):
        assert o["ome_factor_source"]
        assert (o["ome_factor"] is not None) != bool(o["ome_flag"] and o["ome_mg_per_day"] is None)
