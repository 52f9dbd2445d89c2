"""Accuracy on the dev split (thresholds from the issue, computed by nlp.evaluate), robustness on MTSamples,
bad input and batch behaviour."""
from __future__ import annotations

import json

import pytest

from nlp.evaluate import THRESHOLDS, evaluate
from nlp.pipeline import extract_letter, extract_many


@pytest.fixture(scope="module")
def dev_report(dev_letters):
    return evaluate(dev_letters)


def test_dev_thresholds(dev_report):
    failing = {k: v for k, v in dev_report["thresholds"].items() if not v["pass"]}
    assert not failing, failing
    assert set(dev_report["thresholds"]) == set(THRESHOLDS)


def test_dev_no_errors_and_distractors_kept_apart(dev_report):
    assert dev_report["errors"] == 0
    assert dev_report["distractors"]["false_positive_rate"] <= 0.02


def test_misses_never_contain_letter_text(dev_letters, dev_report):
    texts = [r["text"] for r in dev_letters]
    for m in dev_report["misses"]:
        for v in (m["expected"], m["predicted"]):
            if isinstance(v, str) and len(v) > 200:
                assert not any(v in t for t in texts)


def test_mtsamples_all_run(corpora_dir):
    with open(corpora_dir / "mtsamples_opioid_notes.jsonl", encoding="utf-8") as fh:
        notes = [json.loads(line) for line in fh if line.strip()]
    assert len(notes) == 328
    results = list(extract_many([n["text"] for n in notes]))
    assert len(results) == len(notes)
    assert all(r.error is None for r in results)
    for note, r in zip(notes, results):
        d = r.to_dict()
        for o in d["opioids"]:
            s, e = o["span"]
            assert note["text"][s:e] == o["text"]


@pytest.mark.parametrize("bad", ["", "   \n\n", None, b"", "Discharge letter. No medicines changed.\n"])
def test_empty_or_no_opioid(bad):
    d = extract_letter(bad).to_dict()
    assert d["opioids"] == [] and d["risk_flags"] == [] and d["error"] is None


def test_binary_bytes_give_clear_error():
    d = extract_letter(bytes(range(256)) * 50).to_dict()
    assert d["opioids"] == [] and "text" in d["error"]


def test_other_encodings_are_decoded():
    text = "Medications on discharge:\n- Codeine 30mg tablets 30mg QDS PRN – café\n"
    for enc in ("cp1252", "utf-16", "utf-8"):
        d = extract_letter(text.encode(enc)).to_dict()
        assert d["error"] is None and d["opioids"][0]["generic"] == "codeine", enc


def test_huge_letter_is_refused_cleanly():
    d = extract_letter("Codeine 30mg QDS. " * 300_000).to_dict()  # ~5.4 MB
    assert d["opioids"] == [] and "too long" in d["error"]


def test_batch_survives_bad_letters():
    texts = ["Medications on discharge:\n- Tramadol 50mg capsules 50mg QDS PRN\n", bytes(range(256)) * 20, 12345, "",
             "Medications on discharge:\n- Oramorph 10mg/5ml 2.5ml QDS PRN\n"]
    out = list(extract_many(texts))
    assert len(out) == 5
    assert out[0].opioids[0].generic == "tramadol"
    assert out[1].error and out[2].error and out[3].error is None
    assert out[4].opioids[0].brand == "Oramorph"


def test_extract_many_two_processes_same_result(dev_letters):
    texts = [r["text"] for r in dev_letters[:12]]
    one = [x.to_dict() for x in extract_many(texts)]
    two = [x.to_dict() for x in extract_many(texts, n_process=2, batch_size=4)]
    assert one == two
