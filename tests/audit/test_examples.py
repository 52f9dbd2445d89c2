"""The example trust: loaded once into an empty store, never into a store that has trusts."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from audit_app import examples


@pytest.fixture(autouse=True)
def no_extraction(monkeypatch):
    """Keep the test fast: the examples are loaded without the spaCy extractor here."""
    from audit_app import importing

    original = importing.prepare_import

    def fast(*a, **kw):
        kw["extract"] = False
        return original(*a, **kw)

    monkeypatch.setattr(importing, "prepare_import", fast)


def test_loads_three_rounds_and_pdsa_cycles_into_an_empty_store(store):
    assert examples.load_example_audits_if_empty(store) == 3
    [trust] = store.list_trusts()
    assert trust.name == "Trust A (example)"
    rs = {r.label: r for r in store.list_rounds(trust.id)}
    assert {k: v.n_letters for k, v in rs.items()} == {"Round 1": 41, "Round 2": 39, "Round 3": 38}
    assert all(r.period_start and r.period_end for r in rs.values())
    assert store.latest_column_mapping(trust.id)
    cycles = store.list_pdsa_cycles(trust.id)
    assert len(cycles) == len(examples.PDSA_CYCLES) >= 3
    for c in cycles:
        start = dt.date.fromisoformat(c["date_start"])
        assert all(r.period_start <= start <= r.period_end for r in rs.values()), c["change_idea"]
        assert c["cycle_no"] >= 1 and c["change_idea"]
    # a second call (the app restarting) changes nothing
    assert examples.load_example_audits_if_empty(store) == 0
    assert len(store.list_rounds(trust.id)) == 3


def test_never_loads_into_a_store_with_trusts(store):
    store.create_trust("Real trust")
    assert examples.load_example_audits_if_empty(store) == 0
    assert [t.name for t in store.list_trusts()] == ["Real trust"]


def test_example_folder_contents():
    d = examples.example_dir()
    assert d is not None and (d / "README.md").is_file()
    letters = examples.example_letters()
    assert 8 <= len(letters) <= 12
    for name, text in letters:
        numbers = re.findall(r"\b(\d{3})\s?(\d{3})\s?(\d{4})\b", text)
        assert numbers, f"{name} has no NHS number"
        assert all(n[0] == "999" for n in numbers), f"{name}: NHS numbers must use the 999 test prefix"
        assert "Discharge" in text or "discharge" in text.lower()


def test_example_workbooks_are_the_tested_ones(rounds_dir):
    """Users see the workbooks the suite tests (tests/data/audit_rounds)."""
    d = examples.example_dir()
    for _label, fname in examples.ROUNDS:
        assert (d / fname).read_bytes() == (rounds_dir / fname).read_bytes()
