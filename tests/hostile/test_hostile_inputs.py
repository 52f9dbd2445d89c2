"""Hostile and malformed audit files: each ends in a clean import or a clear message, store unchanged.

The corpus (tests/hostile/corpus.py, >1,000 generated inputs) and a hypothesis property test go
through the same path the app and the CLI use: `importing.prepare_import` then `importing.accept_import`.
Outcomes are counted and printed; the assertions are 0 crashes and 0 partial rounds.
"""
from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_app.ingest import IngestError
from audit_app.importing import accept_import, prepare_import
from audit_app.store import Store, StoreError

_spec = importlib.util.spec_from_file_location("hostile_corpus", Path(__file__).with_name("corpus.py"))
corpus = importlib.util.module_from_spec(_spec)
sys.modules["hostile_corpus"] = corpus
_spec.loader.exec_module(corpus)

TABLES = ("audit_round", "letter", "extraction_result", "standard_result", "import_issue", "correction")


def _snapshot(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {t: s.scalar(sa.text(f"select count(*) from {t}")) for t in TABLES}


def run_case(store: Store, trust_id: int, label: str, filename: str, data: bytes) -> str:
    """'imported' | 'refused' (IngestError) | 'reported' (validation errors, not saved). Anything else raises."""
    before = _snapshot(store)
    try:
        prepared = prepare_import(data, filename, trust_id=trust_id, store=store)
    except IngestError as exc:
        msg = str(exc)
        assert filename in msg, f"message does not name the file: {msg!r}"
        assert "Traceback" not in msg and len(msg.splitlines()) == 1
        assert _snapshot(store) == before
        return "refused"
    if not prepared.can_accept:
        for issue in prepared.report.errors:
            assert issue.message and (issue.file == filename or filename in str(issue))
        with pytest.raises(IngestError):
            accept_import(store, prepared, trust_id=trust_id, label=label)
        assert _snapshot(store) == before, "a refused import changed the store"
        return "reported"
    round_id = accept_import(store, prepared, trust_id=trust_id, label=label)
    after = _snapshot(store)
    assert after["audit_round"] == before["audit_round"] + 1
    assert after["letter"] - before["letter"] == len(prepared.records) == store.get_round(round_id).n_letters, \
        "partial round"
    return "imported"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    s = Store(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'audit.db'}")
    yield s
    s.close()


@pytest.mark.slow
def test_generated_corpus_of_bad_inputs(corpus_store, report_line):
    trust = corpus_store.create_trust("Hostile inputs")
    outcomes: collections.Counter[str] = collections.Counter()
    crashes: list[str] = []
    for k, (name, filename, data) in enumerate(corpus.cases()):
        try:
            outcomes[run_case(corpus_store, trust.id, f"case {k}", filename, data)] += 1
        except AssertionError as exc:
            crashes.append(f"{name}: {exc}")
            outcomes["failed check"] += 1
        except Exception as exc:  # noqa: BLE001 - a crash is what this test counts
            crashes.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
            outcomes["crash"] += 1
    total = sum(outcomes.values())
    report_line(f"hostile corpus: {total} inputs tried; "
                + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
                + f"; crashes: {outcomes['crash']}, partial rounds: 0 (checked after every import)")
    assert total >= 1000
    assert not crashes, "\n".join(crashes[:20])
    assert outcomes["imported"] and outcomes["refused"] and outcomes["reported"]


@pytest.mark.postgres
def test_bad_inputs_leave_postgres_store_unchanged(store):
    """A stratified sample of the corpus against the other backend (the `store` fixture runs both)."""
    trust = store.create_trust("Hostile inputs")
    seen: collections.Counter[str] = collections.Counter()
    for k, (name, filename, data) in enumerate(corpus.cases(seed=7)):
        kind = name.split(" #")[0]
        if seen[kind] >= 2 or len(data) > 2_000_000:
            continue
        seen[kind] += 1
        run_case(store, trust.id, f"case {k}", filename, data)


_cells = st.one_of(st.text(max_size=30), st.sampled_from(["Y", "N", "?", "n/a", "5/7", "=1+1", "31/02/2024",
                                                            "01/01/9999", "own supply", "-", ""]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(corpus.HEADER + ["", "Notes", "Age", "NHS No"]), min_size=1, max_size=10),
       rows=st.lists(st.lists(_cells, min_size=0, max_size=10), max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_any_csv_imports_cleanly_or_is_refused_clearly(corpus_store, header, rows, delimiter, encoding):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    trust = corpus_store.find_trust("Property") or corpus_store.create_trust("Property")
    label = f"p{len(corpus_store.list_rounds(trust.id))}"
    run_case(corpus_store, trust.id, label, "generated.csv", data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), ext=st.sampled_from(["csv", "xlsx", "txt", "xls", ""]))
def test_any_bytes_are_refused_or_imported_never_crash(corpus_store, data, ext):
    trust = corpus_store.find_trust("Bytes") or corpus_store.create_trust("Bytes")
    label = f"b{len(corpus_store.list_rounds(trust.id))}"
    filename = f"upload.{ext}" if ext else "upload"
    try:
        run_case(corpus_store, trust.id, label, filename, data)
    except StoreError:
        pytest.fail("store error on a generated input")
