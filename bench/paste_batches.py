"""Batches of single letters pasted together, and how well a splitter takes them apart.

Shared by bench/bench_paste_split.py (prints figures) and tests/audit/test_pasted_split.py (asserts rates
on a seeded sample). Every gold letter in tests/data is one letter, so a batch of them joined the way
people paste (blank lines, no blank line, form feeds, rows of dashes, Windows line endings, non-breaking
spaces) has a known answer. Nothing here prints or returns letter text: only counts.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
GOLD_FILES = ("discharge_letters_dev.jsonl", "discharge_letters_handwritten_dev.jsonl",
              "discharge_letters_heldout.jsonl", "discharge_letters_probe.jsonl")
# transcribed sample reports (no gold labels, each a single line of prose, no header or sign-off): used
# only to check that one report stays one, never to measure boundaries
REPORT_FILE = "mtsamples_opioid_notes.jsonl"

# how the letters of a batch are put together (see join)
STYLES = ("blank", "no_blank", "many_blank", "form_feed", "rule", "crlf", "nbsp", "squashed")


def load(files: Iterable[str] = GOLD_FILES) -> list[tuple[str, str]]:
    """(source file, letter text) of every letter in the files."""
    out = []
    for name in files:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append((name, json.loads(line)["text"]))
    return out


def _rule(rnd: random.Random) -> str:
    ch = rnd.choice("-_*=~")
    return ch * rnd.randint(3, 60) if rnd.random() < 0.8 else " ".join(ch * rnd.randint(3, 20))


def join(texts: list[str], style: str, rnd: random.Random) -> str:
    """The batch as a user would paste it."""
    texts = [t.strip("\n") for t in texts]
    if style == "blank":
        return "\n\n".join(texts)
    if style == "no_blank":
        return "\n".join(texts)
    if style == "many_blank":
        return "".join(t + "\n" * rnd.randint(3, 6) for t in texts)
    if style == "form_feed":
        return "".join(t + rnd.choice(["\f", "\n\f", "\n\f\n", "\n\n\f\n\n"]) for t in texts)
    if style == "rule":
        return "".join(t + rnd.choice(["\n", "\n\n"]) + _rule(rnd) + rnd.choice(["\n", "\n\n"]) for t in texts)
    if style == "crlf":
        return "\r\n\r\n".join(t.replace("\n", "\r\n") for t in texts)
    if style == "nbsp":  # pasted from a web page or Word: some spaces and blank lines are U+00A0
        def nb(t: str) -> str:
            return "".join("\xa0" if c == " " and rnd.random() < 0.4 else c for c in t)
        return "\n\xa0\n".join(nb(t) for t in texts)
    if style == "squashed":  # every blank line lost, inside the letters too
        return "\n".join(line for t in texts for line in t.splitlines() if line.strip())
    raise ValueError(f"unknown style {style!r}")


_EDGE_RULE = re.compile(r"^[-=_*~#\s]{3,}$")


def normal(text: str) -> list[str]:
    """A letter as compared: non-blank lines, stripped, U+00A0 as a space, no rule rows at its edges
    (a rule that separates two letters belongs to neither)."""
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    while lines and _EDGE_RULE.match(lines[0]):
        lines.pop(0)
    while lines and _EDGE_RULE.match(lines[-1]):
        lines.pop()
    return lines


@dataclass
class Batch:
    sources: list[str]
    letters: list[str]
    style: str
    text: str


def batches(letters: list[tuple[str, str]], n: int, *, seed: int, styles: Iterable[str] = ("blank",),
            sizes: tuple[int, int] = (2, 6)) -> list[Batch]:
    """n batches of sizes[0]..sizes[1] distinct letters drawn at random (seeded), each joined in a style."""
    rnd = random.Random(seed)
    styles = list(styles)
    out = []
    for _ in range(n):
        pick = rnd.sample(letters, rnd.randint(*sizes))
        style = rnd.choice(styles)
        out.append(Batch([s for s, _ in pick], [t for _, t in pick], style, join([t for _, t in pick], style, rnd)))
    return out


@dataclass
class Score:
    n: int = 0
    count_right: int = 0
    exact: int = 0
    boundaries: int = 0
    boundaries_right: int = 0

    def add(self, batch: Batch, parts: list[str]) -> None:
        want = [normal(t) for t in batch.letters]
        got = [normal(p) for p in parts]
        self.n += 1
        self.count_right += len(got) == len(want)
        self.exact += got == want
        # a boundary is right when the letters before it, joined, are exactly the parts before some cut
        cuts_want = _cuts(want)
        cuts_got = set(_cuts(got))
        self.boundaries += len(cuts_want)
        self.boundaries_right += sum(c in cuts_got for c in cuts_want)

    def line(self) -> str:
        pct = (lambda a, b: f"{100 * a / b:5.1f}%" if b else "   - ")
        return (f"{self.n:5d} batches  count right {self.count_right:5d} ({pct(self.count_right, self.n)})  "
                f"all boundaries exact {self.exact:5d} ({pct(self.exact, self.n)})  "
                f"boundaries found {self.boundaries_right}/{self.boundaries} ({pct(self.boundaries_right, self.boundaries)})")


def _cuts(parts: list[list[str]]) -> list[int]:
    """Line offsets (in the non-blank lines of the whole batch) where one letter ends and the next begins."""
    out, at = [], 0
    for p in parts[:-1]:
        at += len(p)
        out.append(at)
    return out


def evaluate(split: Callable[[str], list[str]], batch_list: list[Batch]) -> dict[str, Score]:
    """Scores overall ('all') and per style ('style blank', ...)."""
    scores: dict[str, Score] = {"all": Score()}
    for b in batch_list:
        parts = split(b.text)
        for k in ("all", f"style {b.style}"):
            scores.setdefault(k, Score()).add(b, parts)
    return scores
