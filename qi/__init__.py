"""QI engine: run charts and SPC charts with the Anhøj (qicharts2), Making Data Count
(NHSRplotthedots) and IHI rule sets, phases, freeze, a PDSA cycle log and plotly figures.

A plain library (numpy, pandas, plotly): no Streamlit, no database.

    from qi.spc import analyse
    result = analyse(numerators, denominators, labels=months, chart="p", rules="mdc",
                     phases=["2024-03-01"])
    result.points, result.phases, result.variation_icon, result.assurance_icon

Figures live in :mod:`qi.figures` (imported on demand, it pulls in plotly).
"""
from qi.pdsa import PdsaCycle
from qi.spc import CHARTS, RULE_SETS, SpcResult, analyse

__all__ = ["analyse", "SpcResult", "PdsaCycle", "CHARTS", "RULE_SETS"]
