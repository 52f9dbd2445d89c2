"""Caps and cost of reading hostile or huge inputs: prints figures, asserts nothing.

Each case runs in a fresh Python process (so its peak memory is its own), through the same
calls the CLI makes (`importing.prepare_import`, then `importing.accept_import` for the 200,000-row
import), and prints wall time and peak RSS:

1. a 500 MB stream on a pipe (`/dev/stdin`): refused at the 20 MB cap, never read whole;
2. `/dev/zero`: refused at the cap;
3. a 1,000,000-row workbook: refused at the 200,000-row cap while streaming;
4. 16,384 columns x 400 rows: refused at the 500-column cap;
5. a 200,000-row audit workbook (no letter text): previewed and saved (embedded SQLite).

Targets (issue 14): refusals in seconds, every case under 1 GB. Run: `python bench/bench_caps.py`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r'''
import resource, sys, time
sys.path.insert(0, {repo!r})
from audit_app import importing as rounds
from audit_app.ingest import IngestError
t0 = time.perf_counter()
outcome = "read"
try:
    prepared = rounds.prepare_import({path!r}, {name!r}, extract=False)
    outcome = f"previewed {{len(prepared.records):,}} rows"
    if {save!r}:
        from audit_app.store import Store
        store = Store("sqlite:///" + {db!r})
        trust = store.create_trust("Bench")
        rounds.accept_import(store, prepared, trust_id=trust.id, label="R1")
        outcome += ", saved"
except IngestError as exc:
    outcome = "refused: " + str(exc)[:110]
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{dt:7.1f}} s  {{rss:7.0f}} MB  {{outcome}}")
'''


def run(case: str, path: str, name: str, *, stdin=None, save: bool = False, db: str = "") -> None:
    code = _CHILD.format(repo=str(REPO), path=path, name=name, save=save, db=db)
    proc = subprocess.run([sys.executable, "-c", code], stdin=stdin, capture_output=True, text=True)
    line = proc.stdout.strip() or f"failed: {proc.stderr.strip().splitlines()[-1:]}"
    print(f"{case:<44} {line}")


def main() -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from bigsheets import audit_rows, xlsx_bytes

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. a 500 MB stream through a pipe
        producer = subprocess.Popen(["head", "-c", str(500 * 1024 * 1024), "/dev/urandom"], stdout=subprocess.PIPE)
        run("500 MB on a pipe (/dev/stdin)", "/dev/stdin", "stream.csv", stdin=producer.stdout)
        producer.kill()
        producer.wait()
        run("/dev/zero", "/dev/zero", "zero.csv")
        t0 = time.perf_counter()
        big = tmp / "million.xlsx"
        big.write_bytes(xlsx_bytes(([i] for i in range(1_000_000))))
        print(f"(wrote a 1,000,000-row workbook, {big.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - t0:.0f} s)")
        run("1,000,000-row workbook", str(big), big.name)
        wide = tmp / "wide.xlsx"
        wide.write_bytes(xlsx_bytes([[1] * 16384 for r in range(400)]))
        run("16,384 columns x 400 rows", str(wide), wide.name)
        rows = tmp / "rows200k.xlsx"
        rows.write_bytes(xlsx_bytes(audit_rows(200_000)))
        run("200,000-row workbook: preview and save", str(rows), rows.name, save=True, db=str(tmp / "b.db"))


if __name__ == "__main__":
    os.environ.setdefault("OPIOID_AUDIT_SECRET_FILE", str(Path(tempfile.gettempdir()) / "bench-secret.key"))
    main()
