"""Prescription-level classes found at first contact in session 8. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _supply(letter):
    return [(rx.generic, rx.supply_days, rx.supply_quantity, rx.dose_mg_max) for rx in extract_letter(letter).opioids]


@pytest.mark.parametrize("sentence, days, quantity", [
    ("We have given him fourteen days of Zomorph (28 capsules), 10 mg twice a day, for his back pain.", 14, "28 capsules"),
    ("She has been given a week of oxycodone 5 mg capsules, one four-hourly when required.", 7, None),
    ("Seven days' supply of Oramorph 10mg/5ml, 2.5-5 ml four-hourly prn.", 7, None),
    ("I have prescribed five days of codeine 30 mg four times a day when required.", 5, None),
    ("He goes home with 3 days' worth of tramadol 50 mg capsules, one or two up to four times a day.", 3, None),
    ("We have supplied 28 capsules of Zomorph 10 mg, one twice a day.", None, "28 capsules"),
    ("Dispensed twenty tablets of dihydrocodeine 30 mg, one every six hours when required.", None, "20 tablets"),
])
def test_a_supply_told_before_the_drugs_name_in_its_own_sentence(sentence, days, quantity):
    [(_g, supply_days, supply_quantity, _d)] = _supply("Discharge medication:\n" + sentence + "\n")
    assert (supply_days, supply_quantity) == (days, quantity)


@pytest.mark.parametrize("sentence", [
    "Take two tablets of co-codamol 30/500 four times a day.",                      # a dose, not a quantity
    "After three days of morphine on the ward he was changed to oxycodone 5 mg four times a day when required.",
    "Paracetamol 1 g four times a day for 7 days. Oxycodone 5 mg four-hourly when required.",  # not across a sentence
    "He was given 10 mg of Oramorph before he left; Oramorph 10mg/5ml 5 ml four-hourly prn, 100 ml.",
])
def test_what_is_no_supply_of_the_prescription_before_its_name(sentence):
    rx = _supply("Discharge medication:\n" + sentence + "\n")[-1]
    assert rx[1] is None
    assert rx[2] in (None, "100 ml")
