"""Upgrades keep every row: a store created at revision 0001 and filled with plain SQL is
upgraded to head (and back, and forward again) on SQLite and PostgreSQL; models.py matches the
migrations exactly."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config

from audit_app.store import Store, downgrade_schema, schema_revision, upgrade_schema
from audit_app.store.models import Base
from audit_app.store.database import MIGRATIONS, make_engine

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _rows_0001() -> dict[str, list[dict]]:
    """Rows for every table of revision 0001 (as an old version of the app would have written)."""
    return {
        "trust": [dict(id=1, name="Trust A", code="TA", keep_identifiers=False, created_at=NOW),
                  dict(id=2, name="Trust B", code=None, keep_identifiers=True, created_at=NOW)],
        "audit_round": [dict(id=10, trust_id=1, label="Round 1", period_start=dt.date(2024, 1, 1),
                             period_end=dt.date(2024, 3, 31), standards_version=1, source_file="r1.xlsx",
                             mapping={"Hosp No": "hospital_number"}, created_at=NOW),
                        dict(id=11, trust_id=2, label="Baseline", period_start=None, period_end=None,
                             standards_version=None, source_file=None, mapping=None, created_at=NOW)],
        "letter": [dict(id=100 + i, round_id=10 if i < 3 else 11, letter_key=f"k:{i:032x}", source_row=i + 4,
                        record={"letter_id": f"L{i}", "weaning_plan": "yes", "extra": {"Ward": "Elm"}},
                        text=f"Letter {i}: oxycodone 5mg PRN, TTO 5 days. ünïcode ✓", comparisons=[{"field": "x"}],
                        version=1 + i % 2, updated_at=NOW) for i in range(5)],
        "extraction_result": [dict(id=200 + i, letter_id=100 + i, extractor_version="0.1",
                                   result={"opioids": [{"generic": "oxycodone", "supply_days": 5}]})
                              for i in range(5)],
        "standard_result": [dict(id=300 + i, letter_id=100 + i, standard_id="OD-04", item_index=None,
                                 outcome="met" if i % 2 else "not_met", exclusion_code=None, standards_version=1,
                                 result={"standard_id": "OD-04", "evidence": [{"start": 3, "end": 9}]})
                            for i in range(5)],
        "correction": [dict(id=400, letter_id=101, field="record.weaning_plan", old_value="no", new_value="yes",
                            reason="plan on page 2", user="lb", created_at=NOW)],
        "import_issue": [dict(id=500, round_id=10, severity="warning", sheet="Audit data", row=7, column="H",
                              message="'?' read as unknown")],
        "column_mapping": [dict(id=600, trust_id=1, mapping={"Hosp No": "hospital_number"}, created_at=NOW)],
        "standards_version": [dict(id=700, trust_id=1, version=1, config={"enabled": ["OD-01"]},
                                   created_by="lb", created_at=NOW)],
        "pdsa_cycle": [dict(id=800, trust_id=1, cycle_no=1, change_idea="TTO template",
                            date_start=dt.date(2024, 3, 1), date_end=None, data={"cycle_no": 1}, created_at=NOW)],
        "user_access": [dict(id=900, user_email="lb@trust-a.nhs.uk", trust_id=1)],
    }


def _norm(v):
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None) if v.tzinfo is None else v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(v, bool):
        return int(v)
    return v


def _dump(engine, tables) -> dict[str, list[dict]]:
    md = sa.MetaData()
    md.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name in tables:
            t = md.tables[name]
            out[name] = [{k: _norm(v) for k, v in r._mapping.items()}
                         for r in conn.execute(sa.select(t).order_by(t.c.id))]
    return out


def test_upgrade_from_0001_keeps_every_row(store_url):
    engine = make_engine(store_url)
    upgrade_schema(engine, "0001")
    assert schema_revision(engine) == "0001"
    rows = _rows_0001()
    md = sa.MetaData()
    md.reflect(engine)  # the schema as revision 0001 made it, not as models.py says today
    assert "deleted_round" not in md.tables and "note" not in md.tables["audit_round"].c
    with engine.begin() as conn:
        for name, data in rows.items():
            conn.execute(md.tables[name].insert(), data)
        if engine.dialect.name == "postgresql":  # keep sequences past the explicit ids
            for name in rows:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"(SELECT max(id) FROM {name}))"))
    before = _dump(engine, rows)

    upgrade_schema(engine, "head")
    assert schema_revision(engine) == _head()
    after = _dump(engine, rows)
    for name, old_rows in before.items():
        assert len(after[name]) == len(old_rows) == len(rows[name]), name
        for old, new in zip(old_rows, after[name]):
            assert {k: new[k] for k in old} == old, name  # every old column, every value
    assert all(r["note"] is None for r in after["audit_round"])
    assert all(r["version"] is None for r in after["correction"])

    # And back down and up again: nothing lost either way.
    downgrade_schema(engine, "0001")
    assert _dump(engine, rows) == before
    upgrade_schema(engine, "head")
    engine.dispose()

    # The current app reads the upgraded data and can use the new columns.
    store = Store(store_url)
    try:
        (r1,) = store.list_rounds(1)
        assert (r1.label, r1.n_letters, r1.note) == ("Round 1", 3, None)
        letters = store.letters(10)
        assert [l.record["letter_id"] for l in letters] == ["L0", "L1", "L2"]
        assert letters[0].text.endswith("ünïcode ✓") and letters[1].extraction["opioids"][0]["supply_days"] == 5
        assert store.corrections(letter_id=101)[0]["new_value"] == "yes"
        v = store.correct_letter(101, "record.weaning_plan", "no", reason="re-read", user="js", expected_version=2)
        assert v == 3 and store.corrections(letter_id=101)[-1]["version"] == 3
        store.update_round(10, note="after FY1 teaching")
        assert store.get_round(10).note == "after FY1 teaching"
        assert store.delete_round(11, user="lb", reason="uploaded twice")
        assert store.deleted_rounds(2)[0]["round_label"] == "Baseline"
        assert [t.id for t in store.trusts_for_user("lb@trust-a.nhs.uk")] == [1]
        assert store.standards_config(1) == (1, {"enabled": ["OD-01"]})
    finally:
        store.close()


def test_models_match_the_migrations(store_url):
    """alembic autogenerate finds nothing to do: models.py and the migrations agree."""
    store = Store(store_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], diff
    finally:
        store.close()


def test_migration_chain_is_linear_and_reversible():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    revs = list(script.walk_revisions())
    assert len(script.get_heads()) == 1
    assert [r.revision for r in reversed(revs)][:2] == ["0001", "0002"]
    for r in revs:
        assert r.module.downgrade is not None
