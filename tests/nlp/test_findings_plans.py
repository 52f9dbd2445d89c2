"""Weaning plans and GP instructions phrased in other ways (issue 11 item 5): table-driven, new styles."""
from __future__ import annotations

import pytest

from nlp.findings import is_weaning_statement
from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Morphine sulfate 10mg/5ml oral solution 5ml up to 4 times a day when required for pain\n"


@pytest.mark.parametrize("plan, wean, gp", [
    ("GP: kindly review the morphine in a week.", False, True),
    ("GP - r/v oramorph 1/52, stop if settled", True, True),
    ("Morphine not for repeat prescribing.", True, False),
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
