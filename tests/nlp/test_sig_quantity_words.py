"""Quantities written in words, compound number words, and a figure echoed in brackets after the words
(phrasings written for these tests)."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from nlp.sig import to_number


@pytest.mark.parametrize("word,value", [
    ("twenty-four", 24), ("Thirty two", 32), ("fifty-six", 56), ("sixteen", 16), ("ninety", 90),
    ("twenty-twelve", None), ("four-twenty", None),
])
def test_compound_number_words(word, value):
    assert to_number(word) == value


@pytest.mark.parametrize("line,qty", [
    ("Codeine 30mg tablets one or two qds prn. Thirty-two tablets supplied.", "32 tablets"),
    ("Tramadol 50mg capsules one qds prn - SIXTEEN (16) capsules", "16 capsules"),
    ("Oxycodone 5mg caps 5mg 4-hourly prn, fifteen capsules", "15 capsules"),
    ("Morphine sulfate 10mg tablets one 4-hourly prn; twenty tablets", "20 tablets"),
])
def test_quantity_in_words(line, qty):
    rxs = extract_letter(f"Discharge medications:\n- {line}\n").to_dict()["opioids"]
    assert [r["supply_quantity"] for r in rxs] == [qty]


def test_words_do_not_change_the_dose():
    rxs = extract_letter("Discharge medications:\n- Codeine 30mg tablets two qds prn. Twenty-four tablets supplied.\n"
                         ).to_dict()["opioids"]
    assert (rxs[0]["dose_mg_max"], rxs[0]["frequency_per_day_max"]) == (60, 4)


@pytest.mark.parametrize("heading", ["Medicines supplied from ED stock:", "Drugs issued by pharmacy:", "Medications dispensed:"])
def test_supplied_headings_open_a_medicines_list(heading):
    letter = f"{heading}\nCodeine 30mg tablets - one or two four times daily when needed. Twenty tablets supplied.\n"
    rxs = extract_letter(letter).to_dict()["opioids"]
    assert [r["supply_quantity"] for r in rxs] == ["20 tablets"]
