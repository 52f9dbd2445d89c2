"""A count written just before a later mention of the drug is that prescription's quantity (sentences written for
these tests)."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


@pytest.mark.parametrize("letter,qty", [
    ("She goes home on tramadol 50mg, one or two capsules four times a day when required, with naproxen 500mg bd, "
     "and we have given her thirty capsules of the tramadol.\n", "30 capsules"),
    ("He takes oxycodone liquid 5mg/5ml, 5ml four-hourly when needed, plus paracetamol; pharmacy supplied 250 ml "
     "of oxycodone.\n", "250 ml"),
    # a count of another drug, or a prescription that already states its own
    ("She goes home on tramadol 50mg one capsule qds prn with paracetamol, and 32 tablets of paracetamol.\n", None),
    ("Tramadol 50mg one capsule qds prn, 20 capsules, with paracetamol; we gave 10 capsules of the tramadol today.\n",
     "20 capsules"),
])
def test_count_before_a_later_mention(letter, qty):
    rxs = extract_letter(letter).to_dict()["opioids"]
    assert [r["supply_quantity"] for r in rxs] == [qty]
