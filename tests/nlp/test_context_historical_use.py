"""Past drug use written as a social-history note is historical, and 'as before admission' is a continued
prescription, not a historical one. Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "Discharge medicines:\n- Codeine 30 mg tablets one four times a day when required for pain, 20 tablets\n"


@pytest.mark.parametrize("note", [
    "Social: ex-IVDU, last heroin use 2019.",
    "SH: previous heroin use, abstinent since 2018.",
    "Used heroin until 2015; no opioid substitution now.",
    "Last injected heroin three years ago.",
])
def test_past_illicit_use_is_historical(note):
    ex = extract_letter(note + "\n\n" + TTO)
    assert [rx.generic for rx in ex.opioids] == ["codeine"]
    assert [(d.generic, d.reason) for d in ex.distractors] == [("diamorphine", "historical")]


def test_as_before_admission_is_a_continued_prescription():
    ex = extract_letter("Discharge medicines:\nMethadone 10 mg tablets: 10 mg twice daily for pain, as before admission\n")
    assert [(rx.generic, rx.new_on_admission) for rx in ex.opioids] == [("methadone", False)]


def test_a_past_use_note_in_the_clause_does_not_make_the_current_drug_historical():
    text = ("Discharge medicines:\nHe is in recovery from heroin use (last used 2017) and remains on buprenorphine "
            "8 mg sublingual tablets once daily for opioid dependence, dispensed daily.\n")
    ex = extract_letter(text)
    assert [rx.generic for rx in ex.opioids] == ["buprenorphine"]
