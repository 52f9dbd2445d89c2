"""Standards: the trust's standards with their sources; switch on/off, change targets and parameters."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common

st.title("Standards")
scope = common.need_scope()

with common.messages("Cannot show the standards"):
    versions = services.standards_versions(scope)
    done = st.session_state.pop("_standards_done", None)
    if done:
        st.success(done)
    # keyed by the newest version: after a save the selector starts afresh on the saved version
    version = st.selectbox("Standards version", versions, format_func=lambda v: f"version {v}"
                           + (" (current)" if v == versions[0] else ""), key=f"standards_version_{versions[0]}")
    current = version == versions[0]
    table = services.standards_table(scope, version)
    params = services.standards_parameters(scope, version)
    st.caption("Switch standards on or off and set their targets; saving creates a new version. Rounds keep the "
               "version they were scored with." if current else
               "An earlier version (read only). Rounds scored with it keep it.")
    edited = st.data_editor(
        table, hide_index=True, key=f"standards_editor_{version}", disabled=True if not current else
        ["Standard", "Title", "Better", "Statement", "Numerator", "Denominator", "Exclusions", "Sources", "Local",
         "How it is decided"],
        column_config={
            "On": st.column_config.CheckboxColumn("On", help="Score this standard"),
            "Target %": st.column_config.NumberColumn("Target %", min_value=0, max_value=100, step=1),
            "Statement": st.column_config.TextColumn(width="large"),
            "Sources": st.column_config.TextColumn(width="large"),
            "How it is decided": st.column_config.TextColumn(width="large"),
        })
    st.subheader("Parameters")
    edited_params = st.data_editor(
        params, hide_index=True, key=f"parameters_editor_{version}",
        disabled=True if not current else ["Parameter", "Setting", "Type", "Description"],
        column_order=["Setting", "Value", "Type", "Description"],
        column_config={"Setting": st.column_config.TextColumn(width="medium"),
                       "Description": st.column_config.TextColumn(width="large")})
    st.subheader("Suggested TTO wording (change ideas)")
    templates = services.standards_templates(scope, version)
    st.caption("The wording the Letters page offers for a letter that fails the standard, filled in with that "
               "letter's drug, strength and days. Placeholders: " + templates.attrs.get("placeholders", "")
               + ". Clear a cell to go back to the default.")
    edited_templates = st.data_editor(
        templates, hide_index=True, key=f"templates_editor_{version}",
        disabled=True if not current else ["Standard", "Title", "Default"],
        column_config={"Wording": st.column_config.TextColumn(width="large"),
                       "Default": st.column_config.TextColumn(width="large")})
    if current and st.button("Save as a new standards version", type="primary", key="save_standards"):
        with common.messages("Standards not saved"):
            v = services.save_standards(scope, edited, edited_params, templates=edited_templates)
            common.clear_caches()
            st.session_state["_standards_done"] = (f"Saved standards version {v}. New rounds use it; existing rounds "
                                                   "keep the version they were scored with.")
            st.rerun()
