"""A taper's dose range spans its steps, whether the first dose is written apart from the strength or is the
strength itself. Sigs written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


@pytest.mark.parametrize("line, dose", [
    ("Morphine MR 30 mg twice a day for 4 days, then 15 mg twice a day for 4 days, then stop", (15.0, 30.0, 60.0, 8)),
    ("Oxycodone MR 20mg tablets: 20 mg bd x3/7 then 10 mg bd x3/7 then stop", (10.0, 20.0, 40.0, 6)),
    ("Tapentadol MR 100mg bd for 1 week, then 50mg bd for 1 week, then stop", (50.0, 100.0, 200.0, 14)),
    # steps written as tablet counts: the count times the strength
    ("Longtec 10 mg tablets, two tablets (20 mg) twice a day for 3 days, then one tablet (10 mg) twice a day for 4 days, "
     "then stop", (10.0, 20.0, 40.0, 7)),
    ("Zomorph 10 mg capsules: TWO bd for 5 days then ONE bd for 5 days then stop", (10.0, 20.0, 40.0, 10)),
    # no taper: the dose is untouched
    ("Morphine MR 30 mg twice a day for 4 days", (30.0, 30.0, 60.0, 4)),
])
def test_taper_dose_range(line, dose):
    ex = extract_letter("Discharge medicines:\n" + line + "\n")
    rx = ex.opioids[0]
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.max_daily_dose_mg, rx.duration_days) == dose
