"""The Network page through streamlit.testing.v1.AppTest (single user, and a signed-in member
through the test sign-in hook)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit_app.services.scope import TEST_SIGN_IN_ENV
from audit_app.store import Store
from tests.network.conftest import MEMBER, OUTSIDER, build_network

APP = str(Path(__file__).resolve().parents[2] / "audit_app" / "ui" / "app.py")


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("OPIOID_AUDIT_DB", url)
    store = Store(url)
    ids = build_network(store, letters=30)
    store.close()
    from audit_app.ui import common

    common.clear_caches()
    yield ids
    common.clear_caches()


def _network_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("views/network.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_single_user_sees_every_trust_and_the_outlier(app_db):
    at = _network_page()
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="network_id").options[0] == "All trusts"
    at.selectbox(key="network_id").set_value(app_db["network_id"]).run()
    text = _markdown(at)
    assert "Low Vale" in text and "below the 99.8% limit" in text
    league = next(df.value for df in at.dataframe if "funnel position" in df.value.columns)
    assert league["trust"].iloc[0] == "Low Vale"
    at.selectbox(key="network_od").select("additive").run()
    assert any("tau" in c.value for c in at.caption)


def test_member_sees_own_name_only(app_db, monkeypatch):
    monkeypatch.setenv(TEST_SIGN_IN_ENV, MEMBER)
    at = _network_page()
    text = _markdown(at) + " ".join(df.value.to_string() for df in at.dataframe)
    assert "Northgate" in text and "Trust C" in text
    assert "Low Vale" not in text and "Southmoor" not in text


def test_other_network_user_sees_none(app_db, monkeypatch):
    monkeypatch.setenv(TEST_SIGN_IN_ENV, OUTSIDER)
    at = _network_page()
    assert at.selectbox(key="network_id").options == ["Far network"]
    text = _markdown(at) + " ".join(df.value.to_string() for df in at.dataframe)
    for name in ("Northgate", "Low Vale", "Trust C"):
        assert name not in text


def test_a_median_measure_has_no_funnel_but_a_league_table(app_db):
    at = _network_page()
    at.selectbox(key="network_id").set_value(app_db["network_id"]).run()
    at.selectbox(key="network_standard").set_value("median_ome").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("not a proportion" in i.value for i in at.info)
    league = next(df.value for df in at.dataframe if "value" in df.value.columns)
    assert set(league["trust"]) == {"Northgate", "Southmoor", "Low Vale", "Eastbrook", "Empty Fields"}


def test_single_user_removes_a_trust_after_confirming(app_db):
    at = _network_page()
    at.selectbox(key="network_id").set_value(app_db["network_id"]).run()
    at.selectbox(key="network_remove_trust").set_value(app_db["trusts"]["Eastbrook"]).run()
    at.button(key="network_remove_button").click().run()
    assert any("Remove Eastbrook from North network?" in w.value for w in at.warning)
    at.button(key="network_member_cancel").click().run()       # cancelled: nothing changes
    assert not at.warning and len(at.selectbox(key="network_remove_trust").options) == 5
    at.selectbox(key="network_remove_trust").set_value(app_db["trusts"]["Eastbrook"]).run()
    at.button(key="network_remove_button").click().run()
    at.button(key="network_member_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Eastbrook removed from North network" in s.value for s in at.success), ([e.value for e in at.error], [w.value for w in at.warning], [s.value for s in at.success])
    store = Store(os.environ["OPIOID_AUDIT_DB"])
    members = {t.name for t in store.list_trusts(store.get_network(app_db["network_id"]).trust_ids)}
    store.close()
    assert "Eastbrook" not in members and "Northgate" in members
