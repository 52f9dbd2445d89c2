"""Plotly figures for an :class:`qi.spc.SpcResult`, and PNG export through kaleido.

The figure only reads ``result.points`` / ``result.phases``: points coloured as Making
Data Count colours them, centre line and limits broken at phase starts, optional 2-sigma
lines, a target line, PDSA cycles as labelled markers at their start date, a one-sentence
explanation of every signal in the hover text, and the variation/assurance icons beside the
chart.

PNG export uses kaleido 1.x, which drives a system Chromium through choreographer. We point
choreographer at Debian's ``/usr/bin/chromium`` (``BROWSER_PATH``) and never download a
browser.
"""
from __future__ import annotations

import logging
import math
import os
import shutil
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from qi.explain import (ASSURANCE_WORDS, CHART_NAMES, POINT_TYPE_NAMES, RULE_SET_NAMES, VARIATION_WORDS, number,
                        point_sentence)
from qi.pdsa import PdsaCycle
from qi.spc import SpcResult

#: NHSRplotthedots ``ptd_spc_colours()`` defaults (Making Data Count)
COLOURS = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",   # blue
    "special_cause_concern": "#e46c0a",       # orange
    "special_cause_neutral": "#490092",       # purple
    "value_line": "#a6a6a6",
    "mean_line": "#000000",
    "limits": "#a6a6a6",
    "two_sigma": "#c8c8c8",
    "target": "#de1b1b",
    "pdsa": "#2e7d32",
    "no_data": "#ffffff",
}

VARIATION_ICON_TEXT = {  # words (qi.explain), colour, glyph
    "common_cause": (VARIATION_WORDS["common_cause"], COLOURS["common_cause"], "~"),
    "improvement_high": (VARIATION_WORDS["improvement_high"], COLOURS["special_cause_improvement"], "H"),
    "improvement_low": (VARIATION_WORDS["improvement_low"], COLOURS["special_cause_improvement"], "L"),
    "concern_high": (VARIATION_WORDS["concern_high"], COLOURS["special_cause_concern"], "H"),
    "concern_low": (VARIATION_WORDS["concern_low"], COLOURS["special_cause_concern"], "L"),
    "neutral_high": (VARIATION_WORDS["neutral_high"], COLOURS["special_cause_neutral"], "H"),
    "neutral_low": (VARIATION_WORDS["neutral_low"], COLOURS["special_cause_neutral"], "L"),
}
ASSURANCE_ICON_TEXT = {
    "consistent_pass": (ASSURANCE_WORDS["consistent_pass"], COLOURS["special_cause_improvement"], "P"),
    "consistent_fail": (ASSURANCE_WORDS["consistent_fail"], COLOURS["special_cause_concern"], "F"),
    "inconsistent": (ASSURANCE_WORDS["inconsistent"], COLOURS["common_cause"], "?"),
}


# =========================================================================== hover text (sentences: qi.explain)

def _hover_text(points: pd.DataFrame) -> list[str]:
    out = []
    for _, row in points.iterrows():
        parts = [f"<b>{row['label']}</b>", f"value: {number(row['value'])}"]
        if row["denominator"] == row["denominator"]:
            parts.append(f"denominator: {number(row['denominator'])}")
        parts.append(f"phase {int(row['phase'])}: centre {number(row['cl'])}"
                     + (f", limits {number(row['lcl'])} to {number(row['ucl'])}" if row["ucl"] == row["ucl"] else ""))
        parts.append(point_sentence(row))
        out.append("<br>".join(parts))
    return out


# =========================================================================== figure

def _x_values(points: pd.DataFrame) -> list:
    lab = points["label"]
    if pd.api.types.is_datetime64_any_dtype(lab):
        return list(lab)
    vals = list(lab)
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in vals):
        return vals
    try:
        import datetime as _dt

        if all(isinstance(v, (_dt.date, pd.Timestamp)) for v in vals):
            return [pd.Timestamp(v) for v in vals]
    except Exception:  # pragma: no cover
        pass
    return [str(v) for v in vals]


def _broken_line(x: list, y: np.ndarray, phase: np.ndarray) -> tuple[list, list]:
    """One polyline with a gap (None) at every phase start."""
    xs, ys = [], []
    prev = None
    for xi, yi, ph in zip(x, y, phase):
        if prev is not None and ph != prev:
            xs.append(None)
            ys.append(None)
        xs.append(xi)
        ys.append(None if yi != yi else float(yi))
        prev = ph
    return xs, ys


def _lone_points(xs: list) -> bool:
    """Does a broken line hold a segment of one point (which plotly draws as nothing)?"""
    run = 0
    for xi in xs + [None]:
        if xi is None:
            if run == 1:
                return True
            run = 0
        else:
            run += 1
    return False


def _line_mode(xs: list, colour: str) -> dict:
    """Scatter arguments that make a line visible even where it spans one point: a short
    horizontal dash marks it, so the chart draws every line its legend lists."""
    if not _lone_points(xs):
        return {"mode": "lines"}
    return {"mode": "lines+markers", "marker": dict(symbol="line-ew", size=28, line=dict(color=colour, width=2))}


def enough_points_for_icons(result: SpcResult) -> bool:
    """Variation and assurance icons say something only about two or more points."""
    values = result.points["value"].to_numpy(dtype=float)
    return int(np.isfinite(values).sum()) >= 2


def _point_colour(pt: str) -> str:
    if pt.startswith("special_cause_neutral"):
        return COLOURS["special_cause_neutral"]
    return COLOURS.get(pt, COLOURS["common_cause"])


def _pdsa_x(cycle: PdsaCycle, x: list):
    """Where to mark a cycle: its start date on a date axis, else the first label on/after it."""
    start = pd.Timestamp(cycle.date_start)
    if x and isinstance(x[0], pd.Timestamp):
        return start
    for xi in x:
        try:
            if pd.Timestamp(str(xi)) >= start:
                return xi
        except (ValueError, TypeError):
            return None
    return None


def spc_figure(
    result: SpcResult,
    pdsa_cycles: Iterable[PdsaCycle] | None = None,
    title: str | None = None,
    show_2sigma: bool = False,
    target: float | None = None,
    percent: bool | None = None,
    ticks: tuple[list, list[str]] | None = None,
) -> go.Figure:
    """A plotly figure of ``result`` (any chart, any rule set). ``percent``: values are proportions
    shown as % (default: for p and p' charts; pass True for a run chart of a proportion).
    ``ticks``: (positions, names) to label the x axis by name, e.g. dated audit rounds by their labels."""
    pct = result.chart in ("p", "pp") if percent is None else percent
    pts = result.points
    x = _x_values(pts)
    phase = pts["phase"].to_numpy()
    fig = go.Figure()

    # value line (grey), then coloured points
    fig.add_trace(go.Scatter(
        x=x, y=[None if v != v else float(v) for v in pts["value"]], mode="lines",
        line=dict(color=COLOURS["value_line"], width=1.5), hoverinfo="skip", showlegend=False, name="value",
    ))
    hover = _hover_text(pts)
    for pt, name in POINT_TYPE_NAMES.items():
        mask = (pts["point_type"] == pt).to_numpy()
        if not mask.any() or pt == "no_data":
            continue
        idx = np.flatnonzero(mask)
        fig.add_trace(go.Scatter(
            x=[x[i] for i in idx], y=[float(pts["value"].iat[i]) for i in idx], mode="markers",
            marker=dict(color=_point_colour(pt), size=9, line=dict(color="white", width=0.5)),
            name=name, text=[hover[i] for i in idx], hovertemplate="%{text}<extra></extra>",
        ))

    # centre line and limits, broken at phase starts
    runs_signal_phases = set(int(p) for p, s in zip(result.phases["phase"], result.phases["runs_signal"]) if s)
    cl_name = "median" if result.chart == "run" or result.chart == "g" else "mean"
    xs, ys = _broken_line(x, pts["cl"].to_numpy(), phase)
    fig.add_trace(go.Scatter(x=xs, y=ys, **_line_mode(xs, COLOURS["mean_line"]), name=f"centre line ({cl_name})",
                             line=dict(color=COLOURS["mean_line"], width=1.5,
                                       dash="dash" if runs_signal_phases else "solid"),
                             hoverinfo="skip", connectgaps=False))
    line_shape = "hv" if result.chart in ("p", "pp", "u", "up") else "linear"
    lines = [("ucl", "upper limit", dict(color=COLOURS["limits"], width=1.2, dash="dot")),
             ("lcl", "lower limit", dict(color=COLOURS["limits"], width=1.2, dash="dot"))]
    if show_2sigma:
        lines += [("ucl_2sigma", "upper 2-sigma", dict(color=COLOURS["two_sigma"], width=1, dash="dashdot")),
                  ("lcl_2sigma", "lower 2-sigma", dict(color=COLOURS["two_sigma"], width=1, dash="dashdot"))]
    for col, name, line in lines:
        if pts[col].notna().any():
            xs, ys = _broken_line(x, pts[col].to_numpy(), phase)
            fig.add_trace(go.Scatter(x=xs, y=ys, **_line_mode(xs, line["color"]), name=name, line_shape=line_shape,
                                     line=line, hoverinfo="skip", connectgaps=False))

    # target
    tgt = target if target is not None else result.target
    if tgt is not None:
        tx = [x[0], x[-1]] if x else []
        fig.add_trace(go.Scatter(x=tx, y=[tgt, tgt],
                                 **_line_mode([tx[0]] if len(set(map(str, tx))) == 1 else tx, COLOURS["target"]),
                                 name=f"target ({tgt:.0%})" if pct else f"target ({number(tgt)})",
                                 line=dict(color=COLOURS["target"], width=1.5, dash="dash"), hoverinfo="skip"))

    # phase starts
    starts = [x[i] for i in range(1, len(x)) if phase[i] != phase[i - 1]]
    for s in starts:
        fig.add_vline(x=s, line=dict(color="#d0d0d0", width=1, dash="dot"))

    # PDSA cycles: labelled markers at their start
    cycles = list(pdsa_cycles or [])
    if cycles:
        values = pts["value"].to_numpy(dtype=float)
        top_candidates = np.concatenate([values[np.isfinite(values)],
                                         pts["ucl"].to_numpy(dtype=float)[np.isfinite(pts["ucl"].to_numpy(dtype=float))]])
        ymax = float(top_candidates.max()) if top_candidates.size else 1.0
        ymin = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
        ypos = ymax + 0.08 * max(ymax - ymin, abs(ymax) * 0.1, 1e-9)
        cx, cy, ctext, chover = [], [], [], []
        for c in cycles:
            xc = _pdsa_x(c, x)
            if xc is None:
                continue
            cx.append(xc)
            cy.append(ypos)
            ctext.append(f"PDSA {c.cycle_no}")
            bits = [f"<b>{c.label}</b>", f"start {c.date_start.isoformat()}"]
            if c.prediction:
                bits.append(f"prediction: {c.prediction}")
            if c.act:
                bits.append(f"act: {c.act}")
            chover.append("<br>".join(bits))
        if cx:
            fig.add_trace(go.Scatter(x=cx, y=cy, mode="markers+text", name="PDSA cycles", text=ctext,
                                     textposition="top center", hovertext=chover, hoverinfo="text",
                                     marker=dict(symbol="triangle-down", size=12, color=COLOURS["pdsa"])))

    # icons beside the chart
    annotations = []
    yicon = 1.0
    if result.variation_icon and enough_points_for_icons(result):
        text, colour, glyph = VARIATION_ICON_TEXT[result.variation_icon]
        annotations.append(_icon(glyph, text, colour, yicon, "Variation"))
        yicon -= 0.22
    if result.assurance_icon and enough_points_for_icons(result):
        text, colour, glyph = ASSURANCE_ICON_TEXT[result.assurance_icon]
        annotations.append(_icon(glyph, text, colour, yicon, "Assurance"))
    for a in annotations:
        fig.add_annotation(**a)

    if title is None:
        title = f"{CHART_NAMES.get(result.chart, result.chart)} \u2014 {RULE_SET_NAMES.get(result.rules, result.rules)}"
    fig.update_layout(
        title=dict(text=title, x=0.01),
        template="plotly_white",
        margin=dict(l=60, r=190, t=70, b=90),
        legend=dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0),
        hovermode="closest",
        width=1000, height=520,
    )
    if pct:
        fig.update_yaxes(tickformat=".0%")
    if ticks is not None:
        fig.update_xaxes(tickmode="array", tickvals=ticks[0], ticktext=ticks[1])
    return fig


def compliance_figure(summary: pd.DataFrame, title: str) -> go.Figure:
    """A forest plot of compliance: each standard's % with its 95% interval (bars) and target (red
    tick). ``summary``: one row per standard with standard_id, short_title, pct, numerator,
    denominator, ci_low_pct, ci_high_pct, target_pct, target_met (the columns
    audit_app.scoring.summarise writes); standards without eligible letters are left out."""
    s = summary[summary["denominator"] > 0].iloc[::-1]
    y = [f"{sid} {t}" for sid, t in zip(s["standard_id"], s["short_title"])]
    colour = ["#2b8a3e" if m else "#c92a2a" if m is False else "#495057" for m in s["target_met"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=s["pct"], y=y, mode="markers", marker=dict(size=11, color=colour), name="compliance",
        error_x=dict(type="data", symmetric=False, array=(s["ci_high_pct"] - s["pct"]).tolist(),
                     arrayminus=(s["pct"] - s["ci_low_pct"]).tolist(), color="#868e96", thickness=1.5),
        text=[f"{sid}: {p:.0f}% ({int(n)}/{int(d)}), 95% CI {lo:.0f}-{hi:.0f}%"
              for sid, p, n, d, lo, hi in zip(s["standard_id"], s["pct"], s["numerator"], s["denominator"],
                                               s["ci_low_pct"], s["ci_high_pct"])],
        hovertemplate="%{text}<extra></extra>"))
    t = s[s["target_pct"].notna()]
    fig.add_trace(go.Scatter(x=t["target_pct"], y=[f"{sid} {tt}" for sid, tt in zip(t["standard_id"], t["short_title"])],
                             mode="markers", marker=dict(symbol="line-ns-open", size=18, color="#e03131",
                                                         line=dict(width=3)), name="target",
                             hovertemplate="target %{x:.0f}%<extra></extra>"))
    fig.update_layout(title=dict(text=f"Compliance by standard: {title} (95% CI; red tick = target)", x=0.01),
                      template="plotly_white", height=max(320, 34 * len(y) + 120), margin=dict(l=10, r=20, t=60, b=40),
                      xaxis=dict(range=[-2, 102], title="% of eligible letters or items", ticksuffix="%"),
                      legend=dict(orientation="h", y=-0.12), showlegend=True)
    return fig


def _icon(glyph: str, text: str, colour: str, y: float, kind: str) -> dict:
    return dict(
        xref="paper", yref="paper", x=1.02, y=y, xanchor="left", yanchor="top", showarrow=False, align="left",
        text=f"<b>{kind}</b><br><span style='font-size:20px'>{glyph}</span><br>{text.replace(' (', '<br>(')}",
        bordercolor=colour, borderwidth=2, borderpad=6, bgcolor="white", font=dict(color=colour, size=11),
    )


# =========================================================================== PNG export

DEBIAN_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    """The Chromium kaleido will use: $BROWSER_PATH, else Debian's /usr/bin/chromium, else PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).exists():
        return env
    if Path(DEBIAN_CHROMIUM).exists():
        return DEBIAN_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


#: choreographer writes this into its own pipe when Chromium closes; its reader then logs the
#: sentinel as an undecodable message ("JSONError decoding message. Ignoring") with a traceback
CHOREOGRAPHER_GOODBYE = "{bye}"


def _not_browser_goodbye(record: logging.LogRecord) -> bool:
    """False for choreographer's log of its own shutdown sentinel; every other record is kept."""
    exc = record.exc_info[1] if record.exc_info else None
    cause = getattr(exc, "__cause__", None)
    return not (isinstance(getattr(cause, "doc", None), str) and cause.doc.startswith(CHOREOGRAPHER_GOODBYE))


def quiet_browser_goodbye() -> None:
    """Keep a normal Chromium shutdown out of the server log (a traceback there reads as a crash).

    Only that one record is dropped: any other message choreographer cannot decode is still logged.
    """
    try:   # choreographer first: its logging library sets the logger class the pipe's logger needs
        from choreographer.channels import pipe
    except ImportError:
        return
    pipe_logger = logging.getLogger(pipe.__name__)
    if _not_browser_goodbye not in pipe_logger.filters:
        pipe_logger.addFilter(_not_browser_goodbye)


def figure_to_png(fig: go.Figure, path: str | os.PathLike | None = None, *, scale: float = 1.0) -> bytes:
    """Render ``fig`` to PNG bytes with kaleido and the system Chromium; write them to ``path`` if given.

    Raises RuntimeError when no Chromium is installed (this library never downloads one).
    """
    browser = chromium_path()
    if browser is None:
        raise RuntimeError(
            "PNG export needs Chromium: install Debian's package (apt-get install chromium) "
            "or set BROWSER_PATH; no browser is downloaded"
        )
    os.environ["BROWSER_PATH"] = browser   # choreographer reads it when kaleido starts Chromium
    quiet_browser_goodbye()
    data = fig.to_image(format="png", scale=scale)
    if path is not None:
        Path(path).write_bytes(data)
    return data


# =========================================================================== network figures

def _funnel_hover(row: pd.Series, interval: tuple[float, float]) -> str:
    from qi.funnel import NO_ELIGIBLE

    if row["position"] == NO_ELIGIBLE:
        return f"<b>{row['label']}</b><br>{NO_ELIGIBLE}"
    lo, hi = interval
    where = ("inside the 95% limits" if row["position"] == "within"
             else f"{row['position']} limit")
    return (f"<b>{row['label']}</b><br>{int(row['numerator'])}/{int(row['denominator'])} = {row['value']:.1%}"
            f"<br>Wilson 95% CI {lo:.1%} to {hi:.1%}<br>{where}")


def _funnel_point_colour(position: str, improvement: str) -> str:
    if position == "within":
        return COLOURS["common_cause"]
    if improvement == "neutral":
        return COLOURS["special_cause_neutral"]
    good = position.startswith("above") == (improvement == "increase")
    return COLOURS["special_cause_improvement"] if good else COLOURS["special_cause_concern"]


def _funnel_traces(result, *, highlight: str | None = None, xaxis: str = "x", yaxis: str = "y",
                   legend: bool = True) -> tuple[list[dict], list[dict]]:
    """The traces of one funnel (limits, centre line, points) on the given axes, and the
    annotation naming ``highlight`` when it lies inside the limits."""
    from qi.funnel import NO_ELIGIBLE
    from qi.intervals import wilson_interval

    pts = result.points
    curve = result.curve
    traces: list[dict] = []
    axes = dict(xaxis=xaxis, yaxis=yaxis)
    styles = {"95": dict(dash="dash", width=1.2), "99.8": dict(dash="solid", width=1.2)}
    for level, style in styles.items():
        key = level.replace(".", "")
        for side, name in (("ucl", f"{level}% limits"), ("lcl", None)):
            traces.append(dict(
                type="scatter", x=list(curve["denominator"]), y=list(curve[f"{side}{key}"]), mode="lines",
                name=name or f"{level}% lower", showlegend=legend and name is not None, legendgroup=level,
                hoverinfo="skip", line=dict(color=COLOURS["limits"] if level == "95" else "#7f7f7f", **style), **axes,
            ))
    xmax = float(curve["denominator"].max()) if len(curve) else 1.0
    centre_name = "target" if result.target is not None else "network mean"
    if math.isfinite(result.centre):
        traces.append(dict(type="scatter", x=[0, xmax], y=[result.centre, result.centre], mode="lines",
                           name=f"{centre_name} ({result.centre:.1%})", hoverinfo="skip", showlegend=legend,
                           line=dict(color=COLOURS["target"] if result.target is not None else COLOURS["mean_line"],
                                     width=1.5), **axes))
    plotted = pts[pts["position"] != NO_ELIGIBLE]
    for group_name, sel in (("within the limits", plotted["position"] == "within"),
                            ("outside the limits", plotted["position"] != "within")):
        part = plotted[sel]
        if part.empty:
            continue
        hover = [_funnel_hover(row, wilson_interval(int(row["numerator"]), int(row["denominator"])))
                 for _, row in part.iterrows()]
        traces.append(dict(
            type="scatter", x=list(part["denominator"]), y=list(part["value"]),
            mode="markers+text" if group_name.startswith("outside") else "markers",
            name=f"trusts {group_name}", showlegend=legend,
            text=[lab if pos != "within" else "" for lab, pos in zip(part["label"], part["position"])],
            textposition="top center",
            marker=dict(size=11, color=[_funnel_point_colour(p, result.improvement) for p in part["position"]],
                        line=dict(color=["black" if lab == highlight else "white" for lab in part["label"]],
                                  width=[2.5 if lab == highlight else 0.5 for lab in part["label"]])),
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", **axes,
        ))
    annotations = []
    if highlight is not None and (plotted["label"] == highlight).any():
        row = plotted[plotted["label"] == highlight].iloc[0]
        if row["position"] == "within":
            annotations.append(dict(x=row["denominator"], y=row["value"], text=str(highlight), showarrow=True,
                                    arrowhead=0, ay=-28, font=dict(size=11), xref=xaxis, yref=yaxis))
    return traces, annotations


def _funnel_notes(result, measure: str) -> str:
    from qi.funnel import NO_ELIGIBLE, outlier_sentences

    notes = [s for s in outlier_sentences(result, measure) if NO_ELIGIBLE in s]
    notes.append(result.overdispersion_text())
    return "<br>".join(notes)


def funnel_figure(result, title: str | None = None, *, highlight: str | None = None,
                  measure: str = "compliance") -> go.Figure:
    """A plotly funnel plot of a :class:`qi.funnel.FunnelResult` in the Making Data Count colours.

    Points inside the limits are grey; outside, blue (better) or orange (worse), or purple when the
    measure has no improvement direction; every point outside the limits is named on the chart.
    Hover: n/N, %, Wilson 95% interval, where the point lies. Trusts with no eligible letters are
    listed under the chart, never drawn as 0%. ``highlight``: a label drawn with a ring.
    """
    traces, annotations = _funnel_traces(result, highlight=highlight)
    annotations.append(dict(xref="paper", yref="paper", x=0, y=-0.2, xanchor="left", yanchor="top", showarrow=False,
                            align="left", text=_funnel_notes(result, measure), font=dict(size=11, color="#444")))
    layout = dict(
        title=dict(text=title or f"Funnel plot \u2014 {measure}", x=0.01),
        template="plotly_white", hovermode="closest",
        margin=dict(l=60, r=30, t=70, b=130), width=1000, height=560,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        xaxis=dict(title=dict(text="eligible letters (denominator)"), rangemode="tozero"),
        yaxis=dict(title=dict(text=measure), tickformat=".0%", range=funnel_y_range(result)),
        annotations=annotations,
    )
    return go.Figure(data=traces, layout=layout)


FUNNEL_PANEL = (1000, 480)   # width, height in pixels of one funnel in funnel_pngs


def funnel_y_range(result) -> list[float]:
    """0-100%, or a closer view for a rare event (safety flags, high doses at a few per cent): up
    to a quarter above the highest point or 99.8% limit at a trust's own denominator. The funnel's
    mouth (tiny denominators) is then cut off at the top, as printed funnel plots do."""
    pts = result.points
    used = pts[pts["denominator"] > 0]
    vals = np.concatenate([used["value"].to_numpy(dtype=float), used["ucl998"].to_numpy(dtype=float)])
    vals = vals[np.isfinite(vals)]
    top = float(vals.max()) if vals.size else 1.0
    if top >= 0.5:
        return [-0.02, 1.05]
    return [-0.005, min(1.05, max(top * 1.25 + 0.01, 0.05))]


def funnel_pngs(funnels: list[tuple], *, scale: float = 1.0) -> list[bytes]:
    """PNG pictures of several funnels, ``funnels`` = [(FunnelResult, title, measure), ...].

    They are drawn as one tall figure (one panel per funnel) and exported once, then cut apart:
    each export through Chromium costs a fixed 0.3-1 s, so a report with a funnel per standard
    would otherwise spend most of its time starting exports."""
    from PIL import Image
    import io as _io

    if not funnels:
        return []
    width, ph = FUNNEL_PANEL
    n = len(funnels)
    height = ph * n
    traces: list[dict] = []
    layout: dict = dict(template="plotly_white", width=width, height=height, showlegend=False,
                        margin=dict(l=70, r=30, t=0, b=0), hovermode=False)
    annotations: list[dict] = []
    key = ("<span style='color:#a6a6a6'>- - 95% limits</span>  <span style='color:#7f7f7f'>\u2014 99.8% limits</span>  "
           "\u2014 network mean or target  \u25cf grey: within, blue: better, orange: worse")
    for k, (result, title, measure) in enumerate(funnels):
        n_ = "" if k == 0 else str(k + 1)
        top, bottom = k * ph + 78, (k + 1) * ph - 92       # pixels: title above, axis title and notes below
        t, a = _funnel_traces(result, xaxis=f"x{n_}", yaxis=f"y{n_}", legend=False)
        traces += t
        annotations += a
        layout[f"xaxis{n_}"] = dict(domain=[0, 1], anchor=f"y{n_}", rangemode="tozero",
                                    title=dict(text="eligible letters (denominator)", standoff=4))
        layout[f"yaxis{n_}"] = dict(domain=[1 - bottom / height, 1 - top / height], anchor=f"x{n_}",
                                    tickformat=".0%", range=funnel_y_range(result), title=dict(text=measure))
        annotations.append(dict(xref="paper", yref="paper", x=0, y=1 - (k * ph + 12) / height, xanchor="left",
                                yanchor="top", showarrow=False, align="left", font=dict(size=17),
                                text=f"{title}<br><span style='font-size:11px'>{key}</span>"))
        annotations.append(dict(xref="paper", yref="paper", x=0, y=1 - ((k + 1) * ph - 38) / height,
                                xanchor="left", yanchor="top", showarrow=False, align="left",
                                text=_funnel_notes(result, measure), font=dict(size=11, color="#444")))
    layout["annotations"] = annotations
    big = figure_to_png(go.Figure(data=traces, layout=layout), scale=scale)
    img = Image.open(_io.BytesIO(big))
    step = img.height / n
    out = []
    for k in range(n):
        buf = _io.BytesIO()
        img.crop((0, round(k * step), img.width, round((k + 1) * step))).save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def small_multiples_figure(panels: list, title: str | None = None, *, columns: int = 4,
                           percent: bool = True, target: float | None = None) -> go.Figure:
    """Small multiples of SPC charts, one panel per trust, on the same y axis.

    ``panels``: (name, SpcResult, PDSA cycles) per trust, all analysed with the same chart and
    rule set by the caller; each panel shows that trust's points coloured as Making Data Count
    colours them, centre line and limits broken at phases, and that trust's PDSA cycles only.
    The figure is built in one go (traces on axes x2/y2 ..., domains computed here): plotly's
    make_subplots + add_trace per panel takes seconds for 20 trusts.
    """
    panels = list(panels)
    if not panels:
        fig = go.Figure()
        fig.update_layout(title=dict(text=title or "No trusts to show", x=0.01), template="plotly_white")
        return fig
    cols = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / cols)
    hgap, vgap = 0.03, min(0.12, 0.5 / rows)
    width = (1.0 - hgap * (cols - 1)) / cols
    height = (1.0 - vgap * (rows - 1)) / rows
    traces: list[dict] = []
    layout: dict = {}
    annotations: list[dict] = []
    shapes: list[dict] = []
    all_values: list[float] = []
    for i, (name, result, cycles) in enumerate(panels):
        r, c = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        xa, ya = f"x{n}", f"y{n}"
        x0 = c * (width + hgap)
        y1 = 1.0 - r * (height + vgap)
        layout[f"xaxis{n}"] = dict(domain=[max(0.0, x0), min(1.0, x0 + width)], anchor=ya,
                                   matches=None if i == 0 else "x")
        layout[f"yaxis{n}"] = dict(domain=[max(0.0, y1 - height), min(1.0, y1)], anchor=xa, matches=None if i == 0 else "y",
                                   showticklabels=c == 0)
        annotations.append(dict(text=str(name), x=x0 + width / 2, y=y1, xref="paper", yref="paper",
                                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=11)))
        pts = result.points
        x = _x_values(pts)
        phase = pts["phase"].to_numpy()
        values = pts["value"].to_numpy(dtype=float)
        all_values += [float(v) for v in values if v == v]
        # one trace for the line and its points, one for the centre line, one for both limits
        hover = _hover_text(pts)
        colours = [COLOURS["no_data"] if pt == "no_data" else _point_colour(pt) for pt in pts["point_type"]]
        traces.append(dict(
            type="scatter", x=x, y=[None if v != v else float(v) for v in values], mode="lines+markers",
            line=dict(color=COLOURS["value_line"], width=1), marker=dict(color=colours, size=6),
            text=[f"{name}<br>" + h for h in hover], hovertemplate="%{text}<extra></extra>", showlegend=False,
            xaxis=xa, yaxis=ya,
        ))
        if pts["cl"].notna().any():
            xs, ys = _broken_line(x, pts["cl"].to_numpy(), phase)
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                               line=dict(color=COLOURS["mean_line"], width=1), connectgaps=False,
                               xaxis=xa, yaxis=ya))
        if pts["ucl"].notna().any():
            xu, yu = _broken_line(x, pts["ucl"].to_numpy(), phase)
            xl, yl = _broken_line(x, pts["lcl"].to_numpy(), phase)
            traces.append(dict(type="scatter", x=xu + [None] + xl, y=yu + [None] + yl, mode="lines",
                               hoverinfo="skip", showlegend=False, connectgaps=False,
                               line=dict(color=COLOURS["limits"], width=1, dash="dot"), xaxis=xa, yaxis=ya))
        if target is not None and x:
            shapes.append(dict(type="line", xref=f"{xa} domain", yref=ya, x0=0, x1=1, y0=target, y1=target,
                               line=dict(color=COLOURS["target"], width=1, dash="dash")))
        cx, chover = [], []
        for cyc in cycles or []:
            xc = _pdsa_x(cyc, x)
            if xc is not None:
                cx.append(xc)
                chover.append(f"{name}: <b>{cyc.label}</b><br>start {cyc.date_start.isoformat()}")
        if cx:
            finite = values[np.isfinite(values)]
            ypos = 1.04 if percent else (float(finite.max()) if finite.size else 0.0)
            traces.append(dict(type="scatter", x=cx, y=[ypos] * len(cx), mode="markers", name="PDSA",
                               marker=dict(symbol="triangle-down", size=9, color=COLOURS["pdsa"]),
                               hovertext=chover, hoverinfo="text", showlegend=False, xaxis=xa, yaxis=ya))
    if percent:
        yaxis = dict(tickformat=".0%", range=[-0.02, 1.08])
    elif all_values:
        lo, hi = min(all_values), max(all_values)
        pad = 0.1 * max(hi - lo, abs(hi) * 0.1, 1e-9)
        yaxis = dict(range=[lo - pad, hi + pad])
    else:
        yaxis = {}
    for key in [k for k in layout if k.startswith("yaxis")]:
        layout[key].update(yaxis)
    layout.update(
        title=dict(text=title or "Trusts over time", x=0.01), template="plotly_white",
        height=max(320, 230 * rows + 80), width=1100, margin=dict(l=50, r=20, t=80, b=40), hovermode="closest",
        annotations=annotations, shapes=shapes,
    )
    return go.Figure(data=traces, layout=layout)
