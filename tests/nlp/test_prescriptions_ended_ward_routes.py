"""A ward-only route (syringe driver, PCA, epidural, IV) that the letter says was stopped is an inpatient-only
dose, not a stopped discharge drug; an instruction to stop is still a plan (sentences written for these tests)."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


@pytest.mark.parametrize("letter", [
    "Discharge medications:\n- Paracetamol 1g qds\n\nThe PCA (oxycodone 1mg boluses) was discontinued on day 2.\n",
    "Anticipatory medicines:\nOxycodone 10mg/1ml injection 2mg SC 2-hourly prn, 5 ampoules\n"
    "Her syringe driver with oxycodone 20mg over 24 hours was stopped on the ward.\n",
    "Course: the epidural (fentanyl infusion) was removed and stopped on day 3.\n",
])
def test_ended_ward_route_is_inpatient_only(letter):
    reasons = [d["reason"] for d in extract_letter(letter).to_dict()["distractors"]]
    assert reasons and set(reasons) == {"inpatient_only"}


def test_a_stopped_tablet_is_still_stopped():
    d = extract_letter("Discharge medications:\n- Paracetamol 1g qds\n\nWe stopped her tramadol 50mg qds (confusion).\n").to_dict()
    assert [x["reason"] for x in d["distractors"]] == ["stopped"]
