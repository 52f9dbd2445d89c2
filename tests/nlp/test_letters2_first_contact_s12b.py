"""Session 12b: letter-level findings of transfer letters, label printouts and the like (wording written for these
tests, not copied from any gold letter)."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

# a letter sent to a care home, district nurses or a visiting team: its bare requests are theirs, not the GP's
OTHER_ADDRESSEES = [
    "TO: Oakfield Intermediate Care Unit (step-down beds)\nDate: 03/03/2025\n",
    "Transfer back to: Willow Bank Care Home      Date: 01/02/2025\n",
    "Referral to the District Nursing Team (South)\n",
    "Hospice at home referral to District Nurses (West Locality)\n",
    "To: Manager, Elm House Nursing Home     cc: Dr Q Smith, Hill Surgery\n",
    "Discharge to: Beech Court Residential Home\n",
]
REQUESTS = [
    "Please remove the oxycodone from the MAR chart.",
    "Please continue the patch chart and change the fentanyl patch every 72 hours.",
    "Please do not give the oxycodone MR with the co-codamol.",
]
BODY = ("Resident: Mrs Ada Test, aged 88\n\nMedicines on transfer:\n"
        "- Oxycodone MR 10mg tablets one twice a day for hip pain, 14 tablets supplied\n"
        "- Fentanyl 12 micrograms/hour patch every 72 hours for back pain\n"
        "- Omeprazole 20mg once daily\n\n")


@pytest.mark.parametrize("header", OTHER_ADDRESSEES)
@pytest.mark.parametrize("request_", REQUESTS)
def test_a_bare_request_in_a_letter_to_another_team_is_not_the_gps(header, request_):
    ex = extract_letter(header + BODY + request_ + "\n\nStaff Nurse Writer\n")
    assert ex.opioids
    assert not ex.gp_instruction.present, ex.gp_instruction.text


GP_NAMED = [
    "GP: please review the oxycodone MR at two weeks.",
    "Please could the GP review the oxycodone MR at two weeks.",
]


@pytest.mark.parametrize("header", OTHER_ADDRESSEES)
@pytest.mark.parametrize("request_", GP_NAMED)
def test_a_request_naming_the_gp_stays_the_gps(header, request_):
    ex = extract_letter(header + BODY + request_ + "\n\nStaff Nurse Writer\n")
    assert ex.gp_instruction.present


GP_ADDRESSEES = [
    "To: Dr Q Smith, Hill Surgery     cc: District Nurses\n",
    "Discharge to: own home with district nurse support\n",
    "Dear Dr Smith,\n",
]


@pytest.mark.parametrize("header", GP_ADDRESSEES)
def test_a_bare_request_in_a_letter_to_the_gp_is_the_gps(header):
    ex = extract_letter(header + BODY + "Please review the oxycodone MR at two weeks.\n\nDr Writer\n")
    assert ex.gp_instruction.present


# a stage IV cancer is spread disease: an MR opioid there is no opioid for acute pain
ADVANCED = [
    ("Stage IV adenocarcinoma of the lung with pleural disease.", "palliative"),
    ("Carcinoma of the breast, stage 4, on letrozole.", "palliative"),
    ("Known lymphangitis carcinomatosa.", "palliative"),
    ("T2 N1 M0 stage IV squamous cell carcinoma of the larynx, for surgery.", "acute_new"),
    ("CKD stage 4, on no dialysis.", "acute_new"),
]


@pytest.mark.parametrize("line,scenario", ADVANCED)
def test_a_stage_four_cancer_is_not_acute_pain(line, scenario):
    ex = extract_letter("Discharge summary\nDiagnosis: " + line + "\nBreathless on exertion.\n\n"
                        "Medicines on discharge:\n- Morphine MR 10mg tablets one twice a day, 14 tablets (new)\n"
                        "- Omeprazole 20mg once daily\n\nDr Writer\n")
    assert ex.scenario == scenario
    assert ("mr_opioid_for_acute_pain" in ex.risk_flags) == (scenario == "acute_new")


# a switch between two regular-release products of one drug carries on pre-existing use
BRAND_SWITCHES = [
    ("He had been on BuTrans 10 micrograms/hour for years but the adhesive irritated; on the ward this was changed "
     "to a Transtec patch.\n", "chronic_preexisting"),
    ("She was on Zomorph 20mg twice daily before admission; the team switched her to MST Continus.\n",
     "chronic_preexisting"),
    # from an immediate-release form of the same drug: nothing pre-existing
    ("Oramorph 5mg was given on the ward and she was then switched to MST Continus.\n", "acute_new"),
]
PATCH_RX = "- Buprenorphine (Transtec) 35 micrograms/hour patch twice weekly for knee pain, 8 patches (new)\n"
MR_RX = "- MST Continus 20mg tablets one twice a day for knee pain, 28 tablets (new)\n"


@pytest.mark.parametrize("story,scenario", BRAND_SWITCHES)
def test_a_switch_between_regular_products_of_one_drug(story, scenario):
    rx = PATCH_RX if "Transtec" in story else MR_RX
    ex = extract_letter("Discharge summary\nDiagnosis: knee osteoarthritis flare.\n" + story +
                        "\nMedicines on discharge:\n" + rx + "- Omeprazole 20mg once daily\n\nDr Writer\n")
    assert ex.scenario == scenario
    assert ("mr_opioid_for_acute_pain" in ex.risk_flags) == (scenario == "acute_new")


# a limit on the indented direction line under an opioid's label or item line is the opioid's plan
LABEL_LIMITS = [
    ("Label 101   TRAMADOL 50MG CAPSULES        20 x 50mg capsules\n"
     "            Take ONE or TWO capsules up to FOUR times a day when required for pain.\n"
     "            DO NOT USE FOR MORE THAN 5 DAYS.  May cause drowsiness.\n", True),
    ("Oxycodone 5mg capsules\n"
     "  Before: not taking   After: one capsule every 6 hours when required, 12 capsules, for 3 days then stop\n",
     True),
    # the limit under another drug's label is that drug's
    ("Label 101   TRAMADOL 50MG CAPSULES        20 x 50mg capsules\n"
     "            Take ONE capsule up to FOUR times a day when required for pain.\n"
     "Label 102   NAPROXEN 500MG TABLETS        10 tablets\n"
     "            Take ONE tablet twice a day. DO NOT USE FOR MORE THAN 5 DAYS.\n", False),
]


@pytest.mark.parametrize("block,plan", LABEL_LIMITS)
def test_a_limit_under_an_opioid_label(block, plan):
    ex = extract_letter("Pharmacy discharge prescription\nPatient: A Test  DOB 02/02/1980\n\n" + block +
                        "Label 103   OMEPRAZOLE 20MG CAPSULES      28 capsules\n"
                        "            Take ONE capsule daily.\n")
    assert ex.opioids
    assert ex.weaning_plan.present == plan, ex.weaning_plan.text


# the terse age and sex ending a sentence of the header
TERSE_AGES = [
    ("ED discharge note\n47M. Fell from a ladder.\n", 47),
    ("Ward 4 summary\nPatient: Mrs Jane Example, 91F. Admitted with a fall.\n", 91),
    ("Ward 4 summary\nTemp 38.2, HR 110. Hb 10.5M units.\n", None),
]


@pytest.mark.parametrize("head,age", TERSE_AGES)
def test_a_terse_age_ending_a_sentence(head, age):
    from nlp.findings import patient_age
    assert patient_age(head + "Discharged on codeine 30mg QDS PRN.\n") == age


# a course told as completed before the drug's name has ended: no co-prescription on discharge
COMPLETED_COURSES = [
    ("He completed an inpatient chlordiazepoxide reducing regimen on 02/02 for alcohol withdrawal.", False),
    ("He has finished the diazepam 5mg reducing course started on the ward.", False),
    ("She finished a short course of lorazepam for agitation on the ward.", False),
    ("Withdrawal was covered with diazepam, finished on the ward.", False),
    ("Lorazepam 1mg BD for agitation - completed during this admission.", False),
    ("He will complete a diazepam reducing regimen at home: diazepam 5mg TDS for 3 days, then 5mg BD.", True),
]


@pytest.mark.parametrize("story,flag", COMPLETED_COURSES)
def test_a_completed_course_is_no_coprescription(story, flag):
    ex = extract_letter("Discharge summary\nAdmitted with pancreatitis. " + story + "\n\nMedicines on discharge:\n"
                        "- Dihydrocodeine 30mg tablets one every 6 hours as required for pain, 28 tablets (new)\n"
                        "- Omeprazole 20mg once daily\n\nDr Writer\n")
    assert ("benzodiazepine_coprescribed" in ex.risk_flags) == flag


# a dispensing label's directions on the line under the item's name line carry its reason
LABEL_REASONS = [
    ("MORPHINE 10MG/5ML ORAL SOLUTION   1 x 100ml\n"
     "Take 5ml every FOUR hours when required for leg pain. Maximum SIX doses in 24 hours.\n", True),
    ("TRAMADOL 50MG CAPSULES   20 capsules\n"
     "Take ONE or TWO capsules FOUR times a day when required for back pain.\n", True),
    ("TRAMADOL 50MG CAPSULES   20 capsules\n"
     "Take ONE or TWO capsules FOUR times a day when required.\n", False),
]


@pytest.mark.parametrize("label,documented", LABEL_REASONS)
def test_a_reason_on_the_label_directions(label, documented):
    ex = extract_letter("Pharmacy discharge labels\nPatient: B Test  DOB 03/03/1990\nDiagnosis: fall.\n\n"
                        "LABEL 1 | Rx 1001\n" + label + "LABEL 2 | Rx 1002\nOMEPRAZOLE 20MG CAPSULES   28 capsules\n"
                        "Take ONE capsule ONCE a day.\n")
    assert ex.opioids
    assert ex.indication_documented == documented
