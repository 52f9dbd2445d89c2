"""Deleting a round purges its text from the SQLite files even when another connection holds a
read snapshot: the store retries, says so when it cannot yet, and finishes on the next open."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from audit_app.store import Store

MARK = "Purge-Me-5813"


def _raw(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file() and "purge" not in p.name)


def _letter(i: int) -> dict:
    return {"record": {"letter_id": f"L{i}", "comments": f"{MARK} comment"},
            "text": f"Discharge letter {i}: {MARK}\nOxycodone 5mg PO PRN\n"}


def test_a_reader_holding_a_snapshot_delays_the_purge_until_the_next_open(tmp_path):
    db = tmp_path / "audit.db"
    store = Store(f"sqlite:///{db}")
    store.PURGE_ATTEMPTS, store.PURGE_WAIT_S = 2, 0.05
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [_letter(i) for i in range(30)])
    store.save_round(t.id, "R2", [{"record": {"letter_id": "K"}, "text": "Keep-Me-4411"}])

    reader = sqlite3.connect(db)                      # another user's page, mid-read
    reader.execute("BEGIN")
    assert reader.execute("select count(*) from letter").fetchone()[0] == 31

    assert store.delete_round(rid, user="lb") is True
    assert store.purge_pending is True                # told: the text is not yet purged
    assert MARK.encode() in _raw(db)                  # (the reader's snapshot still needs it)
    assert (db.parent / (db.name + "-purge-pending")).exists()

    reader.rollback()
    reader.close()
    store.close()
    reopened = Store(f"sqlite:///{db}")                # the next open finishes the purge
    assert reopened.purge_pending is False
    data = _raw(db)
    assert MARK.encode() not in data and b"Keep-Me-4411" in data
    assert not (db.parent / (db.name + "-purge-pending")).exists()
    reopened.close()


def test_without_readers_the_purge_is_immediate(tmp_path):
    db = tmp_path / "audit.db"
    store = Store(f"sqlite:///{db}")
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [_letter(i) for i in range(5)])
    assert store.delete_round(rid) is True and store.purge_pending is False
    assert MARK.encode() not in _raw(db)
    store.close()
