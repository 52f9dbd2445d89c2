"""Prescription-level classes found at first contact in session 8. Letters written for these tests."""
from __future__ import annotations

import textwrap

import pytest

from nlp.pipeline import extract_letter


def _supply(letter):
    return [(rx.generic, rx.supply_days, rx.supply_quantity, rx.dose_mg_max) for rx in extract_letter(letter).opioids]


@pytest.mark.parametrize("sentence, days, quantity", [
    ("We have given him fourteen days of Zomorph (28 capsules), 10 mg twice a day, for his back pain.", 14, "28 capsules"),
    ("She has been given a week of oxycodone 5 mg capsules, one four-hourly when required.", 7, None),
    ("Seven days' supply of Oramorph 10mg/5ml, 2.5-5 ml four-hourly prn.", 7, None),
    ("I have prescribed five days of codeine 30 mg four times a day when required.", 5, None),
    ("He goes home with 3 days' worth of tramadol 50 mg capsules, one or two up to four times a day.", 3, None),
    ("We have supplied 28 capsules of Zomorph 10 mg, one twice a day.", None, "28 capsules"),
    ("Dispensed twenty tablets of dihydrocodeine 30 mg, one every six hours when required.", None, "20 tablets"),
])
def test_a_supply_told_before_the_drugs_name_in_its_own_sentence(sentence, days, quantity):
    [(_g, supply_days, supply_quantity, _d)] = _supply("Discharge medication:\n" + sentence + "\n")
    assert (supply_days, supply_quantity) == (days, quantity)


@pytest.mark.parametrize("sentence", [
    "Take two tablets of co-codamol 30/500 four times a day.",                      # a dose, not a quantity
    "After three days of morphine on the ward he was changed to oxycodone 5 mg four times a day when required.",
    "Paracetamol 1 g four times a day for 7 days. Oxycodone 5 mg four-hourly when required.",  # not across a sentence
    "He was given 10 mg of Oramorph before he left; Oramorph 10mg/5ml 5 ml four-hourly prn, 100 ml.",
])
def test_what_is_no_supply_of_the_prescription_before_its_name(sentence):
    rx = _supply("Discharge medication:\n" + sentence + "\n")[-1]
    assert rx[1] is None
    assert rx[2] in (None, "100 ml")


def _dose(letter):
    return [(rx.strength_mg, rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.max_daily_dose_mg)
            for rx in extract_letter(letter).opioids]


@pytest.mark.parametrize("item, expected", [
    ("OxyContin 10mg tablets, 30mg (3 tabs) at 07:00, 20mg (2 tabs) at 19:00", (10.0, 20.0, 30.0, 2, 60.0)),
    ("Zomorph 30 mg at 8am and 20 mg at 8pm", (None, 20.0, 30.0, 2, 60.0)),
    ("MST 10 mg at 06:00, 10 mg at 14:00 and 20 mg at 22:00", (None, 10.0, 20.0, 3, 60.0)),
])
def test_unequal_doses_at_clock_times(item, expected):
    [rx] = _dose("Discharge medication:\n" + item + "\n")
    assert rx == expected


def test_doses_at_named_times_are_not_undone_by_a_time_told_again():
    letter = ("Dear Dr Amos,\n\nShe will take Palexia SR 100mg in the morning and 150mg at night (one 100mg tablet in "
              "the morning; one 100mg and one 50mg tablet at night), starting the morning after her last dose.\n")
    [rx] = _dose(letter)
    assert rx[1:4] == (100.0, 150.0, 2)


@pytest.mark.parametrize("item, expected", [
    ("MST Continus tablets 70mg = 1 x 60mg + 1 x 10mg tablet, twice a day", (60.0, 70.0, 70.0, 2, 140.0)),
    ("Zomorph 50 mg twice a day, given as one 30 mg capsule and two 10 mg capsules", (30.0, 50.0, 50.0, 2, 100.0)),
    ("MXL 120mg - TWO capsules together at night (made up as 1 x 90mg + 1 x 30mg capsule)", (90.0, 120.0, 120.0, 1, 120.0)),
])
def test_a_dose_made_up_of_two_tablet_strengths(item, expected):
    [rx] = _dose("Discharge medication:\n" + item + "\n")
    assert rx == expected


def test_a_prose_sentence_wrapped_before_a_figure_goes_on():
    # a printout cut at its margin: the dose goes on at the start of the next line
    paragraph = ("We saw him again on the ward round this morning and talked through the pain he has had in his back "
                 "since the fall, and after a long talk with him and his wife we agreed on a new long-acting "
                 "painkiller. He will take Palexia SR 100mg twice a day from tomorrow, and he knows how to take it and "
                 "what to look out for in the first few days after he gets home, which we went through with him and "
                 "his wife together before he left the ward today.")
    body = textwrap.fill(paragraph, 75)
    assert "Palexia SR\n100mg" in body  # (the margin falls between the name and its dose)
    [rx] = _dose("Dear Dr Amos,\n\n" + body + "\n")
    assert rx[2:4] == (100.0, 2)


def test_an_item_line_goes_on_under_it_three_spaces_deeper():
    letter = ("Medicines on discharge:\n"
              "  Sevredol 10mg tablets - 1-2 tablets up to 4-hourly if needed for breakthrough\n"
              "     pain; maximum 6 tablets in 24 hours .................. NEW, 24 tablets\n"
              "  Laxido 1 sachet BD .................................... NEW\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.supply_quantity, rx.new_on_admission) == (3, "24 tablets", True)
    assert "breakthrough" in rx.indication and "pain" in rx.indication


@pytest.mark.parametrize("cell", ["50-100 mg every 6 hours WHEN REQUIRED; max 300 mg in 24 hours",
                                  "50-100 mg six-hourly prn; no more than 300 mg a day"])
def test_a_semicolon_inside_a_cell_of_a_table_ruled_with_bars(cell):
    letter = ("MEDICINES ON DISCHARGE\n"
              "Medicine       | Form | Dose & frequency | Route | Supply     | Status\n"
              "Paracetamol    | tab  | 1 g four times a day | PO | 7 days | New\n"
              f"Tramadol 50 mg | cap  | {cell} | PO | 7 days (30 caps) | New\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.max_daily_dose_mg, rx.supply_days, rx.supply_quantity) == (3, 300.0, 7, "30 capsules")


@pytest.mark.parametrize("item, expected", [
    ("Tapentadol retard 50 mg    1-0-1  for post-op pain (new, 20 Tbl.)", (50.0, 50.0, 50.0, 2, 100.0)),
    ("Oxycodone 5 mg tablets  1-1-1-1", (5.0, 5.0, 5.0, 4, 20.0)),
    ("Oxycodone 5 mg tablets  ½-0-½-1", (5.0, 2.5, 5.0, 3, 15.0)),
    ("Tramadol 50 mg caps 3x1 if strong pain, 15 caps", (50.0, 50.0, 50.0, 3, 150.0)),
    ("Tramadol 50 mg caps 3dd 1-2 caps z.n. (if needed) for pain, disp 30 caps", (50.0, 50.0, 100.0, 3, 300.0)),
])
def test_dose_schemes_written_the_european_way(item, expected):
    [rx] = _dose("Discharge medication:\n" + item + "\n")
    assert rx == expected


@pytest.mark.parametrize("item", ["Oxycodone 5 mg tablets, one four times a day, review 1-2-2027",  # a date
                                  "Codeine 30 mg tablets, one four times a day, 1 x 100 tablet pack",
                                  "Codeine 30 mg tablets 2 x 1 week courses, one four times a day"])
def test_what_is_no_dose_scheme(item):
    [rx] = _dose("Discharge medication:\n" + item + "\n")
    assert rx[3] == 4


def test_a_drug_round_grid_of_times():
    letter = ("TTO - all items 5d supply (M = morning, L = lunch, T = teatime, N = night)\n"
              " Drug                              M  L  T  N   Status  Note\n"
              " Paracetamol 500 mg tabs x2        2  2  2  2   new     regular\n"
              " Dihydrocodeine 30 mg tabs         1  1  1  1   new     PRN for pain only; 20 tabs\n"
              " Oxycodone MR 5 mg tabs            2  -  -  1   new     x 3 days then stop; 9 tabs\n")
    dhc, oxy = extract_letter(letter).opioids
    assert (dhc.frequency_per_day_max, dhc.prn, dhc.supply_days, dhc.supply_quantity) == (4, True, 5, "20 tablets")
    assert (oxy.dose_mg_min, oxy.dose_mg_max, oxy.frequency_per_day_max, oxy.duration_days) == (5.0, 10.0, 2, 3)


@pytest.mark.parametrize("sig, freq", [
    ("Take ONE capsule stat then ONE every 4 hours if needed. Max 4 in 24 hours.", 4),
    ("Take ONE capsule stat, then ONE every 6 hours when required.", 4),
    ("One capsule stat.", 1),
])
def test_a_stat_dose_then_a_frequency(sig, freq):
    [rx] = _dose("Medication on discharge:\nShortec 5 mg capsules " + sig + "\n")
    assert rx[3] == freq


def test_a_bulleted_drug_line_is_one_item_under_any_heading():
    letter = ("Labels as dispensed:\n"
              "  ~ OxyNorm 5 mg capsules ~ Take ONE capsule every 4-6 hours if needed for severe pain. Max 4 in 24 "
              "hours. Qty: 12. NEW.\n"
              "  ~ Paracetamol 500 mg ~ TWO tablets four times a day. Qty: 32.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.supply_quantity, rx.new_on_admission) == (4, "12 capsules", True)


def test_a_medicines_table_ends_an_allergy_line_above_it():
    letter = ("Dx: mucositis after chemoradiotherapy\n"
              "ADR: codeine - vomiting (2023)\n"
              "| Drug | Dose | Route | Frequency | Days | Notes |\n"
              "| Morphine sulfate 10mg/5ml oral solution | 5-10mg (2.5-5ml) | PEG | 4-hourly PRN | 7 | for mouth pain |\n"
              "| Laxido | 1 sachet | PEG | BD | 7 | |\n")
    ex = extract_letter(letter)
    assert [(rx.generic, rx.dose_mg_max, rx.frequency_per_day_max) for rx in ex.opioids] == [("morphine", 10.0, 6)]
    assert [(d.generic, d.reason) for d in ex.distractors] == [("codeine", "allergy")]


@pytest.mark.parametrize("note, new", [
    ("back pain; started by her GP in 2024, unchanged", False),
    ("CONTINUED (usual, started by the pain clinic before admission)", False),
    ("started this admission for back pain", True),
    ("NEW - started on the ward day 2; do not continue beyond 5 days", True),
])
def test_a_start_told_of_the_past_beside_a_continuing_item(note, new):
    letter = ("MEDICINES ON DISCHARGE\n"
              "| Drug | Dose | Frequency | Notes |\n"
              f"| Tramadol 50mg capsules | 50mg | QDS | {note} |\n")
    [rx] = extract_letter(letter).opioids
    assert rx.new_on_admission is new


def test_the_directions_of_a_dispensing_label_box_under_its_product():
    letter = ("Medicines supplied (copy of dispensing labels):\n"
              " ---------------------------------------------------------\n"
              " | DIHYDROCODEINE 30MG TABLETS                1 x 28 OP  |\n"
              " | Take ONE or TWO tablets up to FOUR times a day WHEN    |\n"
              " | REQUIRED. Do not take more than 8 tablets in 24 hours. |\n"
              " | A N Other          02/03/26      Pharmacy  #B1234     |\n"
              " ---------------------------------------------------------\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == \
        (30.0, 60.0, 4, True, "28 tablets")


@pytest.mark.parametrize("sentence", [
    "The conversion: oxycodone 60mg/day x 1.5 = 90mg oral morphine per day.",
    "Equivalence: tramadol 200mg/day x 0.1 = 20mg oral morphine/day.",
    "Her morphine 60mg per day divided by 5 = 12mg hydromorphone per day.",
])
def test_a_conversion_sum_is_no_prescription(sentence):
    letter = ("Dear Dr Amos,\n\n" + sentence + " She goes home on Palexia SR 50mg twice a day, new.\n")
    assert [rx.generic for rx in extract_letter(letter).opioids] == ["tapentadol"]


def test_a_prescription_is_still_read_beside_its_conversion():
    letter = ("Dear Dr Amos,\n\nShe goes home on oxycodone MR 20mg twice a day (40mg/day x 1.5 = 60mg oral morphine "
              "per day), new this admission.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.dose_mg_max, rx.frequency_per_day_max) == ("oxycodone", 20.0, 2)


def test_the_heading_for_the_medicines_on_arrival_is_the_admission_list():
    letter = ("Current medication on arrival: codeine 30mg QDS, sertraline 50mg OD.\n"
              "Codeine stopped on admission.\nDischarge medication:\n - tramadol 50mg QDS PRN for the leg pain, 20 capsules\n")
    assert [rx.generic for rx in extract_letter(letter).opioids] == ["tramadol"]


def test_a_margin_set_by_most_lines_not_by_one_long_heading():
    paragraph = ("She came in with confusion on her previous opioid and we changed her treatment with the help of the "
                 "palliative care team over several days on the ward. She goes home on Palladone SR 16mg capsules, one "
                 "capsule every twelve hours, new this admission, 14 days' supply. The confusion settled within two "
                 "days of the change and she was walking with a frame by the time she went home to her daughter.")
    body = textwrap.fill(paragraph, 100)
    long_heading = "Diagnosis: " + "metastatic breast cancer with bone metastases in the right hip and ribs, " * 2
    [rx] = extract_letter("Dear Dr Amos,\n" + long_heading + "\n\n" + body + "\n").opioids
    assert rx.supply_days == 14


def test_a_home_medicines_item_marked_new_goes_home():
    letter = ("Home medicines:\n"
              " - Morphine sulfate 10 mg/5 ml oral solution 2.5 mg p.o. q4h p.r.n. pain - 1 x 100 ml (new)\n"
              " - Ramipril 5 mg o.d.\n"
              " - Codeine 30 mg q.d.s. p.r.n.\n")
    ex = extract_letter(letter)
    assert [(rx.generic, rx.formulation, rx.supply_quantity) for rx in ex.opioids] == [("morphine", "liquid", "100 ml")]


def test_a_printed_list_with_dotted_leaders_under_any_heading():
    letter = ("Knee pathway pack - contents dispensed:\n"
              "  Paracetamol 500mg tablets ............ 2 tablets four times a day ............ 32 tablet\n"
              "  Codeine 30mg tablets ................. Take ONE or TWO tablets every FOUR to SIX hours WHEN REQUIRED. "
              "Do not take more than EIGHT tablets in 24 hours ............ 24 tablet\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == (60.0, 4, True, "24 tablets")


FIELD_BLOCK = """---------- DISCHARGE MEDICATION: ITEM 1 OF 2 ----------
Medication name: Morphine sulfate
Form: Tablet (immediate release)
Strength: 10 mg
Dose: 10 mg to 20 mg
Frequency: Every 4 hours when required - maximum 4 doses in 24 hours
Route: Oral
Duration: 5 days
Quantity: 24 tablets
Status: New
Indication: Post-operative knee pain
---------- DISCHARGE MEDICATION: ITEM 2 OF 2 ----------
Medication name: Senna
Dose: 15 mg
Frequency: At night
Duration: While taking morphine
Status: New
---------- FOLLOW-UP ----------
GP action: Please do not add the morphine 10 mg to repeat; review at 2 weeks.
Review date: 01/04/2026
"""


def test_an_item_exported_one_field_to_a_line():
    [rx] = extract_letter(FIELD_BLOCK).opioids
    assert (rx.generic, rx.strength_mg, rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn,
            rx.duration_days, rx.supply_quantity, rx.new_on_admission) == \
        ("morphine", 10.0, 10.0, 20.0, 4, True, 5, "24 tablets", True)


STRUCTURED_EXPORT = """--- MedicationRequest resources (category = discharge) ---
[1] MedicationRequest/mr-01
    status: active | intent: order | category: discharge
    medication: Oxycodone hydrochloride 5 mg capsules (OxyNorm)
    dosageInstruction.text: "5 mg every 6 hours if required for pain"
    reasonCode: post-operative pain
    dispenseRequest: quantity 12 capsule
    note: New this admission.
[2] MedicationRequest/mr-02
    status: stopped | intent: order | category: community
    medication: Codeine phosphate 30 mg tablets
    statusReason: pre-admission medicine, stopped
"""


def test_a_structured_exports_named_fields():
    ex = extract_letter(STRUCTURED_EXPORT)
    assert [(rx.generic, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_quantity) for rx in ex.opioids] \
        == [("oxycodone", 5.0, 4, True, "12 capsules")]
    assert ("codeine", "stopped") in [(d.generic, d.reason) for d in ex.distractors]


def test_several_fields_on_one_line_of_an_item_block():
    letter = ("DISCHARGE ITEMS\n"
              " #1  CODEINE 30 mg tablets\n"
              "     Take: 30 mg at 08:00, 14:00 and 20:00\n"
              "     Dispensed: 15 tablets          Origin: hospital-initiated      Course: 5 days\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.supply_quantity, rx.duration_days, rx.supply_days) == (3, "15 tablets", 5, None)


def test_a_reducing_course_told_in_rows_of_days_with_their_frequency():
    letter = ("TAKE-HOME MEDICINES\n"
              "Oxycodone 5 mg/5 ml oral solution - REDUCING COURSE - NEW - for pain after surgery\n"
              "      Days 1-3:  10 ml (10 mg) four times a day\n"
              "      Days 4-5:  5 ml (5 mg) three times a day\n"
              "      Days 6-7:  5 ml (5 mg) at night\n"
              "      Then stop.   Supplied: 1 x 250 ml bottle\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.duration_days) == (5.0, 10.0, 4, 7)


def test_an_unticked_item_of_a_pack_list_is_not_given():
    letter = ("Knee replacement pathway pack (tick items supplied):\n"
              "[x] Paracetamol 500mg tablets  TWO tablets FOUR times a day   32 tablet\n"
              "[x] Tramadol 50mg capsules  ONE or TWO up to FOUR times a day WHEN REQUIRED   20 capsule\n"
              "[ ] Codeine phosphate 30mg tablets  -- crossed out (not tolerated)\n")
    ex = extract_letter(letter)
    assert [rx.generic for rx in ex.opioids] == ["tramadol"]
    assert ("codeine", "other") in [(d.generic, d.reason) for d in ex.distractors]


def test_an_inpatient_only_heading_written_with_a_hyphen():
    letter = ("Discharge medicines:\n- Codeine 30mg tablets, one four times a day when required, 20 tablets\n\n"
              "Inpatient-only (not for TTO): Oramorph 10mg/5ml 2.5ml PRN - used once on admission.\n")
    ex = extract_letter(letter)
    assert [rx.generic for rx in ex.opioids] == ["codeine"]
    assert ("morphine", "inpatient_only") in [(d.generic, d.reason) for d in ex.distractors]


def test_a_csv_export_with_a_sequence_column():
    letter = ("Discharge medicines (CSV export)\n"
              "Seq,Drug,Strength,Dose,Route,Frequency,PRN,Max in 24h,Qty,Status\n"
              "1,Paracetamol,500 mg,1 g,oral,four times daily,N,,32,NEW\n"
              "2,Morphine sulfate MR (Zomorph),10 mg,10 mg,oral,12-hourly,N,,14,NEW\n"
              "3,Oramorph 10mg/5ml,2 mg/ml,5 mg,oral,4-hourly,Y,4 doses,100 ml,NEW\n")
    ex = extract_letter(letter)
    assert [(rx.formulation, rx.frequency_per_day_max, rx.prn) for rx in ex.opioids] == \
        [("MR", 2, False), ("liquid", 4, True)]


def test_prose_with_commas_is_still_no_csv_table():
    letter = ("Plan: drug, dose, route, frequency and status were all checked with her, and the discharge list is "
              "below.\nDischarge medicines:\n- Codeine 30mg tablets, one four times a day when required\n")
    assert [rx.generic for rx in extract_letter(letter).opioids] == ["codeine"]


@pytest.mark.parametrize("item, days", [
    ("Codeine 30 mg tablets 30-60 mg QDS PRN for pain - a five-day course - 40 tablets", 5),
    ("Oxycodone 5mg caps, 1 four-hourly prn, 7 day course, 20 caps", 7),
    ("Dihydrocodeine 30mg tds prn; a course of 5 days only", 5),
    ("Tramadol 50mg qds prn, 20 caps; finish the 7-day course of antibiotics as well", None),
])
def test_a_course_of_so_many_days_is_a_duration(item, days):
    [rx] = extract_letter("Discharge medication:\n" + item + "\n").opioids
    assert rx.duration_days == days
