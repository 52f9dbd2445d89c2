"""Every sentence and name that explains a run or SPC chart, in a QI coach's words.

Figures (hover text, legend, icons), the app's Charts page, the Excel report and the slides all
read this module, so a chart is explained the same way everywhere. Sentences are built from the
structured result of :func:`qi.spc.analyse` (a point's special-cause label is looked up in
:data:`qi.rules.SPECIAL_CAUSES`, never taken apart).
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import pandas as pd

from qi.rules import SPECIAL_CAUSES

NO_SIGNAL = "No signal: the points vary as expected by chance (common cause variation)."

CHART_NAMES = {
    "run": "Run chart", "i": "XmR (individuals) chart", "mr": "Moving-range chart", "p": "p-chart",
    "pp": "Laney p\u2032 chart", "u": "u-chart", "up": "Laney u\u2032 chart", "c": "c-chart",
    "g": "g-chart", "t": "t-chart",
}
RULE_SET_NAMES = {
    "anhoej": "Anh\u00f8j rules (qicharts2)",
    "mdc": "Making Data Count rules (NHS England)",
    "ihi": "IHI run chart rules",
}
POINT_TYPE_NAMES = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: neutral (high)",
    "special_cause_neutral_low": "Special cause: neutral (low)",
    "no_data": "No data",
}
VARIATION_WORDS = {
    "common_cause": "Common cause",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neutral_high": "Special cause neither improvement nor concern (high)",
    "neutral_low": "Special cause neither improvement nor concern (low)",
}
ASSURANCE_WORDS = {
    "consistent_pass": "Target consistently met",
    "consistent_fail": "Target consistently missed",
    "inconsistent": "Target hit and miss",
}
_MEANING = {
    "special_cause_improvement": "an improvement",
    "special_cause_concern": "a concern",
    "special_cause_neutral_high": "a special cause (no improvement direction set)",
    "special_cause_neutral_low": "a special cause (no improvement direction set)",
}
#: with fewer points a chart is a picture of the data rather than a test
FEW_POINTS = 10


def number(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v:.4g}"


def point_sentence(row: pd.Series | dict) -> str:
    """One sentence saying why a point of ``result.points`` is (or is not) a signal."""
    pt = row["point_type"]
    if pt == "no_data":
        return "No data for this period (missing value or zero denominator); it is left out of the limits and rules."
    cause = SPECIAL_CAUSES.get(row["special_cause_type"]) if isinstance(row["special_cause_type"], str) else None
    if pt == "common_cause" or cause is None:
        return "Common cause: no rule signals at this point."
    side = "above" if cause.up else "below"
    if cause.rule == "limit":
        why = (f"this point is above the upper limit ({number(row['ucl'])})" if cause.up
               else f"this point is below the lower limit ({number(row['lcl'])})")
    elif cause.rule == "long_run":
        why = f"this point is part of an unusually long run {side} the centre line (Anh\u00f8j rule)"
    elif cause.rule == "trend":
        why = f"this point is part of a trend of {cause.n} or more points each {'rising' if cause.up else 'falling'}"
    elif cause.rule == "two_in_three":
        why = f"two of three points in a row are close to the {'upper' if cause.up else 'lower'} limit (beyond 2 sigma)"
    else:  # shift
        why = f"this point is part of a run of {cause.n} or more points {side} the centre line (a shift)"
    return f"Signal, {_MEANING.get(pt, 'a special cause')}: {why}."


def point_signals(points: pd.DataFrame, names: Iterable[str], *, percent: bool) -> list[str]:
    """'Round 3 (45%): Signal, an improvement: ...' for every special-cause point; `names` are the
    points' names as the user knows them (round labels, months)."""
    out = []
    for name, (_, row) in zip(names, points.iterrows()):
        if str(row["point_type"]).startswith("special_cause"):
            shown = f"{row['value']:.0%}" if percent else f"{row['value']:.4g}"
            out.append(f"{name} ({shown}): {point_sentence(row)}")
    return out


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def phase_sentences(phases: pd.DataFrame) -> list[str]:
    """One sentence per phase whose runs analysis signals (a run too long, too few crossings)."""
    out = []
    for _, ph in phases.iterrows():
        if not bool(ph.get("runs_signal")):
            continue
        bits = []
        run, run_max = ph.get("longest_run"), ph.get("longest_run_max")
        if _present(run) and _present(run_max) and run > run_max:
            bits.append(f"the longest run is {int(run)} points (more than {int(run_max)} would be expected by chance)")
        crossings, crossings_min = ph.get("crossings"), ph.get("crossings_min")
        if _present(crossings) and _present(crossings_min) and crossings < crossings_min:
            bits.append(f"the line crosses the centre only {int(crossings)} times (fewer than "
                        f"{int(crossings_min)} expected)")
        why = " and ".join(bits) or "the runs analysis finds non-random variation"
        out.append(f"Phase {int(ph['phase'])}: {why}: a sign of non-random variation (a shift).")
    return out


def few_points_note(n_points: int) -> str | None:
    if n_points >= FEW_POINTS:
        return None
    return (f"Only {n_points} point(s): run-chart rules need about 10 points and SPC limits about 12-20 "
            "before signals can be trusted.")


def icon_words(variation: str | None, assurance: str | None) -> tuple[str | None, str | None]:
    """The Making Data Count icons in words (None where there is no icon)."""
    return VARIATION_WORDS.get(variation) if variation else None, ASSURANCE_WORDS.get(assurance) if assurance else None
