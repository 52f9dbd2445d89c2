"""End points written as dates ("stop on 14/04", "until her operation on 20/04", a Stop column) give the duration,
counted from the discharge date the letter states (letters written for these tests)."""
from __future__ import annotations

import datetime as dt

import pytest

from nlp.findings import discharge_date
from nlp.pipeline import extract_letter
from nlp.sig import days_until

HEAD = "Patient: Test PATIENT   DOB 01/02/1960   Discharged: 09/04/2026\n"


def durations(body: str) -> dict:
    return {r["generic"]: r["duration_days"] for r in extract_letter(HEAD + body).to_dict()["opioids"]}


IN_STATEMENT = [
    ("Discharge medications:\n- Codeine 30mg 1-2 qds prn, stop on 14/04\n", 5),
    ("Discharge medications:\n- Oxycodone 5mg caps 5mg 4-hourly prn until her operation on 16.04.2026\n", 7),
    ("Discharge medications:\n- Tramadol 50mg caps qds prn - last dose 19/04\n", 10),
    # no end point: a review date, a date before discharge, a combination strength
    ("Discharge medications:\n- Codeine 30mg 1-2 qds prn, review on 14/04\n", None),
    ("Discharge medications:\n- Codeine 30mg qds prn until 02/04\n", None),
    ("Discharge medications:\n- Co-codamol 30/500 2 tabs qds prn until settled\n", None),
]


@pytest.mark.parametrize("body,days", IN_STATEMENT)
def test_end_date_in_the_statement(body, days):
    assert list(durations(body).values()) == [days]


def test_stop_column_of_a_table():
    body = ("Drug | Dose | Frequency | Start | Stop | Qty\n"
            "Oxycodone 5mg capsules | 5mg | 4-hourly prn | 08/04 | 16/04 | 20\n"
            "Codeine 30mg tablets | 30mg | qds prn | 08/04 | - | 20\n")
    assert durations(body) == {"oxycodone": 7, "codeine": None}


def test_no_discharge_date_no_end_point():
    letter = "Discharge medications:\n- Codeine 30mg 1-2 qds prn, stop on 14/04\n"
    assert [r["duration_days"] for r in extract_letter(letter).to_dict()["opioids"]] == [None]


@pytest.mark.parametrize("text,date", [
    ("Name X  Date of discharge: 03/01/2026", dt.date(2026, 1, 3)),
    ("D/C 22.05.26", dt.date(2026, 5, 22)),
    ("Admitted 01/01/2026, no discharge date yet", None),
])
def test_discharge_date(text, date):
    assert discharge_date(text) == date


def test_end_date_across_the_new_year():
    assert days_until(3, 1, None, dt.date(2025, 12, 29)) == 5
    assert days_until(1, 12, None, dt.date(2025, 12, 29)) is None


POSTOP = [
    # (header, line, duration): the post-op day of discharge is stated, or counted from the Operation line's date
    ("Discharged 12/05/2026 (post-op day 3)\n", "Codeine 30mg qds prn until day 7 post-op", 4),
    ("Operation: laparoscopic appendicectomy 10/05/2026\nDate of discharge: 11/05/2026\n",
     "Oxycodone 5mg caps 5mg 4-hourly prn, stop on post-op day 6", 5),
    ("Home on POD 2. DOB 01/01/1970\n", "Tramadol 50mg qds prn up to and including day 5 after the operation", 3),
    # no post-op day of discharge to count from, or an end point already past
    ("DOB 01/01/1970\n", "Codeine 30mg qds prn until day 7 post-op", None),
    ("Discharged 12/05/2026 (post-op day 8)\n", "Codeine 30mg qds prn until day 7 post-op", None),
]


@pytest.mark.parametrize("head,line,days", POSTOP)
def test_end_point_in_post_operative_days(head, line, days):
    rxs = extract_letter(head + "Discharge medications:\n- " + line + "\n").to_dict()["opioids"]
    assert [r["duration_days"] for r in rxs] == [days]
