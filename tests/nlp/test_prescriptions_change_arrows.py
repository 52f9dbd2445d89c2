"""A dose change written with an arrow ('10 micrograms/hour -> now 5 micrograms/hour') reads the new dose; 'Medicines
to continue at home' is a discharge heading; 'given in department' is a ward/ED-only dose (phrasings written for
these tests)."""
from __future__ import annotations

import pytest

from nlp.context import LetterLayout
from nlp.pipeline import extract_letter


@pytest.mark.parametrize("line,field,value", [
    ("REDUCED: Butec 20 micrograms/hour patch -> now 10 micrograms/hour, one patch weekly", "strength_mcg_per_hour", 10),
    ("CHANGED: Zomorph 30mg bd \u2192 20mg bd", "dose_mg_max", 20),
    ("INCREASED: oxycodone MR 10mg => 15mg twice daily", "dose_mg_max", 15),
])
def test_arrow_change_reads_the_new_dose(line, field, value):
    rxs = extract_letter("Medication changes\n" + line + "\n").to_dict()["opioids"]
    assert [r[field] for r in rxs] == [value]


@pytest.mark.parametrize("heading", ["Medicines to continue at home:", "Medications to use at home:"])
def test_continue_at_home_heading(heading):
    text = f"{heading}\nCodeine 30mg tablets 1-2 qds prn\n"
    assert LetterLayout(text).section_kind(text.index("Codeine")) == "discharge"


def test_given_in_department_is_inpatient_only():
    d = extract_letter("Given in department: morphine 10mg PO, paracetamol 1g.\nD/C meds: paracetamol 1g qds.\n").to_dict()
    assert d["opioids"] == [] and [x["reason"] for x in d["distractors"]] == ["inpatient_only"]
