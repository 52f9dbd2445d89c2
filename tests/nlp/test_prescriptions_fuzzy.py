"""Misspelt drug names: one slip in a name of six letters or more is read as that drug; short names and
ordinary words never are."""
from __future__ import annotations

import pytest

from nlp.lexicon import load_lexicon
from nlp.pipeline import extract_letter
from nlp.prescriptions import find_mentions

MISSPELT = [
    ("morphone", "morphine"),  # wrong letter
    ("oxycodne", "oxycodone"),  # dropped letter
    ("tapentadoll", "tapentadol"),  # doubled letter
    ("fenatnyl", "fentanyl"),  # swapped letters
    ("Buprenorphin", "buprenorphine"),
    ("Zomorphh", "zomorph"),
    ("methadon", "methadone"),
    ("co-codomol", "co-codamol"),
    ("codiene", "codeine"),
]


@pytest.mark.parametrize("word,key", MISSPELT)
def test_misspelt_names_map_to_the_lexicon(word, key):
    assert load_lexicon().fuzzy_key(word) == key


NEVER = [
    "morphing",  # an English word one edit from morphine
    "shorter",  # one edit from Shortec
    "surgeon",  # one edit from the case-sensitive brand Turgeon
    "Tramal",  # five letters: too short to guess
    "oxygen", "method", "patient", "tablets", "morning", "tramline",
]


@pytest.mark.parametrize("word", NEVER)
def test_words_that_never_fuzzy_match(word):
    assert load_lexicon().fuzzy_key(word) is None


def test_short_exact_names_are_not_fuzzy_targets():
    lex = load_lexicon()
    # "DHC" and "MST" are exact terms; a five-letter word next to them never matches
    assert lex.fuzzy_key("MSTs") is None and lex.fuzzy_key("DHCs") is None


LETTERS = [
    ("TTO:\n- Tramdol 50mg caps 1 qds prn\n", "tramadol", "Tramdol -> tramadol"),
    ("Discharge medications:\n- Oxycodonne 5mg capsules 5mg 4 hourly prn\n", "oxycodone", "Oxycodonne -> oxycodone"),
    ("She went home on morphne sulfate 10mg tablets four times a day as required.\n", "morphine", "morphne -> morphine"),
]


def test_only_words_followed_by_a_figure_are_tried():
    # a misspelt name with no dose nearby cannot start a prescription: the fuzzy pass does not look at it
    assert [m.fuzzy_of for m in find_mentions("she had stopped her tramdol last year")] == []
    assert [m.fuzzy_of for m in find_mentions("tramdol 50mg")] == ["tramadol"]


@pytest.mark.parametrize("letter,generic,evidence", LETTERS)
def test_misspelt_prescription_is_extracted_and_marked(letter, generic, evidence):
    ops = extract_letter(letter).to_dict()["opioids"]
    assert [o["generic"] for o in ops] == [generic]
    assert ops[0]["fuzzy_match"] == evidence


def test_exact_names_are_not_marked_fuzzy():
    ops = extract_letter("TTO:\n- Tramadol 50mg caps 1 qds prn\n").to_dict()["opioids"]
    assert ops[0]["fuzzy_match"] is None


def test_fuzzy_never_overlaps_exact_matches():
    text = "oxycodone 5mg, oxycodne 5mg, morphine 10mg, morphing 2 times"
    ms = find_mentions(text)
    assert [(m.surface, m.fuzzy_of) for m in ms] == [("oxycodone", None), ("oxycodne", "oxycodone"), ("morphine", None)]
