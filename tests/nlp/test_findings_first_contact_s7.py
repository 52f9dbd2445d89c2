"""Classes of letter-level wording (age, weaning plan, GP instruction) found missing by the first-contact gold sets
fresh11 and fresh12 (session 7). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.findings import patient_age
from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid


# A date of birth or discharge written in a web or markdown export keeps the emphasis marks round its label
# ('**DOB:** 03/09/1937'), and some word processors print the points of a date as raised points ('05\u00b710\u00b71954').
# Both are still the label's date.
AGE_LAYOUTS = [
    ("**Date of birth:** 21/05/1949   **Discharged:** 02/03/2026\n", 76),
    ("*DOB*: 11/11/1958 | *Discharge date*: 01/12/2026\n", 68),
    ("*D.O.B.* 30/06/1940\n*Discharged* 15/06/2026 (home)\n", 85),
    ("Name: A Sample     DOB: 17\u00b708\u00b71960\nDischarged: 20/08/2026\n", 66),
    ("DOB 01\u00b701\u00b745   d/c 02\u00b701\u00b726\n", 81),
    # near misses: still no date of birth, or a dose with a raised point
    ("**NHS No:** 999 000 1234   **Discharged:** 02/03/2026\n", None),
    ("Buprenorphine 0\u00b72 mg sublingual, d/c 02/03/2026\n", None),
]


@pytest.mark.parametrize("header, age", AGE_LAYOUTS)
def test_age_from_marked_up_or_raised_point_dates(header, age):
    assert patient_age(header) == age


LETTER = ("Dear Dr Example,\n\nMr Test was admitted with a fractured wrist, fixed in theatre. He goes home on "
          "oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g qds.\n\n")
END = SIGN_OFF


def _letter(prose: str):
    return letter_with_opioid(LETTER, prose)


# A request to the GP told in the passive without its auxiliary, as a checklist or a note writes it ("GP asked to
# review ...", "practice requested to ..."), speaks to the GP like "the GP is asked to". Someone the GP asked is not.
GP_ASKED = [
    ("GP asked to review the oxycodone at one week and stop it if it is no longer needed.", True),
    ("Practice requested to take the oxycodone off repeat once the course is finished.", True),
    ("Surgery has been asked to review his oxycodone in clinic next week.", True),
    # near miss: the GP asked someone else, in the past
    ("His GP asked us to see him because of the wrist pain.", False),
]


@pytest.mark.parametrize("prose, gp", GP_ASKED)
def test_gp_asked_without_auxiliary(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# "Do not restart / recommence / resume / reintroduce" an opioid is an action for the GP about it, like "do not
# re-issue". The same words about another drug are not an opioid instruction.
GP_RESTART = [
    ("GP: please do not restart the codeine he was taking before admission.", True),
    ("Please do not recommence his old tramadol; the oxycodone replaces it.", True),
    ("We would ask that the practice does not reintroduce the codeine.", True),
    # near miss: the restart is of a non-opioid drug
    ("Please do not restart the ramipril until his kidney function is rechecked.", False),
]


@pytest.mark.parametrize("prose, gp", GP_RESTART)
def test_do_not_restart_an_opioid_is_a_gp_instruction(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# "please" followed by an action verb ("please consider ...", "please check ...") speaks to the GP directly, even in
# the middle of a sentence, so it is shown before a later "GP to ..." line, as "please review ..." already was.
DIRECT_PLEASE = [
    "We have kept the dose as it is, but please consider stopping the oxycodone at your next review.",
    "If the pain settles, please check that he has come off the oxycodone within a week.",
    "The fracture clinic will see him; meanwhile please monitor the oxycodone use and stop it when he is comfortable.",
]


@pytest.mark.parametrize("first", DIRECT_PLEASE)
def test_please_with_an_action_is_direct_address(first):
    ex = _letter(first + "\n\nFollow-up: GP to review the oxycodone in two weeks.")
    assert ex.gp_instruction.present
    assert ex.gp_instruction.text == first


# A step-down told with the verb's -ing form and a target ("consider reducing the X to 5mg", "we suggest lowering
# his X dose to one capsule at night") is a plan, like "reduce the X to 5mg" and "reducing the X by 5mg". A
# reduction of pain, swelling or risk, or of another drug, is not.
REDUCING_TO_A_TARGET = [
    ("If he is still sleepy next week, consider reducing the oxycodone to one capsule at night.", True),
    ("We suggest decreasing the oxycodone to 5mg twice a day from next Monday.", True),
    ("Please think about lowering his oxycodone dose to 2.5mg when you see him.", True),
    # near misses
    ("Elevation is reducing the swelling to a minimum.", False),
    ("We are reducing the ramipril to 2.5mg because his blood pressure was low.", False),
]


@pytest.mark.parametrize("prose, wean", REDUCING_TO_A_TARGET)
def test_reducing_to_a_target_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A last dose dated on or before the discharge date happened in hospital, also when a full stop ends the sentence
# right after the date ('..., last dose 04/03.'): it is no limit on future use. A last dose dated after discharge is.
def _dated_letter(last_dose_sentence: str):
    text = ("Discharged: 06/03/2026\n\nDear Dr Example,\n\nMr Test had a fractured wrist fixed in theatre. "
            + last_dose_sentence + "\n\nHe goes home on oxycodone 5mg capsules, one every 4 hours when required "
            "for pain, 20 capsules.\n\nYours sincerely,\nDr Writer\n")
    ex = extract_letter(text)
    assert ex.opioids
    return ex


@pytest.mark.parametrize("sentence, wean", [
    ("On the ward he needed morphine 10mg twice, last dose 04/03.", False),
    ("Oramorph was used overnight after surgery, last dose 05.03.", False),
    ("He had IV morphine in recovery; last dose 06/03/2026.", False),
    # near miss: a last dose still to come is a limit
    ("The oxycodone is for a few days only, last dose 10/03.", True),
])
def test_dated_last_dose_before_a_full_stop(sentence, wean):
    assert _dated_letter(sentence).weaning_plan.present is wean


# A patient's agreement to stop, told with no time, condition or step after it ("he has agreed to stop it"), reports
# consent to stop at once (often an opioid bought or taken before admission), not a plan for the discharge opioid.
# With a time or step it is still a plan.
AGREED_TO_STOP = [
    ("He had been taking his wife's codeine at home and has agreed to stop it.", False),
    ("He admits to buying co-codamol from the chemist most days; he agrees to stop buying it.", False),
    ("He is happy to come off the tramadol he was given by a friend.", False),
    # near misses: the agreement has a time or a step
    ("He has agreed to stop the oxycodone after five days.", True),
    ("He is happy to come off the oxycodone once the cast is off.", True),
]


@pytest.mark.parametrize("prose, wean", AGREED_TO_STOP)
def test_agreed_to_stop_without_a_time_is_no_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# Advice on how to stop a drug should it ever be stopped ("taper if stopping", "if discontinuing, wean it gradually")
# is a caution that goes with the drug, not a plan to stop it; a taper with its own time or step is a plan.
STOP_CAUTION = [
    ("Oxycodone: do not stop suddenly; taper if stopping.", False),
    ("If discontinuing the oxycodone, wean it gradually.", False),
    ("The oxycodone should be weaned when it is to be stopped, never stopped at once.", False),
    # near misses: a taper with a time or step
    ("Taper the oxycodone over two weeks, then stop.", True),
    ("Wean the oxycodone by one capsule a day if the pain allows.", True),
]


@pytest.mark.parametrize("prose, wean", STOP_CAUTION)
def test_caution_on_how_to_stop_is_no_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A patch named earlier in the sentence and then removed on a condition ("review the patch ... and remove it if
# the pain has settled") is a stop plan, like "remove the patch if ...". A routine change ("remove it after seven
# days") is not.
PATCH_LETTER = ("Dear Dr Example,\n\nMr Test has shoulder pain after a stroke. He goes home on a buprenorphine "
                "10 micrograms/hour 7-day patch, one patch every 7 days, 4 patches supplied.\n\n")


@pytest.mark.parametrize("prose, wean", [
    ("GP: please review the patch at four weeks and remove it if the pain has settled.", True),
    ("We would be grateful if you could check the buprenorphine patch and remove it once he is comfortable.", True),
    # near miss: the routine weekly change
    ("Apply the new patch on Friday and remove it after seven days.", False),
])
def test_patch_removed_on_a_condition_is_a_plan(prose, wean):
    ex = extract_letter(PATCH_LETTER + prose + END)
    assert ex.opioids
    assert ex.weaning_plan.present is wean


# A flattened web table puts a small square between its fields ('Medicine: X \u25aa Directions: ... \u25aa Status:
# NEW'), sometimes wrapped in HTML non-breaking spaces: each field is a cell, like a pipe-separated one, so a plan or
# a GP request is the field that says it, not the whole row.
SQUARE_ROW = ("Discharge summary\n\nMedicines on discharge\n"
              "\u25aa Medicine: Morphine sulfate 10mg/5ml oral solution \u25aa Directions: 5ml every 4 hours when "
              "required for 5 days, then stop \u25aa Status: NEW \u25aa Supplied: 100ml\n"
              "\u25aa Medicine: Paracetamol 500mg tablets \u25aa Directions: TWO tablets four times a day \u25aa Status: NEW\n\n"
              "GP actions \u25aa Please do not put the morphine on her repeat prescriptions. \u25aa Bloods in 1 week.\n")


@pytest.mark.parametrize("spacing", [" ", "&nbsp;"])
def test_square_separated_fields_are_cells(spacing):
    text = SQUARE_ROW.replace(" \u25aa ", spacing + "\u25aa" + spacing)
    ex = extract_letter(text)
    assert ex.opioids
    assert ex.weaning_plan.text == "Directions: 5ml every 4 hours when required for 5 days, then stop"
    assert ex.gp_instruction.text == "Please do not put the morphine on her repeat prescriptions."


# A plan only named in the story of the admission ("he was started on oxycodone with a planned taper") ranks after
# the statement that tells the steps, wherever that comes; a named plan that tells its own time ("with a planned
# taper over two weeks") keeps its place.
STEPS = "He should take the oxycodone four times a day for three days, then twice a day for three days, then stop."


@pytest.mark.parametrize("named, shown_first", [
    ("On the ward he was started on oxycodone with a planned taper.", False),
    ("She went home on the oxycodone and a planned wean.", False),
    ("He was started on oxycodone with a planned taper over two weeks.", True),
])
def test_named_plan_ranks_after_told_steps(named, shown_first):
    ex = _letter(named + "\n\n" + STEPS)
    assert ex.weaning_plan.present
    assert ex.weaning_plan.text == (named if shown_first else STEPS)


# An explicit plan that names no drug, going on a line of prose after its paragraph named the opioid on an earlier
# line or far back on a long one ("... oxycodone supply cut to 12 capsules ... Patient counselled: short course only,
# then stop.") is about that opioid. After another drug, or as a list item or a line of its own, it is not.
PHARMACY_NOTE = ("Pharmacy check\nThe pharmacist cut the {drug} supply on the discharge prescription from 56 to 12 "
                 "capsules, which is three days at the most he should need, in line with the trust guideline on "
                 "medicines after orthopaedic surgery; the team were told and agree with the change. {plan}")


@pytest.mark.parametrize("drug, plan, wean", [
    ("oxycodone", "Patient counselled: short course only, then stop.", True),
    ("oxycodone", "Advised: a few days only and then stop.", True),
    # near misses: the last drug named is another one; the plan is a list item of its own
    ("amoxicillin", "Patient counselled: short course only, then stop.", False),
    ("oxycodone", "\n- Bloods: short course only, then stop.", False),
])
def test_plan_after_a_paragraph_about_the_opioid(drug, plan, wean):
    assert _letter(PHARMACY_NOTE.format(drug=drug, plan=plan)).weaning_plan.present is wean
