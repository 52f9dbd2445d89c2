"""A typed NHS number that cannot be one gets a warning naming its row and column, never quoting the number; the
row is still imported, with the number kept as written (a pharmacist checks it against the patient record)."""
from __future__ import annotations

from audit_app import importing

HEADER = "Audit ID,NHS No,Date of discharge,Age,Opioid prescribed?,Drug(s),Days supplied\n"


def _prepare(tmp_path, nhs_values):
    body = "".join(f'T-{i:03d},"{v}",0{i}/03/2025,70,Y,codeine 30mg prn,5\n' for i, v in enumerate(nhs_values, 1))
    path = tmp_path / "round.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return importing.prepare_import(str(path), extract=False)


def _nhs_warnings(prep):
    return {i.row: i for i in prep.report.issues if i.field == "nhs_number"}


def test_valid_numbers_in_any_spacing_get_no_warning(tmp_path):
    prep = _prepare(tmp_path, ["943 476 5919", "943-476-5919", "9434765919"])
    assert _nhs_warnings(prep) == {}
    assert [r.nhs_number for r in prep.records] == ["943 476 5919", "943-476-5919", "9434765919"]


def test_short_mistyped_and_lettered_numbers_are_warned_row_by_row(tmp_path):
    prep = _prepare(tmp_path, ["943 476 5919", "999-123-45", "943 476 5918", "94347AB919", ""])
    warned = _nhs_warnings(prep)
    assert sorted(warned) == [3, 4, 5]  # the CSV's header is row 1
    assert "not 10 digits (it has 8)" in warned[3].message
    assert "check digit" in warned[4].message
    assert "other characters" in warned[5].message
    for issue in warned.values():
        assert issue.severity == "warning" and issue.column.startswith("B")
        assert issue.raw is None and "943" not in issue.message and "999" not in issue.message
    # nothing is lost: every row is there, numbers as written
    assert [r.nhs_number for r in prep.records] == ["943 476 5919", "999-123-45", "943 476 5918", "94347AB919", None]
    assert not prep.report.has_errors
