"""Medication statements: each number is read inside the statement of the drug that owns it.

Letters here were written for these tests in layouts and phrasings that are not in the dev files.
"""
from __future__ import annotations

import pytest
import spacy

from nlp.context import LetterLayout
from nlp.pipeline import extract_letter
from nlp.prescriptions import classify, find_mentions
from nlp.statements import header_columns, heading_role, segment


def rxs(text: str) -> list[dict]:
    return extract_letter(text).to_dict()["opioids"]


def by_brand_or_generic(items: list[dict]) -> dict:
    return {(o["brand"] or o["generic"]): o for o in items}


# --- column headings -------------------------------------------------------------------------------------------
HEADINGS = [
    ("Drug", "drug"), ("MEDICINE NAME", "drug"), ("Strength/Form", "strength"), ("Form", "strength"),
    ("Dose / directions", "dose"), ("Route", "route"), ("How often", "freq"), ("Frequency", "freq"),
    ("Supply (days)", "supply"), ("Days", "days"), ("Qty", "quantity"), ("Quantity supplied", "quantity"),
    ("Status", "status"), ("New/Continued", "status"), ("Pharmacy comments", "comments"), ("Notes", "comments"),
    ("Indication", "indication"), ("Duration", "duration"), ("Favourite colour", None), ("", None),
]


@pytest.mark.parametrize("heading,role", HEADINGS)
def test_heading_roles(heading, role):
    assert heading_role(heading) == role


HEADER_LINES = [
    ("Item\tAmount\tWhen\tNo. supplied", ["drug", "dose", "freq", "quantity"], "tab"),
    ("│ Medicine │ Dose │ Frequency │ Status │", ["drug", "dose", "freq", "status"], "sep"),
    ("Drug name          Dose     Frequency     Days   Qty", ["drug", "dose", "freq", "days", "quantity"], "fixed"),
    ("Drug | Dose | Supply | Days", ["drug", "dose", "supply", "duration"], "sep"),  # Days beside a supply column
    ("The patient was seen by the pain team today", None, None),
    ("Name   Date of birth   Address", None, None),  # one known heading is not a table
]


@pytest.mark.parametrize("line,roles,mode", HEADER_LINES)
def test_header_lines(line, roles, mode):
    cols = header_columns(line)
    if roles is None:
        assert cols is None
    else:
        assert cols.roles == roles and cols.mode == mode


# --- prose: a clause ends where the next drug begins --------------------------------------------------------------
PROSE = [
    # (sentence, {product: (dose_max, freq, prn)})
    ("He goes home on Zomorph 30mg twelve-hourly plus Oramorph 5ml (10mg) up to hourly for breakthrough pain, "
     "alongside ibuprofen 400mg tds.",
     {"Zomorph": (30, 2, False), "Oramorph": (10, 24, True)}),
    ("Discharged with tramadol 50mg up to four times a day when needed together with paracetamol 1g qds.",
     {"tramadol": (50, 4, True)}),
    ("She takes codeine 30mg qds as required, and senna 15mg at night for her bowels.",
     {"codeine": (30, 4, True)}),
    ("We started naproxen 500mg bd and morphine sulfate tablets 10mg four-hourly if required.",
     {"morphine": (10, 6, True)}),
]


@pytest.mark.parametrize("sentence,expected", PROSE)
def test_prose_numbers_stay_with_their_drug(sentence, expected):
    got = by_brand_or_generic(rxs("Discharge summary\n\n" + sentence + "\n"))
    assert set(got) == set(expected)
    for key, (dose, freq, prn) in expected.items():
        o = got[key]
        assert (o["dose_mg_max"], o["frequency_per_day_max"], o["prn"]) == (dose, freq, prn), key
        a, b = o["statement_span"]
        assert a <= o["span"][0] and o["span"][1] <= b


EMBEDDED = [
    "TTO:\n- Oxycodone 5mg capsules 5mg qds prn\n- Senna 15mg at night while on oxycodone\n",
    "TTO:\n- Co-codamol 30/500 2 tabs qds prn instead of her tramadol 50mg qds\n",
    "Discharge medications:\n- Morphine MR 10mg bd (replaces her codeine 30mg qds)\n",
]


@pytest.mark.parametrize("letter", EMBEDDED)
def test_drug_named_inside_another_statement_is_context(letter):
    got = rxs(letter)
    assert len(got) == 1, [o["generic"] for o in got]


# --- tables: cells bound to their headings ----------------------------------------------------------------------
FIXED_WIDTH = """DISCHARGE PRESCRIPTION

Medicine name               Dose          How often                 Days   Qty     Status
Lactulose 10ml/15ml         15ml          twice a day               14     300ml   New
Oxycodone 5mg caps          5-10mg        every 4 hours when        5      30      New
                                          needed, max 4 doses/day
Buprenorphine 10mcg/h patch 1 patch       every 7 days              -      POD     Continued

Signed: FY1
"""

BOX = """Take-home medicines
┌──────────────────┬────────┬────────────┬───────────────┬────────────────────────────┐
│ Drug             │ Dose   │ Frequency  │ Supply (days) │ Comments                   │
├──────────────────┼────────┼────────────┼───────────────┼────────────────────────────┤
│ Tapentadol 50mg  │ 50mg   │ QDS PRN    │ 7             │ instead of her tramadol    │
│ Senna 7.5mg      │ 15mg   │ ON         │ 7             │ while taking tapentadol    │
└──────────────────┴────────┴────────────┴───────────────┴────────────────────────────┘
"""

TABS = "Discharge medication\nItem\tAmount\tWhen\tNo. supplied\tChange\n" \
       "Dihydrocodeine 30mg tablets\t1-2 tablets\tsix hourly if required\t40\tNew\n" \
       "Amlodipine 5mg\t5mg\tmorning\tPOD\tContinued\n"


def test_fixed_width_table_with_continuation_line():
    got = by_brand_or_generic(rxs(FIXED_WIDTH))
    assert set(got) == {"oxycodone", "buprenorphine"}
    oxy = got["oxycodone"]
    assert (oxy["dose_mg_min"], oxy["dose_mg_max"], oxy["frequency_per_day_max"], oxy["prn"]) == (5, 10, 4, True)
    assert (oxy["supply_days"], oxy["supply_quantity"], oxy["new_on_admission"]) == (5, "30 capsules", True)
    assert got["buprenorphine"]["new_on_admission"] is False
    assert got["buprenorphine"]["supply_quantity"] is None


def test_box_table_comments_cell_is_context():
    got = rxs(BOX)
    assert [o["generic"] for o in got] == ["tapentadol"]
    o = got[0]
    assert (o["dose_mg_max"], o["frequency_per_day_max"], o["prn"], o["supply_days"]) == (50, 4, True, 7)


def test_tab_table():
    got = rxs(TABS)
    assert len(got) == 1
    o = got[0]
    assert (o["generic"], o["dose_mg_min"], o["dose_mg_max"], o["frequency_per_day_max"]) == ("dihydrocodeine", 30, 60, 4)
    assert (o["supply_quantity"], o["new_on_admission"]) == ("40 tablets", True)


def _statements(text):
    layout = LetterLayout(text)
    ms = find_mentions(text)
    for m in ms:
        m.context = classify(layout, m)
    return segment(layout, ms)


def test_every_statement_has_one_owner_and_no_overlap():
    for text in (FIXED_WIDTH, BOX, TABS):
        sts = _statements(text)
        assert sts
        for a, b in zip(sts, sts[1:]):
            assert a.end <= b.start
        for st in sts:
            assert st.owner is not None or st.owner_name


def test_statement_spans_on_a_blank_pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("opioid_prescriptions")
    doc = nlp(BOX)
    labels = [s.label_ for s in doc.spans["medication_statements"]]
    assert labels == ["table", "table"]
    assert [s.label_ for s in doc.spans["opioid_prescriptions"]] == ["tapentadol"]


@pytest.mark.parametrize("text", ["", "|||\n|||", "Drug | Dose\n|", "Drug  Dose\n" + " " * 50, "│" * 500])
def test_degenerate_tables_do_not_crash(text):
    d = extract_letter(text).to_dict()
    assert d["error"] is None and d["opioids"] == []


WRAPPED = """Medicines for home - just in case
  Oxycodone 10mg/1ml injection     1-2mg SC 2-hourly PRN pain,              5 amps
                                   no more than 6 doses in 24 hours
  Haloperidol 5mg/1ml injection    0.5-1mg SC 4-hourly PRN nausea           5 amps
"""


def test_wrapped_line_joins_the_statement_above():
    o = rxs("Anticipatory medicines:\n" + WRAPPED.split("\n", 1)[1])[0]
    assert (o["generic"], o["route"], o["dose_mg_max"], o["frequency_per_day_max"]) == ("oxycodone", "subcutaneous", 2, 6)


def test_dose_route_frequency_heading():
    table = ("Medicines to take home\n"
             "  Drug                        Dose / route / frequency              Qty\n"
             "  Codeine 30mg tablets        30-60mg PO 6-hourly PRN               28\n")
    o = rxs(table)[0]
    assert (o["dose_mg_min"], o["dose_mg_max"], o["frequency_per_day_max"], o["supply_quantity"]) == (30, 60, 4, "28 tablets")


def test_what_he_was_admitted_on_is_not_the_discharge_prescription():
    letter = ("Summary: Admitted with back pain and vomiting on OxyContin 20mg BD. Switched to tapentadol.\n\n"
              "TTO:\n- Tapentadol 50mg qds prn\n")
    assert [o["generic"] for o in rxs(letter)] == ["tapentadol"]


CONTINUATIONS = [
    # (letter, supply_days, supply_quantity, duration_days)
    ("d/c meds:\n- tramadol 50mg caps 1-2 qds prn\n#30  TTO 7/7\n- paracetamol 1g qds\n", 7, "30 capsules", None),
    ("TTO:\n- co-codamol 30/500 ii qds regular\nx5/7 #40\n", None, "40 tablets", 5),
    ("Discharge medications:\n- MST 10mg tablets one twice daily (pre-admission 20mg BD), 14 tablets supplied\n", None, "14 tablets", None),
]


@pytest.mark.parametrize("letter,supply,qty,duration", CONTINUATIONS)
def test_sig_continued_on_the_next_line_or_after_an_aside(letter, supply, qty, duration):
    got = rxs(letter)
    assert len(got) == 1
    o = got[0]
    assert (o["supply_days"], o["supply_quantity"], o["duration_days"]) == (supply, qty, duration)
