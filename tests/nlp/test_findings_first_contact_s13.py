"""Weaning-plan and GP-instruction classes found in session 13 (first contact of fresh72-76). Letters written for these
tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("SDEC note - Ashford Vale Hospital\n70M  NHS 999 000 0000\n\nTTO:\n"
        "- Oxycodone 5mg caps i qds prn pain, #20 (NEW)\n- Paracetamol 1g qds\n\n")


def _x(tail: str):
    return extract_letter(HEAD + tail + "\n")


@pytest.mark.parametrize("tail", ["Plan: GP r/v 1/52 + wean oxy.", "Mx: GP to review the oxycodone at one week and stop it."])
def test_a_gp_request_after_a_plan_label_is_a_gp_instruction(tail):
    x = _x(tail)
    assert x.gp_instruction.present and x.weaning_plan.present


@pytest.mark.parametrize("tail", ["Plan: stop oxycodone after 5 days. GP pls action",
                                  "Stop the oxycodone after 5 days. GP to action."])
def test_gp_please_action_after_a_plan_makes_it_the_gps(tail):
    assert _x(tail).gp_instruction.present


def test_gp_please_action_after_an_unrelated_request_is_no_opioid_instruction():
    assert not _x("Bloods in 1 week. GP pls action").gp_instruction.present


@pytest.mark.parametrize("tail, plan", [("d/c oxycodone after 5d, then paracetamol only", True),
                                        ("Plan: d/c home after physio review", False),
                                        ("d/c by: K Taylor, ward sister", False)])
def test_dc_with_a_time_after_it_is_discontinue(tail, plan):
    assert _x(tail).weaning_plan.present is plan


def test_dc_after_days_on_the_items_own_line_is_its_plan():
    x = extract_letter("TTO:\n 1. Dihydrocodeine 30mg i-ii tds prn pain - 18 tabs - d/c after 3d\n 2. Paracetamol 1g qds\n")
    assert x.weaning_plan.present


def test_a_stop_that_ends_its_clause_is_not_about_the_drug_after_the_semicolon():
    body = ("Discharge letter\n\nWe have prescribed dihydrocodeine 30 mg tablets, one or two up to four times a day when "
            "required, thirty tablets supplied, to be used for five days and then stopped; she should take regular "
            "paracetamol 1 g four times a day alongside it.\n")
    assert extract_letter(body).weaning_plan.present


@pytest.mark.parametrize("tail", ["GP - pls do NOT issue further oxy.", "GP: please wean the oxy over 1/52."])
def test_oxy_is_shorthand_for_oxycodone(tail):
    assert _x(tail).gp_instruction.present


def test_no_repeats_from_the_gp_is_a_gp_instruction_about_the_opioid():
    x = _x("d/w pt re dependence risk - happy with 5 days only; no repeats from GP pls")
    assert x.gp_instruction.present
