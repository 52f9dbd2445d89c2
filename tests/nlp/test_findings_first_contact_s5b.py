"""Classes of plan and GP-instruction phrasing found missing by the first-contact gold sets fresh5/fresh6. Every
sentence here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Oxycodone 5mg capsules 5mg every 4 hours when required for pain (20 capsules)\n" \
      "- Omeprazole 20mg od\n"

LETTER = ("Dear Dr Example,\n\nMr Test was admitted with a fractured ankle, fixed in theatre. He goes home on oxycodone "
          "5mg capsules, one every 4 hours when required for pain, 20 capsules, and omeprazole 20mg od.\n\n")


def _plan(prose: str, heading: str = "Plan:"):
    ex = extract_letter(TTO + "\n" + heading + "\n" + prose + "\n")
    assert ex.opioids
    return ex


# A future-perfect stop: the patient "is to have stopped it (altogether) by/within" a time is a plan to stop.
FUTURE_PERFECT_STOP = [
    ("The aim is for him to have stopped the oxycodone within ten days of discharge.", True),
    ("We expect he will have come off the oxycodone by his clinic visit.", True),
    ("He should have finished the oxycodone before the fracture clinic appointment.", True),
    # near misses: a stop that already happened, a stop of another thing
    ("He has stopped taking the oxycodone at night already.", False),
    ("He had stopped the oxycodone before admission and restarted it here.", False),
    ("He is to have the sutures out within ten days.", False),
]


@pytest.mark.parametrize("prose, plan", FUTURE_PERFECT_STOP)
def test_a_future_perfect_stop_is_a_plan(prose, plan):
    assert _plan(prose).weaning_plan.present is plan


# A short opioid period followed by a plain or simple analgesic ("72 hours only, thereafter plain paracetamol") or by
# "off" ("5/7 course then off"), or the expectation to manage on a simple analgesic alone afterwards, steps down.
STEP_DOWN_TO_SIMPLE = [
    ("Oxycodone for the first 48 hours only, thereafter simple analgesia.", True),
    ("Oxycodone: 5/7 course then off.", True),
    ("Oxycodone for three days only, then plain paracetamol.", True),
    ("Once the capsules run out he should manage on paracetamol alone.", True),
    ("He can then cope with simple analgesia only once the swelling is down.", True),
    # near misses: a present state, an add-on rather than a replacement
    ("He manages on paracetamol alone at home most days.", False),
    ("Oxycodone as needed, thereafter continue his usual medicines.", False),
    ("Paracetamol regularly and oxycodone on top when needed.", False),
]


@pytest.mark.parametrize("prose, plan", STEP_DOWN_TO_SIMPLE)
def test_a_step_down_to_a_simple_analgesic_is_a_plan(prose, plan):
    assert _plan(prose).weaning_plan.present is plan


# "As soon as" is a condition for a stop verb ("stop it as soon as the pain allows").
AS_SOON_AS = [
    ("Stop the oxycodone as soon as the pain is bearable without it.", True),
    ("He may stop the oxycodone as soon as he is walking comfortably.", True),
    ("Cease oxycodone as soon as you are able.", True),
    # near miss: "as soon as" without a stop
    ("Take the oxycodone as soon as the pain starts.", False),
    ("Contact the ward as soon as possible if the wound leaks.", False),
    ("He was seen by physio as soon as he arrived.", False),
]


@pytest.mark.parametrize("prose, plan", AS_SOON_AS)
def test_as_soon_as_is_a_condition_of_a_stop(prose, plan):
    assert _plan(prose).weaning_plan.present is plan


# A wish is not a plan: "he would like to come off it", "she wants to stop it" (like "we hope to reduce it").
WISHES = [
    ("He would like to come off the oxycodone altogether when he can.", False),
    ("He wants to stop the oxycodone after a week if possible.", False),
    ("He is keen to stop the oxycodone once home.", False),
    # near misses: the same stop stated as the plan
    ("He will come off the oxycodone altogether within a week.", True),
    ("He should stop the oxycodone after a week.", True),
    ("Stop the oxycodone once home and settled.", True),
]


@pytest.mark.parametrize("prose, plan", WISHES)
def test_a_wish_is_not_a_plan(prose, plan):
    assert _plan(prose).weaning_plan.present is plan


# "No need to wean" beside a plan that stops ("course then off") keeps the plan: the taper is not needed because the
# course simply ends. Without a stop it stays an empty plan.
NO_NEED_TO_WEAN_BESIDE_A_STOP = [
    ("Oxycodone: 4/7 course then off - no need to taper.", True),
    ("Oxycodone to stop after five days; no need to wean at this dose.", True),
    ("Oxycodone short course, then stop: weaning not needed.", True),
    # near misses: the negation alone, a refusal of a plan
    ("Oxycodone: no need to wean at this dose.", False),
    ("No need for a taper of the oxycodone.", False),
    ("There is no plan to reduce the oxycodone; he knows not to stop it suddenly.", False),
]


@pytest.mark.parametrize("prose, plan", NO_NEED_TO_WEAN_BESIDE_A_STOP)
def test_no_need_to_wean_beside_a_stop_is_a_plan(prose, plan):
    assert _plan(prose).weaning_plan.present is plan


# "Remove the old patch" is the routine of changing a patch, not a stop.
PATCH_CHANGE = [
    ("Buprenorphine 10 micrograms/hour 7-day patch: apply one every Monday, remove the old patch.", False),
    ("Fentanyl 12 micrograms/hour patch every 72 hours - remove previous patch before applying.", False),
    ("Butrans 5 micrograms/hour weekly patch; removing the used one each week.", False),
    # near miss: removing the patch for good
    ("Buprenorphine 5 micrograms/hour weekly patch: remove the patch after the 2nd week and stop.", True),
]


@pytest.mark.parametrize("row, plan", PATCH_CHANGE)
def test_removing_the_old_patch_is_no_plan(row, plan):
    ex = extract_letter("Discharge medications:\n- " + row + "\n- Paracetamol 1g qds\n")
    assert ex.opioids
    assert ex.weaning_plan.present is plan


# "We would ask that the GP/practice ..." speaks to the GP; "removes"/"sees her" are actions.
ASK_THAT_THE_GP = [
    ("We would ask that the GP reviews the oxycodone at two weeks and stops it if settled.", True),
    ("I would ask that his practice does not add the oxycodone to his repeat list.", True),
    ("We ask that the GP sees him in a fortnight and removes the oxycodone from his list.", True),
    # near misses: a request to someone else, a request about another matter
    ("We would ask that the ward team checks the oxycodone chart.", False),
    ("We would ask that the GP checks his blood pressure.", False),
    ("We asked the physio team to see him.", False),
]


@pytest.mark.parametrize("prose, gp", ASK_THAT_THE_GP)
def test_we_would_ask_that_the_gp_is_a_gp_instruction(prose, gp):
    ex = extract_letter(LETTER + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.gp_instruction.present is gp


# A request labelled for care-home staff or the community pharmacy's follow-up is not a GP instruction.
OTHER_LABELLED_RECIPIENTS = [
    ("Care home staff: please check the oxycodone is given only when needed and record each dose.", False),
    ("For the nursing home: please review the oxycodone use each week.", False),
    ("Pharmacy follow-up requested: please check he understands when to take the oxycodone.", False),
    # near misses: the GP's own label
    ("GP: please review the oxycodone at two weeks.", True),
    ("For the GP: please review the oxycodone use at two weeks.", True),
    ("Practice: please review the oxycodone use at one week.", True),
]


@pytest.mark.parametrize("prose, gp", OTHER_LABELLED_RECIPIENTS)
def test_a_request_labelled_for_another_recipient_is_no_gp_instruction(prose, gp):
    ex = extract_letter(LETTER + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.gp_instruction.present is gp


# An unticked box ("\u2610 analgesia") offers an action nobody chose: its words do not make the row about the opioid.
TICK_BOXES = [
    ("Actions for GP:  \u2610 analgesia review   \u2612 blood pressure check at 2 weeks", False),
    ("Actions for GP:  \u2610 opioid review   \u2612 review bloods in 1 week", False),
    ("Actions for GP:  \u2612 review bone protection   \u2610 analgesia", False),
    # near misses: the opioid box is ticked
    ("Actions for GP:  \u2612 analgesia review at 2 weeks   \u2610 blood pressure", True),
    ("Actions for GP:  \u2612 opioid review in 1 week", True),
    ("Actions for GP:  \u2612 review analgesia   \u2612 review bloods", True),
]


@pytest.mark.parametrize("row, gp", TICK_BOXES)
def test_an_unticked_box_is_no_action(row, gp):
    ex = extract_letter(TTO + "\n" + row + "\n")
    assert ex.opioids
    assert ex.gp_instruction.present is gp


# A supply ban naming a numbered item of the list ("no repeat of item 1") in a letter whose new drugs are opioids.
NUMBERED_ITEM_BAN = [
    ("Practice: no repeat of item #1 please.", True),
    ("GP - no further repeats for item 1.", True),
    ("Practice: no repeats of line 1 please.", True),
    # near miss: no ban
    ("Practice: item #1 is new.", False),
    ("Practice: no change to item #2.", False),
]


@pytest.mark.parametrize("prose, gp", NUMBERED_ITEM_BAN)
def test_a_ban_naming_a_numbered_item_is_a_gp_instruction(prose, gp):
    ex = extract_letter("TTO:\n1. Oxycodone 5mg capsules one every 4 hours when required for pain (20 capsules)\n\n"
                        + prose + "\n")
    assert ex.opioids
    assert ex.gp_instruction.present is gp


# A request to continue "the step-down"/"the wean" in a letter with one opioid is about that opioid, though the
# request does not name it and does not follow its plan directly.
STEP_DOWN_REFERENCE = [
    ("We would suggest the practice continues the step-down: one capsule less each week, then stop.", True, True),
    ("Please continue the wean over the next fortnight and then stop.", True, True),
    ("Could you oversee the taper, reducing by one dose a week?", True, True),
    # near misses: another drug named, no wean word
    ("Please continue the prednisolone taper over the next fortnight.", False, False),
    ("We would suggest the practice continues the regimen as it is.", False, False),
]


@pytest.mark.parametrize("prose, plan, gp", STEP_DOWN_REFERENCE)
def test_a_step_down_reference_is_about_the_one_opioid(prose, plan, gp):
    ex = extract_letter(LETTER + "He has been comfortable for three days.\n\n" + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.weaning_plan.present is plan
    assert ex.gp_instruction.present is gp


# An opioid named in "Rx given" (a course section) with a limit ("short course then stop") is a plan, not history.
COURSE_SECTION_LIMIT = [
    ("Rx given: oxycodone 5mg qds prn x20 - for 3 days then stop.", True),
    ("Rx given: oxycodone 5mg qds prn x20 - short course then stop, back to paracetamol.", True),
    # near misses: past events, no limit
    ("Rx given: oxycodone 5mg qds prn x20 for pain.", False),
    ("Rx given: oxycodone 5mg qds prn x20 - advised re drowsiness, no driving.", False),
]


@pytest.mark.parametrize("row, plan", COURSE_SECTION_LIMIT)
def test_a_limit_in_a_course_section_is_a_plan(row, plan):
    ex = extract_letter("Seen in the urgent treatment centre with back pain.\nImp: mechanical back pain.\n" + row + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present is plan


# "for the colic", "for her pain": a reason after a possessive or article on the prescription's own sentence.
FOR_THE_SYMPTOM = [
    ("He goes home on oxycodone 5mg capsules, one every 4 hours when required for the colic, 20 capsules.", True),
    ("He goes home on oxycodone 5mg capsules, one every 4 hours when required for the cough, 20 capsules.", True),
    ("He goes home on oxycodone 5mg capsules, one every 4 hours when required for the neuralgia, 20 capsules.", True),
    # near misses: the symptom is a team, or no reason at all
    ("He goes home on oxycodone 5mg capsules, one every 4 hours when required, 20 capsules, as agreed with the pain team.",
     False),
    ("He goes home on oxycodone 5mg capsules, one every 4 hours when required, 20 capsules.", False),
]


@pytest.mark.parametrize("prose, documented", FOR_THE_SYMPTOM)
def test_for_the_symptom_is_an_indication(prose, documented):
    ex = extract_letter("Dear Dr Example,\n\nMr Test was admitted after a fall. " + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.indication_documented is documented


# A reason in a list row ending in a dash-separated column ("for knee pain – 28 – NEW") is read up to the dash.
REASON_BEFORE_A_DASH = [
    ("Oxycodone 5mg capsules \u2013 one up to four times a day if needed for knee pain \u2013 28 \u2013 NEW", "knee pain"),
    ("Oxycodone 5mg capsules \u2014 one every 6 hours when required for wound pain \u2014 20 \u2014 NEW", "wound pain"),
    ("Oxycodone 5mg capsules \u2013 one every 4 hours when required for rib pain \u2013 20 \u2013 NEW", "rib pain"),
    # control: an ASCII hyphen column was already read
    ("Oxycodone 5mg capsules - one every 6 hours when required for back pain - 20 - NEW", "back pain"),
]


@pytest.mark.parametrize("row, reason", REASON_BEFORE_A_DASH)
def test_a_reason_before_a_dash_column(row, reason):
    ex = extract_letter("Medicines on discharge:\n  " + row + "\n  Paracetamol 1g four times a day \u2013 56 \u2013 unchanged\n")
    assert ex.opioids
    assert ex.opioids[0].indication == reason


# A label naming the opioid ("Indication for oxycodone: ...") states its reason; an empty one does not.
LABEL_NAMING_THE_DRUG = [
    ("Indication for oxycodone: fractured wrist pain.", True),
    ("Reason for the oxycodone - pain after the operation.", True),
    ("Indication for oxycodone (both forms): post-operative pain.", True),
    # near misses: an empty label, another drug's label
    ("Indication for oxycodone: n/a.", False),
    ("Indication for omeprazole: gastric protection.", False),
]


@pytest.mark.parametrize("label, documented", LABEL_NAMING_THE_DRUG)
def test_a_label_naming_the_opioid_is_an_indication(label, documented):
    ex = extract_letter("TTO:\n1. Oxycodone 5mg capsules one every 4 hours when required (20 capsules)\n"
                        "2. Omeprazole 20mg od\n\n" + label + "\n")
    assert ex.opioids
    assert ex.indication_documented is documented


# An age after a dot leader ("Age ........ 72") in a form-style header.
AGE_DOT_LEADER = [
    ("Age ............. 81", 81),
    ("Age ...... 67", 67),
    ("Age _____ 70", 70),
    # near miss: no age at all
    ("Ward ............. 12", None),
]


@pytest.mark.parametrize("line, age", AGE_DOT_LEADER)
def test_an_age_after_a_dot_leader(line, age):
    ex = extract_letter("Name ............ Mr Test Example\n" + line + "\n\nTTO:\n- Oxycodone 5mg capsules one every 4 hours when "
                        "required (20 capsules)\n")
    assert ex.patient_age == age


# "The 20 capsules ..." names the count supplied of the opioid: the statement is about it.
THE_SUPPLIED_COUNT = [
    ("- The 20 capsules are the whole course; once they run out he should manage on paracetamol alone.", True),
    ("- These 20 capsules should last the course, after which he should cope with paracetamol only.", True),
    ("- His 20 capsules are all he needs: he can then get by on paracetamol alone.", True),
    # near misses: a count that is not the opioid's, a present state
    ("- The 28 tablets of omeprazole are a month's supply; he should manage on paracetamol alone after that.", False),
    ("- The 30 capsules are a month's supply; he should manage on paracetamol alone later.", False),
]


@pytest.mark.parametrize("prose, plan", THE_SUPPLIED_COUNT)
def test_the_supplied_count_refers_to_the_opioid(prose, plan):
    ex = extract_letter("Discharge medications:\n- Oxycodone 5mg capsules 5mg every 4 hours when required for pain, "
                        "20 capsules supplied\n- Omeprazole 20mg od, 28 tablets\n\nOTHER NOTES\n" + prose + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present is plan


# A plan told as already under way ("part-way through the clinic's reduction") gives way to one that says what to do
# next, wherever the two stand in the letter.
UNDER_WAY = [
    ("She is part-way through the pain clinic's planned reduction of oxycodone.",
     "Please continue the reduction of oxycodone, stopping it over the next month."),
    ("He is half-way through a taper of his oxycodone set by the pain team.",
     "GP to continue the oxycodone taper and stop at four weeks."),
    ("She is midway through weaning the oxycodone.",
     "Please continue to wean the oxycodone and stop it by Christmas."),
]


@pytest.mark.parametrize("narrative, instruction", UNDER_WAY)
def test_a_plan_under_way_gives_way_to_the_next_step(narrative, instruction):
    ex = extract_letter("Dear Dr Example,\n\n" + narrative + "\n\n" + TTO + "\nPlan:\n" + instruction + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present
    assert ex.weaning_plan.text == instruction
    # near miss: without the narrative the instruction is the plan too
    ex = extract_letter(TTO + "\nPlan:\n" + instruction + "\n")
    assert ex.weaning_plan.text == instruction


# An adverb between the modal and "be stopped" ("should then be stopped", "can simply be stopped") keeps the stop.
MODAL_ADVERB_STOP = [
    ("The oxycodone is for one week only and should then be stopped.", True),
    ("The oxycodone can simply be stopped once the fracture pain settles.", True),
    ("The oxycodone should now be reduced to 5mg at night after 3 days.", True),
    # near misses: a stop that is past or denied
    ("The oxycodone should then be collected from his usual pharmacy.", False),
    ("The oxycodone should not be stopped abruptly.", False),
]


@pytest.mark.parametrize("prose, plan", MODAL_ADVERB_STOP)
def test_an_adverb_between_modal_and_stop_keeps_the_plan(prose, plan):
    ex = extract_letter(LETTER + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.weaning_plan.present is plan
