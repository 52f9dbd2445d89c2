"""Classes of plan, GP-instruction and indication phrasing found missing by the first-contact gold sets of session 5
(fresh3/fresh4). Every sentence here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Oxycodone 5mg capsules 5mg every 4 hours when required for pain (20 capsules)\n" \
      "- Omeprazole 20mg od\n"


def _read(plan: str, heading: str = "Plan:"):
    ex = extract_letter(TTO + "\n" + heading + "\n" + plan + "\n")
    assert ex.opioids
    return ex


LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a fractured wrist, fixed in theatre. She goes home on oxycodone "
          "5mg capsules, one every 4 hours when required for pain, 20 capsules, and omeprazole 20mg od.\n\n")


# A request to the GP that refers back to the opioid's plan stated just before it ("supervise the taper", "GP to
# monitor the reduction") is about that opioid, though it does not name it again.
PLAN_REFERENCES = [
    ("The oxycodone should come off once the wrist settles. We would be grateful if you could supervise the plan.", True),
    ("The oxycodone is to be reduced to 5mg at night after a week. Could you supervise the reduction for us?", True),
    ("Oxycodone: wean over the next 10 days and stop.\nGP kindly monitor the taper + review at 2/52.", True),
    ("The oxycodone should be tapered off over a fortnight. We would be grateful if you could monitor the reduction.",
     True),
    # near misses: no plan just before, a blank line between, or a request about something else
    ("She is comfortable on the ward. We would be grateful if you could supervise this plan.", False),
    ("The oxycodone should come off once the wrist settles.\n\nWe would be grateful if you could check her U&Es.", False),
    ("The oxycodone is to be reduced to 5mg at night after a week. Could you check her blood pressure too?", False),
]


@pytest.mark.parametrize("prose, gp", PLAN_REFERENCES)
def test_a_request_referring_back_to_the_plan_is_a_gp_instruction(prose, gp):
    ex = extract_letter(LETTER + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.gp_instruction.present is gp


# A "please" under a heading that addresses the patient ("Advice for the patient", "Your medicines") or another team
# ("Plan for the ward team", "Handover to the rehab unit") is a request to them, not an instruction to the GP.
OTHER_RECIPIENTS = [
    ("ADVICE FOR THE PATIENT", "Please stop the oxycodone after four days and use paracetamol instead.", False),
    ("Your medicines", "You are going home with oxycodone. Please reduce it to 5mg at night after 3 days.", False),
    ("Plan for the community hospital team", "- Please review the oxycodone after one week and stop it if settled.", False),
    ("Handover to the rehab unit:", "Please wean the oxycodone over 5 days.", False),
    # near misses: the GP is named, or the heading is the GP's own
    ("Your medicines", "Please ask your GP to stop the oxycodone after one week.", True),
    ("Plan for the ward team and GP", "Please stop the oxycodone after one week.", True),
    ("Actions for the practice", "Please review the oxycodone and stop it once the wound settles.", True),
]


@pytest.mark.parametrize("heading, plan, gp", OTHER_RECIPIENTS)
def test_a_request_to_the_patient_or_another_team_is_no_gp_instruction(heading, plan, gp):
    ex = extract_letter("Dear Dr Example,\n\n" + TTO + "\n" + heading + "\n" + plan + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present
    assert ex.gp_instruction.present is gp
