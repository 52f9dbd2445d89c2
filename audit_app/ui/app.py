"""Streamlit entry point: `opioid-audit app` (or `streamlit run audit_app/ui/app.py`).

Single-user on 127.0.0.1 unless .streamlit/secrets.toml has an [auth] section; then every
visitor signs in (Streamlit's OIDC login) and sees only the trusts granted to their e-mail.
The store is $OPIOID_AUDIT_DB (SQLite file by default, any SQLAlchemy URL such as PostgreSQL).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from audit_app import services
from audit_app.logging_setup import install_log_masking
from audit_app.ui import common

install_log_masking()  # no identifier reaches a log line, whoever logs it

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="Opioid discharge audit", page_icon=":material/medication:", layout="wide")
st.set_option("client.showErrorDetails", "none")  # errors are shown as messages, never tracebacks


def _sign_in() -> services.Access | None:
    try:
        acc = common.current_access()
    except (services.ServiceError, services.StoreError) as exc:
        st.error(str(exc))
        if st.button("Sign out"):
            st.logout()
        st.stop()
    if acc is None:
        st.title("Opioid discharge audit")
        st.write("This shared deployment needs you to sign in. You will see only your trust's audits.")
        if st.button("Sign in", type="primary"):
            st.login()
        st.stop()
    return acc


def _sidebar(store, acc: services.Access) -> services.TrustScope | None:
    """The trust and round pickers; returns the run's one checked scope (None without a trust)."""
    ss = st.session_state
    if "_pending_trust" in ss:
        ss[common.TRUST_KEY] = ss.pop("_pending_trust")
        ss[common.ROUND_KEY] = ss.pop("_pending_round", None)
    trusts = services.visible_trusts(store, acc)
    ids = [t.id for t in trusts]
    names = {t.id: t.name for t in trusts}
    if ss.get(common.TRUST_KEY) not in ids:
        ss[common.TRUST_KEY] = ids[0] if ids else None
    with st.sidebar:
        if acc.user_email:
            st.caption(f"Signed in as {acc.user_email}")
            if st.button("Sign out", key="sign_out"):
                st.logout()
        if not ids:
            st.info("No trust yet." if acc.user_email is None else "No trust is shared with you yet.")
            ss[common.ROUND_KEY] = None
            return None
        st.selectbox("Trust", ids, format_func=lambda i: names.get(i, str(i)), key=common.TRUST_KEY)
        if len(names.get(ss[common.TRUST_KEY], "")) > 24:  # a long name is cut in the box: say it in full
            st.caption(names[ss[common.TRUST_KEY]])
        scope = services.TrustScope.check(store, acc, ss[common.TRUST_KEY])
        rounds = services.list_rounds(scope)
        rids = [r.id for r in rounds]
        labels = {r.id: f"{r.label} ({r.n_letters} letters)" for r in rounds}
        if ss.get(common.ROUND_KEY) not in rids:
            ss[common.ROUND_KEY] = rids[-1] if rids else None
        if rids:
            st.selectbox("Audit round", rids, format_func=lambda i: labels.get(i, str(i)), key=common.ROUND_KEY)
        else:
            st.caption("No audit round yet: import one.")
            ss[common.ROUND_KEY] = None
    return scope


def main() -> None:
    store = common.get_store()
    acc = _sign_in()
    st.session_state["_access"] = acc
    pages = [
        st.Page(VIEWS / "trusts.py", title="Trusts and rounds", icon=":material/domain:", url_path="trusts"),
        st.Page(VIEWS / "import_round.py", title="Import", icon=":material/upload_file:", url_path="import_round"),
        st.Page(VIEWS / "letters.py", title="Letters", icon=":material/description:", url_path="letters"),
        st.Page(VIEWS / "compliance.py", title="Compliance", icon=":material/fact_check:", url_path="compliance",
                default=True),
        st.Page(VIEWS / "charts.py", title="Charts", icon=":material/monitoring:", url_path="charts"),
        st.Page(VIEWS / "pdsa.py", title="PDSA log", icon=":material/autorenew:", url_path="pdsa"),
        st.Page(VIEWS / "standards.py", title="Standards", icon=":material/rule:", url_path="standards"),
        st.Page(VIEWS / "report.py", title="Report", icon=":material/download:", url_path="report"),
        st.Page(VIEWS / "network.py", title="Network", icon=":material/hub:", url_path="network"),
    ]
    page = st.navigation(pages)
    common.set_scope(None)  # a page never sees the scope of an earlier run
    common.set_scope(_sidebar(store, acc))
    try:
        page.run()
    finally:
        common.warm_up_in_background()  # after the page is drawn, so the first render does not wait


main()
