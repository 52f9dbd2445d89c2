"""Shared helpers of the table-driven nlp tests: a letter (or one medicines-list line) in, its opioids out."""
from __future__ import annotations

from nlp.pipeline import extract_letter

COMPANION = "- Omeprazole 20mg od\n"  # a non-opioid beside the line, so a list is read as a list


def opioids(text: str) -> list[dict]:
    """The opioids the extractor reports for a letter, as dicts."""
    return extract_letter(text).to_dict()["opioids"]


def only_rx(line: str, *, companion: bool = True) -> dict:
    """The one opioid of a medicines list holding `line` (and, by default, a non-opioid line after it)."""
    rxs = opioids(f"Discharge medications:\n- {line}\n" + (COMPANION if companion else ""))
    assert len(rxs) == 1, [r["generic"] for r in rxs]
    return rxs[0]


SIGN_OFF = "\n\nYours sincerely,\nDr Writer\n"


def letter_with_opioid(opening: str, prose: str):
    """The extraction of a letter made of ``opening`` (which prescribes an opioid), ``prose`` and a sign-off; the
    letter-level tests read what ``prose`` adds to it."""
    ex = extract_letter(opening + prose + SIGN_OFF)
    assert ex.opioids
    return ex
