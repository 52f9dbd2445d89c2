"""Session 12b: how long a patient has been on a drug ('has been on X twice daily for 18 months') is no course of
the discharge prescription. Wording written for these tests, not copied from any gold letter."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids

HISTORY = [
    ("She has been on Zomorph 20mg twice daily for two years for her hip.", None),
    ("He has been taking co-codamol 30/500 two tablets QDS for 6 months.", None),
    ("She has been prescribed tramadol 50mg QDS for 5 days for the wrist.", 5),
    ("He has been on oxycodone 5mg QDS and should continue it for 5 days.", 5),
]


@pytest.mark.parametrize("sentence,days", HISTORY)
def test_a_period_of_past_use_is_no_course(sentence, days):
    rxs = opioids("Dear Dr Smith,\n" + sentence + " We have continued this on discharge.\n\nYours sincerely,\nDr Jones\n")
    assert rxs and rxs[0]["duration_days"] == days
