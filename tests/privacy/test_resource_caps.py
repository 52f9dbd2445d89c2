"""Inputs of any size are refused past the caps, whatever the source, without being read whole:
a pipe, /dev/zero, too many rows or columns. Figures for the full-size cases are in
bench/bench_caps.py; the bounds asserted here are loose on purpose (a shared CI machine)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audit_app import importing as rounds
from audit_app.ingest import IngestError, readers

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bigsheets", REPO / "bench" / "bigsheets.py")
bigsheets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bigsheets)


def _cli(*argv, stdin=None, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "audit_app.cli", *argv], stdin=stdin, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_a_stream_on_a_pipe_is_refused_at_the_cap(tmp_path):
    producer = subprocess.Popen(["head", "-c", str(40 * 1024 * 1024), "/dev/zero"], stdout=subprocess.PIPE)
    try:
        t0 = time.perf_counter()
        proc = _cli("--db", f"sqlite:///{tmp_path / 's.db'}", "import", "/dev/stdin", "--max-mb", "5",
                    stdin=producer.stdout)
        elapsed = time.perf_counter() - t0
    finally:
        producer.kill()
        producer.wait()
    assert proc.returncode == 2, proc.stderr
    assert "over the 5.0 MB limit" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert elapsed < 60


def test_dev_zero_is_refused_without_reading_it_whole():
    t0 = time.perf_counter()
    with pytest.raises(IngestError, match="over the 2.0 MB limit"):
        rounds.prepare_import("/dev/zero", "zero.csv", max_bytes=2 * 1024 * 1024, extract=False)
    assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize("rows, columns, message", [
    (3_000, 3, "more than 1,000 rows"),
    (50, 80, "beyond the limit of 60 columns"),
])
def test_sheets_past_the_row_or_column_cap_are_refused(monkeypatch, rows, columns, message):
    monkeypatch.setenv("OPIOID_AUDIT_MAX_ROWS", "1000")
    monkeypatch.setenv("OPIOID_AUDIT_MAX_COLUMNS", "60")
    data = bigsheets.xlsx_bytes([[f"h{c}" for c in range(columns)]] + [[r] * columns for r in range(rows)])
    with pytest.raises(IngestError, match=message):
        readers.read_raw(data, "big.xlsx")
    csv_data = "\n".join(",".join(str(v) for v in ([f"h{c}" for c in range(columns)] if r == 0 else [r] * columns))
                         for r in range(rows + 1)).encode()
    with pytest.raises(IngestError, match=message.replace("beyond the limit of 60", "more than 60")
                       if columns > 60 else message):
        readers.read_raw(csv_data, "big.csv")


def test_empty_styled_cells_far_right_or_below_do_not_count(monkeypatch):
    """Formatting reaching column XFD or row 1,048,576 (a cell with a style and no value) is not data."""
    monkeypatch.setenv("OPIOID_AUDIT_MAX_COLUMNS", "60")
    data = bigsheets.xlsx_bytes(bigsheets.audit_rows(5))
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            body = src.read(item)
            if item.filename.endswith("sheet1.xml"):
                body = body.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')
            zf.writestr(item, body)
    raw = readers.read_raw(out.getvalue(), "styled.xlsx")
    assert len([r for r in raw.cells if any(v is not None for v in r)]) == 6


def test_a_large_import_keeps_memory_bounded(tmp_path):
    """A 5,000-row workbook previewed and saved in a fresh process stays far under 1 GB (the
    200,000-row figure is measured by bench/bench_caps.py)."""
    path = tmp_path / "rows.xlsx"
    path.write_bytes(bigsheets.xlsx_bytes(bigsheets.audit_rows(5_000)))
    code = (
        "import resource, sys\n"
        "from audit_app import importing as rounds\nfrom audit_app.store import Store\n"
        f"p = rounds.prepare_import({str(path)!r}, 'rows.xlsx', extract=False)\n"
        f"s = Store('sqlite:///{tmp_path / 'm.db'}')\nt = s.create_trust('M')\n"
        "rounds.accept_import(s, p, trust_id=t.id, label='R1')\n"
        # VmHWM is this process's own peak: ru_maxrss would carry the (large) pytest parent's peak
        # across fork+exec on Linux
        "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) // 1024)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.strip().splitlines()[-1]) < 600
