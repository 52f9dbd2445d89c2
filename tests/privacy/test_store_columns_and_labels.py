"""Unmapped columns are judged by content over the whole sheet; labels, file and sheet names are
masked before they reach the store (and so every chart, slide and log drawn from it)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from audit_app import privacy
from audit_app.store import Store
from audit_app.store.models import Base

ROWS = [
    # Notes (free text), an unlabelled DOB column, a phone column, 7-digit numbers under 'Unit'
    ("Daughter Mrs Kowalczyk phoned", "1951-03-12", "07700 900123", "7712345", "Siân Llŷr", "Elm"),
    ("Llŷr reports pain controlled", "12/08/1944", "0161 496 0000", "7712399", "Jan Wiśniewski", "Oak"),
    ("seen by Wiśniewski family", dt.date(1938, 1, 5), "+44 7700 900456", "7700123", "محمد الأحمد", "Ash"),
    ("no concerns", "03/07/1962", "07700900789", "7799881", "John Smith", "Elm"),
]
HEADINGS = ("Notes", "Column F", "Contact", "Unit", "Who", "Ward")


def _dump(store: Store) -> str:
    parts = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                # timestamps are the machine's, not the sheet's: their microseconds could spell a
                # birth year ('...319440' holds '1944') and fail the test by chance
                parts.append(repr(tuple(v for v in row if not isinstance(v, dt.datetime))))
    return "\n".join(parts)


def _leaks(secret: str, dump: str) -> bool:
    """The secret is in the dump; a number only as a number of its own, never as digits inside a keyed
    pseudonym or hash (those are random per run: '503809344' is no leak of '1944', '12/08/1944' is)."""
    if secret.replace(" ", "").isdigit():
        return re.search(r"(?<!\d)" + re.escape(secret) + r"(?!\d)", dump) is not None
    return secret in dump


@pytest.mark.parametrize("heading, values, kind", [
    ("Column F", ["1951-03-12", "12/08/1944", dt.date(1938, 1, 5), "03/07/1962"], privacy.DATE_OF_BIRTH),
    ("Discharged", ["1951-03-12", "12/08/1944"], None),            # an event, however old
    ("Contact", ["07700 900123", "0161 496 0000", "+44 7700 900456"], privacy.PHONE_NUMBER),
    ("Unit", ["7712345", "7712399", "7700123", "7799881"], privacy.HOSPITAL_NUMBER),
    ("Tablets", ["7712345", "7712399", "7700123"], None),
    ("Who", ["Siân Llŷr", "Jan Wiśniewski", "محمد الأحمد", "John Smith"], privacy.PATIENT_NAME),
    ("X", ["9434765919", "943\u00a0476\u00a05919", "943.476.5919"], privacy.NHS_NUMBER),
    ("Ward", ["Elm", "Oak", "Ash"], None),
    ("Discharge date", [dt.date.today(), dt.date.today()], None),
])
def test_columns_are_judged_by_content(heading, values, kind):
    assert privacy.looks_like_identifier_column(heading, values) == kind


def test_unmapped_identifier_columns_never_reach_the_store(store):
    t = store.create_trust("Trust C")
    letters = [{"record": {"letter_id": f"L{i}", "source_sheet": "Mrs Kowalczyk 9434765919",
                           "extra": dict(zip(HEADINGS, row))}} for i, row in enumerate(ROWS)]
    rid = store.save_round(t.id, "Round 1 Mr J. Whitfield 943 476 5919", letters,
                           source_file="Mr_Whitfield_9434765919.xlsx",
                           import_issues=[{"severity": "info", "sheet": "Mrs Kowalczyk 9434765919", "message": "x"}])
    dump = _dump(store)
    secrets = ["Kowalczyk", "1951", "1944", "1938", "1962", "900123", "4960000", "900456", "7712345", "7700123",
               "Siân", "Llŷr", "Wiśniewski", "محمد", "Smith", "9434765919", "943 476 5919", "Whitfield"]
    assert [s for s in secrets if _leaks(s, dump)] == []
    letters = store.letters(rid)
    assert [l.record["extra"]["Ward"] for l in letters] == ["Elm", "Oak", "Ash", "Elm"]
    assert letters[3].record["extra"]["Notes"] == "no concerns"
    info = store.get_round(rid)
    assert info.label.startswith("Round 1 ") and store.find_round(t.id, "Round 1 Mr J. Whitfield 943 476 5919")
    store.delete_round(rid, user="lb")
    assert "Whitfield" not in repr(store.deleted_rounds(t.id))


def test_name_column_words_are_masked_in_the_letter_and_notes(store):
    t = store.create_trust("Trust D")
    text = "Discharge summary\nOxycodone 5mg PRN. Ellison was reviewed by the pain team.\n"
    rid = store.save_round(t.id, "R1", [{"record": {"letter_id": "A1", "patient_name": "Nkechi Ellison",
                                                    "extra": {"Notes": "Ellison prefers liquids"}},
                                         "text": text}])
    (letter,) = store.letters(rid)
    assert "Ellison" not in letter.text and "Oxycodone 5mg PRN" in letter.text
    assert letter.record["extra"]["Notes"] == "XXXXXXX prefers liquids"
