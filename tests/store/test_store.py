"""The store: round trips, one-transaction rounds, identifiers, corrections, cascade delete.

Every test runs on SQLite and on PostgreSQL (the `store` fixture)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from audit_app.store import ConcurrentEditError, Store, StoreError


def _letter(i: int, **record):
    rec = {"letter_id": f"L{i}", "source_row": i + 3, "weaning_plan": "yes", **record}
    return {"record": rec, "text": f"Letter {i}. NHS No: 999 609 1165. Oxycodone 5mg",
            "extraction": {"opioids": [{"generic": "oxycodone", "supply_days": 5}]},
            "standard_results": [{"standard_id": "OD-04", "outcome": "met", "exclusion_code": None, "evidence": []}],
            "comparisons": []}


def test_round_trip(store):
    t = store.create_trust("Trust A", "TA")
    assert store.find_trust("TA") == t and store.find_trust("trust a") == t
    rid = store.save_round(t.id, "Round 1", [_letter(i) for i in range(3)], period_start="2024-01-01",
                           period_end=dt.date(2024, 3, 31), standards_version=1, mapping={"ID": "letter_id"},
                           import_issues=[{"severity": "warning", "sheet": "S", "row": 5, "column": "H", "message": "m"}])
    (r,) = store.list_rounds(t.id)
    assert (r.id, r.label, r.n_letters, r.period_start) == (rid, "Round 1", 3, dt.date(2024, 1, 1))
    letters = store.letters(rid)
    assert [l.record["letter_id"] for l in letters] == ["L0", "L1", "L2"]
    assert letters[0].extraction["opioids"][0]["supply_days"] == 5
    assert letters[0].standard_results[0]["outcome"] == "met"
    assert store.import_issues(rid)[0]["row"] == 5
    assert store.find_round(t.id, "Round 1").id == rid


def test_round_is_all_or_nothing(store):
    t = store.create_trust("Trust A")
    bad = [_letter(0), _letter(1), {"record": {"letter_id": "L2"}, "standard_results": [{"outcome": "met"}]}]
    with pytest.raises(KeyError):
        store.save_round(t.id, "Round 1", bad)
    assert store.list_rounds(t.id) == []
    with store.session() as s:
        assert s.scalar(sa.text("select count(*) from letter")) == 0


def test_duplicate_round_label_refused(store):
    t = store.create_trust("Trust A")
    store.save_round(t.id, "R1", [_letter(0)])
    with pytest.raises(StoreError, match="already has a round"):
        store.save_round(t.id, "R1", [_letter(1)])


def test_identifiers_are_hashed_and_text_masked(store):
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [_letter(0, nhs_number="999 609 1165", hospital_number="RX123",
                                                 patient_name="Michael Clarke", date_of_birth="1971-09-08")])
    (l,) = store.letters(rid)
    assert l.record["nhs_number"].startswith("k:") and "1165" not in l.record["nhs_number"]
    assert l.record["hospital_number"].startswith("k:")
    assert l.record["patient_name"] is None and l.record["date_of_birth"] is None
    assert "609" not in l.text and len(l.text) == len(_letter(0)["text"])
    # The same patient in a later round gets the same key (linkage without the number).
    rid2 = store.save_round(t.id, "R2", [_letter(9, nhs_number="9996091165")])
    assert store.letters(rid2)[0].letter_key == l.letter_key


def test_corrections_keep_an_audit_trail_and_refuse_stale_versions(store):
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [_letter(0)])
    (l,) = store.letters(rid)
    v2 = store.correct_letter(l.id, "record.weaning_plan", "no", reason="plan is for paracetamol", user="lb",
                              expected_version=l.version,
                              standard_results=[{"standard_id": "OD-04", "outcome": "not_met", "evidence": []}])
    assert v2 == l.version + 1
    with pytest.raises(ConcurrentEditError):
        store.correct_letter(l.id, "record.weaning_plan", "yes", reason="x", user="js", expected_version=l.version)
    store.correct_letter(l.id, "extraction.opioids.0.supply_days", 7, reason="TTO says 7", user="lb",
                         expected_version=v2)
    (l2,) = store.letters(rid)
    assert l2.record["weaning_plan"] == "no" and l2.extraction["opioids"][0]["supply_days"] == 7
    assert l2.standard_results[0]["outcome"] == "not_met"
    trail = store.corrections(letter_id=l.id)
    assert [(c["field"], c["old_value"], c["new_value"], c["user"]) for c in trail] == [
        ("record.weaning_plan", "yes", "no", "lb"), ("extraction.opioids.0.supply_days", 5, 7, "lb")]
    with pytest.raises(StoreError, match="reason"):
        store.correct_letter(l.id, "record.weaning_plan", "yes", reason=" ", user="lb", expected_version=3)


def test_delete_round_leaves_no_letter_text(store):
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [_letter(i) for i in range(2)],
                           import_issues=[{"severity": "error", "message": "x"}])
    (l, _) = store.letters(rid)
    store.correct_letter(l.id, "record.weaning_plan", "no", reason="r", user="u", expected_version=1)
    store.delete_round(rid)
    with store.session() as s:
        for table in ("letter", "extraction_result", "standard_result", "correction", "import_issue", "audit_round"):
            assert s.scalar(sa.text(f"select count(*) from {table}")) == 0, table


def test_standards_versions_and_mappings_per_trust(store):
    a, b = store.create_trust("A"), store.create_trust("B")
    assert store.standards_config(a.id) is None
    assert store.save_standards_config(a.id, {"enabled": ["OD-01"]}) == 1
    assert store.save_standards_config(a.id, {"enabled": ["OD-01", "OD-02"]}) == 2
    assert store.standards_config(a.id) == (2, {"enabled": ["OD-01", "OD-02"], "version": 2})
    assert store.standards_config(a.id, 1)[1]["enabled"] == ["OD-01"]
    store.save_column_mapping(a.id, {"Hosp No": "hospital_number"})
    assert store.latest_column_mapping(a.id) == {"Hosp No": "hospital_number"}
    assert store.latest_column_mapping(b.id) is None


def test_pdsa_cycles_and_access(store):
    t = store.create_trust("A")
    cid = store.save_pdsa_cycle(t.id, {"cycle_no": 1, "change_idea": "TTO template", "date_start": dt.date(2024, 3, 1)})
    store.save_pdsa_cycle(t.id, {"cycle_no": 1, "change_idea": "TTO template v2", "date_start": "2024-03-02"},
                          cycle_id=cid)
    (c,) = store.list_pdsa_cycles(t.id)
    assert c["change_idea"] == "TTO template v2" and c["date_start"] == "2024-03-02" and c["id"] == cid
    store.grant_access("Pharm@Trust.nhs.uk", t.id)
    assert [x.id for x in store.trusts_for_user("pharm@trust.nhs.uk")] == [t.id]
    assert store.trusts_for_user("other@x") == []


def test_reopening_is_idempotent(store_url):
    s1 = Store(store_url)
    s1.create_trust("A")
    s1.close()
    s2 = Store(store_url)
    assert [t.name for t in s2.list_trusts()] == ["A"]
    s2.close()


def test_rounds_in_period_order_unless_periods_overlap(store):
    t = store.create_trust("A")
    late = store.save_round(t.id, "Re-audit", [_letter(0)], period_start="2024-07-01", period_end="2024-09-30")
    early = store.save_round(t.id, "Baseline", [_letter(1)], period_start="2024-01-01", period_end="2024-03-31")
    assert [r.id for r in store.list_rounds(t.id)] == [early, late]
    # A third round whose sample overlaps the others: periods no longer order them; saving order does.
    third = store.save_round(t.id, "Overlap", [_letter(2)], period_start="2024-02-01", period_end="2024-08-01")
    assert [r.id for r in store.list_rounds(t.id)] == [late, early, third]


def test_default_store_lives_in_the_user_data_folder_even_when_xdg_is_empty(tmp_path, monkeypatch):
    from audit_app.store import default_url

    monkeypatch.delenv("OPIOID_AUDIT_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "")  # set but empty means unset (XDG spec), never the current folder
    assert default_url() == f"sqlite:///{tmp_path / '.local' / 'share' / 'opioid-audit' / 'audit.db'}"


def test_quotes_from_the_letter_are_masked_like_the_letter(store):
    """A name learnt from the header is masked in every quote of the letter the extractor kept."""
    t = store.create_trust("A")
    text = ("Name: CLARKE, Michael | NHS No: 999 609 1165\nPlan: Michael agreed to stop the oxycodone after 5 days.\n"
            "Medications on discharge:\n- Oxycodone 5mg QDS PRN x20\n")
    quote = "Michael agreed to stop the oxycodone after 5 days."  # no title or label: only the header tells
    item = {"record": {"letter_id": "L1"}, "text": text,
            "extraction": {"weaning_plan": {"present": True, "text": quote}},
            "standard_results": [{"standard_id": "OD-04", "outcome": "met", "evidence": [{"text": quote}]}]}
    rid = store.save_round(t.id, "R1", [item])
    (l,) = store.letters(rid)
    saved = l.extraction["weaning_plan"]["text"]
    assert "Michael" not in saved and len(saved) == len(quote) and saved.endswith("to stop the oxycodone after 5 days.")
    assert l.standard_results[0]["evidence"][0]["text"] == saved
    assert l.text[text.index(quote):text.index(quote) + len(quote)] == saved
