"""Value normalisation tables: yes/no, dates, durations, numbers."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.ingest import parse_date, parse_days, parse_float, parse_int, parse_sedative, parse_yes_no
from audit_app.records import YesNo

Y, N, U = YesNo.YES, YesNo.NO, YesNo.UNKNOWN


@pytest.mark.parametrize("raw,expected,kind", [
    ("Y", Y, None), ("Yes", Y, None), ("y", Y, None), ("YES", Y, None), ("TRUE", Y, None), (1, Y, None),
    ("1", Y, None), ("ticked", Y, None), ("✓", Y, None), (True, Y, None), ("Y (gabapentinoid)", Y, None),
    ("yes - verbal only", Y, None),
    ("N", N, None), ("No", N, None), ("no", N, None), ("0", N, None), (0, N, None), ("FALSE", N, None),
    (False, N, None), ("NO", N, None),
    ("n/a", U, "n/a"), ("N/A", U, "n/a"), ("N/a", U, "n/a"), (None, U, "blank"), ("", U, "blank"),
    ("   ", U, "blank"), ("-", U, "-"), ("?", U, "?"), ("unclear", U, "unclear"), ("not stated", U, "not stated"),
    ("banana", U, "unrecognised"),
])
def test_yes_no(raw, expected, kind):
    p = parse_yes_no(raw)
    assert p.value == expected
    assert p.unknown == kind


@pytest.mark.parametrize("raw,severity", [("?", "warning"), ("unclear", "warning"), ("n/a", None),
                                          (None, None), ("-", None), ("banana", "warning")])
def test_yes_no_unknowns_that_deserve_a_look(raw, severity):
    assert parse_yes_no(raw).severity == severity


@pytest.mark.parametrize("raw,expected", [
    ("20/10/2025", dt.date(2025, 10, 20)), ("29/8/25", dt.date(2025, 8, 29)), ("3/3/25", dt.date(2025, 3, 3)),
    ("12.05.2024", dt.date(2024, 5, 12)), ("2024-03-01", dt.date(2024, 3, 1)), ("12-Jul-24", dt.date(2024, 7, 12)),
    ("12 July 2024", dt.date(2024, 7, 12)), ("1st Sept 2024", dt.date(2024, 9, 1)),
    ("06/10/2024", dt.date(2024, 10, 6)),          # UK day-first: 6 October
    (dt.datetime(2024, 1, 3), dt.date(2024, 1, 3)), (dt.date(2024, 1, 3), dt.date(2024, 1, 3)),
    (45000, dt.date(2023, 3, 15)), ("45000", dt.date(2023, 3, 15)),   # Excel serial numbers
    ("2024-03-01 00:00:00", dt.date(2024, 3, 1)),
])
def test_dates(raw, expected):
    assert parse_date(raw).value == expected


@pytest.mark.parametrize("raw,fragment", [
    ("31/02/2025", "not a real date"), ("02/13/2025", "day-first"), ("garbage", "not a date"),
    ("2024", "year"), (-5, "not a date"),
])
def test_impossible_dates_rejected_with_a_message(raw, fragment):
    p = parse_date(raw)
    assert p.value is None and p.severity == "error" and fragment in p.message


@pytest.mark.parametrize("raw,days,raw_kept,severity", [
    (7, 7, None, None), (14.0, 14, None, None), ("7", 7, None, None), ("7 days", 7, "7 days", None),
    ("5/7", 5, "5/7", None), ("7/7", 7, "7/7", None), ("10/7", 10, "10/7", None),
    ("2/52", 14, "2/52", None), ("4/52", 28, "4/52", None), ("2 weeks", 14, "2 weeks", None),
    ("1/12", 30, "1/12", "warning"),                  # a month: ambiguous, warned
    ("14 tabs", None, "14 tabs", "warning"),          # a quantity, not days
    ("x20", None, "x20", "warning"),
    ("own supply", None, "own supply", "info"), ("not stated", None, "not stated", None),
    ("?", None, "?", "warning"), ("N/A", None, "N/A", None), (None, None, None, None),
    ("7-10 days", 10, "7-10 days", "warning"),
    ("until reviewed", None, "until reviewed", "error"), ("400", None, "400", "error"),
])
def test_days_supplied(raw, days, raw_kept, severity):
    p = parse_days(raw)
    assert (p.value, p.raw, p.severity) == (days, raw_kept, severity)


def test_quantity_in_days_column_kept_as_quantity():
    assert parse_days("14 tabs").extra == {"quantity": "14 tabs"}


@pytest.mark.parametrize("raw,value,severity", [
    (41, 41, None), (41.0, 41, None), ("41", 41, None), ("41 years", 41, None), (None, None, None),
    ("?", None, "warning"), ("forty", None, "error"), ("41.5", None, "error"), (150, None, "error"),
])
def test_age(raw, value, severity):
    p = parse_int(raw, lo=0, hi=120, what="age", unit_words=("years", "y"))
    assert (p.value, p.severity) == (value, severity)


@pytest.mark.parametrize("raw,value,severity", [
    (60, 60.0, None), ("60", 60.0, None), ("60mg", 60.0, None), ("~60 mg", 60.0, None), ("?", None, "warning"),
    ("lots", None, "error"),
])
def test_ome(raw, value, severity):
    p = parse_float(raw, lo=0, hi=20000, what="OME", unit_words=("mg",))
    assert (p.value, p.severity) == (value, severity)


@pytest.mark.parametrize("raw,any_,benzo,gaba", [
    ("benzo", Y, Y, U), ("diazepam", Y, Y, U), ("Y - benzo", Y, Y, U), ("pregabalin", Y, U, Y),
    ("Y (gabapentinoid)", Y, U, Y), ("N", N, N, N), ("no", N, N, N), (None, U, U, U), ("Y", Y, U, U),
])
def test_sedative_cell(raw, any_, benzo, gaba):
    assert parse_sedative(raw) == {"any": any_, "benzodiazepine": benzo, "gabapentinoid": gaba}


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers(-10**7, 10**7), st.floats(allow_nan=True), st.none(),
                 st.booleans(), st.dates()))
def test_parsers_never_raise(value):
    for parse in (parse_yes_no, parse_date, parse_days, parse_int, parse_float, parse_sedative):
        parse(value)
