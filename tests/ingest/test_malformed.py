"""Malformed files: a clear one-line message naming the file (sheet/row/column where it applies),
and the store left unchanged. Files are generated in tmp_path."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from audit_app import importing
from audit_app.ingest import IngestError, read_table

HEADER = ["Audit ID", "Hosp No", "Date of discharge", "Age", "Opioid prescribed?", "Drug(s)", "Weaning plan",
          "Days supplied", "GP informed?"]


def rows(n=3):
    return [[f"T-{i:03d}", f"H{i:06d}", f"{i:02d}/03/2025", 60 + i, "Y", "codeine 30mg prn", "Y", "5/7", "N"]
            for i in range(1, n + 1)]


def xlsx(path, data, title="Opioid audit"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Audit"
    if title:
        ws.append([title])
        ws.merge_cells("A1:I1")
    for r in data:
        ws.append(r)
    wb.save(path)
    return path


def snapshot(store):
    trusts = store.list_trusts()
    return ([t.name for t in trusts], [(r.label, r.n_letters) for t in trusts for r in store.list_rounds(t.id)],
            [store.latest_column_mapping(t.id) for t in trusts])


def attempt(store, path, **kw):
    """prepare + accept as the app would; returns the IngestError raised."""
    trust = store.find_trust("Trust M") or store.create_trust("Trust M")
    before = snapshot(store)
    with pytest.raises(IngestError) as exc:
        prepared = importing.prepare_import(path, path.name, trust_id=trust.id, store=store, extract=False, **kw)
        importing.accept_import(store, prepared, trust_id=trust.id, label="Round X")
    assert snapshot(store) == before
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith(path.name)
    return exc.value


def test_openpyxl_uses_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_empty_workbook(store, tmp_path):
    p = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(p)
    err = attempt(store, p)
    assert "is empty" in str(err) and err.sheet == "Sheet"


def test_zero_byte_file(store, tmp_path):
    p = tmp_path / "nothing.xlsx"
    p.write_bytes(b"")
    assert "empty" in str(attempt(store, p))


def test_no_header_found(store, tmp_path):
    p = xlsx(tmp_path / "numbers.xlsx", [[1, 2, 3], [4, 5, 6]], title=None)
    err = attempt(store, p)
    assert "no header row found" in str(err) and "sheet 'Audit'" in str(err)


def test_text_in_a_number_column(store, tmp_path):
    data = [HEADER] + rows(3)
    data[2][3] = "forty"                      # Age on Excel row 4 (title row 1, header row 2)
    p = xlsx(tmp_path / "age.xlsx", data)
    prepared = importing.prepare_import(p, extract=False)
    errs = prepared.report.errors
    assert len(errs) == 1
    assert (errs[0].row, errs[0].column, errs[0].sheet) == (4, 'D "Age"', "Audit")
    assert "text 'forty' in a number column" in errs[0].message
    assert not prepared.can_accept
    err = attempt(store, p)
    assert "1 error" in str(err) and "not saved" in str(err)


def test_duplicate_letter_ids(store, tmp_path):
    data = [HEADER] + rows(3)
    data[3][0] = "T-001"
    p = xlsx(tmp_path / "dups.xlsx", data)
    prepared = importing.prepare_import(p, extract=False)
    dup = prepared.report.by_code("duplicate_id")
    assert len(dup) == 1 and dup[0].severity == "error" and dup[0].row == 5 and "row 3" in dup[0].message
    assert dup[0].column == 'A "Audit ID"'
    attempt(store, p)


def test_file_over_the_size_cap_is_refused_before_parsing(store, tmp_path):
    p = tmp_path / "huge.xlsx"
    with open(p, "wb") as fh:                 # sparse 50 MB file: never parsed
        fh.truncate(50 * 1024 * 1024)
    err = attempt(store, p)
    assert "50.0 MB" in str(err) and "20.0 MB limit" in str(err)


def test_size_cap_is_configurable(tmp_path, monkeypatch):
    p = xlsx(tmp_path / "small.xlsx", [HEADER] + rows(3))
    monkeypatch.setenv("OPIOID_AUDIT_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(IngestError, match="limit"):
        read_table(p)
    monkeypatch.delenv("OPIOID_AUDIT_MAX_UPLOAD_MB")
    assert read_table(p).headings[0] == "Audit ID"
    with pytest.raises(IngestError, match="limit"):
        read_table(p.read_bytes(), "small.xlsx", max_bytes=100)


def test_password_protected_workbook(store, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = xlsx(tmp_path / "plain.xlsx", [HEADER] + rows(2))
    p = tmp_path / "locked.xlsx"
    with open(plain, "rb") as src, open(p, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    assert "password-protected" in str(attempt(store, p))


def test_csv_that_is_really_binary(store, tmp_path):
    p = tmp_path / "audit.csv"
    p.write_bytes(b"Audit ID,Opioid?\r\n\x00\x01\x02\x89PNG\x00\x00binary" * 20)
    assert "binary" in str(attempt(store, p))


def test_renamed_non_zip_xlsx(store, tmp_path):
    p = tmp_path / "renamed.xlsx"
    p.write_text("Audit ID,Opioid?\nA1,Y\n", encoding="utf-8")
    assert "not a zip archive" in str(attempt(store, p))


def test_zip_that_is_not_a_workbook(store, tmp_path):
    p = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "no workbook inside" in str(attempt(store, p))


def test_zip_bomb_refused_before_openpyxl(store, tmp_path, monkeypatch):
    # a member that inflates far beyond its compressed size
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert "zip bomb" in str(attempt(store, p))
    # and the total uncompressed size is capped
    from audit_app.ingest import safety

    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_FACTOR", 0.001)
    q = xlsx(tmp_path / "big_inside.xlsx", [HEADER] + rows(2))
    monkeypatch.setenv("OPIOID_AUDIT_MAX_UPLOAD_MB", "1")
    assert "expand" in str(attempt(store, q))


def test_xml_entity_attack_refused(store, tmp_path):
    good = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.save(good)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    p = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as src, zipfile.ZipFile(p, "w") as dst:
        for item in src.infolist():
            data = laughs if item.filename == "xl/worksheets/sheet1.xml" else src.read(item.filename)
            dst.writestr(item, data)
    err = attempt(store, p)
    assert "possible XML attack" in str(err)


def test_unknown_field_in_user_mapping(store, tmp_path):
    p = xlsx(tmp_path / "ok.xlsx", [HEADER] + rows(2))
    err = attempt(store, p, mapping={"Age": "shoe_size"})
    assert "unknown field 'shoe_size'" in str(err)


def test_ingest_error_is_one_line_with_location():
    e = IngestError("bad\nthing", "f.xlsx", sheet="S", row=4, column='D "Age"')
    assert str(e) == 'f.xlsx, sheet \'S\', row 4, column D "Age": bad thing'
