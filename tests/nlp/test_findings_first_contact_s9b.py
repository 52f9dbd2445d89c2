"""Classes of weaning-plan and GP-instruction wording found wrong by the first-contact gold sets fresh26 to fresh29
(session 9, second letter pass). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid

LETTER = ("Dear Dr Example,\n\nMr Test had a hernia repair. He goes home on morphine sulfate 10mg/5ml oral "
          "solution, 5 ml every 4 hours when required for pain, 100 ml supplied, and paracetamol 1g qds.\n\n")
PATCH = ("Dear Dr Example,\n\nMrs Test was drowsy on admission. She goes home on:\n\n"
         "Butec 10 micrograms/hour patch, apply one every 7 days - reduced this admission - 4 supplied\n"
         "Paracetamol 1g four times a day\n\n")


def _letter(prose: str, opening: str = LETTER):
    return letter_with_opioid(opening, prose)


# a lower step held for a while and then nothing ("one more week at 5 mg and then off") is a stop plan; a step told
# to an opioid patch by its rate names the patch; a request right after it to "oversee this" is the GP's
STEP_THEN_OFF = [
    ("The plan is to keep the morphine at 2.5 mg for one more week and then off.\n", LETTER, True, False),
    ("If all goes well, she will use 5 micrograms/hour for two weeks, then off.\n", PATCH, True, False),
    ("If all goes well, she will use 5 micrograms/hour for two weeks, then off.\nWe would be grateful if you "
     "could oversee this.\n", PATCH, True, True),
    ("He should rest for a week and then be off work for another.\n", LETTER, False, False),
]


@pytest.mark.parametrize("prose, opening, wean, gp", STEP_THEN_OFF)
def test_a_step_held_then_off_is_a_plan(prose, opening, wean, gp):
    ex = _letter(prose, opening)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# bringing or stepping a drug down "over" a time or "as" something settles is a step-down; addressed to the GP
# ("we would suggest bringing ... back down to ...") it is also a GP instruction
BRING_DOWN = [
    ("The community nurse will ring him and step the morphine down over the next week as things settle.\n", True, False),
    ("We would suggest bringing the morphine back down to 2.5 mg once the wound has healed.\n", True, True),
    ("We would suggest bringing his blood pressure down with diet.\n", False, False),
]


@pytest.mark.parametrize("prose, wean, gp", BRING_DOWN)
def test_bringing_the_opioid_down_is_a_plan(prose, wean, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# "we plan to start reducing it" at a later clinic is a plan to step down; a hope is not
PLANNED_REDUCTION = [
    ("He is to keep taking the morphine until his clinic visit, where we plan to begin weaning it.\n", True),
    ("We intend to reduce the morphine at his next review.\n", True),
    ("He hopes to do without the morphine eventually.\n", False),
]


@pytest.mark.parametrize("prose, wean", PLANNED_REDUCTION)
def test_a_planned_reduction_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# stopping a drug when a side effect shows ("watch for sleepiness and stop it if this happens"), a last dose dated on
# the ward, and "told to stop," with nothing after it (stop at once) are no plans
NOT_PLANS = [
    ("Watch for sleepiness and stop it if this happens.\n", False),
    ("The morphine: last dose 02/03 on ward.\n", False),
    ("He had been taking a friend's codeine - told to stop, the morphine replaces it.\n", False),
    ("Use the morphine for three days and stop it if the pain has settled.\n", True),
]


@pytest.mark.parametrize("prose, wean", NOT_PLANS)
def test_safety_stops_and_past_doses_are_no_plans(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# advice only the patient can follow ("take what is left to a chemist", "do not take extra") is no GP instruction,
# even when it opens with "please"
PATIENT_ADVICE = [
    ("Please stop the morphine after four days and take any leftover liquid to a chemist to be destroyed.\n", True, False),
    ("Comments: please avoid taking extra codeine with the morphine.\n", False, False),
    ("Please stop the morphine after four days and do not issue more.\n", True, True),
]


@pytest.mark.parametrize("prose, wean, gp", PATIENT_ADVICE)
def test_advice_for_the_patient_is_no_gp_instruction(prose, wean, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# a GP request whose only clause naming the opioid leaves it alone ("please book a blood test; no change to the X")
# is about something else; a clause that acts on the opioid is the GP's
OTHER_CLAUSE = [
    ("GP actions: please repeat the blood count in a month; no change needed to his morphine.\n", False),
    ("GP actions: please repeat the blood count in a month; review the morphine at two weeks.\n", True),
]


@pytest.mark.parametrize("prose, gp", OTHER_CLAUSE)
def test_a_gp_action_beside_no_change_to_the_opioid(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# terse shorthand "GP r/v 1/52 - wean X if better" speaks to the GP
def test_terse_gp_review_shorthand_is_a_gp_instruction():
    ex = _letter("Plan: home today.\nGP r/v 2/52 - wean morphine if settled\n")
    assert ex.gp_instruction.present and ex.weaning_plan.present


# "no repeats" in the note cell of an opioid's table row is a GP instruction; on a non-opioid's row it is not
def _table(drug_row: str) -> str:
    return ("Discharge summary\n\nMEDICINES\nNo | Medicine              | Dose | Times | Note\n"
            "1  | Codeine 30mg tablets  | 30mg | 4     | for pain\n"
            f"{drug_row}\n" + SIGN_OFF)


@pytest.mark.parametrize("row, gp", [
    ("2  | Oxycodone 5mg capsules | 5mg  | 4     | hip pain; no repeats", True),
    ("2  | Amoxicillin 500mg caps | 500mg | 3    | chest; no repeats", False),
])
def test_no_repeats_in_an_opioid_rows_note(row, gp):
    assert extract_letter(_table(row)).gp_instruction.present is gp


# which statement is shown as the plan: one that tells the steps over a clinic's name ("the opioid weaning clinic"), a
# bare label ("Weaning: she will see the clinic"), a possibility for another team ("the pain team would consider a
# reduction ...") or a refusal to stop ("it is not reasonable to stop it now"); a statement under the plan's own label
# ("Step down: stop the X after ...") over the same stop on a medicine line
CHOSEN = [
    ("He has been referred to the opioid weaning clinic.\nThe clinic will bring the morphine down by 2.5 mg each week.\n",
     "bring the morphine down"),
    ("Weaning: he will see the clinic on Fridays.\nThe clinic will bring the morphine down by 2.5 mg each week.\n",
     "bring the morphine down"),
    ("If things worsen the pain team would consider a reduction of the morphine to 2.5 mg.\nHe should use the morphine "
     "for no more than four days.\n", "no more than four days"),
    ("I do not think it is reasonable to stop the morphine yet.\nCould you consider reducing the morphine, with a view "
     "to stopping it, over the coming months?\n", "with a view"),
    ("Opioid plan: the morphine is for the first week only and should be finished then, not continued.\n",
     "finished then"),
]


@pytest.mark.parametrize("prose, shown", CHOSEN)
def test_the_statement_that_tells_the_plan_is_shown(prose, shown):
    ex = _letter(prose)
    assert ex.weaning_plan.present and shown in ex.weaning_plan.text


def test_a_step_down_label_ranks_before_the_same_stop_on_a_medicine_line():
    text = ("Discharge medicines:\n- Oxycodone MR 5mg tablets - one twice daily - 10 tablets - stop after 5 days\n"
            "- Omeprazole 20mg od\n\nStep down: stop the oxycodone MR after the 5 days; paracetamol only after that.\n"
            + SIGN_OFF)
    assert extract_letter(text).weaning_plan.text.startswith("Step down:")
