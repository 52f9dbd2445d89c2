"""Codes become words on screen; dates are UK dates; nothing shows as 'None'."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from audit_app import wording
from audit_app.records import CANONICAL_FIELDS


@pytest.mark.parametrize("code", ["NO_OPIOID", "LTOT", "PALL", "ITEMS_UNKNOWN", "MISSING_WEANING_PLAN",
                                  "record.gp_action", "od08_exclude_palliative", "SOME_NEW_CODE"])
def test_codes_read_as_words(code):
    said = wording.words(code)
    assert said and said != code and "_" not in said and not said.isupper()


@pytest.mark.parametrize("value", [None, math.nan, "None", "nan", ""])
def test_nothing_is_blank(value):
    assert wording.words(value) == ""
    if not isinstance(value, str) or not value:  # an auditor's own 'None' in a cell is their text
        assert wording.cell_text(value) == ""


def test_people_text_is_left_alone():
    for text in ("R1_001", "OxyNorm 5mg", "Ward 7B", "LB"):
        assert wording.cell_text(text) == text
    assert wording.words("Weaning plan in letter") == "Weaning plan in letter"


@pytest.mark.parametrize("value,shown", [
    (dt.date(2025, 9, 3), "03/09/2025"), (dt.datetime(2025, 9, 3, 14, 5), "03/09/2025"),
    ("2025-09-03", "03/09/2025"), (pd.Timestamp("2025-09-03"), "03/09/2025"), (None, ""), ("n/k", "n/k")])
def test_uk_dates(value, shown):
    assert wording.uk_date(value) == shown


def test_lists_and_periods_as_text():
    assert wording.cell_text(["fentanyl", "morphine"]) == "fentanyl, morphine"
    assert wording.period_words("2025-09-01", "week") == "w/c 01/09/2025"
    assert wording.period_words("2025-09", "month") == "Sep 2025"
    assert wording.counts_words({"NO_OPIOID": 6, "LTOT": 0}).endswith(": 6") and "LTOT" not in wording.counts_words(
        {"NO_OPIOID": 6, "LTOT": 3})


def test_every_field_has_a_label_and_a_line_of_help():
    for f in CANONICAL_FIELDS:
        assert wording.field_label(f) == CANONICAL_FIELDS[f][1] and wording.field_help(f)
    assert wording.field_label(None) == "(not used)"
