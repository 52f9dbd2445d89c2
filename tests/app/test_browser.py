"""The app driven the way pharmacists use it: in a real (headless) Chromium, against a running server.

One walk through: create a trust -> upload trust_a_round2.xlsx -> accept the mapping -> see
compliance -> add a PDSA cycle -> open a chart with the PDSA annotation -> correct one field of a
letter and see the score change -> download the Excel report and the slides. A screenshot of every step goes to
test-artifacts/screenshots/. Table contents (drawn on a canvas in the browser) are checked in
test_pages.py with AppTest.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import openpyxl
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


def upload_for_mapping(page, path) -> None:
    """Drop a file on the Import page and wait for its suggested mapping (reading and extraction may take a while)."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_role("heading", name="1. Column mapping").wait_for(timeout=120_000)
    settle(page, 120_000)


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
        _, cfg = services.current_standards(services.TrustScope.check(store, acc, trust.id), rnd.standards_version)
        for letter in store.letters(rnd.id):
            before = services.letter_outcome(letter.standard_results, "OD-04")
            rec = dict(letter.record, weaning_plan="yes")
            after = services.letter_outcome(services.score_letter(rec, letter.extraction, cfg, letter.text), "OD-04")
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
        upload_for_mapping(page, xlsx)
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
        view = services.compliance(services.TrustScope.check(store, acc, trust.id), rnd.id)
        row = view.summary.set_index("Standard").loc[standard]
        return f"{row['Compliance %']} {row['n']}"
    finally:
        store.close()


# -- a new user's quarter ----------------------------------------------------------------------
# A new user's quarter in a real (headless) Chromium, on a workbook laid out unlike the examples.
# 
# Create a trust and an empty round -> import the trust's own workbook into it (title row, merged
# group headings, its own headings, Y/N/?, Excel dates, a column nobody maps), switching off in the
# mapping grid a column the app mapped -> import next quarter's workbook with no mapping work (the
# switched-off column stays unused) -> correct a letter -> change a target and re-score the
# round -> chart a measure weekly with a PDSA cycle, download its data and read it back with the CLI
# -> download the Excel report and the slides by week and check what is in them. The test fails if
# the server log holds a traceback. With OPIOID_AUDIT_README_SHOTS=1 the run also rewrites the
# README screenshots (docs/screenshots/compliance.png, chart.png).
HEADINGS = ["Pt ref", "Date of d/c", "Opioid prescribed?", "Duration stated Y/N", "Weaning plan in letter?",
            "GP asked to review?", "Bed manager code", "TTO text"]
DRUGS = [("Oxycodone 5mg capsules", "5mg every 4 hours when required"),
         ("Morphine sulfate oral solution 10mg/5ml", "5-10mg four times a day when required"),
         ("Codeine phosphate 30mg tablets", "30-60mg four times a day when required"),
         ("Tramadol 50mg capsules", "50mg every 6 hours when required")]


def _letter(i: int, discharged: dt.date, wean: bool, gp: bool) -> str:
    drug, sig = DRUGS[i % len(DRUGS)]
    lines = [f"Discharge summary - Ward {7 + i % 3}", f"Discharged: {discharged:%d/%m/%Y}", "",
             "Medications on discharge:", f"- {drug} {sig}, supply 5 days (new this admission)"]
    if wean:
        lines += ["", "Plan: reduce the dose over 3 days and stop by day 5."]
    if gp:
        lines += ["", "GP: please review and do not add to repeat prescription."]
    return "\n".join(lines) + "\n"


def _workbook(path: Path, quarter: str, start: dt.date, n: int = 18) -> Path:
    """The trust's own layout: a title row, merged group headings over its own headings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"{quarter} audit"
    ws.append([f"Opioids on discharge – {quarter} (wards 7-9)"])
    ws.append(["Patient", None, "Answers", None, None, None, "Admin", "Letter"])
    ws.merge_cells("A2:B2")
    ws.merge_cells("C2:F2")
    ws.append(HEADINGS)
    for i in range(n):
        day = start + dt.timedelta(days=(i * 23) % 42)          # six weeks of discharges
        wean, gp = i % 3 != 0, i % 2 == 0
        ws.append([f"{quarter}-{i + 1:03d}", dt.datetime.combine(day, dt.time()), "Y",
                   ["Y", "N", "?"][i % 3], "Y" if wean else ("N" if i % 6 else None), "Y" if gp else "N",
                   f"BM{i % 4}", _letter(i, day, wean, gp)])
    wb.save(path)
    return path


def set_mapping_field(page, heading: str, field: str) -> None:
    """Give the column `heading` the field `field` in the Import page's mapping grid, as a keyboard
    user does: select the first row's cell, arrow across to Field and down to the column's row,
    Enter opens the list of fields, type to filter, pick the field. The grid is drawn on a canvas;
    its rows are in the sheet's column order (HEADINGS)."""
    canvas = page.locator('[data-testid="stDataFrame"]').first.locator('[data-testid="data-grid-canvas"]')
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 20, box["y"] + 36 + 17)  # the first row, under the 36 px header
    page.keyboard.press("ArrowRight")
    for _ in range(HEADINGS.index(heading)):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator('#portal [role="combobox"]').wait_for()
    page.keyboard.type(field)
    page.locator('#portal').get_by_role("option", name=field, exact=True).click()
    settle(page, 120_000)


def _store(db_url: str):
    from audit_app.store import Store

    return Store(db_url)


def test_a_new_users_quarter(tmp_path):
    _need_browser()
    from audit_app import services

    q3 = _workbook(tmp_path / "ward_audit_q3.xlsx", "Q3", dt.date(2025, 8, 4))
    q4 = _workbook(tmp_path / "ward_audit_q4.xlsx", "Q4", dt.date(2025, 11, 3))
    db_url = f"sqlite:///{tmp_path / 'audit.db'}"
    log = tmp_path / "app.log"
    readme_shots = os.environ.get("OPIOID_AUDIT_README_SHOTS") == "1"
    t0 = time.monotonic()
    with running_app(db_url, tmp_path / "secret.key", log) as url, browser_page() as page:
        # a trust, then an empty round for the quarter: each says it was created
        page.goto(f"{url}/trusts")
        page.get_by_role("heading", name="Trusts and rounds").wait_for()
        settle(page)
        page.get_by_label("Trust name").fill("Wyeford and District NHS Trust")
        page.get_by_role("button", name="Create trust").click()
        page.get_by_text("Created trust Wyeford and District NHS Trust").wait_for()
        settle(page)
        page.get_by_label("Round label").fill("Q3 2025")
        page.get_by_role("button", name="Create round").click()
        page.get_by_text("Created round Q3 2025").wait_for()
        settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "Wyeford and District NHS Trust" in sidebar.inner_text()  # the whole name, not cut
        shot(page, "q01_trust_and_round_created")

        # import the workbook: header found under the title and merged headings; it goes into the empty round
        go(page, "Import")
        upload_for_mapping(page, q3)
        page.get_by_text("header on row 3, 18 rows read").wait_for()
        page.get_by_text("Letters go into round Q3 2025.").wait_for()   # the selected empty round, by default
        assert page.get_by_text("must be fixed").count() == 0
        page.get_by_text("Not used: Bed manager code.").wait_for()      # nobody maps it
        # the app maps 'GP asked to review?' (a yes/no answer); this trust does not trust that column
        set_mapping_field(page, "GP asked to review?", "(not used)")
        page.get_by_text("Not used: GP asked to review?, Bed manager code.").wait_for()
        page.get_by_text("header on row 3, 18 rows read").wait_for()
        no_exception(page)
        shot(page, "q02_import_mapping")
        page.get_by_role("button", name="Accept and save the round").click()
        page.get_by_text("Saved round Q3 2025 with 18 letters.").wait_for(timeout=120_000)
        settle(page)

        store = _store(db_url)
        trust = store.list_trusts()[0]
        remembered = store.latest_column_mapping(trust.id)
        assert remembered["Duration stated Y/N"] == "duration_stated"     # a yes/no field, not days supplied
        assert remembered["GP asked to review?"] is None                   # switched off, and remembered so
        assert remembered["Bed manager code"] is None                      # left unmapped, and remembered so
        assert remembered["Weaning plan in letter?"] == "weaning_plan"     # the other columns as mapped
        assert [(r.label, r.n_letters) for r in store.list_rounds(trust.id)] == [("Q3 2025", 18)]
        q3_round = store.list_rounds(trust.id)[0]
        # the auditor's GP-action answers were not read: every letter's is unknown (the file has Y and N)
        assert {lt.record.get("gp_action") for lt in store.letters(q3_round.id)} == {"unknown"}
        store.close()

        # next quarter: the same layout needs no mapping work; the switched-off column stays off
        upload_for_mapping(page, q4)
        page.get_by_text("header on row 3, 18 rows read").wait_for()
        page.get_by_text("Not used: GP asked to review?, Bed manager code.").wait_for()
        page.get_by_label("Round label").fill("Q4 2025")
        page.get_by_role("button", name="Accept and save the round").click()
        page.get_by_text("Saved round Q4 2025 with 18 letters.").wait_for(timeout=120_000)
        settle(page)
        store = _store(db_url)
        rounds = store.list_rounds(trust.id)
        assert [(r.label, r.n_letters) for r in rounds] == [("Q3 2025", 18), ("Q4 2025", 18)]
        q4_round = rounds[-1]
        assert store.latest_column_mapping(trust.id) == remembered
        assert {lt.record.get("gp_action") for lt in store.letters(q4_round.id)} == {"unknown"}
        store.close()

        # correct a letter of Q4 (the current round): the weaning-plan answer, with a reason
        letter = _letter_whose_od04_moves(db_url, q4_round.id)
        go(page, "Letters")
        label = str(letter.record.get("letter_id"))
        box = page.get_by_label("Open letter", exact=True)
        box.click()
        box.fill(f"{label} —")
        page.get_by_role("option").filter(has_text=re.compile(rf"^{re.escape(label)} —")).first.click()
        settle(page)
        page.locator(".letter-text").wait_for()
        body = page.locator('[data-testid="stMain"]').inner_text()
        for code in ("ITEMS_UNKNOWN", "NO_OPIOID", "record.", "None"):
            assert code not in body, f"{code!r} on the Letters page"
        choose(page, "Field", "Weaning / stopping plan documented (auditor)")
        page.get_by_label("New value").get_by_text("yes", exact=True).click()
        settle(page)
        page.get_by_label("Reason for the correction").fill("weaning plan is in the plan section")
        page.get_by_role("button", name="Save correction").click()
        page.get_by_text(re.compile(r"Correction saved .* Scores changed: .*OD-04")).wait_for()
        no_exception(page)
        shot(page, "q03_letter_corrected")

        # change OD-04's target (a new standards version), then re-score Q4 with it from the Compliance page
        store = _store(db_url)
        acc = services.single_user()
        table = services.standards_table(services.TrustScope.check(store, acc, trust.id))
        table.loc[table["Standard"] == "OD-04", "Target %"] = 65.0
        v2 = services.save_standards(services.TrustScope.check(store, acc, trust.id), table)
        store.close()
        go(page, "Compliance")
        page.get_by_text(f"the current standards are version {v2}").wait_for()
        page.get_by_text(f"Show what re-scoring with version {v2} changes").click()
        settle(page)
        page.get_by_text("Target in version").first.wait_for()
        page.get_by_role("button", name=f"Re-score this round with version {v2}").click()
        page.get_by_text(f"re-scored with standards version {v2}").wait_for()
        settle(page)
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "NO_OPIOID" not in body and "LTOT" not in body
        no_exception(page)
        shot(page, "q04_compliance_rescored")
        if readme_shots:
            page.get_by_role("heading", name="Compliance").first.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            page.screenshot(path=str(REPO / "docs" / "screenshots" / "compliance.png"))
        store = _store(db_url)
        summary = services.compliance(services.TrustScope.check(store, acc, trust.id), q4_round.id).summary.set_index("Standard")
        assert summary.loc["OD-04", "Target"] == "65%"
        measures = services.measures(services.TrustScope.check(store, acc, trust.id), "week")
        assert float(measures[measures["measure_id"] == "OD-04"]["target"].iloc[0]) == 65.0
        store.close()

        # a PDSA cycle on OD-04, then OD-04 by week with the cycle on it; the CSV reads back through the CLI
        go(page, "PDSA log")
        page.get_by_label("Change idea being tested").fill("Weaning line in the TTO template")
        set_date(page, "Start date", "01", "11", "2025")
        ms = page.get_by_label("Measures linked (the cycle appears on these charts)")
        ms.click()
        ms.fill("OD-04")
        page.get_by_role("option", name=re.compile(r"^OD-04 ")).first.click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Save cycle").click()
        page.get_by_text("Saved PDSA 1: Weaning line in the TTO template.").wait_for()
        go(page, "Charts")
        choose(page, "Measure", "OD-04 Weaning / stopping plan")
        choose(page, "One point per", "week of discharge")
        plot = page.locator(".js-plotly-plot").first
        plot.wait_for()
        assert plot.locator("text", has_text="PDSA 1").count() >= 1, "the PDSA cycle is not drawn on the chart"
        assert plot.locator("text", has_text="target (65%)").count() >= 1, "the chart's target is not the round's"
        no_exception(page)
        shot(page, "q05_weekly_chart")
        if readme_shots:
            plot.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            page.screenshot(path=str(REPO / "docs" / "screenshots" / "chart.png"))
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download data (CSV)").click()
        csv_path = tmp_path / "od04_week.csv"
        dl.value.save_as(csv_path)

        # the Excel report and the slides, by week
        go(page, "Report")
        page.get_by_text("week of discharge", exact=True).click()
        settle(page)
        xlsx_out = _build_and_download(page, "Build the report", "Download the Excel report", tmp_path)
        pptx_out = _build_and_download(page, "Build the slides", "Download the slides", tmp_path)
        no_exception(page)
        shot(page, "q06_report_and_slides")

    _check_chart_csv(csv_path, tmp_path)
    _check_report(xlsx_out)
    _check_slides(pptx_out)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, f"the server log holds a traceback:\n{text[-4000:]}"
    assert time.monotonic() - t0 < 400


def _letter_whose_od04_moves(db_url: str, round_id: int):
    from audit_app import services

    store = _store(db_url)
    try:
        acc = services.single_user()
        rnd = store.get_round(round_id)
        trust_id = store.trust_of_round(round_id)
        _, cfg = services.current_standards(services.TrustScope.check(store, acc, trust_id), rnd.standards_version)
        for letter in store.letters(round_id):
            before = services.letter_outcome(letter.standard_results, "OD-04")
            rec = dict(letter.record, weaning_plan="yes")
            after = services.letter_outcome(services.score_letter(rec, letter.extraction, cfg, letter.text), "OD-04")
            if before != after:
                return letter
    finally:
        store.close()
    raise AssertionError("no letter whose OD-04 verdict depends on the weaning-plan answer")


def _check_chart_csv(path: Path, folder: Path) -> None:
    """The downloaded chart data says what its columns are and `opioid-audit chart` reads it back exactly."""
    import pandas as pd

    from audit_app.cli import main

    head = path.read_text().splitlines()[0].split(",")
    assert head[:4] == ["period", "numerator", "denominator", "proportion"] and "target" in head
    data = pd.read_csv(path)
    assert len(data) >= 6 and data["period"].str.startswith("w/c ").all()
    out = folder / "points.csv"
    assert main(["chart", str(path), "--chart", "p", "--out", str(out)]) == 0
    back = pd.read_csv(out)
    assert list(back["value"].round(6)) == list(data["proportion"].round(6))


def _check_report(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    charts = wb["Charts"]
    heading = str(charts["A1"].value)
    assert "week of discharge" in heading and "percentages" in heading
    if Path("/usr/bin/chromium").exists():
        assert charts._images, "no chart image in the report"
    summary = " ".join(str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value is not None)
    assert "OD-04" in summary and "Q4 2025" in summary


def _check_slides(path: Path) -> None:
    import pptx

    deck = pptx.Presentation(str(path))
    slides = list(deck.slides)
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides]
    assert "Q4 2025" in texts[0]
    assert any("OD-04" in t and "target 65%" in t for t in texts[1:2]), "slide 2 shows another target"
    assert any(t.startswith("OD-04") or "OD-04 " in t.splitlines()[0] for t in texts[2:-1])
    assert "week of discharge" in texts[-1]
