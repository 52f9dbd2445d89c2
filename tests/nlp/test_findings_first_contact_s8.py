"""Classes of weaning-plan and GP-instruction wording found wrong by the first-contact gold sets fresh17 to fresh20
(session 8, letters). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid


LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a fractured humerus, treated in a collar and cuff. She goes "
          "home on oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g "
          "qds.\n\n")


def _letter(prose: str):
    return letter_with_opioid(LETTER, prose)


# "no refills" / "0 refills" on an opioid's Rx line (US and Australian shorthand) tells the GP not to issue more,
# like "no repeats"; the writer's own refill is no GP instruction.
REFILLS = [
    ("Discharge Rx:\n- Rx: morphine sulfate 10 mg tab PO q4h PRN pain, disp #16, no refills (NEW)\n- Senna 15 mg qhs\n", True),
    ("Discharge Rx:\n- Rx: tapentadol 50 mg tab PO q6h PRN pain, dispense 12, 0 refills\n- Senna 15 mg qhs\n", True),
    ("Discharge Rx:\n- Rx: tramadol 50 mg cap PO q6h PRN pain, #20, refills: 0\n- Senna 15 mg qhs\n", True),
    # near misses: refills of another drug, refills left open, the writer's own refill
    ("Discharge Rx:\n- Rx: morphine sulfate 10 mg tab PO q4h PRN pain, disp #16\n- Senna 15 mg qhs, 2 refills\n", False),
    ("Discharge Rx:\n- Rx: morphine sulfate 10 mg tab PO q4h PRN pain, disp #16, 1 refill\n- Senna 15 mg qhs\n", False),
    ("Plan: we will refill her morphine sulfate 10 mg tablets, 16 tablets with no refills, at clinic.\n", False),
]


@pytest.mark.parametrize("rx, gp", REFILLS)
def test_no_refills_on_an_rx_line_is_a_gp_instruction(rx, gp):
    ex = extract_letter("Discharge summary\nDx: fractured ankle.\n\n" + rx + SIGN_OFF)
    assert ex.gp_instruction.present is gp


def test_no_repeats_after_a_stop_on_the_same_line_is_both_plan_and_gp():
    ex = extract_letter("Discharge summary\nTTO:\n- Dihydrocodeine 30 mg tablets, one every 8 hours when required, "
                        "15 tablets - NEW\n- Senna 15 mg at night\n\nDHC: five days only then stop; no repeats.\n" + SIGN_OFF)
    assert ex.weaning_plan.present and ex.gp_instruction.present


# a ban on going back to an opioid is the GP's to keep, even after "Please note"; a label "XXX/GP:" addresses the GP
PROHIBITIONS = [
    ("Please note that she must not be put back on tramadol.", True),
    ("Please do not switch her back to tramadol: it made her confused.", True),
    ("Please do not restart the codeine once the oxycodone is finished.", True),
    ("Please do not start codeine-based painkillers for her shoulder.", True),
    ("LMO/GP: please stop the oxycodone at the two-week review.", True),
    # near misses: a note with no ban, a ban addressed to nobody about the patient's own history
    ("Please note she had tramadol before her admission.", False),
    ("She was previously switched from tramadol to oxycodone by the pain team.", False),
]


@pytest.mark.parametrize("prose, gp", PROHIBITIONS)
def test_bans_on_going_back_to_an_opioid(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# a task labelled for district or community nurses (or a care home) is a plan but no GP instruction, even with a
# clause after a semicolon; a heading line opening "For your GP:" is the GP's, whatever heading is above it
RECIPIENTS = [
    ("District nurses: please stop the oxycodone once the wound has healed; the dressings continue as before.", True, False),
    ("DN: please stop the oxycodone when the dressing changes are no longer painful.", True, False),
    ("GP: please stop the oxycodone once the wound has healed.", True, True),
]


@pytest.mark.parametrize("prose, plan, gp", RECIPIENTS)
def test_tasks_for_other_recipients(prose, plan, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present is plan and ex.gp_instruction.present is gp


def test_gp_label_line_under_a_patient_heading():
    ex = extract_letter("Your medicines to take home\n* Oxycodone 5mg capsules, one every 4 hours when required for "
                        "pain, 20 capsules. New.\n* Paracetamol 1g four times a day.\nFor your GP: day case, no "
                        "complications. She should stop the oxycodone after 4 days - please do not add it to repeats.\n"
                        + SIGN_OFF)
    assert ex.gp_instruction.present


# what the patient was told is advice given, not a GP action, even under a GP heading (sentence wrapped over lines);
# the GP or practice being "asked" is still a request
TOLD = [
    ("Information for the GP:\nShe was told the oxycodone is for the first few days only and\nto stop it as the pain eases.\n", False),
    ("Information for the GP:\nShe has been advised to stop the oxycodone after five days.\n", False),
    ("Information for the GP:\nThe practice is asked to stop the oxycodone after five days.\n", True),
]


@pytest.mark.parametrize("prose, gp", TOLD)
def test_advice_told_to_the_patient(prose, gp):
    ex = _letter(prose)
    assert ex.gp_instruction.present is gp
    assert ex.weaning_plan.present


# weaning plan: a bare cap in a table cell of the opioid's row is its duration; a checklist answered no is no plan;
# "no <qualifier> taper needed" is no plan; "reduce back to her usual dose" is a step-down
TABLE = ("Item | Product | Directions | Qty | Endorsement\n"
         "1 | Paracetamol 500mg tablets | Take TWO tablets FOUR times a day | 32 tablet | -\n"
         "2 | Tramadol 50mg capsules | Take ONE capsule up to FOUR times a day WHEN REQUIRED for pain | 20 capsule | {cell}\n")
CELLS = [
    ("NEW. Max 5 days", False),
    ("new - maximum of 5 days", False),
    ("NEW. GP please stop after max 5 days", True),
]


@pytest.mark.parametrize("cell, plan", CELLS)
def test_endorsement_cap_is_a_duration(cell, plan):
    ex = extract_letter("Discharge prescription\n" + TABLE.format(cell=cell) + SIGN_OFF)
    assert ex.weaning_plan.present is plan


@pytest.mark.parametrize("answer, plan", [("[ ] Yes   [x] No", False), ("[x] Yes   [ ] No", None)])
def test_checklist_question_answered_no(answer, plan):
    ex = _letter("Opioid weaning plan documented?   " + answer + "\nComments: hopefully she will not need the "
                 "oxycodone for long.\n")
    if plan is False:
        assert not ex.weaning_plan.present


def test_a_hope_is_no_plan():
    assert not _letter("Hopefully she will not need the oxycodone for long.").weaning_plan.present


def test_no_qualified_taper_needed_is_no_plan():
    ex = _letter("Tapentadol replaces her tramadol dose for dose, so no cross-over taper needed. "
                 "If the pain has not improved by 3 months, reduce the oxycodone by 5 mg a week and stop.")
    assert ex.weaning_plan.present and "3 months" in ex.weaning_plan.text


def test_reduce_back_to_usual_dose_is_a_step_down():
    assert _letter("The oxycodone will be reduced back to her usual dose.\nOxycodone: reducing back to her usual "
                   "dose over the next week.").weaning_plan.present


def test_plan_section_statement_before_the_same_stop_on_a_medicine_line():
    ex = extract_letter("Discharge summary\nTTO:\n a) Zomorph 10 mg capsules - one twice a day for 4 days then stop "
                        "- 8 capsules - NEW\n b) Paracetamol 1 g QDS\n\nAnalgesia plan\n  Zomorph: four days "
                        "then stop.\n  Paracetamol: continue.\n" + SIGN_OFF)
    assert ex.weaning_plan.text.startswith("Zomorph: four days")
