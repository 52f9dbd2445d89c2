"""Classes of plan, GP-instruction, indication, age and co-prescription wording found missing by the first-contact
gold sets of session 6 (fresh7/fresh8). Every sentence here was written for these tests; none is taken from a gold
letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

LETTER = ("Dear Dr Example,\n\nMr Test was admitted with a fractured ankle, fixed in theatre. He goes home on oxycodone "
          "5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g qds.\n\n")
END = "\n\nYours sincerely,\nDr Writer\n"


def _letter(prose: str):
    ex = extract_letter(LETTER + prose + END)
    assert ex.opioids
    return ex


# A polite second-person suggestion to the GP ("you may wish to", "you might like to") is a request to the GP, not
# a hope: "you may wish to consider stopping the X once settled" is a plan and a GP instruction; "you may wish to
# review whether he still needs X" a GP instruction only (README, fresh7/fresh8 judgement calls).
YOU_MAY_WISH = [
    ("You may wish to stop the oxycodone once the ankle has settled.", True, True),
    ("You might like to consider stopping the oxycodone after a week if he is comfortable.", True, True),
    ("You may want to review, at his next appointment, whether he still needs the oxycodone.", False, True),
    # near misses: the hope is the patient's or the team's, or the request is not about the opioid
    ("He may wish to stop the oxycodone once the ankle has settled.", False, False),
    ("We might want to stop the oxycodone once the ankle has settled.", False, False),
    ("You may wish to consider a referral to the physiotherapists.", False, False),
]


@pytest.mark.parametrize("prose, wean, gp", YOU_MAY_WISH)
def test_you_may_wish_to_is_a_request_to_the_gp(prose, wean, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp
