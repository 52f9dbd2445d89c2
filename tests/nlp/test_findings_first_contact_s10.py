"""Classes of weaning-plan, GP-instruction, indication and co-prescription wording found wrong by the first-contact
gold sets fresh38 to fresh41 (session 10). Every line here was written for these tests; none is taken from a gold
letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("WESTBROOK GENERAL HOSPITAL - Discharge summary\nPatient: Test Person   DOB 03/04/1970   Discharged 10/03/2026\n\n"
        "Diagnosis: closed fracture of the left distal radius\n\n")
LIST = ("Medicines on discharge:\n- Morphine sulfate MR 10mg tablets, one twice a day, 14 tablets (new)\n"
        "- Paracetamol 1g four times a day\n\n")
SIGN = "\nKind regards,\n\nDr Writer\nCT1\n"


def _letter(body: str, rx: str = LIST):
    return extract_letter(HEAD + rx + body + SIGN)


# a co-prescribed benzodiazepine whose course is told as finished or not carried on is no co-prescription
BENZO_COURSE_OVER = [
    ("Lorazepam detox completed on the ward on 05/03, no withdrawal features.\n", False),
    ("Diazepam reducing regimen finished in hospital - not continued.\n", False),
    ("Oxazepam was not carried on at discharge.\n", False),
    ("We have started diazepam 2mg three times a day for muscle spasm, 9 tablets.\n", True),
    ("Diazepam 2mg tds for spasm (new), 9 tablets - not to be continued beyond 3 days.\n", True),
]


@pytest.mark.parametrize("body, flag", BENZO_COURSE_OVER)
def test_a_finished_benzodiazepine_course_is_not_coprescribed(body, flag):
    assert ("benzodiazepine_coprescribed" in _letter(body).risk_flags) is flag


# a step-down verb with a hyphenated drug name between it and "down to" ("step co-dydramol down to ...")
STEP_NAME_DOWN = [
    ("Plan: GP to step co-dydramol down to one tablet QDS after a week, then stop.\n",
     "- Co-dydramol 10/500 two tablets four times a day, 56 tablets (new)\n\n", True),
    ("Plan: bring the Zomorph down to 5 mg twice a day at the two-week review.\n", LIST, True),
    ("Plan: step co-dydramol up to two tablets QDS if needed.\n",
     "- Co-dydramol 10/500 one tablet four times a day, 28 tablets (new)\n\n", False),
]


@pytest.mark.parametrize("body, rx, wean", STEP_NAME_DOWN)
def test_a_hyphenated_drug_between_step_and_down_is_a_plan(body, rx, wean):
    assert _letter(body, rx if rx is LIST else "Medicines on discharge:\n" + rx).weaning_plan.present is wean


# a field of an item block (pharmacy notes, duration) is about the block's drug; "no step-down needed" beside a stop
# leaves the stop a plan
ITEM_BLOCK = (
    "Item 1\n   Drug: Oxycodone 5 mg capsules\n   Dose: 5 mg   Frequency: four times a day when required\n"
    "   Status: NEW   Qty: 20 capsules\n   {field}\n\nItem 2\n   Drug: Paracetamol 500 mg tablets\n"
    "   Dose: 1 g four times a day\n\n")
ITEM_FIELDS = [
    ("Duration:   5 days then stop", True),
    ("Instructions: three days, then stop", True),
    ("Pharmacy notes: 5 days only - stop after 5 days, no taper required", True),
    ("Pharmacist comments: stop after 5 days; no step-down needed", True),
    ("Duration:   5 days", False),
    ("Pharmacy notes: no step-down needed", False),
]


@pytest.mark.parametrize("field, wean", ITEM_FIELDS)
def test_a_stop_in_an_item_blocks_field_is_a_plan(field, wean):
    ex = extract_letter(HEAD + ITEM_BLOCK.format(field=field) + SIGN)
    assert ex.weaning_plan.present is wean


# a prose sentence that began on the line above names its drug there; a cap on the length of use in its wrapped part
# is a plan about that drug
WRAPPED = [
    ("For home we have given him morphine sulfate 10 mg modified-release tablets, one twice a day with food\n"
     "if tolerated, fourteen tablets, for no more than seven days, with regular paracetamol.\n", True),
    ("For home we have given him morphine sulfate 10 mg modified-release tablets, one twice a day with food\n"
     "if tolerated, fourteen tablets, with regular paracetamol.\n", False),
]


@pytest.mark.parametrize("body, wean", WRAPPED)
def test_a_cap_in_the_wrapped_part_of_a_sentence_is_about_its_drug(body, wean):
    assert extract_letter(HEAD + "Dear Dr Smith,\n\n" + body + SIGN).weaning_plan.present is wean


# a "GP:" line of its own right after a STOPPED list opens the GP's section: a step-down there is a plan
GP_AFTER_STOPPED = [
    ("STOPPED: Naproxen 500mg bd - gastritis\nGP: pls step down morphine MR to 5mg bd at 2/52 if settled.\n", True, True),
    ("STOPPED: Naproxen 500mg bd - gastritis\nGP: please review morphine MR at 2/52.\n", False, True),
    ("STOPPED: Morphine MR 30mg bd - switched, step down to 10mg bd at 2/52 if settled\n", False, False),
]


@pytest.mark.parametrize("body, wean, gp", GP_AFTER_STOPPED)
def test_a_gp_line_after_a_stopped_list_is_its_own_section(body, wean, gp):
    ex = _letter(body)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# "w/d" written as a verb is to withdraw the drug; the noun (alcohol w/d) is no plan
WITHDRAW_SHORT = [
    ("Morphine MR - plan to w/d over 2/52 once pain settles.\n", True),
    ("Morphine MR: will w/d over 10/7 when mobile.\n", True),
    ("Alcohol w/d scores low after 48h, chlordiazepoxide not needed.\n", False),
]


@pytest.mark.parametrize("body, wean", WITHDRAW_SHORT)
def test_w_slash_d_as_a_verb_is_a_plan(body, wean):
    assert _letter(body).weaning_plan.present is wean


# a request to issue "the reducing prescriptions" right after the plan refers back to the opioid's plan; "I would ask
# that ..." and "we would ask you (only) to ..." address the GP
GP_REQUESTS = [
    ("Plan: reduce the morphine MR by 5 mg every two weeks until stopped. Could the surgery please issue the reducing "
     "prescriptions as they fall due?\n", True),
    ("Plan: reduce the morphine MR by 5 mg every two weeks until stopped. We would ask you only to prescribe the lower "
     "doses as they come due.\n", True),
    ("I would ask that the morphine is not increased and that it is stopped once the fracture has healed.\n", True),
    ("I would ask that he is seen in fracture clinic in a week.\n", False),
    ("We would ask you to check his bloods in a week.\n", False),
]


@pytest.mark.parametrize("body, gp", GP_REQUESTS)
def test_asking_the_gp_about_the_opioid_or_its_plan_is_a_gp_instruction(body, gp):
    assert _letter(body).gp_instruction.present is gp


# an expectation ("we expect he will be able to come off it") is no plan; the request after it that tells the
# reduction "as the <adjective> pain improves" is the plan
EXPECTATION = [
    ("We expect she will be able to come off the morphine once the wrist pain settles.\n", False),
    ("Please review her morphine in a week and reduce it as the wrist pain improves.\n", True),
    ("Please review her morphine in a week and reduce it as needed.\n", False),
]


@pytest.mark.parametrize("body, wean", EXPECTATION)
def test_an_expectation_is_no_plan_and_a_reduction_as_pain_improves_is(body, wean):
    assert _letter(body).weaning_plan.present is wean


# a patch to be removed and not replaced once a condition is met is a stop plan; removing the old patch is none
PATCH_REMOVED = [
    ("The BuTrans should be removed and not replaced once he is walking with his frame.\n", True),
    ("The patch is to be removed and not re-applied after two weeks.\n", True),
    ("The old patch should be removed before the new one is applied.\n", False),
]


@pytest.mark.parametrize("body, wean", PATCH_REMOVED)
def test_a_patch_removed_and_not_replaced_is_a_plan(body, wean):
    rx = ("Medicines on discharge:\n- BuTrans 5 micrograms/hour patch, one every 7 days, 2 patches (new)\n"
          "- Paracetamol 1g four times a day\n\n")
    assert _letter(body, rx).weaning_plan.present is wean


# a reason phrase that ends its line, the sentence running on to the next line, is still read
LINE_END_REASON = [
    ("Medicines on discharge:\n- Morphine sulfate 10mg/5ml oral solution 2.5-5ml 4-hourly PRN, 100ml (new)\n"
     "- Paracetamol 1g four times a day\n\nPHARMACY CHECK: naproxen stopped (renal), morphine solution for incident pain\n"
     "instead - 2.5 to 5 ml per dose.\n", True),
    ("Medicines on discharge:\n- Morphine sulfate 10mg/5ml oral solution 2.5-5ml 4-hourly PRN, 100ml (new)\n"
     "- Paracetamol 1g four times a day\n\nPHARMACY CHECK: naproxen stopped (renal), morphine solution from the ward\n"
     "instead - 2.5 to 5 ml per dose.\n", False),
]


@pytest.mark.parametrize("body, ind", LINE_END_REASON)
def test_a_reason_at_the_end_of_a_wrapped_line_is_read(body, ind):
    ex = extract_letter(HEAD + body + SIGN)
    assert ex.opioids
    assert ex.indication_documented is ind


# "To control this we increased his X" refers back to the pain told just before in the paragraph; "painful
# <condition> is managed with X" states the reason
REFERS_BACK = [
    ("Her hip pain had been poorly controlled at home. Paracetamol alone was not enough. To control this we started "
     "morphine sulfate MR 10 mg twice a day, 14 tablets supplied.\n", True),
    ("Her sodium had been low at home. To correct this we stopped the diuretic. We also started morphine sulfate MR "
     "10 mg twice a day, 14 tablets supplied.\n", False),
    ("Her sodium had been low at home. To treat this we started morphine sulfate MR 10 mg twice a day, 14 tablets "
     "supplied.\n", False),
    ("Her painful peripheral neuropathy is managed with morphine sulfate MR 10 mg twice a day, 14 tablets "
     "supplied.\n", True),
    ("Her peripheral neuropathy is managed with morphine sulfate MR 10 mg twice a day, 14 tablets supplied.\n", False),
]


@pytest.mark.parametrize("body, ind", REFERS_BACK)
def test_a_reason_told_by_reference_or_as_a_painful_condition(body, ind):
    ex = extract_letter(HEAD + "Dear Dr Smith,\n\n" + body + SIGN)
    assert ex.opioids
    assert ex.indication_documented is ind


# a discharge opioid that replaces a modified-release opioid or patch the patient was taking is a rotation of
# pre-existing use (no MR-for-acute-pain flag); replacing an immediate-release, bought or in-hospital opioid is not
ROTATION = [
    ("Medicines on discharge:\n- Oxycodone MR 10mg bd, 14 tablets - started this admission (switched from MST)\n"
     "- Paracetamol 1g qds\n", "chronic_preexisting"),
    ("He had been taking morphine MR 30 mg twice daily. We have switched him from the morphine to oxycodone MR "
     "10 mg twice daily, started today, 14 tablets supplied.\n", "chronic_preexisting"),
    ("Medicines on discharge:\n- Oxycodone MR 10mg bd, 14 tablets - new, replaces Zomorph\n- Paracetamol 1g qds\n",
     "chronic_preexisting"),
    ("Medicines on discharge:\n- Oxycodone MR 10mg bd, 14 tablets - new, replaces co-codamol\n- Paracetamol 1g qds\n",
     "acute_new"),
    ("Medicines on discharge:\n- Oxycodone MR 10mg bd, 14 tablets - new (switched from IV morphine PCA)\n"
     "- Paracetamol 1g qds\n", "acute_new"),
    ("Medicines on discharge:\n- Oxycodone MR 10mg bd, 14 tablets - new\n- Paracetamol 1g qds\n", "acute_new"),
]


@pytest.mark.parametrize("body, scenario", ROTATION)
def test_replacing_a_regular_release_opioid_is_pre_existing_use(body, scenario):
    ex = extract_letter(HEAD + body + SIGN)
    assert ex.scenario == scenario
    assert ("mr_opioid_for_acute_pain" in ex.risk_flags) is (scenario == "acute_new")
