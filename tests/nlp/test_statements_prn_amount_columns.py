"""Table columns: a yes/no 'When required?' (PRN) column, and an 'Amount' column after a 'Dose' column, which is the
amount supplied (tables written for these tests)."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from nlp.statements import heading_role


@pytest.mark.parametrize("heading,role", [
    ("When required?", "prn"), ("PRN (Y/N)", "prn"), ("Regular/PRN", "prn"), ("Amount", "dose"), ("Dose", "dose"),
])
def test_heading_roles(heading, role):
    assert heading_role(heading) == role


TABLE = ("Medicine; Strength; Dose; How often; When required?; Amount\n"
         "Codeine tablets; 30 mg; 30-60 mg; four times a day; Yes; 28 tablets\n"
         "Morphine MR tablets; 10 mg; 10 mg; twice a day; No; 14 tablets\n")


def test_prn_column_and_amount_after_dose():
    got = {r["generic"]: (r["prn"], r["dose_mg_max"], r["supply_quantity"])
           for r in extract_letter("Discharge medicines\n" + TABLE).to_dict()["opioids"]}
    assert got == {"codeine": (True, 60, "28 tablets"), "morphine": (False, 10, "14 tablets")}


def test_amount_alone_is_still_the_dose():
    table = "Drug | Amount | Frequency\nOxycodone 5mg capsules | 10mg | 4-hourly prn\n"
    rxs = extract_letter(table).to_dict()["opioids"]
    assert [(r["dose_mg_max"], r["supply_quantity"]) for r in rxs] == [(10, None)]
