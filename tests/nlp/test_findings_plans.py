"""Weaning plans and GP instructions phrased in other ways (issue 11 item 5): table-driven, new styles."""
from __future__ import annotations

import pytest

from nlp.findings import is_weaning_statement
from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Morphine sulfate 10mg/5ml oral solution 5ml up to 4 times a day when required for pain\n"


@pytest.mark.parametrize("plan, wean, gp", [
    ("GP: kindly review the morphine in a week.", False, True),
    ("GP - r/v oramorph 1/52, stop if settled", True, True),
    ("Morphine not for repeat prescribing.", False, True),   # a supply ban: GP instruction, not a plan (corpus)
    ("Please take the morphine off the repeat template.", False, True),
    ("Taper & stop over 10/7.", True, False),
    ("She ought to come off it once the pain eases.", True, False),
    ("Last dose of oramorph day 4.", True, False),
    ("Practice pharmacist to tail off the oramorph over the next fortnight.", True, True),
    ("Weaning plan for opioid: N/A", False, False),
    ("No plan to wean documented.", False, False),
    ("Do not stop the morphine suddenly.", False, False),
    ("May drive when able to do an emergency stop.", False, False),
    ("Stop the naproxen if indigestion.", False, False),
    ("Please continue all other regular medications.", False, False),
])
def test_plans_in_other_words(plan, wean, gp):
    ex = extract_letter(TTO + "\nPlan:\n" + plan + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


@pytest.mark.parametrize("statement, expected", [
    ("to stop by day 5", True),
    ("the patch can come off when the pain has gone", True),
    ("reduce by 5mg every 3 days", True),
    ("was weaned off oxycodone last year", False),
    ("reduced mobility", False),
    ("Duration: 5 days", False),
])
def test_is_weaning_statement(statement, expected):
    assert is_weaning_statement(statement) is expected


def test_plan_in_a_table_comments_cell():
    letter = ("| Drug | Dose | Frequency | Days | Comments |\n| --- | --- | --- | --- | --- |\n"
              "| Oxycodone 5mg capsules | 5mg | QDS PRN | 5 | to stop by day 5 |\n")
    ex = extract_letter(letter)
    assert ex.opioids and ex.weaning_plan.present


def test_stop_instruction_without_an_opioid_letter_is_absent():
    ex = extract_letter("Discharge medications:\n- Naproxen 500mg bd\n\nPlan: stop naproxen after 5 days.\n")
    assert not ex.opioids and ex.weaning_plan.present is False and ex.gp_instruction.present is False


# Phrasings written for these tests (not from the dev files): one plan sentence under a Plan heading.
PLAN_TTO = "Discharge medications:\n- Oxycodone 5mg capsules one to two every 4 hours when required for pain (20 capsules)\n"
PLAN_CASES = [
 # (plan text, wean, gp)
 ("GP: kindly review the oxycodone in a week.", False, True),
 ("GP - r/v oxycodone 1/52, stop if settled", True, True),
 ("Oxycodone: not for repeat prescribing.", False, True),
 ("Please take oxycodone off the repeat template.", False, True),
 ("Taper & stop over 10/7.", True, False),
 ("He ought to come off it once the pain eases.", True, False),
 ("Last dose day 4.", True, False),
 ("To be stopped once mobilising independently.", True, False),
 ("Reduce to 5mg as required after 3 days, then discontinue.", True, False),
 ("Opioid exit plan: one week then stop.", True, False),
 ("Expected to need oxycodone for no longer than 5 days.", True, False),
 ("Aim to be opioid-free by the 2-week clinic.", True, False),
 ("We anticipate she will be off all opioids within 7 days.", True, False),
 ("Use the oxycodone for the first few days only, then switch to paracetamol alone.", True, False),
 ("The oxycodone is a short-term measure and should not be continued past the fracture clinic appointment.", True, False),
 ("Please could the GP review analgesia at 7 days with a view to stopping.", True, True),
 ("GP -> please review oxycodone at 1 week", False, True),
 ("Dear GP, please ensure that oxycodone is not continued long term.", True, True),
 ("Actions for GP:\n1. Review opioid need in 1/52 and discontinue if able", True, True),
 ("TTO oxycodone is for 5 days only - do not re-prescribe.", False, True),
 ("We would recommend the practice does not add oxycodone to repeats.", False, True),
 ("Ask GP to wean oxycodone.", True, True),
 ("GP to stop oxycodone after 5 days", True, True),
 ("No changes needed from GP.", False, False),
 ("Please continue regular medications as before.", False, False),
 ("GP to check U&Es in 1 week.", False, False),
 ("Stop date: 20/03/2025", True, False),
 ("Oxycodone stopped on admission due to drowsiness.", False, False),
 ("Weaning plan: not applicable", False, False),
 ("Plan for opioids: none documented", False, False),
 ("Continue oxycodone; no plan to reduce at present.", False, False),
 ("She has been weaned off morphine during this admission.", False, False),
 ("Reduced mobility after fall; physio follow up.", False, False),
 ("Stop ibuprofen if any indigestion.", False, False),
 ("Please review the patient in fracture clinic in 2 weeks.", False, False),
 ("Deprescribing: oxycodone to be tapered by 25% weekly.", True, False),
 ("Oxycodone - wean as tolerated", True, False),
 ("Step down to co-codamol after 3 days then paracetamol only.", True, False),
 ("Oxycodone to cease when pain controlled with simple analgesia.", True, False),
 ("Patient advised to reduce & stop oxycodone over the next week.", True, False),
 ("GP please do not issue further supplies of oxycodone.", False, True),
]


@pytest.mark.parametrize("plan, wean, gp", PLAN_CASES)
def test_plan_sentences_in_new_words(plan, wean, gp):
    ex = extract_letter(PLAN_TTO + "\nPlan:\n" + plan + "\n")
    assert (ex.weaning_plan.present, ex.gp_instruction.present) == (wean, gp)


# Whole letters in other layouts: GP box, tab table, dictated prose, stopped section, patch, colon forms.
LAYOUT_LETTERS = [
("box", """+--------------------------------------------------+
| ACTIONS FOR GP                                   |
| r/v codeine need at 1/52; stop if pain settled   |
+--------------------------------------------------+
TTO
codeine phosphate 30mg tabs 1-2 qds prn pain x28
""", True, True),
("tab", "Drug\tDose\tFreq\tDays\tComments\nMorphine sulfate oral solution 10mg/5ml\t5mg\t4 hourly PRN\t3\tto stop by day 5\nParacetamol\t1g\tQDS\t5\t\n", True, False),
("comments-other", "Drug\tDose\tFreq\tComments\nOxycodone 5mg caps\t5mg\tQDS PRN\t\nNaproxen 250mg\t250mg\tBD\tstop after 5 days\n", False, False),
("dictated", "Dear Dr Jones,\nI saw Mrs Smith on the ward. She goes home on tramadol 50mg up to four times a day when required for her hip pain. I have explained that the tramadol should be cut down and stopped over the coming fortnight, and I would be grateful if you could keep an eye on this.\n", True, True),
("stopped-section", "Medications stopped:\nMorphine MR 10mg bd - stopped (drowsy)\n\nDischarge medications:\nParacetamol 1g qds\nCodeine 30mg qds prn x 5 days\n", False, False),
("patch", "TTO: BuTrans 5 micrograms/hour patch, change weekly, 2 patches\nThe patch can come off when the pain has gone.\n", True, False),
("colon-gp", "TTO:\n- DHC 30mg 1 tab qds prn #28\nGP: kindly review the DHC in a week\n", False, True),
("no-plan", "TTO:\n- Oxycodone MR 10mg bd (usual, long-term)\nLong-term oxycodone continued unchanged. No change to analgesia.\n", False, False),
("repeat-template", "TTO:\n- Tramadol 50mg caps 1-2 qds prn x30\nPlease take tramadol off the repeat template once the course is finished.\n", False, True),
("gp-other-drug", "TTO:\n- Oxycodone 5mg qds prn x 20\n- Lansoprazole 30mg od\nGP to review lansoprazole at 4 weeks.\n", False, False),
]


@pytest.mark.parametrize("name, letter, wean, gp", LAYOUT_LETTERS, ids=[x[0] for x in LAYOUT_LETTERS])
def test_plans_in_other_layouts(name, letter, wean, gp):
    ex = extract_letter(letter)
    assert ex.opioids
    assert (ex.weaning_plan.present, ex.gp_instruction.present) == (wean, gp)
    for f in (ex.weaning_plan, ex.gp_instruction):
        if f.present:
            assert letter[f.span[0]:f.span[1]] == f.text
