"""Excel report: sheets, no formulas, identifiers masked by default, conditional formatting, charts or a note."""
from __future__ import annotations

import contextlib
import datetime as dt
import io

import openpyxl
import pytest

from audit_app import report
from audit_app.report import SHEETS, build_round_report
from audit_app.scoring import score_letters

NHS = "999 123 4567"
HOSP = "RX9450465"
NAME = "Jane Doughnut"


def _letters(n=12, evil=True, seed=0):
    letters = []
    for i in range(n):
        rec = {
            "letter_id": f"=HYPERLINK(\"http://x\",\"R{i}\")" if (evil and i == 0) else f"R1-{i:03d}",
            "nhs_number": NHS, "hospital_number": HOSP, "patient_name": NAME, "date_of_birth": "1950-02-03",
            "discharge_date": (dt.date(2026, 1, 5) + dt.timedelta(days=i)).isoformat(),
            "opioid_prescribed": "yes", "weaning_plan": "yes" if (i + seed) % 3 else "no",
            "gp_action": "yes" if i % 2 else "unknown", "sex": "F" if i % 2 else "M", "age": 40 + 3 * i,
            "drug": "+cmd|' /C calc'!A0" if (evil and i == 1) else "OxyNorm 5mg PRN",
        }
        ext = {"opioids": [{"generic": "oxycodone", "formulation": "IR", "new_on_admission": True,
                            "text": f"@SUM(1,1) OxyNorm for Mr {NAME}" if (evil and i == 2) else "OxyNorm 5mg",
                            "span": [10, 20], "duration_days": 5, "supply_days": 5, "supply_quantity": "20 capsules",
                            "strength_mg": 5, "dose_mg_max": 5, "frequency_per_day_max": 4, "route": "oral",
                            "ome_mg_per_day": 30}],
               "weaning_plan": {"present": True, "text": "-2+3 stop after 5 days", "span": [30, 50]},
               "gp_instruction": {"present": False}, "indication_documented": True, "risk_flags": [],
               "ome_total_mg_per_day": 30}
        letters.append({"id": i + 1, "letter_key": f"key{i}", "record": rec, "extraction": ext, "text": None})
    for lt, res in zip(letters, score_letters(letters).values()):
        lt["standard_results"] = res
    return letters


ISSUES = [{"severity": "warning", "sheet": "Audit data", "row": 7, "column": "Days supplied",
           "message": "=1+1 could not read '5/7?'"}]


def _all_values(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                yield ws.title, c


@pytest.fixture(scope="module")
def report_bytes():
    cur, prev = _letters(), _letters(seed=1)
    return build_round_report("Trust A", {"label": "Round 2", "period_start": dt.date(2026, 1, 1),
                                          "period_end": dt.date(2026, 1, 31), "standards_version": 3},
                              cur, previous=("Round 1", prev), import_issues=ISSUES, charts=False,
                              generated_at=dt.datetime(2026, 2, 1, 9, 30))


def test_sheets_present(report_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(report_bytes))
    assert wb.sheetnames == list(SHEETS)
    s = wb["Summary"]
    vals = {s.cell(r, 1).value: s.cell(r, 2).value for r in range(3, 10)}
    assert vals["Trust"] == "Trust A" and vals["Round"] == "Round 2"
    assert vals["Period"] == "2026-01-01 to 2026-01-31"
    assert "configuration v3" in vals["Standards version"] and vals["Generated"] == "2026-02-01 09:30:00"
    ids = [s.cell(r, 1).value for r in range(1, s.max_row + 1)]
    assert "OD-01" in ids and "OD-14" in ids and "OD-15" not in ids  # local standards off by default


def test_no_formula_anywhere(report_bytes, tmp_path):
    p = tmp_path / "r.xlsx"
    p.write_bytes(report_bytes)
    wb = openpyxl.load_workbook(p)
    n = 0
    for _, c in _all_values(wb):
        n += 1
        assert c.data_type != "f", (c.coordinate, c.value)
        if isinstance(c.value, str):
            assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r")), (c.coordinate, c.value)
    assert n > 100
    texts = [c.value for _, c in _all_values(wb) if isinstance(c.value, str)]
    assert any(t.startswith("'=HYPERLINK") for t in texts)   # shown as text, not run
    assert any(t.startswith("'+cmd") for t in texts)
    assert any(t.startswith("'=1+1") for t in texts)         # data-quality message


def test_identifiers_masked_by_default(report_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(report_bytes))
    blob = "\n".join(str(c.value) for _, c in _all_values(wb) if c.value is not None)
    for secret in (NHS, HOSP, NAME, "1950-02-03", "Doughnut"):
        assert secret not in blob, secret
    assert "*** *** ****" in blob


def test_identifiers_shown_with_unmask():
    data = build_round_report("Trust A", "Round 2", _letters(), charts=False, unmask=True)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    blob = "\n".join(str(c.value) for _, c in _all_values(wb) if c.value is not None)
    for secret in (NHS, HOSP, NAME, "1950-02-03"):
        assert secret in blob, secret


def test_conditional_formatting_against_target(report_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(report_bytes))
    cf = wb["Summary"].conditional_formatting
    ranges = [str(r.sqref) for r in cf]
    assert len(ranges) >= 10
    rules = [rule for r in cf for rule in r.rules]
    assert any(rule.operator == "greaterThanOrEqual" for rule in rules)
    assert any(rule.operator == "lessThanOrEqual" for rule in rules)  # OD-07, lower is better
    assert wb["Letters"].conditional_formatting


def test_letter_results_comparison_and_quality(report_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(report_bytes))
    lt = wb["Letters"]
    header = [c.value for c in lt[1]]
    assert header[:2] == ["Audit ID", "Patient key"] and "Evidence" in header
    ev_col = header.index("Evidence") + 1
    evidence = [lt.cell(r, ev_col).value for r in range(2, lt.max_row + 1)]
    assert any("stop after 5 days" in (e or "") for e in evidence)
    assert any("extraction" in (e or "") for e in evidence)
    comp = wb["Comparison"]
    sentences = [comp.cell(r, 12).value for r in range(4, comp.max_row + 1)]
    assert any(s and s.startswith("Weaning / stopping plan documented") and "95% CI" in s for s in sentences)
    dq = wb["Data quality"]
    assert dq.cell(4, 5).value.startswith("'=1+1") and dq.cell(4, 3).value == 7
    assert "not requested" in " ".join(str(c.value) for c in wb["Charts"]["A"] if c.value)


def test_subgroup_sheet_suppresses():
    data = build_round_report("Trust A", "Round 2", _letters(n=12), charts=False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sg = wb["Subgroups"]
    vals = [c.value for row in sg.iter_rows() for c in row]
    assert "<5" in vals
    num_cols = [(sg.cell(r, 4).value, sg.cell(r, 5).value) for r in range(1, sg.max_row + 1)]
    for num, den in num_cols:
        for v in (num, den):
            assert v not in ("1", "2", "3", "4")


def test_no_previous_round_and_path(tmp_path):
    p = tmp_path / "out.xlsx"
    data = build_round_report("Trust A", "Round 1", _letters(n=3, evil=False), charts=False, path=p)
    assert p.read_bytes() == data
    wb = openpyxl.load_workbook(p)
    assert "No previous round" in wb["Comparison"]["A1"].value


def test_chart_export_failure_degrades_with_note(monkeypatch):
    import qi.figures

    def boom(*a, **k):
        raise RuntimeError("PNG export needs Chromium: install Debian's package")

    monkeypatch.setattr(qi.figures, "figure_to_png", boom)
    monkeypatch.setattr(report, "png_session", contextlib.nullcontext)  # no browser start in this test
    data = build_round_report("Trust A", "Round 2", _letters(n=6, evil=False), previous=("Round 1", _letters(n=6, evil=False)),
                              chart_measures=["OD-04", "OD-08"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    text = " ".join(str(c.value) for c in wb["Charts"]["A"] if c.value)
    assert "chart not drawn" in text and "Chromium" in text
    assert not wb["Charts"]._images


@pytest.mark.slow
def test_chart_image_embedded():
    import qi.figures

    if qi.figures.chromium_path() is None:
        pytest.skip("no Chromium for PNG export")
    data = build_round_report("Trust A", "Round 2", _letters(n=6, evil=False),
                              previous=("Round 1", _letters(n=6, evil=False, seed=1)), chart_measures=["OD-04"],
                              pdsa_cycles=[{"cycle_no": 1, "change_idea": "TTO template", "date_start": "2026-01-10"}])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert len(wb["Charts"]._images) == 1


@pytest.mark.parametrize("grain,n_points", [("round", 2), ("week", 6), ("month", 2)])
def test_chart_in_percentages_by_the_chosen_grain(monkeypatch, grain, n_points):
    """Report charts show percentages (not 0.4-1 and 'target (1)') and can go by week or month."""
    import qi.figures

    drawn = []

    def capture(fig, *a, **k):
        drawn.append(fig)
        return b"\x89PNG"

    monkeypatch.setattr(qi.figures, "figure_to_png", capture)
    monkeypatch.setattr(report, "png_session", contextlib.nullcontext)
    prev = [dict(lt, record=dict(lt["record"], discharge_date=(dt.date(2025, 12, 1) + dt.timedelta(days=7 * i)).isoformat()))
            for i, lt in enumerate(_letters(n=6, evil=False, seed=1))]
    with contextlib.suppress(Exception):  # b"\x89PNG" is not an image openpyxl can embed: drawing is what counts
        build_round_report("Trust A", "Round 2", _letters(n=6, evil=False), previous=("Round 1", prev),
                           chart_measures=["OD-04"], chart_grain=grain)
    assert drawn
    fig = drawn[0]
    assert fig.layout.yaxis.tickformat == ".0%"
    assert all("(1)" not in (t.name or "") for t in fig.data)
    values = [p for t in fig.data if t.mode == "lines" and t.name == "value" for p in t.x]
    assert len(values) == n_points


def test_unknown_chart_grain_is_refused():
    with pytest.raises(ValueError, match="chart_grain"):
        build_round_report("Trust A", "Round 2", _letters(n=2, evil=False), chart_grain="day")


def test_measures_change_ideas_and_codes_in_words():
    letters = _letters(evil=False)
    letters[3]["extraction"]["opioids"][0]["ome_mg_per_day"] = 130
    letters[3]["standard_results"] = score_letters([letters[3]])[letters[3]["id"]]
    data = build_round_report("Trust A", {"label": "R", "discharges": 400}, letters, charts=False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    m = {wb["Measures"].cell(r, 5).value: wb["Measures"].cell(r, 2).value for r in range(4, wb["Measures"].max_row + 1)}
    assert m["items_per_100"] == "3.0 per 100 discharges (12/400)"
    assert m["high_dose_120"] == "8% (1/12)"
    assert m["referral_prompt"] == "8% (1/12)"
    ideas = {wb["Change ideas"].cell(r, 1).value: wb["Change ideas"].cell(r, 5).value
             for r in range(4, wb["Change ideas"].max_row + 1)}
    assert "oxycodone 5 mg" in ideas["OD-04"]
    ws = wb["Letters"]
    head = [c.value for c in ws[1]]
    why, code = head.index("Exclusion / reason"), head.index("Code")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert any(r[code] == "NO_BZD" and r[why] and "benzodiazepine" in r[why] for r in rows)
    assert not any(r[why] in ("NO_BZD", "LTOT", "NO_OPIOID") for r in rows)
