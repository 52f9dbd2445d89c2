"""Classes of wording found by two first-contact gold sets (fresh3/fresh4): where a drug's status is written as a
section heading, an Action cell, an aside or a narrative of what changed. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def _read(letter: str):
    return extract_letter(letter)


def _rx(ex) -> list[tuple[str, str]]:
    return sorted((r.generic, r.formulation) for r in ex.opioids)


def _distractors(ex) -> list[tuple[str, str]]:
    return sorted((d.generic, d.reason) for d in ex.distractors)


ACTION_TABLE = """Medicines reconciliation
Drug                        | Directions                 | Action       | Note
Tapentadol 50 mg tablets    | 50 mg four times a day prn | {a}          | {n}
Naproxen 250 mg tablets     | 250 mg three times a day   | Continue     |
"""


@pytest.mark.parametrize("action, note, is_rx", [
    ("Stop", "nausea", False),
    ("STOP", "", False),
    ("Discontinue", "no longer needed", False),
    ("Withhold", "until seen in clinic", False),
    ("New", "short course", True),
    ("Continue", "", True),
])
def test_action_cell_in_the_imperative(action, note, is_rx):
    ex = _read(ACTION_TABLE.format(a=action, n=note))
    assert (_rx(ex) == [("tapentadol", "IR")]) is is_rx
    assert (("tapentadol", "stopped") in _distractors(ex)) is (not is_rx)
