"""Classes of letter-level wording (weaning plan, GP instruction) found missing by the first-contact gold sets
fresh13 and fresh14 (session 7). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid


LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a fractured humerus, treated in a sling. She goes home on "
          "oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g qds.\n\n")
END = SIGN_OFF


def _letter(prose: str):
    return letter_with_opioid(LETTER, prose)


# A step-down told as bringing a dose down BY an amount at a rate ("bring it down by 5 mg each week") is a plan like
# "reduce by 5 mg each week"; the statement holds none of the other plan words, so it must be read at all.
BRING_DOWN_BY = [
    ("When the fracture pain allows, the fracture team intend to bring the oxycodone down by 5 mg every week.", True),
    ("The idea is to bring her oxycodone down by one capsule a day each week, starting after fracture clinic.", True),
    # near miss: no opioid and no time, a blood pressure
    ("Her blood pressure was high on the ward and came down by itself.", False),
]


@pytest.mark.parametrize("prose, wean", BRING_DOWN_BY)
def test_bring_down_by_an_amount_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# "does not need to continue X beyond <a time>", "need not continue ... after", "no need to continue ... past" put an
# end to the use like "do not continue beyond". Without an end point it is no plan.
NO_NEED_BEYOND = [
    ("She does not need to continue the oxycodone beyond next Tuesday, when the sling comes off.", True),
    ("She need not continue the oxycodone after the first week at home.", True),
    ("There is no need to continue the oxycodone past the end of this month.", True),
    # near miss: no end point
    ("She does not need to continue the oxycodone at night.", False),
]


@pytest.mark.parametrize("prose, wean", NO_NEED_BEYOND)
def test_no_need_to_continue_beyond_a_time_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A question whether a reduction would be right ("asking whether a dose reduction ... would be appropriate") is no
# plan: the step-down is not decided.
WHETHER_REDUCE = [
    ("GP to ask the pain team whether a dose reduction of the oxycodone to 5 mg would help her.", False),
    ("We will ask the pain clinic whether to reduce the oxycodone to twice daily.", False),
    # near miss: the reduction decided
    ("Please reduce the oxycodone to 5 mg twice daily after one week.", True),
]


@pytest.mark.parametrize("prose, wean", WHETHER_REDUCE)
def test_question_whether_to_reduce_is_no_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# Passive instructions on repeat prescribing ("not to be added to repeats", "not for issuing on repeat") address
# whoever issues repeats, the GP.
NOT_TO_REPEATS = [
    ("The oxycodone is not to be added to repeat prescribing.", True),
    ("Oxycodone not to be put on her repeats.", True),
    # near miss: the same words about a drug that is not an opioid, in a separate line
    ("Her laxative is something she buys herself.", False),
]


@pytest.mark.parametrize("prose, gp", NOT_TO_REPEATS)
def test_not_to_be_added_to_repeats_is_a_gp_instruction(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# Asking the GP to ask, write to or liaise with a specialist team, or to revisit a dose, is an action for the GP.
# Telling the patient to contact a team is not.
GP_ASKS_SPECIALIST = [
    ("Could the practice please ask the pain team to look again at her oxycodone at clinic?", True),
    ("Could the surgery liaise with the orthopaedic clinic about her oxycodone if she still needs it in a month?", True),
    ("Would you kindly revisit the oxycodone dose when you see her?", True),
    # near miss: advice to the patient to contact a team
    ("If the pain from the oxycodone gets worse, please contact the fracture clinic team.", False),
]


@pytest.mark.parametrize("prose, gp", GP_ASKS_SPECIALIST)
def test_gp_asked_to_involve_a_specialist(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# "analgesics" (plural) names the opioids like "analgesia": "please continue both analgesics on repeat".
def test_plural_analgesics_names_the_opioid():
    ex = _letter("Please continue her analgesics on repeat until fracture clinic.")
    assert ex.gp_instruction.present


# A practice's own action list ("Practice actions", "Surgery tasks") heads GP instructions like "GP actions".
PRACTICE_ACTIONS = [
    ("Practice actions\n- Oxycodone can be issued from here if she runs short; no repeat template.", True),
    ("Surgery tasks:\n- issue oxycodone from here only as an acute item.", True),
    # near miss: no heading, a past fact
    ("Notes\n- Oxycodone was issued by the ward.", False),
    # near miss: a surgical team's follow-up heading is not the practice's
    ("Surgery follow-up\n- Fracture clinic will review the oxycodone and stop it when the pain allows.", False),
]


@pytest.mark.parametrize("prose, gp", PRACTICE_ACTIONS)
def test_practice_actions_heading(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# A request right after a plan about an opioid that refers back to it ("oversee that reduction") is a GP instruction
# even when the letter supplies no opioid (the patient's own supply goes on).
OWN_SUPPLY = ("Dear Dr Example,\n\nMr Test came in with a flare of chronic back pain and goes home on his usual "
              "MST, his own supply at home, none dispensed.\n\nWe agreed to bring the MST down by 10 mg each "
              "fortnight from next month. {}\n\nYours sincerely,\nDr Writer\n")


@pytest.mark.parametrize("request_line, gp", [
    ("I would be grateful if you could supervise that reduction with fortnightly scripts.", True),
    # near miss: no reference back to the plan, no opioid
    ("I would be grateful if you could check his blood pressure.", False),
])
def test_request_referring_back_to_a_plan(request_line, gp):
    ex = extract_letter(OWN_SUPPLY.format(request_line))
    assert ex.weaning_plan.present
    assert ex.gp_instruction.present is gp


# A table cell that names no drug ('| wean per rheumatology |', '| 20 mg OD, then reduce by 5 mg weekly |') is about
# the drug of its row: on a row naming only another drug it is no opioid plan; on the opioid's row it is one.
TABLE = ("Dear Dr Example,\n\nMrs Test was admitted with a flare of arthritis and a hip fracture.\n\nDischarge medicines\n"
         "Drug | Dose | Comment\n"
         "Morphine sulfate 10 mg/5 ml oral solution | 5 mg every 4 hours if needed for hip pain | {opioid_cell}\n"
         "Prednisolone 5 mg tablets | {steroid_dose} | {steroid_cell}\n"
         "Paracetamol 500 mg tablets | 1 g four times a day | continue\n\nYours sincerely,\nDr Writer\n")


@pytest.mark.parametrize("opioid_cell, steroid_dose, steroid_cell, wean", [
    ("new, 100 ml", "20 mg daily", "wean per rheumatology", False),
    ("new, 100 ml", "20 mg OD, then reduce by 5 mg every week", "changed", False),
    # near miss: the plan cell on the opioid's own row
    ("new, 100 ml; reduce by 2.5 mg every week then stop", "20 mg daily", "continue", True),
])
def test_table_cell_plan_belongs_to_its_row(opioid_cell, steroid_dose, steroid_cell, wean):
    ex = extract_letter(TABLE.format(opioid_cell=opioid_cell, steroid_dose=steroid_dose, steroid_cell=steroid_cell))
    assert ex.opioids
    assert ex.weaning_plan.present is wean


# A plan label shared with another word ('Weaning/opioid plan:', 'Taper/analgesia plan -') followed by 'nil' or 'none'
# says no plan, like 'Weaning plan: none'.
@pytest.mark.parametrize("line", [
    "Weaning/opioid plan: nil change to the oxycodone; fracture clinic to review.",
    "Weaning/analgesia plan - none at present.",
])
def test_shared_plan_label_with_nil_is_no_plan(line):
    ex = _letter(line)
    assert not ex.weaning_plan.present
    assert ex.weaning_plan.negated_text


# Indication: a prescription to take only if the pain comes back, returns or gets worse ('start only if the nerve
# block wears off and the pain returns') gives pain as its reason, though 'the pain settles' does not.
def _rx_letter(item: str):
    return extract_letter("Dear Dr Example,\n\nDay-case wrist surgery under a nerve block.\n\nMedicines to take home\n"
                          "1) " + item + "\n2) Paracetamol 1 g four times a day\n\nYours sincerely,\nDr Writer\n")


@pytest.mark.parametrize("item, documented", [
    ("Oxycodone 5 mg capsules - start only if the block wears off and the pain comes back: one every 4 hours, max 4 a "
     "day - 12 capsules", True),
    ("Oxycodone 5 mg capsules - one every 4 hours if her pain gets worse, max 4 a day - 12 capsules", True),
    # near miss: no reason at all
    ("Oxycodone 5 mg capsules - one every 4 hours, max 4 a day - 12 capsules", False),
])
def test_pain_coming_back_is_the_reason(item, documented):
    ex = _rx_letter(item)
    assert ex.opioids
    assert ex.indication_documented is documented


# Indication: the sentence right after one naming the opioid, on the same line, names no drug and refers back to it
# by a pronoun before 'for ... pain' ('We have kept his MST. He has taken it for years for his knee pain.'). A
# negated stop ('we have not stopped her MST') does not make it a past use.
PRONOUN_REASON = ("Dear Dr Example,\n\nMr Test came in after a fall.\n\n{prose}\n\nMedicines on discharge\n"
                  "MST Continus 30 mg tablets   one twice daily   continued\nSenna 15 mg at night\n\n"
                  "Yours sincerely,\nDr Writer\n")


@pytest.mark.parametrize("prose, documented", [
    ("We have not stopped his MST. He has taken it for several years for his arthritic knee pain and it goes on.", True),
    ("His MST is unchanged. He has used it since 2019 for his back pain.", True),
    # near misses: no pronoun referring back; the next sentence on a line of its own
    ("His MST is unchanged. His brother has back pain.", False),
    ("His MST is unchanged.\nHe has used it since 2019 for his back pain.", False),
])
def test_reason_in_the_next_sentence_by_pronoun(prose, documented):
    ex = extract_letter(PRONOUN_REASON.format(prose=prose))
    assert ex.opioids
    assert ex.indication_documented is documented


# Which GP instruction is shown: among statements that speak to the reader directly, one under the GP's own heading
# ("Actions for GP", "Requests to GP") comes before a note someone else addressed earlier in the letter.
RANKED = ("Dear Dr Example,\n\nMrs Test had a fractured wrist fixed.\nPain team note: please avoid tramadol, she had "
          "a seizure on it.\n\nMedicines: oxycodone 5mg capsules, one every 4 hours when required for pain, 20 "
          "capsules.\n\n{heading}\n- Blood pressure check in a week.\n- Please stop the oxycodone after five days "
          "if her pain has settled.\n\nYours sincerely,\nDr Writer\n")


@pytest.mark.parametrize("heading, shown", [
    ("Requests to GP", "Please stop the oxycodone"),
    ("Actions for the practice", "Please stop the oxycodone"),
    # near miss: a heading that is not the GP's: the first direct request is shown
    ("Notes", "Pain team note: please avoid tramadol"),
])
def test_gp_heading_item_shown_first(heading, shown):
    ex = extract_letter(RANKED.format(heading=heading))
    assert ex.gp_instruction.present
    assert ex.gp_instruction.text.startswith(shown)


# A stop said of a pronoun until a non-opioid is enough ("stop them once plain paracetamol is enough", "cut down on
# it when ibuprofen alone controls the pain") steps the opioid down to that drug: a plan about the opioid, though
# the only drug the sentence names is the other one.
STEP_DOWN_TO_OTHER = ("Dear Dr Example,\n\nDay-case hernia repair.\n\nMedicines to take home\n- Codeine 30 mg tablets: "
                      "one or two up to four times a day when needed for wound pain. 28 tablets.\n- Paracetamol 1 g "
                      "four times a day.\n\nAdvice\nTake extra fluids and fibre. {advice}\n\nYours sincerely,\n"
                      "Dr Writer\n")


@pytest.mark.parametrize("advice, wean", [
    ("Take fewer as the wound settles and stop them once plain paracetamol is enough.", True),
    ("Stop taking them when paracetamol on its own controls the pain.", True),
    # near misses: the paracetamol itself stopped; a pronoun without the step-down
    ("Stop the paracetamol once the pain is gone.", False),
    ("Keep them away from children, with the paracetamol.", False),
])
def test_stop_until_a_non_opioid_is_enough(advice, wean):
    ex = extract_letter(STEP_DOWN_TO_OTHER.format(advice=advice))
    assert ex.opioids
    assert ex.weaning_plan.present is wean
