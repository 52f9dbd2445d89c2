"""Reading classes found in session 14 on EPMA tables and one trust's template (fresh80, fresh83). Letters written
for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TOP = "Riverside Hospital - discharge summary\nPatient: Mr A Test   NHS 999 000 0000\nDiagnosis: chest infection\n\n"


def _rx(letter: str, generic: str):
    return [o for o in extract_letter(letter).opioids if o.generic == generic]


# --- a bracketed tag heading ("[DISCHARGE_MEDICINES]" ... "[/DISCHARGE_MEDICINES]") is a heading ---------------------
@pytest.mark.parametrize("open_tag, close_tag", [("[DISCHARGE_MEDICINES]", "[/DISCHARGE_MEDICINES]"),
                                                 ("[TTO]", "[/TTO]"),
                                                 ("[MEDICATIONS ON DISCHARGE]", ""),
                                                 ("[Discharge_Medications]", "[END]")])
def test_a_tag_heading_opens_its_list(open_tag, close_tag):
    letter = (TOP + open_tag + "\n"
              "DRUG=Codeine phosphate 30mg tablets; DOSE=30-60mg; FREQ=QDS PRN; QTY=28; SUPPLY_DAYS=5; STATUS=NEW\n"
              "DRUG=Amoxicillin 500mg capsules; DOSE=500mg; FREQ=TDS; QTY=15; STATUS=NEW\n"
              + close_tag + "\nReview in clinic.\n")
    rx = _rx(letter, "codeine")
    assert len(rx) == 1 and rx[0].dose_mg_max == 60 and rx[0].frequency_per_day_max == 4 and rx[0].supply_days == 5


def test_a_tag_heading_of_the_drug_history_is_no_discharge_list():
    letter = (TOP + "[DRUG_HISTORY]\nDRUG=Tramadol 50mg capsules; DOSE=50mg; FREQ=QDS PRN\n[/DRUG_HISTORY]\n\n"
              "[DISCHARGE_MEDICINES]\nDRUG=Paracetamol 500mg tablets; DOSE=1g; FREQ=QDS\n[/DISCHARGE_MEDICINES]\n")
    assert not _rx(letter, "tramadol")


# --- a "Regular medicines" list that is the letter's only list, its items given a status, is what goes home --------
@pytest.mark.parametrize("head, prn_head, status", [("REGULAR MEDICINES", "WHEN REQUIRED", "continued"),
                                                    ("Regular medications:", "As required:", "unchanged"),
                                                    ("Regular meds", "PRN", "new")])
def test_an_only_regular_list_with_statuses_goes_home(head, prn_head, status):
    letter = (TOP + head + "\n"
              f"  Zomorph 30mg capsules ..... 30mg twice daily ..... POD ..... {status}\n"
              f"  Amlodipine 5mg ............ 5mg once daily ...... POD ..... {status}\n"
              + prn_head + "\n"
              f"  Oxycodone 5mg/5ml liquid .. 5mg 4-hourly if needed ..... 100ml ..... {status}\n\nGP to review.\n")
    assert len(_rx(letter, "morphine")) == 1
    assert len(_rx(letter, "oxycodone")) == 1


def test_a_regular_list_above_the_discharge_list_stays_the_drug_history():
    letter = (TOP + "Regular medications:\n  Zomorph 30mg capsules 30mg twice daily\n\n"
              "Discharge medications:\n  Paracetamol 1g four times daily\n")
    assert not _rx(letter, "morphine")


# --- a correction that tells a liquid's dose in ml ("corrected to 2.5-5ml (5-10mg)") changes the listed dose ----------
@pytest.mark.parametrize("note, lo, hi", [
    ("Pharmacist amendment: Oramorph dose corrected to 2.5-5ml (5-10mg) every 4 hours PRN - agreed with Dr K.", 5, 10),
    ("Screening note: oxycodone liquid amended to 2.5ml (2.5mg) up to four-hourly when required.", 2.5, 2.5),
    ("Dose clarified with the surgeon: Oramorph corrected to 5 ml every 4 hours if needed.", 10, 10),
    ("Oramorph dose amended to 2.5mL to 5mL (5 to 10mg) 4-hourly prn by ward pharmacist.", 5, 10)])
def test_a_correction_in_ml_changes_the_listed_liquid(note, lo, hi):
    generic = "oxycodone" if "oxycodone" in note else "morphine"
    item = ("Oxycodone 5mg/5ml oral solution 5-10ml every 4 hours when required" if generic == "oxycodone" else
            "Oramorph (morphine sulfate 10mg/5ml) 10-20ml every 4 hours when required for pain")
    letter = TOP + "Medicines on discharge:\n" + item + "\nParacetamol 1g QDS\n" + note + "\n\nGP to review.\n"
    rx = _rx(letter, generic)
    assert len(rx) == 1 and rx[0].span[0] == letter.index(item)  # (the listed one, corrected)
    assert (rx[0].dose_mg_min, rx[0].dose_mg_max) == (lo, hi)


# --- a supply line after the list ("Supplied: Matrifen 50 x 5 patches; Oramorph 100ml") gives quantities, no items ---
LIST = ("Medicines on discharge:\n"
        "Fentanyl 25 micrograms/hour patch (Durogesic) - apply every 72 hours - continue\n"
        "Oxycodone 5mg/5ml oral solution - 5ml (5mg) every 4 hours as needed\n"
        "Morphine sulfate 10mg/1ml injection - 2.5mg SC 1 hourly PRN pain\n")


@pytest.mark.parametrize("supply", [
    "Supplied: Durogesic 25 x 5 patches; oxycodone 250ml; morphine 10mg/1ml x 10 amps; haloperidol x 5.",
    "Quantities supplied - fentanyl 25mcg patches x 10, oxycodone liquid 5mg/5ml 250 ml, morphine 10mg/ml amps x 10",
    "TTO supplied: Durogesic 25 (5 patches), OxyNorm liquid 250ml, morphine 10mg/1ml injection x10"])
def test_a_supply_line_names_no_new_prescriptions(supply):
    letter = TOP + LIST + supply + "\n\nGP to continue the patch.\n"
    x = extract_letter(letter)
    assert sorted(o.generic for o in x.opioids) == ["fentanyl", "morphine", "oxycodone"]


def test_a_supply_line_of_a_drug_not_listed_is_still_read():
    letter = TOP + "Medicines on discharge:\nParacetamol 1g QDS\nSupplied: codeine 30mg tablets x 28, paracetamol 1g\n"
    assert _rx(letter, "codeine")


# --- a fixed-width table whose heading's second, indented line names the directions told under each row ------------
@pytest.mark.parametrize("sub_head", ["    Directions / comments", "  Instructions", "      Notes / directions"])
def test_indented_directions_under_a_row_are_that_rows(sub_head):
    indent = " " * (len(sub_head) - len(sub_head.lstrip()))
    letter = (TOP + "TAKE HOME MEDICINES\n"
              "Medicine                          Dose      Freq     Qty       Status\n" + sub_head + "\n"
              "Oxycodone 5mg/5ml liquid          5-10mg    PRN      250ml     New\n"
              + indent + "5-10ml every 2-4 hours if needed for pain, no more than 5 doses\n"
              + indent + "in 24 hours. 10 days supplied.\n"
              "Paracetamol 500mg tablets         1g        QDS      56        New\n"
              + indent + "every 4-6 hours, max 4 doses a day\n\nGP: review the oxycodone.\n")
    rx = _rx(letter, "oxycodone")
    assert len(rx) == 1 and rx[0].frequency_per_day_max == 5 and rx[0].prn


# --- an "Admin instructions" / "Special instructions" column holds the directions, and its maximum caps the row ------
@pytest.mark.parametrize("col", ["Admin instructions", "Special instructions", "Administration directions"])
def test_an_instructions_column_caps_the_row(col):
    letter = (TOP + "| Medicine | Dose | Frequency | " + col + " | Supply | Status |\n"
              "| Codeine 30mg tablets | 30-60mg | 4-6 hourly PRN | for pain; max 3 doses in 24 hours | 20 | New |\n"
              "| Amlodipine 5mg tablets | 5mg | OD | morning | POD | Continued |\n\nGP to review.\n")
    rx = _rx(letter, "codeine")
    assert len(rx) == 1 and rx[0].frequency_per_day_max == 3


def test_a_supply_line_above_the_change_that_prescribes_the_drug_names_no_prescription():
    letter = (TOP + "Medicines on discharge:\nBuprenorphine patch - see changes\nParacetamol 1g QDS\n"
              "Supplied: BuTrans 10 x 4 patches; paracetamol 100.\n\n"
              "Changes to medicines:\nBuTrans 10 micrograms/hour patch, one patch every 7 days - started for hip pain.\n")
    rx = _rx(letter, "buprenorphine")
    assert len(rx) == 1 and rx[0].strength_mcg_per_hour == 10


# --- a letter to a care home that labels the home's own requests: its unlabelled opioid requests are the GP's -------
CARE = (TOP.replace("Diagnosis", "Discharged to: Elm Court Care Home\nDiagnosis") +
        "Medicines on discharge:\nOxycodone 5mg capsules 5mg 4-hourly when required for hip pain, 20 caps - new\n\n")


@pytest.mark.parametrize("label", ["Care home: please record each dose on the MAR chart.",
                                   "Nursing home staff - please weigh her weekly.",
                                   "District nurses: please check the wound on Monday."])
def test_a_labelled_request_to_the_home_leaves_the_bare_one_to_the_gp(label):
    x = extract_letter(CARE + label + "\nPlease review the oxycodone at 2 weeks with a view to stopping it.\n")
    assert x.gp_instruction.present and "review the oxycodone" in x.gp_instruction.text


def test_a_bare_request_in_a_letter_to_a_care_home_stays_the_homes():
    x = extract_letter(CARE + "Please stop the oxycodone when her pain settles and return any left.\n")
    assert not x.gp_instruction.present


# --- "as the <kind of> pain settles" times a step-down as well as "as the pain settles" ------------------------------
WEAN_HEAD = TOP + "Medicines on discharge:\nOramorph 10mg/5ml 2.5-5mg 4-hourly when required, 100ml - new\n\n"


@pytest.mark.parametrize("plan, wean", [
    ("Plan: Oramorph to be reduced and stopped as the post-operative pain settles. MXL unchanged.", True),
    ("Oramorph to be reduced as her hip pain improves.", True),
    ("Cut the Oramorph down and stop it as his post-op wound pain eases.", True),
    ("Take the Oramorph as the pain requires.", False)])
def test_a_step_down_as_a_kind_of_pain_settles_is_a_plan(plan, wean):
    assert extract_letter(WEAN_HEAD + plan + "\n").weaning_plan.present is wean


# --- a patch change told "from X to Y micrograms/hour" is read at its new strength, however long the words before ---
@pytest.mark.parametrize("line, mcg", [
    ("BuTrans patch increased from 10 to 15 micrograms/hour, one patch every 7 days - hip pain.", 15),
    ("Butec 7-day patch reduced from 20 to 10 micrograms/hour, change weekly (drowsy).", 10),
    ("Transtec patch reduced from 52.5 to 35 micrograms/hour, twice weekly.", 35),
    ("Fentanyl matrix patch was increased from 12 to 25 micrograms/hour, every 72 hours.", 25)])
def test_a_patch_changed_from_one_strength_to_another_is_the_new_one(line, mcg):
    letter = TOP + "Medicines on discharge:\nPatch - see changes\nParacetamol 1g QDS\n\nChanges to medicines:\n" + line + "\n"
    rx = [o for o in extract_letter(letter).opioids if o.formulation == "patch"]
    assert len(rx) == 1 and rx[0].strength_mcg_per_hour == mcg


# --- a patch told first as a change story, then listed with its directions: the listed one is the prescription ------
def test_a_listed_patch_after_its_change_story_keeps_the_list_and_its_supply():
    letter = (TOP + "What we changed\n- Her fentanyl patch has been INCREASED from 25 to 50 micrograms/hour this week.\n\n"
              "Medicines to take home:\n1. Fentanyl 50 micrograms/hour patch - apply ONE patch every 72 hours - 10 patches\n"
              "2. Paracetamol 1g QDS\n")
    rx = _rx(letter, "fentanyl")
    assert len(rx) == 1 and rx[0].strength_mcg_per_hour == 50
    assert letter[rx[0].span[0]:].startswith("Fentanyl 50") and rx[0].supply_quantity == "10 patches"


# --- a request after "Dear Dr X," names the GP: it is the GP instruction before a "GP to ..." tail of another's note --
@pytest.mark.parametrize("dear", ["Dear Dr Shah, please", "Dear Dr. Shah - please", "Dear colleague, please"])
def test_a_request_after_the_salutation_is_the_gps(dear):
    letter = (TOP + "Medicines on discharge:\nTramadol MR 100mg tablets 100mg BD - 14 tablets - continued\n\n"
              "Pharmacy note (A Lee): tramadol MR supply cut to 7 days, more at home; GP to continue.\n"
              + dear + " continue the tramadol MR on repeat at the same dose for his back pain.\n")
    x = extract_letter(letter)
    assert x.gp_instruction.present and "on repeat" in x.gp_instruction.text and "Pharmacy" not in x.gp_instruction.text


# --- a supply line's item gives its quantity to the one listed prescription of that drug ---------------------------
@pytest.mark.parametrize("supply, qty", [
    ("Supplied: oxycodone liquid 250ml bottle; senna 20 tabs", "250 ml"),
    ("Dispensed: Oxycodone 5mg/5ml 100ml, Laxido 20 sachets", "100 ml"),
    ("TTO supplied: OxyNorm liquid x 1 (250 ml); lactulose 300ml", "250 ml")])
def test_a_supply_line_gives_the_listed_liquid_its_quantity(supply, qty):
    letter = TOP + "Medicines on discharge:\nOxycodone 5mg/5ml oral solution 5mg every 4 hours if needed\nSenna 15mg ON\n" + supply + "\n"
    rx = _rx(letter, "oxycodone")
    assert len(rx) == 1 and rx[0].supply_quantity == qty


@pytest.mark.parametrize("supply, qty", [("Supplied: Durogesic 25 x 5 patches; paracetamol 100", "5 patches"),
                                         ("Supplied: tramadol 30 caps, diclofenac 15 tabs", "30 capsules")])
def test_a_supply_line_gives_a_patch_or_capsule_count(supply, qty):
    generic = "fentanyl" if "Durogesic" in supply else "tramadol"
    item = ("Fentanyl 25 micrograms/hour patch - apply every 72 hours" if generic == "fentanyl" else
            "Tramadol 50mg capsules 1-2 caps QDS PRN for pain - NEW")
    letter = TOP + "Medicines on discharge:\n" + item + "\nParacetamol 1g QDS\n" + supply + "\n"
    rx = _rx(letter, generic)
    assert len(rx) == 1 and rx[0].supply_quantity == qty


# --- an amendment told with an arrow ("qty reduced 30 -> 20 caps") changes the quantity -----------------------------
@pytest.mark.parametrize("note, qty", [
    ("Pharmacist amendment: tramadol qty reduced 30 -> 20 caps per trust policy.", "20 capsules"),
    ("Pharmacy amendment: tramadol quantity changed from 30 caps \u2192 12 caps (agreed with FY1).", "12 capsules")])
def test_an_arrow_amendment_changes_the_quantity(note, qty):
    letter = (TOP + "Medicines on discharge:\nTramadol 50mg capsules 1-2 caps QDS PRN for pain - NEW\nParacetamol 1g QDS\n"
              "Supplied: tramadol 30 caps, paracetamol 32 tabs\n" + note + "\n")
    rx = _rx(letter, "tramadol")
    assert len(rx) == 1 and rx[0].supply_quantity == qty and rx[0].frequency_per_day_max == 4


# --- "Changes to medicines with reasons:" is the changes heading; each item's status is read in its own clause -------
@pytest.mark.parametrize("head", ["Changes to medicines with reasons:", "Medication changes and reasons:",
                                  "Changes to medications with reasons for change:"])
def test_a_changes_heading_with_reasons_gives_each_item_its_status(head):
    letter = (TOP + "Medicines on admission:\nZomorph 30mg BD\nAmlodipine 5mg OD\n\nMedicines on discharge:\n"
              "Zomorph 60mg capsules ONE capsule twice daily\nOramorph 10mg/5ml 5ml every 4 hours when required for pain\n"
              "Amlodipine 5mg OD\n\n" + head + " Zomorph increased from 30mg BD to 60mg BD - flare pain; Oramorph added "
              "for breakthrough.\nMedicines stopped: nil\n")
    x = extract_letter(letter)
    by = {o.formulation: o for o in x.opioids if o.generic == "morphine"}
    assert by["MR"].new_on_admission is False and by["liquid"].new_on_admission is True
