"""Compliance: each standard for the current round, % with 95% interval against target, and comparisons."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common, figures

st.title("Compliance")
scope, rid = common.need_round()
done = st.session_state.pop("_rescore_done", None)
if done:
    st.success(done)


def _rescore_box(round_id: int) -> None:
    """When the standards changed after this round was scored: what re-scoring would change, then
    one button to re-score (the round then shows the new targets on every page, report and slide)."""
    rnd = scope.round(round_id)
    latest = services.standards_versions(scope)[0]
    if rnd.standards_version == latest:
        st.caption(f"Scored with standards version {latest} (the current one): targets as set on the "
                   "Standards page.")
        return
    with st.container(border=True):
        st.markdown(f"This round was scored with standards **version {rnd.standards_version}**; the current "
                    f"standards are **version {latest}**. Its targets and verdicts stay as scored until you "
                    "re-score it.")
        if st.toggle(f"Show what re-scoring with version {latest} changes", key=f"rescore_show_{round_id}_{latest}"):
            preview = services.rescore_preview(scope, round_id, latest)
            if preview.changes.empty:
                st.caption("No figure, target or verdict changes.")
            else:
                st.table(preview.changes, hide_index=True)
                st.caption(f"{preview.n_letters_changed} letter(s) change a verdict.")
            if st.button(f"Re-score this round with version {latest}", type="primary", key="rescore_round"):
                with common.messages("Round not re-scored"):
                    services.rescore_round(scope, round_id, latest)
                    common.clear_caches()
                    st.session_state["_rescore_done"] = (
                        f"Round {rnd.label} re-scored with standards version {latest}: its targets and verdicts "
                        "now follow that version on every page, the report and the slides.")
                    st.rerun()


with common.messages("Cannot show compliance"):
    view = common.compliance(scope, rid)
    if not view.n_letters:
        st.info(f"Round {view.round_label} has no letters yet: import them on the **Import** page.")
        st.stop()
    st.caption(f"Round **{view.round_label}**: {view.n_letters} letters. Percentages are of eligible letters (or "
               "opioid items) with a verdict; exclusions and 'not assessable' answers are counted separately. "
               "95% intervals are Wilson score intervals.")
    st.dataframe(view.summary, hide_index=True, key="compliance_table",
                 height=38 + 35 * len(view.summary),
                 column_config={
                     "Title": st.column_config.TextColumn(width="large"),
                     "Compliance %": st.column_config.ProgressColumn("Compliance", min_value=0, max_value=100,
                                                                    format="%.0f%%", width="small"),
                     "Excluded": st.column_config.TextColumn(width="medium")})
    _rescore_box(rid)
    if st.toggle("Show as a chart (each standard with its 95% interval and target)", key="compliance_show_chart"):
        st.plotly_chart(figures.compliance_figure(view), key="compliance_chart", config={"displaylogo": False})

    if view.programme is not None and not view.programme.empty:
        st.subheader("Programme measures and safety flags")
        st.caption("MedSIP opioid programme: rates per 100 discharges (enter the round's discharges on the Trusts "
                   "and rounds page), high dose, dose reduced or escalated, complex-pain referral prompt, "
                   "prescribing safety flags. Chart any of them on the Charts page.")
        st.dataframe(view.programme.drop(columns=["measure_id"]), hide_index=True, key="compliance_programme",
                     column_config={"How it is counted": st.column_config.TextColumn(width="large")})

    st.subheader("Compared with earlier rounds")
    if view.rounds.empty:
        st.caption("This is the trust's first round with letters: nothing earlier to compare with.")
    else:
        st.markdown(f"From **{view.previous_label}** to **{view.round_label}** (difference with Newcombe 95% "
                    "interval):")
        for _, r in view.rounds.iterrows():
            st.markdown(f"- **{r['standard_id']}** {r['sentence']} *{r['interpretation']}*")
        if view.history.shape[1] > 1:
            with st.expander("Every round of this trust"):
                st.dataframe(view.history, key="compliance_history")

    if not view.trusts.empty:
        st.subheader("Compared with other trusts")
        st.caption("Other trusts you can see, their latest round.")
        for name, grp in view.trusts.groupby("other_trust", sort=True):
            with st.expander(name):
                for _, r in grp.iterrows():
                    st.markdown(f"- **{r['standard_id']}** {r['sentence']} *{r['interpretation']}*")
