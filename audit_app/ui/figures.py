"""Figures the pages show that are not qi charts (plotly is loaded on first use, not at app start:
the app loads it in the background, see services.warm_up)."""
from __future__ import annotations

import pandas as pd


def compliance_figure(summary: pd.DataFrame, title: str):
    """Each standard's % with its 95% interval (bars) and target (red tick): a forest plot."""
    import plotly.graph_objects as go

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




def measure_chart_figure(result, cycles: list, title: str, *, show_2sigma: bool = False, percent: bool = False,
                         ticks: tuple[list, list[str]] | None = None):
    """One measure's run/SPC chart (qi.figures.spc_figure) with its PDSA cycles; `ticks`
    (positions, names) labels dated rounds by their names rather than their start dates."""
    from qi import figures

    fig = figures.spc_figure(result, pdsa_cycles=cycles, title=title, show_2sigma=show_2sigma, percent=percent)
    if ticks is not None:
        fig.update_xaxes(tickmode="array", tickvals=ticks[0], ticktext=ticks[1])
    return fig
