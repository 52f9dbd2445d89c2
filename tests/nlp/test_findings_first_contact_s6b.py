"""Classes of plan, GP-instruction, indication and co-prescription wording found missing by the first-contact gold
set fresh9 (session 6). Every sentence here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid

LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a fractured wrist, fixed in theatre. She goes home on "
          "oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g qds.\n\n")
END = SIGN_OFF


def _letter(prose: str):
    return letter_with_opioid(LETTER, prose)


# A step-down told with the verb's -ing form and a rate or interval ("we will start reducing the X by 5mg every
# week", "begin decreasing it each fortnight") is a plan, like "reduce the X by 5mg". A reduction of the pain or of
# a symptom, and a reduction that already happened ("was reduced by 5mg"), are not.
REDUCING_WITH_A_RATE = [
    ("At clinic we will start reducing the oxycodone by 5mg every week.", True),
    ("The plan is to begin decreasing her oxycodone dose by a quarter each fortnight.", True),
    ("We would then suggest lowering the oxycodone by one capsule a day every 3 days.", True),
    ("She will keep reducing the oxycodone every few days until she no longer needs it.", True),
    # near misses: a reduction of pain or a symptom, or one in the past
    ("The splint is reducing her pain by about half.", False),
    ("Elevation is reducing the swelling every day.", False),
    ("On the ward the oxycodone was reduced by 5mg after day two.", False),
]


@pytest.mark.parametrize("prose, wean", REDUCING_WITH_A_RATE)
def test_reducing_with_a_rate_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A stop of an opioid that is not on discharge (one bought over the counter, a relative's, a stopped one) is no
# plan for the discharge opioid: a plan about a discharge opioid is shown before it, wherever it comes.
OTHER_OPIOID_FIRST = [
    "She is to stop the co-codamol she had been buying from the chemist.",
    "We advised her to stop the tramadol that her husband had given her.",
    "Please stop any over-the-counter codeine she still has at home.",
]
DISCHARGE_PLAN = [
    "Please stop the oxycodone after five days.",
    "The oxycodone should be reduced to night-time doses once the pain settles, then stopped.",
]


@pytest.mark.parametrize("other", OTHER_OPIOID_FIRST)
@pytest.mark.parametrize("plan", DISCHARGE_PLAN)
def test_plan_about_the_discharge_opioid_is_shown_first(other, plan):
    ex = _letter(other + "\n\n" + plan)
    assert ex.weaning_plan.present
    assert ex.weaning_plan.text == plan


# A statement that speaks to the patient about their own pain or medicines ("if you still need strong painkillers",
# "see your GP", "your tablets") is advice for the patient, even when it says "please" and holds a stop: the weaning
# plan stands, but it is no action for the GP. A request to the GP with "you" in it is still one.
PATIENT_ADDRESSED = [
    ("Please stop the oxycodone after five days - if you still need strong painkillers then, please ring the ward.",
     True, False),
    ("Do not continue the oxycodone beyond five days; please see your GP if the pain is no better.", True, False),
    ("Please cut down your painkillers over the next week and stop the oxycodone by day 7.", True, False),
    ("Please keep taking your tablets for five days, then stop the oxycodone.", True, False),
    # near misses: the GP is the "you" of the request
    ("Please review the oxycodone at one week and stop it if she no longer needs it.", True, True),
    ("Could you review the oxycodone in a week and stop it if you feel it is no longer needed?", True, True),
    ("If you feel she still needs the oxycodone after a week, please reduce it to night-time only.", False, True),
    ("Please stop the oxycodone after five days; if you have any questions please call the ward.", True, True),
]


@pytest.mark.parametrize("prose, wean, gp", PATIENT_ADDRESSED)
def test_advice_to_the_patient_is_no_gp_instruction(prose, wean, gp):
    ex = _letter(prose)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# The reason for the patient's opioids given by a class word in the present ("he takes his analgesia for arthritic
# knee pain", "the painkillers are for ...") documents the indication when no prescription line states one. A
# class word with no reason, a past or avoided use, a reason in an allergy line, and a letter with no discharge opioid
# do not.
IND_LETTER = ("Dear Dr Example,\n\nMr Test, 58, was admitted with a chest infection, treated with antibiotics.\n\n{p}\n\n"
              "Discharge medications:\n- Amoxicillin 500mg tds for 5 days\n{rx}\n\nYours sincerely,\nDr Writer\n")
MR_LINE = "- Morphine sulfate MR 20mg tablets, one twice daily, continued"
CLASS_WORD_REASON = [
    ("He takes his regular analgesia for chronic lower back pain.", True),
    ("He has been on opioids for post-herpetic neuralgia pain for several years.", True),
    ("His painkillers are for the arthritic pain in both knees.", True),
    ("He remains on long-term opioids for his spinal pain.", True),
    # near misses
    ("He has had no analgesia for pain since Tuesday.", False),
    ("He was seen by the pain team for advice on his analgesia.", False),
    ("Opioids for pain were avoided in the past because of confusion.", False),
    ("He needs analgesia for 3 days after the procedure.", False),
    ("Analgesia for pain was given in the emergency department.", False),
    ("Allergies: opioids for pain cause vomiting.", False),
]


@pytest.mark.parametrize("prose, documented", CLASS_WORD_REASON)
def test_reason_given_by_a_class_word(prose, documented):
    ex = extract_letter(IND_LETTER.format(p=prose, rx=MR_LINE))
    assert len(ex.opioids) == 1
    assert ex.indication_documented is documented


def test_class_word_reason_without_a_discharge_opioid_documents_nothing():
    ex = extract_letter(IND_LETTER.format(p="He takes his regular analgesia for chronic lower back pain.", rx=""))
    assert not ex.opioids
    assert ex.indication_documented is False


# In a list of medication changes, a status tag after a drug's name ("[NEW]", "(new)", "- NEW", "(dose increased)")
# says the drug goes home: a benzodiazepine so tagged is co-prescribed. A stopped one is not, nor one named after
# another drug's tag.
CHANGES_LETTER = ("Dear Dr Example,\n\nMrs Test, 58, was admitted with pain from a rib fracture.\n\n"
                  "Medication changes:\n- Oxycodone MR 10mg tablets, one twice daily [NEW]\n{line}\n\n"
                  "Yours sincerely,\nDr Writer\n")
CHANGE_TAGS = [
    ("- Diazepam 2mg tablets, one at night when required for muscle spasm [NEW]", True),
    ("- Lorazepam 0.5mg tablets PRN for anxiety (new)", True),
    ("- Temazepam 10mg at night - NEW", True),
    ("- Clonazepam 0.5mg at night (dose increased)", True),
    # near misses
    ("- Diazepam 5mg tablets three times a day [STOPPED]", False),
    ("- Lorazepam 1mg at night: stopped (drowsy) - the new oxycodone is enough", False),
    ("- Paracetamol 1g qds (NEW) - discuss diazepam at clinic", False),
]


@pytest.mark.parametrize("line, flagged", CHANGE_TAGS)
def test_a_changes_tag_puts_the_benzodiazepine_on_discharge(line, flagged):
    ex = extract_letter(CHANGES_LETTER.format(line=line))
    assert len(ex.opioids) == 1
    assert ("benzodiazepine_coprescribed" in ex.risk_flags) is flagged
