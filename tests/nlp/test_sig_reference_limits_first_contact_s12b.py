"""Session 12b: a limit told in a later sentence naming the drug ('The X is for up to 10 days, then stop', 'step the
X down over the next 5 days, then stop it', 'the X should be finished within a week'). Wording written for these
tests, not copied from any gold letter."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids

LIMITS = [
    ("Codeine 30mg tablets one QDS PRN", "The codeine is for up to 7 days, then stop.", 7),
    ("Tramadol 50mg capsules one QDS PRN", "Tramadol is for no more than 5 days.", 5),
    ("Oxycodone 5mg capsules one QDS PRN", "Please step the oxycodone down over the next 4 days, then stop it.", 4),
    ("Morphine MR 10mg tablets one BD", "Cut the morphine down over 10 days and then stop.", 10),
    ("Oramorph 10mg/5ml 5ml QDS PRN", "The Oramorph should be finished within a week of going home.", 7),
    ("Dihydrocodeine 30mg tablets one QDS PRN", "The dihydrocodeine should be completed in 3 days.", 3),
]


@pytest.mark.parametrize("line,plan,days", LIMITS)
def test_a_later_limit(line, plan, days):
    rxs = opioids(f"Discharge medications:\n- {line}\n- Omeprazole 20mg od\n\n{plan}\n")
    assert rxs[0]["duration_days"] == days
