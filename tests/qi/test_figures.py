"""qi.figures: what the figure shows, read back from the plotly object; PNG export via kaleido."""
from __future__ import annotations

import pandas as pd
import pytest

from qi.explain import point_sentence
from qi.figures import COLOURS, chromium_path, figure_to_png, spc_figure
from qi.pdsa import PdsaCycle
from qi.spc import analyse

LABELS = list(pd.date_range("2024-01-01", periods=20, freq="MS"))
NUM = [5, 6, 4, 7, 5, 6, 5, 4, 6, 5, 12, 13, 12, 14, 13, 12, 13, 14, 12, 13]
DEN = [20] * 20


@pytest.fixture(scope="module")
def result():
    return analyse(NUM, DEN, labels=LABELS, chart="p", rules="mdc", phases=[LABELS[10]], target=0.5)


def test_points_coloured_as_mdc(result):
    fig = spc_figure(result)
    colours = {t.name: t.marker.color for t in fig.data if t.mode == "markers"}
    assert colours.get("Common cause variation") == COLOURS["common_cause"]
    r2 = analyse([10.0, 12.0] * 7 + [20.0, 2.0], chart="i", rules="mdc")
    colours = {t.name: t.marker.color for t in spc_figure(r2).data if t.mode == "markers"}
    assert colours["Special cause: improvement"] == "#00b0f0"
    assert colours["Special cause: concern"] == "#e46c0a"
    r3 = analyse([10.0, 12.0] * 7 + [20.0], chart="i", rules="mdc", improvement="neutral")
    colours = {t.name: t.marker.color for t in spc_figure(r3).data if t.mode == "markers"}
    assert colours["Special cause: neutral (high)"] == "#490092"


def test_lines_broken_at_phase_starts(result):
    fig = spc_figure(result, show_2sigma=True)
    names = [t.name for t in fig.data]
    cl = next(t for t in fig.data if t.name.startswith("centre line"))
    assert list(cl.x).count(None) == 1 and len(cl.x) == 21
    assert "upper 2-sigma" in names and "lower limit" in names
    assert "upper 2-sigma" not in [t.name for t in spc_figure(result).data]


def test_target_pdsa_and_icons(result):
    cycles = [PdsaCycle(1, "TTO template", "2024-11-01", act="adopt"), PdsaCycle(2, "Leaflet", "2025-03-01")]
    fig = spc_figure(result, pdsa_cycles=cycles, title="OD-08 weaning plan")
    assert fig.layout.title.text == "OD-08 weaning plan"
    tgt = next(t for t in fig.data if t.name.startswith("target"))
    assert list(tgt.y) == [0.5, 0.5]
    pdsa = next(t for t in fig.data if t.name == "PDSA cycles")
    assert list(pdsa.text) == ["PDSA 1", "PDSA 2"] and "adopt" in pdsa.hovertext[0]
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "Variation" in texts and "Assurance" in texts and "hit and miss" in texts


def test_hover_explains_each_signal():
    r = analyse([10.0, 12.0] * 7 + [20.0], chart="i", rules="mdc")
    row = r.points.iloc[-1]
    # mean (154 + 20) / 15 = 11.6; MR 8 screened out, mean MR 2: ucl = 11.6 + 2.66 * 2 = 16.92
    assert point_sentence(row) == "Signal, an improvement: this point is above the upper limit (16.92)."
    assert point_sentence(r.points.iloc[0]).startswith("Common cause")
    fig = spc_figure(r)
    imp = next(t for t in fig.data if t.name == "Special cause: improvement")
    assert "above the upper limit" in imp.text[0]


def test_every_chart_and_rule_set_draws():
    for chart, kw in [("run", {}), ("i", {}), ("mr", {}), ("c", {}), ("g", {}), ("t", {}),
                      ("p", {"denominators": DEN}), ("pp", {"denominators": DEN}),
                      ("u", {"denominators": DEN}), ("up", {"denominators": DEN})]:
        for rules in ("anhoej", "mdc", "ihi"):
            if chart == "mr" and rules != "anhoej":
                continue
            r = analyse([v + 1 for v in NUM], chart=chart, rules=rules, **kw)
            assert spc_figure(r).data


def test_no_data_point_is_a_gap():
    r = analyse([2, 0, 3, 4], [10, 0, 10, 10], chart="p")
    fig = spc_figure(r)
    assert list(fig.data[0].y)[1] is None


@pytest.mark.skipif(chromium_path() is None, reason="no system Chromium (apt-get install chromium); PNG export untested")
def test_png_export(result, tmp_path):
    out = tmp_path / "chart.png"
    data = figure_to_png(spc_figure(result), out)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and out.read_bytes() == data


# --------------------------------------------------------------------------- network figures

def _funnel_result():
    from qi.funnel import funnel

    return funnel([70, 72, 68, 71, 0, 20], [100, 100, 100, 100, 0, 100],
                  ["Trust A", "Trust B", "Trust C", "Trust D", "Trust E", "Trust F"], overdispersion="additive")


def test_funnel_figure_names_outliers_and_hovers_wilson():
    from qi.figures import funnel_figure
    from qi.intervals import wilson_interval

    r = _funnel_result()
    fig = funnel_figure(r, measure="OD-04")
    outside = next(t for t in fig.data if t.name == "trusts outside the limits")
    assert list(outside.text) == ["Trust F"]
    assert outside.marker.color[0] == COLOURS["special_cause_concern"]
    lo, hi = wilson_interval(20, 100)
    assert f"20/100 = 20.0%" in outside.hovertext[0] and f"{lo:.1%} to {hi:.1%}" in outside.hovertext[0]
    # no eligible letters: not a point, said in words
    xs = [x for t in fig.data if t.mode and "markers" in t.mode for x in t.x]
    assert 0 not in xs
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "Trust E: no eligible letters" in notes and "tau" in notes
    limit_names = {t.name for t in fig.data if t.showlegend is not False}
    assert {"95% limits", "99.8% limits"} <= limit_names


def test_small_multiples_share_axis_and_keep_each_trusts_pdsa():
    from qi.figures import small_multiples_figure

    labels = list(pd.date_range("2024-01-01", periods=12, freq="MS"))
    a = analyse([5, 6, 5, 7, 6, 5, 6, 7, 6, 5, 6, 7], [10] * 12, labels=labels, chart="p", rules="mdc")
    b = analyse([2, 3, 2, 3, 2, 8, 9, 8, 9, 8, 9, 9], [10] * 12, labels=labels, chart="p", rules="mdc")
    cyc = PdsaCycle(1, "TTO template", "2024-06-01")
    fig = small_multiples_figure([("Trust A", a, []), ("Trust B", b, [cyc])], columns=2)
    assert [ann.text for ann in fig.layout.annotations][:2] == ["Trust A", "Trust B"]
    pdsa = [t for t in fig.data if t.name == "PDSA"]
    assert len(pdsa) == 1 and pdsa[0].xaxis == "x2"
    assert fig.layout.yaxis.range == fig.layout.yaxis2.range
    assert fig.layout.yaxis2.matches == "y" and fig.layout.yaxis2.showticklabels is False


def test_chromium_goodbye_kept_out_of_the_log_other_decode_errors_kept(caplog):
    """choreographer's pipe reader logs its own shutdown sentinel as a traceback (a CI run failed on
    it in the browser test's no-traceback check); only that record is dropped."""
    import os

    from choreographer.channels.pipe import Pipe

    from qi.figures import quiet_browser_goodbye

    def read(raw: bytes) -> list:
        pipe = Pipe()
        pipe.open()
        try:
            os.write(pipe.from_external_to_choreo, raw)
            return pipe.read_jsons(blocking=False)[0]
        finally:
            pipe.close()

    quiet_browser_goodbye()
    quiet_browser_goodbye()   # idempotent: one filter
    import logging
    assert len(logging.getLogger("choreographer.channels.pipe").filters) == 1
    with caplog.at_level(logging.DEBUG, logger="choreographer"):
        assert read(b'{"id": 1, "result": {}}\0{bye}\0') == [{"id": 1, "result": {}}]
        # the sentinel written ahead of Chromium's last message (one undecodable piece)
        read(b'{bye}\n{"method": "Inspector.detached"}\0')
        assert not [r for r in caplog.records if r.exc_info]
        read(b'{"id": 2, "resu\0')   # a torn message is still reported
        assert [r for r in caplog.records if r.exc_info and "Ignoring" in r.getMessage()]
