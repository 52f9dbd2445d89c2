"""Pasted text -> letters (audit_app.pasted.split_letters).

Two kinds of test: letters written here to break the splitter (sign-off blocks, cc lines, letters
with only a title, EPMA tables, form feeds and rules, no blank lines, Windows line endings,
non-breaking spaces, and single letters full of things that look like a boundary), and a seeded
sample of the gold letters in tests/data pasted together, which must come apart again (the same
measure bench/bench_paste_split.py prints for larger samples). Every name and number is made up;
NHS numbers use the 999 test prefix.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from audit_app.pasted import split_letters

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("paste_batches", REPO / "bench" / "paste_batches.py")
pb = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("paste_batches", pb)  # its dataclasses look their module up
_spec.loader.exec_module(pb)

DICTATED_A = """Northgate General Hospital
Department of Trauma and Orthopaedics
Northgate NHS Foundation Trust

12/03/2025

Dr P Okafor
Mill Lane Surgery
Northgate NG4 7QT

Dear Dr Okafor,

Re: Mr Tomas VANCE, DOB 14/07/1958, NHS No 999 476 5919

Mr Vance was admitted with a fractured neck of femur and had a hemiarthroplasty on 8 March.
He goes home on oxycodone 5 mg four-hourly as required for 5 days, then stops.

Yours sincerely,

Dr Amira Nasser
FY1 in Orthopaedics, bleep 4471

cc: Mr Vance (patient)
    Ward 14 physiotherapy"""

DICTATED_B = """Eastbrook Infirmary
Care of the Elderly, Ward 3

Dr Helen Marsh
Brookside Medical Centre
12 Station Road
Eastbrook EB2 9LP

20 March 2025

Dear Dr Marsh

Re: Mrs Ines Álvarez-Ruiz   D.O.B. 02.11.1941   NHS number 999-120-4478

Thank you for continuing the care of Mrs Álvarez-Ruiz, who was with us after a fall.
Codeine 30 mg up to four times a day was started for rib pain; please review it in two weeks.

Kind regards

Dr S. O'Neill
Specialty Registrar (ST4), Geriatric Medicine
Ext 2231
Copy to: patient; district nurses"""

EPMA = """IMMEDIATE DISCHARGE SUMMARY | Westmoor Hospital
Name: PATEL, Ravi | NHS No: 999 332 1045 | Hosp No: W1234567 | DOB: 30/01/1975
Admitted: 01/04/2025 | Discharged: 04/04/2025 | Ward: 22 | Consultant: Ms K Dunn

| Drug | Dose | Route | Frequency | Supply |
|------|------|-------|-----------|--------|
| Morphine sulfate oral solution | 2.5-5 mg | PO | 2-hourly PRN | 3 days |
| Paracetamol | 1 g | PO | QDS | 7 days |

Plan: stop morphine after 3 days; GP to review analgesia.
Completed by: Dr L Chen (CT2) - Bleep 5520 - TTO screened by pharmacy"""

TITLE_ONLY = """Inpatient Discharge Letter
Diagnosis: renal colic, stone passed.
Medicines on discharge: tramadol 50 mg up to four times a day for 3 days.
Follow-up: urology clinic in six weeks."""

TERSE = """Surgical d/c - ward 5
Mr Kwame ASANTE 54y NHS 9994017736
lap chole 10/04, uneventful
TTO: oxycodone 5mg PRN x5/7, paracetamol
GP: nil"""

# the same patient's second letter: only its own title says a new letter starts
READMISSION = EPMA.replace("IMMEDIATE DISCHARGE SUMMARY", "DISCHARGE LETTER - readmission")

WELSH = """Ysbyty Glan Ddŵr | Bwrdd Iechyd Prifysgol Aber
Crynodeb Rhyddhau / Discharge Summary
Enw / Name: Mr Gareth LLOYD   Dyddiad geni / DOB: 03/03/1948   Rhif GIG / NHS No: 999 555 1212
Tramadol 50 mg QDS PRN for 5 days then stop.
Llofnod / Signed: Dr E Hughes (FY1)"""

# a single letter full of things that look like a boundary
ONE_LETTER = """Southfield University Hospitals NHS Trust
DISCHARGE SUMMARY
------------------------------------------------------------
Patient: Ms Dora FENWICK    DOB: 05/05/1950    NHS No: 999 870 2231
Admitted: 02/05/2025   Discharged: 09/05/2025

Presenting complaint: chest wall pain after a fall.
The discharge letter to follow from the fracture clinic.

Medications on discharge
------------------------
- Oxycodone 5 mg capsules, 5 mg four-hourly as required, 7 days.
- Laxido one sachet twice a day.

TTO
Dispensed by pharmacy, 7 days.

Advice: call NHS 111 or the ward on 0161 496 0000 if the pain worsens.
Yours sincerely,
Dr Owen Pryce (FY2)
cc: GP
Patient: Ms Dora FENWICK   NHS No: 999 870 2231   Page 2 of 2"""


def _norm(text: str) -> list[str]:
    return pb.normal(text)


def _check(letters: list[str], text: str) -> None:
    parts = split_letters(text)
    assert len(parts) == len(letters), f"{len(parts)} letters found, {len(letters)} pasted"
    for i, (got, want) in enumerate(zip(parts, letters)):
        same = _norm(got) == _norm(want)   # compared, not printed: a failure names the letter only
        assert same, f"letter {i + 1} of {len(letters)} has the wrong lines"


@pytest.mark.parametrize("letters, joiner", [
    ([DICTATED_A, DICTATED_B], "\n\n"),              # sign-off, grade, bleep and cc stay with their letter
    ([DICTATED_B, DICTATED_A], "\n"),                # ...with no blank line between the letters
    ([DICTATED_A, EPMA, DICTATED_B], "\n\n\n\n"),
    ([EPMA, TITLE_ONLY, EPMA.replace("999 332 1045", "999 332 1053")], "\n\n"),  # a letter with only a title
    ([TITLE_ONLY, TERSE, DICTATED_A], "\n"),
    ([TERSE, ONE_LETTER, DICTATED_B], "\n\n"),
    ([ONE_LETTER, EPMA], "\n"),
    ([EPMA, READMISSION], "\n"),
    ([DICTATED_A, WELSH, TERSE], "\n\n"),
], ids=["dictated", "dictated-no-blank", "three-registers", "title-only", "terse-first", "look-alikes",
        "look-alikes-no-blank", "same-patient", "bilingual"])
def test_letters_come_apart_at_their_own_boundaries(letters, joiner):
    _check(letters, joiner.join(letters))


@pytest.mark.parametrize("separator", ["\f", "\n\f\n", "\n" + "-" * 40 + "\n", "\n\n" + "_" * 72 + "\n\n",
                                       "\n* * * * * *\n", "\n===\n", "\n" + "=" * 30 + "\n"],
                         ids=["form-feed", "form-feed-lines", "dashes", "underscores", "asterisks", "old-separator",
                              "equals"])
def test_separator_lines_between_letters(separator):
    letters = [DICTATED_A, ONE_LETTER, TERSE]
    _check(letters, separator.join(letters))


def test_windows_line_endings_and_non_breaking_spaces():
    letters = [DICTATED_B, EPMA, DICTATED_A]
    text = "\r\n\r\n".join(t.replace("\n", "\r\n") for t in letters)
    _check(letters, text)
    text = "\n\u00a0\n".join(t.replace(" ", "\u00a0") for t in letters)   # every space pasted as U+00A0
    _check(letters, text)
    parts = split_letters("\r\n".join(letters))
    assert not any("\r" in p for p in parts)          # line breaks come back as \n


def test_no_blank_lines_anywhere():
    letters = [DICTATED_A, EPMA, DICTATED_B, TITLE_ONLY]
    squashed = ["\n".join(line for line in t.splitlines() if line.strip()) for t in letters]
    _check(squashed, "\n".join(squashed))


@pytest.mark.parametrize("letter", [ONE_LETTER, DICTATED_A, DICTATED_B, EPMA, TITLE_ONLY, TERSE],
                         ids=["look-alikes", "dictated-a", "dictated-b", "epma", "title-only", "terse"])
def test_one_letter_stays_one(letter):
    parts = split_letters(letter)
    assert len(parts) == 1
    same = _norm(parts[0]) == _norm(letter)
    assert same


def test_a_letter_after_a_valediction_with_no_header_of_its_own():
    second = ("Thank you for seeing Mr Idris Bello again after his knee replacement.\n"
              "He has codeine 30 mg four times a day for five days and then stops.")
    _check([DICTATED_A, second], DICTATED_A + "\n\n" + second)


def test_same_patient_repeated_in_a_footer_and_another_date_format():
    letter = ONE_LETTER.replace("Page 2 of 2", "DOB 5 May 1950")
    assert len(split_letters(letter)) == 1


def test_blank_and_legacy_input():
    assert split_letters("") == [] and split_letters("  \n \r\n\f ") == [] and split_letters(None) == []
    assert split_letters("letter one\n===\nletter two") == ["letter one", "letter two"]
    assert split_letters("just a line of text") == ["just a line of text"]


def test_seeded_sample_of_the_gold_letters():
    """Batches of 2-6 gold letters (all four gold files), joined in every style, come apart again."""
    letters = pb.load()
    score = pb.evaluate(split_letters, pb.batches(letters, 160, seed=2026, styles=pb.STYLES))["all"]
    assert score.n == 160
    assert score.count_right / score.n >= 0.97, score.line()
    assert score.exact / score.n >= 0.95, score.line()
    assert score.boundaries_right / score.boundaries >= 0.98, score.line()
