"""The same letter typed, pasted from a word processor, a PDF, a web page or a Windows export reads the same: each
perturbation below is applied to all 120 hand-written dev letters and no prescription, plan or GP instruction may
change (session 14 found no-break spaces, curly apostrophes, full-width colons, CR LF line ends and dotted capital
abbreviations each changing how some letters were read)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nlp.pipeline import extract_many

DATA = Path(__file__).resolve().parents[1] / "data"


def _letters() -> list[str]:
    path = DATA / "discharge_letters_handwritten_dev.jsonl"
    return [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _reading(ex) -> tuple:
    rx = sorted(((r.generic, r.formulation, r.dose_mg_min, r.dose_mg_max, r.frequency_per_day_max, r.prn,
                  r.supply_days, r.duration_days) for r in ex.opioids), key=str)
    return rx, ex.weaning_plan.present, ex.gp_instruction.present, ex.ome_total_mg_per_day


PERTURBATIONS = {
    "CR LF line ends": lambda t: t.replace("\n", "\r\n"),
    "no-break spaces everywhere": lambda t: t.replace(" ", "\u00a0"),
    "narrow no-break space before units": lambda t: re.sub(r"(\d) (mg|ml|mcg|micrograms)\b", "\\1\u202f\\2", t),
    "curly apostrophes": lambda t: t.replace("'", "\u2019"),
    "full-width colons": lambda t: t.replace(":", "\uff1a"),
    "en dashes": lambda t: t.replace(" - ", " \u2013 "),
    "bullets": lambda t: re.sub(r"(?m)^(\s*)[-*] ", "\\1\u2022 ", t),
    "trailing spaces": lambda t: t.replace("\n", "  \n"),
    "dotted capital frequencies": lambda t: re.sub(r"\b(BD|TDS|QDS|PRN)\b", lambda m: ".".join(m.group(1)) + ".", t),
}


@pytest.fixture(scope="module")
def plain():
    letters = _letters()
    return letters, [_reading(x) for x in extract_many(letters)]


@pytest.mark.parametrize("name", list(PERTURBATIONS))
def test_a_perturbed_letter_reads_as_typed(plain, name):
    letters, base = plain
    changed = [i for i, (b, x) in enumerate(zip(base, extract_many([PERTURBATIONS[name](t) for t in letters])))
               if _reading(x) != b]
    assert changed == [], f"{name}: {len(changed)} of {len(letters)} letters read differently"
