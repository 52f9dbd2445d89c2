"""The three shared Trust A workbooks: header found, mapping needs no manual fix, real problems reported."""
from __future__ import annotations

import datetime as dt

import pytest

from audit_app.ingest import build_records, list_sheets, read_table, suggest_mapping
from audit_app.records import YesNo


def _load(rounds_dir, n):
    sheet = read_table(rounds_dir / f"trust_a_round{n}.xlsx")
    mapping = suggest_mapping(sheet.headings)
    records, report = build_records(sheet, mapping)
    return sheet, mapping, records, report


EXPECTED = {
    1: {"Audit ID": "letter_id", "Hosp No": "hospital_number", "Ward": "ward", "Date of discharge": "discharge_date",
        "Specialty": "specialty", "Opioid prescribed?": "opioid_prescribed", "Drug(s)": "drug",
        "Weaning plan": "weaning_plan", "Days supplied": "days_supplied", "GP informed?": "gp_action",
        "Comments": "comments", "Letter text": "letter_text"},
    2: {"ID": "letter_id", "MRN": "hospital_number", "Discharge date": "discharge_date", "Speciality": "specialty",
        "Opioid on TTO (Y/N)": "opioid_prescribed", "Opioid name & dose": "drug",
        "Tapering plan documented": "weaning_plan", "Duration (days)": "days_supplied",
        "Indication documented": "indication", "Benzo / gabapentinoid": "co_prescribed_sedative",
        "Pharmacist": "auditor", "Comments": "comments", "Letter text": "letter_text"},
    3: {"Patient ref": "letter_id", "Date of discharge": "discharge_date", "Ward/Spec": "specialty", "Age": "age",
        "Opioid? ": "opioid_prescribed", "Opioid(s) on discharge": "drug", "Wean/stop plan?": "weaning_plan",
        "Supply (days)": "days_supplied", "OME/day (approx)": "ome_mg_per_day", "Notes/Comments": "comments",
        "Letter excerpt": "letter_text"},
}


@pytest.mark.parametrize("n", [1, 2, 3])
def test_suggested_mapping_needs_no_manual_fix(rounds_dir, n):
    sheet, mapping, _records, _report = _load(rounds_dir, n)
    assert len(sheet.headings) == len(EXPECTED[n])
    for heading, field in EXPECTED[n].items():
        assert mapping.field_for(heading) == field, heading
        assert mapping.confidence(heading) >= 0.85, heading
    assert mapping.unmapped == []


@pytest.mark.parametrize("n,sheet_name,header_row,n_rows,first,last", [
    (1, "Audit data", 3, 41, ("R1-001", 4), ("R1-041", 44)),
    (2, "Round 2", 2, 39, ("1", 3), ("39", 41)),
    (3, "data", 4, 38, ("P3-01", 5), ("P3-38", 44)),
])
def test_header_below_title_rows_and_rows_counted(rounds_dir, n, sheet_name, header_row, n_rows, first, last):
    sheet, _m, records, report = _load(rounds_dir, n)
    assert sheet.sheet == sheet_name and sheet.header_row == header_row
    assert len(records) == n_rows == report.n_rows
    assert (records[0].letter_id, records[0].source_row) == first
    assert (records[-1].letter_id, records[-1].source_row) == last
    assert not report.has_errors
    assert all(r.source_sheet == sheet_name for r in records)


def test_round3_merged_group_heading_is_not_the_header(rounds_dir):
    sheet, *_ = _load(rounds_dir, 3)
    assert "Opioid details" not in sheet.headings
    assert sheet.column_letters[sheet.column_index("Opioid?")] == "E"


def test_round1_problems_named(rounds_dir):
    _s, _m, records, report = _load(rounds_dir, 1)
    by_row = {r.source_row: r for r in records}
    # a '?' weaning answer (R1-041, row 44)
    weaning_q = [i for i in report.issues if i.row == 44 and i.field == "weaning_plan"]
    assert weaning_q and weaning_q[0].severity == "warning" and weaning_q[0].raw == "?"
    assert weaning_q[0].column == 'H "Weaning plan"'
    assert by_row[44].weaning_plan == YesNo.UNKNOWN
    # 'own supply' days (row 32): no days, raw kept, reported
    assert by_row[32].days_supplied is None and by_row[32].days_supplied_raw == "own supply"
    own = [i for i in report.issues if i.row == 32 and i.column == 'I "Days supplied"']
    assert own and "own supply" in own[0].message
    # the trailing 'Total audited: 41' row is ignored, and the total agrees
    summary = report.by_code("summary_row")
    assert [i.row for i in summary] == [46]
    assert not report.by_code("summary_mismatch")
    # blank opioid answer is reported as blank (not n/a)
    assert any(i.row == 36 and "blank" in i.message for i in report.issues)
    assert report.unknown_counts["weaning_plan"]["n/a"] == 6
    assert report.unknown_counts["weaning_plan"]["blank"] == 7
    # values
    assert by_row[4].days_supplied == 28 and by_row[4].days_supplied_raw == "4/52"
    assert by_row[4].discharge_date == dt.date(2025, 10, 20)
    assert by_row[20].specialty == "Acute Medicine"      # 'acute medicine' tidied


def test_round2_summary_and_formula_rows_ignored(rounds_dir):
    _s, _m, records, report = _load(rounds_dir, 2)
    rows = {i.row: i for i in report.by_code("summary_row")}
    assert set(rows) == {44, 45}
    assert "formula" in rows[45].message
    assert all(r.source_row <= 41 for r in records)
    by_id = {r.letter_id: r for r in records}
    assert by_id["1"].discharge_date == dt.date(2024, 4, 18)      # Excel date cell
    assert by_id["1"].days_supplied == 6                             # '6/7'
    assert by_id["5"].days_supplied == 28                            # '28 days'
    assert by_id["2"].days_supplied is None and by_id["2"].days_supplied_raw == "own supply"
    assert by_id["2"].co_prescribed_sedative == "benzo"
    assert by_id["4"].co_prescribed_sedative == "pregabalin"
    assert by_id["10"].opioid_prescribed == YesNo.UNKNOWN          # 'unclear'
    assert any(i.row == 12 and i.field == "opioid_prescribed" for i in report.warnings)


def test_round3_subheadings_skipped_and_mixed_dates(rounds_dir):
    _s, _m, records, report = _load(rounds_dir, 3)
    sub = report.by_code("subheading")
    assert [i.row for i in sub] == [20, 36]
    assert all(i.severity == "info" for i in sub)
    assert "Medical wards" in sub[0].message
    assert 20 not in {r.source_row for r in records} and 36 not in {r.source_row for r in records}
    by_id = {r.letter_id: r for r in records}
    assert by_id["P3-01"].discharge_date == dt.date(2024, 7, 12)     # Excel date, dd-mmm-yy format
    assert by_id["P3-02"].discharge_date == dt.date(2025, 8, 29)     # '29/8/25'
    assert by_id["P3-03"].discharge_date == dt.date(2024, 5, 12)     # '12.05.2024'
    assert by_id["P3-07"].discharge_date == dt.date(2024, 10, 6)     # '06/10/2024' is 6 October
    assert by_id["P3-11"].discharge_date == dt.date(2025, 10, 9)     # '09/10/25'
    assert all(r.discharge_date for r in records)
    # 'Ward/Spec' split into ward + specialty
    assert (by_id["P3-01"].ward, by_id["P3-01"].specialty) == ("Ward 23", "Obstetrics")
    assert (by_id["P3-04"].ward, by_id["P3-04"].specialty) == (None, "Respiratory")
    assert by_id["P3-02"].age == 41 and by_id["P3-01"].age is None
    assert by_id["P3-02"].ome_mg_per_day == 60.0
    ome_q = [i for i in report.warnings if i.field == "ome_mg_per_day"]
    assert {i.row for i in ome_q} == {10, 22, 23, 28, 39}


def test_list_sheets(rounds_dir):
    assert list_sheets(rounds_dir / "trust_a_round3.xlsx") == ["data", "notes"]
    assert list_sheets(rounds_dir / "trust_a_round1.xlsx") == ["Audit data"]


def test_pick_another_sheet(rounds_dir):
    from audit_app.ingest import IngestError

    with pytest.raises(IngestError) as exc:
        read_table(rounds_dir / "trust_a_round3.xlsx", sheet="notes")
    assert "no header row" in str(exc.value) and "sheet 'notes'" in str(exc.value)
    with pytest.raises(IngestError) as exc:
        read_table(rounds_dir / "trust_a_round3.xlsx", sheet="nope")
    assert "'data', 'notes'" in str(exc.value)
    assert read_table(rounds_dir / "trust_a_round3.xlsx", sheet=1).sheet == "data"
