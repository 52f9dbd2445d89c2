"""Dotted abbreviations and typographic characters (×, en/em dashes, non-breaking and thin spaces, µ) read like
their plain forms (phrasings written for these tests)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import only_rx

NBSP, THIN, EN, EM, TIMES = "\u00a0", "\u2009", "\u2013", "\u2014", "\u00d7"


# (line, frequency_per_day_max): at one position the longest abbreviation wins ("q.d.s." is not "q.d")
DOTTED_FREQUENCIES = [
    ("Dihydrocodeine 30mg one tab q.d.s. when required", 4),
    ("Codeine 15mg 1 tab q.d.s. prn", 4),
    ("Tramadol 50mg 1 cap q.i.d. as needed", 4),
    ("Codeine 30mg 1 tab t.d.s. if required", 3),
    ("Oxycodone MR 10mg 1 tab b.i.d.", 2),
    ("Morphine sulfate MR 10mg o.d. at night", 1),
]


@pytest.mark.parametrize("line,freq", DOTTED_FREQUENCIES)
def test_dotted_frequency_abbreviations(line, freq):
    assert only_rx(line)["frequency_per_day_max"] == freq


# (line, {field: value}) with typographic characters in the sig
TYPOGRAPHY = [
    (f"Codeine 30{NBSP}mg tablets {TIMES} 1{EN}2 QDS PRN {EM} supply 20 tablets",
     {"dose_mg_min": 30, "dose_mg_max": 60, "frequency_per_day_max": 4, "supply_quantity": "20 tablets"}),
    (f"Oxycodone 5mg caps 5mg 6-hourly prn {TIMES} 5 days", {"duration_days": 5, "frequency_per_day_max": 4}),
    (f"Dihydrocodeine 30mg 1 tab tds prn {TIMES}3/7", {"duration_days": 3}),
    (f"Oramorph 10mg/5ml 2.5{EN}5{THIN}ml 4-hourly when required", {"dose_mg_min": 5, "dose_mg_max": 10, "frequency_per_day_max": 6}),
    ("Codeine 30mg tabs x 1-2 qds prn, 24 tabs", {"dose_mg_max": 60, "supply_quantity": "24 tablets"}),
]


@pytest.mark.parametrize("line,want", TYPOGRAPHY)
def test_typographic_characters_read_like_plain_ones(line, want):
    rx = only_rx(line)
    assert {k: rx[k] for k in want} == want
