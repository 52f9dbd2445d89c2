"""WordListPattern (nlp/rules.py) answers exactly the offsets of the case-insensitive regex it replaces,
including the characters re.IGNORECASE equates with ASCII letters and text whose lower-casing moves offsets."""
from __future__ import annotations

import re

import pytest

from nlp.lexicon import load_lexicon
from nlp.rules import WordListPattern, fold_case

WORDS = ["stop", "wean", "gp", "r/v", "come off", "step-down", "last dose", "kindly", "sk", "stopping", "st", "step"]  # prefixes: longest wins

TEXTS = [
    "GP to STOP the tramadol; Wean over 2/52. r/v in clinic",
    "ſtop it, then ſk; the Kelvin K sign: Kindly",  # long s, Kelvin sign: equal to s / k under IGNORECASE
    "dotless ı: gp Step-Down; İstanbul gp stop",  # İ lower-cases to two characters: exact fallback
    "xstop stopx restop GPs gp1 _gp 2gp",  # boundaries: a letter before blocks, digits/underscore do not
    "",
    "ÆØÅ café naïve — COME OFF … last  dose LAST DOSE",
]


def exact(words, end_boundary=False):
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"(?<![A-Za-z])(?:" + alts + ")" + (r"(?![A-Za-z])" if end_boundary else ""), re.I)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("end_boundary", [False, True])
def test_same_offsets_as_case_insensitive_regex(text, end_boundary):
    fast = WordListPattern.of_words(WORDS, end_boundary=end_boundary)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in exact(WORDS, end_boundary).finditer(text)]


def test_fold_case_keeps_offsets_or_declines():
    assert fold_case("MST ſ ı") == "mst s i"
    assert fold_case("İ") is None  # two characters once lower-cased
    assert fold_case("abc") == "abc"


@pytest.mark.parametrize("text", ["5 µg and 5 μg, 10 ΜG", "Ärztin stop"])
def test_non_ascii_words_run_on_the_original_text(text):
    words = ["µg", "ärztin", "stop"]
    fast = WordListPattern.of_words(words)
    assert fast.fast is None
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in exact(words).finditer(text)]


@pytest.mark.parametrize("text", ["Patient on MORPHINE sulfate and OxyContin", "ZOMORPH İ zomorph",
                                  "ſevredol 10mg", "co-codamol/Co-Codamol"])
def test_lexicon_matches_read_the_original_text(text):
    for s, e, surface in load_lexicon().iter_matches(text):
        assert surface == text[s:e]
