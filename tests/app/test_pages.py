"""The pages through streamlit.testing.v1.AppTest: table contents (which the browser draws on a
canvas), the import flow, and error paths (a message on the page, never a traceback, nothing saved)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit_app import services
from audit_app.store import Store

APP = str(Path(__file__).resolve().parents[2] / "audit_app" / "ui" / "app.py")
PAGES = ["trusts", "import_round", "letters", "compliance", "charts", "pdsa", "standards", "report"]


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("OPIOID_AUDIT_DB", url)
    from audit_app.ui import common

    common.clear_caches()
    yield url
    common.clear_caches()


def _app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str):
    """The first dataframe (or static table) on the page with this column (they have no widget keys)."""
    for df in [*at.dataframe, *at.table]:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column on the page")


def _trust(url: str, name: str = "Trust A") -> int:
    store = Store(url)
    try:
        return services.create_trust(store, services.single_user(), name).id
    finally:
        store.close()


def test_every_page_renders_on_an_empty_store_without_error(app_db):
    for page in PAGES:
        at = _app(page)
        assert not at.error, (page, [e.value for e in at.error])


def test_import_shows_mapping_and_report_then_saves_the_round(app_db, corpora_dir):
    tid = _trust(app_db)
    data = (corpora_dir / "audit_rounds" / "trust_a_round2.xlsx").read_bytes()
    at = _app("import_round")
    at.file_uploader(key="upload_sheet_0").upload("trust_a_round2.xlsx", data).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    mapping = at.data_editor[0].value.set_index("Column")["Field"]  # fields in words, as the user reads them
    assert services.field_choices()[mapping["Tapering plan documented"]] == "weaning_plan"
    assert services.field_choices()[mapping["Duration (days)"]] == "days_supplied"
    assert services.field_choices()[mapping["Letter text"]] == "letter_text"
    assert any("warning" in w.value for w in at.warning)  # the validation report's summary
    issues = _frame(at, "Severity")
    assert {"Severity", "Row", "Column", "Message"} <= set(issues.columns)
    assert (issues["Severity"] == "warning").any()
    at.text_input(key="import_label").set_value("Round 2")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = Store(app_db)
    rounds = store.list_rounds(tid)
    assert [(r.label, r.n_letters) for r in rounds] == [("Round 2", 39)]
    assert rounds[0].period_start is not None and rounds[0].standards_version == 1
    store.close()
    assert any("Saved round Round 2 with 39 letters" in m.value for m in at.success)

    # the same file again under the same label: a message under the form, nothing saved, the import kept
    at.file_uploader(key="upload_sheet_1").upload("trust_a_round2.xlsx", data).run()
    # the same letters are already stored: the page says so and asks before saving them again
    assert any("already stored for this trust (Round 2 holds 39)" in w.value for w in at.warning)
    assert at.form_submit_button[0].disabled
    next(c for c in at.checkbox if "anyway" in c.label).check().run()
    at.text_input(key="import_label").set_value("Round 2")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert any("Round not saved" in e.value and "already has a round labelled" in e.value for e in at.error)
    assert at.data_editor  # the mapping is still on the page, ready for another label
    store = Store(app_db)
    assert [(r.label, r.n_letters) for r in store.list_rounds(tid)] == [("Round 2", 39)]
    store.close()

    # the letters and compliance tables hold what the services compute
    letters = _frame(_app("letters"), "Opioids")
    assert len(letters) == 39 and {"Letter", "Opioids", "OME mg/day", "OD-04"} <= set(letters.columns)
    assert letters["Opioids"].str.len().gt(0).sum() > 20
    comp = _frame(_app("compliance"), "95% CI").set_index("Standard")
    store = Store(app_db)
    expected = services.compliance(services.TrustScope.check(store, services.single_user(), tid), rounds[0].id).summary.set_index("Standard")
    store.close()
    assert comp.loc["OD-04", "Compliance %"] == expected.loc["OD-04", "Compliance %"]
    assert comp.loc["OD-04", "95% CI"] == expected.loc["OD-04", "95% CI"]


@pytest.mark.parametrize("name,content,message", [
    ("round.xlsx", b"this is not a workbook", "not a valid .xlsx"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b",,,\n,,,\n", "no data"),
    ("title_only.csv", b"Opioid audit 2026\n", "no header row"),
])
def test_a_wrong_file_shows_a_message_and_saves_nothing(app_db, name, content, message):
    tid = _trust(app_db)
    at = _app("import_round")
    at.file_uploader(key="upload_sheet_0").upload(name, content).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert not at.form_submit_button  # nothing to accept
    store = Store(app_db)
    assert store.list_rounds(tid) == []
    store.close()


def test_pasted_letters_become_a_round(app_db, dev_letters):
    tid = _trust(app_db)
    at = _app("import_round")
    at.radio(key="import_kind").set_value("Discharge letters (.txt or pasted)").run()
    pasted = "\n\n".join(l["text"] for l in dev_letters[:3])  # one after another, no separator
    at.text_area(key="paste_letters_0").set_value(pasted).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # no talk of a CSV or a mapping: each letter with what was found in it, before saving
    assert any(h.value == "1. Letters read" for h in at.subheader)
    assert not any("header on row" in c.value or "letters.csv" in c.value for c in at.caption)
    assert len(at.expander) >= 3 and all("discharged" in e.label for e in list(at.expander)[:3])
    at.text_input(key="import_label").set_value("Letters batch 1")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = Store(app_db)
    (rnd,) = store.list_rounds(tid)
    assert rnd.n_letters == 3 and rnd.period_start is not None  # dates taken from the letters
    assert all(l.text and l.record.get("discharge_date") for l in store.letters(rnd.id))
    store.close()


def test_trusts_page_creates_and_renames(app_db):
    at = _app("trusts")
    at.text_input[0].set_value("Northshire")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.session_state["trust_id"] is not None
    assert any(s.value == "Northshire" for s in at.subheader)
    assert any("Created trust Northshire" in m.value for m in at.success)  # a confirmation that stays
    rename = next(t for t in at.text_input if t.label == "Rename trust")
    rename.set_value("Northshire NHS FT")
    next(b for b in at.form_submit_button if b.label == "Rename").click().run()
    assert any(s.value == "Northshire NHS FT" for s in at.subheader)


def test_trusts_page_gives_and_removes_access(app_db):
    tid = _trust(app_db)
    at = _app("trusts")
    box = next(t for t in at.text_input if t.label.startswith("Give access to"))
    box.set_value("not an address")
    next(b for b in at.form_submit_button if b.label == "Give access").click().run()
    assert any("not an e-mail address" in e.value for e in at.error)
    box = next(t for t in at.text_input if t.label.startswith("Give access to"))
    box.set_value("Dan@A.nhs.uk")
    next(b for b in at.form_submit_button if b.label == "Give access").click().run()
    assert not at.exception and not at.error
    assert any("- dan@a.nhs.uk" in m.value for m in at.markdown)
    store = Store(app_db)
    try:
        assert store.users_of_trust(tid) == ["dan@a.nhs.uk"]
    finally:
        store.close()
    at.selectbox(key="revoke_who").set_value("dan@a.nhs.uk")
    at.button(key="revoke_access").click().run()
    assert any("Nobody has been given access yet." in m.value for m in at.markdown)


def test_signed_in_deployment_requires_sign_in(app_db, tmp_path):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "x", "client_secret": "x",
                          "server_metadata_url": "https://example.invalid/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert any(b.label == "Sign in" for b in at.button)
    assert not at.selectbox  # no trust picker, no data before sign-in
