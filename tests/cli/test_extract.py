"""`opioid-audit extract` via audit_app.cli.main."""
from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from audit_app.cli import main

LETTER = "Medications on discharge:\n- Oxycodone 5mg capsules 5mg QDS PRN (new) x20\n\nPlan:\n- Taper oxycodone over 5 days.\n"
NO_OPIOID = "Medications on discharge:\n- Paracetamol 1g QDS\n"


def test_folder_to_jsonl(tmp_path, capsys):
    d = tmp_path / "letters"
    d.mkdir()
    (d / "a.txt").write_text(LETTER, encoding="utf-8")
    (d / "b.txt").write_text(NO_OPIOID, encoding="cp1252")
    (d / "c.txt").write_bytes(bytes(range(256)) * 20)
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(d), "--out", str(out)]) == 0
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == ["a", "b", "c"]
    assert recs[0]["opioids"][0]["generic"] == "oxycodone" and recs[0]["weaning_plan"]["present"]
    assert recs[1]["opioids"] == [] and recs[2]["error"]
    err = capsys.readouterr().err
    assert "3/3 letters" in err and "letter c skipped" in err
    assert "Oxycodone" not in err  # no letter text on stderr


def test_jsonl_to_csv(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [{"id": "L1", "text": LETTER}, {"id": "L2", "text": NO_OPIOID}]) + "\nnot json\n",
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["extract", str(src), "--out", str(out), "--batch-size", "1"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["id"] == "L1" and rows[0]["generic"] == "oxycodone" and rows[0]["supply_quantity"] == "20 capsules"
    assert rows[1]["id"] == "L2" and rows[1]["n_opioids"] == "0"
    assert rows[2]["error"]


def test_spreadsheet_column_to_xlsx(tmp_path):
    src = tmp_path / "audit.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Audit data"
    ws.append(["Audit round 1"])
    ws.append(["Audit ID", "Letter text"])
    ws.append(["R1-001", LETTER])
    ws.append(["R1-002", None])
    ws.append(["R1-003", NO_OPIOID])
    wb.save(src)
    out = tmp_path / "out.xlsx"
    assert main(["extract", str(src), "--out", str(out), "--column", "Letter text", "--id-column", "Audit ID",
                 "--sheet", "Audit data"]) == 0
    ws2 = openpyxl.load_workbook(out).active
    rows = list(ws2.iter_rows(values_only=True))
    header = rows[0]
    assert rows[1][header.index("id")] == "R1-001" and rows[1][header.index("generic")] == "oxycodone"
    assert rows[2][header.index("id")] == "R1-003"


@pytest.mark.parametrize("argv,msg", [
    (["extract", "missing-folder", "--out", "x.jsonl"], "input not found"),
    (["extract", "{src}", "--out", "{tmp}/out.pdf"], "unknown output type"),
    (["extract", "{sheet}", "--out", "{tmp}/out.csv", "--column", "Nope"], "column 'Nope' not found"),
])
def test_user_errors(tmp_path, capsys, argv, msg):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "L1", "text": LETTER}) + "\n", encoding="utf-8")
    sheet = tmp_path / "s.csv"
    sheet.write_text("id,text\n1,hello\n", encoding="utf-8")
    argv = [a.format(src=src, tmp=tmp_path, sheet=sheet) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1


def test_spreadsheet_header_found_as_import_does(tmp_path):
    """Title rows and merged group headings above the table; no --column: the letter text column
    is the one import would suggest, the id column too."""
    src = tmp_path / "trust.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Opioid discharge audit – Q3 2025"])
    ws.append([])
    ws.append(["Patient", None, "Letter"])
    ws.merge_cells("A3:B3")
    ws.append(["Pt ref", "Ward", "TTO text (pasted)"])
    ws.append(["Q3-01", "7", LETTER])
    ws.append(["Q3-02", "9", NO_OPIOID])
    wb.save(src)
    out = tmp_path / "out.csv"
    assert main(["extract", str(src), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["Q3-01", "Q3-02"]
    assert rows[0]["generic"] == "oxycodone" and rows[1]["n_opioids"] == "0"


@pytest.mark.parametrize("before", [True, False])
def test_db_accepted_before_or_after_the_subcommand(tmp_path, before):
    from audit_app.cli import build_parser

    url = f"sqlite:///{tmp_path / 'x.db'}"
    argv = ["--db", url, "import", "f.xlsx"] if before else ["import", "f.xlsx", "--db", url]
    assert build_parser().parse_args(argv).db == url
    assert build_parser().parse_args(["import", "f.xlsx"]).db is None
