"""Import a round end to end: prepare (nothing saved), accept (one transaction), mapping remembered."""
from __future__ import annotations

import datetime as dt
import sys
import types

import pytest

from audit_app import importing
from audit_app.ingest import IngestError


def test_prepare_saves_nothing_and_accept_saves_the_round(store, rounds_dir):
    path = rounds_dir / "trust_a_round1.xlsx"
    trust = store.create_trust("Trust A")
    prepared = importing.prepare_import(path, trust_id=trust.id, store=store, extract=False)
    assert prepared.can_accept and len(prepared.records) == 41
    assert store.list_rounds(trust.id) == [] and store.latest_column_mapping(trust.id) is None
    assert prepared.period == (dt.date(2024, 1, 13), dt.date(2025, 10, 20))
    seen = []
    rid = importing.accept_import(store, prepared, trust_id=trust.id, label="Round 1",
                               progress=lambda d, t: seen.append((d, t)))
    [info] = store.list_rounds(trust.id)
    assert info.id == rid and info.n_letters == 41 and info.label == "Round 1"
    assert (info.period_start, info.period_end) == (dt.date(2024, 1, 13), dt.date(2025, 10, 20))
    assert seen and seen[-1] == (41, 41)
    letters = store.letters(rid)
    assert len(letters) == 41
    first = min(letters, key=lambda l: l.source_row)
    assert first.source_row == 4 and first.record["letter_id"] == "R1-001"
    assert first.record["days_supplied"] == 28 and first.record["days_supplied_raw"] == "4/52"
    assert first.standard_results, "standards were evaluated"
    assert {r["standard_id"] for r in first.standard_results} >= {"OD-04"}
    issues = store.import_issues(rid)
    assert any(i["row"] == 46 and "summary" in i["message"] for i in issues)
    assert store.latest_column_mapping(trust.id) == prepared.mapping_dict()


def test_explicit_period_and_duplicate_label(store, rounds_dir):
    trust = store.create_trust("Trust B")
    path = rounds_dir / "trust_a_round3.xlsx"
    prepared = importing.prepare_import(path, extract=False)
    importing.accept_import(store, prepared, trust_id=trust.id, label="R3", period_start=dt.date(2025, 1, 1),
                         period_end=dt.date(2025, 3, 31))
    [info] = store.list_rounds(trust.id)
    assert (info.period_start, info.period_end) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    from audit_app.store import StoreError

    with pytest.raises(StoreError, match="already has a round"):
        importing.accept_import(store, prepared, trust_id=trust.id, label="R3")
    assert len(store.list_rounds(trust.id)) == 1


def test_mapping_remembered_per_trust(store, rounds_dir):
    a = store.create_trust("Trust A")
    b = store.create_trust("Trust B")
    path = rounds_dir / "trust_a_round2.xlsx"
    # the user confirms the suggestion with one edit: 'Comments' kept as an extra column
    edited = {"Comments": None, "ID": "letter_id"}
    p1 = importing.prepare_import(path, mapping=edited, trust_id=a.id, store=store, extract=False)
    assert p1.mapping.field_for("Comments") is None
    commented = [r for r in p1.records if r.extra.get("Comments")]
    assert commented and all(r.comments is None for r in p1.records)
    importing.accept_import(store, p1, trust_id=a.id, label="R2")
    remembered = store.latest_column_mapping(a.id)
    # leaving 'Comments' unmapped is a decision, remembered as such
    assert remembered["Comments"] is None and remembered["ID"] == "letter_id"
    # next round for trust A: the remembered mapping is offered first (headings that still exist)
    p2 = importing.prepare_import(path, trust_id=a.id, store=store, extract=False)
    assert p2.remembered_mapping == remembered
    col = {c.heading: c for c in p2.mapping.columns}
    assert col["ID"].source == "remembered" and col["ID"].confidence == 1.0
    assert col["Comments"].source == "remembered" and col["Comments"].field is None
    assert all(r.comments is None for r in p2.records)
    # trust B has nothing remembered
    p3 = importing.prepare_import(path, trust_id=b.id, store=store, extract=False)
    assert p3.remembered_mapping is None
    assert all(c.source != "remembered" for c in p3.mapping.columns)


def test_remembered_mapping_only_for_headings_that_still_exist(store, rounds_dir):
    t = store.create_trust("Trust C")
    store.save_column_mapping(t.id, {"Old heading": "drug", "Date of discharge": "discharge_date",
                                     "Ward/Spec": "ward"})
    p = importing.prepare_import(rounds_dir / "trust_a_round3.xlsx", trust_id=t.id, store=store, extract=False)
    col = {c.heading: c for c in p.mapping.columns}
    assert col["Ward/Spec"].field == "ward" and col["Ward/Spec"].source == "remembered"
    assert col["Opioid(s) on discharge"].field == "drug"      # suggestion, the old heading is gone
    assert "Old heading" not in col


def test_round_with_errors_is_refused_and_store_unchanged(store, rounds_dir, tmp_path):
    t = store.create_trust("Trust D")
    # map 'Comments' to age: text in a number column on every commented row
    p = importing.prepare_import(rounds_dir / "trust_a_round1.xlsx", mapping={"Comments": "age"}, extract=False)
    assert p.report.has_errors and not p.can_accept
    # most comments cannot be an age: the mapping is wrong, and the one error says which column to remap
    err = p.report.errors[0]
    assert err.column == 'K "Comments"' and err.row is None and "change the mapping of column K" in err.message
    assert not [i for i in p.report.issues if i.column == 'K "Comments"' and i.row]
    with pytest.raises(IngestError, match="not saved"):
        importing.accept_import(store, p, trust_id=t.id, label="bad")
    assert store.list_rounds(t.id) == [] and store.latest_column_mapping(t.id) is None


def test_save_is_one_transaction(store, rounds_dir, monkeypatch):
    """A failure while saving the 10th letter leaves no round and no letters behind."""
    from audit_app.store.database import Store

    t = store.create_trust("Trust E")
    p = importing.prepare_import(rounds_dir / "trust_a_round1.xlsx", extract=False)
    original = Store._letter_values
    calls = {"n": 0}

    def flaky(self, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 10:
            raise RuntimeError("disk full")
        return original(self, *a, **kw)

    monkeypatch.setattr(Store, "_letter_values", flaky)
    with pytest.raises(RuntimeError):
        importing.accept_import(store, p, trust_id=t.id, label="R1")
    monkeypatch.undo()
    assert store.list_rounds(t.id) == []
    assert store.latest_column_mapping(t.id) is None


def _fake_nlp(monkeypatch, *, fail_on: str | None = None):
    from nlp.extraction import Finding, LetterExtraction, OpioidPrescription, letter_from_dict

    def Ex(text):  # a real LetterExtraction, found by keywords: the import path, not the reader, is tested
        has = "oxycodone" in text.lower() or "morphine" in text.lower()
        return LetterExtraction(opioids=[OpioidPrescription("oxycodone", (0, 9), "oxycodone", supply_days=7)]
                                if has else [], weaning_plan=Finding("stop" in text))

    calls = {"many": 0}

    def extract_letter(text):
        if fail_on and fail_on in text:
            raise RuntimeError("boom")
        return Ex(text)

    def extract_many(texts, n_process=1):
        calls["many"] += 1
        for t in texts:
            yield extract_letter(t)

    # nlp's own chunk worker runs over the fake extractor (importing has no chunk worker of its own)
    import nlp.pipeline as pipeline

    monkeypatch.setattr(pipeline, "extract_letter", extract_letter)
    monkeypatch.setattr(pipeline, "extract_many", extract_many)
    mod = types.SimpleNamespace(extract_letter=extract_letter, extract_many=extract_many, __version__="fake-1",
                                extract_chunk=pipeline.extract_chunk, letter_from_dict=letter_from_dict,
                                extract_chunks_in_processes=pipeline.extract_chunks_in_processes)
    monkeypatch.setitem(sys.modules, "nlp", mod)
    return calls


def test_extraction_runs_on_letter_text_with_progress(monkeypatch, rounds_dir):
    calls = _fake_nlp(monkeypatch)
    seen = []
    p = importing.prepare_import(rounds_dir / "trust_a_round2.xlsx", progress=lambda d, t: seen.append((d, t)))
    with_text = [i for i, r in enumerate(p.records) if r.letter_text]
    assert calls["many"] == 1 and p.extractor_available and p.extractor_version == "fake-1"
    assert all((p.extractions[i] is not None) == (i in with_text) for i in range(len(p.records)))
    assert seen[0] == (0, len(with_text)) and seen[-1] == (len(with_text), len(with_text))
    assert all(p.comparisons[i] for i in with_text)
    compared = {c.field for c in p.comparisons[with_text[0]]}
    assert "indication" in compared and "gp_action" not in compared   # round 2 has no GP column
    assert p.disagreements(), "the fake extractor disagrees somewhere"
    assert set(p.letter_kinds) <= {"letter", "excerpt", None}


def test_round3_excerpts_are_low_confidence(monkeypatch, rounds_dir):
    _fake_nlp(monkeypatch)
    p = importing.prepare_import(rounds_dir / "trust_a_round3.xlsx")
    kinds = {k for k in p.letter_kinds if k}
    assert kinds == {"excerpt"}
    assert all(c.confidence == "low" for comps in p.comparisons for c in comps)


def test_extractor_failure_on_one_letter_is_reported(monkeypatch, rounds_dir):
    _fake_nlp(monkeypatch, fail_on="Laxido")
    p = importing.prepare_import(rounds_dir / "trust_a_round3.xlsx")
    failed = p.report.by_code("extractor_failed")
    assert failed and all(i.severity == "warning" for i in failed)
    assert sum(1 for e in p.extractions if e) == sum(1 for r in p.records if r.letter_text) - len(failed)


def test_read_audit_file_and_list_sheets_from_bytes(rounds_dir):
    data = (rounds_dir / "trust_a_round3.xlsx").read_bytes()
    assert importing.list_sheets(data, "r3.xlsx") == ["data", "notes"]
    sd = importing.read_audit_file(data, "r3.xlsx", sheet="data")
    assert sd.file == "r3.xlsx" and sd.header_row == 4
    frame = sd.to_frame()
    assert list(frame.index[:2]) == [5, 6]


def test_parallel_extraction_keeps_order_and_reports_progress(monkeypatch):
    class Ex:
        def __init__(self, text):
            self.text = text

        def to_dict(self):  # the letter's text comes back as its scenario: the order is checked
            return {"scenario": self.text, "opioids": []}

    def extract_many(texts, n_process=1):
        assert n_process == 1, "workers never nest spaCy multiprocessing"
        return (Ex(t) for t in texts)

    def worker_pool(n_process):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=n_process, mp_context=mp.get_context("fork"))

    from nlp.extraction import letter_from_dict
    import nlp.pipeline as pipeline  # nlp's own chunk worker and pool runner, over the fake extractor

    for name, fake in (("extract_letter", Ex), ("extract_many", extract_many), ("worker_pool", worker_pool)):
        monkeypatch.setattr(pipeline, name, fake)
    mod = types.SimpleNamespace(extract_letter=Ex, extract_many=extract_many, worker_pool=worker_pool,
                                extract_chunk=pipeline.extract_chunk,
                                extract_chunks_in_processes=pipeline.extract_chunks_in_processes, __version__="fake-2",
                                letter_from_dict=letter_from_dict)
    monkeypatch.setitem(sys.modules, "nlp", mod)
    texts = [f"letter {i}" if i % 7 else None for i in range(300)]
    seen = []
    out, available, _v = importing.run_extraction(texts, n_process=2, progress=lambda d, t: seen.append((d, t)))
    assert available
    assert [o.scenario if o else None for o in out] == texts
    n = sum(1 for t in texts if t)
    assert seen[0] == (0, n) and seen[-1] == (n, n) and len(seen) > 2
