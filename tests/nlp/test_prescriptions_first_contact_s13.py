"""Prescription-level classes found in session 13. Letters written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = "ASHFORD VALE HOSPITAL - Discharge summary\nPatient: Test Person  DOB 02/03/1958  Discharged 14/05/2026\n\n"


def _rxs(body: str):
    return extract_letter(HEAD + body).opioids


# a supply told once in the heading of the discharge list belongs to every item under it without its own
HEADING_SUPPLY = [
    ("TTO (10/7)\n", 10),
    ("TTO (5/7 supplied)\n", 5),
    ("Discharge medications - 14 days\n", 14),
    ("Take home medicines (supply: 10 days)\n", 10),
    ("TTA: 7 days supplied\n", 7),
]


@pytest.mark.parametrize("heading, days", HEADING_SUPPLY)
def test_a_supply_in_the_list_heading_is_each_items_supply(heading, days):
    body = (heading + "Morphine MR 10mg twice a day - new\nOxycodone 5mg 4-hourly when required, max 4 doses a day\n"
            "Lansoprazole 15mg od\n\nPlan: GP to review.\n")
    rxs = _rxs(body)
    assert [r.supply_days for r in rxs] == [days, days]


def test_an_items_own_supply_is_kept_under_a_heading_supply():
    body = "TTO (14/7)\nMorphine MR 10mg twice a day - 5 days supplied\nOxycodone 5mg 4-hourly prn\n"
    assert [r.supply_days for r in _rxs(body)] == [5, 14]


@pytest.mark.parametrize("line", ["Oxycodone 5mg (7 days)\n", "TTO: 7 days of oxycodone then review\n"])
def test_a_period_on_an_item_line_is_no_heading_supply(line):
    # a period on a drug's own line is that drug's, never a list heading for the items below it
    body = "Medicines:\n" + line + "Codeine 30mg qds prn\n"
    rxs = _rxs(body)
    assert rxs[-1].generic == "codeine" and rxs[-1].supply_days is None


def test_a_heading_supply_reaches_a_fixed_width_table_under_its_rule_line():
    # the ruled line under the column headings is part of the table, not the end of the list
    body = ("Medicines to take home (7 days supplied unless stated)\n"
            "Medicine                     Dose     Frequency        Status\n"
            "---------------------------- -------- ---------------- --------\n"
            "Lansoprazole 15mg capsules   15mg     OD               Continued\n"
            "Oxycodone 5mg capsules       5mg      4-hourly PRN     New\n")
    rxs = _rxs(body)
    assert [(r.generic, r.supply_days) for r in rxs] == [("oxycodone", 7)]


LIST = "TTO\nParacetamol 1g qds\nOxycodone 5mg capsules 4-hourly when required, 20 capsules - new\n\n"


@pytest.mark.parametrize("block", [
    "WITHHELD ON DISCHARGE\nDrug\tReason\tPlan\nCo-codamol 30/500 tablets 2 QDS\tdrowsy\tdo not restart\n",
    "Held for discharge:\nMST Continus 10mg bd - sedated on the ward\n",
    "Stopped / ward only\n| Morphine sulfate 10mg/5ml 2.5ml PRN | 1 dose day 0 |\n| Tramadol 50mg | nausea |\n",
    "Not on TTO: Oramorph 2.5mg PRN used on the ward twice.\n",
])
def test_a_block_headed_as_not_going_home_holds_no_prescription(block):
    rxs = _rxs(LIST + block + "\nGP: please review.\n")
    assert [r.generic for r in rxs] == ["oxycodone"]


def test_a_started_today_heading_ends_a_social_history_note_above_it():
    body = ("SH: lives with husband, who takes MST for his back\nStarted today:\n"
            "- co-dydramol 10/500 ii qds prn for wrist pain, sixty tabs\n- Adcal D3 i bd\n")
    rxs = _rxs(body)
    assert [(r.generic, r.dose_mg_max, r.frequency_per_day_max) for r in rxs] == [("dihydrocodeine", 20.0, 4)]


@pytest.mark.parametrize("heading", ["DH (POD, all cont):", "DH - unchanged, POD:", "Usual meds - all continued:",
                                     "Medicines on admission (no changes):"])
def test_a_drug_history_headed_as_all_continued_goes_home(heading):
    body = heading + "\n  Zomorph 30mg bd\n  Pregabalin 75mg bd\n  Sertraline 50mg od\n\nGP: please review.\n"
    x = extract_letter(HEAD + body)
    assert [(r.generic, r.dose_mg_max) for r in x.opioids] == [("morphine", 30.0)]
    assert "gabapentinoid_coprescribed" in x.risk_flags


@pytest.mark.parametrize("heading", ["DH:", "DH - stopped all:", "Medicines on admission:"])
def test_a_plain_drug_history_still_does_not_go_home(heading):
    body = heading + "\n  Zomorph 30mg bd\n  Sertraline 50mg od\n\nTTO:\nParacetamol 1g qds\n"
    assert _rxs(body) == []


@pytest.mark.parametrize("line, strength, dose", [
    ("MST Continus 60mg + 10mg tablets twice daily", 60.0, 70.0),
    ("Targinact 40/20mg + 10/5mg MR tablets bd", 40.0, 50.0),
    ("OxyContin 20mg plus 5mg twelve-hourly", 20.0, 25.0),
    ("MST 90mg = 1 x 60mg + 1 x 30mg bd", 60.0, 90.0),
])
def test_two_strengths_joined_by_a_plus_make_one_dose(line, strength, dose):
    rxs = _rxs("TTO:\n" + line + "\n")
    assert [(r.strength_mg, r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max) for r in rxs] == [(strength, dose, dose, 2)]


def test_a_total_of_the_day_under_a_table_is_no_prescription():
    body = ("TTO:\nOxyContin 40mg tablets one twice daily\nOxyContin 10mg tablets one twice daily\n\n"
            "Total regular oxycodone = 100mg/day (80mg + 20mg).\n")
    rxs = _rxs(body)
    assert [r.dose_mg_max for r in rxs] == [40.0, 10.0]


@pytest.mark.parametrize("head", ["Route | Medicine | Dose | Frequency | Days", "Route\tDrug\tDose\tFrequency\tDays",
                                  "No.  Medication   Dose   Frequency   Days"])
def test_an_allergy_line_ends_at_a_table_whose_drug_column_is_not_first(head):
    sep = " | " if "|" in head else ("\t" if "\t" in head else "   ")
    row = sep.join(["PO" if "Route" in head else "1", "Oxycodone 5mg capsules", "5mg", "4-hourly PRN", "5"])
    body = "ADR: codeine - vomiting (2019)\n\n" + head + "\n" + row + "\n"
    rxs = _rxs(body)
    assert [(r.generic, r.dose_mg_max) for r in rxs] == [("oxycodone", 5.0)]


@pytest.mark.parametrize("note", ["(new - take with the 60mg = 70mg BD)", "(with her 60mg tablet = 70mg twice a day)"])
def test_a_total_told_with_another_tablet_is_not_this_items_dose(note):
    body = "TTO:\n1. MST Continus 60mg tab BD\n2. MST Continus 10mg tab BD  " + note + "\n"
    rxs = _rxs(body)
    assert [(r.strength_mg, r.dose_mg_max, r.frequency_per_day_max) for r in rxs] == [(60.0, 60.0, 2), (10.0, 10.0, 2)]


@pytest.mark.parametrize("line, strength, dose", [
    ("Palexia SR 250 mg twice daily (one 200 mg and one 50 mg prolonged-release tablet for each dose, to allow reductions)", 200.0, 250.0),
    ("Zomorph 70 mg twice daily (one 60 mg and one 10 mg modified-release capsule per dose)", 60.0, 70.0),
])
def test_the_tablets_that_make_a_dose_may_be_told_with_their_release_form(line, strength, dose):
    rxs = _rxs("TTO:\n" + line + "\n")
    assert [(r.strength_mg, r.dose_mg_max, r.frequency_per_day_max) for r in rxs] == [(strength, dose, 2)]


def test_a_list_item_told_as_above_takes_the_directions_told_above():
    body = ("For her knees she continues her usual co-codamol 30/500, two tablets in the morning, one at lunchtime and "
            "two at bedtime, from her own supply.\n\nMedicines on discharge: apixaban 5 mg BD, co-codamol 30/500 as above, "
            "sertraline 50 mg OD.\n")
    rxs = _rxs(body)
    assert [(r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max) for r in rxs] == [(30.0, 60.0, 3)]


@pytest.mark.parametrize("line", ["in SDEC: oramorph 2.5mg x1 po - helped", "Given in AMU: morphine 5mg IV",
                                  "At the UTC: codeine 30mg x1"])
def test_a_dose_given_in_a_same_day_unit_is_no_prescription(line):
    x = extract_letter(HEAD + line + "\n\nTTO:\n- paracetamol 1g qds\n- naproxen 250mg bd\n")
    assert x.opioids == [] and [d.reason for d in x.distractors] == ["inpatient_only"]


@pytest.mark.parametrize("line, reason", [
    ("Analgesia in dept: IM morphine 10 mg. Tramadol had been prescribed by GP in the past - not taking.", "historical"),
    ("In ED: declined IM morphine.", "other"),
])
def test_an_ed_line_also_tells_what_was_declined_or_taken_before(line, reason):
    x = extract_letter(HEAD + line + "\n\nTTO:\n- paracetamol 1g qds\n")
    assert x.opioids == [] and reason in [d.reason for d in x.distractors]


def test_a_liquid_recently_given_before_admission_and_stopped_is_no_prescription():
    body = ("Before admission she was taking co-codamol 30/500, two tablets four times a day, and she had recently been "
            "given morphine sulfate 10 mg/5 ml oral solution, 5 ml as required, for knee pain. All of these have now "
            "been stopped.\n\nShe goes home on paracetamol 500 mg four times a day.\n")
    assert _rxs(body) == []


@pytest.mark.parametrize("heading", ["OTHER CHANGES MADE", "MEDICATIONS STOPPED / NOT TO BE GIVEN"])
def test_a_reason_cell_that_opens_with_stopped_stops_the_row(heading):
    body = ("TTO\n| Drug | Dose | Frequency |\n|---|---|---|\n| Oxycodone 5mg caps | 5mg | 4-hourly PRN |\n\n" + heading +
            "\n| Drug | Reason |\n|---|---|\n| Co-codamol 30/500 tablets | Stopped - duplicates paracetamol |\n")
    x = extract_letter(HEAD + body)
    assert [r.generic for r in x.opioids] == ["oxycodone"]
    assert ("codeine", "stopped") in [(d.generic, d.reason) for d in x.distractors]


def test_a_reason_cell_that_says_hold_if_drowsy_keeps_the_prescription():
    body = "TTO\n| Drug | Dose | Frequency | Reason |\n|---|---|---|---|\n| Oxycodone 5mg caps | 5mg | 4-hourly PRN | hold if drowsy |\n"
    assert [r.generic for r in _rxs(body)] == ["oxycodone"]


def test_a_tilde_inside_a_bar_ruled_cell_is_text_not_a_separator():
    body = ("Medication changes\n| Medicine | Before admission | On discharge | Change |\n|---|---|---|---|\n"
            "| Co-codamol 30/500 tablets | 2 tablets QDS (daily for ~18 months) | - | STOPPED |\n"
            "| Oxycodone 5mg capsules | - | 5mg 4-hourly PRN (~3 doses a day) | NEW |\n")
    rxs = _rxs(body)
    assert [(r.generic, r.dose_mg_max) for r in rxs] == [("oxycodone", 5.0)]


def test_a_tilde_still_separates_an_export_without_bars():
    body = "Drug~Dose~Frequency~Status\nOxycodone 5mg capsules~5mg~4-hourly PRN~NEW\nCodeine 30mg~30mg~QDS~STOPPED\n"
    assert [r.generic for r in _rxs(body)] == ["oxycodone"]


@pytest.mark.parametrize("sig, lo, hi", [("60mg (2 caps) 08:00 + 90mg (3 caps) 20:00", 60.0, 90.0),
                                         ("30mg 08:00, 60mg 22:00", 30.0, 60.0)])
def test_unequal_doses_at_24_hour_clock_times(sig, lo, hi):
    rxs = _rxs("TTO:\nZomorph 30mg m/r capsules " + sig + "\n")
    assert [(r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max) for r in rxs] == [(lo, hi, 2)]


@pytest.mark.parametrize("line", ["Oramorph 10mg x2 on PN ward overnight", "She had one dose of tramadol on the surgical ward overnight."])
def test_doses_counted_on_a_named_ward_are_inpatient_only(line):
    x = extract_letter(HEAD + line + "\n\nTTO\nco-dydramol 10/500 ii qds prn x3/7\nibuprofen 400mg tds\n")
    assert [r.generic for r in x.opioids] == ["dihydrocodeine"]
    assert "inpatient_only" in [d.reason for d in x.distractors]


def test_a_gram_figure_beside_an_opioid_is_the_paracetamols_not_its_strength():
    body = ("TTO (supply 5/7)\nparacetamol 1g qds\nTramacet 37.5/325mg 1-2 tabs qds prn pain, max 8 tabs/day - new\n"
            "(no extra paracetamol w tramacet beyond 4g total - explained)\n")
    rxs = _rxs(body)
    assert [(r.generic, r.strength_mg) for r in rxs] == [("tramadol", 37.5)]


@pytest.mark.parametrize("dose_cell", ["75 mcg/hr, change q72h (Mon/Thu)", "75 micrograms/hour every 3 days"])
def test_a_patch_rate_written_in_the_dose_column_is_its_strength(dose_cell):
    body = ("Drug               | Dose / freq                         | Status\n"
            f"Matrifen patch     | {dose_cell} | incr from 50 on d3\n"
            "Paracetamol        | 1g QDS                              | cont\n")
    rxs = _rxs(body)
    assert [(r.generic, r.formulation, r.strength_mcg_per_hour) for r in rxs] == [("fentanyl", "patch", 75.0)]


@pytest.mark.parametrize("heading", ["WARD USE ONLY - NOT SUPPLIED", "Ward use only", "Inpatient use only - not given home"])
def test_a_ward_use_only_heading_holds_no_prescription(heading):
    body = ("ON DISCHARGE\nDRUG                          DOSE/FREQ                     STAT\n"
            "Oxycodone 5mg capsules        5mg 4-hourly PRN              NEW\n\n" + heading + "\n"
            "DRUG                        DOSE/FREQ             REASON\n"
            "Morphine 10mg/5ml solution  2.5-5mg 2-hourly PRN  NBM period only\n")
    x = extract_letter(HEAD + body)
    assert [r.generic for r in x.opioids] == ["oxycodone"]
    assert ("morphine", "inpatient_only") in [(d.generic, d.reason) for d in x.distractors]


def test_a_drug_given_at_induction_is_inpatient_only():
    x = extract_letter(HEAD + "He had fentanyl at induction and needed 2mg of morphine in recovery.\n\nTTO:\n"
                       "Oxycodone 5mg capsules 4-hourly PRN, 20 capsules\n")
    assert [r.generic for r in x.opioids] == ["oxycodone"]
    assert ("fentanyl", "inpatient_only") in [(d.generic, d.reason) for d in x.distractors]


def test_what_she_came_in_despite_is_the_dose_before():
    body = ("Mrs Test came in with escalating pain despite Zomorph 60mg twice daily and Oramorph 20mg for breakthrough up "
            "to six times a day. We increased the Zomorph to 100mg twice daily, 7 days supplied, with Oramorph 10mg/5ml, "
            "15ml (30mg) every two hours when required.\n")
    rxs = _rxs(body)
    assert sorted((r.formulation, r.dose_mg_max) for r in rxs) == [("MR", 100.0), ("liquid", 30.0)]


def test_two_drugs_she_came_in_on_that_are_continued_stay_prescriptions():
    body = ("She came in on Zamadol SR 100 mg twice daily and Zydol 50 mg capsules, up to twice a day as needed for "
            "breakthrough pain, both prescribed by you; these have been continued unchanged for now.\n")
    # (the second drug is not read as taken only before; whether the first goes home is decided by its own clause)
    assert "IR" in [r.formulation for r in _rxs(body)]


@pytest.mark.parametrize("reason", ["replaced by OxyContin short course", "was substituted with OxyContin"])
def test_a_drug_replaced_by_another_in_its_own_row_is_stopped(reason):
    body = ("TTO\nOxyContin 10 mg MR tablets ║ 10 mg ║ BD ║ new\n\n"
            "║ Stopped                  ║ Was           ║ Reason ║\n"
            f"║ Palexia SR 50 mg tablets ║ 50 mg BD (GP) ║ {reason} ║\n")
    x = extract_letter(HEAD + body)
    assert [r.generic for r in x.opioids] == ["oxycodone"]
    assert ("tapentadol", "stopped") in [(d.generic, d.reason) for d in x.distractors]


@pytest.mark.parametrize("advice, held", [("Advice: HOLD tramadol until seen by own GP.", True),
                                          ("Plan: withhold the tramadol and review on Monday.", True),
                                          ("Plan: hold tramadol if drowsy.", False)])
def test_an_instruction_to_hold_a_drug_now_makes_it_a_held_drug(advice, held):
    x = extract_letter(HEAD + "TTO:\nparacetamol 1g qds\n\n" + advice + "\n")
    assert (("tramadol", "stopped") in [(d.generic, d.reason) for d in x.distractors]) is held
