"""Prescription-level classes found at first contact in session 9. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _fields(letter, *names):
    return [tuple(getattr(rx, n) for n in names) for rx in extract_letter(letter).opioids]


@pytest.mark.parametrize("line, duration, supply", [
    ("Oxycodone 5mg caps 1 4hrly prn x5d", 5, None),
    ("Codeine 30mg tabs 1-2 qds prn - 7d supply", None, 7),
    ("Tramadol 50mg caps 1 qds prn for 1wk", 7, None),
    ("Morphine sulfate oral soln 10mg/5ml 2.5ml 4hrly prn x 2wks", 14, None),
    ("DHC 30mg 1 QDS PRN, 3d only", 3, None),
    ("Co-codamol 30/500 2 QDS PRN (supplied 4d)", None, 4),
])
def test_terse_period_units_after_a_figure(line, duration, supply):
    [(d, s)] = _fields("TTO:\n  " + line + "\n", "duration_days", "supply_days")
    assert (d, s) == (duration, supply)


@pytest.mark.parametrize("line", [
    "Oxycodone 5mg caps 1 4hrly prn and review at clinic",         # "and": never 'an' + 'd'
    "Codeine 30mg 1 QDS PRN; awkward to swallow, crush if needed",  # "awkward": never 'a' + 'wk'
    "Tramadol 50mg 1 QDS PRN with Vit D 800 units od",
])
def test_letters_of_a_word_are_no_period(line):
    [(d, s)] = _fields("TTO:\n  " + line + "\n", "duration_days", "supply_days")
    assert (d, s) == (None, None)


def test_a_list_heading_supply_in_terse_days_applies_to_each_item():
    letter = "TTO (7d supply unless stated)\nDrug\tDose\tFrequency\tQty\nCodeine 30 mg tabs\t30 mg\tQDS PRN\t28\n"
    [(s,)] = _fields(letter, "supply_days")
    assert s == 7


_KEYED_TABLE = """MEDICINES ISSUED
No | Product (as supplied)   | Each dose | Via | Max/24h | Type | Plan   | Supplied | Covers | Code
1  | Morphine 10mg/5ml oral solution | 5ml | PO | 6 | WR | 5d | 100ml    | 5d | ST
2  | Tramadol 50mg capsules  | 50mg      | PO  | 4       | RG   | -      | 28 cap   | 7d     | UC
3  | Codeine 30mg tablets    | 30mg      | PO  | 4       | WR   | -      | -        | -      | DC

Code key: ST = started on this admission | UC = unchanged from home | DC = discontinued
Type: RG = regular, WR = when required.  Plan = planned length of course.  Covers = days supplied.
"""


def test_a_table_read_through_the_letters_own_key():
    rxs = {rx.generic: rx for rx in extract_letter(_KEYED_TABLE).opioids}
    assert set(rxs) == {"morphine", "tramadol"}  # codeine's row is coded discontinued
    m, t = rxs["morphine"], rxs["tramadol"]
    assert (m.dose_mg_max, m.frequency_per_day_max, m.prn, m.duration_days, m.supply_days) == (10.0, 6, True, 5, 5)
    assert m.supply_quantity == "100 ml"
    assert m.new_on_admission is True
    assert (t.frequency_per_day_max, t.prn, t.supply_days, t.supply_quantity) == (4, False, 7, "28 capsules")
    assert t.new_on_admission is False


def test_without_its_key_an_unknown_heading_stays_unknown():
    no_key = _KEYED_TABLE.split("\nCode key")[0] + "\n"
    rxs = {rx.generic: rx for rx in extract_letter(no_key).opioids}
    assert rxs["morphine"].prn is False and rxs["morphine"].duration_days is None  # "WR", "Plan" mean nothing
    assert rxs["tramadol"].new_on_admission is None


_TERSE = """PC: fall onto outstretched hand
Imp: # distal radius, MUA in ED
Plan:
- POP backslab, fracture clinic 1/52
- {line}
- GP r/v if pain not settling
"""


@pytest.mark.parametrize("line, generic, dose_max", [
    ("dihydrocodeine 30mg 1 qds prn x 5/7 - 20 tabs", "dihydrocodeine", 30.0),
    ("Cocodamol 30/500 ii QDS PRN, 3/7", "codeine", 60.0),
    ("oramorph 10mg/5ml 5ml 4hrly prn, 100ml", "morphine", 10.0),
])
def test_a_terse_letters_plan_list_is_its_tto(line, generic, dose_max):
    [rx] = extract_letter(_TERSE.format(line=line)).opioids
    assert (rx.generic, rx.dose_mg_max) == (generic, dose_max)


@pytest.mark.parametrize("letter", [
    _TERSE.format(line="consider codeine 30mg qds prn if pain persists"),  # a proposal, not a supply
    "Discharge medication:\n- Paracetamol 1g qds\n\n" + _TERSE.format(line="codeine 30mg qds prn was stopped, constipated"),
    "TTO:\n- Paracetamol 1g qds\n\nPlan:\n- wean oxycodone 5mg qds prn over a week, then stop\n",  # a plan beside a TTO
    "Plan:\n- she has been buying co-codamol 8/500 over the counter and agreed to stop it\n",
])
def test_what_a_plan_list_holds_that_is_no_prescription(letter):
    assert extract_letter(letter).opioids == []


_WITH_TTO = "{sentence}\n\nDischarge medicines:\n- Paracetamol 1g qds\n- Oxycodone 5mg capsules 1 four-hourly prn, 20 caps\n"


@pytest.mark.parametrize("sentence, generic, reason", [
    ("Admitted drowsy; this was put down to confusion on his fentanyl 25 microgram patch.", "fentanyl", None),
    ("Her tramadol was up-titrated from Zydol 50mg qds to the oxycodone below.", "tramadol", "stopped"),
    ("A switch to MST 20mg bd was considered by the pain team and not pursued.", "morphine", "other"),
    ("We looked at codeine 30mg qds but decided against it (CYP2D6).", "codeine", "other"),
    ("He had two doses of Oramorph 10mg before theatre.", "morphine", "inpatient_only"),
    ("ED: Penthrox x1, then Oramorph 10mg PO x2.", "morphine", "inpatient_only"),
])
def test_opioids_named_around_the_tto_that_are_not_on_it(sentence, generic, reason):
    ex = extract_letter(_WITH_TTO.format(sentence=sentence))
    assert [rx.generic for rx in ex.opioids] == ["oxycodone"]
    if reason:
        assert (generic, reason) in [(d.generic, d.reason) for d in ex.distractors]


def test_sedation_with_an_opioid_is_still_a_ward_dose():
    ex = extract_letter(_WITH_TTO.format(sentence="Procedure under intravenous sedation with morphine and midazolam."))
    assert ("morphine", "inpatient_only") in [(d.generic, d.reason) for d in ex.distractors]


@pytest.mark.parametrize("line, freq", [
    ("Zomorph 30mg capsules - ONE capsule at 08:00 - for pain", 1),
    ("Morphine MR 30mg 1 @ 10pm", 1),
    ("MST 10mg one at 8am and one at 8pm", 2),
    ("Oramorph 10mg/5ml 5mg PRN, last dose given at 14:00", None),
])
def test_one_dose_at_one_clock_time_is_once_a_day(line, freq):
    [(f,)] = _fields("TTO:\n- " + line + "\n", "frequency_per_day_max")
    assert f == freq


def test_the_subject_of_a_change_between_products_is_no_prescription():
    letter = ("Summary: his oxycodone was switched from OxyNorm 10mg qds to Longtec 20mg bd.\n\n"
              "Medicines to take home:\n- Longtec 20mg bd, 14 days supplied\n")
    rxs = extract_letter(letter).opioids
    assert [(rx.generic, rx.formulation, rx.dose_mg_max) for rx in rxs] == [("oxycodone", "MR", 20.0)]


@pytest.mark.parametrize("line, dose, freq", [
    ("Zomorph 30mg 12-hourly", 30.0, 2),
    ("Morphgesic SR 100mg 12 hourly (for pain)", 100.0, 2),
    ("OxyContin 10mg 12-hrly", 10.0, 2),
    ("Codeine 30mg 1-2 qds prn", 60.0, 4),
    ("Oxycodone 5mg 1 4-hourly prn", 5.0, 6),
])
def test_the_first_figure_of_an_interval_is_no_tablet_count(line, dose, freq):
    [(d, f)] = _fields("TTO:\n- " + line + "\n", "dose_mg_max", "frequency_per_day_max")
    assert (d, f) == (dose, freq)


def test_a_stop_told_of_the_drug_before_a_coordinated_break_is_not_this_drugs():
    letter = ("We changed two of his medicines. His gabapentin 300 mg tds has been stopped, and his Zomorph has been "
              "reduced from 30 mg twice daily to 20 mg twice daily, which he takes from his own supply.\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.formulation, rx.dose_mg_max, rx.frequency_per_day_max) == ("morphine", "MR", 20.0, 2)


def test_a_drug_managed_with_after_drugs_avoided_is_prescribed():
    letter = ("Because of his kidneys we avoided morphine and codeine, and managed his pain with oxycodone 5 mg "
              "capsules, one four-hourly when required; 20 capsules supplied.\n")
    ex = extract_letter(letter)
    assert [(rx.generic, rx.dose_mg_max) for rx in ex.opioids] == [("oxycodone", 5.0)]
    assert {(d.generic, d.reason) for d in ex.distractors} >= {("morphine", "other"), ("codeine", "other")}


def test_a_stop_of_the_drug_itself_after_the_break_still_counts():
    letter = "His paracetamol continues, and his tramadol 50 mg qds has been stopped because of confusion.\n"
    ex = extract_letter(letter)
    assert ex.opioids == [] and [(d.generic, d.reason) for d in ex.distractors] == [("tramadol", "stopped")]


def test_a_line_marked_with_a_key_code_that_stops_or_keeps_on_the_ward():
    letter = _KEYED_TABLE + ("\nDC   Tramadol 50mg capsules 50mg QDS PRN (from GP) - made her sick\n"
                             "WO   Oramorph 10mg/5ml 5mg PO PRN - two doses in recovery\n"
                             "Code key: WO = ward only, not issued\n")
    ex = extract_letter(letter)
    assert sorted(rx.generic for rx in ex.opioids) == ["morphine", "tramadol"]  # the table's rows only
    reasons = {(d.generic, d.reason) for d in ex.distractors}
    assert ("tramadol", "stopped") in reasons and ("morphine", "inpatient_only") in reasons


_WIDE = ("Dear Dr Amadi,\n\n"
         "Mr Reyes was admitted with a fractured left humerus after slipping on the stairs at home and is managed in a\n"
         "collar and cuff; he was kept in overnight for pain control and to make sure he could manage the stairs again.\n"
         "We have given him dihydrocodeine 30mg tablets, one tablet up to four times a day when needed for arm pain (new,\n"
         "twenty tablets), with a laxative while he takes it.\n\n"
         "Yours sincerely,\nDr Okafor\n")


def test_a_short_letter_typed_at_a_wide_margin_reads_its_wrapped_sentences_whole():
    [rx] = extract_letter(_WIDE).opioids
    assert (rx.generic, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == \
        ("dihydrocodeine", 30.0, 4, True, "20 tablets")


def test_lines_of_a_list_are_not_a_margin():
    letter = ("Medicines on discharge (all 14 days supplied unless stated otherwise, from the ward pharmacy):\n"
              "- Oxycodone 5mg capsules, one capsule four-hourly when required for post-operative pain, 20 caps\n"
              "- paracetamol 1g four times a day\n"
              "- Laxido one sachet twice a day while on oxycodone, hold if loose stools develop at any time\n"
              "- enoxaparin 40mg once daily\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.frequency_per_day_max, rx.supply_quantity) == ("oxycodone", 6, "20 capsules")


def test_a_dose_under_an_inpatient_treatment_label_is_a_ward_dose():
    letter = ("Inpatient Tx: IV co-amoxiclav; morphine sulfate 2.5mg SC given twice overnight.\n\n"
              "Medicines to take home:\n- Co-codamol 30/500 two tablets qds prn\n")
    ex = extract_letter(letter)
    assert [rx.generic for rx in ex.opioids] == ["codeine"]
    assert ("morphine", "inpatient_only") in [(d.generic, d.reason) for d in ex.distractors]


def test_please_take_it_speaks_to_the_patient_not_the_gp():
    letter = ("TTO:\n- Codeine 30mg tablets 1 qds prn, 28 tablets\n\n"
              "The codeine is for the first week only: please take it for no more than 7 days.\n")
    ex = extract_letter(letter)
    assert ex.gp_instruction.present is False and ex.weaning_plan.present is True


def test_an_end_column_with_a_date_gives_the_course_from_the_discharge_date():
    letter = ("Discharged: Mon 02/06/2025\n\nTake-home medicines\n"
              "Medicine ~ How taken ~ Course ends ~ Amount given ~ Notes\n"
              "Oxycodone 5mg capsules ~ 1 four-hourly when required ~ review clinic 09/06/2025 ~ 20 caps ~ new\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.prn, rx.duration_days, rx.supply_quantity) == (6, True, 7, "20 capsules")


def test_an_end_date_on_the_wrapped_line_under_a_numbered_item():
    letter = ("Discharged: Thursday 10/07/2025\n\nDISCHARGE PRESCRIPTION\n"
              "1) Oramorph 10mg/5ml oral solution - 5ml every 4 hours when required\n"
              "   Take until seen in clinic on Monday 14/07/2025 - 100ml (four days) supplied\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.duration_days, rx.supply_quantity) == (4, "100 ml")


@pytest.mark.parametrize("line, supply, duration", [
    ("Codeine 30mg tabs 1 qds prn - 16 tabs (four days)", 4, None),
    ("Codeine 30mg tabs 1 qds prn - 28 tabs (7/7)", 7, None),
    ("Codeine 30mg tabs 1 qds prn - x28, 7/7", None, 7),   # a bare course after the count
    ("Codeine 30mg tabs 1 qds prn - 28 tablets (a week)", 7, None),
])
def test_days_beside_the_count_are_the_supply(line, supply, duration):
    [(s, d)] = _fields("TTO:\n- " + line + "\n", "supply_days", "duration_days")
    assert (s, d) == (supply, duration)


@pytest.mark.parametrize("line, strength, dose", [
    ("MST Continus 80mg twice daily (60mg + 20mg tablets)", 60.0, 80.0),
    ("Morphine sulfate MR 70mg bd (one 60mg and one 10mg tablet)", 60.0, 70.0),
    ("Zomorph 50mg bd (2 x 20mg + 1 x 10mg)", 20.0, 50.0),
    ("MST 30mg bd (was 20mg + 10mg)", 30.0, 30.0),          # a previous split, not this dose's
])
def test_a_dose_and_the_tablets_that_make_it_up_in_brackets(line, strength, dose):
    [(s, d)] = _fields("TTO:\n- " + line + "\n", "strength_mg", "dose_mg_max")
    assert (s, d) == (strength, dose)


_PRINTOUT = """MEDICINES ON DISCHARGE
CD  DRUG / FORM                    STRENGTH  DOSE      ROUTE  FREQ        PRN  MAX/24H  DAYS.S  QTY
NW  Oxycodone capsules             5 mg      5-10 mg   PO     4-6 hrly    Y    30 mg    5       20 cap
CU  Zomorph capsules               10 mg     10 mg     PO     BD          N    -        14      28 cap
    ... (was 20 mg BD before admission)
ST  Codeine tablets                30 mg     30 mg     PO     QDS         N    -        -       -
WO  Morphine injection             10mg/ml   2 mg      SC     once        N    -        -       -
KEY  CD: NW new this stay | CU continued unchanged | ST stopped, not issued | WO ward only, not issued
     DAYS.S = days supplied.  ... = line carried over from the row above.
"""


def test_a_printout_read_through_a_key_without_equals_signs():
    rxs = {rx.generic: rx for rx in extract_letter(_PRINTOUT).opioids}
    assert set(rxs) == {"oxycodone", "morphine"}  # codeine stopped, the injection ward-only
    o, z = rxs["oxycodone"], rxs["morphine"]
    assert (o.frequency_per_day_max, o.prn, o.supply_days, o.supply_quantity, o.new_on_admission) == \
        (3, True, 5, "20 capsules", True)
    assert (z.formulation, z.dose_mg_max, z.supply_days, z.new_on_admission) == ("MR", 10.0, 14, False)


def test_items_marked_with_the_keys_symbols():
    letter = ("Medicines\n"
              "▲ OXYCODONE · capsule · 5 mg · oral\n    5 mg every 4 h if needed · 20 caps\n"
              "✕ TRAMADOL · capsule · 50 mg · oral\n    50 mg four times a day\n"
              "Key:  ▲ new   ● as before   ✕ stopped\n")
    ex = extract_letter(letter)
    assert [(rx.generic, rx.new_on_admission) for rx in ex.opioids] == [("oxycodone", True)]
    assert ("tramadol", "stopped") in [(d.generic, d.reason) for d in ex.distractors]


@pytest.mark.parametrize("letter, generic, dose_max, freq", [
    ("Meds on d/c; NEW = started here;\n NEW Oxycodone 5mg cap; 1 qds prn severe pain; x12; 3/7;\n", "oxycodone", 5.0, 4),
    ("TAKE HOME PACK (pre-labelled):\n  - Co-codamol 30/500 x24 - 1-2 four times daily if required\n", "codeine", 60.0, 4),
])
def test_terse_lines_without_a_discharge_heading(letter, generic, dose_max, freq):
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.dose_mg_max, rx.frequency_per_day_max) == (generic, dose_max, freq)


def test_a_line_of_fields_without_directions_is_no_prescription():
    letter = "Pain team r/v;\n Oxycodone; discussed; not started; review in clinic;\n"
    assert extract_letter(letter).opioids == []


@pytest.mark.parametrize("letter, generic, dose_max", [
    ("TTO:\n- codeine phos 30mg 1-2 qds PRN → 5/7   40 tabs   NEW\n", "codeine", 60.0),   # an arrow to a course
    ("TTO:\n- Oxycodone MR 20mg bd → 30mg bd\n", "oxycodone", 30.0),                     # an arrow to a new dose
    ("TTO:\n- MST Continus 60 mg plus 10 mg (70 mg) twice daily\n", "morphine", 70.0),
])
def test_arrows_and_parts_with_their_total(letter, generic, dose_max):
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.dose_mg_max) == (generic, dose_max)


def test_a_dose_taken_before_an_event_is_not_the_current_one():
    letter = ("Before the fall she was taking Zomorph 60 mg twice daily; because she was drowsy we reduced this "
              "to Zomorph 30 mg twice daily, which she continues.\n")
    [rx] = extract_letter(letter).opioids
    assert rx.dose_mg_max == 30.0


def test_a_row_whose_last_field_is_a_key_code():
    letter = ("Discharge medicines\n"
              "#    Drug / Form / Str / Dose / Route / Freq / Qty / St\n"
              "[01] Oxycodone / capsule / 5 mg / 5 mg / oral / 4-hourly PRN / 20 caps / A\n"
              "[02] Tramadol / capsule / 50 mg / 50 mg / oral / QDS PRN / - / D\n"
              "[03] Morphine injection / inj / 10 mg/ml / 2 mg / IV / once / - / I\n"
              "-- St: A=added this stay  D=discontinued  I=in-patient use only --\n")
    ex = extract_letter(letter)
    assert [rx.generic for rx in ex.opioids] == ["oxycodone"]
    reasons = {(d.generic, d.reason) for d in ex.distractors}
    assert ("tramadol", "stopped") in reasons and ("morphine", "inpatient_only") in reasons


@pytest.mark.parametrize("block, reason", [
    ("CEASED / PAUSED - not supplied, do not take\nPAUSED   Zomorph 10 mg capsules   ONE twice a day\n", "stopped"),
    ("Given on the ward only (not supplied): oxycodone injection PRN.\n", "inpatient_only"),
])
def test_blocks_of_what_does_not_go_home(block, reason):
    letter = "TTO:\n- Codeine 30mg tablets 1 qds prn, 28 tablets\n\n" + block
    ex = extract_letter(letter)
    assert [rx.generic for rx in ex.opioids] == ["codeine"]
    assert reason in [d.reason for d in ex.distractors]


def test_an_item_block_whose_directions_line_starts_with_the_dose():
    letter = ("Medicines\n● MORPHINE SULFATE MR · capsule · 10 mg · oral\n"
              "    10 mg twice a day · course 5 days · 10 caps · for: rib pain\n"
              "Key:  ▲ new   ● continue as before   ✕ stopped\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.duration_days, rx.supply_quantity, rx.new_on_admission) == \
        (10.0, 2, 5, "10 capsules", False)


def test_a_carried_over_row_in_a_table_without_a_left_border_keeps_its_columns():
    letter = ("STATE       ¦ MEDICINE        ¦ HOW TO TAKE                    ¦ SUPPLIED\n"
              "COMMENCED   ¦ Oxycodone 5 mg  ¦ ONE every 4 hours              ¦ 20 caps\n"
              "            ¦                 ¦ when needed for pain           ¦\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == (6, True, "20 capsules")


@pytest.mark.parametrize("sentence", [
    "Oramorph 5 mg PRN was charted here but never needed and is not supplied.",
    "Oxynorm 5mg PRN on ward for pain - last needed 02/03, not for TTO",
    "The care home chart showed co-codamol 30/500 two tablets qds; we have stopped this as it was constipating her.",
])
def test_opioids_charted_in_hospital_or_stopped_in_the_next_clause(sentence):
    letter = sentence + "\n\nDischarge medicines:\n- Paracetamol 1g qds\n- Laxido one sachet bd\n"
    ex = extract_letter(letter)
    assert ex.opioids == [] and ex.distractors


def test_a_continued_item_under_medication_changes_marked_cont():
    letter = ("Medication changes\n"
              "  REDUCED  Zomorph - now 10 mg twice a day (was 20 mg BD) - 14 caps\n"
              "  CONT.    OxyNorm 5 mg capsules - 5 mg up to four times a day when required - own supply\n"
              "  STOPPED  Naproxen 500 mg BD\n")
    rxs = sorted((rx.formulation, rx.dose_mg_max, rx.frequency_per_day_max) for rx in extract_letter(letter).opioids)
    assert rxs == [("IR", 5.0, 4), ("MR", 10.0, 2)]


def test_a_past_told_of_the_drug_before_a_coordinated_break_is_not_this_drugs():
    letter = ("Discharge: she continues her BuTrans 10 micrograms/hour patch, which was started years ago by her GP, "
              "and her Oramorph 10 mg in 5 ml, 2.5 ml when required at night; 100 ml supplied.\n")
    assert sorted(rx.generic for rx in extract_letter(letter).opioids) == ["buprenorphine", "morphine"]


_SCREEN = """Seq;Product;Amt/dose;Sig;Rte;PRN;Sup;St;Note
1;PARACETAMOL 500MG TABLETS;1G;QDS;PO;N;POD;C;
2;OXYCODONE 5MG CAPSULES;5-10MG;4HRLY;PO;Y;5d/30cap;N;post-op pain
3;MORPHINE SULFATE 10MG/5ML ORAL SOLUTION;5MG;2HRLY;PO;Y;-;W;
-- KEY: Sup = days issued / units issued.  St: N new this episode, C carried over,
--      W ward use only (not dispensed).

PHARMACY SCREEN
  - Item 2 queried: 10 mg 4-hourly is more than needed after a day case.
    Clarified with the surgeon: amended to 5 mg up to four times a day when required.
"""


def test_a_pharmacy_screen_amends_the_item_it_names_on_the_line_before():
    [rx] = extract_letter(_SCREEN).opioids
    assert (rx.generic, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn, rx.supply_days, rx.supply_quantity) == \
        ("oxycodone", 5.0, 4, True, 5, "30 capsules")


def test_a_pharmacist_action_column_corrects_or_removes_its_row():
    letter = ("TTO as written by team                        Pharmacist action\n"
              "Zomorph 10mg capsules  10mg  TDS  x 28 caps    CORRECTED to 12-hourly (BD) - MR product\n"
              "Tramadol 50mg capsules  50mg QDS PRN  x 30     REMOVED - duplicate PRN opioid\n")
    ex = extract_letter(letter)
    assert [(rx.generic, rx.frequency_per_day_max) for rx in ex.opioids] == [("morphine", 2)]
    assert ("tramadol", "stopped") in [(d.generic, d.reason) for d in ex.distractors]


def test_items_stopped_this_admission_heading():
    letter = ("Take home:\nCodeine phosphate 30mg tablets   ONE or TWO four times a day when required   28\n\n"
              "Items stopped this admission:\nTramadol 50mg capsules   (GP acute issue)   Stopped - vomiting\n")
    ex = extract_letter(letter)
    assert [rx.generic for rx in ex.opioids] == ["codeine"]
    assert ("tramadol", "stopped") in [(d.generic, d.reason) for d in ex.distractors]


def test_fixed_width_headings_one_space_apart_read_through_the_key():
    letter = (" Ln  Medicine / form                 Dose   Rt  Freq            Crs DoS Iss     St\n"
              " 01  OXYCODONE 5MG CAP (SHORTEC)     5mg    PO  4HRLY PRN       5   5   20 cap  N\n"
              " 02  PARACETAMOL 500MG TAB           1g     PO  QDS             -   14  56 tab  N\n"
              " KEY  Crs = intended course in days (blank = no end date)   DoS = days of supply issued\n"
              "      Iss = quantity issued (POD = own drugs)     St: N new | C continued\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.duration_days, rx.supply_days, rx.supply_quantity, rx.new_on_admission) == (5, 5, "20 capsules", True)


@pytest.mark.parametrize("plan, days", [
    ("Plan: stop oxycodone by day 7 post op.", 4),
    ("Plan: stop the oxycodone after day 6 post-op.", 3),
    ("Plan: review in clinic on day 10 post op.", None),   # a review, not an end point
])
def test_an_end_point_in_post_operative_days_told_in_the_plan(plan, days):
    letter = ("Lap appendicectomy 12/04/26 (day 3 post-op today)\nTTO: oxycodone 5mg caps 1 4hrly prn x12\n" + plan + "\n")
    [rx] = extract_letter(letter).opioids
    assert rx.duration_days == days


@pytest.mark.parametrize("tail, days", [
    ("until clinic on 27 June 2026", 7),
    ("until the 24th of June", 4),
    ("stop on 1st July", 11),
    ("until 2 June", None),            # before the discharge date: no end point
])
def test_an_end_date_with_the_month_in_words(tail, days):
    [rx] = extract_letter("Discharged: 20/06/2026\nTTO: Oxycodone 5mg 1 qds prn " + tail + "\n").opioids
    assert rx.duration_days == days


def test_a_last_dose_column_gives_the_course_from_the_discharge_date():
    letter = ("Discharged: 14/06/2025\n\n"
              "    Medicine                    Dose    When                 Start     Last dose   Qty\n"
              "(+) Oxycodone 5mg capsules      5mg     4-6 hourly PRN       14/06/25  19/06/25    16\n"
              "(+) Paracetamol 500mg tablets   1g      QDS                  14/06/25  -           56\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.duration_days, rx.supply_quantity) == (5, "16 capsules")
