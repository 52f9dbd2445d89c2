"""Session 12b: pharmacy dispensing-label printouts (a pack line 'N x <strength> <unit>' beside the product's name,
the directions in capitals on the next line). Wording written for these tests, not copied from any gold letter."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids


def _label(header: str, directions: str) -> dict:
    text = ("PHARMACY - DISCHARGE MEDICATION\n\n"
            f"{header}\n{directions}\n"
            "Warning: May cause drowsiness.\n\n"
            "OMEPRAZOLE 20MG CAPSULES    28 x 20mg capsules\nTake ONE capsule ONCE a day.\n")
    rxs = opioids(text)
    assert len(rxs) == 1, [r["generic"] for r in rxs]
    return rxs[0]


# the pack line's count and strength are the quantity supplied, never the dose
PACK_LINES = [
    # (header, directions, dose min, dose max, frequency, quantity)
    ("TRAMADOL 50MG CAPSULES          30 x 50mg capsules",
     "Take ONE or TWO capsules every SIX hours when required. Do not take more than EIGHT capsules in 24 hours.",
     50, 100, 4, "30 capsules"),
    ("CODEINE PHOSPHATE 30MG TABLETS     24 x 30mg tablets",
     "Take TWO tablets FOUR times a day when required for pain.", 60, 60, 4, "24 tablets"),
    ("CO-CODAMOL 15MG/500MG TABLETS      60 x 15/500 tablets",
     "Take TWO tablets up to FOUR times a day when required.", 30, 30, 4, "60 tablets"),
    ("CO-CODAMOL 30MG/500MG TABLETS      30 x 30/500mg tablets",
     "Take ONE tablet FOUR times a day.", 30, 30, 4, "30 tablets"),
    ("ZOMORPH 30MG CAPSULES     14 x 30mg",
     "Take ONE capsule TWICE a day.", 30, 30, 2, "14 capsules"),
]


@pytest.mark.parametrize("header,directions,lo,hi,freq,qty", PACK_LINES)
def test_a_label_pack_line_is_the_quantity(header, directions, lo, hi, freq, qty):
    rx = _label(header, directions)
    assert (rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"], rx["supply_quantity"]) \
        == (lo, hi, freq, qty)


# a liquid's or an injection's directions that open with a volume or an amount ("Take 5ml to 10ml", "Inject 2.5mg")
# are the next line of the label: its sig
VOLUME_DIRECTIONS = [
    ("MORPHINE SULFATE 10MG/5ML ORAL SOLUTION    1 x 300ml",
     "Take 2.5ml to 5ml (5mg to 10mg) every THREE hours when required. Maximum FIVE doses in 24 hours.",
     5, 10, 5, True, "300 ml"),
    ("ORAMORPH 10MG/5ML ORAL SOLUTION   1 x 100ml",
     "Take 10ml (20mg) every FOUR hours when required for pain.", 20, 20, 6, True, "100 ml"),
    ("OXYCODONE 10MG/1ML INJECTION    5 x 1ml ampoules",
     "Inject 2mg to 4mg SUBCUTANEOUSLY when required. Maximum FOUR doses in 24 hours.", 2, 4, 4, True, "5 ampoules"),
]


@pytest.mark.parametrize("header,directions,lo,hi,freq,prn,qty", VOLUME_DIRECTIONS)
def test_directions_opening_with_an_amount_are_the_sig(header, directions, lo, hi, freq, prn, qty):
    rx = _label(header, directions)
    assert (rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"], rx["prn"], rx["supply_quantity"]) \
        == (lo, hi, freq, prn, qty)


# a dose told as tablets of a strength is no pack line
def test_a_dose_of_two_tablets_is_no_pack():
    rx = _label("MST CONTINUS 20MG TABLETS", "Take 40mg (2 x 20mg tablets per dose) TWICE a day.")
    assert (rx["dose_mg_max"], rx["frequency_per_day_max"]) == (40, 2)


# a pack line after a 'Qty:' label is read whole: its count is the quantity, its strength never the dose
def test_a_labelled_pack_line_is_no_dose():
    rx = _label("[1] Dihydrocodeine 30mg tablets           Qty: 28 x 30mg tablets",
                "    Take ONE or TWO tablets up to THREE times a day when required for pain.")
    assert (rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"], rx["supply_quantity"]) \
        == (30, 60, 3, "28 tablets")


# a drug-round grid whose time cells are marked ("X", a tick) rather than counted: one administration per mark,
# of the dose the row's Dose cell tells
GRID_MARKS = [
    ("| Zomorph 20mg capsules | 20mg | X | | | X | for back pain |", 20, 2),
    ("| Oxycodone MR 5mg tablets | 5mg | x | | x | | new |", 5, 2),
    ("| Tapentadol MR 50mg tablets | 50mg | ✓ | ✓ | ✓ | | |", 50, 3),
    ("| Morphine MR 30mg tablets | 30mg | | | | X | at night |", 30, 1),
]


@pytest.mark.parametrize("row,dose,freq", GRID_MARKS)
def test_marked_time_cells_are_administrations(row, dose, freq):
    text = ("Medicines sent with resident\n"
            "| Medicine | Dose | 08:00 | 12:00 | 18:00 | 22:00 | Comments |\n"
            f"{row}\n"
            "| Senna 7.5mg tablets | 15mg | | | | X | |\n")
    rxs = opioids(text)
    assert len(rxs) == 1
    assert (rxs[0]["dose_mg_max"], rxs[0]["frequency_per_day_max"]) == (dose, freq)


# a label's later lines (a warning, the status word NEW, a short course) are the item's own: its course and status
LABEL_TAILS = [
    # (lines after the directions, duration_days, new_on_admission)
    ("Warning: May cause drowsiness. Avoid alcoholic drink.\nNEW this admission. Short course - stop after 4 days.", 4, True),
    ("NEW.   Dispensed by: AB   Checked by: CD", None, True),
    ("Warning: Do not drive if affected.\nNEW - first supply.   Disp: AB", None, True),
    ("Short course - stop after 3 days.", 3, None),
]


@pytest.mark.parametrize("tail,duration,new", LABEL_TAILS)
def test_a_label_tail_belongs_to_its_item(tail, duration, new):
    text = ("PHARMACY - DISCHARGE MEDICATION\n\n"
            "OXYCODONE 5MG CAPSULES          12 x 5mg capsules\n"
            "Take ONE capsule every SIX hours when required for pain.\n"
            f"{tail}\n\n"
            "OMEPRAZOLE 20MG CAPSULES    28 x 20mg capsules\nTake ONE capsule ONCE a day.\n")
    rxs = opioids(text)
    assert len(rxs) == 1
    assert (rxs[0]["duration_days"], rxs[0]["new_on_admission"]) == (duration, new)


def test_a_capital_heading_after_an_item_is_not_its_status():
    text = ("Discharge medicines:\n"
            "Morphine MR 10mg tablets - ONE tablet TWICE a day\n"
            "NEW MEDICINES\n"
            "Omeprazole 20mg OD\n")
    rxs = opioids(text)
    assert rxs[0]["new_on_admission"] is not True
