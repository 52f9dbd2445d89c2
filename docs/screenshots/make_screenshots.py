"""Regenerate the README screenshots (compliance.png, chart.png) from the three Trust A rounds.

    .venv/bin/python docs/screenshots/make_screenshots.py
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bench"))

import bench_app as b  # noqa: E402  (server and browser helpers)


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="shots_"))
    os.environ["OPIOID_AUDIT_SECRET_FILE"] = str(tmp / "secret.key")
    from audit_app import services
    from audit_app.store import Store

    url_db = f"sqlite:///{tmp / 'audit.db'}"
    store = Store(url_db)
    acc = services.single_user()
    trust = services.create_trust(store, acc, "Trust A (example)")
    rounds_dir = b.rounds_dir()
    for n in (1, 2, 3):
        f = rounds_dir / f"trust_a_round{n}.xlsx"
        prepared = services.prepare_upload(store, acc, trust.id, f.read_bytes(), f.name)
        services.save_import(store, acc, trust.id, prepared, label=f"Round {n}")
    services.save_pdsa(store, acc, trust.id, {
        "cycle_no": 1, "change_idea": "TTO template with a weaning-plan line", "date_start": dt.date(2025, 1, 6),
        "prediction": "OD-04 above 60% within two months", "act": "adapt", "measures_linked": ["OD-04"]})
    services.save_pdsa(store, acc, trust.id, {
        "cycle_no": 2, "change_idea": "TTO template v2 on all surgical wards", "date_start": dt.date(2025, 6, 2),
        "measures_linked": ["OD-04"]})
    store.close()
    from playwright.sync_api import sync_playwright

    with b.server(url_db, tmp / "secret.key") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=b.CHROMIUM, args=b.CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1250})
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_role("heading", name="Compliance").wait_for()
        page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
        b.settle(page)
        page.wait_for_timeout(800)
        page.screenshot(path=str(HERE / "compliance.png"))
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Charts", exact=True).click()
        page.get_by_role("heading", name="Charts").wait_for()
        b.settle(page)
        for label, option in (("Measure", "OD-04 Weaning / stopping plan"), ("One point per", "month of discharge"),
                              ("Chart", "p-chart")):
            box = page.get_by_label(label, exact=True)
            box.click()
            box.fill(option)
            page.get_by_role("option", name=option).first.click()
            b.settle(page)
        page.locator(".js-plotly-plot .scatterlayer").first.wait_for()
        page.wait_for_timeout(800)
        page.screenshot(path=str(HERE / "chart.png"))
        browser.close()
    print(f"wrote {HERE / 'compliance.png'} and {HERE / 'chart.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
