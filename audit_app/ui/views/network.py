"""Network: every trust of a network side by side: funnel plot, trusts over time, league table,
the collated report and each trust's feedback page."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common

net = services.network
store = common.get_store()
acc = common.access()
st.title("Network")


def members_section(scope, network_id: int) -> None:
    """A lead (or the single user) adds or removes trusts, each change confirmed first."""
    if not net.may_manage(scope):
        return
    done = st.session_state.pop("_network_member_done", None)
    pending = st.session_state.get("_network_member_pending")
    if pending and pending[1] != network_id:
        pending = None
    with st.expander(f"Trusts in {scope.name}", expanded=bool(done or pending)):
        if done:
            st.success(done)
        if pending:
            verb, _nid, tid, tname = pending
            st.warning(f"{'Add' if verb == 'add' else 'Remove'} {tname} {'to' if verb == 'add' else 'from'} "
                       f"{scope.name}? " + ("Its rounds will be compared with the network's."
                                            if verb == "add" else "Its audit rounds stay in the store."))
            a, b = st.columns(2)
            if a.button(f"Yes, {verb} {tname}", type="primary", key="network_member_confirm"):
                with common.messages("Cannot change the network"):
                    fn = net.add_network_trust if verb == "add" else net.remove_network_trust
                    st.session_state["_network_member_done"] = fn(store, acc, network_id, tid)
                    st.session_state.pop("_network_member_pending", None)
                    common.clear_caches()
                    st.rerun()
            if b.button("Cancel", key="network_member_cancel"):
                st.session_state.pop("_network_member_pending", None)
                st.rerun()
        else:
            a, b = st.columns(2)
            addable = net.addable_trusts(store, acc, network_id)
            if addable:
                add = a.selectbox("Add a trust", list(addable), format_func=addable.get, key="network_add_trust")
                if a.button("Add…", key="network_add_button"):
                    st.session_state["_network_member_pending"] = ("add", network_id, add, addable[add])
                    st.rerun()
            else:
                a.caption("Every trust you can see is in this network.")
            members = {t: scope.name_of(t) for t in scope.trust_ids}
            drop = b.selectbox("Remove a trust", list(members), format_func=members.get,
                               key="network_remove_trust")
            if b.button("Remove…", key="network_remove_button"):
                st.session_state["_network_member_pending"] = ("remove", network_id, drop, members[drop])
                st.rerun()


with common.messages("Cannot show the network"):
    networks = net.visible_networks(store, acc)
    if not networks:
        st.info("You are not in a network yet: a network lead can add your trust, or lead access can be "
                "granted to you.")
        st.stop()
    a, b = st.columns([2, 3])
    network_id = a.selectbox("Network", list(networks), format_func=networks.get, key="network_id")
    scope = net.network_scope(store, acc, network_id)
    who = {"lead": "You lead this network: every trust is shown by name.",
           "member": "Your trust is shown by name; the other trusts are anonymised unless the network names them.",
           "single_user": "Every trust in this store, by name."}[scope.role]
    n = len(scope.trust_ids)
    b.caption(f"{n} trust{'' if n == 1 else 's'}. {who}")
    members_section(scope, network_id)
    if not scope.trust_ids:
        st.info("This network has no trust yet.")
        st.stop()

    options = net.standard_options()
    a, b, c, d = st.columns([3, 2, 2, 2])
    standard = a.selectbox("Standard or measure", list(options), format_func=options.get,
                           index=list(options).index("OD-04") if "OD-04" in options else 0, key="network_standard")
    data = common.network_data(*common.network_args(), network_id, standard, common.write_stamp())
    periods = net.period_options(data)
    period = b.selectbox("Funnel of", list(periods), format_func=periods.get, key="network_period")
    od = c.selectbox("Overdispersion", list(net.OVERDISPERSION), format_func=net.OVERDISPERSION.get,
                     key="network_od", help="Widen the limits when trusts differ more than chance alone "
                                            "(Spiegelhalter 2005): phi and tau² are reported under the chart.")
    rules = d.selectbox("Trend rules", list(services.RULE_SETS), format_func=services.RULE_SETS.get,
                        index=list(services.RULE_SETS).index("mdc"), key="network_rules")

    st.subheader("Where each trust lies")
    fv = net.funnel_view(data, standard, period=period, overdispersion=od)
    if fv.figure is None:   # a rate or a median: no funnel, the league table has each trust's value
        for n in fv.notes:
            st.info(n)
    else:
        st.plotly_chart(fv.figure, key="network_funnel", config={"displaylogo": False})
        if fv.sentences:
            for s in fv.sentences:
                st.markdown(f"- {s}")
        else:
            st.markdown("Every trust lies inside the 95% limits: the differences are within what chance explains.")
        st.caption(fv.overdispersion)
        for n in fv.notes:
            st.caption(f"ℹ️ {n}")

    st.subheader("League table")
    if fv.figure is None:   # a rate or median: no funnel position to order by
        sorts = {"name": net.LEAGUE_SORTS["name"], "denominator": "n (letters, or discharges for a rate)"}
        sort = st.radio("Order", list(sorts), format_func=sorts.get, horizontal=True, key="network_sort_value")
    else:
        sort = st.radio("Order", list(net.LEAGUE_SORTS), format_func=net.LEAGUE_SORTS.get, horizontal=True,
                        key="network_sort")
    table = net.league_view(data, standard, period=period, rules=rules, sort=sort)
    st.dataframe(table, hide_index=True, key="network_league",
                 column_config={"%": st.column_config.NumberColumn(format="%.1f"),
                                "change (points)": st.column_config.NumberColumn(format="%+.1f")})
    if fv.figure is None:
        st.caption("Not a ranking: without a funnel the trusts are in name order. Whether a trust's value moved "
                   "beyond chance is in its chart below.")
    else:
        st.caption("Not a ranking: the order is each trust's position against the funnel limits, then the lower "
                   "end of its 95% interval. A change counts only when its 95% interval (Newcombe) excludes zero.")

    st.subheader("Trusts over time")
    tv = net.trends_view(data, standard, rules=rules)
    st.plotly_chart(tv.figure, key="network_trends", config={"displaylogo": False})
    for s in tv.signals:
        st.markdown(f"- {s}")

    st.subheader("Collated report and feedback")
    st.markdown("An Excel workbook and a slide deck for the network meeting: a funnel per standard, the league "
                "tables, each trust's trend, the signals in words and one feedback page per trust. Figures only: "
                "no letter text or identifier.")
    with_slides = st.checkbox("Slides as well", value=True, key="network_slides")
    rkey = ("_network_report", network_id, period, od, rules, with_slides, common.write_stamp())
    if st.button("Build the collated report", type="primary", key="build_network_report"):
        with st.spinner("Collating the network's rounds and drawing the charts…"):
            built = net.collated_report(store, scope, slides=with_slides, period=period, overdispersion=od,
                                        rules=rules)
        st.session_state["_network_report"] = (rkey, built)
    built = st.session_state.get("_network_report")
    if built and built[0] == rkey:
        a, b = st.columns(2)
        a.download_button("Download the collated report (Excel)", data=built[1].workbook,
                          file_name=net.report_filename(scope),
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key="download_network_report", on_click="ignore", type="primary",
                          icon=":material/download:")
        if built[1].slides:
            b.download_button("Download the slides", data=built[1].slides, file_name=net.report_filename(scope, "pptx"),
                              mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                              key="download_network_slides", on_click="ignore", icon=":material/slideshow:")
        for n in built[1].notes:
            st.caption(f"ℹ️ {n}")

    mine = net.feedback_trusts(scope)
    if mine:
        a, b = st.columns([2, 3])
        fb_trust = a.selectbox("Feedback page for", mine, format_func=scope.name_of, key="network_feedback_trust")
        fkey = ("_network_feedback", network_id, fb_trust, period, rules, common.write_stamp())
        if b.button("Build the feedback page", key="build_network_feedback"):
            with st.spinner("Writing the feedback page…"):
                page = net.trust_feedback(store, scope, fb_trust, period=period, rules=rules)
            st.session_state["_network_feedback"] = (fkey, page)
        fb = st.session_state.get("_network_feedback")
        if fb and fb[0] == fkey:
            st.download_button(f"Download {scope.name_of(fb_trust)}'s feedback (slides)", data=fb[1],
                               file_name=net.feedback_filename(scope, fb_trust),
                               mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                               key="download_network_feedback", on_click="ignore", icon=":material/mail:")

    if acc.is_single_user:
        with st.expander("Manage networks"):
            trusts = {t.id: t.name for t in services.visible_trusts(store, acc)}
            with st.form("new_network", clear_on_submit=True):
                name = st.text_input("New network's name", key="new_network_name")
                members = st.multiselect("Trusts", list(trusts), format_func=trusts.get, key="new_network_trusts")
                named = st.checkbox("Member trusts see each other by name", key="new_network_named")
                if st.form_submit_button("Create the network"):
                    with common.messages("Cannot create the network"):
                        net.create_network(store, acc, name, members, name_trusts=named)
                        common.clear_caches()
                        st.success(f"Network {name!r} created.")
