"""Round summaries per standard, intervals, subgroups with small-number suppression,
comparisons between rounds or trusts, and the round-level QI measures for charts.

Everything here works on plain data (store ``LetterRow``s or dicts with ``record``,
``extraction``, ``standard_results``), so it is testable without a database.

Public API
----------
- ``wilson_interval(k, n) -> (low, high)`` (proportions 0-1; Wilson score, 95%)
- ``newcombe_interval(k1, n1, k2, n2) -> (d, low, high)`` with d = p1 - p2 (Newcombe 1998, method 10)
- ``score_letters(letters, config) -> {letter_id: [StandardResult.to_dict(), ...]}`` (rescoring)
- ``results_frame(letters, round_label=None) -> DataFrame`` one row per standard result
- ``summarise(results, config=None, by=None) -> DataFrame`` one row per standard (and ``by`` group)
- ``subgroup_table(results, by, config=None, min_cell=5) -> DataFrame`` (sex, age_band, imd_quintile)
- ``compare_proportions(k1, n1, k2, n2, measure=..., name1=..., name2=..., kind='rounds'|'trusts')``
- ``compare_summaries(before, after, name_before, name_after, kind='rounds') -> DataFrame``
- ``qi_measures(rounds, period='round'|'week'|'month', config=None) -> DataFrame`` (tidy, for qi.spc.analyse)
- ``qi_series(measures, measure_id) -> dict`` keyword arguments for ``qi.spc.analyse``
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

import pandas as pd

from audit_app.standards import (
    MET, NOT_APPLICABLE, NOT_ASSESSABLE, NOT_MET, StandardsConfig, default_config,
    evaluate_letter, letter_measures, load_standards,
)

Z95 = 1.959963984540054
AGE_BANDS = ("<18", "18-64", "65-74", ">=75")
SUBGROUPS = ("sex", "age_band", "imd_quintile")
UNKNOWN_GROUP = "unknown"
SUPPRESSED = "<5"
MIN_SPC_POINTS = 12  # run chart below this many points (qi_method.md)


# ============================================================================ intervals

def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k/n (0-1). (nan, nan) when n == 0."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo, hi = centre - half, centre + half
    if k == 0:
        lo = 0.0
    if k == n:
        hi = 1.0
    return (max(0.0, lo), min(1.0, hi))


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p1 - p2 with Newcombe's hybrid score interval (1998, method 10)."""
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (d, max(-1.0, lo), min(1.0, hi))


def round_half_up(x: float, ndigits: int = 0) -> float:
    """Round half away from zero (27.5 -> 28, -27.5 -> -28), as people expect in reports."""
    q = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def fmt_pct(p: float | None) -> str:
    """A proportion (0-1) as a whole percentage, e.g. 0.625 -> '63%'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return f"{int(round_half_up(100 * p))}%"


def _pp(x: float) -> str:
    return f"{int(round_half_up(100 * x))}"


# ============================================================================ frames

def _get(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def age_band(age: Any) -> str | None:
    try:
        a = int(float(age))
    except (TypeError, ValueError):
        return None
    if a < 18:
        return "<18"
    if a < 65:
        return "18-64"
    if a < 75:
        return "65-74"
    return ">=75"


def _imd_quintile(record: dict) -> int | None:
    q = record.get("imd_quintile")
    if q not in (None, ""):
        try:
            q = int(float(q))
            return q if 1 <= q <= 5 else None
        except (TypeError, ValueError):
            return None
    for k, v in (record.get("extra") or {}).items():
        if str(k).strip().lower().replace(" ", "_") in ("imd_decile", "imd decile"):
            try:
                d = int(float(v))
            except (TypeError, ValueError):
                return None
            return (d + 1) // 2 if 1 <= d <= 10 else None
    return None


def _sex(value: Any) -> str | None:
    if value in (None, ""):
        return None
    s = str(value).strip().lower()
    return {"m": "M", "male": "M", "man": "M", "f": "F", "female": "F", "woman": "F"}.get(
        s, "other" if s not in ("u", "unknown", "?", "not known") else None)


def _letter_base(letter: Any) -> dict[str, Any]:
    record = _get(letter, "record") or {}
    extraction = _get(letter, "extraction")
    age = record.get("age")
    if age in (None, "") and isinstance(extraction, dict):
        age = extraction.get("patient_age")
    discharge = record.get("discharge_date")
    if isinstance(discharge, str) and discharge:
        try:
            discharge = dt.date.fromisoformat(discharge[:10])
        except ValueError:
            discharge = None
    return {
        "letter_id": _get(letter, "id"),
        "letter_key": _get(letter, "letter_key") or record.get("letter_id"),
        "audit_id": record.get("letter_id"),
        "sex": _sex(record.get("sex")),
        "age": None if age in (None, "") else age,
        "age_band": age_band(age),
        "imd_quintile": _imd_quintile(record),
        "discharge_date": discharge if isinstance(discharge, dt.date) else None,
    }


RESULT_COLUMNS = ["round", "letter_id", "letter_key", "audit_id", "standard_id", "item_index", "outcome",
                  "exclusion_code", "reason", "source", "sex", "age", "age_band", "imd_quintile", "discharge_date"]


def results_frame(letters: Iterable[Any], round_label: str | None = None) -> pd.DataFrame:
    """One row per standard result of each letter (store LetterRows or dicts with
    ``record`` and ``standard_results``), with the letter's subgroup fields."""
    rows = []
    for letter in letters:
        base = _letter_base(letter)
        for r in _get(letter, "standard_results") or []:
            r = r if isinstance(r, dict) else r.to_dict()
            ev = r.get("evidence") or []
            rows.append({
                "round": round_label, **base,
                "standard_id": r["standard_id"], "item_index": r.get("item_index"),
                "outcome": r["outcome"], "exclusion_code": r.get("exclusion_code"),
                "reason": r.get("reason"), "source": ev[0].get("source") if ev else None,
            })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def score_letters(letters: Iterable[Any], config: StandardsConfig | None = None) -> dict[Any, list[dict]]:
    """Evaluate every letter afresh: {letter id (or letter_key): [StandardResult.to_dict(), ...]}."""
    cfg = config or default_config()
    out = {}
    for letter in letters:
        record = _get(letter, "record") or {}
        res = evaluate_letter(record, _get(letter, "extraction"), cfg, text=_get(letter, "text"))
        key = _get(letter, "id")
        out[key if key is not None else _get(letter, "letter_key")] = [r.to_dict() for r in res]
    return out


# ============================================================================ summaries

def _definitions(config: StandardsConfig | None):
    cfg = config or default_config()
    return cfg, {d.id: d for d in load_standards(cfg.standards_version, include_unscored=False)}


def _counts(rows: list[tuple[str, Any, Any]], d, target_pct) -> dict[str, Any]:
    """Counts for one standard from (outcome, exclusion_code, reason) triples."""
    met = not_met = na = 0
    excluded: dict[str, int] = {}
    in_pop = 0
    for outcome, code, reason in rows:
        if outcome == MET:
            met += 1
        elif outcome == NOT_MET:
            not_met += 1
        elif outcome == NOT_ASSESSABLE:
            na += 1
        elif outcome == NOT_APPLICABLE:
            excluded[str(code)] = excluded.get(str(code), 0) + 1
        if outcome != NOT_APPLICABLE and reason not in ("POPULATION_UNKNOWN", "OPIOID_UNKNOWN"):
            in_pop += 1
    excluded = dict(sorted(excluded.items()))
    num = not_met if d.numerator_counts == NOT_MET else met
    den = met + not_met
    lo, hi = wilson_interval(num, den)
    p = num / den if den else math.nan
    target_met = None
    if den and target_pct is not None:
        target_met = bool(100 * p >= target_pct - 1e-9) if d.direction == "higher" else bool(100 * p <= target_pct + 1e-9)
    out = {
        "n_results": len(rows), "numerator": num, "denominator": den, "met": met, "not_met": not_met,
        "not_assessable": na, "excluded_total": int(sum(excluded.values())), "excluded": excluded,
        "excluded_text": ", ".join(f"{k} {v}" for k, v in excluded.items()),
        "proportion": p, "pct": 100 * p if den else math.nan,
        "ci_low_pct": 100 * lo if den else math.nan, "ci_high_pct": 100 * hi if den else math.nan,
        "target_pct": target_pct, "direction": d.direction, "target_met": target_met,
        "rate_label": d.rate_label if d.report_rate else None,
        "rate_numerator": None, "rate_denominator": None, "rate_pct": math.nan,
    }
    if d.report_rate and d.population_code:
        out_pop = int(excluded.get(d.population_code, 0))
        out["rate_numerator"], out["rate_denominator"] = in_pop, in_pop + out_pop
        out["rate_pct"] = 100 * in_pop / (in_pop + out_pop) if (in_pop + out_pop) else math.nan
    return out


SUMMARY_COLUMNS = [
    "standard_id", "title", "short_title", "unit", "numerator", "denominator", "pct", "ci_low_pct",
    "ci_high_pct", "target_pct", "direction", "target_met", "met", "not_met", "not_assessable",
    "excluded_total", "excluded", "excluded_text", "n_results", "proportion", "rate_label",
    "rate_numerator", "rate_denominator", "rate_pct",
]


def summarise(results: pd.DataFrame, config: StandardsConfig | None = None, by: str | None = None) -> pd.DataFrame:
    """Per standard (enabled in ``config``; and per ``by`` group if given): numerator,
    denominator (met + not met), exclusions by code, not assessable, % with Wilson 95% CI,
    target and whether it is met (respecting direction; None when the denominator is 0)."""
    cfg, defs = _definitions(config)
    rows = []
    buckets: dict[Any, dict[str, list]] = {}
    if by is None:
        buckets[None] = {}
    gcol = results[by] if by is not None else [None] * len(results)
    for g, sid, o, c, r in zip(gcol, results["standard_id"], results["outcome"], results["exclusion_code"],
                               results["reason"]):
        if isinstance(g, float) and math.isnan(g):
            g = None
        buckets.setdefault(g, {}).setdefault(sid, []).append((o, c, r))
    keys = list(buckets)
    if by is not None:
        keys.sort(key=lambda v: (v is None, str(v)))
    for gval in keys:
        for sid in cfg.enabled_ids():
            d = defs[sid]
            row = {"standard_id": sid, "title": d.title, "short_title": d.short_title, "unit": d.unit,
                   **_counts(buckets[gval].get(sid, []), d, cfg.target_pct(sid))}
            if by is not None:
                row = {by: gval, **row}
            rows.append(row)
    cols = ([by] if by else []) + SUMMARY_COLUMNS
    return pd.DataFrame(rows, columns=cols)


def subgroup_table(results: pd.DataFrame, by: str, config: StandardsConfig | None = None,
                   min_cell: int = 5) -> pd.DataFrame:
    """Each standard by ``by`` ('sex', 'age_band', 'imd_quintile'), with small-number suppression.

    A count under ``min_cell`` is never shown: the cell reads '<5' and its percentage and interval
    are blank. The numerator is also suppressed when the 'not met' count (denominator - numerator)
    is small (it would reveal it), and when only one group of a standard is suppressed the next
    smallest group is suppressed too, so the overall total cannot give the hidden figure away.
    Letters with the field missing form the group 'unknown'. Returns an empty frame when the field
    is absent for every letter.
    """
    if by not in SUBGROUPS:
        raise ValueError(f"unknown subgroup {by!r}; choose one of {', '.join(SUBGROUPS)}")
    cols = ["standard_id", "short_title", "subgroup", "group", "numerator", "denominator", "pct",
            "ci_low_pct", "ci_high_pct", "suppressed", "display"]
    if results.empty or results[by].isna().all():
        return pd.DataFrame(columns=cols)
    df = results.copy()
    df[by] = df[by].map(lambda v: UNKNOWN_GROUP if v is None or (isinstance(v, float) and math.isnan(v)) else str(int(v)) if isinstance(v, float) else str(v))
    summary = summarise(df, config, by=by)
    order = {b: i for i, b in enumerate(AGE_BANDS)}
    rows = []
    small = f"<{min_cell}"
    for sid, sdf in summary.groupby("standard_id", sort=False):
        sdf = sdf.sort_values(by, key=lambda s: s.map(lambda v: (v == UNKNOWN_GROUP, order.get(v, 99), v)))
        cells = []
        for _, r in sdf.iterrows():
            num, den = int(r["numerator"]), int(r["denominator"])
            hide = den < min_cell or num < min_cell or (den - num) < min_cell
            cells.append([r, num, den, hide])
        hidden = [c for c in cells if c[3] and c[2] > 0]
        shown = [c for c in cells if not c[3] and c[2] > 0]
        if len(hidden) == 1 and shown:  # complementary suppression
            min(shown, key=lambda c: c[2])[3] = True
        for r, num, den, hide in cells:
            if den == 0:
                rows.append([sid, r["short_title"], by, r[by], "0", "0", math.nan, math.nan, math.nan, False, "no letters"])
                continue
            den_s = small if den < min_cell else str(den)
            if hide:
                rows.append([sid, r["short_title"], by, r[by], small, den_s, math.nan, math.nan, math.nan, True,
                             f"{small} of {den_s} (suppressed)"])
            else:
                rows.append([sid, r["short_title"], by, r[by], str(num), den_s, r["pct"], r["ci_low_pct"],
                             r["ci_high_pct"], False,
                             f"{fmt_pct(r['proportion'])} ({num}/{den}; 95% CI {_pct0(r['ci_low_pct'])} to {_pct0(r['ci_high_pct'])})"])
    return pd.DataFrame(rows, columns=cols)


def _pct0(x: float) -> str:
    return "n/a" if x != x else f"{int(round_half_up(x))}%"


# ============================================================================ comparisons

@dataclass
class Comparison:
    measure: str
    name1: str
    name2: str
    k1: int
    n1: int
    k2: int
    n2: int
    difference: float        # p2 - p1 (proportion)
    ci_low: float
    ci_high: float
    sentence: str
    interpretation: str
    kind: str
    direction: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def compare_proportions(k1: int, n1: int, k2: int, n2: int, *, measure: str, name1: str = "the first round",
                        name2: str = "the second round", kind: str = "rounds",
                        direction: str = "higher") -> Comparison:
    """Second minus first, with Newcombe's hybrid score 95% interval, in numbers and in words.

    kind='rounds': "Weaning plan documented rose from 35% (14/40) to 63% (25/40), a difference of 28
    percentage points (95% CI 6 to 46)."  kind='trusts': "... was 35% (14/40) at Trust A and 63%
    (25/40) at Trust B, a difference of 28 percentage points (95% CI 6 to 46)."
    Percentages are rounded half up; the difference is rounded from the unrounded proportions.
    """
    if kind not in ("rounds", "trusts"):
        raise ValueError(f"kind must be 'rounds' or 'trusts', not {kind!r}")
    if n1 == 0 or n2 == 0:
        empty = name1 if n1 == 0 else name2
        s = f"{measure} cannot be compared: no letters in the denominator for {empty}."
        return Comparison(measure, name1, name2, k1, n1, k2, n2, math.nan, math.nan, math.nan, s,
                          "Not comparable.", kind, direction)
    d, lo, hi = newcombe_interval(k2, n2, k1, n1)
    p1, p2 = fmt_pct(k1 / n1), fmt_pct(k2 / n2)
    ci = f"(95% CI {_pp(lo)} to {_pp(hi)})"
    diff_words = f"a difference of {_pp(d)} percentage points {ci}"
    if kind == "rounds":
        if k1 / n1 == k2 / n2:
            s = f"{measure} was unchanged at {p1} ({k1}/{n1} and {k2}/{n2}), {diff_words}."
        else:
            verb = "rose" if d > 0 else "fell"
            s = f"{measure} {verb} from {p1} ({k1}/{n1}) to {p2} ({k2}/{n2}), {diff_words}."
    else:
        s = f"{measure} was {p1} ({k1}/{n1}) at {name1} and {p2} ({k2}/{n2}) at {name2}, {diff_words}."
    if lo > 0 or hi < 0:
        better = (hi < 0) if direction == "lower" else (lo > 0)
        if kind == "rounds":
            interp = "Improvement: the 95% interval excludes no change." if better else \
                "Deterioration: the 95% interval excludes no change."
        else:
            interp = f"{name2 if better else name1} did better; the 95% interval excludes no difference."
    else:
        interp = "No clear difference: the 95% interval includes zero."
    if direction == "lower":
        interp += " (Lower is better for this measure.)"
    return Comparison(measure, name1, name2, k1, n1, k2, n2, d, lo, hi, s, interp, kind, direction)


def compare_summaries(before: pd.DataFrame, after: pd.DataFrame, name_before: str, name_after: str,
                      kind: str = "rounds") -> pd.DataFrame:
    """Standards present in both summaries: p before/after, difference (after - before) with
    Newcombe 95% CI, the sentence and an interpretation."""
    b = before.set_index("standard_id")
    rows = []
    for _, a in after.iterrows():
        sid = a["standard_id"]
        if sid not in b.index:
            continue
        x = b.loc[sid]
        c = compare_proportions(int(x["numerator"]), int(x["denominator"]), int(a["numerator"]),
                                int(a["denominator"]), measure=a["title"], name1=name_before, name2=name_after,
                                kind=kind, direction=a["direction"])
        rows.append({
            "standard_id": sid, "title": a["title"], "direction": a["direction"],
            "numerator_before": c.k1, "denominator_before": c.n1,
            "pct_before": 100 * c.k1 / c.n1 if c.n1 else math.nan,
            "numerator_after": c.k2, "denominator_after": c.n2,
            "pct_after": 100 * c.k2 / c.n2 if c.n2 else math.nan,
            "difference_pp": 100 * c.difference, "ci_low_pp": 100 * c.ci_low, "ci_high_pp": 100 * c.ci_high,
            "sentence": c.sentence, "interpretation": c.interpretation,
        })
    return pd.DataFrame(rows, columns=[
        "standard_id", "title", "direction", "numerator_before", "denominator_before", "pct_before",
        "numerator_after", "denominator_after", "pct_after", "difference_pp", "ci_low_pp", "ci_high_pp",
        "sentence", "interpretation"])


# ============================================================================ QI measures

QI_COLUMNS = ["period", "period_start", "measure_id", "measure", "kind", "numerator", "denominator", "value",
              "unit", "chart", "improvement", "target"]


def _period_of(date: dt.date | None, period: str) -> dt.date | None:
    if date is None:
        return None
    if period == "week":
        return date - dt.timedelta(days=date.weekday())
    return date.replace(day=1)


def qi_measures(rounds: Iterable[tuple[Any, Iterable[Any]]], period: str = "round",
                config: StandardsConfig | None = None) -> pd.DataFrame:
    """Tidy QI measures over time, ready for ``qi.spc.analyse`` (see :func:`qi_series`).

    ``rounds``: (round, letters) pairs in time order; ``round`` is a RoundInfo (label,
    period_start) or a label string. ``period``: 'round' (one point per round) or 'week' /
    'month' of discharge date (letters without a discharge date are left out).

    Measures (``measure_id``): each enabled standard (numerator / denominator as scored, chart
    'p'); 'median_ome' (median total OME mg/day per opioid letter, chart 'run'); 'high_dose_<t>'
    (% opioid letters with OME >= t for each reported threshold); 'new_mr' (% new opioid items
    that are modified-release).
    """
    if period not in ("round", "week", "month"):
        raise ValueError(f"period must be 'round', 'week' or 'month', not {period!r}")
    cfg, defs = _definitions(config)
    thresholds = cfg.param("high_dose_thresholds_reported")
    buckets: dict[Any, dict] = {}
    order: list[Any] = []
    for rnd, letters in rounds:
        label = _get(rnd, "label", rnd) if not isinstance(rnd, str) else rnd
        start = _get(rnd, "period_start") if not isinstance(rnd, str) else None
        for letter in letters:
            record = _get(letter, "record") or {}
            if period == "round":
                key, kstart = label, start
            else:
                base = _letter_base(letter)
                kstart = _period_of(base["discharge_date"], period)
                if kstart is None:
                    continue
                key = kstart.isoformat() if period == "week" else kstart.strftime("%Y-%m")
            if key not in buckets:
                buckets[key] = {"start": kstart, "results": [], "omes": [], "opioid": 0, "new": 0, "new_mr": 0}
                order.append(key)
            b = buckets[key]
            b["results"].extend(r if isinstance(r, dict) else r.to_dict() for r in _get(letter, "standard_results") or [])
            m = letter_measures(record, _get(letter, "extraction"), cfg)
            if m["has_opioid"] and not m["excluded"]:
                b["opioid"] += 1
                if m["ome_mg_per_day"] is not None:
                    b["omes"].append(m["ome_mg_per_day"])
                if m["new_items"]:
                    b["new"] += m["new_items"]
                    b["new_mr"] += m["new_mr_items"]
    if period != "round":
        order.sort()
    rows = []
    for key in order:
        b = buckets[key]
        by_sid: dict[str, list] = {}
        for r in b["results"]:
            by_sid.setdefault(r["standard_id"], []).append((r["outcome"], r.get("exclusion_code"), r.get("reason")))
        for sid in cfg.enabled_ids():
            d = defs[sid]
            c = _counts(by_sid.get(sid, []), d, cfg.target_pct(sid))
            rows.append([key, b["start"], sid, d.title, "proportion", c["numerator"], c["denominator"],
                         c["pct"], "%", "p", "decrease" if d.direction == "lower" else "increase",
                         cfg.target_pct(sid)])
        n_ome = len(b["omes"])
        med = float(pd.Series(b["omes"]).median()) if n_ome else math.nan
        rows.append([key, b["start"], "median_ome", "Median discharge OME (mg/day) per opioid letter", "median",
                     None, n_ome, med, "mg/day", "run", "decrease", None])
        for t in thresholds:
            k = sum(1 for o in b["omes"] if o >= t)
            rows.append([key, b["start"], f"high_dose_{t:g}", f"Opioid letters with OME >= {t:g} mg/day", "proportion",
                         k, n_ome, 100 * k / n_ome if n_ome else math.nan, "%", "p", "decrease", None])
        rows.append([key, b["start"], "new_mr", "New opioid items that are modified-release", "proportion",
                     b["new_mr"], b["new"], 100 * b["new_mr"] / b["new"] if b["new"] else math.nan, "%", "p",
                     "decrease", None])
    return pd.DataFrame(rows, columns=QI_COLUMNS)


def qi_measure_labels(config: StandardsConfig | None = None) -> dict[str, str]:
    """Every QI measure :func:`qi_measures` computes, in its order: id -> label for pickers, chart
    titles and PDSA links (the one list of measures; the report charts them in this order)."""
    cfg, defs = _definitions(config)
    out = {sid: f"{sid} {defs[sid].title} (% of letters meeting it)" for sid in cfg.enabled_ids()}
    out["median_ome"] = "Median discharge OME (mg/day) per opioid letter"
    for t in cfg.param("high_dose_thresholds_reported"):
        out[f"high_dose_{float(t):g}"] = f"% opioid letters with OME >= {float(t):g} mg/day (high dose)"
    out["new_mr"] = "% new opioid items that are modified-release (MR)"
    return out


def qi_series(measures: pd.DataFrame, measure_id: str) -> dict[str, Any]:
    """Keyword arguments for ``qi.spc.analyse`` for one measure of :func:`qi_measures`.

    Proportions: values = numerators, denominators = denominators (chart 'p'); medians:
    values = the medians (chart 'run'). Labels are the periods. With fewer than 12 points the
    chart is a run chart whatever the measure (shared/domain/qi_method.md: run chart below 12
    points, SPC limits from 12); pass ``chart=`` to ``analyse`` yourself to override.
    """
    m = measures[measures["measure_id"] == measure_id]
    if m.empty:
        raise ValueError(f"no measure {measure_id!r} in the frame")
    kind = m["kind"].iloc[0]
    target = m["target"].iloc[0]
    out: dict[str, Any] = {"labels": [str(x) for x in m["period"]],
                           "chart": m["chart"].iloc[0] if len(m) >= MIN_SPC_POINTS else "run",
                           "improvement": m["improvement"].iloc[0]}
    if kind == "proportion":
        out["values"] = [float(x) if x is not None else math.nan for x in m["numerator"]]
        out["denominators"] = [float(x) for x in m["denominator"]]
        if target is not None and not (isinstance(target, float) and math.isnan(target)):
            out["target"] = float(target) / 100.0
    else:
        out["values"] = [float(x) for x in m["value"]]
    return out
