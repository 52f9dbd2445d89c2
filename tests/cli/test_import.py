"""`opioid-audit import`: preview, --accept, exit codes, one-line errors, no identifiers printed."""
from __future__ import annotations

import json

import openpyxl
import pytest

from audit_app.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def trusts(url):
    from audit_app.store import Store

    s = Store(url)
    try:
        return {t.name: [(r.label, r.n_letters) for r in s.list_rounds(t.id)] for t in s.list_trusts()}
    finally:
        s.close()


def test_preview_prints_mapping_and_report_without_identifiers(capsys, store_url, rounds_dir):
    code, out, err = run(capsys, "--db", store_url, "import", str(rounds_dir / "trust_a_round1.xlsx"),
                         "--trust", "Trust A", "--round", "Round 1")
    assert code == 0, err
    assert "Hosp No" in out and "-> hospital_number" in out
    assert 'row 44, column H "Weaning plan"' in out
    assert "row 46" in out and "Total audited" in out
    assert "Nothing saved" in out
    for ident in ("A214850", "40903647", "K8524454"):           # hospital numbers
        assert ident not in out
    assert "St Aldhelm" not in out and "Discharge Summary" not in out and "9997029033" not in out  # letter text
    assert trusts(store_url) == {}


def test_accept_saves_and_remembers(capsys, store_url, rounds_dir):
    code, out, err = run(capsys, "--db", store_url, "import", str(rounds_dir / "trust_a_round3.xlsx"),
                         "--trust", "Trust A", "--round", "Round 3", "--accept", "--no-extract")
    assert code == 0, err
    assert "Created trust 'Trust A'" in out and "Saved round 'Round 3'" in out
    assert trusts(store_url) == {"Trust A": [("Round 3", 38)]}
    code, out, err = run(capsys, "--db", store_url, "import", str(rounds_dir / "trust_a_round3.xlsx"),
                         "--trust", "Trust A", "--round", "Round 3b", "--no-extract")
    assert code == 0 and "remembered" in out
    # same label again: a one-line user error, nothing added
    code, out, err = run(capsys, "--db", store_url, "import", str(rounds_dir / "trust_a_round3.xlsx"),
                         "--trust", "Trust A", "--round", "Round 3", "--accept", "--no-extract")
    assert code == 2 and "already has a round" in err and err.count("\n") == 1
    assert trusts(store_url) == {"Trust A": [("Round 3", 38)]}


def test_accept_with_errors_exits_1_and_saves_nothing(capsys, store_url, tmp_path):
    p = tmp_path / "dups.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Audit ID", "Opioid prescribed?", "Age"])
    ws.append(["A-1", "Y", 70])
    ws.append(["A-1", "N", "eighty"])
    wb.save(p)
    code, out, err = run(capsys, "--db", store_url, "import", str(p), "--trust", "T", "--round", "R", "--accept")
    assert code == 1
    assert "duplicate letter id 'A-1'" in out and 'row 3, column C "Age"' in out
    assert "not saved" in err and err.count("\n") == 1
    assert trusts(store_url) == {}


@pytest.mark.parametrize("setup,fragment", [
    ("missing", "file not found"),
    ("renamed", "not a zip archive"),
    ("binary_csv", "binary"),
    ("empty", "is empty"),
])
def test_unreadable_files_are_one_line_errors(capsys, tmp_path, setup, fragment):
    store_url = f"sqlite:///{tmp_path / 'cli.db'}"
    p = tmp_path / ("x.csv" if setup == "binary_csv" else "x.xlsx")
    if setup == "renamed":
        p.write_text("not,a,workbook\n")
    elif setup == "binary_csv":
        p.write_bytes(b"\x00\x01\x02" * 100)
    elif setup == "empty":
        openpyxl.Workbook().save(p)
    code, out, err = run(capsys, "--db", store_url, "import", str(p), "--trust", "T", "--round", "R", "--accept")
    assert code == 2
    assert err.startswith("opioid-audit import: error: ") and fragment in err and err.count("\n") == 1
    assert "Traceback" not in err and out == ""
    assert trusts(store_url) == {}


def test_mapping_option_json_and_file(capsys, tmp_path, rounds_dir):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    f = str(rounds_dir / "trust_a_round2.xlsx")
    code, out, _ = run(capsys, "--db", db, "import", f, "--no-extract", "--mapping", '{"Pharmacist": null}')
    assert code == 0 and "Pharmacist" in out and "(not used: kept as is)" in out
    mf = tmp_path / "map.json"
    mf.write_text(json.dumps({"Comments": "extra"}))
    code, out, _ = run(capsys, "--db", db, "import", f, "--no-extract", "--mapping", str(mf), "--json")
    assert code == 0
    doc = json.loads(out)
    cols = {c["heading"]: c["field"] for c in doc["mapping"]["columns"]}
    assert cols["Comments"] is None and cols["ID"] == "letter_id"
    assert doc["saved_round_id"] is None and doc["report"]["n_rows"] == 39


@pytest.mark.parametrize("extra,fragment", [
    (["--mapping", "{not json"], "not valid JSON"),
    (["--mapping", "[1, 2]"], "JSON object"),
    (["--mapping", '{"ID": "shoe_size"}'], "unknown field 'shoe_size'"),
    (["--accept"], "--accept needs --trust and --round"),
    (["--sheet", "nope"], "no sheet called 'nope'"),
    (["--period-start", "31/02/2025"], "--period-start"),
])
def test_option_errors(capsys, tmp_path, rounds_dir, extra, fragment):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    code, out, err = run(capsys, "--db", db, "import", str(rounds_dir / "trust_a_round1.xlsx"), "--no-extract", *extra)
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_list_sheets(capsys, tmp_path, rounds_dir):
    code, out, _ = run(capsys, "--db", f"sqlite:///{tmp_path / 'a.db'}", "import",
                       str(rounds_dir / "trust_a_round3.xlsx"), "--list-sheets")
    assert code == 0 and out.split() == ["data", "notes"]


def test_help_is_one_line_in_the_command_list(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.strip().startswith("import"))
    assert "import an audit spreadsheet" in line


def test_accept_with_the_rounds_number_of_discharges(capsys, store_url, rounds_dir):
    from audit_app.store import Store

    code, out, err = run(capsys, "--db", store_url, "import", str(rounds_dir / "trust_a_round3.xlsx"),
                         "--trust", "Trust A", "--round", "Round 3", "--accept", "--no-extract", "--discharges", "412")
    assert code == 0, err
    s = Store(store_url)
    try:
        t = s.list_trusts()[0]
        assert [r.discharges for r in s.list_rounds(t.id)] == [412]
    finally:
        s.close()
    code, out, err = run(capsys, "--db", store_url, "import", str(rounds_dir / "trust_a_round3.xlsx"),
                         "--trust", "Trust A", "--round", "Round 3c", "--accept", "--no-extract", "--discharges", "0")
    assert code == 2 and "--discharges" in err and err.count("\n") == 1
