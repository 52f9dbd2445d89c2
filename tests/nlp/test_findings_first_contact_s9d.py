"""Classes of weaning-plan and GP-instruction wording found wrong by the first-contact gold sets fresh34 to fresh37
(session 9, fourth letter pass). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = "Dear Dr Example,\n\nMr Test, aged 58, was admitted with a fractured ankle and goes home today.\n\n"
RX = "He goes home on oxycodone 5 mg capsules, one every six hours when needed for ankle pain, 20 capsules.\n"
END = "\nKind regards,\n\nDr Writer\nCT1\n"


def _ex(body: str, rx: str = RX):
    return extract_letter(HEAD + rx + body + END)


# a first-person request that asks the reader ('May we ask you to ...', 'I'd ask you to ...') addresses the GP
ASK_YOU_TO = [
    ("May we ask you to stop the oxycodone when you see him next week?\n", True),
    ("I'd ask you to take the oxycodone off his repeat list once the cast is off.\n", True),
    ("We may ask the fracture clinic about his ankle at the next visit.\n", False),
    ("He asked us to stop the oxycodone early, which we did not.\n", False),
]


@pytest.mark.parametrize("body, gp", ASK_YOU_TO)
def test_a_first_person_ask_you_to_is_a_gp_request(body, gp):
    assert _ex(body).gp_instruction.present is gp


# a request to an intermediate-care, reablement or virtual-ward team is a plan for them, no GP instruction
OTHER_TEAM = [
    ("We would be grateful if the reablement team could reduce and then stop the oxycodone over the next week.\n",
     True, False),
    ("Could the virtual ward nurses stop the oxycodone after five more days?\n", True, False),
    ("We would be grateful if you could reduce and then stop the oxycodone over the next week.\n", True, True),
]


@pytest.mark.parametrize("body, wean, gp", OTHER_TEAM)
def test_a_request_to_another_community_team_is_no_gp_instruction(body, wean, gp):
    ex = _ex(body)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# 'GP: please note ...' under a GP label informs and asks nothing; asking to record a reaction as an intolerance
# is an allergy record, not an action on an opioid, unless another request of the sentence is one
NOTE_AND_RECORD = [
    ("GP: please note the oxycodone was started by us and the dose is unchanged.\n", False),
    ("Codeine made him sick on the ward and was stopped; please code this as an intolerance.\n", False),
    ("Please stop the oxycodone after five days, and please record codeine as an adverse reaction.\n", True),
    ("GP: please stop the oxycodone after five days.\n", True),
]


@pytest.mark.parametrize("body, gp", NOTE_AND_RECORD)
def test_notes_and_intolerance_records_are_no_gp_action(body, gp):
    assert _ex(body).gp_instruction.present is gp


# asking the GP to have the patient hand back what is left of the opioid is an opioid action for the GP
HAND_BACK = [
    ("Please ask him to return the oxycodone to a chemist once he no longer needs it.\n", True),
    ("Please ask him to return to the fracture clinic in two weeks.\n", False),
]


@pytest.mark.parametrize("body, gp", HAND_BACK)
def test_asking_the_patient_to_hand_back_the_opioid_is_a_gp_request(body, gp):
    assert _ex(body).gp_instruction.present is gp


# a stop whose condition is that simple analgesics now suffice ('once paracetamol and naproxen are enough', 'once
# he manages on paracetamol alone') is a plan for the opioid; so is being told to stop it once that is so, while being
# told to stop it (now, in the past) is none
SUFFICIENT_OTHERS = [
    ("Most people need the oxycodone for a few days only - stop as soon as paracetamol and naproxen are enough.\n",
     True),
    ("He has been told to stop the oxycodone once he is coping on paracetamol alone.\n", True),
    ("He was told to stop the oxycodone by his physio last year.\n", False),
    ("Paracetamol and naproxen are enough for most people after this operation.\n", False),
]


@pytest.mark.parametrize("body, wean", SUFFICIENT_OTHERS)
def test_a_stop_once_simple_analgesics_suffice_is_a_plan(body, wean):
    assert _ex(body).weaning_plan.present is wean


# a unit's custom of not prescribing an opioid after an operation is no plan to stop the one given
POLICY = [
    ("Our unit does not routinely prescribe codeine after adenoidectomy, as he knew.\n", False),
    ("Please do not continue the oxycodone after the fifth day.\n", True),
]


@pytest.mark.parametrize("body, wean", POLICY)
def test_a_units_custom_is_no_plan(body, wean):
    assert _ex(body).weaning_plan.present is wean


# 'codeine-containing medicines are best avoided' is advice about a class to keep off, and 'GP: nothing to do about
# the painkillers' hands nothing over: neither is a GP action; a real request beside them still is
GP_NOTHING = [
    ("Codeine-containing medicines are best avoided while she feeds the baby; please use paracetamol instead.\n",
     False),
    ("GP: nothing further to do about his painkillers - he will stop them himself.\n", False),
    ("GP: no action needed.\n", False),
    ("GP: please stop the oxycodone at the one-week review.\n", True),
]


@pytest.mark.parametrize("body, gp", GP_NOTHING)
def test_avoid_advice_and_nothing_to_do_are_no_gp_action(body, gp):
    assert _ex(body).gp_instruction.present is gp


# being told to stop a removed item, with no time or condition, is a stop done now: the plan told elsewhere is the
# letter's; 'start reducing X at two weeks' is itself a step-down plan
PLAN_CHOICE = [
    ("His old co-codamol was taken off the list today. He was told to stop it.\n"
     "Plan: please review the oxycodone at two weeks with a view to stopping it once walking is easier.\n",
     "with a view to stopping"),
    ("Plan: please start reducing the oxycodone after two weeks if the ankle is comfortable.\n"
     "Note the oxycodone is for short-term use only.\n", "start reducing"),
]


@pytest.mark.parametrize("body, phrase", PLAN_CHOICE)
def test_the_explicit_plan_is_chosen_over_a_bare_told_to_stop_or_a_cap(body, phrase):
    plan = _ex(body).weaning_plan
    assert plan.present and phrase in plan.text


BARE_TOLD_TO_STOP = [
    ("The codeine he brought in was not restarted. He was told to stop it.\n", False),
    ("He has been told to stop the oxycodone once his cast is off.\n", True),
]


@pytest.mark.parametrize("body, wean", BARE_TOLD_TO_STOP)
def test_a_bare_told_to_stop_is_no_plan(body, wean):
    assert _ex(body).weaning_plan.present is wean


# 'whether both are still needed' refers back to the opioids named just before
BOTH_REFER_BACK = [
    ("She goes home on codeine 30 mg four times a day and a Butec 5 microgram/hour patch weekly.\n"
     "The practice may wish to review whether both are still needed once the hip has settled.\n", True),
    ("She goes home on codeine 30 mg four times a day and a Butec 5 microgram/hour patch weekly.\n"
     "The practice may wish to review whether both knees need physiotherapy.\n", False),
]


@pytest.mark.parametrize("body, gp", BOTH_REFER_BACK)
def test_both_refers_back_to_the_opioids(body, gp):
    assert _ex(body, rx="").gp_instruction.present is gp
