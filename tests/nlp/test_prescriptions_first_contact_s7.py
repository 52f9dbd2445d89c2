"""Prescription-level classes found at first contact in session 7 (converted and dictated text first). Letters
written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _read(letter):
    return [(rx.generic, rx.route, rx.strength_mg, rx.dose_mg_min, rx.dose_mg_max, rx.supply_quantity)
            for rx in extract_letter(letter).opioids]


def test_an_oral_solution_and_an_injection_of_one_dose_are_two_prescriptions():
    letter = ("Discharge medicines: morphine oral solution 10 mg/5 ml, 2.5 mg up to hourly when required, 100 ml.\n\n"
              "Just in case medicines for the community nurses: morphine sulfate injection 10 mg/ml, 2.5 mg "
              "subcutaneously up to hourly when required, 5 ampoules.")
    assert [(g, r) for g, r, *_ in _read(letter)] == [("morphine", "oral"), ("morphine", "subcutaneous")]


@pytest.mark.parametrize("dose", ["1.25 to 2.5 milligrams", "1.25 - 2.5 milligram", "1.25 milligrams to 2.5 milligrams"])
def test_a_dose_range_with_the_unit_spelt_out(dose):
    [rx] = _read(f"On discharge: morphine sulfate injection 10 mg/ml, {dose} subcutaneously hourly when required.")
    assert rx[3:5] == (1.25, 2.5)


@pytest.mark.parametrize("tail, quantity", [
    (", five ampoules;", "5 ampoules"),
    (", three ampoules.", "3 ampoules"),
    (", two vials", "2 ampoules"),
    ("; give two ampoules if needed.", None),   # not a count closing the item after a comma
])
def test_a_count_in_words_closing_the_item_is_its_quantity(tail, quantity):
    [rx] = _read("Supplied for the district nurses: diamorphine injection 5 mg, 2.5 mg subcutaneously hourly "
                 f"when required{tail}")
    assert rx[5] == quantity


@pytest.mark.parametrize("letter, strength, dose", [
    ("Started Oramorph 2.5 mg, which is 1.25 ml of the 10 mg in 5 ml solution, up to every four hours when "
     "required, new.", 2.0, 2.5),
    ("Started Oramorph 5 ml up to four-hourly when required; the bottle is the 10mg in 5ml solution, new.", 2.0, 10.0),
    ("Oxycodone liquid 2.5 mg up to four-hourly when required for pain (we have given the 5 mg in 5 ml strength), "
     "new.", 1.0, 2.5),
])
def test_an_oral_solutions_concentration_told_later_in_its_statement(letter, strength, dose):
    [rx] = _read(letter)
    assert rx[2:4] == (strength, dose)


@pytest.mark.parametrize("item, strength, dose", [
    ("MORPHINE SULFATE 30mgs M/R capsule (Zomorph)  Dose: 1 cap(s)  Freq: BD", 30.0, 30.0),
    ("Tramadol 100 mgs m/r tablets, one tablet b.d.", 100.0, 100.0),
    ("OxyNorm (oxycodone) capsules five (5) mg, one capsule 4-hourly if required", 5.0, 5.0),
    ("Oxycodone 5mg capsules, two (2) capsules four times a day when required", 5.0, 10.0),
])
def test_plural_units_and_numbers_written_twice(item, strength, dose):
    [rx] = _read("Discharge medication:\n" + item + "\n")
    assert rx[2:5:2] == (strength, dose)


@pytest.mark.parametrize("sentence", [
    "He had a fall on 06/07 while on Zomorph 50 mg BD plus Sevredol; the Sevredol has been stopped.",
    "Please review whether she still needs a total morphine dose of 100 mg a day.",
    "Her oxycodone requirement was 40 mg a day before the operation.",
])
def test_amounts_and_times_of_events_are_not_prescriptions(sentence):
    letter = "Discharge medication:\nZomorph 30 mg capsules, one twice a day, continued.\n\nComments to GP:\n" + sentence
    assert [(g, s) for g, _r, s, *_ in _read(letter)] == [("morphine", 30.0)]


@pytest.mark.parametrize("item, expected", [
    # (strength, dose min, dose max, doses a day, quantity)
    ("Oxycodone 5 mg tbl.: ½–1 tbl. (2,5–5 mg) every 4–6 h if needed, max. 4x daily — 20 tbl. (new)",
     (5.0, 2.5, 5.0, 4, "20 tablets")),
    ("Buprenorphine 0·2 mg sublingual tablets, one up to three times a day when required for pain",
     (0.2, 0.2, 0.2, 3, None)),
    ("Codeine phosphate 30 mg tabs | i-ii q.d.s. p.r.n. | 20 tabs | new", (30.0, 30.0, 60.0, 4, "20 tablets")),
    ("Morphine sulfate oral solution 10 mg/5 ml, 2,5 ml up to 4 times a day when required", (2.0, 5.0, 5.0, 4, None)),
])
def test_numbers_written_the_continental_or_the_latin_way(item, expected):
    letter = "Medicines to take home (new unless stated):\n- " + item + "\n- Paracetamol 1 g four times a day\n"
    [rx] = extract_letter(letter).opioids
    assert (rx.strength_mg, rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) == expected


def test_a_comma_between_figures_is_a_decimal_only_before_an_amount():
    from nlp.spoken import plain_figures

    assert plain_figures("days 2,5 and 7; 1,000 mg; 2,5 mg") == "days 2,5 and 7; 1,000 mg; 2.5 mg"


@pytest.mark.parametrize("heading", [
    "-------- Previous letter (for reference only - not current) --------",
    "---------- Earlier letter on file (January 2026) ----------",
    "Previous discharge summary:",
    "== Letter from a previous admission ==",
])
def test_an_earlier_letter_quoted_below_is_history(heading):
    letter = ("Discharge medicines:\n- Morphine sulfate 10 mg MR tablets, one twice a day, continued\n\n"
              f"{heading}\n> Discharge medications:\n> - OxyContin 20mg twice daily (NEW - for pancreatic pain)\n"
              "> - OxyNorm 5mg capsules, one every 4 hours when required\n")
    result = extract_letter(letter)
    assert [rx.generic for rx in result.opioids] == ["morphine"]
    assert {(d.generic, d.reason) for d in result.distractors} == {("oxycodone", "historical")}


@pytest.mark.parametrize("item", ["Simple Linctus (codeine-free) 5 ml four times a day when required for cough",
                                  "Simple linctus, codeine free, 5 ml qds prn"])
def test_a_product_free_of_the_drug_is_not_that_drug(item):
    result = extract_letter("Medicines on discharge:\n• " + item + "\n• Senna 7.5 mg at night\n")
    assert result.opioids == [] and [(d.generic, d.reason) for d in result.distractors] == [("codeine", "other")]


@pytest.mark.parametrize("status", ["Inpatient PRN – not used during admission", "Ward only", "Inpatient use"])
def test_a_table_status_that_keeps_the_row_on_the_ward(status):
    letter = ("| Medicine | Dose | Route | Frequency | Status |\n|---|---|---|---|---|\n"
              "| Oxycodone 5mg capsules | 5mg | Oral | 4-hourly PRN | NEW |\n"
              f"| Morphine sulfate oral solution 10mg/5ml | 2.5-5mg | Oral | PRN | {status} |\n")
    result = extract_letter(letter)
    assert [rx.generic for rx in result.opioids] == ["oxycodone"]
    assert ("morphine", "inpatient_only") in {(d.generic, d.reason) for d in result.distractors}


_LIST = "Medicines on discharge:\n- Zomorph 50mg MR capsules, one twice daily, 28 capsules, continued\n\n"


@pytest.mark.parametrize("plan", [
    "Reduction plan: reduce the Zomorph by 10mg per dose every two weeks (50mg BD → 40mg BD → 30mg BD).",
    "Please taper his Zomorph over the next six weeks, to 30 mg BD and then 10 mg BD.",
    "Wean the Zomorph by 10 mg each fortnight to 20 mg twice daily.",
])
def test_a_reduction_plan_with_its_rate_is_no_second_prescription(plan):
    [rx] = extract_letter(_LIST + plan).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max) == (50.0, 2)


@pytest.mark.parametrize("sentence", ["Oramorph 10mg taken three times on the postnatal ward, last dose 30/06.",
                                      "She needed oral morphine 5 mg twice in hospital for the wound pain."])
def test_doses_taken_on_the_ward_are_inpatient_only(sentence):
    result = extract_letter("Course: uneventful. " + sentence + "\n\n" + _LIST)
    assert [rx.dose_mg_max for rx in result.opioids] == [50.0]
    assert ("morphine", "inpatient_only") in {(d.generic, d.reason) for d in result.distractors}


@pytest.mark.parametrize("sig, doses", [
    ("250 mg o.m. and 250 mg o.n.", (250.0, 250.0)),
    ("200 mg o.m. and 100 mg o.n", (100.0, 200.0)),
])
def test_doses_at_dotted_times_of_day(sig, doses):
    [rx] = _read_rx(f"Medicines on discharge:\n- Palexia SR (tapentadol MR) {sig}, long-term, unchanged\n")
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max) == (*doses, 2)


def _read_rx(letter):
    return extract_letter(letter).opioids


_TTO = ("Medicines on discharge:\n1. Paracetamol 1g four times a day\n"
        "2. Oxycodone 10 mg capsules, one capsule every 4 hours when required for pain, 56 capsules, new\n"
        "3. OxyContin 20 mg tablets, one tablet three times a day, continued (own supply)\n\n")


@pytest.mark.parametrize("correction, oxycodone_ir, oxycontin", [
    # (strength, dose, doses a day, quantity) of the IR capsules; doses a day of the OxyContin
    ("ADDENDUM: Correction - the oxycodone capsules should read 5 mg, not 10 mg.", (5.0, 5.0, 6, "56 capsules"), 3),
    ("Correction to the list above: her OxyContin is 20 mg twice daily, not three times daily.",
     (10.0, 10.0, 6, "56 capsules"), 2),
    ("TTO amended by pharmacist: item 2 frequency clarified to 'maximum 4 doses in 24 hours' and quantity reduced "
     "from 56 to 20 capsules = 5 days' supply.", (10.0, 10.0, 4, "20 capsules"), 3),
    ("The ward round was moved and the letter should read that she goes home on Friday.",  # no drug named: nothing
     (10.0, 10.0, 6, "56 capsules"), 3),
])
def test_a_correction_later_in_the_letter_changes_the_prescription_it_names(correction, oxycodone_ir, oxycontin):
    rxs = extract_letter(_TTO + correction + "\n").opioids
    ir = next(r for r in rxs if r.formulation == "IR")
    mr = next(r for r in rxs if r.formulation == "MR")
    assert (ir.strength_mg, ir.dose_mg_max, ir.frequency_per_day_max, ir.supply_quantity) == oxycodone_ir
    assert mr.frequency_per_day_max == oxycontin and len(rxs) == 2


def test_a_corrected_prescription_told_again_is_not_a_second_one():
    letter = (_TTO + "Correction: the oxycodone should read 5 mg, not 10 mg. The TTO was dispensed correctly as "
              "oxycodone 5 mg capsules, one capsule up to 4-hourly when required, 56 capsules.\n")
    rxs = extract_letter(letter).opioids
    assert sorted((r.formulation, r.strength_mg) for r in rxs) == [("IR", 5.0), ("MR", 20.0)]


def test_a_dose_count_after_apply_or_take_is_not_the_quantity():
    letter = ("Discharge medication:\nMatrifen (fentanyl) 75 micrograms/hr patch — apply 1 patch every 72 hrs — "
              "long-term — supplied 2/52 (5 patches)\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.supply_quantity, rx.supply_days) == ("5 patches", 14)


@pytest.mark.parametrize("status, is_rx", [("NOT continued (unused for 10 days)", False),
                                           ("not continued beyond 5 days", True)])
def test_not_continued_is_a_stop_unless_it_limits(status, is_rx):
    letter = ("Medicines on discharge:\n- Paracetamol 1 g qds\n- Oramorph 10mg/5ml 2.5–5ml PRN up to four times a "
              f"day — {status}\n")
    assert bool(extract_letter(letter).opioids) is is_rx


@pytest.mark.parametrize("sig, dose", [
    ("ONE tablet twice daily, taken with the 40mg/20mg tablet", 10.0),
    ("one tablet twice daily together with his 40 mg tablet", 10.0),
    ("20 mg twice daily (with the 40mg/20mg tablet)", 20.0),
])
def test_another_product_named_by_its_strength_is_not_the_dose(sig, dose):
    [rx] = extract_letter(f"Discharge medicines:\n* Targinact 10mg/5mg prolonged-release tablets – {sig} – "
                          "long-term – unchanged\n").opioids
    assert rx.dose_mg_max == dose


_CALENDARS = {
    "pipes": ("| Day      | Morning          | Night            | Total per day |\n"
              "| Days 1-4 | 2 tablets (20 mg) | 2 tablets (20 mg) | 40 mg |\n"
              "| Days 5-8 | 1 tablet (10 mg)  | 1 tablet (10 mg)  | 20 mg |\n"
              "| Days 9-10 | -               | 1 tablet (10 mg)  | 10 mg |\n"
              "| Day 11   | STOP             | STOP              | 0 |\n", (10.0, 20.0, 2, 10)),
    "columns": ("Week      08:00     14:00     22:00\n"
                "Week 1    10 mg     10 mg     10 mg\n"
                "Week 2    10 mg     -         10 mg\n"
                "Week 3    -         -         10 mg\n", (10.0, 10.0, 3, 21)),
}


@pytest.mark.parametrize("name", sorted(_CALENDARS))
def test_an_item_that_follows_a_reducing_calendar_below_takes_its_doses_from_it(name):
    table, expected = _CALENDARS[name]
    letter = ("Medicines on discharge:\n• Zomorph 10 mg capsules — follow the weaning schedule below — NEW\n"
              "• Paracetamol 1 g four times a day\n\nWEANING SCHEDULE\n" + table + "\nThen stop.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.duration_days) == expected


def test_a_table_below_without_day_rows_gives_nothing():
    letter = ("Medicines on discharge:\n• Zomorph 10 mg capsules — see the table below — NEW\n\n"
              "| Drug | Indication |\n| Zomorph | back pain |\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.duration_days) == (None, None)


@pytest.mark.parametrize("tail, duration, supply", [
    ("24 tablets — 3 days, then stop", 3, None),
    ("20 capsules, 5 days maximum", 5, None),
    ("14 tablets supplied (7 days)", None, 7),
    ("56 tablets, 28 days", None, 28),
    ("100 ml; reduce to twice daily after 1 week, then stop", None, None),
])
def test_days_beside_a_quantity_are_supply_unless_they_end_a_course(tail, duration, supply):
    [rx] = extract_letter("Discharge medicines:\nOxycodone 5 mg capsules, one capsule up to four times a day when "
                          f"required — {tail}\n").opioids
    assert (rx.duration_days, rx.supply_days) == (duration, supply)


def test_a_drug_named_in_one_sentence_and_dosed_in_the_next():
    letter = ("He came in with a flare and has gone back to his usual Zomorph for his chronic pain. He takes one "
              "100 mg capsule at breakfast and one at bedtime, and that is what he goes home on.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max) == (100.0, 2)


@pytest.mark.parametrize("second", [
    "She continues her pregabalin 75mg twice daily for the neuropathic element.",   # another drug's sig
    "He took 30 mg twice a day for many years.",                                   # not taken now
])
def test_the_next_sentence_gives_no_dose_when_it_is_another_drugs_or_the_past(second):
    letter = f"Background: chronic back pain, previously on oxycodone preparations. {second}\n"
    assert extract_letter(letter).opioids == []


@pytest.mark.parametrize("sentence, reason", [
    ("OxyNorm 2.5 mg liquid was kept in the house as required but was never needed and was taken away at "
     "discharge.", "inpatient_only"),
    ("The GP is asked to write to the pain clinic asking whether a trial reduction of the MXL to 90 mg once "
     "daily would now be appropriate.", None),
])
def test_unused_supplies_taken_away_and_questions_about_a_reduction(sentence, reason):
    letter = "Discharge medicines:\n- MXL 100 mg capsules, one each morning, continued (own supply)\n\n" + sentence
    result = extract_letter(letter)
    assert [(r.generic, r.dose_mg_max) for r in result.opioids] == [("morphine", 100.0)]
    assert (reason is None) or any(d.reason == reason for d in result.distractors)


@pytest.mark.parametrize("sig, doses", [
    ("one at breakfast and one at bedtime", (100.0, 100.0, 2)),
    ("one 100 mg capsule with breakfast and one with supper", (100.0, 100.0, 2)),
])
def test_doses_at_meal_times(sig, doses):
    [rx] = extract_letter(f"Discharge medicines:\nZomorph 100 mg capsules: {sig}.\n").opioids
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max) == doses


@pytest.mark.parametrize("sentence, reason", [
    ("Her tramadol was tapered off over the admission (50 mg QDS to nil by day 7).", "stopped"),
    ("His codeine has been weaned off on the ward.", "stopped"),
])
def test_a_drug_tapered_off_during_the_admission_is_stopped(sentence, reason):
    letter = "Summary: " + sentence + "\n\nDischarge medicines:\n- Paracetamol 1 g qds\n"
    result = extract_letter(letter)
    assert result.opioids == [] and [d.reason for d in result.distractors] == [reason]


def test_a_taper_still_to_come_is_a_plan_not_a_stop():
    letter = ("Discharge medicines:\n- Tramadol 50 mg capsules, one four times a day, to be tapered off over the "
              "next two weeks\n")
    [rx] = extract_letter(letter).opioids
    assert rx.generic == "tramadol"


@pytest.mark.parametrize("letter", [
    "MEDICINES STOPPED / WITHHELD\nMedicine                          Reason\n"
    "Tramadol 50 mg capsules (1 QDS)   Held on admission (confusion) and not restarted\n",
    "Main problem: delirium on a background of knee pain and long-term co-codamol 30/500 (two tablets four "
    "times a day).\n",
    "Pre-admission analgesia: tramadol 50 mg QDS and codeine 30 mg PRN (both on GP repeat).\n",
    "Pre-admission medicines:\n- co-codamol 30/500 2 QDS - stopped, switched\n",
])
def test_what_he_took_before_or_what_was_stopped_is_no_prescription(letter):
    result = extract_letter(letter + "\nDischarge medicines:\n- Targinact 10 mg/5 mg tablets, one twice a day, new\n")
    assert [rx.brand for rx in result.opioids] == ["Targinact"] and result.distractors


def test_a_kardex_at_discharge_heading_and_breakthrough_doses_are_prn():
    letter = ("Kardex at discharge - medicines to continue at home\n"
              "1. Fentanyl 75 micrograms/hour patch - change every 72 hours - long-term - 5 patches supplied\n"
              "2. Abstral (fentanyl) 200 microgram sublingual tablets - 1 tablet under the tongue for an episode of "
              "breakthrough pain; no more than 4 doses in 24 hours - NEW - 20 tablets\n")
    rxs = extract_letter(letter).opioids
    abstral = next(r for r in rxs if r.brand == "Abstral")
    assert len(rxs) == 2 and (abstral.prn, abstral.route, abstral.frequency_per_day_max) == (True, "sublingual", 4)


@pytest.mark.parametrize("item, expected", [
    # (route, dose max, doses a day)
    ("Oramorph 10 mg/5 ml unit-dose vials - the contents of one vial (10 mg) by mouth when needed, at most twice "
     "in 24 hours - 10 vials", ("oral", 10.0, 2)),
    ("Morphine sulfate 10 mg/ml injection vials - 2.5 mg SC when needed, at most six times a day",
     ("subcutaneous", 2.5, 6)),
    ("Co-codamol 30/500 effervescent tablets: dissolve 1 or 2 in half a glass of water up to four times a day "
     "when needed", ("oral", 60.0, 4)),
])
def test_vials_by_mouth_caps_at_most_and_doses_dissolved_in_water(item, expected):
    [rx] = extract_letter("Discharge medicines:\n- " + item + "\n").opioids
    assert (rx.route, rx.dose_mg_max, rx.frequency_per_day_max) == expected


def test_a_weaning_schedule_as_follows_starts_with_the_current_dose():
    letter = ("Discharge medicines:\n- OxyContin 5 mg prolonged-release tablets, for his back pain - wean as "
              "follows: 2 tablets twice daily for 7 days, then 1 tablet twice daily for 7 days, then 1 tablet at "
              "night for 7 days, then stop.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.duration_days) == (5.0, 10.0, 2, 21)


def test_a_count_with_its_strength_at_times_of_day_in_prose():
    letter = ("He has gone back to his usual Zomorph for his back pain. He takes one 100 mg capsule at breakfast and "
              "one at bedtime, and that is what he goes home on.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.strength_mg, rx.dose_mg_max, rx.frequency_per_day_max) == (100.0, 100.0, 2)


def test_a_count_followed_by_its_frequency_is_the_dose_not_the_quantity():
    letter = ("Medicines at discharge\n1. OxyContin 5 mg tablets - 2 tablets twice daily for 7 days, then 1 tablet "
              "twice daily for 7 days, then stop. 28 tablets supplied.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.supply_quantity, rx.dose_mg_max) == ("28 tablets", 10.0)


@pytest.mark.parametrize("sig, doses", [
    ("take up to 2 tablets four times a day when needed", (30.0, 60.0)),
    ("a tablet or two four times a day when needed", (30.0, 60.0)),
    ("2 tablets up to four times a day", (60.0, 60.0)),      # "up to" the frequency: two tablets a dose
    ("a tablet or two times a day", (30.0, 30.0)),           # "or two times": a frequency, one tablet
])
def test_up_to_two_tablets_and_a_tablet_or_two(sig, doses):
    [rx] = extract_letter(f"Discharge medicines:\n- Codeine 30 mg tablets: {sig}\n").opioids
    assert (rx.dose_mg_min, rx.dose_mg_max) == doses


def test_a_reconciliation_list_above_the_discharge_list_is_what_he_took_before():
    letter = ("Medicines reconciliation (pharmacy technician, 22/01 - sources: GP record, patient's own drugs):\n"
              "• Tramadol 50mg capsules – 1 when required – on repeat but he says he rarely takes it\n"
              "• Amlodipine 10mg daily\n\nMedicines on discharge:\n"
              "- Zomorph 50mg MR capsules, one twice daily, 28 capsules, continued\n")
    assert [rx.generic for rx in extract_letter(letter).opioids] == ["morphine"]


@pytest.mark.parametrize("status, is_rx", [
    ("NOT supplied – already on co-codamol", False),
    ("not prescribed as she is already taking co-codamol", False),
    ("not supplied (own supply at home)", True),
])
def test_not_supplied_because_already_on_another_opioid(status, is_rx):
    letter = f"Medicines on discharge:\n▪ Codeine linctus 15mg/5ml 5 ml four times a day ▪ {status}\n"
    assert bool(extract_letter(letter).opioids) is is_rx


@pytest.mark.parametrize("heading", ["PAIN TEAM PLAN", "Analgesia plan:", "Opioid plan"])
def test_a_recommended_reduction_under_a_plan_heading_is_no_prescription(heading):
    letter = ("Discharge medications\nPalexia SR 250mg tablets 250mg Oral BD Continued\n"
              f"{heading}\nPain team recommend reducing Palexia SR by 50 mg per dose every 2 weeks once this flare "
              "has settled, aiming for 150 mg BD.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max) == (250.0, 2)


@pytest.mark.parametrize("cap, per_day, daily", [("4 doses", 4, 40.0), ("8 caps", 4, 40.0), ("", 6, 60.0)])
def test_a_max_per_24h_column_caps_the_frequency_column(cap, per_day, daily):
    letter = ("DISCHARGE MEDICINES\nLn | Medicine | Route | Dose | Frequency | PRN | Max/24h | Qty | Status\n"
              f"04 | Oxycodone 5mg capsules (OxyNorm) | Oral | 5-10mg | 4 hourly | Y | {cap} | 20 caps | New\n"
              "05 | Senna 7.5mg tablets | Oral | 15mg | ON | Y | | 20 tabs | New\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.max_daily_dose_mg) == (per_day, daily)


def test_a_total_made_up_of_products_listed_below_is_those_products():
    letter = ("He goes home on his usual Zomorph, 50 mg twice daily, made up as below - unchanged, own supply.\n"
              "- Zomorph 30 mg MR capsules: ONE capsule twice daily\n"
              "- Zomorph 10 mg MR capsules: TWO capsules twice daily\n")
    rxs = extract_letter(letter).opioids
    assert sorted((r.strength_mg, r.dose_mg_max) for r in rxs) == [(10.0, 20.0), (30.0, 30.0)]
    assert all(r.new_on_admission is False for r in rxs) and sum(r.ome_mg_per_day for r in rxs) == 100.0


def test_two_different_doses_of_one_product_are_not_a_total():
    letter = ("Discharge medicines:\n- Zomorph 50 mg MR capsules, one twice daily\n"
              "- Zomorph 30 mg MR capsules: ONE capsule twice daily\n- Zomorph 10 mg MR capsules: ONE capsule twice daily\n")
    assert len(extract_letter(letter).opioids) == 3


@pytest.mark.parametrize("sentence, brand", [
    ("She takes MST Continus 100mg twice daily, which is prescribed by you and was continued unchanged on the "
     "ward.", "MST Continus"),
    ("New medicines\n  BuTrans 5 micrograms/hour patch - apply one patch every 7 days (applied Mon 19/10 on the "
     "ward) for rib pain. 2 patches sent.", "BuTrans"),
])
def test_a_dose_continued_or_first_applied_on_the_ward_goes_home(sentence, brand):
    assert [rx.brand for rx in extract_letter(sentence + "\n").opioids] == [brand]


def test_a_dose_used_on_the_ward_stays_there():
    letter = "Her pain was managed with Oramorph 5mg when required on the ward (last dose 02/03).\n"
    result = extract_letter(letter)
    assert result.opioids == [] and [d.reason for d in result.distractors] == ["inpatient_only"]


def test_drugs_named_after_only_if_are_the_condition_not_new_statements():
    letter = ("Discharge medicines:\n- Dihydrocodeine 30mg tablets: 1 tablet up to 4 times a day only if paracetamol "
              "and ibuprofen are not enough for wound pain. TTO 12 tabs. Do not continue beyond 3 days.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.supply_quantity, rx.duration_days) == ("12 tablets", 3)


@pytest.mark.parametrize("plan", [
    "The pain team have asked that the OxyContin is reduced by 10mg per dose every three days.",
    "The OxyContin should be weaned by 10 mg every week.",
])
def test_a_passive_reduction_with_its_rate_is_a_plan(plan):
    letter = "Discharge medicines:\n- OxyContin 60mg tablets, one tablet twice daily, new\n\n" + plan + "\n"
    [rx] = extract_letter(letter).opioids
    assert rx.dose_mg_max == 60.0


@pytest.mark.parametrize("tail, duration", [
    ("100 ml supplied. Use for the first week only, then stop.", 7),
    ("30 capsules - and she should not continue it beyond five days", 5),
    ("30 capsules - not to be taken past 10 days", 10),
    ("30 capsules - review in clinic in 6 weeks", None),
])
def test_limits_told_after_the_supply(tail, duration):
    [rx] = extract_letter("Discharge medicines:\n- Tramadol 50 mg capsules, one or two up to four times a day when "
                          f"required for pain, {tail}\n").opioids
    assert rx.duration_days == duration


def test_counts_told_for_each_drug_in_one_sentence_go_to_their_own_drug():
    letter = ("He goes home on OxyContin 60mg tablets, one tablet twice daily, with OxyNorm 10mg capsules, one capsule "
              "every four hours if needed for breakthrough pain. Both were started on this admission and fourteen "
              "days' supply has been given: 28 tablets of the OxyContin and 84 capsules of the OxyNorm.\n")
    assert sorted((r.brand, r.supply_quantity, r.supply_days) for r in extract_letter(letter).opioids) == [
        ("OxyContin", "28 tablets", 14), ("OxyNorm", "84 capsules", 14)]  # "Both ... fourteen days' supply"


def test_a_supply_for_both_told_once_goes_to_each():
    letter = ("She goes home on codeine 30 mg tablets, one four times a day when required, and tramadol 50 mg "
              "capsules, one twice a day. Both are new and seven days' supply has been given.\n")
    assert [r.supply_days for r in extract_letter(letter).opioids] == [7, 7]
