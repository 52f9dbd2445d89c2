"""Session 12b: how long and how much, read from terse notes and dictated prose (wording written for these tests,
not copied from any gold letter)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import only_rx

# a bare period on an item's line: a short one is the course, a long one the days supplied, a review timing neither
BARE_PERIODS = [
    # (line, duration_days, supply_days)
    ("Morphine MR 20mg caps 1 BD  28/7", None, 28),
    ("Tapentadol SR 50mg tabs 1 BD (0900/2100) - 14/7 - continued", None, 14),
    ("Buprenorphine 5mcg/hr patch weekly - 4/52", None, 28),
    ("Oxycodone MR 10mg tabs 1 BD - for back pain - 1/12", None, 30),
    ("Oxycodone MR 10mg tabs 1 BD, 2/12", None, 60),
    ("Codeine 30mg tabs 1-2 QDS PRN  5/7", 5, None),
    ("Tramadol 50mg caps 1 QDS PRN - 7/7 - 28 caps", 7, None),
    ("Morphine MR 10mg caps 1 BD - 2/52 then stop", 14, None),
    ("Morphine MR 10mg caps 1 BD - max 3/52", 21, None),
    ("Oxycodone 5mg caps 1 QDS PRN, r/v at 2/52", None, None),
    ("Oxycodone MR 10mg BD; pain clinic review in 6/52", None, None),
    ("Morphine MR 20mg caps 1 BD, GP f/u 4/52", None, None),
]


@pytest.mark.parametrize("line,duration,supply", BARE_PERIODS)
def test_a_bare_period_on_the_line(line, duration, supply):
    rx = only_rx(line)
    assert (rx["duration_days"], rx["supply_days"]) == (duration, supply)


# a day of December written bare is no number of months
DECEMBER_DAYS = [
    "Morphine MR 20mg caps 1 BD, last dose given 01/12 08:30",
    "Morphine MR 20mg caps 1 BD, started on 3/12",
]


@pytest.mark.parametrize("line", DECEMBER_DAYS)
def test_a_december_day_is_no_supply(line):
    rx = only_rx(line)
    assert rx["supply_days"] is None and rx["duration_days"] is None


# an end point told in prose after the prescription: counted as the intended duration
OPENING = ("Discharged 02/03/2026\nDear Dr Writer,\nWe sent him home with oxycodone 5 mg capsules, one up to four times a "
           "day when required, 20 capsules supplied.\n")
PROSE_END_POINTS = [
    # (sentence, duration_days)
    ("He may stop the oxycodone once he is walking comfortably, and in any case after six days.", 6),
    ("He should stop the oxycodone when the pain eases, or at the latest within ten days.", 10),
    ("The plan is that he steps down from oxycodone to paracetamol within a fortnight of getting home.", 14),
    ("Plan: the oxycodone should be tapered and stopped within 3 weeks of discharge.", 21),
    ("He is to take fewer doses and stop the oxycodone altogether by the end of the second week.", 14),
    ("He should wean himself off the oxycodone over the next nine days.", 9),
]


@pytest.mark.parametrize("sentence,days", PROSE_END_POINTS)
def test_an_end_point_in_prose(sentence, days):
    from tests.nlp.letters import letter_with_opioid
    ex = letter_with_opioid(OPENING, sentence)
    assert [r.duration_days for r in ex.opioids] == [days]


PROSE_NO_END_POINT = [
    "He had stopped taking codeine in the past, and in any case it never helped.",
    "He will be seen in clinic six weeks after discharge.",
]


@pytest.mark.parametrize("sentence", PROSE_NO_END_POINT)
def test_no_end_point_in_prose(sentence):
    from tests.nlp.letters import letter_with_opioid
    ex = letter_with_opioid(OPENING, sentence)
    assert [r.duration_days for r in ex.opioids] == [None]


# a cap on how much the GP issues at a time is neither the course nor the days supplied at discharge
PER_ISSUE_CAPS = [
    "Please could you issue no more than a fortnight's supply of oxycodone at a time.",
    "We would ask that she has not more than 7 days' supply of the oxycodone at once.",
]


@pytest.mark.parametrize("sentence", PER_ISSUE_CAPS)
def test_a_cap_per_issue_is_no_duration_nor_supply(sentence):
    from tests.nlp.letters import letter_with_opioid
    ex = letter_with_opioid(OPENING, sentence)
    assert [(r.duration_days, r.supply_days) for r in ex.opioids] == [(None, None)]


# a plan line whose drug reads as stopped, when the stop is still to come, gives the listed prescription its duration
LISTED = ("Discharged 02/03/2026\nMedicines on discharge:\n- Oxycodone 5mg capsules 5mg every 4 hours when required, "
          "20 capsules (NEW)\n- Omeprazole 20mg od\n\n")
PLAN_STOPS_TO_COME = [
    ("Plan: the oxycodone should be tapered slowly and stopped within 10 days of discharge.\n", 10),
    ("Plan: the oxycodone is to be reduced and stopped within 3 weeks of going home.\n", 21),
]


@pytest.mark.parametrize("plan,days", PLAN_STOPS_TO_COME)
def test_a_stop_still_to_come_on_a_plan_line(plan, days):
    from tests.nlp.letters import opioids
    assert [r["duration_days"] for r in opioids(LISTED + plan)] == [days]


# an end point told for every opioid at once gives each prescription without its own that duration
TWO_LISTED = ("Discharged 02/03/2026\nMedicines on discharge:\n- Oxycodone MR 10mg tablets 1 BD (NEW)\n"
              "- Morphine sulfate 10mg/5ml oral solution 2.5-5ml 4 hourly PRN, 100ml (NEW)\n- Omeprazole 20mg od\n\n")
ALL_OPIOIDS_END = [
    ("Plan: reduce as pain allows, aim off all opioids by 12/03.\n", 10),
    ("Weaning: she should be off all opioid analgesia within two weeks.\n", 14),
    ("GP to stop all opioids over 3/52.\n", 21),
]


@pytest.mark.parametrize("plan,days", ALL_OPIOIDS_END)
def test_an_end_point_for_all_opioids(plan, days):
    from tests.nlp.letters import opioids
    assert [r["duration_days"] for r in opioids(TWO_LISTED + plan)] == [days, days]


# a supply told once for every (regular) medicine, in a paragraph of its own after the list
ONE_LIST = ("Discharged 02/03/2026\nMedicines on discharge:\n- Morphine MR 10mg tablets 1 BD\n"
            "- Oxycodone 5mg capsules 1 QDS PRN\n- Omeprazole 20mg od\n\n")
ALL_MEDICINES_SUPPLY = [
    ("All regular medicines supplied in blister packs: 14 days from the ward.\n", [14, None]),
    ("All medicines dispensed for 7 days.\n", [7, 7]),
]


@pytest.mark.parametrize("note,days", ALL_MEDICINES_SUPPLY)
def test_a_supply_for_all_medicines(note, days):
    from tests.nlp.letters import opioids
    assert [r["supply_days"] for r in opioids(ONE_LIST + note)] == days
