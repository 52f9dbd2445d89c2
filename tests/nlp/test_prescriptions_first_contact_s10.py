"""Prescription-level classes found at first contact in session 10 (fresh38-41). Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _rxs(letter):
    return extract_letter(letter).opioids


def _reasons(letter):
    return sorted((d.generic, d.reason) for d in extract_letter(letter).distractors)


# a table with no border left of its first column: a row whose first cell is blank carries on the row above
@pytest.mark.parametrize("indent", ["", " ", "   "])
def test_a_wrapped_row_of_an_open_left_table_keeps_its_cells(indent):
    letter = (
        "MEDICINES ON DISCHARGE\n"
        f"{indent}Drug / form            | Dose + directions         | Rte | Status  | Issue\n"
        f"{indent}-----------------------+---------------------------+-----+---------+---------------\n"
        f"{indent}Oxycodone 5mg capsules | 5mg every 4-6 hours when  | PO  | STARTED | 20 caps (5 days)\n"
        f"{indent}                       | required, max 4 doses/24h |     |         |\n"
        f"{indent}Senna 7.5mg tablets    | 2 at night                | PO  | STARTED | 20 tabs\n"
    )
    [rx] = _rxs(letter)
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.prn) == (5.0, 4, True)
    assert (rx.supply_quantity, rx.supply_days, rx.new_on_admission) == ("20 capsules", 5, True)


@pytest.mark.parametrize("code, explanation", [
    ("WITHHELD", "not to be taken until reviewed"),
    ("SUSPENDED", "do not take until the GP reviews"),
    ("STOPPED", "no longer needed"),
])
def test_a_status_word_explained_by_the_key_keeps_its_own_meaning(code, explanation):
    letter = (
        "Drug                     | Dose              | Status\n"
        "Zomorph 10mg capsules    | 10mg twice a day  | CONTINUED\n"
        f"Co-codamol 30/500 tablets| 2 four times a day| {code}\n"
        f"Status key: CONTINUED = as before admission; {code} = {explanation}.\n"
    )
    assert [rx.generic for rx in _rxs(letter)] == ["morphine"]
    assert ("codeine", "stopped") in _reasons(letter)


@pytest.mark.parametrize("lead", ["Pre-adm dose was", "Pre-admission dose was", "Before admission she took"])
def test_a_previous_dose_told_under_the_discharge_list_is_historical(lead):
    letter = f"Meds on d/c:\n Zomorph 30mg bd for pain (incr this adm)\n{lead} Zomorph 20mg bd.\n"
    [rx] = _rxs(letter)
    assert (rx.dose_mg_max, rx.new_on_admission) == (30.0, False)  # "incr": a changed, pre-existing prescription
    assert ("morphine", "historical") in _reasons(letter)


def test_a_discharge_item_told_with_its_previous_dose_still_goes_home():
    [rx] = _rxs("Meds on d/c:\n Zomorph 30mg bd (previously 20mg bd)\n")
    assert rx.dose_mg_max == 30.0


@pytest.mark.parametrize("sentence, current", [
    ("We have reduced her OxyContin from 20 mg to 15 mg twice daily, and she has OxyNorm 5 mg capsules, one up to "
     "twice a day when required, instead of the higher doses she had been taking.", 2),
    ("He stays on MST 30 mg twice daily, and Oramorph 5 mg up to four times a day when required rather than the "
     "larger doses he was on at home.", 2),
])
def test_a_past_told_in_a_comparison_or_in_the_next_drugs_part_is_not_this_drugs(sentence, current):
    assert len(_rxs(sentence)) == current


@pytest.mark.parametrize("sentence", [
    "Her MST had crept up to 60 mg twice daily over the last year.",
    "His oxycodone had drifted up to 40 mg twice daily before this admission.",
    "She took OxyContin 30 mg twice daily over the past two years.",
])
def test_a_dose_that_grew_in_the_past_is_historical(sentence):
    assert _rxs(sentence + " She goes home on paracetamol.") == []


@pytest.mark.parametrize("sentence", [
    "He asked for his OxyContin to be increased to 80 mg twice daily, but we have not done this.",
    "She requested MST 60 mg twice daily but we did not agree to the increase.",
])
def test_a_request_that_was_refused_is_no_prescription(sentence):
    letter = "He remains on OxyContin 60 mg twice daily, unchanged. " + sentence
    rxs = _rxs(letter)
    assert [rx.dose_mg_max for rx in rxs if rx.generic == "oxycodone"] in ([60.0], [])
    assert all(rx.dose_mg_max not in (80.0,) for rx in rxs)


@pytest.mark.parametrize("plan", [
    "we would like the MST to come down gently: reduce by 10 mg a dose every two weeks, so 20 mg twice daily from "
    "10 March, then review.",
    "we would like the Zomorph to step down by 10 mg every fortnight (20 mg twice daily, then 10 mg twice daily).",
])
def test_a_reduction_plan_told_as_coming_down_is_no_second_prescription(plan):
    letter = "She leaves on MST Continus 30 mg twice daily. Going forward " + plan
    [rx] = _rxs(letter)
    assert rx.dose_mg_max == 30.0


@pytest.mark.parametrize("line, reason", [
    ("Oxycodone 2.5mg prn used x2 on ward overnight - drowsy, not continued.", "inpatient_only"),
    ("She was given Oramorph 2.5ml on two nights on the ward for leg pain, not continued.", "inpatient_only"),
    ("ED analgesia: intranasal fentanyl and ketamine for the dressing (not continued).", "inpatient_only"),
    ("Codeine (pre-admission, occasional) stopped - made her drowsy on the ward.", "stopped"),
])
def test_a_ward_dose_not_continued_is_inpatient_only(line, reason):
    letter = line + "\nTTO:\n Paracetamol 1g qds\n"
    assert _rxs(letter) == []
    assert [r for _, r in _reasons(letter)] == [reason]


def test_not_continued_in_a_plan_is_no_stop():
    letter = ("TTO:\n OxyNorm 5mg 1 cap 4-hourly prn x10 days\n"
              "Opioid plan: the oxycodone is for the first ten days only and should be finished then, not continued.\n")
    [rx] = _rxs(letter)
    assert rx.duration_days == 10
    assert _reasons(letter) == []


_WRAPPED_NAMES = (
    " Drug / form                 | Dose + directions           | Rte | Status    | Issue   | Notes\n"
    "-----------------------------+-----------------------------+-----+-----------+---------+-------------\n"
    " Morphine sulfate MR 10mg    | 10mg twice a day            | PO  | CONTINUED | POD     | back pain\n"
    " tabs (MST Continus)         |                             |     |           |         | - long term\n"
    " Oramorph 10mg/5ml oral      | 2.5mg (1.25ml) up to four   | PO  | STARTED   | 100ml   | breathless\n"
    " solution                    | times a day when required   |     |           |         |\n"
    " oxycodone 5mg capsules      | 5mg four times a day        | PO  | STARTED   | 20 caps |\n"
)


def test_a_drug_name_wrapped_onto_the_next_line_stays_in_its_row():
    rxs = _rxs(_WRAPPED_NAMES)
    assert [(rx.generic, rx.brand, rx.frequency_per_day_max, rx.prn) for rx in rxs] == [
        ("morphine", "MST Continus", 2, False), ("morphine", "Oramorph", 4, True), ("oxycodone", None, 4, False)]


def test_a_strength_wrapped_under_a_name_printed_without_one_stays_in_its_row():
    letter = (
        "Medicine             Dose / frequency       Route     Supply       Status\n"
        "Morphine sulfate     10 mg every 12 hours   Oral      56           Started this\n"
        "10 mg MR capsules    (08:00 and 20:00)                capsules     admission\n"
        "(Zomorph)            for pain\n"
        "Codeine phosphate    30 mg four times a     Oral      28           Started this\n"
        "30 mg tablets        day when required                tablets      admission\n"
    )
    rxs = _rxs(letter)
    assert [(rx.generic, rx.brand, rx.strength_mg, rx.frequency_per_day_max) for rx in rxs] == [
        ("morphine", "Zomorph", 10.0, 2), ("codeine", None, 30.0, 4)]
    assert rxs[1].prn is True


@pytest.mark.parametrize("text, expected", [
    ("Dose ............ 50 mg twice daily", "Dose :            50 mg twice daily"),
    ("Status .......... New          Days .......... 14", "Status :          New          Days :          14"),
    ("Hosp no ..... SO-661", "Hosp no :     SO-661"),
    # not a label: a drug line's directions, a heading glued with dots, a prose ellipsis
    ("  Dihydrocodeine 30mg tablets .......... Take ONE", "  Dihydrocodeine 30mg tablets .......... Take ONE"),
    ("DRUG.......DOSE.....WHEN", "DRUG.......DOSE.....WHEN"),
    ("the pain ... settled", "the pain ... settled"),
])
def test_a_dot_leader_after_a_field_label_reads_as_a_colon(text, expected):
    from nlp.spoken import dot_leaders_as_colons

    assert dot_leaders_as_colons(text) == expected


def test_an_item_block_printed_with_dot_leaders_is_read_field_by_field():
    letter = (
        "Age / Sex ....... 71 yrs / M\n\n[1]\n"
        "Medicine ........ Palexia SR 50 mg prolonged-release tablets\n"
        "Dose ............ 50 mg twice daily for 7 days, then 50 mg at night for 7 days, then stop\n"
        "Route ........... Oral\n"
        "Status .......... New\n"
        "Days ............ 14\n"
        "Qty ............. 21 tablets\n\n[2]\n"
        "Medicine ........ Paracetamol 500 mg tablets\n"
        "Dose ............ 1 g four times a day\n"
    )
    ex = extract_letter(letter)
    [rx] = ex.opioids
    assert (rx.brand, rx.dose_mg_max, rx.frequency_per_day_max, rx.duration_days) == ("Palexia SR", 50.0, 2, 14)
    assert (rx.supply_days, rx.supply_quantity, rx.new_on_admission) == (14, "21 tablets", True)
    assert ex.patient_age == 71


def test_wrapped_cells_indented_under_their_row_in_a_bordered_table():
    letter = (
        "| Medicine / form     | Dose        | Route  | Frequency     | Status        | Supply   |\n"
        "+---------------------+-------------+--------+---------------+---------------+----------+\n"
        "| MST Continus 60 mg  | 60 mg       | oral   | BD (08:00 &   | CHANGED (was  | 14 days  |\n"
        "|  MR tablets         |             |        |  20:00)       |  30 mg BD)    | 28 tabs  |\n"
        "| Oramorph 10mg/5ml   | 10-20 mg    | oral   | 2-4 hourly    | CONTINUED     | 2 x      |\n"
        "|  oral solution      | (5-10 ml)   |        | PRN, max 6/24h|               | 100 ml   |\n"
        "| Oral morphine 10mg/5ml | 5 mg     | oral   | 4 hourly PRN  | NEW           | 100 ml   |\n"
    )
    rxs = _rxs(letter)
    assert [(rx.brand, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn) for rx in rxs] == [
        ("MST Continus", 60.0, 2, False), ("Oramorph", 20.0, 6, True), (None, 5.0, 6, True)]
    assert (rxs[0].supply_days, rxs[0].supply_quantity) == (14, "28 tablets")
    assert rxs[1].supply_quantity == "200 ml"


_WRAPPED_PROSE = (
    "Mr Dearden's pain has been much harder to control over the last month and he came in on MST Continus 30 mg\n"
    "twice daily. Over the admission we increased his MST Continus to 60 mg twice daily, which he will\n"
    "continue at home, and we have started Oramorph 10 mg/5 ml solution, 10-20 mg every four hours as needed for\n"
    "breakthrough pain. He has not needed a syringe driver or any subcutaneous doses since the radiotherapy and\n"
    "his pain has improved considerably since then, so we expect him to stay on these doses for some weeks.\n"
)


def test_a_margin_wrapped_sentence_gives_each_drug_only_its_own_words():
    rxs = {rx.brand: rx for rx in _rxs(_WRAPPED_PROSE)}
    mst, oramorph = rxs["MST Continus"], rxs["Oramorph"]
    assert (mst.dose_mg_max, mst.frequency_per_day_max, mst.prn) == (60.0, 2, False)
    assert (oramorph.dose_mg_max, oramorph.frequency_per_day_max, oramorph.prn) == (20.0, 6, True)
    assert oramorph.route == "oral"  # the next sentence's "subcutaneous doses" is not this drug's


@pytest.mark.parametrize("wrap", [
    "for pain not\n   relieved by co-dydramol - 100 ml supplied",
    "for pain not controlled by the\n   co-dydramol, 100 ml supplied",
    "for pain\n   while on the co-dydramol - 100 ml supplied",
])
def test_a_wrapped_line_whose_drug_is_only_context_stays_with_its_item(wrap):
    letter = ("When required (NEW)\n"
              f" - Oramorph 10 mg/5 ml oral solution: 1.25 ml (2.5 mg) up to four times a day when required {wrap}\n"
              " - Co-dydramol 10/500 two tablets four times a day\n")
    rxs = _rxs(letter)
    assert [(rx.brand, rx.supply_quantity) for rx in rxs if rx.generic == "morphine"] == [("Oramorph", "100 ml")]


@pytest.mark.parametrize("heading", ["Qty iss.", "Qty issued", "Qty disp", "Qty supp.", "Amt iss'd", "Quantity dispensed"])
def test_quantity_headings_with_a_qualifier(heading):
    letter = (f"Medicine                    | Dose   | When        | {heading} | Cover\n"
              "Oxycodone 5mg/5ml oral soln | 2.5mg  | 4-hrly PRN  | 100ml | 7\n")
    [rx] = _rxs(letter)
    assert rx.supply_quantity == "100 ml"


@pytest.mark.parametrize("cap, freq", [
    ("with a limit of four doses in any 24 hours", 4),
    ("up to a limit of 4 doses a day", 4),
    ("limited to three doses a day", 3),
    ("capped at 8 capsules in 24 hours", 4),   # 1-2 capsules a dose
    ("with no limit stated", 6),                # the interval alone
])
def test_a_limit_told_in_words_caps_the_doses(cap, freq):
    [rx] = _rxs(f"TTO:\n Oxycodone 5mg capsules 5-10 mg up to four-hourly when required for pain, {cap}.\n")
    assert rx.frequency_per_day_max == freq


@pytest.mark.parametrize("lead", [
    "after discussion with her son we switched her to",
    "having spoken to his daughter, we have started",
    "we told her husband and started",
])
def test_a_relative_spoken_with_does_not_make_the_drug_theirs(lead):
    letter = (f"She struggled to take tablets reliably on the ward, so {lead} a buprenorphine patch, BuTrans "
              "5 micrograms/hour, one patch every seven days; four patches supplied.")
    [rx] = _rxs(letter)
    assert (rx.brand, rx.strength_mcg_per_hour, rx.supply_quantity) == ("BuTrans", 5.0, "4 patches")


@pytest.mark.parametrize("sentence", [
    "She lives with her husband, who takes co-codamol 30/500 for his back.",
    "His wife's tramadol 50 mg capsules are kept in the house.",
    "She told us that her brother, who lives with her, is on a methadone programme.",
])
def test_a_relatives_medicine_stays_family(sentence):
    letter = sentence + "\nTTO:\n Paracetamol 1g qds\n"
    assert _rxs(letter) == []
    assert [r for _, r in _reasons(letter)] == ["family"]


@pytest.mark.parametrize("sentence, reasons", [
    ("Her daughter has agreed to return the remaining co-codamol to the community pharmacy.", []),
    ("The tramadol made her confused according to her daughter.", ["allergy"]),
    ("His wife collects his BuTrans from the pharmacy together with her own tramadol.", ["family"]),
])
def test_a_relative_who_handles_or_reports_is_no_owner(sentence, reasons):
    letter = "We have stopped the co-codamol.\n" + sentence + "\nTTO:\n Paracetamol 1g qds\n"
    assert sorted(r for g, r in _reasons(letter) if g != "codeine" or r != "stopped") == reasons


@pytest.mark.parametrize("comment, reason", [
    ("WARD ONLY - not for TTO", "inpatient_only"),
    ("Stopped - drowsy on the ward", "stopped"),
    ("Discontinued - nausea", "stopped"),
])
def test_a_comment_opening_with_a_status_sets_a_row_without_a_status_column(comment, reason):
    letter = (
        "│ Medicine             │ Dose                          │ Days │ Qty  │ Notes                        │\n"
        "│ Co-codamol 30/500    │ TWO tablets FOUR times a day  │ 5    │ 40   │ for wound pain               │\n"
        f"│ Tramadol 50 mg caps  │ ONE capsule 6-hourly PRN      │ --   │ --   │ {comment:<28} │\n"
    )
    assert [rx.generic for rx in _rxs(letter)] == ["codeine"]
    assert ("tramadol", reason) in _reasons(letter)


def test_a_comment_that_only_mentions_a_stop_keeps_the_row():
    letter = (
        "│ Medicine             │ Dose                          │ Days │ Qty  │ Notes                           │\n"
        "│ Oxycodone 5mg caps   │ ONE capsule 4-hourly PRN      │ 5    │ 20   │ for pain; stop after 5 days     │\n"
    )
    [rx] = _rxs(letter)
    assert rx.generic == "oxycodone"


def test_an_item_column_beside_the_medication_column_is_the_row_number():
    letter = (
        "ITEM  MEDICATION                         DOSE        FREQ          RTE   DAYS  QTY   STAT\n"
        "----  ---------------------------------  ----------  ------------  ----  ----  ----  ----\n"
        "  1   Buprenorphine 10microgram/hour     1 patch     every 7 days  TD    28    4     CONT\n"
        "      7-day patch (BuTrans)\n"
        "  2   Co-codamol 30/500 tablets          2 tabs      QDS PRN       PO    --    --    STOP\n"
    )
    [rx] = _rxs(letter)
    assert (rx.brand, rx.strength_mcg_per_hour, rx.supply_days, rx.supply_quantity) == ("BuTrans", 10.0, 28, "4 patches")
    assert ("codeine", "stopped") in _reasons(letter)


@pytest.mark.parametrize("line", [
    "Had oramorph 10mg once overnight on ward for perineal pain.",
    "On ward: paracetamol, ibuprofen, oramorph 10mg x3 doses",
    "Oramorph 10 mg was given twice on the delivery suite.",
    "Morphine 5 mg was given in recovery.",
])
def test_a_dose_told_as_given_in_a_hospital_setting_is_inpatient_only(line):
    letter = line + "\nTTO:\n Paracetamol 1g qds\n"
    assert _rxs(letter) == []
    assert ("morphine", "inpatient_only") in _reasons(letter)


def test_a_drug_started_on_the_ward_round_still_goes_home():
    [rx] = _rxs("Oramorph 5mg 4-hourly when required was started on ward round and continues at home.\n")
    assert rx.dose_mg_max == 5.0


@pytest.mark.parametrize("status", ["Tramadol STOPPED.", "Tramadol - discontinued (delirium).", "Tramadol: stopped"])
def test_a_terse_stop_on_its_own_line_stops_the_drug_told_before(status):
    letter = ("Fall + delirium ?opioid toxicity: on tramadol 50 qds from GP, drowsy, pinpoint pupils in ED.\n"
              f"{status}\nMeds on d/c: paracetamol 1g qds, amlodipine 5mg od\n")
    assert _rxs(letter) == []


def test_a_stop_still_to_come_does_not_stop_the_drug_told_before():
    letter = "He takes tramadol 50 mg qds for his back.\nTramadol stopped once the pain settles, GP to review.\n"
    assert [rx.generic for rx in _rxs(letter)] == ["tramadol"]


@pytest.mark.parametrize("line, brand", [
    ("Palexai SR 50mg bd for back pain", "Palexia SR"),
    ("Zamadl SR 100mg bd", "Zamadol SR"),
    ("Palexai 50mg qds prn", "Palexia"),
])
def test_a_misspelt_brand_keeps_the_word_that_makes_it_its_own_product(line, brand):
    [rx] = _rxs("TTO:\n " + line + "\n")
    assert rx.brand == brand
    assert rx.fuzzy_match is not None


def test_a_form_only_line_wraps_its_row_even_with_capitals_in_the_directions():
    letter = (
        "│ Drug / strength      │ Directions                    │ Days │ Qty  │\n"
        "│ Co-codamol 30/500    │ TWO tablets FOUR times a day  │ 5    │ 40   │\n"
        "│ tablets              │ WHEN REQUIRED                 │      │      │\n"
        "│ Codeine phosphate 30mg │ ONE to TWO tablets up to    │ 7    │ 28   │\n"
        "│ tablets              │ FOUR times a day PRN          │      │      │\n"
    )
    rxs = _rxs(letter)
    assert [(rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn) for rx in rxs] == [
        (60.0, 60.0, 4, True), (30.0, 60.0, 4, True)]


@pytest.mark.parametrize("note, freq", [
    ("Ward pharmacist amendment: codeine - maximum of 6 tablets in 24 hours added (low weight).", 3),
    ("Pharmacist note: codeine limited to three doses a day.", 3),
    ("Pharmacist note: codeine maximum 8 tablets in 24 hours.", 4),  # no tighter than the directions
])
def test_a_cap_told_in_a_note_caps_the_listed_prescription(note, freq):
    letter = ("| Medicine                | Dose / Directions                         | Supply |\n"
              "| Codeine phosphate 30mg  | ONE to TWO tablets FOUR times a day PRN   | 7 days |\n\n" + note + "\n")
    [rx] = _rxs(letter)
    assert rx.frequency_per_day_max == freq
    assert rx.max_daily_dose_mg == 60.0 * freq


@pytest.mark.parametrize("note", [
    "Plan: reduce the codeine to a maximum of 4 tablets a day after one week, then stop.",
    "Please wean the codeine down to no more than two doses a day.",
])
def test_a_later_steps_maximum_does_not_cap_todays_prescription(note):
    letter = ("| Medicine                | Dose / Directions                         | Supply |\n"
              "| Codeine phosphate 30mg  | ONE to TWO tablets FOUR times a day PRN   | 7 days |\n\n" + note + "\n")
    [rx] = _rxs(letter)
    assert rx.frequency_per_day_max == 4


_HARD_WRAPPED = (
    "She has taken OxyContin 10 mg twice daily for neck and arm pain since 2024,\n"
    "and this is unchanged. For the post-operative pain we have added OxyNorm 5 mg\n"
    "capsules, one up to four times a day when required, 20 capsules.\n\n"
    "If her arm pain is not controlled once the OxyNorm has stopped, you could\n"
    "consider increasing the OxyContin to 15 mg twice daily, but please discuss\n"
    "with us first. Please make sure the OxyNorm has stopped by two weeks.\n"
)


def test_hard_wrapped_prose_with_a_stop_still_to_come_and_titration_advice():
    rxs = _rxs(_HARD_WRAPPED)
    assert sorted((rx.brand, rx.dose_mg_max, rx.frequency_per_day_max) for rx in rxs) == [
        ("OxyContin", 10.0, 2), ("OxyNorm", 5.0, 4)]


@pytest.mark.parametrize("plan, days", [
    ("Taper the oxycodone over the next 10 days and then stop.", 10),
    ("Wean the oxycodone down over 2 weeks, then stop.", 14),
])
def test_a_taper_over_a_period_that_ends_in_a_stop_is_a_duration(plan, days):
    [rx] = _rxs("TTO:\n Oxycodone 5mg caps 1 qds prn\n" + plan + "\n")
    assert rx.duration_days == days


def test_a_drug_a_wrapped_sentence_embeds_on_the_next_line_is_context():
    import textwrap

    prose = ("Mrs Kaur has had low back pain for many years and was admitted with a flare after a fall at home. Her "
             "fentanyl patch (Matrifen 12 micrograms/hour, changed every 72 hours) was started by our clinic in "
             "January in place of MST 30 mg twice daily, and she continues it at home. For the flare she now has "
             "oxycodone 5 mg capsules, one up to four times a day when required. Physiotherapy will see her at home "
             "next week and we will review her in the spinal clinic in six weeks with a repeat scan.")
    for width in (56, 58, 75):
        letter = textwrap.fill(prose, width) + "\n"
        assert "of\nMST" in letter or "place\nof" in letter  # the wrap falls between the cue and the drug
        rxs = _rxs(letter)
        assert sorted(rx.generic for rx in rxs) == ["fentanyl", "oxycodone"], width


@pytest.mark.parametrize("sentence", [
    "Codeine-containing medicines should be avoided after tonsillectomy, so her take-home analgesia is Oramorph "
    "10 mg/5 ml, 2.5 ml up to four times a day when required.",
    "As he must avoid NSAIDs, we have supplied Oramorph 10 mg/5 ml, 2.5 ml up to four times a day when required.",
])
def test_an_avoided_drug_told_in_another_part_of_the_sentence_is_not_this_drugs(sentence):
    [rx] = [r for r in _rxs(sentence) if r.generic == "morphine"]
    assert (rx.dose_mg_max, rx.frequency_per_day_max) == (5.0, 4)


@pytest.mark.parametrize("line", [
    "Temgesic 200 microgram sublingual tablets, one or two under the tongue every six hours when required",
    "Buprenorphine 200 microgram sublingual tablets - ONE or TWO to dissolve under the tongue up to four times a day prn",
])
def test_a_count_before_under_the_tongue(line):
    [rx] = _rxs("TTO:\n " + line + "\n")
    assert (rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max) == (0.2, 0.4, 4)


def test_a_past_told_of_something_else_after_the_sig_is_not_the_drugs():
    letter = ("He also uses Oramorph 10 mg/5 ml, 2.5 ml when required before his exercises, no more than twice a day, "
              "and the remaining 60 ml of the bottle he was using on the unit has gone home with him.")
    [rx] = _rxs(letter)
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) == (5.0, 2, "60 ml")


def test_a_stop_of_one_drug_does_not_stop_the_next_in_a_wrapped_sentence():
    import textwrap

    prose = ("She has used a BuTrans 10 micrograms/hour patch for some years. On this admission she was drowsy "
             "and hallucinating at night. We stopped the Zomorph on 15 March and reduced the BuTrans to the 5 "
             "micrograms/hour patch, still changed on Wednesdays; two patches are supplied. Her physiotherapy "
             "continues at home with the community team and the falls service will see her next month.")
    for width in (61, 90):
        letter = textwrap.fill(prose, width) + "\n"
        assert "the\nBuTrans" in letter
        [rx] = _rxs(letter)
        assert (rx.brand, rx.strength_mcg_per_hour, rx.supply_quantity) == ("BuTrans", 5.0, "2 patches")


@pytest.mark.parametrize("note, kept", [
    ("Pharmacy screening note: Co-codamol REMOVED from TTO after discussion with Dr Ferris. Do not supply.", []),
    ("Pharmacist: co-codamol 30/500 removed from the TTO at screening; codeine phosphate supplied instead.",
     ["codeine"]),
])
def test_an_item_a_note_takes_off_the_list_does_not_go_home(note, kept):
    letter = ("Drug                          Dose        Freq     Qty      Status\n"
              "Apixaban 5mg tablets          5 mg        BD       56       New\n"
              "Co-codamol 8/500 tablets      2 tabs      QDS PRN  30       New\n"
              + ("Codeine phosphate 30mg tablets 30 mg      QDS PRN  28       New\n" if kept else "")
              + "\n" + note + "\n")
    rxs = _rxs(letter)
    assert [rx.generic for rx in rxs] == kept
    assert all(rx.formulation != "combination" for rx in rxs)
    assert ("codeine", "stopped") in _reasons(letter)


@pytest.mark.parametrize("code, reason", [("SUSP", "stopped"), ("HELD", "stopped"), ("WARD", "inpatient_only"),
                                          ("Stopped", "stopped")])
def test_a_status_code_printed_before_the_name(code, reason):
    letter = ("CONT  Matrifen 12 micrograms/hour transdermal patch     1 patch every 72 hours   TD   5 patches\n"
              f"{code:<5} Co-codamol 30/500 tablets                       2 tabs QDS               PO   -\n")
    assert [rx.generic for rx in _rxs(letter)] == ["fentanyl"]
    assert ("codeine", reason) in _reasons(letter)


def test_an_instruction_to_stop_at_the_start_of_a_line_is_no_status():
    letter = "TTO:\n Codeine 30mg 1-2 qds prn x20\nPlan:\n stop codeine once stone passed.\n"
    [rx] = _rxs(letter)
    assert rx.generic == "codeine"
    assert _reasons(letter) == []


@pytest.mark.parametrize("line", [
    "OxyContin 20mg BD until 2024 - weaned off by pain clinic.",
    "Tramadol 50mg qds - weaned off by the GP last year",
])
def test_a_list_item_long_ended_is_historical(line):
    letter = "Meds on d/c:\n Oxynorm 5mg 1 cap QDS PRN - continue\n " + line + "\n"
    assert [rx.brand for rx in _rxs(letter)] == ["OxyNorm"]


def test_home_meds_of_a_day_case_letter_with_a_supply_go_home():
    letter = ("Drug allergies: none known\nHome meds:\nDyhydrocodeine 30mg 1-2 tabs QDS PRN x3d, 24 tabs\n"
              "Ibuprofen 400mg TDS with food 5 days\n")
    [rx] = _rxs(letter)
    assert (rx.generic, rx.dose_mg_max, rx.duration_days, rx.supply_quantity) == ("dihydrocodeine", 60.0, 3, "24 tablets")
    assert rx.fuzzy_match is not None


def test_home_meds_without_a_supply_are_the_admission_list():
    letter = "Home meds:\n Tramadol 50mg 1 qds\n\nTTO:\n Paracetamol 1g qds\n"
    assert _rxs(letter) == []


@pytest.mark.parametrize("line, kept", [
    ("- Tramadol 50mg (GP acute Rx) - STOP while on cocodamol", False),
    ("- Tramadol 50mg qds prn - STOP after 5 days", True),
])
def test_a_capital_stop_status_on_a_list_item(line, kept):
    letter = "Medications on discharge:\n- Cocodamol 30/500 ii QDS prn (NEW)\n" + line + "\n"
    assert ("tramadol" in [rx.generic for rx in _rxs(letter)]) == kept


def test_a_surgery_told_before_the_drug_does_not_keep_it_on_the_ward_when_it_goes_home():
    letter = ("Before surgery you had been prescribing Palexia SR 50mg twice daily for his sciatica, and he goes home "
              "on this same dose for the time being.")
    [rx] = _rxs(letter)
    assert (rx.brand, rx.dose_mg_max) == ("Palexia SR", 50.0)


@pytest.mark.parametrize("plan", [
    "the plan agreed with her and the pain team is to bring the MST down by 10 mg a dose every fortnight.",
    "we will step the MST down by 10 mg each week.",
])
def test_bringing_a_drug_down_by_a_rate_is_a_plan(plan):
    letter = "We reduced the MST Continus to 30 mg twice daily and she goes home on that dose; " + plan
    [rx] = _rxs(letter)
    assert rx.dose_mg_max == 30.0


def test_take_the_drug_every_so_often_is_still_a_prescription():
    [rx] = _rxs("TTO: take the MST 10 mg every 12 hours.")
    assert rx.frequency_per_day_max == 2


@pytest.mark.parametrize("sentence", [
    "Tramadol was considered for these, but we used oxybutynin 5 mg three times daily instead.",
    "Codeine 30 mg was considered for the pain but not started.",
])
def test_a_drug_considered_but_not_used_is_other(sentence):
    assert _rxs(sentence) == []


@pytest.mark.parametrize("freq, expected", [
    ("4h PRN max 4", 4), ("4h PRN", 6), ("2-4h prn", 12), ("QDS max 4", 4), ("2h prn, max 6", 6),
])
def test_an_interval_in_bare_hours_and_a_bare_maximum(freq, expected):
    [rx] = _rxs(f"TTO:\n Oramorph 10mg/5ml oral solution 2.5 mg {freq}\n")
    assert rx.frequency_per_day_max == expected


def test_a_phone_line_open_24_h_is_no_interval():
    letter = ("Discharge medication                           Community contacts\n"
              "OxyContin 60mg tablets                         Hospice advice line (24 h):\n"
              "ONE tablet twice a day (08:00 & 20:00)         01632 960 882\n")
    [rx] = _rxs(letter)
    assert rx.frequency_per_day_max == 2


def test_glued_headings_cut_into_known_runs():
    letter = ("MEDICINE                          DOSE       FREQ          ROUTE  DAYS LEFT ST    INDICATION\n"
              "ORAMORPH 10mg/5ml oral solution   2.5 mg     4h PRN max 4  oral   14       C     breathlessness\n"
              "ST: C = continued unchanged, N = new, S = stopped.  DAYS LEFT = days' supply issued at discharge.\n")
    [rx] = _rxs(letter)
    assert (rx.frequency_per_day_max, rx.supply_days, rx.new_on_admission) == (4, 14, False)


def test_an_amount_and_unit_column_make_the_dose():
    letter = ("│Drug             │Form   │Strength│Amount│Unit│Route│Frequency │Supply │Status                │\n"
              "│Codeine phosphate│tablet │30 mg   │30-60 │mg  │oral │QDS PRN   │40 tabs│NEW - stop after 5 days│\n"
              "│Oramorph 10mg/5ml│liquid │2 mg/ml │2.5   │ml  │oral │4-hrly PRN│100 ml │NEW                   │\n")
    rxs = _rxs(letter)
    assert [(rx.dose_mg_min, rx.dose_mg_max) for rx in rxs] == [(30.0, 60.0), (5.0, 5.0)]


def test_a_drug_a_name_cell_embeds_is_not_the_rows_owner():
    letter = ("| Status | Qty     | Frequency | Dose     | Drug |\n"
              "| NEW    | 20 sach | BD        | 1 sachet | MACROGOL compound sachets - while on oxycodone |\n"
              "| NEW    | 28 caps | 4-hrly PRN| 5-10 mg  | OXYCODONE 5mg capsules |\n")
    rxs = _rxs(letter)
    assert [(rx.generic, rx.dose_mg_max) for rx in rxs] == [("oxycodone", 10.0)]


@pytest.mark.parametrize("sentence", [
    "She has taken co-codamol 30/500 for her knees for years, and on this admission we switched her to a "
    "buprenorphine patch (BuTrans 5 micrograms/hour, changed every Tuesday); two patches are supplied.",
    "He was on tramadol 50 mg qds from his GP, and the team moved him to a BuTrans 5 micrograms/hour patch, "
    "changed weekly; two patches supplied.",
])
def test_a_drug_switched_away_from_in_the_active_voice_does_not_go_home(sentence):
    rxs = _rxs(sentence)
    assert [(rx.brand, rx.strength_mcg_per_hour) for rx in rxs] == [("BuTrans", 5.0)]


@pytest.mark.parametrize("line, days", [
    ("GP: please stop the oxycodone by 08/12.", 4),
    ("Plan: the oxycodone is to be stopped on 11/12/2026.", 7),
    ("Oxycodone until 06/12.", 2),
])
def test_an_end_date_at_a_sentence_end_or_in_a_gp_line(line, days):
    letter = "Discharged: 04/12/2026\nTTO:\n Oxycodone 5mg caps 1 qds prn x20\n" + line + "\n"
    [rx] = _rxs(letter)
    assert rx.duration_days == days
