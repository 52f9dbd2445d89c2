"""Letters: one row per letter; open one to read it with the evidence highlighted and correct a field."""
from __future__ import annotations

import streamlit as st

from audit_app import services
from audit_app.ui import common, evidence

st.title("Letters")
scope, rid = common.need_round()

with common.messages("Cannot show the letters"):
    table = common.letters_table(scope, rid)
    if table.empty:
        st.info("This round has no letters yet: import them on the **Import** page.")
        st.stop()
    st.caption(f"{len(table)} letters. ✓ met · ✗ not met · ? not assessable · – not applicable. "
               "Open a letter below to see the evidence and correct a field.")
    st.dataframe(table.drop(columns=["id"]), hide_index=True, key="letters_table",
                 column_config={"OME mg/day": st.column_config.NumberColumn(format="%.1f"),
                                "Opioids": st.column_config.TextColumn(width="large")})

    names = {int(r["id"]): f"{r['Letter']} — {r['Opioids'] or 'no opioid found'}"[:120] for _, r in table.iterrows()}
    if st.session_state.get("letter_pick") not in names:
        st.session_state["letter_pick"] = next(iter(names))
    letter_id = st.selectbox("Open letter", list(names), format_func=names.get, key="letter_pick")
    letter = scope.letter(letter_id)

    done = st.session_state.pop("_correction_done", None)
    if done:
        st.success(done)

    st.markdown("**Standards on this letter**")
    # full width, and a static table wraps its text: the Why and Evidence columns are read in full at any width
    st.table(services.letter_results_table(letter), hide_index=True)
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Letter text** (identifiers masked)")
        st.html(f"<div style='font-size:0.8rem;margin-bottom:6px'>{evidence.evidence_legend_html()}</div>")
        st.html(evidence.evidence_html(letter.text, letter.extraction))
    with right:
        ome_table, ome_total = services.letter_ome_table(letter)
        with st.expander(f"OME per opioid (total: {ome_total})"):
            st.dataframe(ome_table, hide_index=True, key="letter_ome")
        wording = services.letter_wording(scope, letter)
        if wording:
            st.markdown("**Suggested wording for the TTO** (the trust's template; copy into the discharge system)")
            for w in wording:
                st.caption(f"{w['standard_id']} {w['title']}")
                st.code(w["text"], language=None, wrap_lines=True)
        st.markdown("**Correct a field**")
        fields = {f.path: f for f in services.correctable_fields(letter)}
        path = st.selectbox("Field", list(fields), format_func=lambda p: fields[p].label, key="corr_field")
        f = fields[path]
        now = services.current_value(letter, path)
        st.caption(f"Current value: **{services.value_words(now) or '(blank)'}**")
        key = f"corr_value_{letter.id}_{path}"
        if f.kind == "yesno":
            opts = list(f.choices)
            value = st.radio("New value", opts, index=opts.index(now) if now in opts else 2, horizontal=True,
                             key=key)
        elif f.kind == "bool":
            value = st.radio("New value", ["yes", "no"], index=0 if now else 1, horizontal=True, key=key)
        elif f.kind == "choice":
            opts = list(f.choices)
            value = st.selectbox("New value", opts, index=opts.index(now) if now in opts else 0, key=key)
        else:
            value = st.number_input("New value", min_value=0.0, value=float(now) if now is not None else None,
                                    step=1.0, key=key)
        reason = st.text_input("Reason for the correction", key=f"corr_reason_{letter.id}",
                               placeholder="e.g. weaning plan is in the GP actions section")
        if st.button("Save correction", type="primary", key="corr_save"):
            with common.messages("Correction not saved"):
                res = services.apply_correction(scope, letter.id, path, value, reason, scope.user, letter.version)
                common.clear_caches()
                changed = ", ".join(f"{sid}: {services.OUTCOME_SYMBOLS.get(a, a or '—')} → "
                                    f"{services.OUTCOME_SYMBOLS.get(b, b or '—')}" for sid, a, b in res.changes)
                st.session_state["_correction_done"] = (
                    f"Correction saved (letter version {res.version}). "
                    + (f"Scores changed: {changed}." if changed else "No standard changed its verdict."))
                st.rerun()
        hist = services.letter_corrections(scope, letter.id)
        if not hist.empty:
            st.markdown("**Corrections to this letter**")
            st.dataframe(hist, hide_index=True, key="letter_corrections")
