"""Durations written as a bare period after the sig, as 'come off / taper off ... within N' in a later sentence, and
ranges of periods, which state no duration (phrasings written for these tests)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids, only_rx


BARE_PERIODS = [
    # (line, duration_days, prn): a period standing alone after the frequency or PRN word ends the sig
    ("Tramadol 50mg caps 1-2 qds prn, five days.", 5, True),
    ("Codeine 15mg tabs 1 tds; 3 days", 3, False),
    ("Oxycodone 5mg caps 5mg 4 hourly when required, 4 days", 4, True),
    ("Dihydrocodeine 30mg 1 tab bd, a week.", 7, False),
]


@pytest.mark.parametrize("line,days,prn", BARE_PERIODS)
def test_bare_period_after_the_sig(line, days, prn):
    rx = only_rx(line)
    assert (rx["duration_days"], rx["prn"]) == (days, prn)


NOT_DURATIONS = [
    # a period after a quantity or inside brackets is supply, a range states no duration
    "Codeine 30mg 1 qds prn, 28 tablets, 7 days",
    "Codeine 30mg qds prn (20 tablets, 5 days)",
    "Tramadol 50mg caps qds prn for 1-2 weeks",
    "Oxycodone 5mg caps 4 hourly prn, 5-7 days",
]


@pytest.mark.parametrize("line", NOT_DURATIONS)
def test_not_a_duration(line):
    assert only_rx(line)["duration_days"] is None


LATER_SENTENCE_LIMITS = [
    ("Plan: she should come off the codeine within a fortnight.", 14),
    ("Note: taper off the codeine over the next 10 days.", 10),
    ("Plan: aim to get off the codeine within 5 days.", 5),
]


@pytest.mark.parametrize("plan,days", LATER_SENTENCE_LIMITS)
def test_limit_in_a_later_sentence(plan, days):
    rxs = opioids("Discharge medications:\n- Codeine 30mg tablets 1-2 qds prn\n\n" + plan + "\n")
    assert [r["duration_days"] for r in rxs] == [days]


def test_range_in_a_duration_column_states_no_duration():
    letter = ("Drug | Dose | Frequency | Duration | Qty\n"
              "Tramadol 50mg capsules | 50mg | qds prn | 1-2 weeks | 30\n"
              "Codeine 30mg tablets | 30mg | qds prn | 5 days | 20\n")
    got = {r["generic"]: r["duration_days"] for r in opioids(letter)}
    assert got == {"tramadol": None, "codeine": 5}
