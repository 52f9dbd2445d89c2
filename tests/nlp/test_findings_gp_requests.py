"""GP requests written as conditional politeness ("if you could", "I wonder whether you"), dose-change and avoidance
actions ("do not alter", "avoid further"), a practice addressed in a heading with a request after it, and past forms
of wean words ("tailed off"). Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Dihydrocodeine 30mg tablets 1 tablet every 6 hours when required for pain (20 tablets)\n"


def _read(plan: str):
    ex = extract_letter(TTO + "\n" + plan + "\n")
    assert ex.opioids
    return ex


GP_REQUESTS = [
    ("It would be very helpful if you could check that the dihydrocodeine has been stopped by his clinic visit.", True),
    ("I wondered whether you might be kind enough to review her dihydrocodeine next week.", True),
    ("If you are able to review the dihydrocodeine after a fortnight that would be much appreciated.", True),
    ("Please do not alter the dihydrocodeine dose without speaking to the pain team.", True),
    ("We would be grateful if the surgery could avoid further dihydrocodeine once the fracture has healed.", True),
    ("Please adjust the dihydrocodeine to twice daily if she is drowsy.", True),
    ("GP practice: please do not increase the dihydrocodeine without discussion with us.", True),
    # negatives: the practice as an address line, routine care, another drug, no request
    ("GP practice: Meadowbank Surgery, 4 High Street", False),
    ("The district nurses will change the dressing every 72 hours.", False),
    ("If you could check her potassium in a week that would be helpful.", False),
    ("Please avoid NSAIDs because of her kidneys.", False),
    ("She wondered whether the dihydrocodeine caused her constipation.", False),
]


@pytest.mark.parametrize("plan, gp", GP_REQUESTS)
def test_conditional_and_dose_change_requests(plan, gp):
    assert _read(plan).gp_instruction.present is gp


WEAN_FORMS = [
    ("Plan: dihydrocodeine to be tailed off over the next week.", True),
    ("Plan: the dihydrocodeine tails off as the pain settles, then stops.", True),
    ("Plan: wound review in clinic; the pain has tailed off already.", False),
]


@pytest.mark.parametrize("plan, wean", WEAN_FORMS)
def test_tailed_off(plan, wean):
    assert _read(plan).weaning_plan.present is wean
