"""Pasted letters split on their own headings, discharge dates from the letters, the same letters
imported twice detected, and the mapping editor in words."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from audit_app import services

LETTERS = [
    """Riverside University Hospitals NHS Trust
Riverside General Hospital - Ward 12

DISCHARGE SUMMARY
Patient: Ms Ada TESTER    DOB: 01/02/1960    NHS No: 999 000 0001
Admitted: 01/09/2025   Discharged: 03/09/2025

TTO:
Oxycodone 5mg capsules, 5mg every 4 hours when required, 5 days. Reduce and stop within 5 days.
""",
    """IMMEDIATE DISCHARGE LETTER | Hillcrest Infirmary
Name: SMITH, Bo | NHS No: 999-000-0002 | DOB: 02/03/1971
Date of discharge: 14 Sept 2025

Medications on discharge: Paracetamol 1g QDS.
""",
    """Hillcrest Infirmary
Hillcrest Healthcare NHS Foundation Trust

15/09/2025

Dr Q Practice
Lane End Surgery

Dear Dr Practice,

Re: Mr Cy ÜNAL, DOB 03/04/1982, NHS number 9990000003
Admitted 12 September 2025 - discharged 15 September 2025

Codeine 30mg QDS PRN for 3 days; GP please do not add to repeat.
""",
]


def test_pasted_letters_split_on_their_own_headings():
    parts = services.split_pasted_letters("\n\n".join(LETTERS))
    assert [p.strip() for p in parts] == [t.strip() for t in LETTERS]


def test_one_letter_and_the_old_separator():
    assert len(services.split_pasted_letters(LETTERS[0])) == 1
    assert len(services.split_pasted_letters("letter one\n===\nletter two")) == 2
    assert services.split_pasted_letters("  \n ") == []


def test_discharge_dates_come_from_the_letters():
    assert [services.discharge_date_of(t) for t in LETTERS] == [
        dt.date(2025, 9, 3), dt.date(2025, 9, 14), dt.date(2025, 9, 15)]
    assert services.discharge_date_of("Discharged: 31/02/2025") is None       # not a date: no date
    assert services.discharge_date_of("Date of birth 01/02/1960") is None


def test_letters_read_with_their_discharge_dates(store):
    single = services.single_user()
    t = services.create_trust(store, single, "Trust D")
    undated = "TTO\nMorphine sulfate MR 10mg BD, review by GP in 1 week."
    prepared = services.prepare_letters(services.TrustScope.check(store, single, t.id), [(f"p{i}", x) for i, x in enumerate([*LETTERS, undated])])
    assert prepared.headings == ["Letter ID", "Discharge date", "Letter text"]
    assert [r.discharge_date for r in prepared.records] == [
        dt.date(2025, 9, 3), dt.date(2025, 9, 14), dt.date(2025, 9, 15), None]
    assert [r.letter_text for r in prepared.records] == [t.strip() for t in [*LETTERS, undated]]
    assert prepared.period == (dt.date(2025, 9, 3), dt.date(2025, 9, 15))


def test_same_letters_imported_twice_are_detected(store):
    single = services.single_user()
    t = services.create_trust(store, single, "Trust P")
    letters = [(f"p{i}", x) for i, x in enumerate(LETTERS)]
    scope = services.TrustScope.check(store, single, t.id)
    prepared = services.prepare_letters(scope, letters)
    assert all(r.discharge_date for r in prepared.records)
    assert services.already_stored(scope, prepared) == {}
    services.save_import(scope, prepared, label="Sept")
    again = services.prepare_letters(scope, letters)
    assert services.already_stored(scope, again) == {"Sept": 3}
    other = services.prepare_letters(scope, [("p0", LETTERS[0].replace("5 days", "7 days"))])
    assert services.already_stored(scope, other) == {}


def test_mapping_editor_in_words_and_edits_applied(store, tmp_path):
    single = services.single_user()
    t = services.create_trust(store, single, "Trust Q")
    csv = "Ref,Duration stated Y/N,Notes\nA1,Y,x\nA2,N,\nA3,Y,y\n".encode()
    prepared = services.prepare_upload(services.TrustScope.check(store, single, t.id), csv, "q.csv")
    table = services.mapping_table(prepared)
    assert set(table["Field"]) <= set(services.field_choices())
    assert not any("_" in f for f in table["Field"])                     # words, never codes
    row = table.set_index("Column").loc["Duration stated Y/N"]
    assert row["Field"] == "Duration or stop date stated" and row["Means"]
    assert "None" not in " ".join(map(str, table.to_numpy().ravel()))
    i = list(table["Column"]).index("Notes")
    edited = services.mapping_with_edits(prepared, {i: {"Field": "(not used)"}})
    assert edited["Notes"] is None and edited["Ref"] == "letter_id"
    assert pd.isna(services.mapping_from_table(table).get("Nothing"))
