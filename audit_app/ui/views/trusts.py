"""Trusts and rounds: create, rename and delete trusts and audit rounds; choose the current ones."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common

store = common.get_store()
acc = common.access()

st.title("Trusts and rounds")

trusts = services.visible_trusts(store, acc)
tid = common.current_trust_id()
done = st.session_state.pop("_trusts_done", None)  # said once, after the rerun that shows the change
if done:
    st.success(done)

with st.expander("Add a trust", expanded=not trusts):
    with st.form("new_trust", clear_on_submit=True):
        name = st.text_input("Trust name")
        code = st.text_input("Code (optional, e.g. ODS code)")
        if st.form_submit_button("Create trust", type="primary"):
            with common.messages("Trust not created"):
                t = services.create_trust(store, acc, name, code)
                common.clear_caches()
                common.select_trust(t.id)
                st.session_state["_trusts_done"] = (f"Created trust {t.name}: it is now the current trust. "
                                                    "Next: import a spreadsheet or letters on the Import page.")
                st.rerun()

if not trusts or tid is None:
    st.stop()

scope = common.need_scope()  # the run's checked scope of the current trust
trust = scope.trust
st.subheader(f"{trust.name}")


@st.dialog("Delete this trust?")
def _confirm_delete_trust(trust_name: str) -> None:
    st.warning(f"This deletes **{trust_name}** with all its rounds, letters, corrections and PDSA cycles. "
               "It cannot be undone.")
    typed = st.text_input("Type the trust's name to confirm")
    if st.button("Delete trust", type="primary", disabled=typed.strip() != trust_name):
        with common.messages("Trust not deleted"):
            services.delete_trust(scope)
            common.clear_caches()
            common.select_trust(None)
            st.rerun()


@st.dialog("Delete this audit round?")
def _confirm_delete_round(round_id: int, label: str, n_letters: int) -> None:
    st.warning(f"This deletes round **{label}** and its {n_letters} letters, results and corrections. "
               "It cannot be undone. Who deleted it, when and why are recorded (no letter text).")
    reason = st.text_input("Why is this round deleted?", key="delete_round_reason",
                           placeholder="e.g. imported the wrong file")
    if st.button("Delete round", type="primary", disabled=not reason.strip()):
        with common.messages("Round not deleted"):
            note = services.delete_round(scope, round_id, reason)
            if note:  # the text could not yet be purged from the database files
                st.toast(note, icon=":material/hourglass_top:")
            common.clear_caches()
            common.select_round(None)
            st.session_state["_trusts_done"] = f"Deleted round {label}; the reason is recorded."
            st.rerun()


c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
with c1:
    with st.form("rename_trust"):
        new_name = st.text_input("Rename trust", value=trust.name)
        if st.form_submit_button("Rename"):
            with common.messages("Not renamed"):
                services.rename_trust(scope, new_name)
                common.clear_caches()
                st.session_state["_trusts_done"] = f"Renamed the trust {new_name.strip()}."
                st.rerun()
with c2:
    if st.button("Delete trust…", key="delete_trust"):
        _confirm_delete_trust(trust.name)

with st.expander("People who can see this trust"):
    if not common.auth_configured():
        st.caption("This installation runs without sign-in (one user, on this computer), so this list has no "
                   "effect yet. With sign-in configured (README, shared deployment), each person sees only "
                   "the trusts listed against their e-mail address.")
    users = services.trust_users(scope)
    st.markdown("\n".join(f"- {u}" for u in users) if users else "Nobody has been given access yet.")
    with st.form("grant_access", clear_on_submit=True):
        email = st.text_input("Give access to (NHS e-mail address they sign in with)")
        if st.form_submit_button("Give access"):
            with common.messages("Access not given"):
                added = services.grant_trust(scope, email)
                st.toast(f"{added} can now see {trust.name}")
                st.rerun()
    if users:
        a, b = st.columns([3, 1], vertical_alignment="bottom")
        who = a.selectbox("Remove access", users, key="revoke_who")
        if b.button("Remove", key="revoke_access"):
            with common.messages("Access not removed"):
                services.revoke_trust(scope, who)
                st.rerun()

st.subheader("Audit rounds")
table = services.rounds_table(scope)
if table.empty:
    st.caption("No rounds yet. Create one below, or go straight to **Import** with a spreadsheet or letters.")
else:
    st.dataframe(table.drop(columns=["id"]), hide_index=True, key="rounds_table")

versions = services.standards_versions(scope)
with st.expander("New audit round", expanded=table.empty):
    with st.form("new_round", clear_on_submit=True):
        label = st.text_input("Round label", placeholder="e.g. Round 3 (Jan 2027)")
        a, b, c = st.columns(3)
        start = a.date_input("Period from", value=None, format="DD/MM/YYYY")
        end = b.date_input("Period to", value=None, format="DD/MM/YYYY")
        version = c.selectbox("Standards version", versions, format_func=lambda v: f"version {v}")
        if st.form_submit_button("Create round", type="primary"):
            with common.messages("Round not created"):
                rid = services.create_round(scope, label, start, end, version)
                common.clear_caches()
                common.select_round(rid)
                st.session_state["_trusts_done"] = (f"Created round {label.strip()}: it is now the current round. "
                                                    "Import its letters on the Import page.")
                st.rerun()

rounds = services.list_rounds(scope)
rid = common.current_round_id()
current = next((r for r in rounds if r.id == rid), None)
if current is not None:
    with st.expander(f"Edit or delete round {current.label}"):
        with st.form("edit_round"):
            label = st.text_input("Round label", value=current.label)
            a, b = st.columns(2)
            start = a.date_input("Period from", value=current.period_start, format="DD/MM/YYYY")
            end = b.date_input("Period to", value=current.period_end, format="DD/MM/YYYY")
            discharges = st.number_input("Discharges in the period (all patients, for rates per 100 discharges)",
                                         min_value=0, step=1, value=current.discharges, key="round_discharges")
            if st.form_submit_button("Save changes"):
                with common.messages("Round not changed"):
                    services.update_round(scope, current.id, label=label, period_start=start,
                                          period_end=end, discharges="" if discharges is None else discharges)
                    common.clear_caches()
                    st.rerun()
        if st.button("Delete round…", key="delete_round"):
            _confirm_delete_round(current.id, current.label, current.n_letters)
