"""The figures the pages show, drawn from what services return (qi.figures does the drawing;
plotly is loaded on first use, not at app start: the app loads it in the background, see
services.warm_up)."""
from __future__ import annotations


def compliance_figure(view):
    """The Compliance page's forest plot of a services.ComplianceView: each standard's % with its
    95% interval and target."""
    from qi import figures

    return figures.compliance_figure(view.raw, view.round_label)


def chart_figure(view):
    """The Charts page's run/SPC chart of a services.ChartView, with its PDSA cycles."""
    from qi import figures

    return figures.spc_figure(**view.figure_args)
