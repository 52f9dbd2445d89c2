"""Medicines tables of electronic discharge systems (session 13, helper fixtables). Letters written for these tests;
none is taken from a gold letter."""
from __future__ import annotations

from nlp.pipeline import extract_letter

HEAD = "WEST FELLSIDE HOSPITAL - eDischarge\nPatient: Test Person  DOB 02/03/1950  Discharged 14/05/2026\n\n"

# a drug-round grid: bare-hour time columns, a PRN column, a change column ("Chg") whose OFF stops the row, and a
# reason line under the ruled table
GRID = """Key: Days = days supplied. Chg: NEW / SAME / UP / DOWN / OFF
+------------------------------+------+------+------+---------------------+------+---------+------+
| Medicine                     | 09   | 14   | 21   | PRN                 | Days | Qty     | Chg  |
+------------------------------+------+------+------+---------------------+------+---------+------+
| Morphine 10mg MR tablets     | 1    |      | 1    |                     | 14   | 28 tabs | NEW  |
| Oxycodone 5mg capsules       |      |      |      | 5mg 4-hrly,         | 7    | 20 caps | NEW  |
|                              |      |      |      | max 4 doses/24h     |      |         |      |
| Tramadol 50mg capsules       |      |      |      |                     |      |         | OFF  |
| Omeprazole 20mg capsules     | 1    |      |      |                     | -    | own     | SAME |
+------------------------------+------+------+------+---------------------+------+---------+------+
Reason for OFF: tramadol 50mg 2 QDS (before admission) - dizzy; replaced by oxycodone.

Follow-up: GP review in 2 weeks.
"""


def _rxs(body: str):
    return extract_letter(HEAD + body).opioids


def test_a_change_column_that_says_off_stops_the_row():
    rxs = _rxs(GRID)
    assert sorted(r.generic for r in rxs) == ["morphine", "oxycodone"]


def test_a_reason_for_stopping_line_under_a_table_is_no_prescription():
    ex = extract_letter(HEAD + GRID)
    assert all(r.generic != "tramadol" for r in ex.opioids)
    assert any(d.generic == "tramadol" and d.reason == "stopped" for d in ex.distractors)


def test_bare_hour_columns_are_a_drug_round_grid():
    mr = next(r for r in _rxs(GRID) if r.generic == "morphine")
    assert (mr.dose_mg_max, mr.frequency_per_day_max) == (10, 2)


def test_a_prn_column_that_holds_the_directions_is_the_sig():
    ir = next(r for r in _rxs(GRID) if r.generic == "oxycodone")
    assert (ir.dose_mg_max, ir.frequency_per_day_max, ir.prn, ir.max_daily_dose_mg) == (5, 4, True, 20)
