"""`opioid-audit app`: start the Streamlit app on 127.0.0.1."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

UI_ENTRY = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def streamlit_command(address: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The one way the app is served (the CLI, the browser tests and the benchmark all use it)."""
    from audit_app.ingest.safety import max_upload_bytes

    return [
        sys.executable, "-m", "streamlit", "run", str(UI_ENTRY),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button on a trust laptop
        # An installed app, not a development session: no watching of source files (the watcher
        # walks every loaded module after each run) and no full garbage collection after each
        # run (0.1-0.2 s per click once spaCy and an import are in memory).
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--runner.postScriptGC", "false",
        # the upload widget states, and enforces, the import's own size cap (not Streamlit's 200 MB)
        "--server.maxUploadSize", str(max(1, math.ceil(max_upload_bytes() / (1024 * 1024)))),
    ]


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
    cmd = streamlit_command(args.address, args.port)
    print(f"Serving on http://{args.address}:{args.port}  (store: {store.display_url})")
    return subprocess.call(cmd, env=env)
