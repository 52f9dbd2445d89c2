"""Medicines tables of electronic discharge systems (session 13, helper fixtables). Letters written for these tests;
none is taken from a gold letter."""
from __future__ import annotations

from nlp.pipeline import extract_letter

HEAD = "WEST FELLSIDE HOSPITAL - eDischarge\nPatient: Test Person  DOB 02/03/1950  Discharged 14/05/2026\n\n"

# a drug-round grid: bare-hour time columns, a PRN column, a change column ("Chg") whose OFF stops the row, and a
# reason line under the ruled table
GRID = """Key: Days = days supplied. Chg: NEW / SAME / UP / DOWN / OFF
+------------------------------+------+------+------+---------------------+------+---------+------+
| Medicine                     | 09   | 14   | 21   | PRN                 | Days | Qty     | Chg  |
+------------------------------+------+------+------+---------------------+------+---------+------+
| Morphine 10mg MR tablets     | 1    |      | 1    |                     | 14   | 28 tabs | NEW  |
| Oxycodone 5mg capsules       |      |      |      | 5mg 4-hrly,         | 7    | 20 caps | NEW  |
|                              |      |      |      | max 4 doses/24h     |      |         |      |
| Tramadol 50mg capsules       |      |      |      |                     |      |         | OFF  |
| Omeprazole 20mg capsules     | 1    |      |      |                     | -    | own     | SAME |
+------------------------------+------+------+------+---------------------+------+---------+------+
Reason for OFF: tramadol 50mg 2 QDS (before admission) - dizzy; replaced by oxycodone.

Follow-up: GP review in 2 weeks.
"""


def _rxs(body: str):
    return extract_letter(HEAD + body).opioids


def test_a_change_column_that_says_off_stops_the_row():
    rxs = _rxs(GRID)
    assert sorted(r.generic for r in rxs) == ["morphine", "oxycodone"]


def test_a_reason_for_stopping_line_under_a_table_is_no_prescription():
    ex = extract_letter(HEAD + GRID)
    assert all(r.generic != "tramadol" for r in ex.opioids)
    assert any(d.generic == "tramadol" and d.reason == "stopped" for d in ex.distractors)


def test_bare_hour_columns_are_a_drug_round_grid():
    mr = next(r for r in _rxs(GRID) if r.generic == "morphine")
    assert (mr.dose_mg_max, mr.frequency_per_day_max) == (10, 2)


def test_a_prn_column_that_holds_the_directions_is_the_sig():
    ir = next(r for r in _rxs(GRID) if r.generic == "oxycodone")
    assert (ir.dose_mg_max, ir.frequency_per_day_max, ir.prn, ir.max_daily_dose_mg) == (5, 4, True, 20)


# a key told in brackets after the list heading, and a column headed by the key's codes run together ("NCX")
BOXED = """Medicines on discharge  (N = new this stay, C = carry on as before, X = stopped - do not take)
┌────┬──────────────────────────┬──────────────────────────┬─────┬──────────┐
│ Ln │ Drug / form / strength   │ How to take              │ NCX │ Supplied │
├────┼──────────────────────────┼──────────────────────────┼─────┼──────────┤
│ 1  │ Oxycodone 5mg capsules   │ ONE every 4 hours when   │ N   │ 10 caps  │
│    │ (OxyNorm)                │ needed, max 4 a day      │     │ 3 days   │
├────┼──────────────────────────┼──────────────────────────┼─────┼──────────┤
│ 2  │ Codeine 30mg tablets     │ -                        │ X   │ -        │
├────┼──────────────────────────┼──────────────────────────┼─────┼──────────┤
│ 3  │ Amlodipine 5mg tablets   │ ONE each morning         │ C   │ own      │
└────┴──────────────────────────┴──────────────────────────┴─────┴──────────┘

GP actions: none.
"""


def test_a_code_column_under_a_bracketed_key_stops_its_x_row():
    ex = extract_letter(HEAD + BOXED)
    assert [r.generic for r in ex.opioids] == ["oxycodone"]
    assert any(d.generic == "codeine" and d.reason == "stopped" for d in ex.distractors)


def test_a_numbered_rows_unnumbered_line_goes_on_with_the_row_above():
    # "(OxyNorm)" / "needed, max 4 a day" / "3 days" is the rest of row 1, not a row of its own
    rxs = _rxs(BOXED)
    assert len(rxs) == 1
    assert (rxs[0].prn, rxs[0].frequency_per_day_max, rxs[0].max_daily_dose_mg, rxs[0].supply_days) == (True, 4, 20, 3)


def test_a_bracketed_key_of_bare_codes_reads_a_status_cell():
    body = ("Medicines (St: S start, K keep as before, A altered, Z ceased)\n"
            "| Qty | Item | Instructions | St |\n|-----|------|--------------|----|\n"
            "| 28 | Omeprazole 20mg capsules | ONE each morning | K |\n"
            "| - | Tramadol 50mg capsules | - | Z |\n"
            "| 20 | Oxycodone 5mg capsules | ONE 4-hourly when needed | S |\n\nGP: no actions.\n")
    ex = extract_letter(HEAD + body)
    assert [r.generic for r in ex.opioids] == ["oxycodone"]
    assert any(d.generic == "tramadol" and d.reason == "stopped" for d in ex.distractors)


# a table ruled with double bars, its first column a flag whose symbols a legend above explains
FLAGGED = """Flags  ● new  ○ unchanged  ▲ increased  ✕ stopped
Flag ‖ Drug ‖ Amount ‖ How often ‖ Route ‖ Dispensed ‖ Notes
○ ‖ MST Continus 30mg tablets ‖ 30mg ‖ 12-hourly ‖ oral ‖ 14 days ‖ background pain
● ‖ Oxycodone 5mg/5ml liquid ‖ 5mg ‖ 4-hourly if needed ‖ oral ‖ 250ml ‖ breakthrough
✕ ‖ Buprenorphine 10 microgram/hour patch ‖ - ‖ - ‖ TD ‖ - ‖ removed on admission
○ ‖ Omeprazole 20mg caps ‖ 20mg ‖ daily ‖ oral ‖ own ‖

GP actions: none.
"""


def test_a_double_bar_table_is_read_by_its_cells():
    mst = next(r for r in _rxs(FLAGGED) if r.formulation == "MR")
    assert (mst.dose_mg_max, mst.frequency_per_day_max, mst.supply_days) == (30, 2, 14)


def test_a_flag_symbol_explained_by_a_legend_stops_the_row():
    ex = extract_letter(HEAD + FLAGGED)
    assert sorted(r.generic for r in ex.opioids) == ["morphine", "oxycodone"]
    assert any(d.generic == "buprenorphine" and d.reason == "stopped" for d in ex.distractors)


def test_a_key_names_the_dose_and_quantity_columns():
    # "Amt = dose each time"; "Iss = quantity issued (POD = patient's own" wrapped onto the key's next line
    body = ("MEDICINES GOING HOME\n# | Medicine | Amt | When | Iss | Dys\n"
            "1 | Oxycodone 5mg capsules | 5mg | 4-hrly PRN | 20 | 5\n"
            "2 | Sertraline 50mg tablets | 50mg | OD | POD |\n\n"
            "KEY  Amt = dose each time | When = how often | Iss = quantity issued by pharmacy (POD = patient's own\n"
            "     drugs, none issued) | Dys = days' supply issued\n")
    rx = _rxs(body)[0]
    assert (rx.dose_mg_max, rx.supply_quantity) == (5, "20 capsules")


def test_a_long_name_two_slips_away_is_still_the_opioid():
    body = ("Discharge medicines\n| Drug | Dose | Frequency | Supply |\n"
            "| Oxycodiene IR 5mg capsules | 5mg | 4-hourly when required | 20 caps |\n"
            "| Omeprazole 20mg capsules | 20mg | daily | own |\n")
    rxs = _rxs(body)
    assert [(r.generic, r.dose_mg_max) for r in rxs] == [("oxycodone", 5)]


def test_a_take_column_is_the_dose():
    body = ("Status\tMedicine\tStrength\tTake\tWhen\tMax/24h\tSupply(d)\n"
            "New\tCodeine phosphate\t30mg\t30-60mg\tevery 4-6 hours if needed\t8 tabs\t5\n"
            "Continued\tOmeprazole\t20mg\t20mg\tOD\t-\t-\n\nGP: none.\n")
    rx = _rxs(body)[0]
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.max_daily_dose_mg) == (60, 4, 240)


def test_a_caps_count_in_a_sig_cell_is_not_the_dose():
    # "1 up to 6-hourly PRN, max 3 tabs/24h": one tablet a dose, the three tablets are the day's cap
    body = ("| Medicine | Form | Str | Sig | Days | Qty |\n|---|---|---|---|---|---|\n"
            "| Tramadol | cap | 50mg | 1 up to 6-hourly PRN for pain, max 3 caps/24h | 5 | 15 |\n"
            "| Omeprazole | cap | 20mg | OD | - | own |\n")
    rx = _rxs(body)[0]
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.max_daily_dose_mg) == (50, 3, 150)


def test_a_single_dose_among_the_ward_measures_is_no_prescription():
    body = ("Summary: hip pain managed with ice, paracetamol and a single dose of Oramorph 5mg on 03/05. Mobile.\n\n"
            "Medicines on discharge\n| Drug | Dose | Frequency |\n| Paracetamol 500mg tablets | 1g | QDS |\n")
    ex = extract_letter(HEAD + body)
    assert ex.opioids == []
    assert any(d.generic == "morphine" and d.reason == "inpatient_only" for d in ex.distractors)


BOX = ("Medicines on discharge\n| Drug | Dose | Frequency | Days |\n"
       "| Oxycodone 5mg capsules | 5mg | 4-hourly PRN | 5 |\n\n"
       "GP ACTION BOX\n[x] U&E in 1 week.\n{line}\n\nSigned: Dr A\n")


def test_an_unticked_box_in_a_gp_action_box_is_no_instruction():
    ex = extract_letter(HEAD + BOX.format(line="[ ] Analgesia - please review at 2 weeks."))
    assert not ex.gp_instruction.present


def test_a_ticked_box_in_a_gp_action_box_is_an_instruction():
    ex = extract_letter(HEAD + BOX.format(line="[x] Analgesia - please review at 2 weeks."))
    assert ex.gp_instruction.present


TTO_DHC = "TTO:\nDihydrocodeine 30mg tablets 1-2 QDS PRN, 28 tablets\n\nGP BOX\n{line}\n"


def test_a_short_course_without_an_end_is_no_weaning_plan():
    ex = extract_letter(HEAD + TTO_DHC.format(line="> Dihydrocodeine is a short course only - not for repeat prescription."))
    assert not ex.weaning_plan.present and ex.gp_instruction.present



def test_a_pointer_to_the_gp_actions_is_not_the_plan_shown():
    body = ("Drug | Dose | How often | Notes\n"
            "OxyContin 20mg tabs | 20mg | 12-hourly | back pain - see GP actions for step-down\n\n"
            "GP actions\n- Please reduce the OxyContin to 10mg 12-hourly after one week, then stop after two weeks.\n")
    ex = extract_letter(HEAD + body)
    assert ex.weaning_plan.present and ex.weaning_plan.text.startswith("Please reduce the OxyContin")


def test_a_plan_in_a_double_bar_row_is_its_own_cell():
    body = ("Flag ‖ Drug ‖ Amount ‖ How often ‖ Notes\n"
            "● ‖ Oxycodone 5mg caps ‖ 5mg ‖ 4-hourly when required ‖ wound pain - 5 days then stop\n\nGP: none.\n")
    ex = extract_letter(HEAD + body)
    assert ex.weaning_plan.text == "wound pain - 5 days then stop"


def test_taking_the_patch_off_is_a_stop_plan():
    body = ("TTO:\nButec 5 microgram/hour patch, one every 7 days, 4 patches\n\nFollow-up\n"
            "- GP: if the patch is still needed at 4 weeks, please review it and take it off when the pain settles.\n")
    ex = extract_letter(HEAD + body)
    assert ex.weaning_plan.present


def test_stop_by_day_n_is_the_duration():
    body = ("| Medicine | Form | Str | Sig | Days | Qty | Note |\n|---|---|---|---|---|---|---|\n"
            "| Oxycodone | cap | 5mg | 5mg 4-hrly PRN | 7 | 20 | reduce after day 3; stop by day 5 |\n")
    assert _rxs(body)[0].duration_days == 5



def test_a_warning_naming_another_drug_stays_in_the_opioids_statement():
    body = ("Changes\n + Co-dydramol 10/500 tablets started: 2 tablets four times a day when required (do not take "
            "plain paracetamol at the same time), 28 tablets supplied. Stop when pain allows, max 5 days.\n")
    rx = _rxs(body)[0]
    assert (rx.supply_quantity, rx.duration_days) == ("28 tablets", 5)


def test_a_change_cell_that_says_same_is_a_continued_item():
    rx = next(r for r in _rxs(GRID.replace("| 14   | 28 tabs | NEW  |", "| 14   | 28 tabs | SAME |")) if r.generic == "morphine")
    assert (rx.status, rx.new_on_admission) == ("continued", False)


def test_a_step_down_sentence_ending_by_day_n_is_the_duration():
    body = ("Changes\nOramorph 10mg/5ml oral solution commenced: 5mg every 4 hours when required, 100ml supplied. "
            "Reduce as the pain settles and stop by day 6 after discharge.\n")
    assert _rxs(body)[0].duration_days == 6


def test_a_limit_told_of_the_ir_form_goes_to_the_ir_item():
    body = ("| Medicine | Form | Str | Sig | Qty |\n|---|---|---|---|---|\n"
            "| Oxycodone MR (OxyContin) | MR tab | 10mg | 1 BD | own |\n"
            "| Oxycodone (Shortec) | cap | 5mg | 1 4-hourly PRN | 20 |\n\n"
            "GP ACTIONS\n- Oxycodone IR is supplied for 5 days only - please do not continue it after that.\n")
    rxs = _rxs(body)
    assert [(r.formulation, r.duration_days) for r in rxs] == [("MR", None), ("IR", 5)]


def test_an_end_date_in_a_wrapped_note_cell_is_the_duration():
    head = "WEST FELLSIDE HOSPITAL - eDischarge\nPatient: Test Person  Admitted : 01/06/2025    Discharged : 10/06/2025\n\n"
    body = ("┌────┬────────────────────────┬──────────────────────┬───────────────────────┐\n"
            "│ Ln │ Drug / form / strength │ How to take          │ Reason for change     │\n"
            "├────┼────────────────────────┼──────────────────────┼───────────────────────┤\n"
            "│ 1  │ Oxycodone 5mg caps     │ ONE every 4 hours    │ new. Stop at clinic   │\n"
            "│    │                        │ when needed          │ review on Fri 15/06.  │\n"
            "└────┴────────────────────────┴──────────────────────┴───────────────────────┘\n")
    assert extract_letter(head + body).opioids[0].duration_days == 5


def test_stop_it_at_the_n_week_check_is_the_duration():
    body = ("| Medicine | Dose | Frequency | Qty |\n|---|---|---|---|\n| Zomorph 10mg MR caps | 10mg | BD | 14 |\n\n"
            "- GP: Zomorph is for the post-operative period only - please stop it at the 2-week wound check.\n")
    assert _rxs(body)[0].duration_days == 14


def test_a_drug_a_stop_reason_says_the_patient_stays_on_is_still_co_prescribed():
    body = GRID.replace("| Omeprazole 20mg capsules     | 1    |      |      |                     | -    | own     | SAME |",
                        "| Paracetamol 500mg tablets    | 2    | 2    | 2    |                     | 14   | 112     | SAME |") \
        .replace("replaced by oxycodone.", "pain controlled on paracetamol.")
    ex = extract_letter(HEAD + body)
    assert "paracetamol" in [c.drug for c in ex.co_prescriptions]
