"""The chart data CSV: what the app downloads, `opioid-audit chart` reads back exactly."""
from __future__ import annotations

import math

import pytest

from audit_app.cli import main
from qi.series_csv import SeriesCsvError, points_to_csv, read_series_csv, write_series_csv
from qi.spc import analyse

NUM = [4, 2, 5, 6, 3, 6]
DEN = [6, 7, 9, 6, 5, 11]
LABELS = ["w/c 01/09/2025", "w/c 08/09/2025", "w/c 15/09/2025", "w/c 22/09/2025", "w/c 29/09/2025",
          "w/c 06/10/2025"]


def test_points_round_trip_exactly():
    result = analyse(NUM, denominators=DEN, labels=LABELS, chart="p", target=0.8)
    text = points_to_csv(result.points, target=0.8, measure="OD-04 Weaning plan")
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["period", "numerator", "denominator", "proportion"] and "target" in header
    back = read_series_csv(text)
    assert back.labels == LABELS and back.values == NUM and back.denominators == DEN
    assert back.target == 0.8 and back.measure == "OD-04 Weaning plan" and not back.warnings
    again = analyse(back.values, denominators=back.denominators, labels=back.labels, chart="p")
    assert list(again.points["value"]) == pytest.approx(list(result.points["value"]))


def test_non_proportion_measure_round_trips():
    result = analyse([12.5, 30, 22.5, 40], labels=["R1", "R2", "R3", "R4"], chart="i")
    back = read_series_csv(points_to_csv(result.points))
    assert back.values == [12.5, 30, 22.5, 40] and back.denominators is None


def test_cli_reads_the_download_as_proportions_not_counts(tmp_path, capsys):
    """A week at 4/6 = 67% must chart at 67%, not 0.67/6 = 11%."""
    result = analyse(NUM, denominators=DEN, labels=LABELS, chart="run")
    p = tmp_path / "od04_week.csv"
    p.write_text(points_to_csv(result.points), encoding="utf-8")
    out = tmp_path / "points.csv"
    assert main(["chart", str(p), "--chart", "p", "--out", str(out)]) == 0
    capsys.readouterr()
    import pandas as pd

    pts = pd.read_csv(out)
    assert pts["value"].iloc[0] == pytest.approx(4 / 6)


@pytest.mark.parametrize("text,values,dens", [
    ("period,percent,denominator\nA,50,10\nB,25,8\n", [5.0, 2.0], [10.0, 8.0]),
    ("period,proportion\nA,0.5\nB,0.25\n", [0.5, 0.25], None),
    ("label,value,denominator\nA,5,10\nB,2,8\n", [5.0, 2.0], [10.0, 8.0]),
    ("when,how many,of\nA,5,10\nB,2,8\n", [5.0, 2.0], [10.0, 8.0]),
])
def test_hand_made_layouts(text, values, dens):
    s = read_series_csv(text)
    assert s.values == values and s.denominators == dens and not s.warnings


def test_proportions_in_a_value_column_are_flagged():
    s = read_series_csv("label,value,denominator\nA,0.67,6\nB,0.5,8\n")
    assert s.values == [0.67, 0.5] and any("looks like proportions" in w for w in s.warnings)


def test_cli_warns_on_the_ambiguous_layout(tmp_path, capsys):
    p = tmp_path / "amb.csv"
    p.write_text("label,value,denominator\nA,0.67,6\nB,0.5,8\nC,0.25,4\n", encoding="utf-8")
    assert main(["chart", str(p)]) == 0
    assert "looks like proportions" in capsys.readouterr().err


def test_counts_that_disagree_with_the_proportion_are_flagged():
    s = read_series_csv("period,numerator,denominator,proportion\nA,4,6,0.11\n")
    assert s.values == [4.0] and s.warnings


def test_errors_name_row_and_column():
    with pytest.raises(SeriesCsvError, match="row 3, column 'numerator'"):
        read_series_csv("period,numerator,denominator\nA,1,2\nB,x,2\n")
    with pytest.raises(SeriesCsvError, match="empty"):
        read_series_csv("")


def test_write_needs_denominators_with_numerators():
    with pytest.raises(ValueError):
        write_series_csv(["A"], numerators=[1])
    assert math.isnan(read_series_csv(write_series_csv(["A"], numerators=[0], denominators=[0])).values[0]) is False


def test_one_point_chart_draws_what_its_legend_lists():
    from qi.figures import spc_figure

    r = analyse([4], denominators=[6], labels=["Round 1"], chart="run", target=0.8)
    fig = spc_figure(r, percent=True)
    for t in fig.data:
        if t.showlegend is False:
            continue
        xs = [x for x in t.x if x is not None]
        drawn_as_line = "lines" in t.mode and len(set(map(str, xs))) >= 2
        assert drawn_as_line or "markers" in t.mode, f"{t.name} is listed but not drawn"
    assert not fig.layout.annotations  # no 'common cause' verdict on one point
    two = spc_figure(analyse([4, 5], denominators=[6, 6], labels=["R1", "R2"], chart="run"), percent=True)
    assert all(t.mode == "lines" for t in two.data if t.name and t.name.startswith("centre"))
