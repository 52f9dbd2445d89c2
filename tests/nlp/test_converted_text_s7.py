"""Converted text, session 7: a combination product's strength dictated in words ("cocodamol thirty five
hundred"). Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from nlp.spoken import figures_for_spoken_strengths


@pytest.mark.parametrize("said, read", [
    ("cocodamol thirty five hundred, two", "cocodamol 30/500             , two"),
    ("co-codamol eight five hundred two tabs", "co-codamol 8/500              two tabs"),
    ("co-dydramol ten slash five hundred", "co-dydramol 10/500                "),
    ("Co codamol fifteen over five hundred", "Co codamol 15/500                   "),
    ("co-codamol sixty one thousand", "co-codamol 60/1000           "),
    # strengths the product does not come in, or no paracetamol part: left as written
    ("co-codamol forty five hundred", "co-codamol forty five hundred"),
    ("co-dydramol fifteen five hundred", "co-dydramol fifteen five hundred"),
    ("co-codamol thirty", "co-codamol thirty"),
    ("codeine thirty five hundred", "codeine thirty five hundred"),
])
def test_dictated_combination_strengths_become_figures_in_place(said, read):
    out = figures_for_spoken_strengths(said)
    assert out == read and len(out) == len(said)


@pytest.mark.parametrize("letter, strength, dose, per_day", [
    ("To take home colon cocodamol thirty five hundred, two tablets up to four times a day when required, new.",
     30.0, 60.0, 4),
    ("Discharge medicines: co-dydramol ten five hundred milligrams one or two tablets four times a day as needed.",
     10.0, 20.0, 4),
])
def test_a_dictated_combination_strength_gives_the_dose(letter, strength, dose, per_day):
    [rx] = extract_letter(letter).opioids
    assert (rx.strength_mg, rx.dose_mg_max, rx.frequency_per_day_max) == (strength, dose, per_day)
    assert "hundred" in rx.text  # shown as dictated
