"""The collated network report: an Excel workbook and a PowerPoint deck for a network meeting,
and one trust's feedback page on its own.

Both hold aggregates only (counts, percentages, intervals, positions, PDSA cycle titles): no
letter, quote or identifier. Trust names are the ones the viewer may see (anonymised for a member
trust's user unless the network names its trusts). The pictures are the figures the Network page
draws (qi.figures funnel and small multiples), rendered once through kaleido.

    report = network.collate(data, overdispersion="additive")
    pngs = render_charts(report)                 # {'funnel:OD-04': png, 'trends:OD-04': png, ...}
    xlsx = build_workbook(report, pngs)
    pptx = build_deck(report, pngs)
    one = build_feedback_deck(report, trust_id)  # the page a lead sends to that trust
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import re
import threading
import warnings
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook

from audit_app.network import (
    VALUE_LEAGUE_COLUMNS, NetworkReport, TrustFeedback, funnel_figure, network_value, trends_figure, value_text,
)
from audit_app.report import BOLD, _put, _Sheet, _table, png_session

METHOD = [
    "Funnel plots (Spiegelhalter 2005): each trust's proportion at its number of eligible letters, the network's "
    "pooled proportion as the centre line, 95% and 99.8% limits from the exact binomial distribution "
    "(interpolated, Spiegelhalter 2005 Appendix A.1.1). A trust outside the 95% limits is an alert, outside "
    "99.8% an alarm.",
    "Overdispersion (optional): z-scores on the arcsine scale, winsorised at 10%/90%; phi is the mean squared "
    "z-score; tau\u00b2 the DerSimonian-Laird between-trust variance, as in FunnelPlotR. Additive limits widen by "
    "tau\u00b2 (random effects), multiplicative by sqrt(phi).",
    "A trust with no eligible letters for a standard is shown as 'no eligible letters', never as 0%.",
    "Trends: each trust's run chart (fewer than 12 rounds) or p-chart (12 or more), the same rules for every "
    "trust; points coloured as Making Data Count colours them, PDSA cycles on the trust's own panel.",
    "League tables are ordered by funnel position (worst side first), then by the lower end of the Wilson 95% "
    "interval: never by the percentage alone. Change from the previous round with Newcombe's 95% interval "
    "(hybrid score); 'improved' or 'worsened' only when the interval excludes zero.",
    "Programme measures beside the standards: proportions (opioid letters at or above 90 / 120 mg OME/day, new "
    "items that are modified-release, escalation, referral prompt, safety flags, ...) have funnels like the "
    "standards; rates per 100 discharges (only rounds whose number of discharges was entered) and the median "
    "OME have no funnel: their league tables list trusts in name order with each trust's value and its n, and "
    "their trends are XmR charts (rates, from 12 rounds) or run charts. Letters with a global exclusion "
    "(palliative care, cancer pain, opioid substitution, ...) are left out of the programme measures.",
    "Aggregates only: no letter text, quote or patient identifier is in this report.",
]
LEAGUE_SHOWN = ["trust", "round", "n/N", "%", "95% CI", "change (points)", "95% CI of change", "change",
                "funnel position", "variation", "assurance"]
VALUE_LEAGUE_SHOWN = [c for c in VALUE_LEAGUE_COLUMNS if c in ("trust", "round", "value", "n", "change", "variation",
                                                               "assurance")]


# =========================================================================== charts

#: trend pictures drawn by default (a 20-panel picture takes ~1 s to export; the Trends sheet has
#: every standard's numbers for every trust and round)
DEFAULT_TREND_CHARTS = 4
#: rates and medians pictured by default (they have no funnel): the letter-level dose
DEFAULT_VALUE_TRENDS = ("median_ome",)


def default_trend_standards(report: NetworkReport, limit: int = DEFAULT_TREND_CHARTS) -> list[str]:
    """The standards whose trends are worth a picture: most signals first (trusts outside the
    funnel's limits, latest rounds that are special causes), then in standard order."""
    stds = report.standards_with_data

    def weight(s) -> int:
        fv = report.funnels[s.id]
        outside = int((fv.result.points["position"].str.startswith(("above", "below"))).sum())
        special = sum(1 for p in report.panels[s.id]
                      if len(p.result.points) and str(p.result.points["point_type"].iloc[-1]).startswith("special"))
        return outside + special

    ranked = sorted(range(len(stds)), key=lambda i: (-weight(stds[i]), i))
    values = [s.id for s in report.values_with_data if s.id in DEFAULT_VALUE_TRENDS]
    return [stds[i].id for i in sorted(ranked[:limit])] + values


def _heading(s) -> str:
    """'OD-04 Weaning plan documented' for a standard, the measure's label for a programme measure."""
    return f"{s.id} {s.title}" if s.is_standard else s.title


_session = threading.local()


@contextlib.contextmanager
def chart_session():
    """One Chromium for every chart of the report, started at once in the background (it takes
    seconds) so that collating the report overlaps it; render_charts inside uses it."""
    import plotly.graph_objects as go

    from qi.figures import figure_to_png

    def warm() -> None:
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure_to_png(go.Figure(layout={"width": 10, "height": 10}))

    with png_session():
        _session.active = True
        thread = threading.Thread(target=warm, name="chromium-warm-up", daemon=True)
        thread.start()
        try:
            yield
        finally:
            thread.join()
            _session.active = False


def render_charts(report: NetworkReport, *, funnels: bool = True, trends: bool = True,
                  trend_standards: Iterable[str] | None = None) -> tuple[dict[str, bytes], list[str]]:
    """PNG of every funnel and of the trends of ``trend_standards`` (default:
    :func:`default_trend_standards`); returns (pngs, notes): which trend pictures were drawn, and
    any chart that could not be."""
    from qi.figures import figure_to_png, funnel_pngs

    pngs: dict[str, bytes] = {}
    notes: list[str] = []
    stds = report.standards_with_data
    every = stds + report.values_with_data
    wanted_trends = set(default_trend_standards(report) if trend_standards is None else trend_standards)
    if trends and every:
        drawn = [s.id for s in every if s.id in wanted_trends]
        notes.append("Trend pictures: " + (", ".join(drawn) if drawn else "none") +
                     "; the Trends sheet has every standard's and measure's figures for every trust and round.")
    # funnel pictures: every standard and the programme's headline measures (each picture costs
    # export time; the Funnels sheet has every proportion's limits and positions in figures)
    pictured = [s for s in stds if s.headline]
    if funnels and len(pictured) < len(stds):
        notes.append("Funnel pictures: every standard and " + ", ".join(s.title for s in pictured if not s.is_standard)
                     + "; the Funnels sheet has every measure's limits and positions.")
    jobs = []
    if trends:
        for s in every:
            if s.id in wanted_trends and report.panels[s.id]:
                jobs.append((f"trends:{s.id}", lambda s=s: trends_figure(report.panels[s.id], s)))
    if not (jobs or (funnels and pictured)):
        return pngs, notes
    with (contextlib.nullcontext() if getattr(_session, "active", False) else png_session()):
        try:
            if funnels and pictured:
                items = [(report.funnels[s.id].result, f"{s.name}: funnel plot, {report.period}", s.name)
                         for s in pictured]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")   # kaleido: 'kopts ignored if using a server'
                    for s, png in zip(pictured, funnel_pngs(items)):
                        pngs[f"funnel:{s.id}"] = png
            for key, make in jobs:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pngs[key] = figure_to_png(make())
        except Exception as exc:  # noqa: BLE001 - charts must not lose the report
            notes.append(f"charts not drawn ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")
            if isinstance(exc, RuntimeError) and "Chromium" in str(exc):
                notes.append("Charts need Chromium (apt-get install chromium); the tables are complete without them.")
    return pngs, notes


# =========================================================================== workbook

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(text: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", text).strip()[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def _image(ws: _Sheet, png: bytes, anchor: str, width: int, height: int) -> None:
    from openpyxl.drawing.image import Image as XLImage

    img = XLImage(io.BytesIO(png))
    img.width, img.height = width, height
    ws.add_image(img, anchor)


def _summary(ws: _Sheet, report: NetworkReport, generated: dt.datetime, notes: list[str]) -> None:
    d = report.data
    n_rounds = sum(len(rs) for rs in d.rounds.values())
    meta = [("Network", d.name), ("Trusts", len(d.trusts)), ("Audit rounds", n_rounds),
            ("Letters audited", d.n_letters), ("Funnel period", report.period),
            ("Overdispersion", report.overdispersion or "not adjusted (exact binomial limits)"),
            ("Trend rules", report.rules), ("Generated", generated.isoformat(sep=" "))]
    _put(ws, 1, 1, f"Collated network report: {d.name}", font=BOLD)
    for i, (k, v) in enumerate(meta, start=3):
        _put(ws, i, 1, k, font=BOLD)
        _put(ws, i, 2, v)
    r = len(meta) + 4
    _put(ws, r, 1, "Signals", font=BOLD)
    for i, s in enumerate(report.signals, start=r + 1):
        _put(ws, i, 1, s)
    r = r + len(report.signals) + 2
    _put(ws, r, 1, "Trusts", font=BOLD)
    rows = [[t.name, len(d.rounds.get(t.id, [])), sum(x.n_letters for x in d.rounds.get(t.id, [])),
             d.rounds[t.id][-1].label if d.rounds.get(t.id) else "no round"] for t in d.trusts]
    r = _table(ws, r + 1, ["Trust", "Rounds", "Letters", "Latest round"], rows)
    for i, n in enumerate(notes, start=r + 1):
        _put(ws, i, 1, n)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 60


def _leagues(ws: _Sheet, report: NetworkReport) -> None:
    r = 1
    for s in report.standards_with_data:
        fv = report.funnels[s.id]
        target = "" if s.target is None else f", target {s.target:.0%}"
        _put(ws, r, 1, f"{_heading(s)} (network {fv.result.centre:.1%}{target}; {report.period})", font=BOLD)
        table = report.leagues[s.id]
        r = _table(ws, r + 1, LEAGUE_SHOWN, table[LEAGUE_SHOWN].values.tolist()) + 1
    for s in report.values_with_data:
        nv, k, n = network_value(report.data, s, report.period_value)
        _put(ws, r, 1, f"{_heading(s)} (network {value_text(s, nv, k, n)}; {report.period}; no funnel: "
                       "trusts in name order)", font=BOLD)
        table = report.leagues[s.id]
        r = _table(ws, r + 1, VALUE_LEAGUE_SHOWN, table[VALUE_LEAGUE_SHOWN].values.tolist()) + 1
    widths = {1: 28, 2: 14, 3: 12, 4: 8, 5: 14, 6: 10, 7: 14, 8: 34, 9: 18, 10: 18, 11: 24}
    for j, w in widths.items():
        ws.column_dimensions[chr(64 + j)].width = w


def _funnels(ws: _Sheet, report: NetworkReport, pngs: dict[str, bytes]) -> None:
    r = 1
    for s in report.standards_with_data:
        fv = report.funnels[s.id]
        _put(ws, r, 1, f"{_heading(s)}: funnel plot, {fv.period}", font=BOLD)
        r += 1
        if f"funnel:{s.id}" in pngs:
            _image(ws, pngs[f"funnel:{s.id}"], f"A{r}", 760, 365)
            r += 23
        for line in fv.sentences + [fv.result.overdispersion_text()] + fv.result.notes:
            _put(ws, r, 1, line)
            r += 1
        pts = fv.result.points
        rows = [[lab, int(k), int(n), None if not n else round(100 * v, 1),
                 None if not n or math.isnan(a) else round(100 * a, 1), None if not n or math.isnan(b) else round(100 * b, 1),
                 None if not n or math.isnan(c) else round(100 * c, 1), None if not n or math.isnan(e) else round(100 * e, 1), pos]
                for lab, k, n, v, a, b, c, e, pos in zip(pts["label"], pts["numerator"], pts["denominator"], pts["value"],
                                                         pts["lcl998"], pts["lcl95"], pts["ucl95"], pts["ucl998"],
                                                         pts["position"])]
        r = _table(ws, r + 1, ["Trust", "n (counted)", "N (eligible)", "%", "99.8% lower", "95% lower", "95% upper",
                               "99.8% upper", "Position"], rows) + 2
    ws.column_dimensions["A"].width = 28


def _trends(ws: _Sheet, report: NetworkReport, pngs: dict[str, bytes]) -> None:
    d = report.data
    r = 1
    for s in report.standards_with_data + report.values_with_data:
        if f"trends:{s.id}" in pngs:
            _put(ws, r, 1, f"{_heading(s)}: each trust over time", font=BOLD)
            _image(ws, pngs[f"trends:{s.id}"], f"A{r + 1}", 880, 600 if len(d.trusts) > 8 else 420)
            r += 33 if len(d.trusts) > 8 else 24
    _put(ws, r, 1, "Each trust's rounds, every standard and measure (n = letters meeting it, or not meeting it "
                   "for a lower-is-better standard, or counted by the measure; N = eligible letters, or discharges "
                   "for a rate; for the median, n = N = letters with a known total OME)", font=BOLD)
    rows = []
    for s in report.standards_with_data:
        for p in report.panels[s.id]:
            for label, k, n in zip(p.labels, p.numerators, p.denominators):
                rows.append([p.trust.name, label, s.id, k, n, round(100 * k / n, 1) if n else "no eligible letters"])
    for s in report.values_with_data:
        for p in report.panels[s.id]:
            for label, k, n, v in zip(p.labels, p.numerators, p.denominators, p.values):
                rows.append([p.trust.name, label, s.id, k, n, round(v, 1)])
    _table(ws, r + 1, ["Trust", "Round", "Standard or measure", "n", "N", "% or value"], rows)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 16


def _feedback_sheet(ws: _Sheet, fb: TrustFeedback, report: NetworkReport) -> None:
    _put(ws, 1, 1, f"Feedback for {fb.trust.name} from {report.data.name}", font=BOLD)
    _put(ws, 2, 1, f"Latest round: {fb.latest_round or 'none'}; funnel period: {report.period}")
    r = 4
    for heading, lines in (("Position in the network: standards", fb.position),
                           ("Position in the network: programme measures", fb.measures), ("What moved", fb.moved),
                           ("PDSA cycles run", fb.pdsa)):
        if not lines:
            continue
        _put(ws, r, 1, heading, font=BOLD)
        for i, line in enumerate(lines, start=r + 1):
            _put(ws, i, 1, line)
        r += len(lines) + 2
    if not fb.table.empty:
        _table(ws, r, list(fb.table.columns), fb.table.values.tolist())
    ws.column_dimensions["A"].width = 60
    for col in "BCDEF":
        ws.column_dimensions[col].width = 16


def build_workbook(report: NetworkReport, pngs: dict[str, bytes] | None = None, *, notes: list[str] | None = None,
                   path: str | Path | None = None, generated_at: dt.datetime | None = None) -> bytes:
    pngs = pngs or {}
    generated = generated_at or dt.datetime.now().replace(microsecond=0)
    used: set[str] = set()
    sheets = [_Sheet(_sheet_name(n, used)) for n in ("Summary", "League tables", "Funnels", "Trends")]
    _summary(sheets[0], report, generated, list(notes or []))
    _leagues(sheets[1], report)
    _funnels(sheets[2], report, pngs)
    _trends(sheets[3], report, pngs)
    for tid, fb in report.feedback.items():
        ws = _Sheet(_sheet_name(f"Feedback {fb.trust.name}", used))
        _feedback_sheet(ws, fb, report)
        sheets.append(ws)
    method = _Sheet(_sheet_name("Method", used))
    for i, line in enumerate(METHOD, start=1):
        _put(method, i, 1, line)
    method.column_dimensions["A"].width = 140
    sheets.append(method)
    wb = Workbook(write_only=True)
    for sh in sheets:
        sh.flush(wb)
    return _save(wb, path)


# =========================================================================== slides

def _deck():
    from pptx import Presentation

    from audit_app.slides import WIDE

    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    return prs


def _feedback_slide(prs, fb: TrustFeedback, report: NetworkReport) -> None:
    from pptx.util import Inches

    from audit_app.slides import _bullets, _title

    s = prs.slides.add_slide(prs.slide_layouts[5])
    _title(s, f"Feedback for {fb.trust.name}")
    top = Inches(1.4)
    _bullets(s, Inches(0.5), top, Inches(6.3), Inches(5.8),
             [f"Latest round: {fb.latest_round or 'none'} (funnel: {report.period})"] + fb.position, size=12)
    _bullets(s, Inches(7.0), top, Inches(5.9), Inches(5.8),
             ["What moved:"] + fb.moved + ["PDSA cycles run:"] + fb.pdsa, size=12)
    if fb.measures:   # the programme measures on a page of their own: one page would need a tiny font
        s = prs.slides.add_slide(prs.slide_layouts[5])
        _title(s, f"Feedback for {fb.trust.name}: programme measures")
        half = (len(fb.measures) + 1) // 2
        _bullets(s, Inches(0.5), top, Inches(6.3), Inches(5.8), fb.measures[:half], size=12)
        _bullets(s, Inches(7.0), top, Inches(5.9), Inches(5.8), fb.measures[half:], size=12)


def _save(document, path: str | Path | None) -> bytes:
    """The workbook or deck as bytes (also written to ``path`` when given)."""
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def build_deck(report: NetworkReport, pngs: dict[str, bytes] | None = None, *, path: str | Path | None = None) -> bytes:
    """Title, signals, per standard a funnel slide and a trends slide, the league tables, one
    feedback slide per trust, and how to read it."""
    from pptx.util import Inches

    from audit_app.slides import _bullets, _full_width, _picture, _title, WIDE

    pngs = pngs or {}
    prs = _deck()
    d = report.data
    s = prs.slides.add_slide(prs.slide_layouts[0])
    for shape in (s.shapes.title, s.placeholders[1]):
        _full_width(shape, WIDE[0], Inches(1))
    s.shapes.title.text = f"Opioids on discharge: {d.name}"
    s.placeholders[1].text = (f"{len(d.trusts)} trusts · {d.n_letters} letters audited · {report.period} · "
                              f"{dt.date.today():%d %B %Y}")
    top = Inches(1.4)
    s = prs.slides.add_slide(prs.slide_layouts[5])
    _title(s, "Signals across the network")
    _bullets(s, Inches(0.6), top, Inches(12), Inches(5.8), report.signals[:30], size=14)

    for std in report.standards_with_data:
        fv = report.funnels[std.id]
        s = prs.slides.add_slide(prs.slide_layouts[5])
        _title(s, f"{std.name}: where each trust lies")
        if f"funnel:{std.id}" in pngs:
            _picture(s, pngs[f"funnel:{std.id}"], Inches(0.4), top, Inches(8.6), Inches(5.6))
        lines = [s_ for s_ in fv.sentences] or ["Every trust lies inside the 95% limits."]
        _bullets(s, Inches(9.2), top, Inches(3.8), Inches(5.6), lines + [fv.result.overdispersion_text()], size=12)
        if f"trends:{std.id}" in pngs:
            s = prs.slides.add_slide(prs.slide_layouts[5])
            _title(s, f"{std.name}: each trust over time")
            _picture(s, pngs[f"trends:{std.id}"], Inches(0.4), Inches(1.3), Inches(12.5), Inches(6.0))
    for std in report.values_with_data:
        if f"trends:{std.id}" in pngs:
            s = prs.slides.add_slide(prs.slide_layouts[5])
            _title(s, f"{std.name}: each trust over time")
            _picture(s, pngs[f"trends:{std.id}"], Inches(0.4), Inches(1.3), Inches(12.5), Inches(6.0))

    funnel_cols = ["trust", "n/N", "%", "95% CI", "change (points)", "95% CI of change", "funnel position",
                   "variation", "assurance"]
    value_cols = ["trust", "value", "change", "variation", "assurance"]
    for std in report.standards_with_data + report.values_with_data:
        table = report.leagues[std.id]
        cols = funnel_cols if std.funnel else value_cols
        for start in range(0, len(table), 12):
            part = table.iloc[start:start + 12]
            s = prs.slides.add_slide(prs.slide_layouts[5])
            _title(s, f"{std.name}: league table" + (" (cont.)" if start else ""))
            shape = s.shapes.add_table(len(part) + 1, len(cols), Inches(0.4), top, Inches(12.5),
                                       Inches(0.4) * (len(part) + 1))
            from pptx.util import Pt

            for j, c in enumerate(cols):
                shape.table.cell(0, j).text = c
            for i, (_, row) in enumerate(part.iterrows(), start=1):
                for j, c in enumerate(cols):
                    v = row[c]
                    shape.table.cell(i, j).text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            for cell in (shape.table.cell(i, j) for i in range(len(part) + 1) for j in range(len(cols))):
                for p in cell.text_frame.paragraphs:
                    p.font.size = Pt(11)

    for fb in report.feedback.values():
        _feedback_slide(prs, fb, report)

    s = prs.slides.add_slide(prs.slide_layouts[5])
    _title(s, "How to read this report")
    _bullets(s, Inches(0.6), top, Inches(12), Inches(5.8), METHOD, size=14)
    return _save(prs, path)


def build_feedback_deck(report: NetworkReport, trust_id: int, *, path: str | Path | None = None) -> bytes:
    """One trust's feedback page on its own (what a lead sends to that trust)."""
    fb = report.feedback.get(trust_id)
    if fb is None:
        raise ValueError(f"no feedback for trust {trust_id} in this report")
    prs = _deck()
    _feedback_slide(prs, fb, report)
    return _save(prs, path)
