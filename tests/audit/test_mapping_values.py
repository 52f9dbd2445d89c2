"""Column mapping that respects what the column holds, remembers 'not used', and blames the
mapping (not the file) when a mapped column cannot be read."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from audit_app import importing as rounds
from audit_app.ingest import suggest_mapping, value_kind
from audit_app.ingest.build import MAPPING_MISFIT
from audit_app.records import CANONICAL_FIELDS, AuditRecord, YesNo

YN = ["Y", "N", "y", "Yes", "no", "?", "", "N", "Y"]
DATES = [dt.date(2025, 9, 3), "04/09/2025", "5 Sept 2025", dt.datetime(2025, 9, 6)]


@pytest.mark.parametrize("values,kind", [
    (YN, "yesno"),
    (["Y", "N", "✓", "n/a", None, "TRUE"], "yesno"),
    (DATES, "date"),
    ([7, "5/7", "2/52", 14.0, "3"], "text"),          # days as written: '5/7' is not a date here
    ([7, 14, 28, 3.5], "number"),
    ([0, 1, 1, "0"], "binary"),
    (["morphine 10mg", "oxycodone"], "text"),
    ([None, "", "?", "n/a"], None),
])
def test_value_kind(values, kind):
    assert value_kind(values) == kind


@pytest.mark.parametrize("heading", ["Duration", "Days", "Supply duration", "Length of course"])
def test_yes_no_column_never_maps_to_a_number(heading):
    m = suggest_mapping([heading], values=[YN])
    c = m.columns[0]
    assert c.field is None or CANONICAL_FIELDS[c.field][0] in ("yesno", "str")
    assert c.field != "days_supplied" and "yes/no" in c.note


def test_the_same_heading_with_numbers_still_maps_to_days():
    assert suggest_mapping(["Duration"], values=[[5, 7, "5/7", 3]]).field_for("Duration") == "days_supplied"


@pytest.mark.parametrize("heading,field", [
    ("Duration stated Y/N", "duration_stated"),
    ("Duration/stop date documented?", "duration_stated"),
    ("Weaning plan in letter?", "weaning_plan"),
    ("GP asked to review?", "gp_action"),
    ("Opioid prescribed?", "opioid_prescribed"),
    ("Patient counselled (leaflet)?", "patient_informed"),
    ("Laxative co-prescribed", "laxative"),
])
def test_auditor_judgements_map_to_their_yes_no_fields(heading, field):
    assert suggest_mapping([heading], values=[YN]).field_for(heading) == field


def test_date_column_never_maps_to_a_yes_no():
    m = suggest_mapping(["Weaning", "Opioid"], values=[DATES, DATES])
    assert m.field_for("Weaning") is None
    assert CANONICAL_FIELDS[m.field_for("Opioid") or "drug"][0] != "yesno"
    assert "dates" in m.columns[0].note


def test_every_auditor_judgement_the_standards_read_is_a_yes_no_field():
    """Each auditor answer the standards look up (auditor_answer / combine_answer) can be mapped."""
    import audit_app.standards as standards

    src = "".join(p.read_text() for p in Path(standards.__file__).parent.glob("*.py"))
    names = set(re.findall(r"auditor_answer\([^,]+,\s*\"(\w+)\"", src))
    names |= set(re.findall(r"combine_answer\([^,]+,[^,]+,\s*\"(\w+)\"", src))
    names |= set(re.findall(r"_answer_for_letter\(\s*sid,\s*f,\s*\"(\w+)\"", src))
    names -= {"died", "transferred"}   # read from a discharge destination, not a judgement
    assert len(names) >= 10
    missing = {n for n in names if CANONICAL_FIELDS.get(n, ("",))[0] != "yesno"}
    assert not missing


def test_a_mapped_judgement_is_read_by_its_standard():
    from audit_app.standards import default_config, evaluate_letter

    rec = AuditRecord(letter_id="L1", opioid_prescribed=YesNo.YES, duration_stated=YesNo.NO,
                      new_opioid=YesNo.YES)
    res = [r for r in evaluate_letter(rec, None, default_config()) if r.standard_id == "OD-03"]
    assert res and all(r.outcome == "not_met" for r in res)


def test_remembered_not_used_stays_not_used():
    m = suggest_mapping(["Comments", "ID"], remembered={"Comments": None, "ID": "letter_id"})
    c = {x.heading: x for x in m.columns}
    assert c["Comments"].field is None and c["Comments"].source == "remembered"
    assert m.decisions() == {"Comments": None, "ID": "letter_id"}


def _messy_workbook(path: Path, *, duration_values=("Y", "N")) -> Path:
    """A trust's own layout: title row, merged group headings, its own headings and codes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Q3 audit"
    ws.append(["Opioids on discharge – quarterly audit (ward 7 & 9)"])
    ws.append(["Patient", None, "Prescription", None, None, "Auditor"])
    ws.merge_cells("A2:B2")
    ws.merge_cells("C2:E2")
    ws.append(["Ref", "Date of d/c", "Opioid prescribed?", "Duration Y/N", "GP asked to review?", "Notes"])
    for i in range(12):
        ws.append([f"Q3-{i:03d}", dt.datetime(2025, 9, 1 + i), "Y" if i % 4 else "N",
                   duration_values[i % len(duration_values)], "Y" if i % 3 else "?", "chk" if i % 5 == 0 else None])
    wb.save(path)
    return path


def test_messy_workbook_needs_no_mapping_work(tmp_path):
    p = rounds.prepare_import(_messy_workbook(tmp_path / "q3.xlsx"), extract=False)
    m = p.mapping
    assert m.field_for("Duration Y/N") == "duration_stated"
    assert m.field_for("Date of d/c") == "discharge_date" and m.field_for("Ref") == "letter_id"
    assert not p.report.has_errors
    assert {r.duration_stated for r in p.records} == {YesNo.YES, YesNo.NO}


def test_wrong_mapping_is_one_error_naming_the_column_to_remap(tmp_path):
    path = _messy_workbook(tmp_path / "q3.xlsx")
    p = rounds.prepare_import(path, mapping={"Duration Y/N": "days_supplied"}, extract=False)
    errors = p.report.errors
    assert len(errors) == 1 and errors[0].code == MAPPING_MISFIT
    assert "change the mapping of column D" in errors[0].message and "fix" not in errors[0].message
    assert not [i for i in p.report.issues if i.column and i.column.startswith("D ") and i.row]


def test_one_bad_cell_is_still_the_file(tmp_path):
    path = _messy_workbook(tmp_path / "q3.xlsx", duration_values=(5, 7, 3, "5/7", "seven days?!", 10))
    p = rounds.prepare_import(path, mapping={"Duration Y/N": "days_supplied"}, extract=False)
    assert not p.report.by_code(MAPPING_MISFIT)
    assert all(i.row for i in p.report.errors)


def test_cli_remembers_a_column_left_unmapped(tmp_path, capsys):
    from audit_app.cli import main

    db = f"sqlite:///{tmp_path / 'a.db'}"
    path = str(_messy_workbook(tmp_path / "q3.xlsx"))
    assert main(["import", path, "--db", db, "--trust", "T", "--round", "Q3", "--no-extract", "--accept",
                 "--mapping", '{"Notes": null}']) == 0
    capsys.readouterr()
    path2 = str(_messy_workbook(tmp_path / "q4.xlsx"))
    assert main(["import", path2, "--db", db, "--trust", "T", "--round", "Q4", "--no-extract"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "Notes" in x and "->" in x)
    assert "not used" in line and "remembered" in line


def test_misfit_code_is_the_one_services_name():
    from audit_app import services

    assert services.MAPPING_MISFIT == MAPPING_MISFIT


def test_an_edit_in_the_grid_marks_only_that_row_as_your_choice():
    """The editor sends every row back; rows left as suggested keep the suggestion's source and
    confidence, so the screen does not call every row 'your choice'."""
    from audit_app.ingest import apply_user_mapping

    headings = ["Hosp No", "Opioid prescribed?", "GP asked to review?", "Days supplied"]
    values = [["A1", "A2"], ["Y", "N"], ["Y", "N"], [5, 7]]
    suggested = suggest_mapping(headings, values=values)
    whole = {c.heading: c.field for c in suggested.columns}
    edited_heading = "GP asked to review?"
    assert whole[edited_heading] is not None
    whole[edited_heading] = None                       # the user switches one column off
    applied, notes = apply_user_mapping(suggested, whole)
    by_heading = {c.heading: c for c in applied.columns}
    assert not notes
    assert by_heading[edited_heading].field is None and by_heading[edited_heading].source == "user"
    for c, s in zip(applied.columns, suggested.columns):
        if c.heading != edited_heading:
            assert (c.field, c.source, c.confidence) == (s.field, s.source, s.confidence)
