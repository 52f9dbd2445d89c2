"""`opioid-audit network` and `opioid-audit import --trust-column` (a collated workbook split into one
round per trust with the same mapping and validation report)."""
from __future__ import annotations

import io
import zipfile

import openpyxl

from audit_app.cli import main
from audit_app.store import Store
from tests.network.conftest import MARKER, build_network


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_network_report_and_feedback(capsys, store_url, tmp_path):
    store = Store(store_url)
    build_network(store, letters=20)
    store.close()
    xlsx, pptx = tmp_path / "network.xlsx", tmp_path / "network.pptx"
    code, out, err = run(capsys, "--db", store_url, "network", "--network", "North network", "--out", str(xlsx),
                         "--slides", str(pptx), "--no-charts")
    assert code == 0, err
    wb = openpyxl.load_workbook(xlsx)
    assert {"Summary", "League tables", "Funnels", "Trends", "Feedback Low Vale"} <= set(wb.sheetnames)
    with zipfile.ZipFile(pptx) as z:
        xml = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("ppt/slides/"))
    assert "Low Vale" in xml and MARKER not in xml
    fb = tmp_path / "northgate.pptx"
    code, out, err = run(capsys, "--db", store_url, "network", "--network", "North network", "--feedback",
                         "northgate", "--out", str(fb))
    assert code == 0, err
    assert fb.exists() and fb.stat().st_size > 0
    code, out, err = run(capsys, "--db", store_url, "network", "--network", "Nowhere", "--out", str(xlsx))
    assert code == 2 and "no network named 'Nowhere'" in err and "North network" in err
    code, out, err = run(capsys, "--db", store_url, "network", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and ".xlsx" in err
    code, out, err = run(capsys, "--db", store_url, "network", "--list")
    assert code == 0 and out.startswith("All trusts:") and "North network: Northgate, Southmoor" in out


def test_create_network_and_grant_a_lead(capsys, store_url):
    store = Store(store_url)
    for name in ("Alpha", "Beta"):
        store.create_trust(name)
    store.close()
    code, out, err = run(capsys, "--db", store_url, "network", "--create", "--network", "Pair", "--trust", "alpha",
                         "--trust", "Beta")
    assert code == 0, err
    code, out, err = run(capsys, "--db", store_url, "network", "--network", "Pair", "--grant-lead", "Lead@X.nhs.uk")
    assert code == 0 and "lead@x.nhs.uk now leads 'Pair'" in out
    store = Store(store_url)
    try:
        (net,) = store.networks_for_lead("lead@x.nhs.uk")
        assert [store.get_trust(t).name for t in net.trust_ids] == ["Alpha", "Beta"] and not net.name_trusts
    finally:
        store.close()
    code, out, err = run(capsys, "--db", store_url, "network", "--create", "--network", "Pair", "--trust", "Alpha")
    assert code == 2 and "already exists" in err
    code, out, err = run(capsys, "--db", store_url, "network", "--create", "--network", "Solo", "--trust", "Gamma")
    assert code == 2 and "no trust named 'Gamma'" in err


def _collated(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Network audit"
    ws.append(["Collated audit, March"])
    ws.append(["Audit ID", "Organisation", "Date of discharge", "Opioid prescribed?", "Drug(s)", "Weaning plan",
               "Indication documented"])
    for r in rows:
        ws.append(r)
    path = tmp_path / "collated.xlsx"
    wb.save(path)
    return path


ROWS = [
    ["A-1", "Hôpital Saint-Émile", "03/03/2024", "Y", "oxycodone 5mg prn", "Y", "Y"],
    ["A-2", "Northgate", "04/03/2024", "Y", "codeine 30mg", "N", "Y"],
    ["A-3", " Hôpital  Saint-Émile ", "05/03/2024", "Y", "tramadol 50mg", "N", "N"],
    ["A-4", "Northgate", "06/03/2024", "N", "-", "n/a", "n/a"],
    ["A-5", "Northgate", "07/03/2024", "Y", "morphine 10mg", "Y", "Y"],
]


def test_collated_import_splits_by_trust(capsys, store_url, tmp_path):
    path = _collated(tmp_path, ROWS)
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "--round", "March 2024",
                         "--no-extract")
    assert code == 0, err
    assert "split by column 'Organisation' into 2 trust(s)" in out
    assert "Hôpital Saint-Émile: 2 letter(s)" in out and "Northgate: 3 letter(s)" in out
    assert "Nothing saved" in out
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "organisation",
                         "--round", "March 2024", "--no-extract", "--accept")
    assert code == 0, err
    store = Store(store_url)
    try:
        got = {t.name: [(r.label, r.n_letters) for r in store.list_rounds(t.id)] for t in store.list_trusts()}
        assert got == {"Hôpital Saint-Émile": [("March 2024", 2)], "Northgate": [("March 2024", 3)]}
        north = store.find_trust("Northgate")
        assert store.latest_column_mapping(north.id)["Weaning plan"] == "weaning_plan"   # same mapping, remembered
    finally:
        store.close()
    # the same label again: refused before anything is saved
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "--round", "March 2024",
                         "--no-extract", "--accept")
    assert code == 2 and "already has a round labelled 'March 2024'" in err


def test_row_without_trust_is_an_error_naming_row_and_column(capsys, store_url, tmp_path):
    path = _collated(tmp_path, ROWS + [["A-6", "   ", "08/03/2024", "Y", "oxycodone", "Y", "Y"]])
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "--round", "March 2024",
                         "--no-extract", "--accept")
    assert code == 1
    assert "not saved" in err
    store = Store(store_url)
    try:
        assert store.list_trusts() == []
    finally:
        store.close()
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "--round", "March 2024",
                         "--no-extract")
    assert "row 8, column B" in out and "no trust named in column 'Organisation'" in out


def test_missing_trust_column_and_both_options(capsys, store_url, tmp_path):
    path = _collated(tmp_path, ROWS)
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "Hospital",
                         "--round", "R", "--no-extract")
    assert code == 2 and "no column headed 'Hospital'" in err and "Organisation" in err
    code, out, err = run(capsys, "--db", store_url, "import", str(path), "--trust-column", "--trust", "X",
                         "--round", "R")
    assert code == 2 and "either --trust" in err
