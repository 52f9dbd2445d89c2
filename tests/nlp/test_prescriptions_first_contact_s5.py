"""Classes of wording found by two first-contact gold sets (fresh3/fresh4): where a drug's status is written as a
section heading, an Action cell, an aside or a narrative of what changed. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _read(letter: str):
    return extract_letter(letter)


def _rx(ex) -> list[tuple[str, str]]:
    return sorted((r.generic, r.formulation) for r in ex.opioids)


def _distractors(ex) -> list[tuple[str, str]]:
    return sorted((d.generic, d.reason) for d in ex.distractors)


ACTION_TABLE = """Medicines reconciliation
Drug                        | Directions                 | Action       | Note
Tapentadol 50 mg tablets    | 50 mg four times a day prn | {a}          | {n}
Naproxen 250 mg tablets     | 250 mg three times a day   | Continue     |
"""


@pytest.mark.parametrize("action, note, is_rx", [
    ("Stop", "nausea", False),
    ("STOP", "", False),
    ("Discontinue", "no longer needed", False),
    ("Withhold", "until seen in clinic", False),
    ("New", "short course", True),
    ("Continue", "", True),
])
def test_action_cell_in_the_imperative(action, note, is_rx):
    ex = _read(ACTION_TABLE.format(a=action, n=note))
    assert (_rx(ex) == [("tapentadol", "IR")]) is is_rx
    assert (("tapentadol", "stopped") in _distractors(ex)) is (not is_rx)


AFTER_VISIT = """YOUR MEDICINES AFTER DISCHARGE
START taking these medications
  tapentadol 50 mg tablet
     Take 1 tablet by mouth every 6 (six) hours if needed for pain. Do not take more than 3 tablets in 24 hours.
     Dispense: 20 tablet
CHANGE how you take these medications
  oxycodone-naloxone 20-10 mg prolonged-release tablet (Targinact)
     Take 1 tablet by mouth 2 (two) times daily.
     Dispense: 56 tablet
CONTINUE taking these medications
  lansoprazole 15 mg capsule - Take 1 capsule by mouth daily.
STOP taking these medications
  co-dydramol 10/500 tablets
     Reason: replaced by tapentadol
"""


def test_patient_summary_sections_and_wrapped_items():
    """Sections named by what the patient does (START / CHANGE / CONTINUE / STOP taking), each item's directions
    on indented lines under its name, a figure echoed in words, a labelled quantity."""
    ex = _read(AFTER_VISIT)
    rx = {r.generic: r for r in ex.opioids}
    assert sorted(rx) == ["oxycodone", "tapentadol"]
    t, o = rx["tapentadol"], rx["oxycodone"]
    assert (t.dose_mg_max, t.frequency_per_day_max, t.prn, t.supply_quantity, t.new_on_admission) == \
        (50.0, 3, True, "20 tablets", True)
    assert (o.formulation, o.strength_mg, o.dose_mg_max, o.frequency_per_day_max, o.supply_quantity,
            o.new_on_admission) == ("MR", 20.0, 20.0, 2, "56 tablets", False)
    assert ("dihydrocodeine", "stopped") in _distractors(ex)


@pytest.mark.parametrize("cap, freq", [
    ("Do not take more than 4 capsules in 24 hours.", 4),
    ("You must not take more than 3 capsules in 24 hours.", 3),
    ("Never take more than 2 doses a day.", 2),
    ("Take as needed.", 6),
])
def test_a_cap_written_as_an_instruction(cap, freq):
    ex = _read("Discharge medicines\n- Oxycodone 5 mg capsules, one every 4 hours when required. " + cap + "\n")
    assert [r.frequency_per_day_max for r in ex.opioids] == [freq]


def test_a_drug_started_after_one_that_was_stopped_in_the_same_sentence():
    """The history words of the first drug ("he had been taking") do not reach a drug started later in the
    sentence; a drug joined to it (", with ...") shares its 'started' status."""
    ex = _read("Her pain was not helped by the codeine she had been taking for years, so we stopped it and started "
               "Longtec 10 mg twice daily, with Shortec 5 mg capsules every 4 hours as needed. She has ten days of "
               "Longtec and a 56 capsule pack of Shortec.\n")
    rx = {r.formulation: r for r in ex.opioids}
    assert sorted(rx) == ["IR", "MR"]
    assert (rx["MR"].new_on_admission, rx["IR"].new_on_admission) == (True, True)
    assert rx["MR"].supply_days == 10
    assert ("codeine", "historical") in _distractors(ex)


@pytest.mark.parametrize("joined, new", [
    (", with", True),
    (" plus", True),
    (". Separately, she uses her", None),          # another sentence: no shared status
    (" (new) and", None),                           # the status is the first drug's own
])
def test_status_shared_only_by_a_joined_drug(joined, new):
    ex = _read(f"We have started MST 10 mg twice a day{joined} Oramorph 10 mg/5 ml 2.5 ml every 4 hours when "
               "needed.\n")
    liquid = [r for r in ex.opioids if r.formulation == "liquid"]
    assert len(liquid) == 1 and liquid[0].new_on_admission is new


@pytest.mark.parametrize("sentence, pre_existing", [
    ("We have reduced her Butec from 10 to 5 micrograms/hour because of drowsiness.", False),
    ("We increased her usual buprenorphine patch.", False),
    ("The Butec should be reduced to 5 micrograms/hour at the next change if she is still drowsy.", None),
])
def test_a_change_told_in_another_sentence(sentence, pre_existing):
    ex = _read(sentence + "\n\nOn discharge:\n- Butec 5 micrograms/hour patch, one every 7 days\n")
    assert [r.new_on_admission for r in ex.opioids] == [pre_existing]


@pytest.mark.parametrize("line, new", [
    ("BuTrans 5 micrograms/hour patch (new), changed every seven days", True),
    ("BuTrans 5 micrograms/hour patch, changed weekly on Mondays", None),
    ("BuTrans 5 micrograms/hour patch, dose changed from 10", False),
])
def test_a_patch_change_interval_is_not_a_status(line, new):
    ex = _read("TTO:\n- " + line + "\n- Omeprazole 20 mg daily\n")
    assert [r.new_on_admission for r in ex.opioids] == [new]


@pytest.mark.parametrize("sentence, reason", [
    ("She needed a morphine PCA for two days, which has now been stopped.", "inpatient_only"),
    ("An oxycodone syringe driver was used and was then discontinued.", "inpatient_only"),
])
def test_a_ward_only_opioid_whose_stop_is_told_with_an_adverb(sentence, reason):
    ex = _read(sentence + "\n\nDischarge medicines:\n- Paracetamol 1 g four times a day\n")
    assert ex.opioids == [] and [d.reason for d in ex.distractors] == [reason]


@pytest.mark.parametrize("narrative", [
    "During the stay his Zomorph 20 mg twice daily was increased to 30 mg twice daily.",
    "Zomorph dose raised from 20 mg bd to 30 mg bd on 03/02 because of pain.",
    "Zomorph plan: 30 mg bd for one week, then 20 mg bd for one week, then stop.",
])
def test_the_story_of_a_listed_prescription_is_not_a_second_one(narrative):
    ex = _read("Summary\n" + narrative + "\n\nDischarge medicines\n- Zomorph 30 mg capsules twice daily, 14 days\n"
               "- Paracetamol 1 g four times daily\n")
    assert [(r.generic, r.formulation, r.dose_mg_max) for r in ex.opioids] == [("morphine", "MR", 30.0)]


def test_the_story_adds_what_the_list_lacks_but_never_its_numbers():
    ex = _read("Summary\nWe started Zomorph 20 mg twice daily for his metastatic bone pain; 14 days supplied.\n\n"
               "Discharge medicines\n- Zomorph 30 mg capsules twice daily\n")
    (rx,) = ex.opioids
    assert (rx.dose_mg_max, rx.supply_days, rx.new_on_admission) == (30.0, 14, True)


def test_a_narrative_of_another_form_stays_its_own_prescription():
    ex = _read("Summary\nWe also started oxycodone MR 10 mg twice daily.\n\n"
               "Discharge medicines\n- OxyNorm 5 mg capsules every 4 hours when required\n")
    assert sorted(r.formulation for r in ex.opioids) == ["IR", "MR"]


@pytest.mark.parametrize("line, reason", [
    ("- Butec 5 micrograms/hour patch weekly (was Butec 10 micrograms/hour until 02/03)", "historical"),
    ("- Zomorph 20 mg twice daily [previously MST 30 mg bd]", "historical"),
])
def test_a_drug_inside_a_previous_dose_aside(line, reason):
    ex = _read("Discharge medicines\n" + line + "\n- Omeprazole 20 mg daily\n")
    assert len(ex.opioids) == 1
    assert reason in [d.reason for d in ex.distractors]


@pytest.mark.parametrize("sentence, gone", [
    ("Because she was vomiting, her Zomorph 20 mg bd was converted to a fentanyl patch on 03/04.", True),
    ("His tramadol 50 mg qds has been switched to tapentadol.", True),
    ("Her Zomorph 20 mg bd was changed to 30 mg bd.", False),     # a dose change of the same drug
])
def test_a_drug_switched_away_from(sentence, gone):
    ex = _read("Summary\n" + sentence + "\n\nDischarge medicines\n- Fentanyl 12 micrograms/hour patch every 72 hours\n"
               "- Tapentadol 50 mg tablets four times a day when required\n")
    named = {"Zomorph": "morphine", "tramadol": "tramadol"}
    generic = next(v for k, v in named.items() if k in sentence)
    assert (generic in [r.generic for r in ex.opioids]) is (not gone)


@pytest.mark.parametrize("sentence, reason", [
    ("Inpatient course: codeine 30 mg qds for the first three days; stopped 14/05, no longer needed.", "stopped"),
    ("She had oral morphine 5 mg PRN on the ward for two days; this was stopped before discharge.", "inpatient_only"),
    ("In hospital he had two doses of Oramorph 5 mg every 4 hours overnight.", "inpatient_only"),
    ("She was given one dose of oxycodone 5 mg on the night of her operation.", "inpatient_only"),
])
def test_a_ward_dose_whose_end_or_setting_is_told_around_it(sentence, reason):
    ex = _read(sentence + "\n\nDischarge medicines:\n- Paracetamol 1 g four times a day\n")
    assert ex.opioids == [] and reason in [d.reason for d in ex.distractors]


@pytest.mark.parametrize("heading", ["4. MEDICATION ON DISCHARGE", "3) Discharge medicines", "2.1 TTO"])
def test_a_numbered_heading_is_the_same_heading(heading):
    ex = _read("1. DIAGNOSIS\n   Fractured wrist (ORIF)\n" + heading + "\n   4.1 Tapentadol 50 mg tablets - 50 mg four "
               "times a day when required - 20 tablets - NEW\n   4.2 Paracetamol 1 g QDS\n5. FOLLOW-UP\n   Clinic 2/52\n")
    assert [(r.generic, r.dose_mg_max, r.frequency_per_day_max, r.new_on_admission) for r in ex.opioids] == \
        [("tapentadol", 50.0, 4, True)]


def test_started_on_the_day_of_discharge_is_not_a_ward_dose():
    ex = _read("On the day of discharge the pain team started a buprenorphine 10 micrograms/hour seven-day patch "
               "(BuTrans) for her hip pain; she was supplied with 2 patches, the first applied on the ward.\n")
    assert [(r.generic, r.formulation, r.strength_mcg_per_hour) for r in ex.opioids] == \
        [("buprenorphine", "patch", 10.0)]


@pytest.mark.parametrize("sentence, reason", [
    ("Oral morphine made her vomit, so it was not used.", "allergy"),
    ("She says tramadol makes her very confused.", "allergy"),
    ("Codeine makes her itch, so we avoided it.", "other"),        # avoided: the corpus' 'other' wins
])
def test_an_intolerance_told_in_passing(sentence, reason):
    ex = _read(sentence + "\n\nDischarge medicines:\n- Paracetamol 1 g four times a day\n")
    assert ex.opioids == [] and [d.reason for d in ex.distractors] == [reason]


PALLIATIVE = """Medicines on discharge
  Zomorph 30 mg capsule - ONE twice a day for pain. New.  Supplied: 28 capsules

As required
  Oramorph 10 mg/5 ml oral solution - 5 ml (10 mg) every 2-4 hours when required. New.  Supplied: 100 ml

Just-in-case medicines - kept in the home for the community nursing team
  Morphine sulfate 10 mg/1 ml injection: 2.5-5 mg SC every hour when required for pain. New.  Supplied: 5 ampoules
"""


def test_sub_headings_belong_to_the_list_above_and_labelled_supplies():
    ex = _read(PALLIATIVE)
    got = sorted((r.route, r.frequency_per_day_max, r.supply_quantity, r.new_on_admission) for r in ex.opioids)
    assert got == [("oral", 2, "28 capsules", True), ("oral", 12, "100 ml", True),
                   ("subcutaneous", 24, "5 ampoules", True)]


def test_an_as_required_heading_alone_is_plain_text():
    """Without a list above it, 'As required' says nothing about discharge: a drug under it is read on its own."""
    ex = _read("Summary\nShe is well.\n\nAs required\n  Oramorph 10 mg/5 ml 5 ml every 4 hours when needed\n")
    assert [(r.generic, r.prn) for r in ex.opioids] == [("morphine", True)]


def test_a_how_to_take_column():
    ex = _read("Take-home medicines\nDrug | How to take | Supply\n"
               "Tapentadol 50 mg tablets | ONE tablet four times a day when required for 5 days, then stop | 20 tablets\n"
               "Senna 7.5 mg | TWO at night | 20 tablets\n")
    assert [(r.dose_mg_max, r.frequency_per_day_max, r.prn, r.duration_days) for r in ex.opioids] == [(50.0, 4, True, 5)]


def test_a_tto_line_and_the_patients_instructions_are_one_prescription():
    ex = _read("TTO: dihydrocodeine 30 mg tablets x28; ibuprofen 400 mg TDS x 21 tabs.\n\nINFORMATION FOR YOU\n"
               "You have been given dihydrocodeine 30 mg tablets. Take one or two tablets up to four times a day if "
               "you need them for pain. Stop taking it after 7 days.\n")
    assert [(r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max, r.prn, r.duration_days, r.supply_quantity)
            for r in ex.opioids] == [(30.0, 60.0, 4, True, 7, "28 tablets")]


def test_drugs_named_in_a_condition_of_use_are_context():
    """'... when the paracetamol and ibuprofen together are not enough, and she has been given 28 tablets': the
    condition names two other drugs; the quantity after them is still this prescription's."""
    ex = _read("I have prescribed codeine 30 mg tablets, one tablet up to four times a day when the paracetamol and "
               "naproxen together are not enough, and she has been given 28 tablets.\n")
    assert [(r.generic, r.prn, r.supply_quantity, r.new_on_admission) for r in ex.opioids] == \
        [("codeine", True, "28 tablets", True)]


@pytest.mark.parametrize("sentence, new", [
    ("For his wound pain we have given oxycodone 5 mg capsules, one every 6 hours as needed.", True),
    ("I have prescribed oxycodone 5 mg capsules, one every 6 hours as needed.", True),
    ("He takes oxycodone 5 mg capsules, one every 6 hours as needed.", None),
])
def test_prescribed_or_given_by_us_is_new(sentence, new):
    assert [r.new_on_admission for r in _read(sentence + "\n").opioids] == [new]


def test_a_dose_volume_echoed_in_mg_is_not_a_quantity():
    ex = _read("Discharge medicines\n- Methadone oral solution 1 mg/ml, 45 ml (45 mg) once daily, supervised\n"
               "- Oramorph 10 mg/5 ml, 2.5 ml (5 mg) every 4 hours when required, 100 ml\n")
    got = sorted((r.generic, r.dose_mg_max, r.supply_quantity) for r in ex.opioids)
    assert got == [("methadone", 45.0, None), ("morphine", 5.0, "100 ml")]


def test_a_changes_list_with_short_heading_and_a_restart():
    ex = _read("Meds changes:\n- Zomorph 10 mg BD STOPPED (drowsy)\n- co-codamol 30/500 2 tabs QDS PRN RESTARTED (usual, "
               "held during AKI)\n\nTTO:\nco-codamol 30/500 2 tabs QDS PRN, 56 tabs\n")
    assert [(r.generic, r.new_on_admission) for r in ex.opioids] == [("codeine", False)]
    assert ("morphine", "stopped") in _distractors(ex)


@pytest.mark.parametrize("condition", ["not controlled by the naproxen", "on top of regular paracetamol"])
def test_a_drug_in_a_condition_does_not_end_the_statement(condition):
    ex = _read(f"Discharge medicines:\n - Tramadol 50 mg capsules, 1-2 caps every 6 hours if needed for pain {condition} "
               "(new), 30 capsules\n - Naproxen 250 mg TDS\n")
    assert [(r.supply_quantity, r.new_on_admission) for r in ex.opioids] == [("30 capsules", True)]


def test_a_previous_patch_in_an_aside_is_history_and_the_item_keeps_its_tail():
    ex = _read("Medicines on transfer\n1. Buprenorphine 5 micrograms/hour 7-day patch (BuTrans) - REDUCED (was BuTrans "
               "10 micrograms/hour) - 2 patches sent.\n2. Senna 15 mg at night.\n")
    (rx,) = ex.opioids
    assert (rx.strength_mcg_per_hour, rx.supply_quantity, rx.new_on_admission, rx.previous_dose_mg) == \
        (5.0, "2 patches", False, None)
    assert ("buprenorphine", "historical") in _distractors(ex)


@pytest.mark.parametrize("tail, qty, days", [
    ("and she goes home with eight patches.", "8 patches", None),
    ("She has ten Zomorph capsules (five days) from us.", "10 capsules", 5),
    ("He has 28 Zomorph capsules (one week).", "28 capsules", 7),
    ("and she is to apply one patch every 7 days.", None, None),          # a dose, not a supply
])
def test_quantities_told_around_the_drug_name(tail, qty, days):
    sep = " " if tail.startswith("and") else ". "
    ex = _read("We have started Zomorph 10 mg capsules twice a day and a Butec 5 micrograms/hour patch weekly" + sep
               + tail + "\n")
    got = {r.formulation: (r.supply_quantity, r.supply_days) for r in ex.opioids}
    form = "patch" if "patch" in tail else "MR"
    assert got[form] == (qty, days)


ITEM_BLOCKS = """Your medicines to take home
Medicine: Codeine 30 mg tablets (NEW)
   What it is for: pain, if paracetamol and naproxen are not enough
   How to take it: 1 tablet every 6 hours if needed - no more than 4 tablets in 24 hours
   How many you have: 24 tablets
Medicine: Naproxen 250 mg tablets
   How to take it: 1 tablet twice a day with food
"""


def test_patient_item_blocks_with_field_lines():
    (rx,) = _read(ITEM_BLOCKS).opioids
    assert (rx.generic, rx.frequency_per_day_max, rx.prn, rx.supply_quantity, rx.new_on_admission) == \
        ("codeine", 4, True, "24 tablets", True)


def test_dotted_leaders_under_a_take_out_heading():
    ex = _read("Medicines to take out (TTO) - all NEW unless marked\n"
               "Longtec 10mg ........ 1 tab BD x 5 days only ........ 10 tabs\n"
               "Shortec 5mg caps .... 1 cap up to QDS prn .......... 20 caps\n"
               "Paracetamol 1g ...... QDS regular .................. 56\n")
    got = sorted((r.formulation, r.frequency_per_day_max, r.supply_quantity, r.new_on_admission) for r in ex.opioids)
    assert got == [("IR", 4, "20 capsules", True), ("MR", 2, "10 tablets", True)]


@pytest.mark.parametrize("heading", ["In hospital:", "Inpatient analgesia (not for TTO):", "Analgesia during the admission:"])
def test_a_heading_for_what_was_given_in_hospital(heading):
    ex = _read(heading + " morphine 2.5 mg SC 4 hourly prn day 0-1, then oral morphine 5 mg x2 doses.\n"
               "Home on:\n  paracetamol 1 g QDS\n")
    assert ex.opioids == [] and {d.reason for d in ex.distractors} == {"inpatient_only"}


def test_a_change_list_with_a_legend_of_markers():
    ex = _read("MEDICATION CHANGES  (+ started   \u2212 stopped   ~ dose changed   = unchanged)\n"
               "\u2212 Zomorph 30 mg BD - drowsy\n"
               "+ Tapentadol 50 mg tablets 1 tab up to 4x/day when required for chronic back pain. 20 tabs\n"
               "= Paracetamol 1 g QDS\n")
    assert [(r.generic, r.frequency_per_day_max, r.new_on_admission) for r in ex.opioids] == [("tapentadol", 4, True)]
    assert ("morphine", "stopped") in _distractors(ex)


def test_was_now_labels():
    ex = _read("WHAT HAS CHANGED\nWAS: Butec 10 micrograms/hour patch, weekly    NOW: Butec 5 micrograms/hour patch, "
               "weekly    WHY: drowsy\n")
    assert [r.strength_mcg_per_hour for r in ex.opioids] == [5.0]
    assert ("buprenorphine", "historical") in _distractors(ex)


def test_a_request_to_update_the_repeat_template_is_not_a_prescription():
    ex = _read("Discharge medicines\n- MST 60 mg twice daily (increased from 40 mg)\n\nCould you please make sure the "
               "repeat template is updated to MST 60 mg twice daily and the 40 mg tablets are removed.\n")
    assert len(ex.opioids) == 1


def test_prescribed_by_another_doctor_then_stopped_here():
    ex = _read("He had been prescribed tramadol 50 mg four times a day by an out-of-hours doctor. We have stopped "
               "the tramadol.\n\nDischarge medicines\n- Paracetamol 1 g QDS\n")
    assert ex.opioids == []


def test_a_restarted_item_whose_aside_says_it_was_held():
    ex = _read("Discharge medicines\n 1) Zomorph 10 mg capsules - TWO capsules (20 mg) in the morning and ONE capsule "
               "(10 mg) at night [RESTARTED day 2 after being held] - own supply\n 2) Senna 15 mg at night\n")
    assert [(r.formulation, r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max) for r in ex.opioids] == \
        [("MR", 10.0, 20.0, 2)]


def test_a_bulleted_item_whose_sig_follows_a_colon_and_says_if_needed():
    ex = _read("Regular oral medicines\n  \u2022 Paracetamol 1 g QDS\n\nOther\n  \u2022 Morphine oral solution 2 mg/ml "
               "(Oramorph): 2.5\u00a0ml (5\u00a0mg) if needed for pain, max four doses/24h \u2014 100 ml\n")
    assert [(r.formulation, r.dose_mg_max, r.frequency_per_day_max, r.prn) for r in ex.opioids] == \
        [("liquid", 5.0, 4, True)]


def test_an_anticipatory_injections_heading():
    ex = _read("Anticipatory (just in case) injections \u2013 community chart completed\n"
               "  \u2022 Morphine injection 10 mg/ml: 2.5 mg SC hourly if needed for pain - 10 \u00d7 1 ml ampoules\n")
    assert [(r.route, r.frequency_per_day_max) for r in ex.opioids] == [("subcutaneous", 24)]


@pytest.mark.parametrize("line, field, value", [
    ("#1  DRUG=Tapentadol 50mg tablets  DOSE=50mg  FREQ=QDS PRN  IND=post-op pain  COURSE=5 days  QTY=20", "duration_days", 5),
    ("Tapentadol 50mg tablets 1 tab QDS prn for pain. Qty twenty (20). NEW.", "supply_quantity", "20 tablets"),
    ("Tapentadol 50mg tablets 1 tab QDS prn. For first 72 h only, thereafter plain paracetamol. Supplied x20",
     "supply_quantity", "20 tablets"),
    ("Tapentadol 50mg tablets 1 tab QDS prn. For first 72 h only, thereafter plain paracetamol.", "duration_days", 3),
    ("Tapentadol 50mg tablets 1 tab QDS prn for the first 36 hours.", "duration_days", None),   # not whole days
])
def test_labels_words_and_hours(line, field, value):
    (rx,) = _read("Discharge medicines\n1. " + line + "\n2. Omeprazole 20 mg OD\n").opioids
    assert getattr(rx, field) == value


def test_a_count_before_the_name_and_strength():
    ex = _read("We have started Zomorph 30 mg twice daily and she goes home with 28 Zomorph 30 mg capsules.\n")
    assert [r.supply_quantity for r in ex.opioids] == ["28 capsules"]


@pytest.mark.parametrize("line, brand, new, gone", [
    ("SWITCHED: OxyContin 20 mg BD \u2192 Targinact 20 mg/10 mg prolonged-release tablets, ONE twice daily; 28 tabs",
     "Targinact", True, "OxyContin"),
    ("Zomorph 30 mg BD   ->  Longtec 20 mg BD (renal function)", "Longtec", None, "Zomorph"),
    ("CHANGED: Butec 10 micrograms/hour -> now 5 micrograms/hour weekly", "Butec", False, None),  # same product
])
def test_an_arrow_to_another_product(line, brand, new, gone):
    ex = _read("Medicines - changes\n" + line + "\n")
    assert [(r.brand, r.new_on_admission) for r in ex.opioids] == [(brand, new)]
    assert (gone is not None) is any(d.reason == "stopped" for d in ex.distractors)


ITEMS = """DISCHARGE ITEMS (2)
 #1  TAPENTADOL 50 mg tablets
     Take: ONE tablet every 6 hours only if needed, max 4 in 24 hours
     For: post-op pain
     Dispensed: 16 tablets          Origin: hospital-initiated
 #2  OXYCODONE m/r (Longtec) 10 mg tablets
     Take: 10 mg at 08:00 and 20:00
     Dispensed: 10 tablets          Course: 5 days
"""


def test_numbered_items_with_take_and_dispensed_lines_and_clock_times():
    got = sorted((r.generic, r.frequency_per_day_max, r.prn, r.supply_quantity, r.duration_days)
                 for r in _read(ITEMS).opioids)
    assert got == [("oxycodone", 2, False, "10 tablets", 5), ("tapentadol", 4, True, "16 tablets", None)]


def test_a_double_colon_table():
    ex = _read("Drug :: Directions :: Reason :: Dispensed :: Status\n"
               "MST Continus 30 mg m/r tablets :: ONE at 08:00 and ONE at 20:00 :: pain :: 56 tablets :: increased\n"
               "Senna 7.5 mg :: TWO at night :: constipation :: 20 :: new\n")
    assert [(r.dose_mg_max, r.frequency_per_day_max, r.supply_quantity, r.new_on_admission) for r in ex.opioids] == \
        [(30.0, 2, "56 tablets", False)]


def test_switched_to_a_brand_named_after_its_generic_and_both_new():
    ex = _read("We have stopped her Zomorph 30 mg twice daily and changed her to a fentanyl patch, Matrifen 12\u00a0\u00b5g/h, "
               "one patch changed every 72 hours, five patches supplied. For breakthrough pain she has OxyNorm liquid "
               "5 mg/5 ml, 2.5 ml up to hourly when required, one 100 ml bottle. Both are new this admission.\n")
    got = sorted((r.generic, r.supply_quantity, r.new_on_admission) for r in ex.opioids)
    assert got == [("fentanyl", "5 patches", True), ("oxycodone", "100 ml", True)]
    assert ("morphine", "stopped") in _distractors(ex)


def test_a_new_lead_in_between_commas_and_a_trailing_new():
    ex = _read("She goes home on paracetamol 1 g four times a day and, new this admission, codeine 30 mg, one or two "
               "tablets every six hours as required, 28 tablets supplied.\n")
    assert [r.new_on_admission for r in ex.opioids] == [True]
    ex = _read("TTO: co-codamol 30/500 2 QDS PRN, 24 tabs, NEW\n     + ibuprofen 400 TDS\n")
    assert [r.new_on_admission for r in ex.opioids] == [True]


def test_a_status_cell_saying_what_it_replaced_is_new():
    ex = _read("Drug :: Directions :: Dispensed :: Status\n"
               "Hydromorphone m/r 2 mg capsules :: ONE every 12 hours :: 28 capsules :: new 08/11 (converted from "
               "oxycodone)\n")
    assert [(r.status, r.new_on_admission) for r in ex.opioids] == [("new", True)]


def test_a_dose_volume_in_brackets_after_the_mg_is_not_a_quantity():
    ex = _read("MEDICATION ON DISCHARGE\n\u2022 Methadone 1 mg/ml oral solution \u00b7 60 mg (60 ml) once daily, supervised\n")
    assert [(r.dose_mg_max, r.supply_quantity) for r in ex.opioids] == [(60.0, None)]


TICK_FORM = """MEDICINES TO TAKE HOME                                   New?   Days supplied   Qty
Paracetamol 500 mg tablets - 2 four times a day   \u2612   -   32
Codeine phosphate 30 mg tablets: ONE or TWO every 6 hours when needed   \u2612   3   24
Sertraline 50 mg tablets - 1 daily   \u2610   -   own
"""


def test_a_tick_box_form_titled_over_the_drug_column():
    (rx,) = _read(TICK_FORM).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_days, rx.supply_quantity, rx.new_on_admission) \
        == (60.0, 4, True, 3, "24 tablets", True)


def test_a_supplied_column_is_a_quantity():
    ex = _read("Medicine                                      New?   Supplied\n"
               "Tramadol 50 mg caps - 1 every 6 h if needed   \u2612      20\n")
    assert [(r.supply_quantity, r.supply_days) for r in ex.opioids] == [("20 capsules", None)]


@pytest.mark.parametrize("heading, days", [
    ("LEAVE MEDICATION: 14 days of each item below supplied from the unit pharmacy", 14),
    ("Medicines at discharge (dispensed from ward, 7 days unless stated)", 7),
    ("Medicines at discharge", None),
])
def test_a_supply_stated_once_above_the_list(heading, days):
    ex = _read(heading + "\n\u2022 Sertraline 50 mg \u00b7 ONE daily\n\u2022 Tapentadol 50 mg tablets \u00b7 ONE twice a day "
               "\u00b7 continuing\n\u2022 Senna 7.5 mg \u00b7 TWO at night\n")
    assert [r.supply_days for r in ex.opioids] == [days]


@pytest.mark.parametrize("letter", [
    "Fentanyl 12 microgram/hour patch, change every 72 hours.\nDoB - 26021967\nFentanyl 12 microgram/hour patch, "
    "change every 72 hours.\n",
    "Discharge medicines\n- Oxycodone 5 mg capsules every 4 hours when required. Qty: 7444448\n",
])
def test_an_identifier_is_never_read_as_a_quantity(letter):
    """A date of birth on the line above a drug, or a hospital number after a label, is no count of units (and
    would reach exports as evidence)."""
    assert all(r.supply_quantity is None and r.quantity_n is None for r in _read(letter).opioids)
