"""The one loader of the rule tables shipped in ``nlp/data`` (JSON and CSV records).

Every component reads its phrases, headings and vocabularies through here, so adding a phrase is one
row in a data file and never a regex in code. Files are read once per process.
"""
from __future__ import annotations

import csv
import json
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
