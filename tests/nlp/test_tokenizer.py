"""The letter tokenizer: every character in exactly one token, spaCy's whitespace conventions,
spans written by the components fall on the words they name."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.pipeline import get_nlp


def tokens(text: str) -> list[tuple[str, str]]:
    return [(t.text, t.whitespace_) for t in get_nlp().tokenizer(text)]


def test_words_numbers_symbols_and_whitespace():
    assert tokens("Oxycodone 5mg  PRN\n(max 2.5ml)") == [
        ("Oxycodone", " "), ("5", ""), ("mg", " "), (" ", ""), ("PRN", ""), ("\n", ""), ("(", ""),
        ("max", " "), ("2.5", ""), ("ml", ""), (")", "")]


def test_leading_and_trailing_whitespace_are_tokens():
    assert tokens("  a \t") == [("  ", ""), ("a", " "), ("\t", "")]
    assert tokens("") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_doc_text_is_the_letter(text):
    doc = get_nlp().tokenizer(text)
    assert doc.text == text
    assert "".join(t.text_with_ws for t in doc) == text
    assert all(t.text for t in doc)


def test_drug_span_is_exactly_the_drug_word():
    text = "Medications on discharge:\n- Oxycodone(5mg) capsules 5mg 4-hourly PRN\n"
    doc = get_nlp()(text)
    drugs = [s for s in doc.spans["drug_mentions"]]
    assert [(s.text, s.label_) for s in drugs] == [("Oxycodone", "oxycodone")]
