"""Prescription-level classes found in session 13. Letters written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = "ASHFORD VALE HOSPITAL - Discharge summary\nPatient: Test Person  DOB 02/03/1958  Discharged 14/05/2026\n\n"


def _rxs(body: str):
    return extract_letter(HEAD + body).opioids


# a supply told once in the heading of the discharge list belongs to every item under it without its own
HEADING_SUPPLY = [
    ("TTO (10/7)\n", 10),
    ("TTO (5/7 supplied)\n", 5),
    ("Discharge medications - 14 days\n", 14),
    ("Take home medicines (supply: 10 days)\n", 10),
    ("TTA: 7 days supplied\n", 7),
]


@pytest.mark.parametrize("heading, days", HEADING_SUPPLY)
def test_a_supply_in_the_list_heading_is_each_items_supply(heading, days):
    body = (heading + "Morphine MR 10mg twice a day - new\nOxycodone 5mg 4-hourly when required, max 4 doses a day\n"
            "Lansoprazole 15mg od\n\nPlan: GP to review.\n")
    rxs = _rxs(body)
    assert [r.supply_days for r in rxs] == [days, days]


def test_an_items_own_supply_is_kept_under_a_heading_supply():
    body = "TTO (14/7)\nMorphine MR 10mg twice a day - 5 days supplied\nOxycodone 5mg 4-hourly prn\n"
    assert [r.supply_days for r in _rxs(body)] == [5, 14]


@pytest.mark.parametrize("line", ["Oxycodone 5mg (7 days)\n", "TTO: 7 days of oxycodone then review\n"])
def test_a_period_on_an_item_line_is_no_heading_supply(line):
    # a period on a drug's own line is that drug's, never a list heading for the items below it
    body = "Medicines:\n" + line + "Codeine 30mg qds prn\n"
    rxs = _rxs(body)
    assert rxs[-1].generic == "codeine" and rxs[-1].supply_days is None


def test_a_heading_supply_reaches_a_fixed_width_table_under_its_rule_line():
    # the ruled line under the column headings is part of the table, not the end of the list
    body = ("Medicines to take home (7 days supplied unless stated)\n"
            "Medicine                     Dose     Frequency        Status\n"
            "---------------------------- -------- ---------------- --------\n"
            "Lansoprazole 15mg capsules   15mg     OD               Continued\n"
            "Oxycodone 5mg capsules       5mg      4-hourly PRN     New\n")
    rxs = _rxs(body)
    assert [(r.generic, r.supply_days) for r in rxs] == [("oxycodone", 7)]


LIST = "TTO\nParacetamol 1g qds\nOxycodone 5mg capsules 4-hourly when required, 20 capsules - new\n\n"


@pytest.mark.parametrize("block", [
    "WITHHELD ON DISCHARGE\nDrug\tReason\tPlan\nCo-codamol 30/500 tablets 2 QDS\tdrowsy\tdo not restart\n",
    "Held for discharge:\nMST Continus 10mg bd - sedated on the ward\n",
    "Stopped / ward only\n| Morphine sulfate 10mg/5ml 2.5ml PRN | 1 dose day 0 |\n| Tramadol 50mg | nausea |\n",
    "Not on TTO: Oramorph 2.5mg PRN used on the ward twice.\n",
])
def test_a_block_headed_as_not_going_home_holds_no_prescription(block):
    rxs = _rxs(LIST + block + "\nGP: please review.\n")
    assert [r.generic for r in rxs] == ["oxycodone"]
