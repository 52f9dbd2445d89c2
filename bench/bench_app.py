"""Benchmark of the Streamlit app in headless Chromium (prints figures; not a timed test).

- first render: a new browser session opening the app (Compliance page of a round) until the
  compliance table and chart are on screen;
- upload to chart: upload a 1,000-row audit spreadsheet on the Import page (1 s after it has
  loaded, the time to pick a file), accept the suggested mapping, save the round, open Charts,
  until the run chart is drawn. The server has been warmed by one earlier visit.

Aims on a 2-core machine: first render < 2 s, upload to chart < 3 s.

    python bench/bench_app.py [--rows 1000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
USER_PICKS_FILE_MS = 1000
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def rounds_dir() -> Path:
    """The fictional audit workbooks the test suite uses (tests/data/README.md)."""
    return REPO / "tests" / "data" / "audit_rounds"


def big_workbook(rows: int) -> bytes:
    """`rows` audit rows made from trust_a_round2.xlsx (cycled, new ids, dates over a year)."""
    from openpyxl import Workbook, load_workbook

    src = load_workbook(rounds_dir() / "trust_a_round2.xlsx")
    ws = src.worksheets[0]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    header_i = next(i for i, r in enumerate(grid) if r and "ID" in [str(c).strip() for c in r if c is not None])
    header = grid[header_i]
    data = [r for r in grid[header_i + 1:] if r and isinstance(r[0], (int, float))]
    id_col = 0
    date_col = next(i for i, h in enumerate(header) if h and "date" in str(h).lower())
    out = Workbook()
    o = out.active
    o.title = "Audit"
    o.append(list(header))
    start = dt.date(2025, 1, 6)
    for k in range(rows):
        r = list(data[k % len(data)])
        r[id_col] = k + 1
        r[date_col] = start + dt.timedelta(days=(k * 365) // rows)
        o.append(r)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(db_url: str, secret: Path):
    port = free_port()
    env = dict(os.environ, OPIOID_AUDIT_DB=db_url, OPIOID_AUDIT_SECRET_FILE=str(secret))
    from audit_app.cli.app_cmd import streamlit_command

    proc = subprocess.Popen(streamlit_command("127.0.0.1", port), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def settle(page) -> None:
    page.wait_for_timeout(100)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=300_000)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"skipped: {CHROMIUM} not installed")
        return 0
    from playwright.sync_api import sync_playwright

    from audit_app import services
    from audit_app.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench_app_"))
    secret = tmp / "secret.key"
    os.environ["OPIOID_AUDIT_SECRET_FILE"] = str(secret)
    xlsx = tmp / f"audit_{args.rows}.xlsx"
    xlsx.write_bytes(big_workbook(args.rows))
    first, upload = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # one browser context: like a user's browser, it keeps Streamlit's static files cached
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        for i in range(args.repeat):
            db_url = f"sqlite:///{tmp / f'bench_{i}.db'}"
            store = Store(db_url)
            services.create_trust(store, services.single_user(), "Bench Trust")
            store.close()
            with server(db_url, secret) as url:
                # warm the server process once (imports), as a user's second visit would find it
                warm = ctx.new_page()
                warm.goto(url)
                warm.get_by_role("heading", name="Compliance").wait_for(timeout=120_000)
                warm.close()
                # and let its background warm-up (extractor, openpyxl, plotly: ~1.5 s) finish, as on a
                # server that has been up for a while; a first import right after start waits for it
                time.sleep(4)

                page = ctx.new_page()
                page.set_default_timeout(300_000)
                page.goto(f"{url}/import_round")
                page.get_by_role("heading", name="Import an audit round").wait_for()
                settle(page)
                # A user takes a moment in the file dialog: the upload starts 1 s after the page has
                # drawn the chart it preloads (plotly.js compiles in the browser meanwhile; uploading
                # the moment the page appears adds ~0.5 s to the first step and saves ~0.9 s on the chart).
                page.locator(".st-key-plotly_preload .js-plotly-plot").wait_for(state="attached")
                page.wait_for_timeout(USER_PICKS_FILE_MS)
                t0 = time.perf_counter()
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(xlsx))
                page.get_by_role("button", name="Accept and save the round").wait_for()
                settle(page)
                t_prepared = time.perf_counter()
                page.get_by_role("button", name="Accept and save the round").click()
                page.get_by_text("Saved round").wait_for()
                settle(page)
                t_saved = time.perf_counter()
                page.locator('[data-testid="stSidebarNav"]').get_by_text("Charts", exact=True).click()
                page.locator(".js-plotly-plot .scatterlayer").first.wait_for()
                t_chart = time.perf_counter()  # the chart is on screen
                settle(page)
                upload.append((t_chart - t0, t_prepared - t0, t_saved - t_prepared, t_chart - t_saved))
                page.close()

                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                page.get_by_role("heading", name="Compliance").wait_for()
                page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
                settle(page)
                t_first = time.perf_counter() - t0
                page.close()
                page = ctx.new_page()  # another user opening the app: the round's figures are cached
                t0 = time.perf_counter()
                page.goto(url)
                page.get_by_role("heading", name="Compliance").wait_for()
                page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
                settle(page)
                first.append((t_first, time.perf_counter() - t0))
                page.close()
        browser.close()
    f = statistics.median(x[1] for x in first)
    f_cold = statistics.median(x[0] for x in first)
    u = statistics.median(x[0] for x in upload)
    print(f"rows: {args.rows}, repeats: {args.repeat}, cpus: {os.cpu_count()}")
    print(f"first render (Compliance page, new session, figures cached): median {f:.2f} s  "
          f"[{', '.join(f'{x[1]:.2f}' for x in first)}]  aim < 2 s: {'ok' if f < 2 else 'MISSED'}")
    print(f"first render right after an import (figures computed for the 1,000 letters): median {f_cold:.2f} s  "
          f"[{', '.join(f'{x[0]:.2f}' for x in first)}]")
    print(f"upload to chart ({args.rows} rows): median {u:.2f} s  [{', '.join(f'{x[0]:.2f}' for x in upload)}]"
          f"  aim < 3 s: {'ok' if u < 3 else 'MISSED'}")
    mid = sorted(upload)[len(upload) // 2]
    print(f"  of which: read+map+validate+extract {mid[1]:.2f} s, score+save {mid[2]:.2f} s, open chart {mid[3]:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
