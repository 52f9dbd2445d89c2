"""Session 12b: a supply told once for every item of a transfer list or grid, with the supply word first
('Supplied: 14 days of all items', 'TTO: 7 days of each') or in the grid's heading ('... 28 days supplied unless
marked'). Wording written for these tests, not copied from any gold letter."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids

SUPPLY_FIRST = [
    ("Supplied: 14 days of all items.", 14),
    ("TTO: 7 days of each", 7),
    ("Dispensed - 28 days of each medicine.", 28),
    ("Supply: 10 days of both.", 10),
]


@pytest.mark.parametrize("line,days", SUPPLY_FIRST)
def test_a_supply_word_before_the_shared_days(line, days):
    text = ("Medicines on transfer:\n"
            "  Zomorph 20mg capsules - one at 08:00 and one at 20:00 - for hip pain\n"
            "  Oxycodone 5mg capsules - ONE up to four times a day when required\n"
            "  Omeprazole 20mg OD\n"
            f"{line}\n")
    rxs = opioids(text)
    assert [r["supply_days"] for r in rxs] == [days, days]


def test_a_grid_heading_supply_unless_marked():
    text = ("MEDICINES GRID (doses in cells; 28 days supplied unless marked)\n"
            "Medicine                          08:00   12:00   18:00   22:00   Notes\n"
            "Senna 7.5mg tablets               -       -       -       2\n"
            "Morphine MR 30mg tablets          30mg    -       -       30mg    for back pain\n")
    rxs = opioids(text)
    assert [r["supply_days"] for r in rxs] == [28]


# a discharge list's heading that tells the supply of every item ("(28 days supply)", "(7 days supply unless own
# stock)"): each opioid under it, numbered or not, other medicines between, has those days supplied
LIST_HEADINGS = [
    "Medications on discharge (28 days supply)",
    "Medicines on discharge (7 days supply unless own stock)",
    "TTO for discharge (10 days supplied)",
]


@pytest.mark.parametrize("numbered", [True, False])
@pytest.mark.parametrize("heading", LIST_HEADINGS)
def test_a_list_heading_supply(heading, numbered):
    items = ["Lansoprazole 15 mg once daily",
             "Zomorph 10 mg capsules, one capsule twice daily for hip pain",
             "Sertraline 50 mg once daily",
             "Oramorph 10 mg/5 ml, 2.5 ml every 4 hours when required"]
    lines = [f"{k}. {x}" if numbered else x for k, x in enumerate(items, 1)]
    days = int(heading.split("(")[1].split()[0])
    rxs = opioids("Summary: admitted with a fall.\n\n" + heading + "\n" + "\n".join(lines) + "\n")
    assert [r["supply_days"] for r in rxs] == [days, days]


def test_a_heading_without_a_supply_gives_none():
    rxs = opioids("Medicines on discharge (see below)\nZomorph 10 mg capsules twice daily\nSenna 7.5 mg at night\n")
    assert rxs[0]["supply_days"] is None
