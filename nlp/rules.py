"""The one loader of the rule tables shipped in ``nlp/data`` (JSON and CSV records).

Every component reads its phrases, headings and vocabularies through here, so adding a phrase is one
row in a data file and never a regex in code. Files are read once per process.
"""
from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(name: str) -> Path:
    path = DATA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"nlp rule file missing: {path}")
    return path


@lru_cache(maxsize=None)
def json_rules(name: str) -> dict:
    """A JSON rule file of nlp/data (cached; treat the result as read-only)."""
    with data_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=None)
def csv_records(name: str) -> tuple[dict, ...]:
    """The rows of a CSV rule file of nlp/data as dicts (cached; lines starting with '#' are comments)."""
    with data_path(name).open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return tuple(rows)


# --------------------------------------------------------------------------------------------------------------
# Case-insensitive scanning of big word lists. Python's regex engine runs a case-insensitive alternation of
# hundreds of words about four times slower than the same alternation on lower-cased text, and word lists
# (lexicon names, plan/GP keywords) are scanned over every letter: they run on the folded text instead.
# --------------------------------------------------------------------------------------------------------------
# characters that re.IGNORECASE equates with an ASCII letter but str.lower() leaves alone
_FOLD_EXTRA = str.maketrans({"ſ": "s", "ı": "i"})
_last_fold: tuple[str, str | None] = ("", "")


def fold_case(text: str) -> str | None:
    """``text`` lower-cased the way re.IGNORECASE compares ASCII letters, at the same offsets; None when
    lower-casing would move offsets (e.g. "İ" lower-cases to two characters). The last answer is kept:
    several scanners read the same letter in turn."""
    global _last_fold
    if _last_fold[0] is text:
        return _last_fold[1]
    folded = text.lower()
    if len(folded) != len(text):
        folded = None
    elif not folded.isascii():
        folded = folded.translate(_FOLD_EXTRA)
    _last_fold = (text, folded)
    return folded


class WordListPattern:
    """A case-insensitive regex over ASCII words with ASCII-letter boundaries (``(?<![A-Za-z])``), run on the
    folded text. ``finditer`` answers the same offsets as the case-insensitive regex on the original text
    (which it falls back to when folding would move offsets); read matched text from the original by offset."""

    def __init__(self, body: str, end_boundary: bool = False):
        """``body``: the alternation (lower-case literals); ``end_boundary`` adds ``(?![A-Za-z])``. A body with
        characters other than ASCII is only ever run case-insensitively on the original text."""
        tail = r"(?![A-Za-z])" if end_boundary else ""
        self.exact = re.compile(r"(?<![A-Za-z])(?:" + body + ")" + tail, re.IGNORECASE)
        self.fast = re.compile(r"(?<![a-z])(?:" + body + ")" + tail.replace("A-Za-z", "a-z")) \
            if body.isascii() and body == body.lower() else None

    @classmethod
    def of_words(cls, words, end_boundary: bool = False) -> "WordListPattern":
        """Longest word first, so a word is never cut short by its own prefix."""
        words = sorted({w.lower() for w in words}, key=lambda w: (-len(w), w))
        return cls("|".join(re.escape(w) for w in words), end_boundary)

    def finditer(self, text: str):
        folded = fold_case(text) if self.fast is not None else None
        if folded is None:
            return self.exact.finditer(text)
        return self.fast.finditer(folded)
