"""Import benchmark: prints figures, asserts nothing.

1. a generated 1,000-row audit spreadsheet (xlsx, title rows, messy values, no letter text):
   read + normalise + validate, score the standards, save the round (embedded SQLite);
2. a generated 10,000-letter round (csv with full letter text from the dev corpus, or the
   example letters): read + normalise + extraction (nlp.extract_many, 2 processes) + second
   reader, then scoring and saving.

Targets (issue "Audit engine"): 1,000 rows import+score < 3 s; 10,000 letters with extraction
< 30 s on 2 cores. Run: `python bench/bench_import.py [--rows 1000] [--letters 10000] [--no-save]`.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from audit_app import importing  # noqa: E402

YN = ["Y", "N", "Yes", "no", "y", "YES", "n/a", "N/A", "-", "?", "unclear", None]
DAYS = [7, 14, "7 days", "5/7", "2/52", "own supply", "not stated", 3, 28, None, "10 days", "4/52"]
DRUGS = ["oxycodone 5mg prn", "OxyContin 10mg; OxyNorm 5mg prn", "codeine 30-60mg prn", "tramadol 50mg",
         "Zomorph 30mg & morphine 5mg prn", "BuTrans 10 mcg/h patch", "-", "n/a", "dihydrocodeine 30mg"]
SPECS = ["General Surgery", "Orthopaedics", "Acute Medicine", "Elderly Care", "Respiratory", "Urology"]


def make_xlsx(n: int, seed: int = 1) -> bytes:
    import openpyxl

    rnd = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Audit data"
    ws.append(["Trust B - opioid discharge audit (generated for the benchmark)"])
    ws.merge_cells("A1:L1")
    ws.append(["Data collected by ward pharmacists"])
    ws.append(["Audit ID", "Hosp No", "Ward", "Date of discharge", "Specialty", "Opioid prescribed?", "Drug(s)",
               "Weaning plan", "Days supplied", "GP informed?", "Indication documented", "Comments"])
    for i in range(1, n + 1):
        d = f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.choice([2024, 2025])}"
        ws.append([f"B-{i:05d}", f"H{rnd.randint(100000, 999999)}", f"Ward {rnd.randint(1, 30)}", d,
                   rnd.choice(SPECS), rnd.choice(YN[:7]), rnd.choice(DRUGS), rnd.choice(YN), rnd.choice(DAYS),
                   rnd.choice(YN), rnd.choice(YN), rnd.choice(["", "see letter", "TTO amended"])])
        if i % 250 == 0:
            ws.append([f"--- block {i // 250} ---"])
    ws.append([])
    ws.append([f"Total audited: {n}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def letter_texts() -> list[str]:
    """The gold dev letters of the test data (tests/data/README.md)."""
    with open(REPO / "tests" / "data" / "discharge_letters_dev.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def make_letters_csv(n: int, seed: int = 2) -> bytes:
    rnd = random.Random(seed)
    texts = letter_texts()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Audit ID", "Date of discharge", "Opioid?", "Drug(s)", "Weaning plan", "Days supplied",
                "GP informed?", "Letter text"])
    for i in range(1, n + 1):
        w.writerow([f"L-{i:05d}", f"{rnd.randint(1, 28)}/{rnd.randint(1, 12)}/2025", rnd.choice(YN[:7]),
                    rnd.choice(DRUGS), rnd.choice(YN), rnd.choice(DAYS), rnd.choice(YN), rnd.choice(texts)])
    return out.getvalue().encode("utf-8")


def fmt(t: dict) -> str:
    return "  ".join(f"{k} {v:.2f}s" for k, v in t.items())


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (extraction workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_case(name: str, data: bytes, filename: str, store, *, extract: bool, n_process: int | None, save: bool):
    t0, c0 = time.perf_counter(), cpu_seconds()
    prepared = importing.prepare_import(data, filename, extract=extract, n_process=n_process, max_bytes=len(data) + 1)
    t_prep, c_prep = time.perf_counter() - t0, cpu_seconds() - c0
    print(f"{name}: {len(prepared.records)} letters, {len(prepared.report.errors)} errors, "
          f"{len(prepared.report.warnings)} warnings; prepare {t_prep:.2f}s wall, {c_prep:.2f}s CPU "
          f"({fmt(prepared.timings)})")
    print(f"  load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (wall times are only meaningful "
          "on an idle machine)")
    if save:
        trust = store.create_trust(f"bench {name} {time.time()}")
        t1 = time.perf_counter()
        importing.accept_import(store, prepared, trust_id=trust.id, label="bench")
        t_acc = time.perf_counter() - t1
        print(f"  accept {t_acc:.2f}s (score {prepared.timings['score']:.2f}s, save {prepared.timings['save']:.2f}s)"
              f"; import+score without the store save: {t_prep + prepared.timings['score']:.2f}s"
              f"; total {t_prep + t_acc:.2f}s")
    else:
        from audit_app.standards import default_config

        t1 = time.perf_counter()
        list(importing.score_records(prepared, default_config()))
        t_sc = time.perf_counter() - t1
        print(f"  score {t_sc:.2f}s; import+score {t_prep + t_sc:.2f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--letters", type=int, default=10000)
    ap.add_argument("--n-process", type=int, default=None, help="extraction processes (default: auto)")
    ap.add_argument("--no-save", action="store_true", help="skip the store (measure ingest + scoring only)")
    args = ap.parse_args()
    from audit_app.store import Store

    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        store = None if args.no_save else Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t = time.perf_counter()
        xlsx = make_xlsx(args.rows)
        print(f"generated {args.rows}-row xlsx ({len(xlsx) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f}s")
        run_case(f"{args.rows}-row spreadsheet", xlsx, "bench_rows.xlsx", store, extract=False, n_process=None,
                 save=not args.no_save)
        if args.letters:
            # warm the spaCy pipeline once, as the app does on its first import
            t = time.perf_counter()
            importing.run_extraction(["warm up"])
            print(f"extractor load {time.perf_counter() - t:.2f}s")
            data = make_letters_csv(args.letters)
            print(f"generated {args.letters}-letter csv ({len(data) / 1e6:.1f} MB)")
            run_case(f"{args.letters}-letter round", data, "bench_letters.csv", store, extract=True,
                     n_process=args.n_process, save=not args.no_save)
        if store is not None:
            store.close()


if __name__ == "__main__":
    main()
