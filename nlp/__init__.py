"""Opioid extraction from NHS discharge letters (TTOs): spaCy blank English + rule components.

    from nlp import extract_letter
    result = extract_letter(text).to_dict()

Never imports streamlit or audit_app.
"""
from nlp.drug_classes import ClassMention, classes_of, find_class_mentions, generics_in, names_in
from nlp.extraction import CoPrescription, Distractor, Finding, LetterExtraction, OpioidPrescription, letter_from_dict
from nlp.lexicon import load_lexicon, related_terms
from nlp.ome import factor_for, prescription_ome, total_ome
from nlp.version import extractor_version

#: which extractor read a letter (package version + hash of nlp/data), stored with every extraction
__version__ = extractor_version()

# nlp.pipeline loads spaCy (~1 s, several under load): its names are imported on first use, so the
# lexicon, drug classes, OME and version (e.g. reading a spreadsheet's drug columns) do not wait for it.
_PIPELINE_NAMES = ("LetterInputError", "build_pipeline", "coerce_text", "extract_letter", "extract_many", "get_nlp", "get_extractor",
                   "worker_pool", "extract_chunk", "extract_chunks_in_processes")


def __getattr__(name: str):
    if name in _PIPELINE_NAMES:
        from nlp import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")

__all__ = [
    "extract_letter", "extract_many", "get_nlp", "get_extractor", "worker_pool", "extract_chunk", "extract_chunks_in_processes", "build_pipeline", "coerce_text", "LetterInputError",
    "LetterExtraction", "OpioidPrescription", "Distractor", "Finding", "CoPrescription", "letter_from_dict",
    "load_lexicon", "related_terms", "factor_for", "prescription_ome", "total_ome",
    "classes_of", "find_class_mentions", "generics_in", "names_in", "ClassMention",
]
