"""A grid of the everyday ways a discharge line writes dose, frequency and PRN, read one line at a time: every
combination of product, tablet count, frequency and PRN wording must give the same dose, frequency and PRN. A broken
combination ('Zomorph 30mg 12-hourly' read as one tablet 2-hourly) shows here as a list of lines, not as one letter."""
from __future__ import annotations

import itertools

import pytest

from nlp.pipeline import extract_letter

FREQUENCIES = [("od", 1), ("bd", 2), ("12-hourly", 2), ("12 hourly", 2), ("twice daily", 2), ("tds", 3), ("8-hourly", 3),
               ("qds", 4), ("6-hourly", 4), ("four times a day", 4), ("4-hourly", 6), ("4-6 hourly", 6), ("every 4 hours", 6),
               ("every 12 hours", 2), ("nocte", 1), ("at night", 1), ("in the morning", 1), ("3 times daily", 3),
               ("three times a day", 3), ("24-hourly", 1), ("q4h", 6), ("q12h", 2), ("q6h", 4), ("q8h", 3), ("QDS", 4),
               ("every 6-8 hours", 4), ("up to 4 times a day", 4), ("2-hourly", 12), ("3-hourly", 8), ("bd-tds", 3),
               ("tds-qds", 4), ("TDS/QDS", 4), ("od-bd", 2), ("4h", 6), ("6h", 4), ("4-6h", 6), ("4h max 4", 4),
               ("with a limit of 4 doses in 24 hours", 4)]
COUNTS = [("", 1), ("1", 1), ("one", 1), ("2", 2), ("two", 2), ("1-2", 2), ("one or two", 2), ("ii", 2), ("2 tabs", 2)]
PRODUCTS = [("Zomorph 30mg", 30.0), ("Oxycodone 5mg", 5.0), ("Codeine 30mg", 30.0), ("Morphine sulfate MR 15mg", 15.0)]


def _read(line):
    return [(r.dose_mg_max, r.frequency_per_day_max, r.prn) for r in extract_letter("TTO:\n- " + line + "\n").opioids]


@pytest.mark.parametrize("freq, per_day", FREQUENCIES)
def test_count_and_frequency_grid(freq, per_day):
    wrong = []
    for (product, mg), (count, k), (prn, is_prn) in itertools.product(PRODUCTS, COUNTS, [("", False), ("prn", True)]):
        if count == "ii" and freq.startswith(("every", "up to")):
            continue
        line = " ".join(x for x in (product, count, freq, prn) if x)
        if _read(line) != [(mg * k, per_day, is_prn)]:
            wrong.append((line, _read(line)))
    assert wrong == []


LIQUIDS = [("Oramorph 10mg/5ml", 2.0), ("OxyNorm liquid 5mg/5ml", 1.0), ("Oxycodone oral solution 1mg/ml", 1.0)]
LIQUID_DOSES = [("2.5ml", "ml", 2.5), ("2.5-5ml", "ml", 5), ("2.5 to 5 ml", "ml", 5), ("5mg", "mg", 5), ("5-10mg", "mg", 10)]


@pytest.mark.parametrize("freq, per_day", [("4-hourly", 6), ("2-hourly", 12), ("hourly", 24), ("every 2-4 hours", 12),
                                           ("up to 6 times a day", 6), ("1-2 hourly", 24)])
def test_liquid_dose_grid(freq, per_day):
    wrong = []
    for (product, conc), (dose, unit, v) in itertools.product(LIQUIDS, LIQUID_DOSES):
        line = f"{product} {dose} {freq} when required"
        if _read(line) != [(round(v * conc if unit == "ml" else float(v), 6), per_day, True)]:
            wrong.append((line, _read(line)))
    assert wrong == []


DIRECTIONS = [("Take ONE {u} TWICE a day", 1, 2, False), ("TAKE ONE OR TWO {U}S UP TO FOUR TIMES A DAY WHEN REQUIRED", 2, 4, True),
              ("one to be taken every four hours when required", 1, 6, True), ("one at night", 1, 1, False),
              ("take 1-2 {u}s every 4-6 hours if needed, max 8 in 24 hours", 2, 4, True), ("half a {u} twice a day", 0.5, 2, False),
              ("one {u} in the morning and one at night", 1, 2, False), ("ONE {U} TO BE TAKEN EVERY TWELVE HOURS", 1, 2, False),
              ("one or two {u}s every four to six hours when required, no more than eight in 24 hours", 2, 4, True)]


@pytest.mark.parametrize("sep", [" - ", ": ", " ", "\n   "])
def test_label_directions_grid(sep):
    wrong = []
    for (product, mg, unit), (words, k, per_day, is_prn) in itertools.product(
            [("Codeine phosphate 30mg tablets", 30, "tablet"), ("Oxycodone 5mg capsules", 5, "capsule"),
             ("Co-codamol 30/500 tablets", 30, "tablet")], DIRECTIONS):
        line = product + sep + words.replace("{u}", unit).replace("{U}", unit.upper())
        if _read(line) != [(float(mg * k), per_day, is_prn)]:
            wrong.append((line, _read(line)))
    assert wrong == []


DURATIONS = [("for 5 days", 5), ("x5/7", 5), ("5/7", 5), ("for one week", 7), ("for a week", 7), ("x 2/52", 14),
             ("for a fortnight", 14), ("for up to 5 days", 5), ("max 5 days", 5), ("for no more than 7 days", 7),
             ("stop after 5 days", 5), ("for the next 3 days", 3), ("5 day course", 5), ("for 3d", 3), ("(5 days)", 5),
             ("course: 5 days", 5), ("for 10/7", 10), ("for three days only", 3), ("for 72 hours", 3),
             ("for 5 days then stop", 5), ("for a maximum of 5 days", 5), ("until review", None), ("", None)]
SUPPLIES = [("7 days supply", 7, None), ("7/7 supply", 7, None), ("supply: 7 days", 7, None), ("TTO 7 days", 7, None),
            ("14 days' supply", 14, None), ("supplied for 7 days", 7, None), ("7d supply", 7, None),
            ("a week's supply", 7, None), ("28 tablets", None, 28), ("x28", None, 28), ("qty 28", None, 28),
            ("(28 caps)", None, 28), ("TTO x20", None, 20), ("7 days' supply (28)", 7, 28), ("", None, None)]


@pytest.mark.parametrize("base", ["Oxycodone 5mg capsules 1 4-hourly prn", "Zomorph 10mg capsules 1 bd"])
def test_duration_and_supply_grid(base):
    wrong = []
    for (dur, days), (sup, sdays, qty) in itertools.product(DURATIONS, SUPPLIES):
        line = ", ".join(x for x in (base, dur, sup) if x)
        got = [(r.duration_days, r.supply_days, int(r.supply_quantity.split()[0]) if r.supply_quantity else None)
               for r in extract_letter("TTO:\n- " + line + "\n").opioids]
        if got != [(days, sdays, qty)]:
            wrong.append((line, got))
    assert wrong == []
