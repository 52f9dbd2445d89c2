"""PDSA log: add and edit Plan-Do-Study-Act cycles, linked to the measures they aim to move."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from audit_app import services
from audit_app.ui import common

st.title("PDSA log")
scope = common.need_scope()

cycles = services.list_pdsa(scope)
options = services.measure_options(scope)

table = services.pdsa_table(scope)
if table.empty:
    st.caption("No PDSA cycles yet. Each cycle is drawn on the charts of the measures it is linked to, "
               "at its start date.")
else:
    st.dataframe(table.drop(columns=["id"]), hide_index=True, key="pdsa_table")

labels = {c["id"]: f"PDSA {c.get('cycle_no') or '?'}: {c.get('change_idea') or ''} "
                   f"({c.get('date_start')})" for c in cycles}
choice = st.selectbox("Cycle", [None, *labels], format_func=lambda i: "Add a new cycle" if i is None else labels[i],
                      key="pdsa_choice")
cur = next((c for c in cycles if c["id"] == choice), {})


def _date(v):
    if not v:
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])


done = st.session_state.pop("_pdsa_done", None)
if done:
    st.success(done)

with st.form(f"pdsa_form_{choice}_{st.session_state.get('_pdsa_saves', 0)}"):
    a, b = st.columns([3, 1])
    idea = a.text_input("Change idea being tested", value=cur.get("change_idea") or "",
                        placeholder="e.g. TTO template with a weaning plan line")
    cycle_no = b.number_input("Cycle no.", min_value=1, step=1, value=int(cur.get("cycle_no") or len(cycles) + 1))
    a, b, c = st.columns(3)
    project = a.text_input("Project", value=cur.get("project_id") or "")
    aim = b.text_input("Aim", value=cur.get("aim_id") or "")
    idea_id = c.text_input("Change idea id (driver diagram)", value=cur.get("change_idea_id") or "")
    a, b, c = st.columns(3)
    start = a.date_input("Start date", value=_date(cur.get("date_start")) or dt.date.today(), format="DD/MM/YYYY")
    end = b.date_input("End date", value=_date(cur.get("date_end")), format="DD/MM/YYYY")
    owner = c.text_input("Owner", value=cur.get("owner") or "")
    objective = st.text_input("Objective (the question this cycle answers)", value=cur.get("objective") or "")
    prediction = st.text_area("Prediction", value=cur.get("prediction") or "", height=68)
    plan = st.text_area("Plan (who, what, where, when; scale; data to collect)", value=cur.get("plan") or "",
                        height=68)
    do_obs = st.text_area("Do: observations", value=cur.get("do_observations") or "", height=68)
    study = st.text_area("Study: results against the prediction", value=cur.get("study") or "", height=68)
    a, b = st.columns([1, 3])
    act = a.selectbox("Act", services.ACT_CHOICES, index=services.ACT_CHOICES.index(cur.get("act") or ""),
                      format_func=lambda x: x or "not decided")
    next_steps = b.text_input("Next steps", value=cur.get("next_steps") or "")
    linked = st.multiselect("Measures linked (the cycle appears on these charts)", list(options),
                            default=[m for m in cur.get("measures_linked") or [] if m in options],
                            format_func=lambda m: options.get(m, m))
    saved = st.form_submit_button("Save cycle", type="primary")

if saved:
    with common.messages("PDSA cycle not saved"):
        services.save_pdsa(scope, {
            "change_idea": idea, "change_idea_id": idea_id, "project_id": project, "aim_id": aim, "cycle_no": int(cycle_no),
            "date_start": start, "date_end": end, "owner": owner, "objective": objective,
            "prediction": prediction, "plan": plan, "do_observations": do_obs, "study": study,
            "act": act or None, "next_steps": next_steps, "measures_linked": linked,
        }, cycle_id=choice)
        common.clear_caches()
        st.session_state["_pdsa_saves"] = st.session_state.get("_pdsa_saves", 0) + 1
        st.session_state["_pdsa_done"] = f"Saved PDSA {int(cycle_no)}: {idea.strip()}. It is drawn on the charts of " \
                                         "the measures it is linked to."
        st.rerun()

if choice is not None and st.button("Delete this cycle", key="pdsa_delete"):
    with common.messages("Cycle not deleted"):
        services.delete_pdsa(scope, choice)
        common.clear_caches()
        st.session_state.pop("pdsa_choice", None)
        st.rerun()
