"""Filling an empty round (created on the Trusts page) with an import: one transaction, the same
round (id, label, creation date), no deletion record; on failure the empty round is untouched."""
from __future__ import annotations

import datetime as dt

import pytest

from audit_app import importing, services


def _empty_round(store, single):
    t = services.create_trust(store, single, "Trust Ø")
    rid = services.create_round(services.TrustScope.check(store, single, t.id), "Round 2 — März", dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    return t, store.get_round(rid)


def test_import_fills_the_empty_round_in_place(store, rounds_dir):
    single = services.single_user()
    t, empty = _empty_round(store, single)
    prepared = importing.prepare_import(rounds_dir / "trust_a_round2.xlsx", trust_id=t.id, store=store, extract=False)
    scope = services.TrustScope.check(store, single, t.id)
    rid = services.save_import(scope, prepared, label="ignored", into_round_id=empty.id)
    filled = store.get_round(rid)
    assert rid == empty.id and filled.label == empty.label and filled.created_at == empty.created_at
    assert filled.n_letters == len(prepared.records) > 0
    assert (filled.period_start, filled.period_end) == (empty.period_start, empty.period_end)
    assert store.deleted_rounds(t.id) == []
    with pytest.raises(services.ServiceError, match="already has letters"):
        services.save_import(scope, prepared, label="x", into_round_id=empty.id)


def test_a_failed_fill_leaves_the_empty_round_as_it_was(store, rounds_dir, monkeypatch):
    single = services.single_user()
    t, empty = _empty_round(store, single)
    prepared = importing.prepare_import(rounds_dir / "trust_a_round1.xlsx", trust_id=t.id, store=store, extract=False)
    calls = {"n": 0}
    original = type(store)._letter_values

    def flaky(self, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return original(self, *a, **kw)

    monkeypatch.setattr(type(store), "_letter_values", flaky)
    with pytest.raises(services.ServiceError):
        services.save_import(services.TrustScope.check(store, single, t.id), prepared, label="ignored", into_round_id=empty.id)
    monkeypatch.undo()
    [again] = store.list_rounds(t.id)
    assert (again.id, again.label, again.created_at, again.n_letters) == (empty.id, empty.label, empty.created_at, 0)
    assert store.deleted_rounds(t.id) == []
