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


# A numbered or bulleted list under a request to the GP that ends in a colon ("I would be grateful if you could:")
# is a list of requests: an item about the opioid is a GP instruction though it does not address the GP itself.
LEAD_IN_LISTS = [
    ("I would be grateful if you could:\n1. Check his sodium in a week.\n2. Review the oxycodone at one week and "
     "stop it once the ankle settles.\n", True),
    ("Could you please:\n- book a wound check\n- reduce the oxycodone to 5mg at night after five days, then stop\n", True),
    ("We would be grateful if you would:\na) see him in a fortnight;\nb) wean the oxycodone as the pain settles.\n", True),
    # near misses: a lead-in that is not a request, a blank line after it, a request that does not end in a colon
    ("On the ward the following was done:\n1. Bloods taken.\n2. The oxycodone was started and should stop after "
     "five days.\n", False),
    ("I would be grateful if you could:\n\n1. The oxycodone should stop after five days.\n", False),
    ("I would be grateful if you could check his sodium.\n1. The oxycodone should stop after five days.\n", False),
]


@pytest.mark.parametrize("prose, gp", LEAD_IN_LISTS)
def test_an_item_under_a_request_lead_in_is_a_gp_instruction(prose, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present
    assert ex.gp_instruction.present is gp


# A GP heading at the start of the statement's own line ("Plan for GP: please see him in a week. The X can then be
# stopped") addresses the whole line to the GP, as a heading on the line above would.
INLINE_GP_HEADINGS = [
    ("Plan for GP: please see him in a week. If the ankle has settled by then, the oxycodone can be stopped.", True),
    ("For the GP: he will need a wound check. The oxycodone should then be reduced to 5mg at night and stopped after "
     "a further week.", True),
    ("Actions for GP: bloods in one week; the oxycodone is to stop after five days.", True),
    # near misses: a heading for someone else, or a GP heading that is not at the start of the line
    ("Plan for physio: mobilise daily. If the ankle has settled, the oxycodone can be stopped.", False),
    ("He saw us in clinic. Letter copied for GP: the oxycodone can be stopped after five days.", False),
]


@pytest.mark.parametrize("prose, gp", INLINE_GP_HEADINGS)
def test_a_gp_heading_at_the_start_of_the_line(prose, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present
    assert ex.gp_instruction.present is gp


# What community or district nurses (or the practice nurse or pharmacist) "will" do is care already arranged, told to
# the GP, not a request to the GP ("The district nurses will change the patch on Monday"); "GP will ...", "community
# team will ..." (the primary-care team, test_findings_plan_classes) and "district nurses to ..." stay requests.
ARRANGED_CARE = [
    ("The district nurses will visit and review the oxycodone on Monday.", False),
    ("The practice nurse will check the wound and the oxycodone supply at one week.", False),
    ("Community nurses will call daily and remove the dressing; the oxycodone is to stop after five days.", False),
    # near misses: requests to the GP or to the community team
    ("District nurses to review the oxycodone at one week.", True),
    ("GP will review the oxycodone at one week and stop it if settled.", True),
    ("Community nurses: please stop the oxycodone after five days.", True),
]


@pytest.mark.parametrize("prose, gp", ARRANGED_CARE)
def test_care_a_community_team_will_give_is_no_gp_instruction(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# A request to refer the patient about the opioid ("GP: please refer back to the pain clinic re his opioids") is an
# opioid-specific action; a referral about something else, or one only to consider for the pain, is not (README).
REFERRALS = [
    ("GP: please refer him back to the pain clinic about his opioids.", True),
    ("Could you re-refer him to the pain team regarding the oxycodone dose?", True),
    ("Please refer to the community pain service if he still needs the oxycodone in a month.", True),
    # near misses
    ("Please refer him to physiotherapy.", False),
    ("If the pain persists, you may wish to consider a referral to the pain clinic.", False),
    ("We have referred him to the pain clinic about the oxycodone.", False),
]


@pytest.mark.parametrize("prose, gp", REFERRALS)
def test_a_referral_about_the_opioid_is_a_gp_instruction(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# A step-down told as a noun with its target ("a further reduction of the X to 5 mg in two weeks") is a plan; a
# reduction of a symptom, or one that already happened, is not.
NOUN_REDUCTIONS = [
    ("If he stays comfortable we suggest a further reduction of the oxycodone to 5mg at night in a week.", True),
    ("The next oxycodone reduction to 5mg at night should follow in a week.", True),
    ("Please arrange a reduction in his oxycodone to 5mg daily once the ankle settles.", True),
    # near misses
    ("There has been a reduction in his pain since the operation.", False),
    ("A reduction of the swelling was seen on the ward.", False),
    ("His oxycodone dose was reduced to 5mg on the ward.", False),
]


@pytest.mark.parametrize("prose, wean", NOUN_REDUCTIONS)
def test_a_reduction_to_a_target_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A course told in the passive with its end ("it is to be taken for five days and then stopped") is a stop plan;
# the same words about the past are not.
PASSIVE_COURSES = [
    ("The oxycodone is to be taken for five days and then stopped.", True),
    ("The oxycodone capsules should be used for one week, then discontinued.", True),
    ("The oxycodone will be given for three days and then stopped.", True),
    # near misses: the past
    ("Before admission codeine was taken for five days and then stopped.", False),
    ("On the ward the morphine was used for a week then stopped.", False),
]


@pytest.mark.parametrize("prose, wean", PASSIVE_COURSES)
def test_a_passive_course_then_stopped_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# Telling the patient to stop a drug at once ("told to stop it now that he has X", "advised to stop the codeine
# completely") is a stop that happens at discharge, not a plan to step down or stop later.
IMMEDIATE_STOPS = [
    ("He had been buying co-codamol; he was told to stop it now that he has oxycodone.", False),
    ("Advised to stop the over-the-counter codeine immediately.", False),
    ("She was asked to stop taking the tramadol straight away.", False),
    # near misses: a stop with a time or condition
    ("Advised to stop the oxycodone completely within five days.", True),
    ("Advised to stop the oxycodone completely once the ankle has healed.", True),
]


@pytest.mark.parametrize("prose, wean", IMMEDIATE_STOPS)
def test_an_immediate_stop_told_to_the_patient_is_no_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A date of birth written "b. 12/03/1950", and an age after the patient's name followed by a run of spaces (a
# fixed-width header: "Mr A EXAMPLE, 41   NHS No ..."), are read; a "b." that is no birth date, and a number after
# the name that runs into words with one space, are not.
AGES = [
    ("MR ALAN EXAMPLE   b. 12/03/1950   NHS No 999 000 0000\nAdmitted 01/04/2026, discharged 05/04/2026\n", 76),
    ("Mrs Jo Test  b. 02/11/1960\nDischarged: 10/01/2026\n", 65),
    ("Mr Ben TESTER, 41   NHS No: 999 000 0001   Hosp No: X-1\n", 41),
    ("Ms Ann Sample (58)    Ward 4\n", 58),
    # near misses
    ("Mr Ben TESTER, 12 High Street, Testtown\n", None),
    ("Ward b. 3 beds, Mr Ben TESTER\n", None),
]


@pytest.mark.parametrize("head, age", AGES)
def test_birth_date_after_b_and_an_age_before_spaces(head, age):
    from nlp.findings import patient_age
    assert patient_age(head + "\nDear Dr Example,\n") == age


NO_REASON_TTO = ("Dear Dr Example,\n\nDischarge medications:\n- Oxycodone 5mg capsules, one every 4 hours when required "
                 "(20 capsules)\n- Omeprazole 20mg od\n\n")


def _indicated(letter: str) -> bool:
    ex = extract_letter(letter + END)
    assert ex.opioids
    return ex.indication_documented


# A reason label with its scope in brackets ("Indication (all analgesics): hip pain") is a labelled reason for the
# analgesia; an empty one, or one scoped to other drugs, is not.
SCOPED_LABELS = [
    ("Indication (all analgesics): fractured hip pain.", True),
    ("Reason (opioids) - post-operative pain", True),
    ("Indications (for the painkillers): ankle fracture", True),
    # near misses
    ("Indication (all analgesics): n/a", False),
    ("Indication (antibiotics): cellulitis", False),
]


@pytest.mark.parametrize("label, documented", SCOPED_LABELS)
def test_a_reason_label_scoped_in_brackets(label, documented):
    assert _indicated(NO_REASON_TTO + label + "\n") is documented


# A bare reason label opening the sentence after one that names the opioid, on the same line ("GP to stop the X
# after 5 days. Indication: post-op pain."), is that opioid's reason when it names a symptom.
NEXT_LABELS = [
    ("GP to stop the oxycodone after 5 days. Indication: post-operative pain.", True),
    ("Please review the oxycodone at one week. Reason: ankle fracture pain.", True),
    # near misses: no symptom, or the sentence before names another drug
    ("GP to stop the oxycodone after 5 days. Indication: cellulitis.", False),
    ("Please check the omeprazole at one week. Indication: epigastric pain.", False),
]


@pytest.mark.parametrize("prose, documented", NEXT_LABELS)
def test_a_bare_reason_label_after_the_opioids_sentence(prose, documented):
    assert _indicated(NO_REASON_TTO + prose + "\n") is documented


# A list item wrapped onto an indented line below it keeps its reason ("- X patch, one every 72 hours\n  (long-term,
# back pain)"), also after a bullet followed by a no-break space; a new item or an unindented line is not the item.
WRAPPED_ITEMS = [
    ("\u2022\u00a0Oxycodone 5mg capsules \u2014 one every 4 hours when required (20 capsules)\n"
     " (new, ankle fracture pain)\n", True),
    ("- Oxycodone 5mg capsules, one every 4 hours when required (20 capsules)\n   for the ankle pain after the fall\n",
     True),
    # near misses
    ("- Oxycodone 5mg capsules, one every 4 hours when required (20 capsules)\n- Paracetamol 1g qds for pain\n", False),
    ("- Oxycodone 5mg capsules, one every 4 hours when required (20 capsules)\nPain score 2/10 on discharge.\n", False),
]


@pytest.mark.parametrize("items, documented", WRAPPED_ITEMS)
def test_a_reason_on_the_wrapped_line_of_a_list_item(items, documented):
    assert _indicated("Dear Dr Example,\n\nDischarge medications:\n" + items + "- Omeprazole 20mg od\n\n") is documented


# A misspelt generic of a co-prescription class just before its dose ("Pregablin 75mg bd", "Diazepan 2mg") is read
# with the opioid names' safety rules: six letters or more, one edit, same first two letters, a dose figure after it,
# never a brand (brands are often ordinary words) and never a word without a dose.
FUZZY_CO_DRUGS = [
    ("- Pregablin 75mg bd (usual)\n", "gabapentinoid_coprescribed", True),
    ("- Gabapentn 300mg tds\n", "gabapentinoid_coprescribed", True),
    ("- Diazepan 2mg tds prn, 10 tablets\n", "benzodiazepine_coprescribed", True),
    ("- Temazepm 10mg nocte\n", "benzodiazepine_coprescribed", True),
    # near misses: two edits, a misspelt brand, no dose after the word
    ("- Prgablin 75mg bd\n", "gabapentinoid_coprescribed", False),
    ("- Lyrika 75mg bd\n", "gabapentinoid_coprescribed", False),
    ("- Paracetamol 1g qds\nPMH: neuralgia (on pregablin via the pain clinic)\n", "gabapentinoid_coprescribed", False),
]


@pytest.mark.parametrize("line, flag, flagged", FUZZY_CO_DRUGS)
def test_a_misspelt_co_prescribed_drug_before_its_dose(line, flag, flagged):
    ex = extract_letter("Dear Dr Example,\n\nDischarge medications:\n- Oxycodone 5mg capsules, one every 4 hours when "
                        "required for pain (20 capsules)\n" + line + "\n" + END)
    assert ex.opioids
    assert (flag in ex.risk_flags) is flagged


# A last dose dated on or before the discharge date ("morphine prn (last dose 08/03)" on a letter discharging on
# 10/03) was given in hospital: no limit on future use; a last dose after discharge, or on a day of the course, is.
PAST_LAST_DOSES = [
    ("Inpatient analgesia: morphine prn (last dose 08/03) - stopped before discharge.", False),
    ("Oxycodone: last dose 10/03 in the morning, then home.", False),
    ("Ward morphine last dose 07/03/2026, not needed since.", False),
    # near misses
    ("Oxycodone: last dose on 15/03, then stop.", True),
    ("Oxycodone: last dose on day 5.", True),
]


@pytest.mark.parametrize("prose, wean", PAST_LAST_DOSES)
def test_a_last_dose_before_discharge_is_no_plan(prose, wean):
    ex = extract_letter("Discharged: 10/03/2026\n\nDischarge medications:\n- Oxycodone 5mg capsules, one every 4 hours "
                        "when required for pain (20 capsules)\n\n" + prose + END)
    assert ex.opioids
    assert ex.weaning_plan.present is wean


# When several statements are explicit plans, one that opens with a plan label ("Analgesia plan:", "Plan -") is the
# letter's plan, over a stop written earlier in a prescription line; a bare cap under a label does not beat an
# explicit plan.
LABELLED_PLANS = [
    ("Analgesia plan: oxycodone for 5 days then stop, then paracetamol only.", "Analgesia plan:"),
    ("Plan - reduce the oxycodone to 5mg at night after 3 days, then stop.", "Plan - "),
    ("Weaning plan: stop the oxycodone once the ankle settles.", "Weaning plan:"),
    # near miss: only a cap on the length of use under the label; the explicit stop on the item stays
    ("Plan: oxycodone is a short course.", "- Oxycodone"),
]


@pytest.mark.parametrize("prose, start", LABELLED_PLANS)
def test_a_labelled_plan_is_shown_first(prose, start):
    ex = extract_letter("Dear Dr Example,\n\nDischarge medications:\n- Oxycodone 5mg capsules, one every 4 hours when "
                        "required for pain (20 capsules), for 5 days then stop\n- Omeprazole 20mg od\n\n" + prose + END)
    assert ex.opioids
    assert ex.weaning_plan.present
    assert ex.weaning_plan.text.startswith(start.lstrip("- ")) or ex.weaning_plan.text.startswith(start)
