"""Prescriptions written as labelled item blocks, status-led change lines, drug-history items that say they go home,
hyphenated anticipatory headings and 'Max:' caps (layouts written for these tests, not taken from any corpus)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids as rx_of


ITEM_BLOCKS = [
    # (letter, generic, {field: value})
    ("TTA from EPMA\nMedicine 1\n  Drug: Codeine phosphate 30 mg tablets\n  Directions: ONE or TWO tablets four times a day"
     " when required\n  Quantity: 24 tablet(s)\nMedicine 2\n  Drug: Omeprazole 20 mg capsules\n  Directions: ONE daily\n",
     "codeine", {"dose_mg_max": 60, "frequency_per_day_max": 4, "prn": True, "supply_quantity": "24 tablets"}),
    ("Item A\nDrug: Morphine sulfate 10 mg/5 ml oral solution\nDose: 5 mg\nFrequency: every 4 hours if needed\n"
     "Max: 4 doses in 24 hours\n",
     "morphine", {"dose_mg_max": 5, "frequency_per_day_max": 4, "prn": True}),
]


@pytest.mark.parametrize("letter,generic,want", ITEM_BLOCKS)
def test_labelled_item_block_is_one_prescription(letter, generic, want):
    rxs = rx_of(letter)
    assert [r["generic"] for r in rxs] == [generic]
    assert {k: rxs[0][k] for k in want} == want


STATUS_LED_CHANGES = [
    # (letter, expected generics) in a changes section each line's leading status word decides
    ("Changes to medicines:\nSTOPPED \u2013 codeine 30mg qds (constipation)\nSTARTED \u2013 tramadol 50mg caps 1 qds prn\n",
     ["tramadol"]),
    ("Medication changes\nNew: oxycodone 5mg caps 5mg 4-hourly prn\nStopped: co-codamol 30/500 2 tabs qds\n",
     ["oxycodone"]),
    ("Medicine changes:\nIncreased - MST Continus 20mg bd (up from 10mg bd)\n", ["morphine"]),
]


@pytest.mark.parametrize("letter,generics", STATUS_LED_CHANGES)
def test_status_led_change_lines(letter, generics):
    assert sorted(r["generic"] for r in rx_of(letter)) == generics


DRUG_HISTORY_ITEMS = [
    # (letter, expected generics): a drug-history item goes home only when its own line says it continues
    ("Regular medications:\nBuTrans 10 micrograms/hour patch weekly - continued\nAmlodipine 5mg od - continued\n",
     ["buprenorphine"]),
    ("Usual medicines:\nZomorph 30mg bd (unchanged)\n", ["morphine"]),
    ("Regular medications:\nMST 30mg bd\nAmlodipine 5mg od\nDischarge medications:\nParacetamol 1g qds\n", []),
    ("Regular medications:\nTramadol 50mg qds - stopped, not to continue\n", []),
]


@pytest.mark.parametrize("letter,generics", DRUG_HISTORY_ITEMS)
def test_drug_history_item_that_continues(letter, generics):
    assert sorted(r["generic"] for r in rx_of(letter)) == generics


@pytest.mark.parametrize("heading", [
    "Just-in-case medicines, for the community nurses:",
    "Just in case (anticipatory) medicines - district nursing team:",
    "Anticipatory medicines:",
])
def test_anticipatory_headings(heading):
    letter = f"Usual medications:\nSenna 15mg nocte\n\n{heading}\nOxycodone 10mg/1ml injection 1-2mg SC 2-hourly prn, 5 ampoules\n"
    rxs = rx_of(letter)
    assert [(r["generic"], r["route"]) for r in rxs] == [("oxycodone", "subcutaneous")]


@pytest.mark.parametrize("line,freq", [
    ("Oxycodone 5mg caps 5-10mg 4-hourly prn. Max: 4 doses/24h", 4),
    ("Codeine 30mg 1-2 tabs 4-hourly prn, maximum: 8 tablets in 24 hours", 4),
    ("Tramadol 50mg 1 cap 6-hourly prn (max = QDS)", 4),
])
def test_labelled_caps(line, freq):
    rxs = rx_of(f"Discharge medications:\n- {line}\n")
    assert rxs[0]["frequency_per_day_max"] == freq
