"""`opioid-audit chart` through audit_app.cli.main."""
from __future__ import annotations

import pandas as pd
import pytest

from audit_app.cli import main

ROWS = [("2024-%02d-01" % m, n, 20) for m, n in zip(range(1, 13), [5, 6, 4, 7, 5, 6, 12, 13, 12, 14, 13, 12])]


@pytest.fixture
def csv_file(tmp_path):
    p = tmp_path / "od08.csv"
    p.write_text("month,compliant,letters\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS), encoding="utf-8")
    return p


def test_summary_to_stdout(csv_file, capsys):
    assert main(["chart", str(csv_file), "--chart", "p", "--rules", "mdc", "--phase", "2024-07-01"]) == 0
    out = capsys.readouterr().out
    assert "p chart, mdc rules" in out and "phase 2: 6 points" in out


def test_points_csv(csv_file, tmp_path):
    out = tmp_path / "points.csv"
    assert main(["chart", str(csv_file), "--chart", "p", "--phase", "2024-07-01", "--freeze", "4",
                 "--out", str(out)]) == 0
    pts = pd.read_csv(out)
    assert len(pts) == 12 and pts["phase"].tolist() == [1] * 6 + [2] * 6
    assert pts["cl"][0] == pytest.approx(22 / 80)          # first 4 points of phase 1: 5+6+4+7 / 80


def test_html_and_options(csv_file, tmp_path):
    out = tmp_path / "chart.html"
    assert main(["chart", str(csv_file), "--chart", "i", "--rules", "mdc", "--run-length", "6", "--no-screen",
                 "--improvement", "decrease", "--target", "10", "--show-2sigma", "--out", str(out)]) == 0
    assert "plotly" in out.read_text(encoding="utf-8")


def test_png(csv_file, tmp_path):
    from qi.figures import chromium_path

    if chromium_path() is None:
        pytest.skip("no system Chromium (apt-get install chromium)")
    out = tmp_path / "chart.png"
    assert main(["chart", str(csv_file), "--chart", "p", "--rules", "mdc", "--phase", "2024-07-01",
                 "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def _err(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    return err


def test_missing_file(capsys, tmp_path):
    assert "file not found" in _err(capsys, ["chart", str(tmp_path / "nope.csv")])


def test_bad_row_names_row_and_column(capsys, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("label,value,denominator\n2024-01,5,20\n2024-02,five,20\n", encoding="utf-8")
    err = _err(capsys, ["chart", str(p), "--chart", "p"])
    assert "row 3, column 'value': 'five' is not a number" in err
    p.write_text("label,value,denominator\n2024-01,5\n", encoding="utf-8")
    err = _err(capsys, ["chart", str(p), "--chart", "p"])
    assert "row 2: expected a 'denominator' column" in err


def test_invalid_data_and_options_are_user_errors(capsys, tmp_path):
    p = tmp_path / "over.csv"
    p.write_text("label,value,denominator\nJan,5,20\nFeb,25,20\n", encoding="utf-8")
    assert "numerator 25 is above its denominator 20 at point 1 (label 'Feb')" in _err(capsys, ["chart", str(p), "--chart", "p"])
    assert "unknown chart" in _err(capsys, ["chart", str(p), "--chart", "xbar"])
    assert "--out must end in" in _err(capsys, ["chart", str(p), "--out", str(tmp_path / "x.pdf")])
    p.write_text("label,value\n", encoding="utf-8")
    assert "no data rows" in _err(capsys, ["chart", str(p)])
