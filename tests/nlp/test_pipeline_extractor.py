"""The extraction pipeline (get_extractor) reads letters exactly as the full pipeline (get_nlp) does, without
writing doc.spans; the full pipeline still writes them for callers that want the Doc."""
from __future__ import annotations

import json
from pathlib import Path

from nlp.pipeline import extract_letter, extract_many, get_extractor, get_nlp

DATA = Path(__file__).resolve().parents[1] / "data"

LETTER = ("Medications on discharge:\n- Zomorph 30mg BD\n- Oramorph 10mg/5ml 5ml up to 4-hourly PRN\n\n"
          "Plan: GP to review and wean the morphine over 2 weeks.\n")


def test_same_extraction_with_and_without_spans():
    lines = [x for x in (DATA / "discharge_letters_handwritten_dev.jsonl").read_text(encoding="utf-8").splitlines() if x]
    texts = [LETTER] + [json.loads(x)["text"] for x in lines[::10]]
    full = [extract_letter(t, nlp=get_nlp()).to_dict() for t in texts]
    assert [extract_letter(t).to_dict() for t in texts] == full
    assert [x.to_dict() for x in extract_many(texts)] == full


def test_only_the_full_pipeline_writes_spans():
    full = get_nlp()(LETTER)
    assert [s.label_ for s in full.spans["drug_mentions"]] == ["morphine", "morphine", "morphine"]
    doc = get_extractor()(LETTER)
    assert not doc.spans
    assert [rx.generic for rx in doc._.opioid_extraction.opioids] == ["morphine", "morphine"]
