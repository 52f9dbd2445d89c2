"""Dictated-prose classes found on fresh73's misses (session 13, branch fixprose). Letters written for these tests;
none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("Department of Surgery, Ashford Vale Hospital\n\nDear Dr Test\n\nRe: Mr Test Person  DOB 02/03/1950\n"
        "Admitted 01/05/2026, discharged 14/05/2026\n\n")


def _rxs(body: str):
    return [(r.generic, r.formulation) for r in extract_letter(HEAD + body).opioids]


# a relative's home is a place the patient goes to, not the relative whose medicine it is
@pytest.mark.parametrize("place", ["to his son's", "to her daughter's house", "at her sister's", "to his parents'"])
def test_a_relatives_home_is_no_relative_taking_the_drug(place):
    body = (f"He goes home {place} with oxycodone 5mg capsules, one every four hours when needed for pain, "
            "20 capsules supplied.\n\nYours sincerely\n")
    assert _rxs(body) == [("oxycodone", "IR")]


def test_a_relatives_own_drug_stays_family():
    body = ("He goes home on paracetamol 1g four times a day. His daughter's tramadol 50mg capsules are kept at "
            "her house.\n\nYours sincerely\n")
    assert _rxs(body) == []
