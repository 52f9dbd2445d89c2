"""Tablet counts per dose and caps on tablets vs doses (letters written for these tests)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import only_rx


COUNTS = [
    # (line, dose_min, dose_max, freq, max_daily)
    ("Co-codamol 30/500 ii qds prn", 60, 60, 4, 240),
    ("Co-codamol 30/500 II QDS", 60, 60, 4, 240),
    ("codeine phosphate 30mg tablets i-ii qds when required", 30, 60, 4, 240),
    ("Tramadol 50mg caps 1-2 qid prn", 50, 100, 4, 400),
    ("Dihydrocodeine 30mg one to two up to four times a day", 30, 60, 4, 240),
    ("Codeine 15mg 1 or 2 every 6 hours as needed", 15, 30, 4, 120),
    ("Codeine 30mg two tabs four times daily", 60, 60, 4, 240),
    ("Oxycodone 5mg capsules one every four hours if required", 5, 5, 6, 30),
    ("Tapentadol 50mg 1-2 tablets every 4-6 hours as needed, no more than 8 in 24 hours", 50, 100, 4, 400),
    ("Oxycodone 5mg 1-2 caps 4-6 hrly prn max 4/24", 5, 10, 4, 40),
    ("Morphine sulfate 10mg tablets 1 tab 4 hourly prn, maximum 6 in 24h", 10, 10, 6, 60),
]


@pytest.mark.parametrize("line,dmin,dmax,freq,daily", COUNTS)
def test_tablet_counts(line, dmin, dmax, freq, daily):
    rx = only_rx(line)
    assert (rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"], rx["max_daily_dose_mg"]) == (dmin, dmax, freq, daily)


NOT_COUNTS = [
    # a number that is not a tablet count leaves the dose at the strength
    ("Oxycodone 5mg capsules 4 hourly prn", 5, 6),
    ("Codeine 30mg qds, 2 weeks supply", 30, 4),
]


@pytest.mark.parametrize("line,dmax,freq", NOT_COUNTS)
def test_numbers_that_are_not_counts(line, dmax, freq):
    rx = only_rx(line)
    assert (rx["dose_mg_max"], rx["frequency_per_day_max"]) == (dmax, freq)


US_STYLE = [
    # counts written with a route, and numbers that are frequencies or caps rather than counts
    ("Tramadol 50 mg tablets two by mouth four times a day", 100, 4),
    ("Vicodin 5/500 mg 1-2 p.o. q.4-6h. p.r.n. pain", 10, 6),
    ("Lortab 7.5 mg tablets, up to four daily", 7.5, 1),
    ("Oxycodone-acetaminophen 5/325 mg every four to six hours as needed for pain", 5, 6),
]


@pytest.mark.parametrize("line,dmax,freq", US_STYLE)
def test_counts_with_route_and_numbers_that_are_not_counts(line, dmax, freq):
    rx = only_rx(line)
    assert (rx["dose_mg_max"], rx["frequency_per_day_max"]) == (dmax, freq)
