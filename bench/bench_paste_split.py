"""Pasted-letter splitting: how often a paste of 2-6 letters comes apart into the right letters.

Batches of single gold letters (tests/data, all four gold files, held-out and probe included) are joined as people
paste them (bench/paste_batches.py: blank lines, no blank line, form feeds, rows of dashes, CRLF,
non-breaking spaces, every blank line lost) and split again with audit_app.pasted.split_letters.
Prints, per join style and per source file, how many batches get the right number of letters and how
many get every boundary exactly right; also how many single transcribed reports (mtsamples) stay one.
Prints figures only, never letter text. Run: `python bench/bench_paste_split.py [--batches 400] [--seed 7]`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import paste_batches as pb  # noqa: E402


def splitter(name: str):
    if name == "services":  # whatever the Import page calls
        from audit_app.services.importing import split_pasted_letters
        return split_pasted_letters
    from audit_app.pasted import split_letters
    return split_letters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=400, help="batches per line of figures")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--splitter", choices=["pasted", "services"], default="pasted")
    args = ap.parse_args()
    split = splitter(args.splitter)
    letters = pb.load()

    print(f"{len(letters)} gold letters from {len(pb.GOLD_FILES)} files; batches of 2-6 letters, seed {args.seed}")
    t0 = time.perf_counter()
    # the figure: 5 letters at a time separated by a blank line
    print("5 letters, blank line between   ", pb.evaluate(split, pb.batches(
        letters, 40, seed=args.seed, sizes=(5, 5)))["all"].line())
    for name in pb.GOLD_FILES:  # one trust pastes letters of one template
        own = [x for x in letters if x[0] == name]
        print(f"{name:41s}", pb.evaluate(split, pb.batches(own, args.batches, seed=args.seed))["all"].line())
    scores = pb.evaluate(split, pb.batches(letters, args.batches * len(pb.STYLES), seed=args.seed,
                                           styles=pb.STYLES))
    for key in ["all"] + [f"style {s}" for s in pb.STYLES]:
        label = "all files, all styles" if key == "all" else f"  {key}"
        print(f"{label:32s}", scores[key].line())
    whole = "\n\n".join(t for _, t in letters)  # every gold letter in one paste
    t1 = time.perf_counter()
    n = len(split(whole))
    print(f"all {len(letters)} letters in one paste ({len(whole) / 1e3:.0f} kB): {n} found in "
          f"{time.perf_counter() - t1:.2f} s")
    reports = pb.load([pb.REPORT_FILE])
    one = sum(len(split(t)) == 1 for _, t in reports)
    print(f"single transcribed reports kept whole: {one}/{len(reports)}")
    print(f"time: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
