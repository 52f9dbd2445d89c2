"""Facts the app, the CLI and the report share, each written once: the trust's standards
configuration, yes/no words, the dotted-path setter, the list of QI measures."""
from __future__ import annotations

import pytest

from audit_app import scoring
from audit_app.records import YesNo, yes_no, yes_no_word
from audit_app.standards import config_for, default_config
from audit_app.store import set_path


def test_config_for_saves_the_defaults_once_and_finds_versions(store):
    t = store.create_trust("Trust Ω")
    first = config_for(store, t.id)
    assert first.version == 1 and first.to_dict() | {"version": 0} == default_config().to_dict() | {"version": 0}
    assert config_for(store, t.id).version == 1                     # not saved twice
    changed = first.with_changes(enable={"OD-04": False})
    v2 = store.save_standards_config(t.id, changed.to_dict(), user="test")
    assert config_for(store, t.id).version == v2 == 2
    assert not config_for(store, t.id).is_enabled("OD-04")
    assert config_for(store, t.id, 1).is_enabled("OD-04")
    with pytest.raises(LookupError, match="no standards version 7"):
        config_for(store, t.id, 7)


@pytest.mark.parametrize("value, expected", [
    ("Y", YesNo.YES), (" yes ", YesNo.YES), ("TICKED", YesNo.YES), ("✓", YesNo.YES), (True, YesNo.YES), (1, YesNo.YES),
    ("n", YesNo.NO), ("Not  done", YesNo.NO), ("✗", YesNo.NO), (False, YesNo.NO), (0.0, YesNo.NO),
    ("?", None), ("n/a", None), ("", None), (2, None), ("yesterday", None),
])
def test_yes_no_words(value, expected):
    assert yes_no_word(value) is expected


@pytest.mark.parametrize("value, expected", [
    ("Yes - verbal only", YesNo.YES), ("N (not on TTO)", YesNo.NO), ("ok", YesNo.YES), ({"present": True}, YesNo.YES),
    ({"present": None}, YesNo.UNKNOWN), (YesNo.NO, YesNo.NO), (None, YesNo.UNKNOWN), ("n/a", YesNo.UNKNOWN),
    ("no letter", YesNo.UNKNOWN), ("yesterday", YesNo.UNKNOWN), (2, YesNo.UNKNOWN),
])
def test_one_yes_no_reader_for_cells_unmapped_columns_and_findings(value, expected):
    from audit_app.ingest import parse_yes_no
    from audit_app.standards.facts import auditor_answer
    from audit_app.records import AuditRecord

    assert yes_no(value) is expected
    if not isinstance(value, (dict, YesNo)) and value is not None:  # a spreadsheet cell, mapped or not
        assert parse_yes_no(value).value is expected
        record = AuditRecord(letter_id="L1", extra={"Laxative (Y/N)": value})
        assert auditor_answer(record, "laxative_y_n")[0] is expected


def test_set_path_sets_in_place_and_returns_the_old_value():
    doc = {"opioids": [{"dose_mg_max": 10}], "record": {}}
    assert set_path(doc, "opioids.0.dose_mg_max", 20) == 10
    assert set_path(doc, "weaning_plan.present", True) is None
    assert doc == {"opioids": [{"dose_mg_max": 20}], "record": {}, "weaning_plan": {"present": True}}


def test_the_list_of_measures_is_what_qi_measures_computes():
    cfg = default_config().with_changes(enable={"OD-02": False}, parameters={"high_dose_thresholds_reported": [50, 90]})
    options = scoring.measure_options(cfg)
    letters = [{"record": {}, "extraction": None, "standard_results": []}]
    computed = set(scoring.qi_measures([("Round 1", letters)], config=cfg)["measure_id"])
    assert set(options) == computed
    assert "OD-02" not in options and "high_dose_50" in options and "high_dose_90" in options
    charted = scoring.report_measures(cfg)  # the report's default charts: a part of the same list, in its order
    assert charted == [m for m in options if m in charted]
    assert charted[:len(cfg.enabled_ids())] == cfg.enabled_ids() and "high_dose_90" in charted
    assert "median_ome" in charted and "items_per_100" not in charted


@pytest.mark.parametrize("cell, benzo, gaba", [
    ("Rivotril 500mcg", "yes", "unknown"), ("Stilnoct", "yes", "unknown"), ("BZD", "yes", "unknown"),
    ("GABA", "unknown", "yes"), ("Y (Neurontin)", "unknown", "yes"), ("lorazepam + Lyrica", "yes", "yes"),
    ("temazepam only", "yes", "no"), ("no", "no", "no"), ("sertraline", "unknown", "unknown"),
])
def test_sedative_cells_read_through_the_drug_class_lexicon(cell, benzo, gaba):
    from audit_app.ingest.normalise import parse_sedative

    got = parse_sedative(cell)
    assert (got["benzodiazepine"].value, got["gabapentinoid"].value) == (benzo, gaba)
