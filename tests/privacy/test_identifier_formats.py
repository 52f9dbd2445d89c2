"""Identifiers written every way a tester tried are found and masked, character for character,
in time linear in the text. The attacks are generated (tests/privacy/identifiers.py)."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_app.privacy import find_identifiers, mask_text

_spec = importlib.util.spec_from_file_location("privacy_identifiers", Path(__file__).with_name("identifiers.py"))
ids = importlib.util.module_from_spec(_spec)
sys.modules["privacy_identifiers"] = ids
_spec.loader.exec_module(ids)

_SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])


def _check(text: str, ranges) -> None:
    masked = mask_text(text)
    assert len(masked) == len(text)
    for a, b in zip(text, masked):
        assert a == b or (a.isalnum() and b == "X")
    assert ids.unmasked_in(masked, ranges) == [], [text[a:b] for a, b in ranges]


@_SETTINGS
@given(ids.letters_with(ids.nhs_numbers()))
def test_any_valid_nhs_number_is_masked_whatever_the_separators(letter):
    text, _, ranges = letter
    _check(text, ranges)


@_SETTINGS
@given(ids.letters_with(ids.names()))
def test_names_in_any_script_after_labels_and_titles_are_masked(letter):
    text, _, ranges = letter
    _check(text, ranges)


@_SETTINGS
@given(ids.letters_with(ids.dates_of_birth()))
def test_dates_of_birth_after_any_label_are_masked(letter):
    text, _, ranges = letter
    _check(text, ranges)


@_SETTINGS
@given(ids.letters_with(ids.hospital_numbers()))
def test_hospital_numbers_labelled_or_shaped_are_masked(letter):
    text, _, ranges = letter
    _check(text, ranges)


@_SETTINGS
@given(ids.letters_with(n=6))
def test_mixed_identifiers_are_all_masked(letter):
    text, _, ranges = letter
    _check(text, ranges)


@pytest.mark.parametrize("text, secret", [
    ("NHS No: 943\u00a0476\u00a05919", "943\u00a0476\u00a05919"),
    ("NHS 943\u202f476\u202f5919.", "943\u202f476\u202f5919"),
    ("nhs 9434.765.919", "9434.765.919"),
    ("number 943/476/5919", "943/476/5919"),
    ("NHS 943  476  5919", "943  476  5919"),
    ("NHS 943\u2013476\u20135919", "943\u2013476\u20135919"),
    ("NHS 9\u200b4\u200b3\u200b4765919", "9\u200b4\u200b3\u200b4765919"),
    ("NHS 943 476\n5919 admitted", "943 476\n5919"),
    ("Dear Mrs Kowalczyk,", "Kowalczyk"),
    ("Re: Mr. J. Whitfield", "J. Whitfield"),
    ("name: siân jones", "siân jones"),
    ("Name:\nJohn Smith\nDOB", "John Smith"),
    ("Name: محمد الأحمد", "محمد الأحمد"),
    ("Patient: Małgorzata Wiśniewska", "Małgorzata Wiśniewska"),
    ("DOB:\n03/07/1962", "03/07/1962"),
    ("Hospital number:\n7712345", "7712345"),
    ("Birth: 12/03/1950", "12/03/1950"),
    ("DOB 12031950", "12031950"),
    ("Dyddiad geni: 12/03/1950", "12/03/1950"),
    ("D.O.B 7.iii.1941", "7.iii.1941"),              # month in Roman numerals
    ("DOB: 07-XII-62 (aged 64)", "07-XII-62"),
])
def test_issue_examples_are_masked(text, secret):
    start = text.index(secret)
    _check(text, [(start, start + len(secret))])


@pytest.mark.parametrize("text", [
    "Discharged on oxycodone 5mg PO q4h PRN for 7 days, 28 tablets.",
    "Drug name: Zomorph 30mg",
    "Morphine sulfate MR 10mg BD; MS Contin not used.",
    "Tel 0161 496 0000, bleep 4471, ext 2345",
    "Admitted: 27/03/2024. Discharged: 30/03/2024.",
    "Re-admitted on 03/07/2024 with pain.",
    "Paracetamol 1g qds. Codeine 30mg iii tabs max.",
    "Supplied 30 x 28 tablets; 10 x 14 days.",
])
def test_clinical_text_is_left_alone(text):
    assert mask_text(text) == text, find_identifiers(text)


def test_the_siân_mask_covers_the_whole_name():
    assert mask_text("Name: Siân Llŷr") == "Name: XXXX XXXX"


@pytest.mark.parametrize("unit", [
    "Name: Mr Mr Mr Mr ",                      # titles repeated
    "943 476 ",                                # long digit runs with separators
    "DOB: 1/1/",                               # dates that never finish
    "Dear Mrs Kowalczyk-Kowalczyk-",           # hyphenated words without end
    "A, B, C, ",                               # 'SURNAME, Forename' look-alikes
    "oxycodone 5mg ",
])
def test_detection_time_is_linear(unit):
    """Doubling the text about doubles the time (a catastrophic pattern would square it)."""
    def seconds(n: int) -> float:
        text = unit * n
        t0 = time.perf_counter()
        find_identifiers(text)
        return time.perf_counter() - t0
    small = min(seconds(5_000) for _ in range(2))
    large = min(seconds(20_000) for _ in range(2))
    assert large < 12 * small + 0.05, (small, large)
