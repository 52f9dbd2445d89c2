"""Terse-note and table classes found in session 14 (first contact of fresh84/fresh86). Letters written for these
tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _rx(letter: str):
    return extract_letter(letter).opioids


@pytest.mark.parametrize("letter, generic, freq", [
    ("Hospice@Home note\nRegular:\n\tZomorph 60mg caps b.d. - unchanged\n\tsenna 15mg o.n.\n", "morphine", 2),
    ("Analgesia:\n  MST Continus 20mg tabs b.i.d. (long term)\n", "morphine", 2),
    ("Regular:\ncodeine 30mg t.d.s. for knee OA\n", "codeine", 3),
    ("On:\n- tramadol 50mg caps q.d.s.\n- laxido i o.d.\n", "tramadol", 4),
    ("Regular: Longtec 10mg o.m. + 5mg o.n.\n", "oxycodone", None),
])
def test_dotted_latin_frequency_is_a_sig(letter, generic, freq):
    rxs = _rx(letter)
    assert [r.generic for r in rxs] == [generic]
    if freq is not None:
        assert rxs[0].frequency_per_day_max == freq


@pytest.mark.parametrize("word", ["Zapane", "Zapane 30/500"])
def test_sound_alike_ane_for_ain(word):
    rxs = _rx(f"MIU note\nAnalgesia: {word} caps ii q.d.s. p.r.n. - 16 caps supplied.\n")
    assert [(r.generic, r.formulation) for r in rxs] == [("codeine", "combination")]


@pytest.mark.parametrize("line", ["- Codeine 30 mg q.i.d. - D/C'd (drowsy). Not to restart.",
                                  "- codeine 30mg qds - dc'd (constipation)",
                                  "- Codeine 30 mg q.i.d. \u2013 D/C\u2019d"])
def test_dc_d_is_discontinued(line):
    x = extract_letter(f"Changes this adm:\n{line}\n\nContinued meds:\n - Paracetamol 1g qds\n")
    assert not x.opioids
    assert [(d.generic, d.reason) for d in x.distractors] == [("codeine", "stopped")]


def test_dc_d_home_is_no_stop():
    rxs = _rx("Pt d/c'd home on codeine 30mg qds prn, 28 tabs.\n")
    assert [r.generic for r in rxs] == ["codeine"]


def test_the_product_switched_from_names_no_form_of_the_new_one():
    x = extract_letter("HOSPITAL COURSE: She was switched from Percocet to oxycodone SR 20 mg b.i.d. with good "
                       "control.\n\nDISCHARGE MEDICATIONS: oxycodone SR 20 mg p.o. q.12h. for five days.\n")
    assert [(r.generic, r.formulation) for r in x.opioids] == [("oxycodone", "MR")]


@pytest.mark.parametrize("letter", [
    "MST (usual 60mg bd for back pain) REDUCED while AKI recovering:\n  MST 30mg + 15mg tabs = 45mg b.d. (new dose)\n",
    "Oxycodone MR (usual 20mg bd) - reduced due to drowsiness:\n- oxycodone MR 10mg bd, 7/7 supplied\n",
    "Zomorph (usual 30 mg twice daily) \u2193 for renal function; now Zomorph 20mg bd.\n",
])
def test_a_bracketed_usual_dose_the_line_changes_is_the_dose_before(letter):
    rxs = _rx(letter)
    assert len(rxs) == 1 and rxs[0].dose_mg_max in (45.0, 10.0, 20.0)


def test_a_bracketed_usual_dose_that_stays_is_the_dose():
    rxs = _rx("Regular:\nMST (usual 60mg bd) - continued\n")
    assert [r.dose_mg_max for r in rxs] == [60.0]


GP_HEAD = ("SDEC d/c 3/4/25\nMrs A Test 70F\nGP: Dr X, Some Surgery\nOxycodone MR (usual 20mg bd) reduced for AKI:\n"
           "  oxycodone MR 10mg bd (new dose) - 7/7 supplied\n")


@pytest.mark.parametrize("tail", [
    "GP \u2013 pls recheck U&E 1/52 & if Cr back to baseline \u2191 oxycodone MR back to 20mg bd.",
    "GP please repeat bloods in a week; if eGFR improved increase the oxycodone MR to 20mg bd.",
    "GP: if renal function recovers \u2191 oxycodone MR to 20 mg b.d.",
])
def test_a_conditional_change_for_the_gp_is_no_second_prescription(tail):
    x = extract_letter(GP_HEAD + tail + "\n")
    assert [r.dose_mg_max for r in x.opioids] == [10.0]
    assert x.gp_instruction.present


def test_an_arrow_of_a_symptom_is_no_gp_action():
    x = extract_letter(GP_HEAD + "GP: Dr X aware. Wife reports \u2191 pain at night.\n")
    assert not x.gp_instruction.present


@pytest.mark.parametrize("items, note", [
    (" a. Paracetamol 1g QDS x40\n b. Morphine sulfate 10mg/5ml 2.5-5ml 4hrly PRN, 100ml\n c. Codeine 30mg tabs 1-2 QDS PRN x28\n",
     " - c. REMOVED from TTO - two opioids. Prescriber agreed."),
    ("1) Paracetamol 1g QDS x40\n2) Oramorph 10mg/5ml 2.5-5ml 4hrly PRN, 100ml\n3) Codeine 30mg tabs 1-2 QDS PRN x28\n",
     "Item 3: removed from the TTO (duplicate opioid)."),
    ("(a) Paracetamol 1g QDS\n(b) Oramorph 10mg/5ml 2.5-5ml 4hrly PRN\n(c) Tramadol 50mg caps 1-2 QDS PRN x30\n",
     "(c) - deleted from discharge list by pharmacist"),
])
def test_a_note_that_takes_a_labelled_item_off_the_tto(items, note):
    x = extract_letter("TTO:\n" + items + "\nPharmacy check:\n" + note + "\n")
    assert [r.generic for r in x.opioids] == ["morphine"]
    assert any(d.reason == "stopped" and d.generic != "morphine" for d in x.distractors)


def test_a_labelled_note_without_a_removal_keeps_the_item():
    x = extract_letter("TTO:\n a. Paracetamol 1g QDS\n b. Codeine 30mg tabs 1-2 QDS PRN x28\n\nPharmacy check:\n"
                       " - b. quantity amended 28 -> 20 tabs. OK.\n")
    assert [r.generic for r in x.opioids] == ["codeine"]


@pytest.mark.parametrize("letter, dose", [
    ("OOH visit\nCurrent: MST CONTINUS 30mg bd (DN-administered)\nD/w hospice:\n"
     "\u2022 \u2191 MST to 60mg b.d. from tonight \u2013 Rx issued, 14 tabs\n", 60.0),
    ("Home visit\nCurrent: Zomorph 40mg bd\nD/w GP:\n- increase Zomorph to 60mg bd from tonight - Rx issued, 14 caps\n", 60.0),
    ("Current meds: oxycodone MR 10mg b.d.\nToday: \u2191 oxycodone MR to 15mg b.d. (Rx 14 tabs)\n", 15.0),
])
def test_the_current_dose_a_change_line_changes_is_the_dose_before(letter, dose):
    rxs = [r for r in _rx(letter) if r.formulation == "MR"]
    assert [r.dose_mg_max for r in rxs] == [dose]


def test_a_change_line_of_another_product_keeps_the_current_one():
    rxs = _rx("Current: MST 30mg bd\nPlan:\n- \u2191 Oramorph 10mg/5ml to 5mg 4hrly PRN\n")
    assert sorted(r.formulation for r in rxs) == ["MR", "liquid"]


@pytest.mark.parametrize("letter, dmax", [
    ("DRUG / ROUTE / DOSE / FREQ / DAYS / QTY\nSevredol 10mg tab / PO / 10-20mg / 4hrly PRN / 5 / 20\n"
     "Paracetamol 500mg / PO / 1g / QDS / 5 / 40\n", 20.0),
    ("Medicine / Dose / Frequency / Supply\nOxycodone 5mg caps / 5-10mg / QDS PRN / 20 caps\n", 10.0),
    ("Drug name / Route / Dose / Frequency\nMorphine sulfate oral solution 10mg/5ml / oral / 2.5-5mg / 2hrly PRN\n", 5.0),
])
def test_a_table_with_spaced_slashes_between_its_cells(letter, dmax):
    rxs = _rx(letter)
    assert len(rxs) == 1 and rxs[0].dose_mg_max == dmax


def test_a_sentence_with_slashes_is_no_table():
    rxs = _rx("Discharge medicines:\nco-codamol 30/500 2 tabs qds prn / 7/7 / 56 tabs\n")
    assert [(r.generic, r.dose_mg_max) for r in rxs] == [("codeine", 60.0)]


TTO_HEAD = "Virtual ward d/c\nMeds on d/c:\n - BuTrans 10mcg/hr patch, apply every 7 days, 4 patches supplied\n"


@pytest.mark.parametrize("tail", [
    "Patch to be reduced & stopped by GP once mobilising indep.",
    "BuTrans to be weaned by her GP over the next month.",
    "BuTrans: reduce to 5 and stop once pain settles - over to you.",
])
def test_a_task_passed_to_the_gp_in_a_terse_note(tail):
    assert extract_letter(TTO_HEAD + tail + "\n").gp_instruction.present


def test_a_dose_started_by_the_gp_is_no_instruction():
    assert not extract_letter(TTO_HEAD + "BuTrans was started by GP in 2023.\n").gp_instruction.present


DHC_HEAD = "TTO:\n- dihydrocodeine 30mg tabs 1 qds prn, 12 tabs\n"


@pytest.mark.parametrize("tail", ["If she becomes very drowsy stop the DHC and seek advice.",
                                  "If drowsy, stop DHC and call 111.",
                                  "If baby sleepy or not feeding, stop taking it + contact the midwife."])
def test_a_safety_net_stop_is_no_weaning_plan(tail):
    assert not extract_letter(DHC_HEAD + tail + "\n").weaning_plan.present


@pytest.mark.parametrize("tail", ["Take for 5 days then stop and see GP if still needed.",
                                  "If pain settled by day 5, stop the DHC."])
def test_a_planned_stop_stays_a_weaning_plan(tail):
    assert extract_letter(DHC_HEAD + tail + "\n").weaning_plan.present


@pytest.mark.parametrize("tail", ["Pls do not use the DHC >3 days", "Do not take the dihydrocodeine > 5 days.",
                                  "Don't continue the DHC beyond 1 week."])
def test_a_do_not_use_beyond_cap_is_a_weaning_plan(tail):
    assert extract_letter(DHC_HEAD + tail + "\n").weaning_plan.present


def test_a_daily_tablet_limit_is_no_duration_cap():
    assert not extract_letter(DHC_HEAD + "Do not use more than 3 tablets a day.\n").weaning_plan.present
