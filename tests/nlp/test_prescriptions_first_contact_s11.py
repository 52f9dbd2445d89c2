"""Prescription-level classes found in session 11 (fresh50-51 after their first contact, fresh52-55). Letters
written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _rxs(letter):
    return extract_letter(letter).opioids


def _reasons(letter):
    return sorted((d.generic, d.reason) for d in extract_letter(letter).distractors)


# a hard-wrapped prose letter whose line ends on a dose in brackets: the sig goes on on the next line
@pytest.mark.parametrize("bracket", ["(2.5 to 5 ml)", "(2.5 to 5 mL)", "(2.5 - 5 ml)", "(5 to 10 mg)"])
def test_a_wrapped_line_ending_on_a_bracketed_dose_goes_on_with_its_sig(bracket):
    letter = (
        "Dear Dr Okafor,\n\n"
        "He has done well and his grafts have taken (about 95% take). His\n"
        "dressing changes in theatre were done under ketamine and alfentanil and,\n"
        "on the ward, with Entonox and oral morphine. He goes home to be seen in\n"
        "the burns dressing clinic on alternate days.\n\n"
        "For background burn pain he has Zomorph 10 mg capsules twice a day,\n"
        "which we started on the unit, and for the dressing changes and\n"
        f"breakthrough pain he has Oramorph 10 mg/5 ml, 5 to 10 mg {bracket}\n"
        "up to every four hours when required, ideally half an hour before each\n"
        "dressing; a 300 ml bottle has been supplied. For the itch that troubles\n"
        "him at night we started cetirizine 10 mg daily alongside emollients.\n"
    )
    rxs = {rx.brand: rx for rx in _rxs(letter)}
    assert set(rxs) == {"Zomorph", "Oramorph"}
    oramorph = rxs["Oramorph"]
    assert (oramorph.frequency_per_day_max, oramorph.prn, oramorph.supply_quantity) == (6, True, "300 ml")


def test_a_line_ending_on_a_bracketed_time_is_not_taken_as_wrapped():
    # (a terse note's line ending "(time known 2130)" ends its own entry)
    letter = (
        "adm after OD ~20 x co-codamol 30/500 (time known 2130)\n"
        "paracetamol level 142 -> NAC completed, LFTs normal\n"
        "no resp depression, no naloxone needed\n"
        "TTO: nil\n"
    )
    assert _rxs(letter) == []


# a discharge list that starts mid-paragraph ("... TTO: ...") is read from its heading: a stop told before it is not its own
@pytest.mark.parametrize("before, heading", [
    ("She had a morphine PCA for 36 hours, which was then stopped.", "TTO:"),
    ("The epidural was discontinued on day 2.", "Discharge medications:"),
    ("His tramadol was stopped because of confusion.", "TTOs:"),
])
def test_an_inline_discharge_list_is_read_from_its_heading(before, heading):
    letter = (
        "Dear Dr Lane,\n\n"
        f"Her recovery was straightforward. {before} {heading} co-dydramol 10/500 two tablets four times a day "
        "when required, maximum eight tablets in 24 hours, 5/7, 40 tablets; and oxycodone 5 mg capsules, one capsule "
        "when required for severe pain, no more than 20 mg in 24 hours, x10. Follow-up in clinic in 6 weeks.\n"
    )
    rxs = {rx.generic: rx for rx in _rxs(letter)}
    assert set(rxs) == {"dihydrocodeine", "oxycodone"}
    assert (rxs["oxycodone"].frequency_per_day_max, rxs["dihydrocodeine"].supply_quantity) == (4, "40 tablets")


# "as agreed with her and her husband": a relative spoken with, not the owner of the drug that follows
@pytest.mark.parametrize("lead", [
    "As agreed with her and her husband, anticipatory medicines have been supplied for the district nurses:",
    "After discussion with him and his daughter we have started",
    "Having spoken with the patient and her son, we have supplied",
])
def test_a_relative_spoken_with_alongside_the_patient_is_not_the_owner(lead):
    letter = (
        "Dear Dr Gillies,\n\n"
        f"{lead} morphine sulfate 10 mg/ml injection, 2.5 to 5 mg subcutaneously every two hours as required for "
        "pain, maximum six doses in 24 hours (10 ampoules).\n"
    )
    [rx] = _rxs(letter)
    assert (rx.generic, rx.route, rx.frequency_per_day_max) == ("morphine", "subcutaneous", 6)
    assert ("morphine", "family") not in _reasons(letter)


def test_a_relatives_own_medicine_is_still_family():
    letter = "Social: lives with her husband, who takes tramadol 50 mg for his back.\n\nTTO: paracetamol 1 g qds.\n"
    assert _rxs(letter) == []
    assert ("tramadol", "family") in _reasons(letter)


# a passive stop belongs to the drug before it: "X has been stopped and she should not take it alongside Y"
@pytest.mark.parametrize("stop", ["has been stopped", "was stopped", "has now been discontinued", "is stopped"])
def test_a_passive_stop_is_its_subjects_not_the_drug_after_it(stop):
    letter = (
        "Dear Dr Petrie,\n\n"
        "For pain I have prescribed OxyContin 10 mg twice daily for five days and then stop, ten tablets supplied. "
        f"Her pre-operative co-codamol 30/500 {stop} and she should not take it alongside the oxycodone.\n"
    )
    [rx] = _rxs(letter)
    assert (rx.brand, rx.dose_mg_max, rx.duration_days) == ("OxyContin", 10.0, 5)
    assert ("codeine", "stopped") in _reasons(letter)


def test_an_active_stop_still_stops_the_drug_after_it():
    letter = "Dear Dr Petrie,\n\nShe has a BuTrans patch, and we have stopped the co-codamol.\n\nTTO: BuTrans 5 micrograms/hour patch weekly.\n"
    assert ("codeine", "stopped") in _reasons(letter)


# "off all oxycodone within two weeks": a limit for every prescription of the drug that has none of its own
@pytest.mark.parametrize("sentence", [
    "She should be off all oxycodone within two weeks of discharge.",
    "GP: please stop all of her oxycodone within 14 days.",
])
def test_a_limit_on_all_of_a_drug_reaches_each_prescription_without_its_own(sentence):
    letter = (
        "Dear Dr Petrie,\n\n"
        "For pain I have prescribed OxyContin 10 mg twice daily for five days and then stop, ten tablets supplied, "
        "together with OxyNorm 5 mg capsules, one capsule up to four times a day if needed for pain, 28 capsules. "
        f"{sentence}\n"
    )
    rxs = {rx.brand: rx for rx in _rxs(letter)}
    assert (rxs["OxyContin"].duration_days, rxs["OxyNorm"].duration_days) == (5, 14)


# noun-first list headings ("MEDICINES UNCHANGED", "Meds started", "Medications amended") are discharge lists: an item
# under them is not under the "stopped" list above
@pytest.mark.parametrize("started, changed, unchanged", [
    ("MEDICINES STARTED", "MEDICINES CHANGED", "MEDICINES UNCHANGED"),
    ("Medications started", "Medications amended", "Medications continued"),
    ("Meds new", "Meds changed", "Meds unchanged"),
])
def test_noun_first_list_headings_are_discharge_lists(started, changed, unchanged):
    letter = (
        "Allergies: Nil known\n\n"
        f"{started}\n"
        "  > Doxycycline 100mg - 100mg once a day, 3 more days (3 capsules)\n"
        f"{changed}\n"
        "  > Oramorph 10mg/5ml oral solution - now 5-10mg (2.5-5ml) up to 4 times a day as needed (previously 2.5-5 mg); 200ml supplied\n"
        "MEDICINES STOPPED\n"
        "  > Salbutamol nebules - back to inhaler\n"
        f"{unchanged}\n"
        "  > MST Continus 20mg tablets - 20mg twice a day (own supply)\n"
        "  > Atorvastatin 20mg - at night\n"
    )
    rxs = {rx.brand: rx for rx in _rxs(letter)}
    assert set(rxs) == {"Oramorph", "MST Continus"}
    assert (rxs["MST Continus"].dose_mg_max, rxs["MST Continus"].new_on_admission) == (20.0, False)
    assert (rxs["Oramorph"].dose_mg_max, rxs["Oramorph"].frequency_per_day_max) == (10.0, 4)


# a prose statement that says the drug goes on ("We have continued the tapentadol ...") is not undone by a stop told
# of the same drug elsewhere in the letter
@pytest.mark.parametrize("kept", [
    "We have continued the tapentadol modified-release 50 mg twice daily unchanged (own supply).",
    "I have continued her tapentadol modified-release 50 mg twice daily (own supply).",
])
def test_a_drug_said_to_go_on_is_not_undone_by_a_stop_elsewhere(kept):
    letter = (
        "Dear Dr Whitcombe,\n\n"
        "She has severe osteoarthritis of both knees; she has been on Palexia SR 50 mg twice a day for the knee pain, "
        f"started by the orthopaedic team about a year ago. {kept} She took tramadol before the Palexia, but it was "
        "stopped because of the interaction risk with her sertraline.\n"
    )
    [rx] = _rxs(letter)
    assert (rx.generic, rx.formulation, rx.dose_mg_max, rx.frequency_per_day_max) == ("tapentadol", "MR", 50.0, 2)


# an oral solution told before an anticipatory list is its own prescription, not the story of the injection of the
# same drug listed under the anticipatory heading
@pytest.mark.parametrize("heading", ["JIC (anticipatory) meds - supplied:", "Anticipatory medicines:", "Just in case meds:"])
def test_an_oral_solution_is_not_folded_into_the_injection_of_the_same_drug(heading):
    letter = (
        "Rapid d/c home - PPC\n\n"
        "Meds:\n"
        "MST continus 60mg bd (up from 40mg bd) - TTO 14/7\n"
        "oramorph 10mg/5ml 10-20mg 2hrly prn for breakthrough pain, 300ml\n"
        f"{heading}\n"
        "  morphine sulfate 10mg/ml inj 2.5-5mg SC 1hrly prn pain/SOB, 10 amps\n"
        "  midazolam 10mg/2ml inj 2.5-5mg SC 1hrly prn agitation, 10 amps\n"
    )
    rxs = sorted(((rx.formulation, rx.route, rx.dose_mg_max) for rx in _rxs(letter)), key=str)
    assert rxs == [("MR", "oral", 60.0), ("liquid", "oral", 20.0), ("liquid", "subcutaneous", 5.0)]


# a volume told with its frequency is the dose of a liquid, however large ("methadone 1mg/ml 60ml OD"); a volume alone
# is the amount supplied
@pytest.mark.parametrize("line, dose", [
    ("methadone 1mg/ml 60ml OD - cont via Boots (supervised)", 60.0),
    ("methadone 1 mg/ml oral solution 70 ml once daily, supervised", 70.0),
    ("Methadone mixture 1mg/1ml - 45mls daily (pick up from pharmacy)", 45.0),
])
def test_a_large_volume_with_its_frequency_is_a_liquid_dose(line, dose):
    [rx] = _rxs(f"Discharge medications:\n- {line}\n")
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) == (dose, 1, None)


def test_a_large_volume_without_a_frequency_is_still_the_supply():
    [rx] = _rxs("Discharge medications:\n- Oramorph 10mg/5ml 2.5-5ml 4-hourly prn, 100ml\n")
    assert (rx.dose_mg_max, rx.supply_quantity) == (10.0, "100 ml")


# an item's fields on bulleted sub-lines ("   • Dose: 5mg (5ml)") are its cells, whatever the bullet
@pytest.mark.parametrize("bullet", ["•", "◦", "▪", "–"])
def test_bulleted_field_lines_under_an_item_are_its_cells(bullet):
    letter = (
        "Medicines to take home\n"
        "1. Fentanyl 12 micrograms/hour transdermal patch (Matrifen)\n"
        f"   {bullet} Dose: one patch\n"
        f"   {bullet} Directions: change every 72 hours\n"
        f"   {bullet} Supply: 5 patches\n"
        f"   {bullet} Status: usual - continued\n"
        "2. Oxycodone 5mg/5ml oral solution (OxyNorm liquid)\n"
        f"   {bullet} Dose: 5mg (5ml)\n"
        f"   {bullet} Directions: every 4 hours when required for pain, maximum 4 doses in 24 hours\n"
        f"   {bullet} Supply: 250ml\n"
        f"   {bullet} Status: new\n"
    )
    rxs = {rx.generic: rx for rx in _rxs(letter)}
    oxy, fent = rxs["oxycodone"], rxs["fentanyl"]
    assert (oxy.dose_mg_max, oxy.frequency_per_day_max, oxy.prn, oxy.supply_quantity, oxy.new_on_admission) == \
        (5.0, 4, True, "250 ml", True)
    assert (fent.supply_quantity, fent.new_on_admission) == ("5 patches", False)


# a screening pharmacist's item notes under an "AMENDED ...:" line change the numbered rows they name
@pytest.mark.parametrize("heading", [
    "Screening pharmacist (D. Mwangi) - AMENDED before dispensing:",
    "TTO amended by pharmacy at clinical check:",
])
def test_numbered_item_notes_under_an_amended_heading_change_their_rows(heading):
    letter = (
        "TTO\n"
        "No  Drug                         Dose      Freq              Days  Qty       New/Cont\n"
        "1   OxyNorm 5mg capsules          5-10mg    4-hrly PRN        14    56 caps   New\n"
        "2   Codeine phosphate 30mg tabs   30mg      QDS PRN           7     28 tabs   New\n"
        "3   Paracetamol 500mg tabs        1g        QDS               14    112 tabs  New\n"
        "\n"
        f"{heading}\n"
        "  - Item 1: supply reduced to 7 days (28 capsules) per trust post-op opioid policy; \"max 4 doses in 24 hours\" added.\n"
        "  - Item 2: deleted - two opioids not needed, team agreed.\n"
        "  - Item 3: checked, no change.\n"
    )
    [rx] = _rxs(letter)
    assert (rx.brand, rx.frequency_per_day_max, rx.supply_days, rx.supply_quantity) == ("OxyNorm", 4, 7, "28 capsules")
    assert ("codeine", "stopped") in _reasons(letter)


def test_a_correction_told_with_who_agreed_it_still_changes_the_item():
    letter = (
        "TTO as prescribed:\n"
        "- OxyContin 10mg MR tablets, 10mg twice daily - usual, continued (patient's own supply)\n"
        "- Oxycodone 5mg capsules (OxyNorm), 5mg every 4 hours PRN for pleuritic pain, 30 caps - NEW\n\n"
        "Pharmacist screening note: OxyNorm amended with the team to \"max 4 doses in 24 hours\" given his age, and the\n"
        "quantity reduced to 20 capsules. Nothing else changed.\n"
    )
    rxs = {rx.brand: rx for rx in _rxs(letter)}
    assert set(rxs) == {"OxyContin", "OxyNorm"}
    assert rxs["OxyNorm"].frequency_per_day_max == 4


# "Meds:" heads the medicines list: the allergy line above it does not run on over the list
@pytest.mark.parametrize("allergy", ['ADR: codeine - "did not get on with it" (drowsy)', "Allergies: morphine (itch)",
                                     "Intolerances: tramadol - confusion"])
def test_a_meds_heading_ends_the_allergy_line_above(allergy):
    letter = (
        "Spinal day case - L4/5 microdiscectomy, d/c 04/11/25\n59M\n"
        f"{allergy}\n"
        "Meds:\n"
        "Palexia SR 50mg BD x 7/7 then stop - NEW (14 tabs)\n"
        "Oxynorm 5mg 1 cap 4hrly prn, max 3 caps/24h - NEW (10 caps)\n"
    )
    rxs = {rx.generic: rx for rx in _rxs(letter)}
    assert set(rxs) == {"tapentadol", "oxycodone"}
    assert (rxs["oxycodone"].frequency_per_day_max, rxs["tapentadol"].duration_days) == (3, 7)


# a stop told of one form ("the oxycodone MR was stopped during the switch") does not undo another form of the same
# drug told after it in prose (the OxyNorm liquid, the injection)
@pytest.mark.parametrize("stop", ["the oxycodone MR was stopped during the switch.",
                                  "his oxycodone modified-release has been stopped."])
def test_a_stop_of_one_form_does_not_undo_another_form_of_the_drug(stop):
    letter = (
        "Dear Dr Trelawny,\n\n"
        "Before coming in he was on oxycodone MR 40 mg twice a day with poor effect. We converted him to methadone, "
        "which he now takes as methadone 1mg/ml oral solution 10 mg (10 ml) three times a day, 300 ml supplied; "
        f"{stop} For breakthrough pain he has OxyNorm liquid 5mg/5ml, 5 mg (5 ml) when required, up to six doses in "
        "24 hours, 250 ml. We have left him with oxycodone 10mg/ml injection, 2.5 mg subcutaneously when required "
        "for pain, 5 ampoules, for the district nurses.\n"
    )
    forms = sorted((rx.generic, rx.formulation, rx.route) for rx in _rxs(letter))
    assert forms == [("methadone", "liquid", "oral"), ("oxycodone", "liquid", "oral"), ("oxycodone", "liquid", "subcutaneous")]


# a drug heading joined to a strength or form heading ("Medicine & strength", "Drug + form") and a row-number heading
# "Rx#" are table headings: the table is read by its columns
@pytest.mark.parametrize("num, drug", [("Rx#", "Medicine & strength"), ("Item no.", "Drug + form"),
                                       ("No", "Medication and strength")])
def test_joined_drug_headings_make_a_table(num, drug):
    letter = (
        "MEDICINES TO TAKE OUT (TTO)\n"
        f"{num:<4}| {drug:<30} | Amount  | Directions            | Via | Days | Issue | State   | Note\n"
        "----+--------------------------------+---------+-----------------------+-----+------+-------+---------+------\n"
        "01  | Oxycodone 5mg caps (Shortec)   | 5-10mg  | 4-6 hrly PRN, max 4   | PO  | 7    | 28    | STARTED | hip pain\n"
        "    |                                |         | doses in 24h          |     |      |       |         |\n"
        "02  | Codeine phosphate 30mg tabs    | 30mg    | QDS                   | PO  | -    | -     | STOPPED | drowsy\n"
    )
    [rx] = _rxs(letter)
    assert (rx.generic, rx.frequency_per_day_max, rx.supply_days, rx.supply_quantity) == ("oxycodone", 4, 7, "28 capsules")


# ward doses told by their count or place in a terse note are not the TTO
@pytest.mark.parametrize("line, generic", [
    ("Analgesia: Oramorph 10mg x1 on day 1 only. Happy w/ para + ibu.", "morphine"),
    ("Oramorph 10mg given x1 by AMU before r/v - not helpful.", "morphine"),
    ("Oxycodone 2.5mg prn given x2 on obs ward - not for TTO (pain controlled w/ paracetamol).", "oxycodone"),
    ("Inpt: aciclovir IV->PO completed. oramorph 5mg used x3.", "morphine"),
])
def test_ward_doses_told_by_count_or_place_are_inpatient_only(line, generic):
    letter = f"SDEC d/c 13/10/25\n45F\n{line}\nTTO:\n  paracetamol 1g qds prn\n"
    assert _rxs(letter) == []
    assert (generic, "inpatient_only") in _reasons(letter)


@pytest.mark.parametrize("heading", ["Ward only - NOT on TTO:", "Inpatient only - not for discharge:"])
def test_a_ward_only_heading_with_not_on_tto_is_inpatient(heading):
    letter = f"TTO: paracetamol 1g qds\n\n{heading} oxycodone 5mg PRN (used x3 during admission).\n"
    assert _rxs(letter) == []
    assert ("oxycodone", "inpatient_only") in _reasons(letter)


@pytest.mark.parametrize("line", ["On adm: co-codamol 8/500 prn OTC - not taking now",
                                  "the GP list has co-codamol 8/500 prn but she has not taken it for months"])
def test_a_drug_not_taken_now_is_historical(line):
    letter = f"PMH: OA knees\n{line}\nTTO:\n 1) Oxycontin 10mg bd x 7/7 (14 tabs)\n"
    assert [rx.generic for rx in _rxs(letter)] == ["oxycodone"]
    assert any(g == "codeine" and r in ("historical", "admission") for g, r in _reasons(letter))


def test_an_intolerance_under_an_admission_heading_is_an_allergy():
    letter = "Meds on adm: nil regular. Tramadol tried by GP 2024 - vomited, didn't tolerate.\n\nTTA:\n paracetamol 1g qds\n"
    assert ("tramadol", "allergy") in _reasons(letter)


# "Both stopped." told in the next sentence stops the drugs of the sentence before it
@pytest.mark.parametrize("after", ["Both stopped; two doses of naloxone were needed.", "Both were stopped on day 1.",
                                   "These have been discontinued."])
def test_both_stopped_in_the_next_sentence_stops_the_drugs_before(after):
    letter = (
        "Dear Dr Ames,\n\n"
        f"Admitted drowsy with myoclonus on morphine MR 10mg BD plus codeine 30mg QDS from her GP. {after}\n\n"
        "TTO: paracetamol 1g qds\n"
    )
    assert _rxs(letter) == []
    reasons = dict(_reasons(letter))
    assert reasons.get("codeine") == "stopped" and reasons.get("morphine") in ("stopped", "historical")


# a negation hard-wrapped away from its cue still negates it ("should not\nbe restarted")
def test_a_negation_wrapped_onto_the_line_above_still_negates():
    letter = (
        "Dear Dr Ames,\n\n"
        "Mrs Carter, 88, was admitted with hypoactive delirium secondary to a\n"
        "urinary tract infection and constipation. Her medicines were reviewed by the\n"
        "ward pharmacist and by me. Her regular codeine phosphate 15 mg four times a\n"
        "day, which she had been taking for knee pain, has been stopped and should not\n"
        "be restarted; her knee pain has been well controlled on regular paracetamol\n"
        "and topical diclofenac. We avoided further opioids on the ward and she is much\n"
        "brighter now; she goes back to her care home with her usual medicines.\n"
    )
    assert _rxs(letter) == []
    assert dict(_reasons(letter)).get("codeine") in ("stopped", "historical")


# a dose told, then the tablets that make it up in brackets: the strength is the tablet's, the dose the one told
@pytest.mark.parametrize("line, strength, dose", [
    ("MST Continus 40 mg twice daily (2 x 20 mg tablets per dose), 56 tablets", 20.0, 40.0),
    ("Zomorph 30mg bd (two 15mg capsules)", 15.0, 30.0),
    ("Oxycodone 10mg (2 x 5mg caps) qds prn", 5.0, 10.0),
])
def test_a_dose_made_of_tablets_told_in_brackets(line, strength, dose):
    [rx] = _rxs(f"Discharge medications:\n- {line}\n")
    assert (rx.strength_mg, rx.dose_mg_max) == (strength, dose)


# a taper told in words ("for a further five days before stopping"): the dose spans the steps, the duration sums them
@pytest.mark.parametrize("further", ["for a further five days", "for another 5 days", "for the next five days"])
def test_a_taper_step_for_a_further_period(further):
    [rx] = _rxs("TTO:\n- oxycodone modified-release 10 mg twice a day for five days and then 5 mg twice a day "
                f"{further} before stopping\n")
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.duration_days) == (5.0, 10.0, 10)


# ", so ..." begins a part of its own: a past told before it ("He was using four doses a day") is not this drug's
@pytest.mark.parametrize("conj", ["so", "hence", "therefore"])
def test_a_result_clause_is_not_dated_by_the_clause_before(conj):
    letter = (
        "Dear Dr Ash,\n\n"
        "He had been taking Zomorph 40 mg twice daily. He was using four or five breakthrough doses a day, "
        f"{conj} the Zomorph has been increased to Zomorph 60 mg twice daily, continuing his usual Oramorph 10 mg/5 ml, "
        "10 ml (20 mg) two-hourly as required for breakthrough pain.\n"
    )
    doses = sorted((rx.formulation, rx.dose_mg_max) for rx in _rxs(letter))
    assert doses == [("MR", 60.0), ("liquid", 20.0)]


# the statement that sends a drug home is the prescription; a change told of it before adds its story
def test_the_going_home_statement_is_the_prescription_and_the_change_story_adds_to_it():
    letter = (
        "Dear Dr Ash,\n\n"
        "He was already on Longtec 30mg twice daily when he came in. He was using four or five doses of OxyNorm a day, "
        "so we increased his Longtec from 30mg to 40mg twice daily, and over the last three days he has needed one or "
        "two breakthrough doses a day.\n\n"
        "He goes home on Longtec 40mg twice a day and paracetamol 1g QDS (7 days of each supplied).\n"
    )
    [rx] = _rxs(letter)
    assert (rx.dose_mg_max, rx.supply_days, rx.dose_change, rx.previous_dose_mg) == (40.0, 7, "increased", 30.0)


# "last dose given on the ward" tells when the next dose is due, not a ward-only drug
@pytest.mark.parametrize("line", [
    "Confirmed dose w/ pharmacy: methadone 1mg/ml 60ml OD - cont, last dose given on ward 08:40 20/10/25, next from pharmacy 21/10.",
    "He takes methadone 1 mg/ml oral solution 60 mg once daily, supervised; his last dose was given on the ward at 08:30.",
])
def test_a_last_dose_given_on_the_ward_goes_on_at_home(line):
    letter = f"AMU d/c 20/10/25\n52M\n{line}\nTTO:\nflucloxacillin 1g qds 7/7\n"
    [rx] = _rxs(letter)
    assert (rx.generic, rx.dose_mg_max, rx.frequency_per_day_max) == ("methadone", 60.0, 1)


def test_a_dose_only_given_on_the_ward_is_still_inpatient():
    letter = "AMU d/c\nOramorph 5mg given x2 on the ward overnight, not needed since.\nTTO:\nparacetamol 1g qds\n"
    assert _rxs(letter) == []


# "pre-adm X" / "Her pre-admission X" and "at home on her X" tell the drug taken before admission
@pytest.mark.parametrize("line, generic", [
    ("pre-adm codeine 30mg qds - changed to co-codamol 15/500", "codeine"),
    ("Pre-adm MST 30mg BD.", "morphine"),
    ("Her pre-admission Palexia SR dose was 100 mg twice daily.", "tapentadol"),
])
def test_a_drug_told_as_pre_admission_is_historical(line, generic):
    letter = f"R intertroch #NOF -> DHS. FWB.\n{line}\nNKDA\n\nTTO:\nparacetamol 1g qds\n"
    assert _rxs(letter) == []
    assert (generic, "historical") in _reasons(letter)


# a change proposed after the drug's name is a proposal, not the prescription
@pytest.mark.parametrize("request_", [
    "We would be grateful if you could review his response to the MST in two weeks and increase it to 10mg twice daily if he is tolerating it.",
    "Please review the MST at one week and then reduce it to 2.5 mg twice daily if the pain has settled.",
])
def test_a_change_proposed_after_the_name_is_no_prescription(request_):
    letter = ("Dear Dr Lowe,\n\nFor his breathlessness we have started MST Continus 5mg twice daily, 14 tablets supplied, "
              f"and lorazepam 0.5mg sublingually when required.\n\n{request_}\n")
    [rx] = _rxs(letter)
    assert rx.dose_mg_max == 5.0


# a dose used on the ward and "not on TTO" is inpatient only, whatever the TTO word; a heading "Medicines prescribed in
# hospital but NOT for discharge" heads inpatient doses
@pytest.mark.parametrize("letter", [
    "Inpatient course: IV fluids. Oxycodone 5mg PRN was used on the ward, not needed for 48h before d/c and not on TTO.\n\nTTO: paracetamol 1g qds\n",
    "Medicines prescribed in hospital but NOT for discharge:\n  Oxycodone 5mg capsules 5-10mg 4-hourly PRN\n  Ondansetron 4mg PRN\n\nTTO pack: paracetamol 1g qds\n",
])
def test_ward_doses_said_not_to_go_home(letter):
    assert _rxs(letter) == []
    assert ("oxycodone", "inpatient_only") in _reasons(letter)


# a margin-wrapped sentence may go on with a bracket ("2.5 ml" / "(2.5 mg) up to 4-hourly"), never with a list label
def test_a_wrapped_sentence_goes_on_with_a_bracket():
    letter = (
        "Dear Dr Pike,\n\n"
        "Mr Lane could not stand for pain when he came in. He was reluctant to take tablets and found the liquid\n"
        "easier, so for his osteoporotic L2 collapse pain I started a fentanyl patch, Matrifen 12 micrograms/hour, changed\n"
        "every 72 hours, and we have given him 5 patches. He also goes home with oxycodone oral solution 1 mg/ml, 2.5 ml\n"
        "(2.5 mg) up to 4-hourly as needed, a 250 ml bottle. For the spasm, diazepam 2 mg three times a day for 5 days.\n"
        "All three are new. He is now walking with a frame and the district nurses will change the patches.\n"
    )
    rxs = {rx.generic: rx for rx in _rxs(letter)}
    assert set(rxs) == {"fentanyl", "oxycodone"}
    assert (rxs["oxycodone"].frequency_per_day_max, rxs["oxycodone"].supply_quantity) == (6, "250 ml")


def test_a_list_label_in_brackets_starts_its_own_item():
    letter = (
        "Discharge medicines (all supplied by pharmacy, the team has checked each one with the patient and his wife):\n"
        "(a) Paracetamol 500mg tablets - 2 tablets four times a day when required for pain - 32 tablets\n"
        "(b) Dihydrocodeine 30mg tablets - 1 or 2 tablets four times a day when required - 56 tablets - stop after 7 days\n"
    )
    [rx] = _rxs(letter)
    assert (rx.generic, rx.dose_mg_max, rx.duration_days) == ("dihydrocodeine", 60.0, 7)


# bracketed arithmetic that explains the largest dose ("(2 x 5 mg = 10 mg max per dose)") is no dose of its own
@pytest.mark.parametrize("bracket", ["(2 x 5 mg = 10 mg max per dose)", "(2 × 5mg = 10mg)"])
def test_bracketed_dose_arithmetic_is_not_the_dose(bracket):
    [rx] = _rxs("TTO:\n- Shortec 5 mg capsules, one or two every four to six hours when required "
                f"{bracket}, no more than 30 mg in 24 hours, x20 capsules.\n")
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max) == (5.0, 10.0, 3)


# a sentence the margin cut ends on the next line before that line's own drug: its words are still its statement's
def test_a_wrapped_sentence_ends_on_a_line_that_names_another_drug():
    letter = (
        "Dear Dr Mackintosh,\n\n"
        "Mrs Abbot, 82, was admitted after a fall with a left pubic ramus fracture. She\n"
        "had been taking co-codamol 30/500 two tablets four times a day from the practice,\n"
        "which made her drowsy, so it was stopped on admission and should not be restarted.\n"
        "On the ward she needed oxycodone 2.5 mg x3 overnight, not continued. For pain on\n"
        "mobilising she goes home on Shortec 5 mg capsules, one or two every four to six\n"
        "hours when required (2 x 5 mg = 10 mg max per dose), no more than 30 mg in 24 hours,\n"
        "x20 capsules (5 days). We have also started Laxido one sachet twice daily.\n"
    )
    [rx] = _rxs(letter)
    assert (rx.brand, rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) == ("Shortec", 10.0, 3, "20 capsules")
