"""Report: download the Excel report of the current round."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common

st.title("Report")
scope, rid = common.need_round()
tid = scope.trust_id

with common.messages("Cannot build the report"):
    rnd = scope.round(rid)
    trust = scope.trust
    st.markdown(f"Excel report of round **{rnd.label}** ({rnd.n_letters} letters): summary against targets with "
                "95% intervals, every letter with its evidence, subgroups (small numbers suppressed), data quality "
                "notes from the import, the comparison with the previous round, run/SPC charts with PDSA cycles, "
                "and the standards used. No formulas; identifiers are masked.")
    charts = st.checkbox("Include chart images (takes a few seconds longer)", value=True, key="report_charts")
    grain = st.radio("Charts in the report and the slides: one point per", list(services.GRAINS),
                     format_func=services.GRAINS.get, horizontal=True, key="report_grain",
                     help="A trust with one round gets one-point charts by round: choose week or month of discharge.")
    mask = True
    if trust.keep_identifiers:
        mask = not st.checkbox("Include identifiers (this trust keeps them)", value=False, key="report_unmask")
    key = ("_report", tid, rid, mask, charts, grain)
    if st.button("Build the report", type="primary", key="build_report"):
        with st.spinner("Building the Excel report…"):
            data = common.round_report(scope, rid, mask, charts, grain)
        st.session_state["_report_bytes"] = (key, data)
    built = st.session_state.get("_report_bytes")
    if built and built[0] == key:
        st.download_button("Download the Excel report", data=built[1],
                           file_name=services.report_filename(scope, rid),
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="download_report", on_click="ignore", type="primary", icon=":material/download:")

    st.subheader("Slides for a QI meeting")
    st.markdown("A PowerPoint deck: compliance against targets, then one slide per measure with its run chart "
                "(by the period chosen above), the PDSA cycles and what the rules found, in words. Figures only: no "
                "letter or identifier is on a slide.")
    options = services.measure_options(scope)
    picked = st.multiselect("Measures (one slide each)", list(options), format_func=options.get,
                            default=services.slide_measures(scope), key="slides_measures")
    skey = ("_slides", tid, rid, tuple(picked), grain)
    if st.button("Build the slides", key="build_slides"):
        with st.spinner("Drawing the charts…"):
            deck = services.round_slides(scope, rid, picked, grain=grain)
        st.session_state["_slides_bytes"] = (skey, deck)
    built = st.session_state.get("_slides_bytes")
    if built and built[0] == skey:
        st.download_button("Download the slides", data=built[1],
                           file_name=services.report_filename(scope, rid, "pptx"),
                           mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                           key="download_slides", on_click="ignore", icon=":material/slideshow:")

    st.subheader("Change ideas: the trust's TTO wording")
    st.caption("For the PDSA 'Plan': each standard's suggested discharge-letter wording (edit it on the Standards "
               "page) beside this round's compliance. The Letters page offers it, filled in, for each failed letter.")
    st.dataframe(services.change_ideas(scope, rid), hide_index=True, key="report_change_ideas",
                 column_config={"Suggested wording": st.column_config.TextColumn(width="large"),
                                "Example": st.column_config.TextColumn(width="large")})
