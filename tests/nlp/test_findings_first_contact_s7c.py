"""Classes of GP-instruction wording found missing by the first-contact gold sets fresh14, fresh15 and fresh16
(session 7, letters9). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid


LETTER = ("Dear Dr Example,\n\nMr Test was admitted with a fractured wrist, treated in a cast. He goes home on "
          "oxycodone 5mg capsules, one every 4 hours when required for pain, 20 capsules, and paracetamol 1g qds.\n\n")
END = SIGN_OFF


def _letter(prose: str):
    return letter_with_opioid(LETTER, prose)


# "no change" makes a statement no GP action, unless a clause after a dash addresses the GP with an action of its
# own ("X: no change - GP to continue prescribing"): keeping up the prescribing is a GP instruction.
NO_CHANGE_THEN_GP = [
    ("Oxycodone: no change - GP to continue prescribing as before.", True),
    ("Oxycodone \u2013 no change \u2013 practice please continue the repeat at this dose.", True),
    # near misses: "no change" alone, and a dash clause that addresses nobody
    ("Oxycodone: no change to the dose.", False),
    ("Oxycodone: no change - continued at the same dose.", False),
]


@pytest.mark.parametrize("prose, gp", NO_CHANGE_THEN_GP)
def test_no_change_then_a_gp_clause_after_a_dash(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# "no repeats" / "no repeat prescriptions" on an opioid's line tells the GP not to issue more: a GP instruction
# (as "not for repeat"), and no weaning plan.
NO_REPEATS = [
    ("TTO:\n- Codeine 30mg tablets, 1-2 four times a day when required, 28 tablets, no repeats\n", True),
    ("TTO:\n- Codeine 30mg tablets, 1-2 four times a day when required, 28 tablets - no further repeats\n", True),
    ("Codeine 30mg tablets were supplied for a week, no repeat prescriptions.", True),
    # near miss: a repeat test, not a repeat prescription
    ("TTO:\n- Codeine 30mg tablets, 1-2 four times a day when required, 28 tablets. No repeat X-ray needed\n", False),
]


@pytest.mark.parametrize("prose, gp", NO_REPEATS)
def test_no_repeats_on_an_opioid_line(prose, gp):
    ex = _letter(prose)
    assert ex.gp_instruction.present is gp
    assert ex.weaning_plan.present is not True


# A recommendation in the present tense ("we suggest weaning it", "we recommend stopping it") in a letter to the GP
# asks the GP to act, as "we would suggest" does.
WE_SUGGEST = [
    ("If he still needs the oxycodone at review, we suggest weaning it over a fortnight.", True),
    ("We recommend stopping the oxycodone at his one-week review.", True),
    # near miss: a recommendation to another team
    ("We recommend that the hand therapy team reviews his oxycodone at their clinic.", False),
    # near miss: a past recommendation to the patient, no request to the GP
    ("We recommended that he keeps the cast dry.", False),
]


@pytest.mark.parametrize("prose, gp", WE_SUGGEST)
def test_we_suggest_is_a_gp_request(prose, gp):
    assert _letter(prose).gp_instruction.present is gp


# A request to the GP written in a stopped/withheld-medicines list about an opioid there ("not restarted - please do
# not reissue") is a GP instruction; the section still gives no weaning plan, and a request there about another
# drug is none.
STOPPED_TABLE = ("\n\nMEDICINES STOPPED / WITHHELD\nMedicine                       Reason\n"
                 "{row}\n\n")
STOPPED_ROWS = [
    ("Morphine MR 10 mg (1 BD)       Stopped on admission (drowsy) - please do not re-prescribe", True),
    ("Tramadol 50 mg capsules        Withheld, not restarted. GP please do not reissue", True),
    # near misses: a stopped opioid with no request, and a request about another drug
    ("Tramadol 50 mg capsules        Stopped on admission (confusion)", False),
    ("Naproxen 250 mg tablets        Stopped (renal function) - please do not reissue", False),
]


@pytest.mark.parametrize("row, gp", STOPPED_ROWS)
def test_gp_request_in_a_stopped_medicines_list(row, gp):
    ex = extract_letter(LETTER + "Plan: fracture clinic in one week." + STOPPED_TABLE.format(row=row) + END)
    assert ex.gp_instruction.present is gp
    assert ex.weaning_plan.present is not True


# A label naming the opioid among several drugs before its colon ("Indication for X / Y: ...", "Reason for X and Y
# - ...") gives the reason of each, as "Indication for X: ..." does; an empty label gives none.
IND_LETTER = ("Dear Dr Example,\n\nMr Test had a laparotomy. Medicines on discharge:\n"
              "- Oxycodone MR 10 mg tablets, one twice a day, 14 tablets\n"
              "- Paracetamol 1 g four times a day\n\n{label}\n" + END)
LABELS = [
    ("Indication for oxycodone / paracetamol: post-operative wound pain.", True),
    ("Reason for paracetamol and oxycodone - abdominal wound pain", True),
    ("Indication for oxycodone, paracetamol & laxido: pain after surgery", True),
    # near misses: an empty label, and no label at all
    ("Indication for oxycodone / paracetamol: n/a", False),
    ("Oxycodone and co-codamol were discussed with the pharmacist.", False),
]


@pytest.mark.parametrize("label, ind", LABELS)
def test_indication_label_naming_several_drugs(label, ind):
    ex = extract_letter(IND_LETTER.format(label=label))
    assert ex.opioids
    assert ex.indication_documented is ind


# A pain told as controlled, managed or treated on or with the opioid ("her back pain is well managed with
# paracetamol and a small dose of morphine"), or as the pain the patient is on it for ("chronic neck pain on
# long-term tapentadol"), states the opioid's reason; pain controlled with another drug only, or "no pain on X", does not.
CTL_LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a chest infection, treated with antibiotics.\n{prose}\n"
              "She goes home on her usual {drug} and amoxicillin for 5 more days.\n" + END)
CONTROLLED = [
    ("Her back pain has been well controlled on paracetamol and a lower dose of tapentadol.", "tapentadol MR 50 mg twice daily", True),
    ("Her knee pain is managed with regular morphine.", "Zomorph 10 mg twice daily", True),
    ("Background: chronic neck pain on long-term tapentadol; asthma.", "tapentadol MR 50 mg twice daily", True),
    # near misses: the pain controlled with another drug, and no pain on the opioid
    ("Her knee pain is managed with paracetamol; she also takes tapentadol.", "tapentadol MR 50 mg twice daily", False),
    ("She had no pain on tapentadol and no side effects.", "tapentadol MR 50 mg twice daily", False),
]


@pytest.mark.parametrize("prose, drug, ind", CONTROLLED)
def test_pain_controlled_on_the_opioid_is_its_indication(prose, drug, ind):
    ex = extract_letter(CTL_LETTER.format(prose=prose, drug=drug))
    assert ex.opioids
    assert ex.indication_documented is ind


# The same wording with the discharge opioid named by its form ("managed with the patch") when it is a patch.
PATCH_LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a urinary infection, treated with antibiotics.\n"
                "Discharge medicines: BuTrans 10 micrograms/hour patch, one patch every 7 days (unchanged); "
                "paracetamol 1 g four times a day.\n{prose}\n" + END)
PATCH = [
    ("Her hip pain is managed with the patch and paracetamol.", True),
    ("Her arthritic pain has been well controlled by the BuTrans patch.", True),
    # near misses: the patch named but no pain controlled with it, and pain controlled with another drug
    ("The patch was changed on the ward on Monday.", False),
    ("Her hip pain is managed with paracetamol; the patch site is clean.", False),
]


@pytest.mark.parametrize("prose, ind", PATCH)
def test_pain_managed_with_the_patch(prose, ind):
    ex = extract_letter(PATCH_LETTER.format(prose=prose))
    assert ex.opioids and ex.opioids[0].formulation == "patch"
    assert ex.indication_documented is ind


# "step <the drug> (back) down to/by <dose>" is a step-down like "bring it down to" and "step down to".
STEP_BACK_DOWN = [
    ("If the fracture pain has settled by then, please consider stepping the oxycodone back down to 5 mg as needed.", True),
    ("Once he is walking, step his oxycodone down by one capsule a day each week.", True),
    # near miss: stairs, no drug, nothing stepped down to a dose
    ("He managed to step down from the kerb with his frame.", False),
]


@pytest.mark.parametrize("prose, wean", STEP_BACK_DOWN)
def test_stepping_the_drug_back_down_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# A patch removed at a time and not replaced ("remove it after two weeks and do not replace it") is a stop plan; the
# routine weekly change ("remove it after seven days") is not.
REMOVE_AFTER = [
    ("Plan for the patch: remove it after ten days and do not replace it.", True),
    ("BuTrans: remove the patch on 14/11 without applying a new one if the pain has gone.", True),
    # near misses: the routine change, and a patch removed in the past
    ("Remove it after seven days and apply the next one.", False),
    ("The old patch was removed on admission.", False),
]


@pytest.mark.parametrize("prose, wean", REMOVE_AFTER)
def test_patch_removed_and_not_replaced_is_a_plan(prose, wean):
    ex = extract_letter(PATCH_LETTER.format(prose=prose))
    assert ex.opioids
    assert ex.weaning_plan.present is wean


# A plan label naming its drug in brackets ("Weaning plan (oxycodone): ...") labels the plan as "Weaning plan:"
# does: it is the plan shown, before a table row that only points to it ("see weaning plan").
LABELLED_PLAN_LETTER = (
    "Discharge medicines\n"
    "DRUG                      DOSE    FREQ   QTY   STATUS   COMMENTS\n"
    "Oxycodone MR 10mg tab     10mg    BD     28    New      wrist pain; see weaning plan\n"
    "Paracetamol 500mg tab     1g      QDS    100   New\n\n"
    "{label} 10mg BD for one week, then 10mg at night for one week, then stop.\n" + END)


@pytest.mark.parametrize("label", ["Weaning plan (oxycodone):", "Reducing plan (Oxycodone MR) -", "Plan (oxycodone):"])
def test_plan_label_naming_its_drug_in_brackets_is_the_plan_shown(label):
    ex = extract_letter(LABELLED_PLAN_LETTER.format(label=label))
    assert ex.opioids
    assert ex.weaning_plan.present
    assert ex.weaning_plan.text.startswith(label)
