"""Classes of weaning-plan, GP-instruction and indication wording found wrong by the first-contact gold sets fresh21
to fresh25 (session 9, letters). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid

LETTER = ("Dear Dr Example,\n\nMr Test had his appendix removed. He goes home on morphine sulfate 10mg/5ml oral "
          "solution, 5 ml every 4 hours when required for pain, 100 ml supplied, and paracetamol 1g qds.\n\n")


# a field of a one-field-per-line item block ("Comments: ...", "Instructions: ...") is about the block's drug: a stop
# plan there need not name the opioid again; the same field under a non-opioid's block is no opioid plan
def _item_block(drug: str, comment: str) -> str:
    return ("Discharge summary\n\n==== ITEM 1 ====\nDrug: Codeine phosphate 30 mg tablets\nDose: one tablet\n"
            "Frequency: four times a day when needed\nSupply: 20 tablets\nStatus: New\n\n==== ITEM 2 ====\n"
            f"Drug: {drug}\nDose: one tablet\nFrequency: twice a day\nStatus: New\n{comment}\n" + SIGN_OFF)


ITEM_FIELDS = [
    ("Tapentadol 50 mg tablets", "Comments: cut back as the wound heals; stop after five days.", True),
    ("Tapentadol 50 mg tablets", "Notes: finish within a week, then stop.", True),
    ("Tapentadol 50 mg tablets", "Comments: swallow whole with water.", False),
    ("Naproxen 250 mg tablets", "Comments: cut back as the wound heals; stop after five days.", False),
]


@pytest.mark.parametrize("drug, comment, wean", ITEM_FIELDS)
def test_a_stop_in_an_item_blocks_field_is_about_that_items_drug(drug, comment, wean):
    assert extract_letter(_item_block(drug, comment)).weaning_plan.present is wean


# a sentence a line wrap carries on to the next line ("... only if the\nparacetamol is not enough, ...") is still prose
# about the opioid the paragraph named; a line of a fixed-width table is not wrapped prose
WRAPPED = [
    ("He may use the morphine liquid for his pain, but only for a\nfew days at most and then stop.\n", True),
    ("He may use the morphine liquid for his pain, but only for a\nfew days at most and then he should stop.\n", True),
    ("He may use the morphine liquid for his pain.\n\nfew days at most and then stop.\n", False),
]


@pytest.mark.parametrize("prose, wean", WRAPPED)
def test_a_plan_wrapped_onto_the_next_line_keeps_its_paragraphs_opioid(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


def _letter(prose: str):
    return letter_with_opioid(LETTER, prose)


# a non-opioid named as the condition of a plan ("only if the paracetamol is not enough") is not what the plan stops;
# named as the object ("stop the paracetamol after three days") it is
CONDITIONS = [
    ("He should use the morphine liquid only when the paracetamol is not enough, for three days at most, then stop.", True),
    ("Morphine liquid only if ibuprofen does not help; no more than four days, then stop.", True),
    ("He should stop the ibuprofen after three days.", False),
    ("Please stop the paracetamol after three days if the pain has settled.", False),
]


@pytest.mark.parametrize("prose, wean", CONDITIONS)
def test_a_drug_named_as_the_plans_condition_is_not_its_object(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# a drug named after "alongside", "as well as" goes on beside the stopped opioid: it is not what stops
ALONGSIDE = [
    ("We supplied the morphine liquid for four days and then stop, alongside regular paracetamol.", True),
    ("Morphine liquid for four days then stop, as well as paracetamol as needed.", True),
    ("Stop the naproxen after four days.", False),
]


@pytest.mark.parametrize("prose, wean", ALONGSIDE)
def test_a_drug_going_on_alongside_is_not_the_object_of_a_stop(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# a line labelled as the plan itself ("Step-down:", "Taper -") is the letter's plan for its opioid, as under a plan
# heading; the label's own wean word is no plan ("Weaning: not for now"), and a label over another drug is no opioid plan
LABELLED = [
    ("Step-down: after five days go back down to the usual 5 ml twice a day.", True),
    ("Taper - from day 4 reduce to 2.5 ml each dose, then stop on day 7.", True),
    ("Weaning: not for now, he prefers to stay on it until clinic.", False),
    ("Step-down: after five days stop the naproxen.", False),
]


@pytest.mark.parametrize("prose, wean", LABELLED)
def test_a_line_labelled_as_the_plan_is_an_opioid_plan(prose, wean):
    ex = extract_letter("Discharge summary\n\nMedication\n1. Morphine sulfate 10mg/5ml oral solution 5 ml four times a "
                        "day for 5 days, 100 ml\n2. Naproxen 250 mg twice a day\n\n" + prose + "\n" + SIGN_OFF)
    assert ex.weaning_plan.present is wean


# advice to the patient to go to their own GP is no GP instruction; "GP to switch ..." is one
GP_ADDRESS = [
    ("Please do not ask for more from your GP once the bottle is finished.", False),
    ("Please do not request a further supply from your own doctor.", False),
    ("GP to switch the morphine liquid to a weaker strength after one week.", True),
    ("GP please switch the morphine liquid to tablets at his review.", True),
]


@pytest.mark.parametrize("prose, gp", GP_ADDRESS)
def test_patient_told_to_ask_their_gp_and_gp_told_to_switch(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# weaning a non-drug support (oxygen, CPAP, sedation) is ward care, not an opioid plan; weaning the opioid still is one
SUPPORTS = [
    ("On the ward he needed morphine for pain on day 1. Oxygen weaned day 3.", False),
    ("On the ward he needed morphine for pain on day 1. CPAP gradually weaned by day 4.", False),
    ("Oxygen weaned on day 3; please wean the morphine liquid over the next week.", True),
]


@pytest.mark.parametrize("prose, wean", SUPPORTS)
def test_weaning_oxygen_or_ventilation_is_no_opioid_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# "safe / compatible for a short course" is a safety note, not a cap on use; "for a short course, then stop" is a plan
SAFETY = [
    ("Morphine liquid is compatible with breastfeeding for a short course at this dose.", False),
    ("The morphine liquid is considered safe for short term use in her kidney disease.", False),
    ("Morphine liquid for a short course only, then stop.", True),
]


@pytest.mark.parametrize("prose, wean", SAFETY)
def test_safe_for_a_short_course_is_a_safety_note(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# a request to reduce to a stated dose, or "with a view to gradually reducing", is a plan for the GP to carry out
REDUCE_REQUESTS = [
    ("GP: please consider reducing the morphine liquid to 2.5 ml four times a day next month.", True),
    ("GP - please review the morphine liquid with a view to slowly reducing it.", True),
    ("His pain score was reducing to 3/10 by discharge on morphine liquid.", False),
    ("GP - please review the morphine liquid at two weeks.", False),
]


@pytest.mark.parametrize("prose, wean", REDUCE_REQUESTS)
def test_a_request_to_reduce_to_a_dose_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# "it" after a sentence about "the patch" in a letter whose opioid is a patch is the patch
def test_a_pronoun_after_the_patch_sentence_refers_to_the_opioid_patch():
    text = ("Dear Dr Example,\n\nMrs Test fractured two ribs. We started a buprenorphine 5 micrograms/hour patch, "
            "changed every 7 days, 2 patches supplied, for rib pain.\n\nThe patch is meant only for the fractures. "
            "Could you please review it after two weeks and stop it if her pain has settled?\n" + SIGN_OFF)
    ex = extract_letter(text)
    assert ex.weaning_plan.present and ex.gp_instruction.present


# "make sure X is stopped on <date>" and "with a view to removing" (a patch) are plans for the GP
GP_PLANS = [
    ("GP: please make sure the morphine liquid is stopped on 20/05 (one week).", True),
    ("GP to review the morphine liquid at one week with a view to removing it from his list.", True),
    ("GP: please make sure his blood pressure is checked on 20/05.", False),
]


@pytest.mark.parametrize("prose, wean", GP_PLANS)
def test_make_sure_it_is_stopped_on_a_date_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# a request to a nursing home or hospice team is their task, not the GP's (a plan still); one to the GP is the GP's;
# a bare "continue / review analgesia" names no opioid action
RECIPIENTS = [
    ("Could the care home staff please reduce the morphine liquid over a week and then stop it?", False),
    ("Hospice team to wean the morphine liquid as his pain settles.", False),
    ("Could the GP please reduce the morphine liquid over a week and then stop it?", True),
    ("Please continue analgesia as required.", False),
    ("GP: please review analgesia at 2 weeks.", False),
    ("GP: please review the morphine liquid at 2 weeks.", True),
]


@pytest.mark.parametrize("prose, gp", RECIPIENTS)
def test_requests_to_a_home_team_or_generic_requests_are_no_gp_instruction(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# the next item of a numbered plan list refers back to the item before it ("2. ... oversee this reduction")
def test_a_numbered_request_after_the_plan_item_refers_to_its_opioid():
    ex = _letter("Plan:\n1. After one week reduce the morphine liquid to 2.5 ml, then stop it.\n"
                 "2. We would be grateful if the practice could supervise this reduction.\n3. Wound check at 10 days.\n")
    assert ex.gp_instruction.present and "supervise" in ex.gp_instruction.text


# a stop plan on the line of a non-opioid throat spray is not an opioid plan
def test_a_stop_on_a_throat_spray_line_is_not_an_opioid_plan():
    ex = extract_letter("Discharge summary\n\nTTO:\nDihydrocodeine 30 mg tablets: one every 6 hours when needed, 20 tablets\n"
                        "Benzydamine spray: 4 sprays every 3 h, use for up to a week then stop\n" + SIGN_OFF)
    assert ex.weaning_plan.present is False


# indication told in prose around a sentence naming the listed opioid (its list line gives no reason)
def _ind(prose: str) -> bool:
    return extract_letter("Discharge summary\n\nDischarge medications:\n- Tramadol 50 mg capsules, one four times a day "
                          "(unchanged)\n- Omeprazole 20mg od\n\n" + prose + SIGN_OFF).indication_documented


INDICATIONS = [
    ("The tramadol is only there to cover the wound pain for the first few days.", True),  # "to cover ... pain"
    ("He has had hip pain since a fall in 2020, for which he takes tramadol.", True),  # "pain ..., for which he takes X"
    ("He has taken tramadol for tension headaches for a year.", True),  # a headache is a pain
    ("He takes the tramadol for knee arthritis.", True),  # the painful condition it is for
    # a reason on the line a wrapped sentence of prose runs on to
    ("We talked through the tramadol with him at length today, and he has been taking it\n"
     "regularly for hip pain, with good effect and no side effects.", True),
    # near misses: a diagnosis alone, a cover that is no reason, a heading line that is not wrapped prose
    ("He takes the tramadol. Diagnosis: knee arthritis.", False),
    ("The tramadol is there to cover the weekend until clinic.", False),
    ("Tramadol\nfor hip pain clinic review in 6 weeks.", False),
]


@pytest.mark.parametrize("prose, documented", INDICATIONS)
def test_indication_told_around_the_opioids_sentence(prose, documented):
    assert _ind(prose) is documented


# a directions field under the item's name in a one-field-per-line export gives the reason; a reason field of another
# item, or a directions field with no symptom, does not
def _export(fields: str) -> bool:
    return extract_letter("Discharge summary (structured export)\n\nSTARTED\n    Medication item      Codeine phosphate "
                          "30mg tablets\n" + fields + "\n\n    Medication item      Omeprazole 20mg capsules\n"
                          "    Dosage instruction   ONE each morning for reflux\n" + SIGN_OFF).indication_documented


FIELD_REASONS = [
    ("    Dosage instruction   ONE or TWO tablets up to four times a day when required for ankle pain\n"
     "    Quantity             28 tablet", True),
    ("    Quantity             28 tablet\n    Directions: one tablet four times a day when needed for back pain", True),
    ("    Dosage instruction   ONE or TWO tablets up to four times a day when required\n    Quantity             28 tablet",
     False),
]


@pytest.mark.parametrize("fields, documented", FIELD_REASONS)
def test_a_directions_field_under_the_item_gives_the_reason(fields, documented):
    assert _export(fields) is documented


# "go back to the X alone" once the extra opioid is no longer needed is a step-down plan; going back home alone is not
BACK_TO_ALONE = [
    ("Once he no longer needs the morphine liquid he should go back to his regular paracetamol alone.", True),
    ("When the pain settles he can drop back to the usual tablets only, without the morphine liquid.", True),
    ("He will go back to the flat alone; his daughter visits daily.", False),
]


@pytest.mark.parametrize("prose, wean", BACK_TO_ALONE)
def test_going_back_to_one_drug_alone_is_a_step_down(prose, wean):
    assert _letter(prose).weaning_plan.present is wean
