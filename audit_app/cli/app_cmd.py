"""`opioid-audit app`: start the Streamlit app on 127.0.0.1."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

UI_ENTRY = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def register(sub) -> None:
    p = sub.add_parser("app", help="start the Streamlit app on 127.0.0.1 (example trust loaded into an empty store)")
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    p.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--no-examples", action="store_true", help="do not load the example trust into an empty store")
    p.set_defaults(func=run)


def run(args) -> int:
    from audit_app.cli.common import open_store

    store = open_store(args)  # runs migrations before the first page is served
    if not args.no_examples:
        from audit_app.examples import load_example_audits_if_empty

        loaded = load_example_audits_if_empty(store)
        if loaded:
            print(f"Loaded the example trust: {loaded} audit round(s).")
    env = dict(os.environ)
    env["OPIOID_AUDIT_DB"] = store.url
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(UI_ENTRY),
        "--server.address", args.address,
        "--server.port", str(args.port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button on a trust laptop
    ]
    print(f"Serving on http://{args.address}:{args.port}  (store: {store.display_url})")
    return subprocess.call(cmd, env=env)
