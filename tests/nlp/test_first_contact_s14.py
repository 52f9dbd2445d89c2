"""Classes found in session 14. Letters written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.lexicon import load_lexicon
from nlp.pipeline import extract_letter

HEAD = "ASHFORD VALE HOSPITAL - Discharge summary\nPatient: Test Person  DOB 02/03/1958  Discharged 14/05/2026\n\n"


def _rxs(body: str):
    return extract_letter(HEAD + body).opioids


# sound-alike spellings: "ph" written "f" and back, "c" written "k"
@pytest.mark.parametrize("word, key", [("zomorf", "zomorph"), ("morfine", "morphine"), ("oramorf", "oramorph"),
                                       ("phentanyl", "fentanyl"), ("kodeine", "codeine")])
def test_sound_alike_spellings_are_read_as_the_drug(word, key):
    assert load_lexicon().fuzzy_key(word) == key


@pytest.mark.parametrize("word", ["office", "staff", "profile", "before", "kaolin"])
def test_ordinary_words_with_f_or_k_are_no_drug(word):
    assert load_lexicon().fuzzy_key(word) is None


def test_a_sound_alike_brand_on_a_list_line_is_a_prescription():
    rxs = _rxs("Regular:\nZomorf MR 10mg bd - NEW - 28 caps\nparacetamol 500mg qds\n")
    assert [(r.generic, r.formulation, r.dose_mg_min, r.frequency_per_day_max) for r in rxs] == [("morphine", "MR", 10.0, 2)]
    assert rxs[0].fuzzy_match is not None


# "ward only" written on a discharge-list item keeps that item in hospital, wherever on its line it stands
@pytest.mark.parametrize("line, generic", [
    ("Tramadol 50mg capsules 50mg PRN (ward only)", "tramadol"),
    ("Tramadol 50mg PRN - WARD ONLY", "tramadol"),
    ("Oramorph 10mg/5ml 5mg prn - ward use only", "morphine"),
    ("Codeine 30mg qds prn   inpatient-only", "codeine"),
])
def test_a_ward_only_item_on_the_discharge_list_is_inpatient_only(line, generic):
    ex = extract_letter(HEAD + "Medications on discharge:\nParacetamol 1g qds\n" + line + "\nLaxido 1 sachet bd\n")
    assert ex.opioids == []
    assert [(d.generic, d.reason) for d in ex.distractors] == [(generic, "inpatient_only")]


def test_ward_stock_is_not_ward_only():
    ex = extract_letter(HEAD + "Medications on discharge:\nOramorph 10mg/5ml 5mg prn - 100ml (ward stock used first)\n")
    assert [r.generic for r in ex.opioids] == ["morphine"]


# an instruction to hold a drug now stops it, even where the letter told its usual dose outside any story
@pytest.mark.parametrize("body, generic", [
    ("Seen after a fall. Extra codeine (usual 30mg qds for back pain) taken over the weekend.\n"
     "Advice: HOLD codeine until GP review.\n", "codeine"),
    ("Wife called - v drowsy. Extra tramadol (usual 50mg QDS for OA knee) + new amitriptyline.\n"
     "Advice: HOLD tramadol + amitriptyline until seen by own GP.\n", "tramadol"),
])
def test_a_drug_held_now_is_no_prescription(body, generic):
    ex = extract_letter(HEAD + body)
    assert ex.opioids == []
    assert (generic, "stopped") in [(d.generic, d.reason) for d in ex.distractors]


@pytest.mark.parametrize("body", [
    "Tramadol 50mg qds prn for knee pain - usual medicine.\nHold tramadol if drowsy.\n",
    "Tramadol 50mg qds prn for knee pain.\nHold tramadol if he becomes drowsy and contact GP.\n",
    "Continue tramadol 50mg qds prn for knee pain.\nHold tramadol if drowsy or confused.\n",
])
def test_a_conditional_hold_leaves_the_prescription(body):
    assert [r.generic for r in extract_letter(HEAD + body).opioids] == ["tramadol"]


BOX = """Summary: abscess drained, IV then oral antibiotics.

┌──────────────────────────────┬────────────────────────┬───────┬───────────┬──────────────────────┐
│ Medicine                     │ Dose / frequency       │ Qty   │ Status    │ Notes                │
├──────────────────────────────┼────────────────────────┼───────┼───────────┼──────────────────────┤
│ {drug:<28} │ 30 mg four times a     │ 20    │ New       │ {note1:<20} │
│                              │ day when required      │       │           │ {note2:<20} │
├──────────────────────────────┼────────────────────────┼───────┼───────────┼──────────────────────┤
│ Mirtazapine 15 mg tablets    │ 15 mg at night         │ own   │ Continued │                      │
└──────────────────────────────┴────────────────────────┴───────┴───────────┴──────────────────────┘
"""


@pytest.mark.parametrize("drug, note1, note2", [
    ("Dihydrocodeine 30 mg tablets", "wound pain;", "5 days then stop"),
    ("Codeine 30 mg tablets", "for wound pain -", "wean off by day 5"),
])
def test_a_plan_on_the_wrapped_line_of_an_opioids_table_row_is_its_plan(drug, note1, note2):
    ex = extract_letter(HEAD + BOX.format(drug=drug, note1=note1, note2=note2))
    assert len(ex.opioids) == 1 and ex.weaning_plan.present


@pytest.mark.parametrize("drug, note1, note2, plan", [
    ("Dihydrocodeine 30 mg tablets", "NEW.", "Max 7 days.", False),   # a bare cap is the row's duration, no plan
    ("Ibuprofen 400 mg tablets", "wound pain;", "5 days then stop", False),  # the plan of another drug's row
    ("Laxido sachets", "while on morphine;", "stop if loose", False),  # the laxative's row names the opioid later
])
def test_a_wrapped_line_is_read_as_its_rows_first_line_would_be(drug, note1, note2, plan):
    ex = extract_letter(HEAD + BOX.format(drug=drug, note1=note1, note2=note2))
    assert ex.weaning_plan.present is plan


@pytest.mark.parametrize("sep", ["|", "\u2502", "\u2551"])
def test_a_gp_request_in_a_cell_of_an_opioids_row_is_a_gp_instruction(sep):
    row = [" Drug ", " Dose ", " Frequency ", " Qty ", " Status ", " Comments "]
    val = [" Tramadol 50mg capsules ", " 50-100mg ", " 6 hrly PRN (max 400mg/24h) ", " 28 ", " New ",
           " pain; GP to review at 1 week "]
    table = "".join(sep + sep.join(r) + sep + "\n" for r in (row, val))
    ex = extract_letter(HEAD + "Discharge meds:\n" + table)
    assert ex.gp_instruction.present and ex.gp_instruction.text == "pain; GP to review at 1 week"


def test_a_box_drawn_cell_holding_a_bare_cap_is_no_plan():
    body = ("Summary: x.\n\n\u2502 Medicine                     \u2502 Dose          \u2502 Notes            \u2502\n"
            "\u2502 Dihydrocodeine 30 mg tablets \u2502 30 mg qds prn \u2502 NEW. Max 7 days. \u2502\n")
    assert not extract_letter(HEAD + body).weaning_plan.present


TTO_OXY = "TTO\nOxynorm 5mg caps 1 cap up to QDS prn - 12 caps (3 days) - new\nlactulose 10ml bd\n\n"


# a refusal of repeats is an action for the GP ('not for repeat prescribing' is the issue's own example)
@pytest.mark.parametrize("line", [
    "Wean off the Oxynorm before the 12 caps run out - not for GP repeat.",
    "Oxynorm not for GP repeat.",
    "Not for repeat prescribing.",
    "Oxynorm is not to be added to repeats.",
    "NOT FOR REPEATS.",
])
def test_not_for_repeat_is_a_gp_instruction(line):
    assert extract_letter(HEAD + TTO_OXY + line + "\nMidwife visit day 3.\n").gp_instruction.present


def test_another_drugs_line_refusing_repeats_is_no_opioid_instruction():
    body = "TTO\nOxynorm 5mg caps 1 cap up to QDS prn - 12 caps (3 days) - new\nlactulose 10ml bd - not for repeat prescribing\n"
    assert not extract_letter(HEAD + body).gp_instruction.present


NO_OPIOID = "Discharged on paracetamol 1g qds only.\n\nPlan:\n1. Alcohol team follow-up.\n2. "


# a request that opioids as a class not be given is the GP instruction of a letter that discharges none
@pytest.mark.parametrize("line", [
    "I would ask that he is not given opioid analgesia from the practice without discussing him with our team first.",
    "GP: please do not prescribe opioids for her headaches.",
    "We would be grateful if opiates were not prescribed by the practice.",
    "Please avoid prescribing any opioid medicines - medication overuse headache.",
])
def test_a_request_not_to_prescribe_opioids_is_a_gp_instruction_and_no_plan(line):
    ex = extract_letter(HEAD + NO_OPIOID + line + "\n")
    assert ex.opioids == [] and ex.gp_instruction.present and not ex.weaning_plan.present


@pytest.mark.parametrize("line", [
    "No opioids were needed during the admission; GP to review his blood pressure.",
    "She was not given opioids in hospital.",
])
def test_opioids_told_of_without_a_request_are_no_gp_instruction(line):
    assert not extract_letter(HEAD + NO_OPIOID + line + "\n").gp_instruction.present


# a medicine line that opens with another medicine's name and strength is its own line, never the wrapped tail of
# the opioid's line above it: its stop is that medicine's
@pytest.mark.parametrize("line", ["oxybutynin 2.5mg bd prn spasm - stop once cath out",
                                  "prednisolone 30mg od - reduce by 5mg weekly then stop",
                                  "lansoprazole 15mg od - stop when off the naproxen"])
def test_the_stop_on_the_next_medicines_line_is_not_the_opioids_plan(line):
    body = "TTO:\nco-codamol 8/500 two tabs QDS when req for catheter discomfort x thirty two\n" + line + "\n"
    assert not extract_letter(HEAD + body).weaning_plan.present


def test_a_wrapped_sentence_still_carries_its_drug_onto_the_next_line():
    body = ("Medication on discharge as below. For breakthrough pain he may\ntake 5mg more of the oxycodone "
            "liquid but only for five more days then stop.\nOxycodone 5mg/5ml liquid 5mg 4-hourly prn - 100ml\n")
    assert extract_letter(HEAD + body).weaning_plan.present


TYPED = ("Medications on discharge:\n- Oxycodone 5 mg capsules, 1-2 caps every 4-6 hours when required, max 4 doses/24h "
         "- 5 days supply - NEW for rib fracture pain\n- Laxido 1 sachet bd while on oxycodone\n\n"
         "GP: please review at 1 week and don't add oxycodone to the patient's repeats.\n"
         "Plan: stop oxycodone after 5 days.\n")


def _reading(ex):
    return ([(r.generic, r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max, r.prn, r.supply_days, r.status)
             for r in ex.opioids], ex.weaning_plan.present, ex.gp_instruction.present, ex.ome_total_mg_per_day)


# a letter pasted from a word processor, a PDF or a web page (no-break and thin spaces, curly apostrophes, full-width
# colons, Unicode hyphens) reads as the same letter typed, and its evidence is shown as it was written
@pytest.mark.parametrize("swap", [
    lambda t: t.replace(" ", "\u00a0"),
    lambda t: t.replace(" mg", "\u202fmg").replace(" days", "\u2009days"),
    lambda t: t.replace("'", "\u2019"),
    lambda t: t.replace(":", "\uff1a"),
    lambda t: t.replace("1-2", "1\u20102").replace("4-6", "4\u22126"),
])
def test_typographic_characters_read_as_typed(swap):
    plain = extract_letter(HEAD + TYPED)
    typo_text = HEAD + swap(TYPED)
    typo = extract_letter(typo_text)
    assert _reading(typo) == _reading(plain) and typo.opioids
    rx = typo.opioids[0]
    assert rx.text == typo_text[rx.span[0]:rx.span[1]]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_ends_read_as_newlines(newline):
    body = ("Started Butec 5 patch (change every 7 days, Thurs) for rib # pain x2 patches -\n"
            "care home to remove + stop after 2nd patch (2/52 total)\n+ paracetamol 500mg qds\n\nGP to r/v 1/52\n")
    plain = extract_letter(HEAD + body)
    other = extract_letter((HEAD + body).replace("\n", newline))
    assert _reading(other) == _reading(plain)
    assert [r.duration_days for r in other.opioids] == [14]


# a sig that a line break cut after the dose goes on over the break, however short the letter (no margin to learn)
@pytest.mark.parametrize("body, want", [
    ("On discharge we have started oxycodone 5mg/5ml oral solution, 2.5mg (2.5ml)\nup to four times a day when "
     "required for hip pain.\n", ("oxycodone", 2.5, 4, True)),
    ("On discharge we have started oxycodone 5 mg/5 ml oral solution, 2.5 mg (2.5 ml)\nup to four times a day when "
     "required for hip pain.\n", ("oxycodone", 2.5, 4, True)),
    ("We started codeine 30mg\nqds prn for 5 days.\n", ("codeine", 30.0, 4, True)),
    ("She goes home on MST 10mg\ntwice daily, which is new.\n", ("morphine", 10.0, 2, False)),
])
def test_a_sig_cut_after_its_dose_goes_on_over_the_line_break(body, want):
    rxs = extract_letter("Dear Dr Hale,\n\n" + body).opioids
    assert [(r.generic, r.dose_mg_max, r.frequency_per_day_max, r.prn) for r in rxs] == [want]


# a unit written out after a figure, as dictation software types it, is the unit's symbol
@pytest.mark.parametrize("line, want", [
    ("Co-codamol 30/500 milligrams two tablets four times a day when required", ("codeine", 30.0, 60.0, 60.0)),
    ("Zapain 30/500 milligram tablets, one or two four times a day when required", ("codeine", 30.0, 30.0, 60.0)),
    ("Tramacet 37.5/325 milligrams 1-2 tablets qds prn", ("tramadol", 37.5, 37.5, 75.0)),
    ("Oramorph 10 milligrams in 5 millilitres, 5 milligrams four-hourly when required", ("morphine", 2.0, 5.0, 5.0)),
    ("| Co-codamol 30 milligrams/500 milligrams tablets | 1-2 tabs | PO | QDS PRN | 32 | New |", ("codeine", 30.0, 30.0, 60.0)),
    ("| Tramacet 37.5 milligrams/325 milligrams tablets | 1-2 tabs | PO | QDS PRN | 30 | New |",
     ("tramadol", 37.5, 37.5, 75.0)),
])
def test_units_written_out_read_as_symbols(line, want):
    table = "| Medication | Dose | Route | Frequency | Qty | Status |\n" if line.startswith("|") else ""
    rxs = _rxs("Medications on discharge:\n" + table + line + "\n")
    assert [(r.generic, r.strength_mg, r.dose_mg_min, r.dose_mg_max) for r in rxs] == [want]


# dotted abbreviations in capitals are two abbreviations, never one run of spelt-out letters ("QDSPRN")
@pytest.mark.parametrize("line, want", [
    ("Co-codamol 30/500 1-2 tabs Q.D.S. P.R.N. 5 days", (4, True)),
    ("Oxycodone 5mg caps Q.D.S. P.R.N.", (4, True)),
    ("Tramadol 50mg caps 1-2 T.D.S. P.R.N.", (3, True)),
    ("M.S.T. 10mg B.D.", (2, False)),
    ("M S T 10mg B D", (2, False)),
])
def test_dotted_capital_abbreviations_read_one_by_one(line, want):
    rxs = _rxs("TTO:\n" + line + "\n")
    assert [(r.frequency_per_day_max, r.prn) for r in rxs] == [want]


# a capitals-only abbreviation (MST, DHC) typed in lower case is the drug before a figure, and only there
@pytest.mark.parametrize("line, generic", [("mst 10mg tabs 1 bd for bone pain #28 (new)", "morphine"),
                                           ("- dhc 30mg 1 tab qds prn pain #28 supply 7 days", "dihydrocodeine"),
                                           ("Mst 15 mg bd - cont", "morphine")])
def test_a_lower_case_abbreviation_before_a_figure_is_the_drug(line, generic):
    assert [r.generic for r in _rxs("TTO:\n" + line + "\n")] == [generic]


@pytest.mark.parametrize("body", ["Seen by the mst team today.\n", "Plan: dhc review in clinic.\n"])
def test_a_lower_case_abbreviation_without_a_figure_is_no_drug(body):
    assert extract_letter(HEAD + body).opioids == [] and extract_letter(HEAD + body).distractors == []
