"""Session 12b: counts that are doses, not the supply, and a supply column headed by the unit ('Ampoules').
Wording written for these tests, not copied from any gold letter."""
from __future__ import annotations

import pytest

from tests.nlp.letters import only_rx, opioids

# a count no larger than one dose is a dose (a grid's cells, a dose echoed in brackets), never the quantity supplied
DOSE_COUNTS = [
    ("Zomorph 30mg     1 cap   -   -   1 cap   (12-hourly) - continued", None),
    ("Oxycodone 5mg caps -> 1 cap 4hrly PRN, max 4 caps/24h, Qty 12", "12 capsules"),
    ("Codeine 30mg tablets - 60 mg (2 tablets) four times a day when required. Qty 28", "28 tablets"),
    ("Dihydrocodeine 30mg tabs 2 tablets three times a day", None),
]


@pytest.mark.parametrize("line,qty", DOSE_COUNTS)
def test_a_dose_count_is_no_quantity(line, qty):
    assert only_rx(line)["supply_quantity"] == qty


@pytest.mark.parametrize("heading", ["Ampoules", "Amps", "Vials", "Ampoules supplied"])
def test_a_unit_headed_column_is_the_quantity(heading):
    text = ("JUST IN CASE MEDICINES\n"
            f"Drug                                   Dose / route / frequency                    {heading}\n"
            "Oxycodone 10mg/1ml injection           1-2mg SC hourly when required for pain      5\n"
            "Midazolam 10mg/2ml                     2.5mg SC hourly PRN agitation               10\n")
    rxs = opioids(text)
    assert len(rxs) == 1 and rxs[0]["supply_quantity"] == "5 ampoules"
