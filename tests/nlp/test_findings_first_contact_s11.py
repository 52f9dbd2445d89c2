"""Classes of weaning-plan, GP-instruction, indication and risk-flag wording found wrong by the first-contact gold
sets fresh50 to fresh54 (session 11). Every line here was written for these tests; none is taken from a gold
letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("NORTHFIELD INFIRMARY - Discharge summary\nPatient: Test Person   DOB 03/04/1970   Discharged 10/03/2026\n\n"
        "Diagnosis: fractured left neck of humerus\n\n")
SIGN = "\nRegards,\n\nDr Writer\nFY2\n"
OPIOID = "- Oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules (new)\n"


def _letter(body: str):
    return extract_letter(HEAD + body + SIGN)


def _listed(body: str):
    """A letter whose discharge list holds the oxycodone, with ``body`` after it."""
    return _letter("Medicines on discharge:\n" + OPIOID + "\n" + body)


# a stop or taper told on another drug's medicine line, or in the fields of its item block, is that drug's plan
# (known to the lexicon or not); the same words on the opioid's own line, or a plan line of its own, are the opioid's
OTHER_DRUG_ITEM = [
    ("Medicines on discharge:\n- Ticagrelor 90mg BD (12 months then STOP)\n" + OPIOID, False),
    ("TTO:\n - ceftriax 1g od 3/7 then stop\n" + OPIOID, False),
    ("Medicines on discharge:\n1. Prednisolone 30mg tablets\n   Directions: 30mg each morning for 1 week, then taper"
     " by 5mg weekly\n2. Oxycodone 5mg capsules\n   Directions: one every 4 hours when required for pain\n", False),
    ("Discharge medication\n1. Paracetamol 500mg tablets\n   Take: 1g QDS (reduce to 500mg QDS if weight falls below"
     " 50kg)\n" + OPIOID, False),
    # near misses: the opioid's own line or item, and a plan line naming no drug
    ("Medicines on discharge:\n- Oxycodone 5mg capsules, one every 4 hours when required, 20 capsules - 5 days then"
     " STOP\n", True),
    ("Medicines on discharge:\n1. Oxycodone 5mg capsules\n   Directions: one every 4 hours when required for 5 days,"
     " then stop\n", True),
    ("Medicines on discharge:\n" + OPIOID + "\nPlan:\n- Step down to 5mg BD after 3 days then stop.\n", True),
    ("Medicines on discharge:\n" + OPIOID + "- Reduce to 5mg QDS after 3 days, then stop\n", True),
]


@pytest.mark.parametrize("body, present", OTHER_DRUG_ITEM)
def test_a_plan_on_another_drugs_item_is_not_the_opioids(body, present):
    assert _letter(body).weaning_plan.present is present


# advice already given to stop, with no time or condition, is history ("advised to stop and see the GP"); told with
# when to stop, it is the plan; a step-down told as done by someone ("weaned by the drug service") is history too
TOLD_TO_STOP = [
    ("He had been using his partner's dihydrocodeine at home; advised to stop and see his GP.\n", False),
    ("Past history: tramadol dependence 2021 (weaned by the community drug team).\n", False),
    ("She was advised to stop buying codeine linctus.\n", False),
    ("She has been told to stop the oxycodone when the current box runs out.\n", True),
    ("Advised to stop the oxycodone as the pain settles.\n", True),
    ("He was advised to stop the oxycodone after 5 days.\n", True),
    ("The oxycodone is to be weaned by the GP over 2 weeks.\n", True),
]


@pytest.mark.parametrize("body, present", TOLD_TO_STOP)
def test_advice_already_given_to_stop_is_no_plan_without_a_when(body, present):
    assert _listed(body).weaning_plan.present is present


# a benzodiazepine course told as run and finished on the ward ("regime completed on ward", "a reducing regimen of
# X, completed on the ward", "course complete") is no co-prescription; one still to be completed at home is
BENZO_COURSE_DONE = [
    ("Alcohol withdrawal - chlordiazepoxide regime completed on ward 06/03, nil further.\n", False),
    ("He was given a reducing regimen of chlordiazepoxide, completed on the ward.\n", False),
    ("She had a short chlordiazepoxide reducing regimen for withdrawal, completed two days before discharge.\n", False),
    ("Withdrawal covered with chlordiazepoxide on the ward, course complete.\n", False),
    ("Chlordiazepoxide 10mg QDS reducing regimen - to complete the course at home, 12 capsules supplied (new).\n", True),
    ("Diazepam 2mg three times a day for muscle spasm, 9 tablets (new) - course to be completed by 13/03.\n", True),
]


@pytest.mark.parametrize("body, flag", BENZO_COURSE_DONE)
def test_a_benzodiazepine_course_completed_on_the_ward_is_not_coprescribed(body, flag):
    letter = _listed(body)
    assert ("benzodiazepine_coprescribed" in letter.risk_flags) is flag


TRAMADOL = "Medicines on discharge:\n- Tramadol 50mg capsules, one or two four times a day when required, 30 capsules\n\n"
CODAMOL = ("Discharge medicines\nDrug\tDose\tFreq\tRoute\tQty\tStatus\nCo-codamol 30/500 tablets\t2 tablets\tQDS PRN\tOral"
           "\t56\tNew\n\n")


# the reason the opioid is given, told by a pain-relief label before it ("Pain relief for the wrist fracture:
# co-codamol"), by 'for it' back to a pain the sentence named, or by a use that went on up to admission; a use
# told as ended, or the diagnosis alone, is no reason for the drug discharged
INDICATION = [
    (CODAMOL, "Pain relief for the wrist fracture: co-codamol as above.\n", True),
    (CODAMOL, "Analgesia for rib fractures - co-codamol as listed.\n", True),
    (CODAMOL, "Diagnosis: wrist fracture. Co-codamol as above.\n", False),
    (CODAMOL, "Pain relief for the wrist fracture: paracetamol was not enough.\n", False),
    (TRAMADOL, "She has long-standing knee pain, and before admission she was on tramadol 50mg QDS for it.\n", True),
    (TRAMADOL, "She had been taking tramadol for several years for hip pain. We have restarted it.\n", True),
    (TRAMADOL, "Tramadol had been prescribed in the past for knee pain - not currently taking.\n", False),
    (TRAMADOL, "He was on tramadol for it years ago but it was stopped.\n", False),
]


@pytest.mark.parametrize("rx, body, documented", INDICATION)
def test_the_reason_for_the_opioid_told_away_from_its_line(rx, body, documented):
    assert _letter(rx + body).indication_documented is documented


NO_OPIOID = "Medicines on discharge:\n- Sertraline 50mg once daily\n- Omeprazole 20mg once daily\n\n"


# advice to keep clear of a class of products ("avoiding codeine-containing products", "no codeine-containing
# analgesia") is a caution, no GP action on an opioid; a request that names the opioid itself still is one
AVOID_CONTAINING = [
    (NO_OPIOID, "We would advise avoiding codeine-containing products in future.\n", False),
    (NO_OPIOID, "GP: please issue weekly prescriptions of sertraline only; no codeine-containing analgesia.\n", False),
    (NO_OPIOID, "Avoidance of codeine-containing medicines is recommended.\n", False),
    (NO_OPIOID, "GP: please do not prescribe codeine or tramadol again.\n", True),
    ("Medicines on discharge:\n" + OPIOID + "\n", "GP: please review the oxycodone at 1 week; no codeine-containing"
     " products alongside it.\n", True),
]


@pytest.mark.parametrize("rx, body, present", AVOID_CONTAINING)
def test_avoiding_containing_products_is_no_gp_instruction(rx, body, present):
    assert _letter(rx + body).gp_instruction.present is present


# a stopped list told on its heading's own line ("STOPPED: X (reason)") ends there: a next line opening with a label
# of its own is a new topic, and a GP request in it is read as one
PAL = ("Symptom control on d/c:\n - Fentanyl 12 mcg/hr patch q72h - usual, cont. Own supply\n"
       " - Oxycodone oral soln 5mg/5ml 2.5ml 4hrly PRN breathlessness - NEW - 100ml\n")
INLINE_STOPPED = [
    (PAL + "STOPPED: Abstral 100mcg SL (pt disliked)\nAnticipatory meds not at home yet: GP to prescribe JIC pack "
     "(morphine, midazolam, glyco) before weekend pls\n", True),
    (PAL + "Stopped: naproxen (gastritis)\nEnd of life meds: GP please prescribe anticipatory morphine, midazolam and "
     "levomepromazine.\n", True),
    (PAL + "STOPPED: Abstral 100mcg SL (pt disliked)\nNext of kin: wife, aware of plan.\n", False),
]


@pytest.mark.parametrize("body, present", INLINE_STOPPED)
def test_a_labelled_line_after_an_inline_stopped_list_is_read_on_its_own(body, present):
    assert _letter(body).gp_instruction.present is present


# of two requests under the same plan heading, the one that names the GP or practice is the GP's instruction; a bare
# "Please ..." there may be the ward's or the patient's
GP_NAMED_FIRST = [
    ("Plan:\n- Please wean the oxycodone down and stop it over the next week.\n"
     "- GP please do not continue oxycodone beyond the TTO supply.\n", "GP please do not continue"),
    ("Plan:\n- Please bring the oxycodone down to 5 mg twice a day after 3 days.\n"
     "- I would be grateful if your practice could stop the oxycodone at 1 week.\n", "I would be grateful if your practice"),
    ("Plan:\n- Please review the oxycodone at 1 week.\n- Please add the laxative to the repeat list.\n",
     "Please review the oxycodone"),
]


@pytest.mark.parametrize("body, start", GP_NAMED_FIRST)
def test_the_request_naming_the_gp_is_shown(body, start):
    gp = _listed(body).gp_instruction
    assert gp.present and gp.text.startswith(start)


# Session 11b (fresh56-59). A step-down only hoped for, with when it might come ("we would hope in time to reduce
# it"), or a plan said not to have been made ("we have not made any plans to reduce it further") is no plan; a plan
# that was made and told is one
HOPED_OR_NOT_MADE = [
    ("We would hope in time to reduce the oxycodone once the fracture heals.\n", False),
    ("We hope eventually to reduce her oxycodone as the pain settles.\n", False),
    ("We have not made any plans to reduce the oxycodone further.\n", False),
    ("No formal plan has been made to stop the oxycodone after discharge.\n", False),
    ("He has not yet agreed a plan to reduce the oxycodone over the coming weeks.\n", False),
    # near misses: the plan told
    ("We plan to reduce the oxycodone to 5mg QDS once the fracture heals.\n", True),
    ("We have made a plan to reduce the oxycodone further over the next two weeks, then stop.\n", True),
]


@pytest.mark.parametrize("body, present", HOPED_OR_NOT_MADE)
def test_a_hoped_for_or_unmade_step_down_is_no_plan(body, present):
    assert _listed(body).weaning_plan.present is present


# a stop told as what to do if a side effect appears is safety advice ("stop the tramadol if she becomes confused or
# drowsy"), not a step-down; a stop told with when the need ends is the plan
STOP_ON_SIDE_EFFECT = [
    ("Please stop the oxycodone if she becomes confused or drowsy.\n", False),
    ("Stop the oxycodone straight away if he is drowsy or muddled.\n", False),
    ("Stop taking the oxycodone if you feel very sleepy.\n", False),
    ("Stop the oxycodone should he become increasingly confused.\n", False),
    # near misses
    ("Please stop the oxycodone if the pain has settled by day 5.\n", True),
    ("Stop the oxycodone once the pain settles.\n", True),
]


@pytest.mark.parametrize("body, present", STOP_ON_SIDE_EFFECT)
def test_a_stop_on_a_side_effect_is_no_weaning_plan(body, present):
    assert _listed(body).weaning_plan.present is present


# what the letter suggests the patient does, told in the third person ("we would suggest she stops X within a week")
SUGGESTED_STOP = [
    ("We would suggest she stops the oxycodone within a week of going home.\n", True),
    ("We recommend that he comes off the oxycodone over the next fortnight.\n", True),
    ("I would advise he stops the oxycodone after five days.\n", True),
    # near misses: no time or condition, or not the opioid
    ("We suggest she stops smoking.\n", False),
    ("If the pain stops she can return to work.\n", False),
]


@pytest.mark.parametrize("body, present", SUGGESTED_STOP)
def test_a_suggested_stop_with_a_when_is_a_plan(body, present):
    assert _listed(body).weaning_plan.present is present


# a "GP:" line under a drug-history list is the GP's section ("DH: ... stopped 2022" / "GP: pls do not restart X"),
# also in a letter that discharges no opioid; a header's "GP: Dr A Smith, X Surgery" is no request
NO_OPIOID = "Medicines on discharge:\n- Omeprazole 40mg once daily\n- Paracetamol 1g four times a day when required\n\n"
GP_LINE_UNDER_HISTORY = [
    ("DH: tramadol 50mg QDS for back pain - stopped by GP 2022.\nGP: pls do not restart tramadol.\n", True),
    ("Drug history: codeine 30mg QDS, stopped 3 months ago (constipation).\nGP - please do not re-prescribe codeine.\n",
     True),
    ("DH: tramadol 50mg QDS for back pain - stopped by GP 2022.\nGP: Dr A Smith, Church View Surgery\n", False),
]


@pytest.mark.parametrize("body, present", GP_LINE_UNDER_HISTORY)
def test_a_gp_line_under_the_drug_history_is_the_gps(body, present):
    assert _letter(body + "\n" + NO_OPIOID).gp_instruction.present is present


# avoiding a class of products is advice for the patient; avoiding issuing or prescribing it is the GP's action
AVOID_ISSUING = [
    ("GP: pls avoid issuing codeine-containing analgesia in large quantities - weekly scripts if needed.\n", True),
    ("Please avoid prescribing codeine-containing painkillers in future.\n", True),
    ("Please avoid codeine-containing products.\n", False),
    ("GP: please note she should avoid codeine-containing medicines.\n", False),
]


@pytest.mark.parametrize("body, present", AVOID_ISSUING)
def test_avoid_issuing_a_class_is_a_gp_action(body, present):
    assert _listed(body).gp_instruction.present is present


# 'for this' opening the opioid's sentence refers back to the pain told just before it ("... chronic neck pain from
# spondylosis. For this he takes X"); with no pain told before, it names no reason
RX_PROSE = "oxycodone 5mg capsules, one up to four times a day when required, 28 capsules (long-term, unchanged).\n"
FOR_THIS = [
    ("He has chronic neck pain from cervical spondylosis.\nFor this he takes " + RX_PROSE, True),
    ("She has had painful knee osteoarthritis for years. For this, she has been taking " + RX_PROSE, True),
    ("Her hip pain was poorly controlled at home. For this we have started " + RX_PROSE, True),
    # near misses: nothing painful told before 'for this'
    ("He was admitted after a fall at home. For this he takes " + RX_PROSE, False),
    ("She has atrial fibrillation. For this she takes apixaban 5mg twice a day. She also takes " + RX_PROSE, False),
]


@pytest.mark.parametrize("body, documented", FOR_THIS)
def test_for_this_refers_back_to_the_pain_told_before(body, documented):
    head = ("NORTHFIELD INFIRMARY - Discharge summary\nPatient: Test Person   DOB 03/04/1970   Discharged 10/03/2026\n\n")
    assert extract_letter(head + body + SIGN).indication_documented is documented


# a discharge list's heading that gives its analgesia's reason ("TTO (analgesia for mech back pain):") documents the
# reason of the opioid under it; a heading with no reason, or a reason that is not a pain, does not
TTO_ITEMS = " - naproxen 500mg BD with food 7/7\n - codeine 30mg 1-2 QDS PRN, 28 tabs (new)\n"
LIST_HEADING_REASON = [
    ("TTO (analgesia for mech back pain):\n" + TTO_ITEMS, True),
    ("Discharge medications (pain relief for his rib fractures pain):\n" + TTO_ITEMS, True),
    ("Medicines on discharge (analgesia for left wrist pain)\n" + TTO_ITEMS, True),
    # near misses
    ("TTO (7 days):\n" + TTO_ITEMS, False),
    ("TTO (antibiotics for cellulitis):\n" + TTO_ITEMS, False),
]


@pytest.mark.parametrize("body, documented", LIST_HEADING_REASON)
def test_a_reason_in_the_discharge_lists_heading(body, documented):
    head = ("SDEC discharge summary   22/03/26\n41F. Mechanical low back pain after lifting.\n\n")
    assert extract_letter(head + body + SIGN).indication_documented is documented


# "for the district nurses to use if he cannot swallow" says what a supply is for; it asks no one anything
SUPPLY = "We have left a small supply of oxycodone 10mg/ml injection, 2.5mg SC when required, 5 ampoules, "
DISTRICT_NURSES = [
    (SUPPLY + "for the district nurses to use if she cannot swallow.\n", False),
    (SUPPLY + "for her district nurses to give if she is unable to take oral medicines.\n", False),
    (SUPPLY + "for the district nurses to use.\nGP: please review the oxycodone at 2 weeks.\n", True),
]


@pytest.mark.parametrize("body, present", DISTRICT_NURSES)
def test_a_supply_for_the_district_nurses_is_no_request(body, present):
    assert _listed(body).gp_instruction.present is present


# which GP request is shown: one told as the last clause of the sentence that gives a prescription ("For breakthrough
# pain she has X ..., but please discuss with us first") comes after a request sentence of its own
PROSE_RX = ("For breakthrough pain she has oxycodone 5mg capsules, one every 4 hours when required, 20 capsules; if she "
            "needs more than three doses a day, the dose could go up to 10mg, but please discuss with us first.\n")
REQUEST_SHOWN = [
    (PROSE_RX + "Please add the oxycodone to her repeat prescription for the next month.\n", "Please add"),
    (PROSE_RX + "I would be grateful if you could review the oxycodone at two weeks.\n", "I would be grateful"),
    # near misses: the prescription's clause is the only request; two requests of their own keep the letter's order
    (PROSE_RX, "For breakthrough pain"),
    ("She has oxycodone 5mg capsules, one every 4 hours when required, 20 capsules.\nPlease review the oxycodone at "
     "two weeks.\nPlease add the oxycodone to her repeat prescription.\n", "Please review"),
]


@pytest.mark.parametrize("body, shown", REQUEST_SHOWN)
def test_a_request_of_its_own_is_shown_before_one_on_a_prescription(body, shown):
    gp = extract_letter(HEAD + body + SIGN).gp_instruction
    assert gp.present and gp.text.startswith(shown)
