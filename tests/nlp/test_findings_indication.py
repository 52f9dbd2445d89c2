"""Indication documented: on the prescription, in an Indication column, or in the sentence that names the drug."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


@pytest.mark.parametrize("letter, documented", [
    ("TTO:\n- Oramorph 10mg/5ml 2.5-5ml q4h PRN rib pain 1 x 100ml\n", True),
    ("TTO:\n- DHC 30mg 1 tab qds prn pain #28\n", True),
    ("TTO:\n- Oramorph 10mg/5ml 2.5-5ml q4h PRN 1 x 100ml - stop when pain settled\n", False),
    ("TTO:\n- Oramorph 10mg/5ml 2.5-5ml q4h PRN 1 x 100ml\n", False),
    ("| Medicine | Dose | Frequency | Indication |\n|---|---|---|---|\n| Zomorph 10mg MR capsules | 10mg | BD | OA knees |\n", True),
    ("| Medicine | Dose | Frequency | Indication |\n|---|---|---|---|\n| Zomorph 10mg MR capsules | 10mg | BD | - |\n", False),
    (" Medication                Dose   Freq   Reason\n Zomorph 10mg MR capsules  10mg   BD     hip fracture\n", True),
    ("Medicines: paracetamol 1g qds, and for breakthrough pain we have started Oramorph 10mg/5ml 2.5ml up to 4 hourly.\n", True),
    ("Medicines on discharge: Oramorph 10mg/5ml 2.5ml up to 4 hourly. Pain score 2/10 at discharge.\n", False),
])
def test_indication_documented(letter, documented):
    ex = extract_letter(letter)
    assert ex.opioids
    assert ex.indication_documented is documented


def test_no_opioid_means_no_indication():
    assert extract_letter("TTO:\n- Paracetamol 1g qds for pain\n").indication_documented is False
