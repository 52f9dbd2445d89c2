"""Letters that came through a conversion (fresh10 first contact): doses dictated in words, drug names spelt out
letter by letter or damaged by OCR. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from nlp.spoken import figures_for_spoken_amounts


@pytest.mark.parametrize("said, read", [
    ("twenty milligrams twice a day", "20     milligrams twice a day"),
    ("ten milligrams in five mls", "10  milligrams in 5    mls"),
    ("two point five to five mls", "2.5            to 5    mls"),
    ("one point two five mls", "1.25               mls"),
    ("a one hundred ml bottle", "a 100         ml bottle"),
    ("twenty five micrograms per hour", "25          micrograms per hour"),
    ("two hundred micrograms", "200         micrograms"),
    ("two tablets twice a day", "two tablets twice a day"),       # counts are read in words already
    ("five five mg", "five five mg"),                             # not one number: left as written
    ("the patient was seen at ten", "the patient was seen at ten"),
])
def test_dictated_amounts_become_figures_of_the_same_length(said, read):
    out = figures_for_spoken_amounts(said)
    assert out == read and len(out) == len(said)


@pytest.mark.parametrize("letter, expected", [
    ("M.S.T. continuous twenty milligrams twice a day for his back pain, continued unchanged",
     ("morphine", "MST Continus", 20.0, 20.0, 2, False)),
    ("Oramorph ten milligrams in five mls, two point five to five mls up to four times a day P.R.N. for pain",
     ("morphine", "Oramorph", 5.0, 10.0, 4, True)),
    ("M S T ten milligrams twice a day, fourteen tablets, for one week only then stop",
     ("morphine", "MST Continus", 10.0, 10.0, 2, False)),
    ("codeine phosphate thirty milligrams one or two tablets up to four times a day when required",
     ("codeine", None, 30.0, 60.0, 4, True)),
])
def test_dictated_prescriptions_are_read_and_shown_as_dictated(letter, expected):
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.brand, rx.dose_mg_min, rx.dose_mg_max, rx.frequency_per_day_max, rx.prn) == expected
    assert rx.text == letter[rx.span[0]:rx.span[1]]  # the evidence is the letter's own words, not the figures
    assert "milligrams" in rx.text


@pytest.mark.parametrize("written, generic", [
    ("Co-dydrarnol 30/500mg tablets two four times a day when required", "dihydrocodeine"),
    ("Oxycodcne 5 mg capsules one every four hours prn", "oxycodone"),
    ("Tramadcl 50 mg capsules one qds prn", "tramadol"),
    ("Morphlne sulfate oral solution 10mg/5ml 5 ml prn", "morphine"),
])
def test_one_ocr_confusion_in_a_drug_name(written, generic):
    [rx] = extract_letter(written).opioids
    assert rx.generic == generic and rx.fuzzy_match


@pytest.mark.parametrize("words", ["Convulsion 5 mg", "Chlorine 10 mg", "Cornflour 5 g"])
def test_ocr_undoing_never_turns_ordinary_words_into_opioids(words):
    assert not extract_letter(words).opioids


@pytest.mark.parametrize("said, read", [
    ("M.S.T. continuous", "MST    continuous"),
    ("Zamadol S R fifty", "Zamadol SR  fifty"),
    ("P.R.N. for pain", "PRN    for pain"),
    ("OxyContin 10mg BD", "OxyContin 10mg BD"),   # an abbreviation written closed is left alone
    ("NHS No. 999", "NHS No. 999"),
])
def test_letters_spelt_out_are_closed_up_in_place(said, read):
    from nlp.spoken import closed_up_letters

    out = closed_up_letters(said)
    assert out == read and len(out) == len(said)


def test_spelt_out_brand_and_dictated_dose():
    letter = "Her Zamadol S R has been reduced to fifty milligrams B.D., which she is tolerating well."
    [rx] = extract_letter(letter).opioids
    assert (rx.generic, rx.formulation, rx.dose_mg_max, rx.frequency_per_day_max) == ("tramadol", "MR", 50.0, 2)
    assert rx.text == letter[rx.span[0]:rx.span[1]] and "S R" in letter[rx.span[0]:rx.span[1] + 20]


def test_an_indented_items_sub_bullets_belong_to_it():
    letter = ("Medication on discharge:\n"
              "  Hydromorphone (Palladone) 2.6mg capsules   TWO capsules (5.2mg) up to every 4 hours\n"
              "       when required for breakthrough pain  -  56 capsules  (new)\n"
              "  Paracetamol 1g QDS\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.prn, rx.quantity_n, rx.new_on_admission) == (True, 56, True)


@pytest.mark.parametrize("said, read", [
    ("OxyNorm (oxy-\ncodone IR) 20mg", "OxyNorm (oxycodone   IR) 20mg"),
    ("Her usual co-coda-\nmol 30/500", "Her usual co-codamol   30/500"),
    ("was con-\nverted to", "was con-\nverted to"),        # not a drug name: the line break stays
    ("twice dai-\nly", "twice dai-\nly"),
])
def test_drug_names_hyphenated_across_a_line_end_are_joined_in_place(said, read):
    from nlp.spoken import joined_drug_hyphenation

    out = joined_drug_hyphenation(said)
    assert out == read and len(out) == len(said)


def test_a_hyphenated_drug_name_is_read_and_shown_as_written():
    letter = "Her usual co-coda-\nmol 30/500 was stopped on admission (drowsy).\nDischarge medicines: paracetamol 1 g qds"
    [d] = extract_letter(letter).distractors
    assert (d.generic, d.reason) == ("codeine", "stopped") and d.text.startswith("Her usual co-coda-\nmol")
