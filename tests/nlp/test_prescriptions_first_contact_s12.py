"""Prescription-level classes found in session 12 (first contact of fresh60-63). Letters written for these tests;
none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = "CASTLEWOOD HOSPITAL - Discharge summary\nPatient: Test Person  DOB 02/03/1958  Discharged 14/05/2026\n\n"


def _rxs(body: str):
    return extract_letter(HEAD + body).opioids


# a medicines reconciliation item: the drug's line, then "Was: ...   Now: ..." under it
WAS_NOW = [
    ("Oxycodone 5mg capsules\n  Was: not taking   Now: one capsule every 4 hours when required for pain, 20 capsules"
     " (NEW)\n", (5.0, 5.0, 6, True, "20 capsules")),
    ("Morphine sulfate 10mg/5ml oral solution\n  Was: -    Now: 2.5-5ml up to four times a day if needed, 100ml\n",
     (5.0, 10.0, 4, True, "100 ml")),
    ("Dihydrocodeine 30mg tablets\n    Was: 30mg QDS PRN    Now: 1-2 tablets three times a day when required,"
     " 28 tablets\n", (30.0, 60.0, 3, True, "28 tablets")),
]


@pytest.mark.parametrize("item, expected", WAS_NOW)
def test_a_was_now_item_is_read_by_its_now(item, expected):
    body = ("Medicines reconciliation (admission vs discharge)\n\nLansoprazole 30mg\n  Was: 30mg OD   Now: 30mg OD\n"
            + item + "Sertraline 50mg\n  Was: 50mg OD   Now: 50mg OD\n")
    rxs = _rxs(body)
    assert len(rxs) == 1
    rx = rxs[0]
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == expected


def test_a_quantity_in_a_dose_cell_is_read_only_after_the_directions():
    # the dose's own count ("2 tablets") is no quantity
    body = ("Tramadol 50mg capsules\n  Was: none   Now: 2 capsules four times a day when required\n")
    rxs = _rxs(body)
    assert len(rxs) == 1 and rxs[0].supply_quantity is None and rxs[0].dose_mg_max == 100.0


# a patient-facing letter: the drug told in one sentence, its directions in the next
DIRECTIONS_NEXT = [
    ("You have been given oxycodone 5mg capsules. Take one capsule every four hours if you need it for pain."
     " You have 20 capsules.\n", (5.0, 5.0, 6, True, "20 capsules")),
    ("We have started codeine 30mg tablets. Please take one or two tablets four times a day when needed.\n",
     (30.0, 60.0, 4, True, None)),
    ("NEW: morphine liquid 10mg in 5ml.\nTake 2.5ml to 5ml up to every 4 hours if needed for pain.\n",
     (5.0, 10.0, 6, True, None)),
]


@pytest.mark.parametrize("body, expected", DIRECTIONS_NEXT)
def test_directions_in_the_next_sentence_are_the_drugs(body, expected):
    rxs = _rxs("What has changed since you came into hospital\n\n" + body + "\nPlease see your GP if you have any problems.\n")
    assert len(rxs) == 1
    rx = rxs[0]
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == expected


DIRECTIONS_NOT_ITS_OWN = [
    # the next sentence's directions are another drug's
    "You told us codeine makes you sick. Take paracetamol 1g four times a day.\n",
    # a past mention: no directions follow
    "You were given morphine 10mg in the emergency department. Rest and keep the leg raised.\n",
]


@pytest.mark.parametrize("body", DIRECTIONS_NOT_ITS_OWN)
def test_directions_naming_another_drug_or_none_make_no_prescription(body):
    assert _rxs("What has changed since you came into hospital\n\n" + body) == []


@pytest.mark.parametrize("heading, new", [("New medicines to take at home:", True), ("Your medicines to take home:", None),
                                          ("Medicines to take at home:", None)])
def test_a_qualified_take_home_heading_is_the_discharge_list(heading, new):
    rxs = _rxs(heading + "\n* Tramadol 50mg capsules - one or two up to four times a day when needed, 20 capsules\n"
               "* Paracetamol 500mg tablets - two tablets four times a day\n\nFor the GP: no actions.\n")
    assert len(rxs) == 1 and rxs[0].source == "list" and rxs[0].new_on_admission is new


# a reconciliation table: "Admission | Discharge" (or "Was | Now") columns are the dose before and the dose going home
REC_TABLE = [
    ("Drug\tAdmission\tDischarge\tChange\nCo-codamol\t30/500 two tablets QDS\t15/500 two tablets QDS\tStrength reduced\n"
     "Ramipril 5mg\t5mg OD\t5mg OD\tUnchanged\n", (15.0, 30.0, 30.0, 4)),
    ("| Medicine | Was | Now | Change |\n| Oxycodone 5mg capsules | - | 5mg every 4 hours when required | New |\n"
     "| Ramipril 5mg | 5mg OD | 5mg OD | Unchanged |\n", (5.0, 5.0, 5.0, 6)),
    ("Drug                      Admission        Discharge                      Change\n"
     "Morphine MR 10mg tabs      20mg BD          10mg BD                        Reduced\n"
     "Ramipril 5mg               5mg OD           5mg OD                         Unchanged\n", (10.0, 10.0, 10.0, 2)),
]


@pytest.mark.parametrize("table, expected", REC_TABLE)
def test_a_reconciliation_table_is_read_by_its_discharge_column(table, expected):
    rxs = _rxs("Medicines reconciliation\n\n" + table + "\nGP: please review at 2 weeks.\n")
    assert len(rxs) == 1
    rx = rxs[0]
    assert (rx.strength_mg, rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max) == expected


def test_a_lone_discharge_word_is_no_table_heading():
    # "DISCHARGE   SUMMARY" over a letter: no column of doses
    body = ("                    DISCHARGE   SUMMARY   -   SURGERY\n\nDischarge medication (TTO)\n"
            "  Codeine 30mg tablets  1-2 tablets four times a day when required for pain - 28 tablets - NEW\n")
    rxs = _rxs(body)
    assert len(rxs) == 1 and (rxs[0].dose_mg_max, rxs[0].frequency_per_day_max) == (60.0, 4)


# a line that opens with the drug's name under a "changes" heading is an item of that list
def test_an_unbulleted_line_under_a_changes_heading_is_an_item():
    body = ("Medicines changes:\n  Oramorph 10mg/5ml oral solution 2.5-5mg up to four times a day when required for pain,"
            " 100ml - new\n  Tramadol 50mg BD - stopped on admission (drowsy)\n  Mirtazapine 15mg ON - continued\n")
    rxs = _rxs(body)
    assert [(rx.generic, rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) for rx in rxs] == \
        [("morphine", 5.0, 4, "100 ml")]


def _reasons(body: str):
    return sorted((d.generic, d.reason) for d in extract_letter(HEAD + body).distractors)


@pytest.mark.parametrize("now", ["STOPPED", "Withheld", "-", "nil"])
def test_a_reconciliation_rows_stop_in_the_discharge_column(now):
    body = ("| Medicine | On admission | On discharge | Comment |\n|---|---|---|---|\n"
            f"| MST Continus 30mg | 30mg BD | {now} | drowsy |\n| Paracetamol 1g | - | QDS | new |\n")
    assert _rxs(body) == []
    assert ("morphine", "stopped") in _reasons(body)


def test_a_changes_table_row_does_not_replace_the_lists_row():
    body = ("| Medicine | Dose | Freq | Qty | Status |\n|---|---|---|---|---|\n"
            "| Oxycodone 10mg MR tablets | 10mg | BD | 14 | Changed |\n| Paracetamol 500mg | 1g | QDS | 56 | New |\n\n"
            "Medicines changed\n| Medicine | Previous | Now | Reason |\n|---|---|---|---|\n"
            "| Oxycodone MR | 5mg BD | 10mg BD | post-operative pain |\n")
    rxs = _rxs(body)
    assert [(rx.strength_mg, rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) for rx in rxs] == \
        [(10.0, 10.0, 2, "14 tablets")]


@pytest.mark.parametrize("line", ["- Tramadol 100mg QDS - STOPPED (replaced by tapentadol)",
                                  "- Tramadol 100mg QDS - stopped, replaced with Palexia",
                                  "- Tramadol 100mg QDS - discontinued (switched to tapentadol)"])
def test_the_replacement_named_on_a_stopped_line_is_not_stopped(line):
    body = ("Discharge medicines:\n- Tapentadol 50mg tablets ONE twice daily when required for pain, 14 tablets - NEW\n"
            + line + "\n")
    assert [(rx.generic, rx.dose_mg_max) for rx in _rxs(body)] == [("tapentadol", 50.0)]
    assert _reasons(body) == [("tramadol", "stopped")]


@pytest.mark.parametrize("label", ["Admission list (GP record + patient):", "Home medicines list:", "Usual meds list:"])
def test_an_inline_admission_list_label_makes_its_drugs_pre_admission(label):
    body = (f"{label} tramadol 100mg QDS (long-term), sertraline 100mg OD.\n\nDischarge list:\n"
            "- Tapentadol 50mg tablets ONE twice daily when required for pain, 14 tablets - NEW\n"
            "- Tramadol - STOPPED\n")
    assert [rx.generic for rx in _rxs(body)] == ["tapentadol"]


@pytest.mark.parametrize("place", ["came in through ED, where he was given", "was seen in A&E, where she was given",
                                   "went to theatre, where he was treated with"])
def test_a_dose_given_where_the_patient_was_seen_is_inpatient_only(place):
    body = f"Dear Dr Test,\n\nHe {place} Oramorph 10 mg for renal colic. He went home with paracetamol.\n"
    assert _rxs(body) == []
    assert ("morphine", "inpatient_only") in _reasons(body)


@pytest.mark.parametrize("removal", ["but this was taken off his TTO before he went home",
                                     "but it was removed from the TTO at screening",
                                     "which was struck off her TTO by the pharmacist"])
def test_a_drug_written_up_then_taken_off_the_tto_is_stopped(removal):
    body = ("Dear Dr Test,\n\nWe had written him up for codeine phosphate 30 mg, one or two tablets four times a day, "
            f"{removal}. Instead we gave him Oramorph 10 mg/5 ml, 2.5 to 5 ml up to four times a day when required, "
            "100 ml.\n")
    assert [rx.generic for rx in _rxs(body)] == ["morphine"]
    assert ("codeine", "stopped") in _reasons(body)


@pytest.mark.parametrize("kept, found", [("and we continued it", True), ("and we restarted it", True),
                                         ("and we continued it on the ward until day 3", False)])
def test_a_long_used_drug_we_continued_goes_home(kept, found):
    body = ("Dear Dr Test,\n\nHe has used a Matrifen 12 microgram/hour patch, changed every 72 hours, for a year for "
            f"neck pain, {kept}.\n")
    assert [rx.generic for rx in _rxs(body)] == (["fentanyl"] if found else [])


@pytest.mark.parametrize("line, other", [
    ("Alfentanil JIC - not supplied, hospice team to arrange if needed.", True),
    ("Hosp also suggested oxycodone 5mg PRN - not supplied, not on prison formulary.", True),
    ("Oxycodone 5mg capsules 1 four hourly PRN - not supplied: not needed, pain settled.", True),
    # near misses: the patient's own supply or another dispenser: still what goes home
    ("Oxycodone 5mg capsules 1 four hourly PRN - not supplied, own supply at home.", False),
    ("Methadone 1mg/ml 40ml OD - not supplied - dispensed by community pharmacy.", False),
])
def test_not_supplied_with_a_reason_it_is_not_given(line, other):
    body = "TTO:\n Paracetamol 1g QDS\n " + line + "\n"
    assert (_rxs(body) == []) is other


@pytest.mark.parametrize("line, expected", [
    ("Zomorph 60mg capsules - was 40mg BD, now 60mg twice daily (increased for bone pain), 14 days supplied",
     (60.0, 60.0, 2, 40.0)),
    ("Oxynorm liquid 5mg/5ml - was 2.5mg (2.5ml) up to QDS PRN - now increased to 2.5-5mg (2.5-5ml) QDS PRN",
     (2.5, 5.0, 4, 2.5)),
])
def test_was_then_now_on_one_line_reads_the_now(line, expected):
    rx, = _rxs("Discharge medicines:\n1) " + line + "\n2) Laxido 1 sachet BD\n")
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.previous_dose_mg) == expected


@pytest.mark.parametrize("status, found", [("- cont, PODs", True), ("- continued (own supply)", True),
                                           ("- now increased to 25 mcg/hr", True), ("", False)])
def test_a_drug_history_line_marked_continued_goes_home(status, found):
    body = ("DH:\n Matrifen 12 mcg/hr patch every 72h (GP, long term) " + status + "\n Amlodipine 5mg OD\n\n"
            "GP: pls r/v in 1/52.\n")
    assert [rx.generic for rx in _rxs(body)] == (["fentanyl"] if found else [])


LATER_CHANGE = ("Dear Dr Test,\n\nWe sent him home on Longtec 15 mg twice daily for five days, then stop, with Shortec "
                "5 mg capsules, one up to four times a day when required, 20 capsules. I should add that we {verb} the "
                "Longtec to {dose} mg twice daily on the morning of discharge because he was {why}, and 10 tablets of "
                "the {dose} mg strength were supplied.\n")


@pytest.mark.parametrize("verb, dose, why", [("reduced", 10, "drowsy"), ("increased", 20, "in more pain")])
def test_a_later_sentence_changing_the_dose_corrects_the_prescription(verb, dose, why):
    rxs = {rx.brand: rx for rx in _rxs(LATER_CHANGE.format(verb=verb, dose=dose, why=why))}
    assert set(rxs) == {"Longtec", "Shortec"}
    longtec = rxs["Longtec"]
    assert (longtec.dose_mg_max, longtec.frequency_per_day_max, longtec.duration_days, longtec.supply_quantity,
            longtec.previous_dose_mg) == (float(dose), 2, 5, "10 tablets", 15.0)


def test_a_change_the_wrong_way_is_no_correction():
    # "reduced ... to 20 mg" from 15 mg is no reduction of this prescription: both stay
    rxs = _rxs(LATER_CHANGE.format(verb="reduced", dose=20, why="drowsy"))
    assert sorted(rx.dose_mg_max for rx in rxs if rx.brand == "Longtec") == [15.0, 20.0]


@pytest.mark.parametrize("arrived", ["He came to us on", "She was transferred to us on", "He arrived on"])
def test_what_the_patient_arrived_on_is_history(arrived):
    body = (f"{arrived} dihydrocodeine 30mg one tablet QDS from the acute trust after a humeral fracture.\n"
            "Medicines going home: paracetamol 1g QDS PRN, amlodipine 5mg OD.\n")
    assert _rxs(body) == []


@pytest.mark.parametrize("ask, other", [
    ("Please could the GP prescribe a just-in-case pack (morphine sulfate 10mg/ml injection, midazolam) for the home.", True),
    ("We would be grateful if the practice could issue anticipatory medicines (morphine 10mg/ml injection).", True),
    ("Please stop taking the codeine after 5 days.", False),
])
def test_a_pack_the_gp_is_asked_to_prescribe_is_not_supplied(ask, other):
    body = "Anticipatory medicines: we have not supplied these. " + ask + "\n"
    reasons = _reasons("TTO:\n Codeine 30mg tablets 1-2 QDS PRN 28 tablets\n\n" + body)
    generic = "morphine" if other else "codeine"
    assert ((generic, "other") in reasons) is other


@pytest.mark.parametrize("story", [
    "Her oxycodone MR 10mg BD was switched on the IPU to MST because of vivid dreams.",
    "His oxycodone MR 10mg BD was converted during the admission to MST.",
])
def test_a_switch_told_with_where_it_happened_stops_the_old_drug(story):
    body = (story + "\n\nRegular medicines\n   MST Continus 15mg tablet - 08:00 and 20:00 (12-hourly) for pain - started here\n"
            "   Lansoprazole 30mg OD\n")
    assert [(rx.brand, rx.dose_mg_max, rx.frequency_per_day_max) for rx in _rxs(body)] == [("MST Continus", 15.0, 2)]
    assert ("oxycodone", "stopped") in _reasons(body)


@pytest.mark.parametrize("story", [
    "While here he had oxycodone 2.5mg PRN on two nights for back spasm.",
    "While on the ward she was given oxycodone 2.5mg PRN twice.",
    "Oxycodone 2.5mg PRN was a ward-only prescription and has not been supplied.",
])
def test_a_dose_while_here_is_inpatient_only(story):
    body = "Patch to continue:\n  BuTrans 10 micrograms/hour patch - apply ONE every 7 days.\n\n" + story + "\n"
    assert [rx.generic for rx in _rxs(body)] == ["buprenorphine"]
    assert ("oxycodone", "inpatient_only") in _reasons(body)


@pytest.mark.parametrize("before", ["was not controlled on her usual", "was poorly controlled on her",
                                    "remained inadequately controlled despite her regular"])
def test_the_dose_the_pain_was_not_controlled_on_is_the_dose_before(before):
    body = (f"Back pain {before} Butec 5 micrograms/hour patch, so we have increased it.\n\nTRANSDERMAL PATCH\n"
            "Butec 10 micrograms/hour 7-day patch - change every WEDNESDAY. Increased this admission. Supply: 2 patches.\n")
    assert [rx.strength_mcg_per_hour for rx in _rxs(body)] == [10.0]


TITRATION = ("Dear Dr Test,\n\nOnce the catheter came out we started tapentadol: Palexia 50mg IR doses on day 3 to gauge "
             "her needs, then Palexia SR 50mg twice daily on day 4, increased to 75mg twice daily on day 5.\n\n"
             "She goes home on Palexia SR 75mg tablets, one twice a day for rib fracture pain, 28 tablets (new).\n\n"
             "Plan for the tapentadol: reduce to Palexia SR 50mg twice a day on 28/11/2026, then stop on 05/12/2026.\n")


def test_ward_titration_days_and_the_step_down_target_are_no_prescriptions():
    rxs = _rxs(TITRATION)
    assert [(rx.brand, rx.dose_mg_max, rx.frequency_per_day_max) for rx in rxs] == [("Palexia SR", 75.0, 2)]


def test_a_day_started_on_the_ward_is_no_second_prescription():
    body = ("Dear Dr Test,\n\nDay 4 he started OxyContin 10mg twice daily for his knee pain.\n\nGoing home:\n"
            "  - OxyContin 10mg tablets, one twice daily (new), 14 tablets\n")
    assert [(rx.brand, rx.supply_quantity) for rx in _rxs(body)] == [("OxyContin", "14 tablets")]


def test_a_worked_conversion_is_arithmetic_even_with_a_frequency():
    body = ("Dear Dr Test,\n\nWe stopped the MST. We worked out a replacement:\nMST 30mg BD = 60mg oral morphine a day; "
            "60 / 1.5 = 40mg oxycodone a day, rounded down to 20mg a day.\n\nGoing home:\n"
            "  - OxyContin 10mg tablets, one twice daily (new), 14 tablets\n")
    assert [rx.generic for rx in _rxs(body)] == ["oxycodone"]


def test_a_key_value_export_is_no_sum():
    body = ("#1  DRUG=Oramorph 10mg/5ml oral solution  DOSE=2.5-5ml (5-10mg)  ROUTE=PO  FREQ=4 hourly PRN, max 4 doses/24h"
            "  QTY=100ml  STATUS=New\n")
    assert [(rx.dose_mg_max, rx.frequency_per_day_max) for rx in _rxs(body)] == [(10.0, 4)]


LISTED = ("\n\nDischarge medicines\n * Durogesic 75 micrograms/hour patch, change every 72 hours, 5 patches (new)\n"
          " * Oramorph 10mg/5ml oral solution 15ml (30mg) every 2-4 hours PRN, max 6 doses/24h, 300ml (new)\n")


@pytest.mark.parametrize("story, found", [
    ("He came in with mucositis and could no longer swallow his usual OxyContin 60mg twice daily.", []),
    ("The orthopaedic clinic had prescribed Zamadol SR 100mg twice daily for his hip, far too much for his kidneys.", []),
    # near misses: a drug the story sends home or starts, and a listed item of its own
    ("We have also started tramadol 50mg up to four times a day when required for his knee.", ["tramadol"]),
    ("He goes home with tramadol 50mg capsules, one up to four times a day when required.", ["tramadol"]),
])
def test_a_drug_told_only_in_the_story_of_a_listed_letter(story, found):
    rxs = _rxs("Dear Dr Test,\n\n" + story + LISTED)
    assert sorted(rx.generic for rx in rxs if rx.generic not in ("fentanyl", "morphine")) == found


@pytest.mark.parametrize("verb", ["added", "prescribed", "supplied"])
def test_a_drug_we_have_added_goes_home_though_first_taken_on_the_ward(verb):
    body = (f"Dear Dr Test,\n\nFor the evenings when she is breathless we have {verb} Oramorph 10 mg/5 ml, 1.25 ml (2.5 mg)"
            " up to four times a day as required for breathlessness, 50 ml supplied (new); she took it twice on the ward"
            " with good effect.\n")
    assert [(rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) for rx in _rxs(body)] == [(2.5, 4, "50 ml")]


def test_a_summary_naming_only_the_daily_dose_is_the_listed_item():
    body = ("Summary: known opioid dependence on methadone 60mg daily, supervised at his community pharmacy.\n\n"
            "Item  Product                                  Qty      Directions\n"
            "1     METHADONE 1MG/ML ORAL SOLUTION            NIL      Take 60ml (60mg) ONCE a day, supervised. Continued.\n"
            "2     DIHYDROCODEINE 30MG TABLETS               12       Take ONE tablet up to FOUR times a day when required.\n")
    rxs = _rxs(body)
    assert sorted((rx.generic, rx.formulation) for rx in rxs) == [("dihydrocodeine", "IR"), ("methadone", "liquid")]


@pytest.mark.parametrize("plan, days", [
    ("Stop the oxycodone when the pain settles and within 5 days at the latest.", 5),
    ("Stop the oxycodone once settled, and after 7 days at most.", 7),
    ("Stop the oxycodone when the pain settles.", None),
])
def test_a_latest_end_told_after_its_period(plan, days):
    rx, = _rxs("TTO: Oxycodone 5mg caps 1 four hourly PRN for pain, max 4 doses/day, 20 caps. New.\n" + plan + "\n")
    assert rx.duration_days == days


@pytest.mark.parametrize("heading, note", [("Medicines chart", "    (80mg = one 60mg + one 20mg tab)"),
                                           ("MAR chart", "    (80mg = one 60mg + one 20mg tab)"),
                                           ("Drug round", ""), ("Medication grid (times):", "")])
def test_a_time_grid_under_a_chart_heading(heading, note):
    body = (f"{heading:<36}08:00    12:00    18:00    22:00\n"
            f"MST Continus tablets                80mg     -        -        60mg{note}\n"
            "Pregabalin 75mg capsules            75mg     -        -        75mg\n")
    rx, = _rxs(body)
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max) == (60.0, 80.0, 2)


@pytest.mark.parametrize("heads", ["|BRAND|GENERIC / STRENGTH / FORM|DOSE|FREQUENCY|DAYS|QTY|STATUS|",
                                   "| Generic name | Dose | Frequency | Days | Qty | Status |",
                                   "| Approved name / form | Dose | Frequency | Days | Qty | Status |"])
def test_brand_and_generic_name_columns_are_drug_columns(heads):
    row = ("|LONGTEC | oxycodone 10mg modified-release tablet | 10mg | 12-hourly | 5 | 10 | NEW |" if "BRAND" in heads
           else "| oxycodone 10mg modified-release tablet | 10mg | 12-hourly | 5 | 10 | NEW |")
    body = "ALLERGIES: codeine - itching\n\n" + heads + "\n" + row + "\n"
    rx, = _rxs(body)
    assert (rx.generic, rx.formulation, rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) == \
        ("oxycodone", "MR", 10.0, 2, "10 tablets")


@pytest.mark.parametrize("trial", ["for a trial of passage", "for a trial of void", "after a trial of voiding"])
def test_a_trial_of_passage_is_no_drug_history(trial):
    body = (f"Dear Dr Test,\n\nShe was discharged the following morning {trial} with tamsulosin 400 micrograms daily,"
            " diclofenac 50mg three times a day, and Zamadol 50mg capsules, one or two up to four times a day as needed"
            " for the pain; 20 capsules supplied.\n")
    assert [(rx.generic, rx.supply_quantity) for rx in _rxs(body)] == [("tramadol", "20 capsules")]


@pytest.mark.parametrize("now, found", [("he now takes", True), ("she goes home on", True), ("we then gave", False)])
def test_a_ward_change_then_the_dose_taken_now(now, found):
    body = (f"Dear Dr Test,\n\nHis Targinact was increased on the ward and {now} Targinact 40mg/20mg twice daily "
            "(previously 20mg/10mg twice daily).\n")
    assert [rx.dose_mg_max for rx in _rxs(body)] == ([40.0] if found else [])
