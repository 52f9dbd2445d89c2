"""Classes of wording found by the first-contact gold sets fresh7/fresh8 (prose of many specialties; machine-made
and hurried text). Every letter here was written for these tests, never copied from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _rx(letter: str) -> list[tuple]:
    return [(r.generic, r.formulation, r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max)
            for r in extract_letter(letter).opioids]


def _distractors(letter: str) -> list[tuple[str, str]]:
    return sorted((d.generic, d.reason) for d in extract_letter(letter).distractors)


# ---------------------------------------------------------------------------------------------- clock times
@pytest.mark.parametrize("sig, dose, freq", [
    ("one tablet twice daily (8 am and 8 pm)", (10.0, 10.0), 2),
    ("one twice a day (8am & 8pm)", (10.0, 10.0), 2),
    ("one at 8 am and one at 8 pm", (10.0, 10.0), 2),
    ("one tablet at 08:00 and one at 20:00.", (10.0, 10.0), 2),
    ("two at 8 am and one at 8 pm", (10.0, 20.0), 2),
    ("TWO at 07:00 and ONE at 19:00.", (10.0, 20.0), 2),
    ("1 cap 08.00 and 1 cap 20.00", (10.0, 10.0), 2),
    ("2 tabs am and 1 tab pm", (10.0, 20.0), 2),
])
def test_clock_times_are_times_never_tablet_counts(sig, dose, freq):
    """'(8 am and 8 pm)' once read as eight tablets; a clock time is one administration."""
    [(generic, form, lo, hi, f)] = _rx(f"Discharge medicines\nZomorph 10 mg capsules, {sig}\n")
    assert (generic, form) == ("morphine", "MR")
    assert (lo, hi, f) == (*dose, freq)


# ------------------------------------------------------------------- prose under a "Medication changes" heading
@pytest.mark.parametrize("sentence, is_rx", [
    ("In its place we have started Oramorph 10 mg/5 ml, 5 ml every four hours when required.", True),
    ("We have started oxycodone 5 mg capsules, one every six hours if needed.", True),
    ("Her tramadol 50 mg was stopped because of confusion.", False),
    ("He asked whether he could have morphine; we felt this was not needed.", False),
])
def test_changes_paragraph_started_drug(sentence, is_rx):
    letter = f"Medication changes\nHis usual naproxen has been stopped. {sentence}\n\nFollow-up in clinic.\n"
    assert bool(_rx(letter)) is is_rx


# ----------------------------------------------------------------------- a stop that is a plan, not an event
@pytest.mark.parametrize("letter", [
    "We have given her oxycodone 5 mg capsules, one every six hours if needed, 28 supplied; it is to be used for "
    "one week and then stopped.",
    "Codeine 30 mg tablets, one or two four times a day when required; to be taken for five days and then stopped.",
    "Dihydrocodeine 30 mg one qds prn, 20 tablets supplied.\n\nGP: please check at the review in a fortnight that "
    "he has stopped the dihydrocodeine.",
    "Tramadol 50 mg capsules one to be taken up to four times a day as needed.\nCould the practice confirm at the "
    "two-week call that the tramadol has been discontinued?",
])
def test_planned_or_checked_stop_keeps_the_prescription(letter):
    assert _rx(letter), "a stop that is planned or to be checked is not a stopped drug"
    assert not [r for g, r in _distractors(letter) if r == "stopped"]


@pytest.mark.parametrize("letter", [
    "We stopped his tramadol 50 mg qds on admission because of confusion.",
    "Codeine 30 mg qds was discontinued on the ward.",
])
def test_stop_that_happened_is_still_a_stop(letter):
    assert not _rx(letter)
    assert ("stopped" in [r for _, r in _distractors(letter)])


# ----------------------------------------------------------------------------- proposals are not prescriptions
@pytest.mark.parametrize("proposal", [
    "If he stays comfortable, we suggest a further reduction of the OxyContin to 5 mg twice a day in about two weeks.",
    "We would recommend reducing the OxyContin to 5 mg bd at the next review.",
    "Consider switching the OxyContin to 5 mg twice daily in a fortnight if pain allows.",
])
def test_suggested_change_is_not_a_second_prescription(proposal):
    letter = f"We have reduced his OxyContin to 10 mg tablets, one twice a day, 14 tablets supplied. {proposal}"
    assert _rx(letter) == [("oxycodone", "MR", 10.0, 10.0, 2)]


# ------------------------------------------------------------------------------ background told in the story
def test_background_at_the_old_dose_is_historical():
    letter = ("He has chronic back pain, for which he has been on MST Continus 30 mg twice a day for several years.\n"
              "We have reduced this to MST Continus 15 mg tablets, one twice a day (56 tablets supplied).\n")
    assert _rx(letter) == [("morphine", "MR", 15.0, 15.0, 2)]
    assert ("morphine", "historical") in _distractors(letter)
    assert extract_letter(letter).opioids[0].new_on_admission is False


def test_background_at_the_same_dose_is_the_same_prescription():
    letter = ("She has been taking BuTrans 10 micrograms/hour patches, one every seven days, since 2019.\n"
              "Discharged on her BuTrans 10 micrograms/hour patch weekly, 4 patches supplied.\n")
    rx = extract_letter(letter).opioids
    assert len(rx) == 1 and rx[0].generic == "buprenorphine"


def test_background_alone_stays_a_prescription():
    """With no other prescription of the drug, 'has been on X for years' is the long-term prescription."""
    letter = "He has been on tapentadol 50 mg twice a day for some years and this continues unchanged.\n"
    assert _rx(letter) == [("tapentadol", "IR", 50.0, 50.0, 2)]


# ------------------------------------------------------------------------------------------------------ caps
@pytest.mark.parametrize("sig, freq", [
    ("one capsule when required, no more often than every 4 hours and no more than four capsules in a day", 4),
    ("1 cap 4-6 hourly PRN, max 4/day", 4),
    ("1-2 caps 4 hourly prn, no more than 8 capsules in any 24 hours", 4),
    ("one capsule four-hourly when required", 6),
])
def test_caps_written_per_day(sig, freq):
    [(_, _, _, _, f)] = _rx(f"Oxycodone 5 mg capsules {sig}.")
    assert f == freq


@pytest.mark.parametrize("notes, freq", [
    ("NEW - MAX 4 CAPS/24H", 4),
    ("max 3 doses in 24 hours", 3),
    ("new, post-op pain", 6),
])
def test_cap_in_a_notes_cell_caps_the_frequency_cell(notes, freq):
    letter = ("DISCHARGE MEDICATIONS\n"
              "DRUG                 DOSE   FREQ            QTY   NOTES\n"
              f"OXYNORM 5MG CAPS     5MG    4-HRLY PRN      20    {notes}\n"
              "PARACETAMOL 500MG    1G     QDS             32    USUAL\n")
    [(generic, _, _, _, f)] = _rx(letter)
    assert (generic, f) == ("oxycodone", freq)


# ------------------------------------------------------------------------------------- removed, not for restart
@pytest.mark.parametrize("line, reason", [
    ("Fentanyl 25 patch removed on admission (drowsy) - not for restart.", "stopped"),
    ("BuTrans 10 patch taken off in ED because of confusion.", "stopped"),
    ("Her Oramorph has been removed from her repeat list.", "stopped"),
    ("Post-op: epidural (fentanyl/bupivacaine) removed day 2, then oral analgesia.", "inpatient_only"),
])
def test_removed_just_after_the_name_is_a_stop(line, reason):
    letter = f"{line}\nDischarge medicines\nParacetamol 1 g four times a day\n"
    assert not _rx(letter)
    assert _distractors(letter)[0][1] == reason


def test_removed_far_from_the_name_is_about_something_else():
    letter = ("Discharge medicines\nMST Continus 30 mg tablets, two twice a day\n\nGP: could you please make sure the "
              "repeat template is updated to MST 60 mg twice daily (two 30 mg tablets) and the old 20 mg tablets are "
              "removed, so he does not end up with both.")
    assert _rx(letter) == [("morphine", "MR", 60.0, 60.0, 2)]
    assert not _distractors(letter)


def test_patch_to_be_removed_later_is_a_plan():
    letter = "Discharge medicines\nButec 5 micrograms/hour patch, change weekly; to be removed after two weeks.\n"
    assert [g for g, *_ in _rx(letter)] == ["buprenorphine"]


# ------------------------------------------------------------------------------------------ quantities and days
@pytest.mark.parametrize("line, qty", [
    ("Dihydrocodeine 30 mg tablets – 1 × 4-hourly when req’d (max 4 in 24 h) – ×20 – for pain", 20),
    ("Dihydrocodeine 30 mg tablets - 1 x 6 hourly prn - x 24", 24),
    ("Codeine 30 mg tablets 1 qds prn ×28", 28),
])
def test_times_sign_before_an_interval_is_not_a_quantity(line, qty):
    rx = extract_letter(line).opioids[0]
    assert (rx.quantity_n, rx.quantity_unit) == (qty, "tablets")


@pytest.mark.parametrize("line, supply", [
    ("MST Continus 10 mg tablets, one twice a day (28 tablets, 14 days)", 14),
    ("MST Continus 10 mg tablets, one twice a day - 28 tablets = 14 days", 14),
    ("Zomorph 10 mg caps 1 bd x14 (7 days)", 7),
    ("Codeine 30 mg qds, 28 tablets, 7 days then stop", None),
])
def test_days_beside_a_quantity_are_days_supplied(line, supply):
    rx = extract_letter(line).opioids[0]
    assert rx.supply_days == supply


@pytest.mark.parametrize("when, prn", [
    ("four-hourly if breathless or in pain", True),
    ("up to hourly when distressed", True),
    ("four times a day", False),
])
def test_symptom_conditions_are_as_required(when, prn):
    rx = extract_letter(f"Oramorph 10 mg/5 ml oral solution, 2.5 mg (1.25 ml) {when}, 100 ml").opioids[0]
    assert rx.prn is prn


# ---------------------------------------------------------------------- prose that goes on about a prescription
@pytest.mark.parametrize("after, duration, qty", [
    (" He has 10 tablets, for five days only, and should then stop.", 5, (10, "tablets")),
    (" We would expect her to need it for no more than a week.", 7, None),
    (" Fourteen capsules are supplied; the course is for seven days only.", 7, (14, "capsules")),
    (" The capsules are for three days only.", 3, None),
])
def test_sentences_after_a_prose_prescription_add_to_it(after, duration, qty):
    letter = ("After the operation we started oxycodone 5 mg capsules, one every four to six hours when required."
              + after + "\n\nFollow-up in clinic in six weeks.\n")
    rx = extract_letter(letter).opioids[0]
    assert rx.duration_days == duration
    assert ((rx.quantity_n, rx.quantity_unit) if qty else rx.quantity_n) == (qty if qty else None)


@pytest.mark.parametrize("after", [
    " Ibuprofen 400 mg three times a day for five days only.",            # another drug's statement
    "\n\nHe had pain for five days only before admission.",                # another paragraph
    " Follow-up in clinic in two weeks; stitches out after 10 days.",     # no reference to the prescription
])
def test_follow_on_stops_at_another_drug_paragraph_or_topic(after):
    letter = "We started oxycodone 5 mg capsules, one every four to six hours when required." + after
    rx = [r for r in extract_letter(letter).opioids if r.generic == "oxycodone"][0]
    assert rx.duration_days is None and rx.quantity_n is None


@pytest.mark.parametrize("sentence, days", [
    ("The Longtec is for five days only and should then be stopped.", 5),
    ("Our plan is that the patch is removed after two weeks.", 14),
])
def test_later_sentence_naming_or_pointing_at_the_drug_gives_its_limit(sentence, days):
    letter = ("She was started on a Longtec 10 mg tablet twice a day and a BuTrans 5 microgram/hour patch weekly. "
              if "Longtec" in sentence else
              "She has been started on a BuTrans 5 microgram/hour seven-day patch, applied on Monday; two patches are "
              "supplied. ") + sentence
    wanted = "Longtec" if "Longtec" in sentence else "BuTrans"
    rx = [r for r in extract_letter(letter).opioids if r.brand == wanted][0]
    assert rx.duration_days == days
    if "patch" in sentence:
        assert (rx.quantity_n, rx.quantity_unit) == (2, "patches")


# ------------------------------------------------------------------------------------ a step down still to come
@pytest.mark.parametrize("line, dose", [
    ("MST Continus 30 mg bd; then reduce to 15 mg bd after a week", (15.0, 30.0)),
    ("MST Continus 30 mg bd, then reduce to 15 mg bd after a week", (15.0, 30.0)),
    ("ZAPAIN 30/500 CAPSULES  TWO CAPSULES FOUR TIMES A DAY - REDUCE TO ONE CAPSULE FOUR TIMES A DAY AFTER 1/52, "
     "THEN STOP.", (30.0, 60.0)),
    ("Oxycodone MR 10 mg bd, to be reduced to 5 mg bd after 3 days", (5.0, 10.0)),
    ("Oxycodone MR 10 mg bd (reduced to 10 mg from 20 mg this admission)", (10.0, 10.0)),
])
def test_step_down_in_the_statement_spans_the_dose_range(line, dose):
    """Corpus rule: a taper's dose range spans its steps; a step that already happened is the dose itself. The
    first two once lost the whole prescription (the statement was taken for a step-down target only)."""
    [rx] = extract_letter(line).opioids
    assert (rx.dose_mg_min, rx.dose_mg_max) == dose


def test_a_step_down_target_alone_is_not_a_prescription():
    letter = ("Discharge medicines\nMST Continus 20 mg tablets, one twice a day\n\n"
              "Plan: please bring the MST down to 10 mg bd over the next fortnight.\n")
    assert _rx(letter) == [("morphine", "MR", 20.0, 20.0, 2)]


# --------------------------------------------------------------------- an inline heading ends at a blank line
def test_inline_allergy_heading_does_not_swallow_the_next_paragraph():
    letter = ("ALLERGIES: MORPHINE (HALLUCINATIONS)\n\n"
              "HISTORY: FALL, NOW MOBILE. LONG-TERM CO-CODAMOL FOR KNEE PAIN, CONTINUED.\n\n"
              "MEDICATION ON DISCHARGE\n  CO-CODAMOL 30/500 TABLETS  TWO TABLETS FOUR TIMES A DAY\n")
    assert _distractors(letter) == [("morphine", "allergy")]
    assert [g for g, *_ in _rx(letter)] == ["codeine"]


def test_inline_stopped_heading_ends_before_the_gp_line():
    letter = ("MEDICATION ON DISCHARGE\n  CO-CODAMOL 30/500 TABLETS  TWO TABLETS FOUR TIMES A DAY\n\n"
              "STOPPED: GABAPENTIN 300MG TDS (FALLS)\n\n"
              "GP TO CONTINUE WEANING OF CO-CODAMOL AND STOP.\n")
    ex = extract_letter(letter)
    assert ex.gp_instruction.present and "GP TO CONTINUE" in ex.gp_instruction.text


def test_inline_allergy_heading_above_a_table_leaves_the_table_its_own():
    letter = ("ALLERGY  : Latex (rash)\n\n"
              "DRUG                      DOSE   FREQ   QTY   STATUS\n"
              "Oxycodone 5mg capsules    5mg    QDS    20    NEW\n"
              "Paracetamol 500mg tabs    1g     QDS    56    NEW\n")
    ex = extract_letter(letter)
    assert [r.generic for r in ex.opioids] == ["oxycodone"]
    assert "paracetamol" in [c.drug for c in ex.co_prescriptions]


# ------------------------------------------------------------------------------ started, told in another sentence
@pytest.mark.parametrize("story, new", [
    ("On the ward we started low-dose modified-release morphine and the pain settled.", True),
    ("We gave regular paracetamol and added oral morphine for the fracture pain.", True),
    ("Modified-release morphine was started by the pain team on day 3.", True),
    ("She had been started on modified-release morphine by her GP in 2019.", None),
    ("We stopped the modified-release morphine she used to take years ago.", None),
])
def test_start_told_elsewhere_makes_the_prescription_new(story, new):
    letter = f"{story} She goes home on MST Continus 10 mg tablets, one twice a day (28 tablets).\n"
    rx = [r for r in extract_letter(letter).opioids if r.brand == "MST Continus"][0]
    assert rx.new_on_admission is new


# -------------------------------------------------------------------------- a list item wrapped mid-sentence
@pytest.mark.parametrize("first, second, status", [
    ("  ZAPAIN 30/500 CAPSULES  TWO CAPSULES FOUR TIMES A", "DAY. (LONG-TERM - PRE-ADMISSION)", "continued"),
    ("  Co-codamol 30/500 two tablets four times a day for knee pain, continued from", "before admission", "continued"),
    ("  Codeine 30 mg one tablet qds prn, started this admission for", "wound pain (new)", "new"),
])
def test_a_line_broken_off_mid_phrase_continues_on_the_next(first, second, status):
    letter = f"MEDICATION ON DISCHARGE\n{first}\n{second}\n  AMLODIPINE 10MG OD\n"
    [rx] = extract_letter(letter).opioids
    assert rx.status == status


def test_a_complete_line_does_not_swallow_the_next_item():
    letter = ("MEDICATION ON DISCHARGE\n  Codeine 30 mg one tablet qds prn\nLONG-TERM: amlodipine 10 mg od\n")
    [rx] = extract_letter(letter).opioids
    assert rx.status is None


def test_step_down_after_a_dash_is_not_the_duration():
    """'REDUCE TO ONE ... AFTER 1/52, THEN STOP': the step comes after a week, the stop at a time not stated."""
    [rx] = extract_letter("Zapain 30/500 two caps qds - reduce to one cap qds after 1/52, then stop.").opioids
    assert rx.duration_days is None
    assert (rx.dose_mg_min, rx.dose_mg_max) == (30.0, 60.0)


# ------------------------------------------------------------------------------- what she took, what was not hers
@pytest.mark.parametrize("sentence, reason", [
    ("She had also been taking her own MST 30 mg twice daily before admission.", "historical"),
    ("He had previously been on tramadol 50 mg four times a day.", "historical"),
    ("We found a fentanyl 25 microgram patch on her back which had not been prescribed to her.", "other"),
    ("Her codeine 30 mg qds has been stopped and she has not been given any opioid to take home.", "stopped"),
])
def test_past_use_and_drugs_not_hers_are_not_prescriptions(sentence, reason):
    letter = f"{sentence}\n\nDischarge medicines: paracetamol 1 g four times a day.\n"
    assert not _rx(letter)
    assert [r for _, r in _distractors(letter)] == [reason]


@pytest.mark.parametrize("line", [
    "INPATIENT ONLY (not for TTO): oxycodone PCA - discontinued day 1.",
    "Ward only: morphine 2.5 mg SC hourly prn, last given on day 2.",
])
def test_inpatient_only_heading(line):
    letter = f"{line}\nDischarge medicines\nParacetamol 1 g qds\n"
    assert not _rx(letter)
    assert [r for _, r in _distractors(letter)] == ["inpatient_only"]


def test_a_negated_take_home_is_no_discharge_cue():
    letter = "Her tramadol 50 mg qds was stopped; she has no opioids to take home."
    assert not _rx(letter)
    assert _distractors(letter) == [("tramadol", "stopped")]


# ----------------------------------------------------------------------------------------- conversion tables
@pytest.mark.parametrize("heading", [
    "Opioid conversion (pain team calculation; OME = oral morphine equivalent)",
    "OME calculation",
    "Conversion table:",
])
def test_conversion_table_rows_are_not_prescriptions(heading):
    letter = (f"{heading}\n"
              "  Drug / dose                         Daily dose   Factor   OME/day\n"
              "  MST 60mg BD (pre-admission, STOPPED)   120mg      x 1      120mg\n"
              "  OxyContin 40mg BD (discharge)          80mg       x 1.5    120mg\n\n"
              "Discharge medicines\n"
              "  1) OxyContin 40 mg tablets - ONE tablet twice a day - 14 days supplied - NEW\n")
    ex = extract_letter(letter)
    assert [(r.generic, r.dose_mg_max, r.frequency_per_day_max) for r in ex.opioids] == [("oxycodone", 40.0, 2)]
    assert ("morphine", "stopped") in [(d.generic, d.reason) for d in ex.distractors]


@pytest.mark.parametrize("sentence, inpatient", [
    ("In ED, before his medicines were confirmed, he was given oxycodone 5mg once.", True),
    ("Oramorph 10mg given once on day 1.", True),
    ("She was given morphine sulfate 10 mg as a single dose in recovery.", True),
    ("Oxycodone 5 mg given once daily at night.", False),
])
def test_a_dose_given_once_in_hospital_is_inpatient_only(sentence, inpatient):
    letter = f"{sentence}\n\nDischarge medicines: paracetamol 1 g qds.\n"
    assert (not _rx(letter)) is inpatient
    if inpatient:
        assert [r for _, r in _distractors(letter)] == ["inpatient_only"]


def test_a_patch_strength_named_with_the_is_not_a_quantity():
    letter = ("Medicines on discharge\n - Transtec 70 micrograms/hour patch - apply ONE every 3.5 days - 4 patches supplied\n"
              " - Transtec 35 micrograms/hour patch - apply ONE together with the 70 patch, same days - 4 patches supplied\n")
    assert [(r.strength_mcg_per_hour, r.quantity_n) for r in extract_letter(letter).opioids] == [(70.0, 4), (35.0, 4)]


# ------------------------------------------------------------------------ previous dose >> discharge dose
@pytest.mark.parametrize("line, dose, freq, previous", [
    ("Longtec (oxycodone MR) 60mg tabs: 40mg 12-hourly  >>  60mg 12-hourly  [INCREASED]  TTO 56 tabs", 60.0, 2, 40.0),
    ("Shortec oral solution 5mg/5ml: 10mg (10ml)  >>  15mg (15ml) 2-hourly PRN, max 6 doses/24h", 15.0, 6, 10.0),
    ("MST Continus 30mg bd → 20mg bd", 20.0, 2, 30.0),
    ("Zomorph 60mg caps: 30mg bd --> 60mg bd", 60.0, 2, 30.0),
])
def test_arrow_from_the_previous_to_the_discharge_dose(line, dose, freq, previous):
    [rx] = extract_letter(line).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.previous_dose_mg) == (dose, freq, previous)


def test_reconciliation_table_reads_the_on_discharge_column():
    letter = ("MEDICINES RECONCILIATION\n"
              "| Medicine | Pre-admission | On discharge | Change | TTO supply |\n"
              "|---|---|---|---|---|\n"
              "| Oramorph 10mg/5ml oral solution | 5ml (10mg) 2-hourly PRN | 10ml (20mg) 2-hourly PRN, max 6 doses/24h "
              "| Dose increased | 300ml |\n"
              "| MST Continus 30mg tablets | 30mg BD | 30mg BD | No change | Own supply |\n"
              "| Co-codamol 30/500 tablets | 2 tablets QDS | - | STOPPED | - |\n")
    ex = extract_letter(letter)
    assert [(r.generic, r.dose_mg_max, r.frequency_per_day_max) for r in ex.opioids] == [("morphine", 20.0, 6),
                                                                                          ("morphine", 30.0, 2)]
    assert ("codeine", "stopped") in [(d.generic, d.reason) for d in ex.distractors]


def test_bilingual_headings_name_their_columns():
    letter = ("Meddyginiaethau / Medicines\n"
              "Meddyginiaeth / Medicine | Dos / Dose | Pa mor aml / How often | Statws / Status | Cyflenwad / Supply\n"
              "Co-codamol 30/500 tablets | 1-2 tablets | up to 4 times a day when required | Newydd / New | 7 days\n"
              "Ramipril 2.5mg | 1 tablet | once a day | Parhau / Continue | Own supply\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.supply_days, rx.frequency_per_day_max, rx.prn) == (7, 4, True)


@pytest.mark.parametrize("rest, qty", [
    (" Next change due 20/11 at 10:00. Rotate sites and record on the patch chart. Supplied: 5 patches.", (5, "patches")),
    (" Change on Mondays. Qty 4 patches.", (4, "patches")),
    (" Change on Mondays.", None),
])
def test_a_medicine_line_goes_on_to_its_end(rest, qty):
    letter = ("Medicines - please give as follows\n"
              f"  Matrifen 25 micrograms/hour patch: apply ONE patch every 72 hours.{rest}\n"
              "  Paracetamol 1 g four times a day.\n")
    [rx] = extract_letter(letter).opioids
    assert ((rx.quantity_n, rx.quantity_unit) if qty else rx.quantity_n) == (qty if qty else None)


def test_milliseconds_end_a_sentence_titles_do_not():
    letter = ("She started methadone 1 mg/ml oral solution 5 mg (5 ml) twice daily; her QTc was 428 ms. For breakthrough "
              "pain she has OxyNorm 10 mg capsules, one up to every two hours when required.\nSeen by Ms. Jones.")
    rx = {r.generic: r for r in extract_letter(letter).opioids}
    assert rx["methadone"].prn is False and rx["oxycodone"].prn is True
