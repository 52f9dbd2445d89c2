"""Concurrent users, as real OS processes, on SQLite (a file, WAL) and on PostgreSQL.

- imports at the same moment: different labels are both saved; the same label is saved exactly
  once and the other process gets a clear StoreError; never a half round;
- corrections of the same letter from the same version: exactly one wins, the other gets
  ConcurrentEditError, the audit trail holds exactly the winner; a retry from the new version
  succeeds and shows in the trail;
- several processes opening (creating + migrating) the same new database at once;
- a write load from four processes: no 'database is locked', nothing lost.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_app.store import Store, schema_revision

WORKER = Path(__file__).with_name("_worker.py")
pytestmark = pytest.mark.slow


def run_together(jobs: list[dict], timeout: float = 120) -> list[dict]:
    """Start one process per job, wait until all are ready, release them at once, collect results."""
    procs = [subprocess.Popen([sys.executable, str(WORKER), json.dumps(job)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
             for job in jobs]
    try:
        for p in procs:
            line = p.stdout.readline()
            assert line.strip() == "READY", (line, p.stderr.read() if p.poll() is not None else "")
        for p in procs:  # the barrier: every worker is set up; now all go
            p.stdin.write("GO\n")
            p.stdin.flush()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, err[-3000:]
            (line,) = [l for l in out.splitlines() if l.startswith("RESULT ")]
            results.append(json.loads(line[len("RESULT "):]))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def _count(store: Store, table: str) -> int:
    with store.session() as s:
        return s.scalar(sa.text(f"select count(*) from {table}"))


def test_simultaneous_imports(store):
    t = store.create_trust("Trust A")
    n = 40
    results = run_together([
        {"action": "save_round", "url": store.url, "trust_id": t.id, "label": "Round 1", "n": n},
        {"action": "save_round", "url": store.url, "trust_id": t.id, "label": "Round 1", "n": n},
        {"action": "save_round", "url": store.url, "trust_id": t.id, "label": "Round 2", "n": n},
    ])
    same, other = results[:2], results[2]
    assert other["ok"], other
    winners = [r for r in same if r["ok"]]
    losers = [r for r in same if not r["ok"]]
    assert len(winners) == 1 and len(losers) == 1, same
    assert losers[0]["error"] == "StoreError" and "already has a round labelled 'Round 1'" in losers[0]["message"]
    rounds = {r.label: r for r in store.list_rounds(t.id)}
    assert set(rounds) == {"Round 1", "Round 2"}
    assert rounds["Round 1"].id == winners[0]["round_id"] and rounds["Round 2"].id == other["round_id"]
    assert rounds["Round 1"].n_letters == n and rounds["Round 2"].n_letters == n
    # Never a half round: every letter belongs to a saved round, with its results.
    assert _count(store, "letter") == 2 * n and _count(store, "standard_result") == 2 * n
    assert _count(store, "extraction_result") == 2 * n and _count(store, "audit_round") == 2


def test_simultaneous_corrections_of_one_letter(store):
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [{"record": {"letter_id": "L1", "weaning_plan": "no"}, "text": "x"}])
    (letter,) = store.letters(rid)
    jobs = [{"action": "correct", "url": store.url, "letter_id": letter.id, "field": "record.weaning_plan",
             "value": value, "reason": f"{user} read the letter", "user": user}
            for user, value in (("alice", "yes"), ("bob", "unknown"))]
    results = run_together(jobs)
    assert all(r.get("from_version") == 1 or not r["ok"] for r in results)
    winners = [(j, r) for j, r in zip(jobs, results) if r["ok"]]
    losers = [(j, r) for j, r in zip(jobs, results) if not r["ok"]]
    assert len(winners) == 1 and len(losers) == 1, results
    (wj, wr), (lj, lr) = winners[0], losers[0]
    assert lr["error"] == "ConcurrentEditError" and "changed by someone else" in lr["message"]
    assert wr["version"] == 2
    after = store.get_letter(letter.id)
    assert after.version == 2 and after.record["weaning_plan"] == wj["value"]
    (trail,) = store.corrections(letter_id=letter.id)
    assert (trail["user"], trail["old_value"], trail["new_value"], trail["version"]) == (
        wj["user"], "no", wj["value"], 2)

    # The loser reloads and applies the correction again: it wins visibly, on top of the winner's.
    v = store.correct_letter(letter.id, lj["field"], lj["value"], reason="re-applied after reload",
                             user=lj["user"], expected_version=after.version)
    trail = store.corrections(letter_id=letter.id)
    assert v == 3 and [(c["user"], c["old_value"], c["new_value"], c["version"]) for c in trail] == [
        (wj["user"], "no", wj["value"], 2), (lj["user"], wj["value"], lj["value"], 3)]
    assert all(c["created_at"] is not None and c["reason"] for c in trail)


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from audit_app.store.database import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_processes_opening_a_new_database_at_once(store_url, tmp_path):
    """Two processes create and migrate the same empty database at the same moment (and create
    the installation secret at the same moment: they must agree on one key)."""
    secret = str(tmp_path / "fresh" / "secret.key")
    results = run_together([{"action": "open", "url": store_url, "trust": f"Trust {i}", "secret_file": secret}
                            for i in range(2)])
    assert all(r["ok"] for r in results), [r.get("trace") for r in results if not r["ok"]]
    assert results[0]["hash"] == results[1]["hash"] and results[0]["hash"].startswith("k:")
    assert oct(os.stat(secret).st_mode & 0o777) == "0o600"
    store = Store(store_url)
    try:
        assert sorted(t.name for t in store.list_trusts()) == ["Trust 0", "Trust 1"]
        assert schema_revision(store.engine) == _head_revision()
        with store.session() as s:
            assert s.scalar(sa.text("select count(*) from alembic_version")) == 1
    finally:
        store.close()


def test_write_load_from_four_processes_on_sqlite(tmp_path):
    """Four processes each save 5 rounds, read them back and correct a letter, all at once, on one
    SQLite file: no 'database is locked' (BEGIN IMMEDIATE + busy timeout), nothing lost.
    (PostgreSQL's row locking is exercised by the tests above.)"""
    store = Store(f"sqlite:///{tmp_path / 'audit.db'}")
    t = store.create_trust("Trust A")
    jobs = [{"action": "hammer", "url": store.url, "trust_id": t.id, "tag": f"p{i}", "n": 5, "letters": 10}
            for i in range(4)]
    results = run_together(jobs, timeout=180)
    assert all(r["ok"] for r in results), [r.get("trace") for r in results if not r["ok"]]
    assert len(store.list_rounds(t.id)) == 20 and _count(store, "letter") == 20 * 10
    assert _count(store, "correction") == 20
    assert {c["user"] for c in store.corrections()} == {"p0", "p1", "p2", "p3"}
    store.close()
