"""Weaning plans by what they commit to: a step-down or stop named as the course to follow (imperative, passive,
future, conditional on recovery, a check that the patient is off it by a time) is a plan; a hope, a negation or a
past event is not. Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.findings import is_weaning_statement
from nlp.pipeline import extract_letter

LETTER = ("Dear Dr Example,\n\nShe went home on 03/03/2026 with tapentadol MR 50 mg twice daily for pain, "
          "newly started on the ward.\n\n{plan}\n\nYours sincerely,\nDr Example\n")

PLANS = [
    # directive, passive, future and conditional-on-recovery forms
    ("Cut the tapentadol back to 25 mg twice daily once her hip pain eases.", True),
    ("Reduce the tapentadol when the wound has healed.", True),
    ("Decrease the tapentadol as the pain improves.", True),
    ("The tapentadol will be withdrawn at the next clinic visit.", True),
    ("The tapentadol is to be ceased after ten days.", True),
    ("Her tapentadol should be tailed off over a few weeks.", True),
    ("Please see her in two weeks with a view to stopping the tapentadol.", True),
    ("Could you ensure she is off the tapentadol by the end of the month.", True),
    ("Bring the tapentadol down to 25 mg twice daily after a fortnight.", True),
    # a request to check that the patient has stopped is a plan, never a stop that happened
    ("Kindly confirm that she has stopped the tapentadol before her operation.", True),
    ("Please make sure she has come off the tapentadol by the end of the month.", True),
    # hopes, negations and side-effect conditions are not plans
    ("We hope to reduce the tapentadol once the fracture has united.", False),
    ("Perhaps the tapentadol might be reduced in the longer term.", False),
    ("There is no plan to reduce the tapentadol at present.", False),
    ("No intention to stop the tapentadol; she knows not to stop it suddenly.", False),
    ("Reduce the tapentadol if she is drowsy.", False),
    ("The tapentadol was reduced on the ward after two days.", False),
]


@pytest.mark.parametrize("plan, wean", PLANS)
def test_plan_commits_to_a_step_down(plan, wean):
    ex = extract_letter(LETTER.format(plan=plan))
    assert ex.opioids
    assert ex.weaning_plan.present is wean


@pytest.mark.parametrize("sentence, wean", [
    ("Reduce the MST once the pain settles", True),
    ("we hope to reduce it once the stump has healed", False),
    ("take him off the MST with a view to stopping it", True),
    ("make sure he has come off the MST by then", True),
    ("he was told he has stopped the MST", False),
])
def test_is_weaning_statement_alone(sentence, wean):
    assert is_weaning_statement(sentence) is wean


@pytest.mark.parametrize("plan", [
    "The plan is to bring the tapentadol down to 25 mg twice daily after a month.",
    "Cut the tapentadol back to 25 mg twice daily once her hip pain eases.",
    "Thereafter reduce the tapentadol to 25 mg twice a day, then stop.",
])
def test_a_step_down_target_dose_is_not_a_second_prescription(plan):
    ex = extract_letter(LETTER.format(plan=plan))
    assert [(rx.generic, rx.dose_mg_max) for rx in ex.opioids] == [("tapentadol", 50.0)]
    assert ex.weaning_plan.present


def test_a_stop_that_happened_is_still_a_stopped_drug():
    ex = extract_letter(LETTER.format(plan="We have stopped the tapentadol."))
    assert not ex.opioids
