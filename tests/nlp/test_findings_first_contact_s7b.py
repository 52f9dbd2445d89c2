"""Classes of letter-level wording (weaning plan) found missing by the first-contact gold sets
fresh13 and fresh14 (session 7). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a fractured humerus, treated in a sling. She goes home on "
          "oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g qds.\n\n")
END = "\n\nYours sincerely,\nDr Writer\n"


def _letter(prose: str):
    ex = extract_letter(LETTER + prose + END)
    assert ex.opioids
    return ex


# A step-down told as bringing a dose down BY an amount at a rate ("bring it down by 5 mg each week") is a plan like
# "reduce by 5 mg each week"; the statement holds none of the other plan words, so it must be read at all.
BRING_DOWN_BY = [
    ("When the fracture pain allows, the fracture team intend to bring the oxycodone down by 5 mg every week.", True),
    ("The idea is to bring her oxycodone down by one capsule a day each week, starting after fracture clinic.", True),
    # near miss: no opioid and no time, a blood pressure
    ("Her blood pressure was high on the ward and came down by itself.", False),
]


@pytest.mark.parametrize("prose, wean", BRING_DOWN_BY)
def test_bring_down_by_an_amount_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# "does not need to continue X beyond <a time>", "need not continue ... after", "no need to continue ... past" put an
# end to the use like "do not continue beyond". Without an end point it is no plan.
NO_NEED_BEYOND = [
    ("She does not need to continue the oxycodone beyond next Tuesday, when the sling comes off.", True),
    ("She need not continue the oxycodone after the first week at home.", True),
    ("There is no need to continue the oxycodone past the end of this month.", True),
    # near miss: no end point
    ("She does not need to continue the oxycodone at night.", False),
]


@pytest.mark.parametrize("prose, wean", NO_NEED_BEYOND)
def test_no_need_to_continue_beyond_a_time_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A question whether a reduction would be right ("asking whether a dose reduction ... would be appropriate") is no
# plan: the step-down is not decided.
WHETHER_REDUCE = [
    ("GP to ask the pain team whether a dose reduction of the oxycodone to 5 mg would help her.", False),
    ("We will ask the pain clinic whether to reduce the oxycodone to twice daily.", False),
    # near miss: the reduction decided
    ("Please reduce the oxycodone to 5 mg twice daily after one week.", True),
]


@pytest.mark.parametrize("prose, wean", WHETHER_REDUCE)
def test_question_whether_to_reduce_is_no_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean
