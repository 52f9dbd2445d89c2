"""CSV: encodings (UTF-8, UTF-8 with BOM, Windows-1252) and delimiters."""
from __future__ import annotations

import datetime as dt

import pytest

from audit_app.ingest import build_records, read_table, suggest_mapping
from audit_app.records import YesNo

TEXT = ("Opioid audit – ward 7\n"
        "\n"
        "Audit ID{d}Date of discharge{d}Opioid?{d}Weaning plan{d}Days supplied{d}Comments\n"
        "C-1{d}03/04/2025{d}Y{d}n{d}5/7{d}café note\n"
        "C-2{d}2025-04-05{d}N{d}n/a{d}{d}\n"
        "{d}{d}{d}{d}{d}\n"
        "C-3{d}7/4/25{d}yes{d}?{d}own supply{d}\"quoted{d} with delimiter\"\n"
        "Total{d}3{d}{d}{d}{d}\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    p = tmp_path / "audit.csv"
    p.write_bytes(TEXT.format(d=delimiter).encode(encoding))
    sheet = read_table(p)
    assert sheet.kind == "csv" and sheet.delimiter == delimiter
    assert sheet.headings == ["Audit ID", "Date of discharge", "Opioid?", "Weaning plan", "Days supplied", "Comments"]
    assert sheet.header_row == 3
    records, report = build_records(sheet, suggest_mapping(sheet.headings))
    assert [r.letter_id for r in records] == ["C-1", "C-2", "C-3"]
    assert [r.source_row for r in records] == [4, 5, 7]
    assert records[0].comments == "café note"
    assert records[0].discharge_date == dt.date(2025, 4, 3)
    assert records[2].discharge_date == dt.date(2025, 4, 7)
    assert records[2].weaning_plan == YesNo.UNKNOWN and records[2].days_supplied_raw == "own supply"
    assert records[2].comments == f"quoted{delimiter} with delimiter"
    assert [i.row for i in report.by_code("summary_row")] == [8]
    assert not report.has_errors


def test_csv_bom_not_part_of_first_heading(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes("Audit ID,Opioid?\nA,Y\nB,N\n".encode("utf-8-sig"))
    assert read_table(p).headings[0] == "Audit ID"


def test_csv_undecodable_bytes(tmp_path):
    from audit_app.ingest import IngestError

    p = tmp_path / "bad.csv"
    p.write_bytes(b"Audit ID,Opioid?\nA,\x81\x8d\x8f\x90\x9d\n")   # invalid in UTF-8 and in cp1252
    with pytest.raises(IngestError, match="cannot decode"):
        read_table(p)


def test_csv_from_bytes_and_duplicate_headings(tmp_path):
    sheet = read_table(b"Audit ID,Comments,Comments\nA,x,y\n", "upload.csv")
    assert sheet.headings == ["Audit ID", "Comments", "Comments (C)"]
    assert sheet.issues and sheet.issues[0].code == "duplicate_heading"


def test_excel_sep_hint_line():
    sheet = read_table(b"sep=;\r\nAudit ID;Opioid?\r\nA;Y\r\n", "hint.csv")
    assert sheet.delimiter == ";" and sheet.headings == ["Audit ID", "Opioid?"] and len(sheet.rows) == 1
    assert sheet.rows[0].row == 2
