"""Doses at named times of day ('30 mg mane, 20 mg nocte'), and a liquid's concentration written after the dose
('5 mg twice daily as the 1 mg/ml solution') (phrasings written for these tests)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import only_rx as _only_rx


def only_rx(line: str) -> dict:
    return _only_rx(line, companion=False)  # the line alone in its list


TIMED = [
    # (line, dose_min, dose_max, frequency, max daily dose (dose max x frequency, the gold rule))
    ("Zomorph 10mg capsules 20mg mane, 10mg nocte", 10, 20, 2, 40),
    ("MST Continus 15mg in the morning and 10mg at night", 10, 15, 2, 30),
    ("Oxycodone MR 20mg am / 10mg pm (unchanged)", 10, 20, 2, 40),
    ("Tramadol MR 100mg mane, 50mg midday, 100mg at bedtime", 50, 100, 3, 300),
    ("Morphine MR 10mg mane", 10, 10, 1, 10),
    # tablets at named times: the count times the strength
    ("Longtec 5mg tablets - TWO in the morning, ONE at night", 5, 10, 2, 20),
    ("Zomorph 10 mg capsules, three in the morning and two at night", 20, 30, 2, 60),
    ("MST 10mg tabs 2 mane 1 nocte", 10, 20, 2, 40),
    ("Tramadol MR 50mg tablets 2 caps am, 1 cap midday, 2 caps pm", 50, 100, 3, 300),
]


@pytest.mark.parametrize("line,lo,hi,freq,mdd", TIMED)
def test_doses_at_named_times(line, lo, hi, freq, mdd):
    rx = only_rx(line)
    assert (rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"], rx["max_daily_dose_mg"]) == (lo, hi, freq, mdd)


def test_doses_on_dates_are_not_times_of_day():
    rx = only_rx("Oxycodone MR 10mg tablets 20mg on 12/04 then 10mg on 19/04 bd")
    assert rx["frequency_per_day_max"] == 2 and rx["strength_mg"] == 10


LIQUIDS = [
    # (line, strength mg/ml, dose mg)
    ("Methadone 5mg twice daily, as the 1mg/ml oral solution", 1.0, 5),
    ("Morphine 5mg (2.5ml of the 10mg/5ml solution) 4-hourly prn", 2.0, 5),
    ("Oxycodone 2.5-5mg of the 5mg/5ml liquid 4-hourly when required", 1.0, 5),
]


@pytest.mark.parametrize("line,strength,dose", LIQUIDS)
def test_liquid_concentration_after_the_dose(line, strength, dose):
    rx = only_rx(line)
    assert (rx["formulation"], rx["strength_mg"], rx["dose_mg_max"]) == ("liquid", strength, dose)
