"""Charts: a measure over rounds, weeks or months on a run or SPC chart, with PDSA cycles and signals."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common, figures

st.title("Charts")
scope = common.need_scope()

with common.messages("Cannot draw the chart"):
    options = services.measure_options(scope)
    a, b = st.columns([3, 1])
    measure = a.selectbox("Measure", list(options), format_func=options.get, key="chart_measure")
    grain = b.selectbox("One point per", list(services.GRAINS), format_func=services.GRAINS.get, key="chart_grain")
    a, b, c = st.columns([1, 1, 1])
    chart_type = a.selectbox("Chart", list(services.CHART_TYPES), format_func=services.CHART_TYPES.get,
                             key="chart_type")
    rules = b.selectbox("Rules", list(services.RULE_SETS), format_func=services.RULE_SETS.get, key="chart_rules")
    cycles = services.list_pdsa(scope)
    cyc_names = {cy["id"]: f"PDSA {cy.get('cycle_no')}: {cy.get('change_idea')} ({cy.get('date_start')})"
                 for cy in cycles}
    phase = c.selectbox("New phase (rebase limits) at", [None, *cyc_names],
                        format_func=lambda i: "no new phase" if i is None else cyc_names[i], key="chart_phase",
                        help="Recalculate the centre line and limits from the first point on or after this "
                             "cycle's start: only after a sustained shift that matches an adopted change.")
    show2 = st.toggle("Show 2-sigma lines", key="chart_2sigma")

    table = common.measures(scope, grain)
    view = services.chart(scope, measure, grain=grain, chart_type=chart_type, rules=rules,
                          phase_cycle_id=phase, show_2sigma=show2, table=table)
    fig = figures.chart_figure(view)
    st.plotly_chart(fig, key="spc_chart", config={"displaylogo": False})

    if view.n_points >= 2:
        variation, assurance = services.icon_text(view.variation, view.assurance)
        a, b = st.columns(2)
        a.metric("Variation (Making Data Count)", variation or "—")
        # assurance compares a target with process limits: say which of the two is missing
        b.metric("Assurance against target",
                 assurance or ("needs an SPC chart (a run chart has no limits)" if chart_type == "run"
                               else "no target set"))
    else:  # one point says nothing about variation: no verdict in large type
        st.caption("One point so far: variation and assurance are judged from two points on "
                   "(choose one point per week or month to see more).")
    for note in view.notes:
        st.caption(f"ℹ️ {note}")
    st.subheader("Signals")
    if view.signals:
        for s in view.signals:
            st.markdown(f"- {s}")
    else:
        st.markdown(services.NO_SIGNAL)
    linked = [cy for cy in cycles if not cy.get("measures_linked") or measure in (cy.get("measures_linked") or [])]
    if linked:
        st.caption("PDSA cycles on this chart: " + "; ".join(cyc_names[cy["id"]] for cy in linked))
    else:
        st.caption("No PDSA cycle is linked to this measure yet (PDSA log page).")

    a, b = st.columns(2)
    a.download_button("Download PNG", data=lambda: services.figure_png(fig), file_name=f"{measure}_{grain}.png",
                      mime="image/png", key="download_png", on_click="ignore", icon=":material/image:")
    b.download_button("Download data (CSV)", data=services.chart_csv(view, table, measure).encode("utf-8"),
                      file_name=f"{measure}_{grain}.csv", mime="text/csv", key="download_csv", on_click="ignore",
                      icon=":material/table:")
