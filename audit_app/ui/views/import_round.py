"""Import: a spreadsheet (xlsx/csv) or a set of letters -> mapping -> validation -> a saved round."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import streamlit as st

from audit_app import services
from audit_app.ui import common

st.title("Import an audit round")
scope = common.need_scope()

done = st.session_state.pop("_import_done", None)
if done:
    st.success(done)
    st.page_link("views/compliance.py", label="See compliance for this round", icon=":material/fact_check:")

common.preload_chart_library()  # while the user picks a file
n = st.session_state.get("_import_n", 0)  # a new set of upload widgets after each saved round
kind = st.radio("What do you have?", ["Audit spreadsheet (xlsx or csv)", "Discharge letters (.txt or pasted)"],
                horizontal=True, key="import_kind")

data: bytes | None = None
letters: list[tuple[str, str]] = []
filename = ""
sheet = None
if kind.startswith("Audit"):
    up = st.file_uploader("Audit spreadsheet", type=["xlsx", "csv"], key=f"upload_sheet_{n}",
                          help="The header row is found automatically; title rows and totals are skipped.")
    if up is not None:
        data, filename = up.getvalue(), up.name
        sheets = None
        with common.messages("File not imported"):
            sheets = services.list_sheets(data, filename)
        if sheets is None:
            st.stop()
        if len(sheets) > 1:
            sheet = st.selectbox("Sheet", sheets, key="import_sheet")
        elif sheets:
            sheet = sheets[0]
else:
    files = st.file_uploader("Letters (one .txt file per letter)", type=["txt"], accept_multiple_files=True,
                             key=f"upload_letters_{n}")
    pasted = st.text_area("…or paste letters, one after another (they are told apart by their own headings, "
                          "patient details and sign-offs; blank lines, page breaks or rows of dashes between "
                          "them are fine)", height=160, key=f"paste_letters_{n}")
    with common.messages("Letters not read"):
        for f in files or []:
            letters.append((Path(f.name).stem, services.decode_letter_file(f.getvalue(), f.name)))
        for i, text in enumerate(services.split_pasted_letters(pasted)):
            letters.append((f"pasted-{i + 1}", text))
        if letters:
            filename = "letters"
            st.caption(f"{len(letters)} letter(s) ready to read.")

if data is None and not letters:
    st.stop()

# -- read, map, validate, extract (saves nothing) ----------------------------------------------
source = data if data is not None else json.dumps(letters).encode("utf-8")
file_key = f"{hashlib.sha256(source).hexdigest()[:16]}|{sheet}"
if st.session_state.get("_import_file") != file_key:
    st.session_state["_import_mapping"] = None  # a new file or sheet: forget the previous mapping edits
mapping = st.session_state.get("_import_mapping")
sig = f"{file_key}|{json.dumps(mapping, sort_keys=True)}"
if st.session_state.get("_import_sig") != sig:
    _progress, _clear = common.progress_bar(
        "Reading the file…", lambda d, t: f"Reading letters with the extractor: {d} of {t}")
    prepared = None
    # the same file under an edited mapping: not read again, letters already read keep their extraction
    previous = st.session_state.get("_import_prepared") if st.session_state.get("_import_file") == file_key else None
    with common.messages("File not imported"):
        if previous is not None:
            prepared = services.remap_upload(scope, previous, mapping, progress=_progress)
        elif letters:
            prepared = services.prepare_letters(scope, letters, progress=_progress)
        else:
            prepared = services.prepare_upload(scope, data, filename, sheet=sheet, mapping=mapping,
                                               progress=_progress)
    _clear()
    if prepared is None:
        st.session_state.pop("_import_prepared", None)
        st.session_state.pop("_import_sig", None)
        st.stop()
    st.session_state["_import_prepared"] = prepared
    st.session_state["_import_sig"] = sig
    st.session_state["_import_file"] = file_key
prepared = st.session_state["_import_prepared"]

letters_mode = not kind.startswith("Audit")
if letters_mode:
    st.subheader("1. Letters read")
    dated = sum(1 for r in prepared.records if r.discharge_date)
    st.caption(f"{len(prepared.records)} letter(s); {dated} with a discharge date taken from the letter. "
               "Check what the extractor found in each before saving.")
    shown = 60  # enough to check by eye; the preview and the Letters page hold them all
    if len(prepared.records) > shown:
        st.caption(f"The first {shown} letters are shown here; all are in the preview below.")
    for rec, ex in list(zip(prepared.records, prepared.extractions))[:shown]:
        title = (f"{rec.letter_id}: discharged {rec.discharge_date:%d/%m/%Y}" if rec.discharge_date
                 else f"{rec.letter_id}: no discharge date found")
        with st.expander(title):
            st.markdown(services.extraction_summary(ex))
else:
    st.subheader("1. Column mapping")
    st.caption(f"{filename}" + (f", sheet '{prepared.sheet.sheet}'" if prepared.sheet.sheet else "")
               + f": header on row {prepared.sheet.header_row}, {len(prepared.records)} rows read. "
               "Check what each column means; if a suggestion is wrong, double-click its Field (or select it and "
               "press Enter) and pick another, or '(not used)' to leave the column out. Applied at once.")
    choices = services.field_choices()
    editor_key = f"mapping_editor_{abs(hash(sig))}"

    def _apply_mapping_edit() -> None:
        """Apply an edit as it is made: the import is read again with the new mapping."""
        edits = st.session_state.get(editor_key, {}).get("edited_rows", {})
        st.session_state["_import_mapping"] = services.mapping_with_edits(prepared, edits)

    table = services.mapping_table(prepared)
    st.data_editor(
        table, hide_index=True, key=editor_key, on_change=_apply_mapping_edit,
        disabled=["Column", "Means", "Confidence", "Why"],
        column_config={
            "Field": st.column_config.SelectboxColumn("Field", options=list(choices), required=True, width="medium",
                                                      help="The audit field this column holds"),
            "Means": st.column_config.TextColumn(width="large"),
            "Confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="%.2f",
                                                          width="small"),
            "Why": st.column_config.TextColumn(width="medium"),
        })
    not_used = [str(c) for c, f in zip(table["Column"], table["Field"]) if not choices.get(f)]
    if not_used:  # the decision in words, as it will be remembered for this trust's next import
        st.caption(f"Not used: {', '.join(not_used)}. Kept with each letter, read by no standard; once the round "
                   "is saved, the next import of this layout leaves them out too.")

st.subheader("2. Validation report")
report = prepared.report
issues = services.issues_table(prepared)
n_err, n_warn = len(report.errors), len(report.warnings)
n_mapping = len([i for i in report.errors if i.code == services.MAPPING_MISFIT])
if n_err and n_mapping == n_err:
    st.error(f"{n_err} column(s) cannot be read as the field they are mapped to: change the mapping above "
             f"(each note below names the column). {report.summary()}")
elif n_err:
    st.error(f"{n_err} error(s) must be fixed before this round can be saved"
             + (f" ({n_mapping} by changing the mapping above, the others in the file)" if n_mapping else
                " in the file") + f": {report.summary()}")
elif n_warn:
    st.warning(f"{n_warn} warning(s): the round can be saved; check them. {report.summary()}")
else:
    st.success(f"No problems found. {report.summary()}")
if not issues.empty:
    with st.expander(f"All {len(issues)} notes, by row", expanded=bool(n_err)):
        st.dataframe(issues, hide_index=True, key="issues_table")
if prepared.extractor_available and any(prepared.extractions):
    n_text = sum(1 for e in prepared.extractions if e)
    review = services.review_table(prepared)
    st.caption(f"The extractor read {n_text} letter text(s) as a second reader; "
               f"{len(review)} answer(s) differ from the auditor's.")
    if len(review):
        with st.expander("Where the auditor and the extractor disagree"):
            st.dataframe(review, hide_index=True, key="review_table")
with st.expander("Preview the records"):
    st.dataframe(services.preview_table(prepared), hide_index=True, key="preview_table")

twice = services.already_stored(scope, prepared)
confirmed_twice = True
if twice:
    where = ", ".join(f"{k} holds {v}" for k, v in twice.items())
    st.warning(f"Some of these letters are already stored for this trust ({where}): the same letter id and "
               "text. Importing them again would count them twice in weekly and monthly figures.")
    confirmed_twice = st.checkbox("Import them anyway (they are different letters, or this is deliberate)",
                                  key=f"import_twice_{file_key}")

st.subheader("3. Save the round")
rounds = services.list_rounds(scope)
empty = {r.id: r for r in rounds if r.n_letters == 0}
options = [None, *empty]
selected = common.current_round_id()
target = st.selectbox("Save into", options, index=options.index(selected) if selected in empty else 0,
                      format_func=lambda i: "a new round" if i is None else f"empty round {empty[i].label}",
                      key=f"import_target_{selected}",
                      help="The empty round chosen in the sidebar is filled by default.")
start0, end0 = prepared.period


def _accept() -> None:
    """Score and save, before the page is drawn again (a form callback): the page then shows the
    saved round at once, instead of drawing the whole import once more and then rerunning."""
    ss = st.session_state
    if target is None:
        label_, start_, end_ = ss.get("import_label"), ss.get(f"import_start_{file_key}"), ss.get(f"import_end_{file_key}")
        version_ = ss.get(f"import_version_{file_key}")
    else:
        label_, start_, end_, version_ = empty[target].label, None, None, None
    progress, clear = common.progress_bar(
        "Scoring the standards…", lambda d, t: f"Scoring the standards: {d} of {t} letters")
    try:
        rid = services.save_import(scope, prepared, label=label_, period_start=start_, period_end=end_,
                                   standards_version=version_, into_round_id=target, progress=progress)
    except Exception as exc:  # noqa: BLE001 - shown under the form; nothing was saved
        ss["_import_error"] = common.message_for("Round not saved", exc)
    else:
        common.clear_caches()
        for k in ("_import_prepared", "_import_sig", "_import_mapping", "_import_file"):
            ss.pop(k, None)
        ss["_import_n"] = n + 1
        common.select_round(rid)
        ss["_import_done"] = f"Saved round {label_ or ''} with {len(prepared.records)} letters."
    clear()


with st.form("accept_import"):
    if target is None:
        st.text_input("Round label", value="" if letters_mode else Path(filename).stem,
                      key="import_label")
        a, b, c = st.columns(3)
        a.date_input("Period from", value=start0, format="DD/MM/YYYY", key=f"import_start_{file_key}")
        b.date_input("Period to", value=end0, format="DD/MM/YYYY", key=f"import_end_{file_key}")
        c.selectbox("Standards version", services.standards_versions(scope),
                    format_func=lambda v: f"version {v}", key=f"import_version_{file_key}")
    else:
        st.caption(f"Letters go into round {empty[target].label}.")
    st.form_submit_button("Accept and save the round", type="primary",
                          disabled=not (prepared.can_accept and confirmed_twice), on_click=_accept)
save_error = st.session_state.pop("_import_error", None)
if save_error:
    st.error(save_error)
