"""Welsh-first bilingual headings ('Meddyginiaeth i fynd adref / Medicines to take home:', 'Cynllun / Plan:',
'Meddyg teulu / GP:', 'Alergeddau / Allergies:') and a drug named in a condition of another's sig ('if the
ibuprofen is not enough') (headings and sentences written for these tests)."""
from __future__ import annotations

import pytest

from nlp.context import LetterLayout
from nlp.pipeline import extract_letter


@pytest.mark.parametrize("heading,kind", [
    ("Meddyginiaeth i fynd adref / Medicines to take home:", "discharge"),
    ("Meddyginiaethau ar ryddhau / Discharge medicines:", "discharge"),
    ("Meddyginiaethau:", "discharge"),
    ("Alergeddau / Allergies:", "allergy"),
    ("Cynllun / Plan:", "plan"),
    ("Cynllun lleihau / Weaning plan:", "plan"),
    ("Meddyg teulu / GP:", "gp"),
])
def test_welsh_first_headings(heading, kind):
    text = f"Ysbyty Example\n{heading}\nCodeine 30mg tablets qds prn\n"
    assert LetterLayout(text).section_kind(text.index("Codeine")) == kind


def test_a_bilingual_list_item_reads_as_one_statement():
    letter = ("Meddyginiaeth i fynd adref / Medicines to take home:\n"
              "1. Tramadol 50 mg capsiwlau / capsules - ONE capsule up to four times a day when required. "
              "Cyflenwad / Supply: 4 days. NEW\n2. Paracetamol 1 g QDS\n")
    rx = extract_letter(letter).to_dict()["opioids"]
    assert [(r["generic"], r["supply_days"], r["new_on_admission"]) for r in rx] == [("tramadol", 4, True)]


@pytest.mark.parametrize("line,qty", [
    ("Codeine 30mg, 1-2 tabs every 6 hours if needed if the naproxen is not enough - 20 tablets", "20 tablets"),
    ("Oxycodone 5mg caps 5mg 4-hourly prn unless the paracetamol controls it, 12 capsules", "12 capsules"),
])
def test_drug_in_a_condition_is_context(line, qty):
    rx = extract_letter(f"He goes home with {line}.\n").to_dict()["opioids"]
    assert [r["supply_quantity"] for r in rx] == [qty]
