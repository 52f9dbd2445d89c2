"""Opioid extraction from NHS discharge letters (TTOs): spaCy blank English + rule components.

    from nlp import extract_letter
    result = extract_letter(text).to_dict()

Never imports streamlit or audit_app.
"""
from nlp.drug_classes import ClassMention, classes_of, find_class_mentions, generics_in, names_in
from nlp.extraction import CoPrescription, Distractor, Finding, LetterExtraction, OpioidPrescription, letter_from_dict
from nlp.lexicon import load_lexicon, related_terms
from nlp.ome import factor_for, prescription_ome, total_ome
from nlp.pipeline import (LetterInputError, build_pipeline, coerce_text, extract_letter, extract_many, get_nlp,
                          worker_pool)

__all__ = [
    "extract_letter", "extract_many", "get_nlp", "worker_pool", "build_pipeline", "coerce_text", "LetterInputError",
    "LetterExtraction", "OpioidPrescription", "Distractor", "Finding", "CoPrescription", "letter_from_dict",
    "load_lexicon", "related_terms", "factor_for", "prescription_ome", "total_ome",
    "classes_of", "find_class_mentions", "generics_in", "names_in", "ClassMention",
]
