"""The app driven the way pharmacists use it: in a real (headless) Chromium, against a running server.

One walk through: create a trust -> upload trust_a_round2.xlsx -> accept the mapping -> see
compliance -> add a PDSA cycle -> open a chart with the PDSA annotation -> correct one field of a
letter and see the score change -> download the Excel report and the slides. A screenshot of every step goes to
test-artifacts/screenshots/. Table contents (drawn on a canvas in the browser) are checked in
test_pages.py with AppTest.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from audit_app.cli.app_cmd import streamlit_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _need_browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"CI requires Debian's chromium at {CHROMIUM} (.ci/ensure-chromium.sh installs it)")
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("CI requires the playwright python package (dev extras)")
        pytest.skip("the playwright python package is not installed (pip install -e '.[dev]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(db_url: str, secret_file: Path, log: Path):
    """`streamlit run audit_app/ui/app.py` on a free port; yields the base URL."""
    port = _free_port()
    env = dict(os.environ, OPIOID_AUDIT_DB=db_url, OPIOID_AUDIT_SECRET_FILE=str(secret_file),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    cmd = streamlit_command("127.0.0.1", port)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


# -- small helpers over Streamlit's DOM ---------------------------------------------------------
def settle(page, timeout: float = 60_000) -> None:
    """Wait until the script run triggered by the last action has finished."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=timeout)
    page.wait_for_timeout(150)


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title if title != "Import" else "Import an audit round").wait_for()
    settle(page)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a st.selectbox by its label."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option[:12])
    page.get_by_role("option").filter(has_text=option).first.click()
    settle(page)


def set_date(page, label: str, day: str, month: str, year: str) -> None:
    """Type a date into a st.date_input (DD/MM/YYYY segments)."""
    page.get_by_role("spinbutton", name=f"day, {label}").click()
    page.keyboard.type(day + month + year)
    page.keyboard.press("Tab")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "the page shows a traceback"


# -- the walk-through ---------------------------------------------------------------------------
def _letter_to_correct(db_url: str):
    """A letter of the saved round whose OD-04 verdict changes when the auditor's weaning-plan
    answer is corrected to 'yes' (found with the same services the page calls)."""
    from audit_app import services
    from audit_app.store import Store

    store = Store(db_url)
    try:
        acc = services.single_user()
        trust = store.list_trusts()[0]
        rnd = store.list_rounds(trust.id)[0]
        _, cfg = services.current_standards(store, acc, trust.id, rnd.standards_version)
        for letter in store.letters(rnd.id):
            before = services._letter_outcome(letter.standard_results, "OD-04")
            rec = dict(letter.record, weaning_plan="yes")
            after = services._letter_outcome(services.score_letter(rec, letter.extraction, cfg, letter.text), "OD-04")
            if before != after and letter.record.get("weaning_plan") != "yes":
                return letter, before, after
    finally:
        store.close()
    raise AssertionError("no letter in the round whose OD-04 verdict depends on the weaning-plan answer")


def test_file_to_report_in_the_browser(tmp_path, corpora_dir):
    _need_browser()
    xlsx = corpora_dir / "audit_rounds" / "trust_a_round2.xlsx"
    db_url = f"sqlite:///{tmp_path / 'audit.db'}"
    t0 = time.monotonic()
    with running_app(db_url, tmp_path / "secret.key", tmp_path / "app.log") as url, browser_page() as page:
        # 1. create a trust
        page.goto(f"{url}/trusts")
        page.get_by_role("heading", name="Trusts and rounds").wait_for()
        settle(page)
        page.get_by_label("Trust name").fill("Trust A")
        page.get_by_role("button", name="Create trust").click()
        page.get_by_role("heading", name="Trust A").wait_for()
        settle(page)
        shot(page, "01_trust_created")

        # 2. upload the spreadsheet and look at the suggested mapping and the validation report
        go(page, "Import")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(xlsx))
        page.get_by_role("heading", name="1. Column mapping").wait_for(timeout=120_000)
        settle(page, 120_000)
        page.get_by_text("header on row 2, 39 rows read").wait_for()
        page.get_by_role("heading", name="2. Validation report").wait_for()
        no_exception(page)
        shot(page, "02_mapping_and_validation")

        # 3. accept the mapping: save the round
        page.get_by_label("Round label").fill("Round 2")
        page.get_by_role("button", name="Accept and save the round").click()
        page.get_by_text("Saved round Round 2 with 39 letters.").wait_for(timeout=120_000)
        settle(page)
        shot(page, "03_round_saved")

        # 4. compliance for the round
        page.get_by_role("link", name="See compliance for this round").click()
        page.get_by_role("heading", name="Compliance").first.wait_for()
        settle(page)
        page.get_by_text("Round Round 2: 39 letters").wait_for()
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        page.get_by_text("Show as a chart").click()
        page.locator(".js-plotly-plot").first.wait_for()
        settle(page)
        no_exception(page)
        shot(page, "04_compliance")

        # 5. a PDSA cycle linked to OD-04
        go(page, "PDSA log")
        page.get_by_label("Change idea being tested").fill("TTO template with a weaning-plan line")
        set_date(page, "Start date", "06", "01", "2025")
        page.get_by_label("Prediction", exact=True).fill("OD-04 compliance above 60% within two months")
        ms = page.get_by_label("Measures linked (the cycle appears on these charts)")
        ms.click()
        ms.fill("OD-04")
        page.get_by_role("option", name=re.compile(r"^OD-04 ")).first.click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Save cycle").click()
        settle(page)
        shot(page, "05_pdsa_cycle")
        page.get_by_text("Saved PDSA 1: TTO template with a weaning-plan line.").wait_for()
        no_exception(page)
        shot(page, "05_pdsa_cycle")

        # 6. a chart of OD-04 by month with the PDSA annotation, signals and icons; download PNG and CSV
        go(page, "Charts")
        choose(page, "Measure", "OD-04 Weaning / stopping plan")
        choose(page, "One point per", "month of discharge")
        choose(page, "Chart", "p-chart")
        plot = page.locator(".js-plotly-plot").first
        plot.wait_for()
        assert plot.locator("text", has_text="PDSA 1").count() >= 1, "the PDSA cycle is not drawn on the chart"
        page.get_by_role("heading", name="Signals").wait_for()
        page.get_by_text("Variation (Making Data Count)").wait_for()
        no_exception(page)
        shot(page, "06_chart_with_pdsa")
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download data (CSV)").click()
        csv_path = tmp_path / "chart.csv"
        dl.value.save_as(csv_path)
        assert "explanation" in csv_path.read_text().splitlines()[0]

        # 7. correct one field of a letter and see the score change
        letter, before, after = _letter_to_correct(db_url)
        pct_before = _compliance_pct(db_url, "OD-04")
        go(page, "Letters")
        label = str(letter.record.get("letter_id"))
        box = page.get_by_label("Open letter", exact=True)
        box.click()
        box.fill(f"{label} —")
        page.get_by_role("option").filter(has_text=re.compile(rf"^{re.escape(label)} —")).first.click()
        settle(page)
        page.locator(".letter-text").wait_for()
        choose(page, "Field", "Weaning / stopping plan documented (auditor)")
        page.get_by_label("New value").get_by_text("yes", exact=True).click()
        settle(page)
        page.get_by_label("Reason for the correction").fill("weaning plan is written in the GP actions")
        page.get_by_role("button", name="Save correction").click()
        msg = page.get_by_text(re.compile(r"Correction saved .* Scores changed: .*OD-04"))
        msg.wait_for()
        assert "OD-04" in msg.inner_text()
        page.get_by_text("Corrections to this letter").wait_for()
        no_exception(page)
        shot(page, "07_letter_corrected")
        pct_after = _compliance_pct(db_url, "OD-04")
        assert pct_after != pct_before, "the correction did not change the round's OD-04 score"
        go(page, "Compliance")
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        shot(page, "08_compliance_after_correction")

        # 8. the Excel report, then the slides for a QI meeting (measures: the PDSA cycle's, then median OME)
        go(page, "Report")
        xlsx_out = _build_and_download(page, "Build the report", "Download the Excel report", tmp_path)
        shot(page, "09_report")
        no_exception(page)
        pptx_out = _build_and_download(page, "Build the slides", "Download the slides", tmp_path)
        shot(page, "10_slides")
        no_exception(page)
    from openpyxl import load_workbook

    wb = load_workbook(xlsx_out)
    assert len(wb.sheetnames) >= 3
    import pptx

    deck = pptx.Presentation(str(pptx_out))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    # title, compliance, programme measures and safety flags, one slide per chosen measure (2), how to read
    assert pptx_out.suffix == ".pptx" and len(deck.slides) == 1 + 1 + 1 + 2 + 1, titles
    assert any(t.startswith("Programme measures") for t in titles), titles
    assert time.monotonic() - t0 < 240, "the browser walk-through should take a few minutes at most"


def _build_and_download(page, build: str, download: str, folder: Path) -> Path:
    """Click `build`, wait for the `download` button, save what it downloads into `folder`."""
    page.get_by_role("button", name=build).click()
    button = page.get_by_role("button", name=download)
    button.wait_for(timeout=120_000)
    with page.expect_download() as dl:
        button.click()
    out = folder / dl.value.suggested_filename
    dl.value.save_as(out)
    return out


def _compliance_pct(db_url: str, standard: str) -> str:
    from audit_app import services
    from audit_app.store import Store

    store = Store(db_url)
    try:
        acc = services.single_user()
        trust = store.list_trusts()[0]
        rnd = store.list_rounds(trust.id)[0]
        view = services.compliance(store, acc, trust.id, rnd.id)
        row = view.summary.set_index("Standard").loc[standard]
        return f"{row['Compliance %']} {row['n']}"
    finally:
        store.close()
