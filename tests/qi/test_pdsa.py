"""PdsaCycle: the qi_method.md log record, validation and a JSON-simple round trip."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from qi.pdsa import PdsaCycle


def _cycle(**kw):
    base = dict(cycle_no=2, change_idea="Weaning-plan text in the TTO template", date_start="2024-03-01",
                date_end="2024-03-14", prediction="8 of 10 letters will include a weaning plan",
                plan="Ward B, 2 weeks, 10 TTOs", do_observations="Template used in 9 letters",
                study="9/10 met OD-08 vs predicted 8/10", act="Adopt", next_steps="Extend to wards A and C",
                measures_linked=["od08_weaning_plan"], owner="Pharmacy", project_id="P1", aim_id="A1",
                change_idea_id="CI-3", objective="Does a template prompt weaning plans?")
    base.update(kw)
    return PdsaCycle(**base)


def test_round_trip_through_json():
    c = _cycle()
    d = json.loads(json.dumps(c.to_dict()))
    assert d["date_start"] == "2024-03-01" and d["act"] == "adopt"
    assert PdsaCycle.from_dict(d) == c
    assert c.date_start == dt.date(2024, 3, 1)
    assert c.label == "PDSA 2: Weaning-plan text in the TTO template (adopt)"


@pytest.mark.parametrize("kw, msg", [
    (dict(act="keep"), "act must be one of adopt, adapt, abandon"),
    (dict(cycle_no=0), "cycle_no must be a whole number"),
    (dict(cycle_no=1.5), "cycle_no must be a whole number"),
    (dict(change_idea="  "), "change_idea"),
    (dict(date_start="March"), "date_start must be a date"),
    (dict(date_start=None), "date_start is required"),
    (dict(date_end="2024-02-01"), "before date_start"),
])
def test_validation_names_the_field(kw, msg):
    with pytest.raises(ValueError, match=msg):
        _cycle(**kw)


def test_optional_fields_and_measure_list_from_text():
    c = PdsaCycle(cycle_no=1, change_idea="Smaller default packs", date_start=dt.date(2024, 1, 8),
                  measures_linked="od05, ome_median")
    assert c.act is None and c.date_end is None and c.measures_linked == ["od05", "ome_median"]


def test_from_dict_rejects_unknown_and_missing_fields():
    with pytest.raises(ValueError, match="unknown PDSA field"):
        PdsaCycle.from_dict({"cycle_no": 1, "change_idea": "x", "date_start": "2024-01-01", "colour": "red"})
    with pytest.raises(ValueError, match="missing PDSA field"):
        PdsaCycle.from_dict({"cycle_no": 1})
