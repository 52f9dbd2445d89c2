"""The Network page in a real (headless) Chromium against a running server.

Sign-in is simulated with the access layer's test hook (OPIOID_AUDIT_TEST_SIGNED_IN_AS: every
visitor is that e-mail address; an OIDC provider is impractical here). One server per user:
a network lead sees the OD-04 funnel with the outlying trust named, downloads the collated report
and a trust's feedback page; a member trust's user sees their own trust named and the others
anonymised; a user of another network sees none of it. The lead also takes a trust out of the
network (confirming first).
"""
from __future__ import annotations

import zipfile

import pytest

from audit_app.services.scope import TEST_SIGN_IN_ENV
from audit_app.store import Store
from tests.app.test_browser import (_build_and_download, _need_browser, browser_page, choose, no_exception,
                                    running_app, settle, shot)
from tests.network.conftest import LEAD, MARKER, MEMBER, OUTSIDER, TRUSTS, build_network

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def network_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'network.db'}"
    store = Store(url)
    build_network(store, letters=40)
    store.close()
    return url


def _open_network(page, url: str) -> None:
    page.goto(f"{url}/network")
    page.get_by_role("heading", name="Network").first.wait_for()
    settle(page)


def _visible_text(page) -> str:
    """The page's text plus the text drawn in the plotly SVGs (the league table is a canvas)."""
    svg = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot text'))"
                        ".map(t => t.textContent || '').join(' ')")
    return page.inner_text("body") + " " + svg


def _xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_lead_member_and_outsider(network_db, tmp_path, monkeypatch):
    _need_browser()
    # 1. the network lead
    monkeypatch.setenv(TEST_SIGN_IN_ENV, LEAD)
    with running_app(network_db, tmp_path / "secret.key", tmp_path / "lead.log") as url, browser_page() as page:
        _open_network(page, url)
        page.get_by_text(f"Signed in as {LEAD}").wait_for()
        funnel = page.locator(".js-plotly-plot").first
        funnel.wait_for()
        assert funnel.locator("text", has_text="Low Vale").count() >= 1, "the outlying trust is not named on the funnel"
        page.get_by_text("Low Vale (").first.wait_for()
        assert "below the 99.8% limit" in page.inner_text("body")
        page.get_by_text("Empty Fields: no eligible letters").first.wait_for()
        no_exception(page)
        shot(page, "network_01_lead_funnel")
        report = _build_and_download(page, "Build the collated report", "Download the collated report (Excel)", tmp_path)
        slides_button = page.get_by_role("button", name="Download the slides")
        with page.expect_download() as dl:
            slides_button.click()
        slides = tmp_path / dl.value.suggested_filename
        dl.value.save_as(slides)
        feedback = _build_and_download(page, "Build the feedback page", "Download Northgate's feedback (slides)",
                                       tmp_path)
        no_exception(page)
        shot(page, "network_02_lead_downloads")
        # the lead takes a trust out of the network, confirming first
        page.get_by_text("Trusts in North network").click()
        page.get_by_label("Remove a trust", exact=True).wait_for()
        settle(page)
        choose(page, "Remove a trust", "Eastbrook")
        page.get_by_role("button", name="Remove…").click()
        settle(page)
        page.get_by_text("Remove Eastbrook from North network?").wait_for()
        page.get_by_role("button", name="Yes, remove Eastbrook").click()
        settle(page)
        page.get_by_text("Eastbrook removed from North network").wait_for()
        page.get_by_text("4 trusts.").first.wait_for()
        no_exception(page)
        shot(page, "network_02b_lead_removed_a_trust")
    store = Store(network_db)
    members = {t.name for t in store.list_trusts(store.find_network("North network").trust_ids)}
    store.close()
    assert members == set(TRUSTS) - {"Eastbrook"}
    import openpyxl

    wb = openpyxl.load_workbook(report)
    assert {"League tables", "Funnels", "Trends", "Feedback Low Vale"} <= set(wb.sheetnames)
    deck = _xml(slides)
    assert "Low Vale" in deck and MARKER not in deck
    fb = _xml(feedback)
    assert "Feedback for Northgate" in fb and "Low Vale" not in fb and MARKER not in fb

    # 2. a user of a member trust: own trust named, the others anonymised
    monkeypatch.setenv(TEST_SIGN_IN_ENV, MEMBER)
    with running_app(network_db, tmp_path / "secret.key", tmp_path / "member.log") as url, browser_page() as page:
        _open_network(page, url)
        page.locator(".js-plotly-plot").first.wait_for()
        settle(page)
        text = _visible_text(page)
        assert "Northgate" in text and "Trust C" in text
        for other in TRUSTS[1:]:
            assert other not in text, f"{other} is named to another trust's user"
        no_exception(page)
        shot(page, "network_03_member_anonymised")

    # 3. a user of another network: none of it
    monkeypatch.setenv(TEST_SIGN_IN_ENV, OUTSIDER)
    with running_app(network_db, tmp_path / "secret.key", tmp_path / "outsider.log") as url, browser_page() as page:
        _open_network(page, url)
        page.locator(".js-plotly-plot").first.wait_for()
        settle(page)
        text = _visible_text(page)
        assert "Far Away" in text   # their own network's trust
        for other in TRUSTS + ["North network", "Trust C"]:
            assert other not in text, f"{other} is shown to a user of another network"
        no_exception(page)
        shot(page, "network_04_outsider")
