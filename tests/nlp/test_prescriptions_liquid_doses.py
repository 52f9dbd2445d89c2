"""An oral liquid's strength is a concentration (mg per ml): a bare mg figure after a liquid's name is the dose
("Oramorph 5mg 2 hourly prn"), so its OME is counted. Lines written for these tests."""
from __future__ import annotations

import pytest

from tests.nlp.letters import only_rx

LIQUID_DOSES = [
    # (line, strength_mg, dose_mg_min, dose_mg_max, frequency_per_day_max)
    ("Oramorph 5mg 2 hourly prn", None, 5.0, 5.0, 12),
    ("Oramorph oral solution 2.5mg 4 hourly when required, 100ml", None, 2.5, 2.5, 6),
    ("Morphine sulfate liquid 5 mg PRN up to 4 times a day", None, 5.0, 5.0, 4),
    ("OxyNorm liquid 5mg 4-hourly prn", None, 5.0, 5.0, 6),
    # a stated concentration stays the strength and a volume or mg dose is read against it
    ("Oramorph 10mg/5ml 5ml 4 hourly prn", 2.0, 10.0, 10.0, 6),
    ("Oxycodone liquid 5mg/5ml, 5mg 4-hourly prn", 1.0, 5.0, 5.0, 6),
]


@pytest.mark.parametrize("line,strength,lo,hi,freq", LIQUID_DOSES)
def test_liquid_mg_is_the_dose(line, strength, lo, hi, freq):
    rx = only_rx(line)
    assert rx["formulation"] == "liquid"
    assert (rx["strength_mg"], rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"]) == (strength, lo, hi, freq)


def test_tablet_strength_is_kept():
    rx = only_rx("Sevredol 10mg tablets 1 q4h prn")
    assert (rx["strength_mg"], rx["dose_mg_max"]) == (10.0, 10.0)
