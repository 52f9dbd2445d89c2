"""Status from switches and prose lead-ins: the drug switched or converted TO is new (and the prescription), the
one switched FROM is not; a status lead-in belongs to the drug it introduces, not to the one before it; a
'Restarted' status is a pre-existing medicine. Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = "Dear Dr Example,\n\nMr A Example went home on 04/04/2026.\n\n"


@pytest.mark.parametrize("body, generic, new", [
    ("His codeine was not helping, so we switched it to morphine MR 10 mg twice a day for pain.", "morphine", True),
    ("We changed her over from tramadol to tapentadol MR 50 mg twice daily.", "tapentadol", True),
    ("Because of his kidneys we converted him to oxycodone MR 10 mg twice daily, from morphine.", "oxycodone", True),
    ("She was rotated onto hydromorphone 1.3 mg capsules four times a day when required for pain.", "hydromorphone", True),
])
def test_the_drug_switched_to_is_the_new_prescription(body, generic, new):
    ex = extract_letter(HEAD + body + "\n")
    assert [rx.generic for rx in ex.opioids] == [generic]
    assert ex.opioids[0].new_on_admission is new


@pytest.mark.parametrize("body, expected", [
    ("Her morphine MR 20 mg twice daily, which we did not change, continues; we added oxycodone 5 mg capsules "
     "up to four times a day when required for pain.", {"morphine": False, "oxycodone": True}),
    ("He takes his usual codeine 30 mg four times a day and we have also started morphine MR 10 mg twice daily.",
     {"codeine": False, "morphine": True}),
])
def test_a_status_lead_in_belongs_to_the_next_drug(body, expected):
    ex = extract_letter(HEAD + body + "\n")
    assert {rx.generic: rx.new_on_admission for rx in ex.opioids} == expected


def test_restarted_status_cell_is_a_pre_existing_medicine():
    text = (HEAD + "Drug | Dose | Frequency | Status\n"
            "Oxycodone 5 mg capsules | 5 mg | four times a day when required for pain | Restarted\n")
    ex = extract_letter(text)
    assert [(rx.generic, rx.new_on_admission) for rx in ex.opioids] == [("oxycodone", False)]


def test_an_opioid_taken_before_admission_makes_the_letter_chronic():
    body = ("On admission she was taking morphine MR 30 mg twice daily and Oramorph 10 mg/5 ml 5 mg up to six times "
            "a day. We have converted her to oxycodone MR 20 mg twice daily (new) and Oramorph 10 mg/5 ml 5 mg up to "
            "four times a day when required for pain.")
    ex = extract_letter(HEAD + body + "\n")
    status = {(rx.generic, rx.formulation): rx.new_on_admission for rx in ex.opioids}
    assert status == {("oxycodone", "MR"): True, ("morphine", "liquid"): False}
    assert ex.scenario == "chronic_preexisting"
    assert "mr_opioid_for_acute_pain" not in ex.risk_flags


@pytest.mark.parametrize("body, old", [
    ("We switched her from codeine to morphine MR 10 mg twice a day for pain.", "codeine"),
    ("He was converted from his usual tramadol to tapentadol MR 50 mg twice daily.", "tramadol"),
])
def test_the_drug_switched_from_is_stopped(body, old):
    ex = extract_letter(HEAD + body + "\n")
    assert len(ex.opioids) == 1 and ex.opioids[0].generic != old
    assert (old, "stopped") in [(d.generic, d.reason) for d in ex.distractors]
