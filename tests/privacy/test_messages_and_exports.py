"""Messages describe values and never quote identifiers (text and --json); every export is
masked by default, whatever the trust keeps in its store."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest

from audit_app.cli import main
from audit_app.ingest.report import IngestError, ValidationIssue

SECRETS = ("7499525252", "4834352617", "Kowalczyk", "943 476 5919", "9434765919", "03/07/1962", "Siân", "Llŷr",
           "Whitfield", "RX9450465")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _leaks(*texts: str) -> list[str]:
    return [s for s in SECRETS for t in texts if s in t]


@pytest.fixture
def bad_csv(tmp_path):
    p = tmp_path / "Mr_Whitfield_9434765919.csv"
    p.write_text("Audit ID,Opioid prescribed?,Weaning plan,Days supplied,Discharge date\n"
                 "7499525252,yes,Ms Kowalczyk 4834352617,7,01/02/2024\n"
                 "7499525252,yes,no,5,01/02/2024\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("as_json", [False, True])
def test_import_messages_describe_values(capsys, tmp_path, bad_csv, as_json):
    url = f"sqlite:///{tmp_path / 's.db'}"
    argv = ["--db", url, "import", str(bad_csv), "--trust", "T", "--round", "R1 Mrs Kowalczyk", "--accept"]
    code, out, err = run(capsys, *(argv + (["--json"] if as_json else [])))
    assert code == 1, err
    assert _leaks(out, err) == []
    assert "10-digit number" in out
    if as_json:
        doc = json.loads(out)
        assert any("10-digit number" in i["message"] for i in doc["report"]["issues"])


def test_validation_issue_and_ingest_error_never_quote_identifiers():
    issue = ValidationIssue("error", "duplicate letter id '7499525252'", "Mr_Whitfield_9434765919.csv",
                            "Mrs Kowalczyk", 3, 'B "Audit ID"', raw="Ms Kowalczyk 4834352617")
    assert issue.message == "duplicate letter id (a 10-digit number)"
    assert _leaks(str(issue), json.dumps(issue.to_dict(), ensure_ascii=False)) == []
    err = IngestError("no sheet called 'Siân Llŷr 943 476 5919'", "Mr_Whitfield_9434765919.xlsx")
    # the whole quoted value is described, so the unlabelled name beside the number goes too
    assert _leaks(str(err)) == [] and str(err).endswith("no sheet called (a 10-digit number)")


LETTER = ("Name: Siân Llŷr\nNHS No: 943 476 5919   DOB: 03/07/1962\nDear Mrs Kowalczyk,\n"
          "Discharge medication:\nOxycodone 5mg PO 4-hourly PRN for pain, 7 days' supply (Llŷr to take with food)\n")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_extract_masks_evidence_and_ids_by_default(tmp_path, capsys, suffix):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "Llŷr_9434765919.txt").write_text(LETTER, encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    code, stdout, stderr = run(capsys, "extract", str(folder), "--out", str(out))
    assert code == 0, stderr
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(out)
        written = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    else:
        written = out.read_text(encoding="utf-8")
    assert "xycodone" in written
    assert _leaks(written, stdout, stderr) == []
    code, *_ = run(capsys, "extract", str(folder), "--out", str(out), "--unmask")
    unmasked = (out.read_text(encoding="utf-8") if suffix != ".xlsx" else
                "\n".join(str(c.value) for ws in openpyxl.load_workbook(out) for r in ws.iter_rows() for c in r))
    assert code == 0 and "Llŷr_9434765919" in unmasked


def test_report_of_a_trust_that_keeps_identifiers_is_masked(store):
    from audit_app.report import build_round_report_from_store

    t = store.create_trust("Trust K", keep_identifiers=True)
    rid = store.save_round(t.id, "R1", [{"record": {"letter_id": "9434765919", "nhs_number": "9434765919",
                                                    "patient_name": "Siân Llŷr"},
                                         "text": LETTER,
                                         "standard_results": [{"standard_id": "OD-01", "outcome": "met",
                                                               "evidence": [{"text": "Name: Siân Llŷr"}]}]}],
                           import_issues=[{"severity": "warning", "sheet": "Mrs Kowalczyk", "row": 3,
                                           "message": "Hospital No: RX9450465 looks odd"}])
    data = build_round_report_from_store(store, t.id, rid, charts=False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert _leaks(cells) == []
