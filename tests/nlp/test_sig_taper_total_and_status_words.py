"""A step down then a stop, each after a period, gives their sum as the duration; 'not tolerated' is an intolerance;
a 'Continuing medicines' heading and 'long-standing' say a prescription is pre-existing (phrasings written for
these tests)."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from nlp.sig import _taper_total


@pytest.mark.parametrize("text,days", [
    ("please reduce the codeine to twice daily after one week and stop it after a further week", 14),
    ("Reduce to 5mg bd after 3 days, then stop after another 3 days.", 6),
    ("wean to once daily after 5 days then stop in 2 weeks", 19),
    ("reduce the dose if drowsy and stop if confused", None),
    ("reduce after review in clinic and stop when settled", None),
])
def test_step_down_then_stop_periods_add_up(text, days):
    got = _taper_total(text)
    assert (got[0] if got else None) == days


def test_taper_total_in_a_later_sentence_is_the_duration():
    letter = ("Discharge medications:\n- Codeine 30mg tablets 1-2 qds prn\n\n"
              "For the GP: please reduce the codeine to twice daily after one week and stop it after a further week.\n")
    assert [r["duration_days"] for r in extract_letter(letter).to_dict()["opioids"]] == [14]


@pytest.mark.parametrize("line", [
    "Background: morphine not tolerated (vomiting).",
    "Note: she did not tolerate codeine in 2019 - nausea.",
])
def test_not_tolerated_is_an_intolerance(line):
    d = extract_letter("Discharge medications:\n- Paracetamol 1g qds\n\n" + line + "\n").to_dict()
    assert d["opioids"] == [] and [x["reason"] for x in d["distractors"]] == ["allergy"]


@pytest.mark.parametrize("letter", [
    "Continuing medicines (no change):\nBuTrans 10 micrograms/hour patch weekly\nAmlodipine 5mg od\n",
    "Discharge medications:\n- Zomorph 20mg bd, long-standing\n",
])
def test_pre_existing_words(letter):
    assert [r["new_on_admission"] for r in extract_letter(letter).to_dict()["opioids"]] == [False]
