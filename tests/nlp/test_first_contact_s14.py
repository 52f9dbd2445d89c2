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
