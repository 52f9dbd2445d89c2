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
- ``subgroup_table(results, by, config=None, min_cell=5) -> DataFrame`` (SUBGROUPS)
- ``compare_proportions(k1, n1, k2, n2, measure=..., name1=..., name2=..., kind='rounds'|'trusts')``
- ``compare_summaries(before, after, name_before, name_after, kind='rounds') -> DataFrame``
- ``qi_measures(rounds, period='round'|'week'|'month', config=None) -> DataFrame`` (tidy, for qi.spc.analyse)
- ``programme_measures(config)`` / ``measure_options(config)``: the measures besides the standards, with words
- ``qi_series(measures, measure_id) -> dict`` keyword arguments for ``qi.spc.analyse``
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

import pandas as pd

from qi.intervals import Z95, newcombe_interval, wilson_interval  # noqa: F401 (re-exported)
from audit_app.standards import (
    MET, NOT_APPLICABLE, NOT_ASSESSABLE, NOT_MET, StandardsConfig, default_config,
    evaluate_letter, load_standards,
)
from audit_app.standards.definitions import code_words
from audit_app.records import yes_no
from audit_app.standards.facts import column_value
from audit_app.standards.measures import SAFETY_FLAGS, programme_facts

AGE_BANDS = ("<18", "18-64", "65-74", ">=75")
SUBGROUPS = ("sex", "age_band", "imd_quintile", "ethnicity", "mental_health", "substance_misuse")
SUBGROUP_LABELS = {"sex": "Sex", "age_band": "Age band", "imd_quintile": "IMD quintile (1 = most deprived)",
                   "ethnicity": "Ethnicity", "mental_health": "Mental-health diagnosis",
                   "substance_misuse": "Substance misuse (incl. alcohol)"}
UNKNOWN_GROUP = "unknown"
SUPPRESSED = "<5"
MIN_SPC_POINTS = 12  # run chart below this many points (qi_method.md)


# ============================================================================ intervals

def round_half_up(x: float, ndigits: int = 0) -> float:
    """Round half away from zero (27.5 -> 28, -27.5 -> -28), as people expect in reports."""
    q = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))  # numpy floats too


def fmt_pct(p: float | None) -> str:
    """A proportion (0-1) as a whole percentage, e.g. 0.625 -> '63%'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return f"{int(round_half_up(100 * p))}%"


def _pp(x: float) -> str:
    return f"{int(round_half_up(100 * x))}"


def _pp_limit(x: float) -> str:
    """A confidence limit in percentage points. A limit that is not zero never reads '0' (the
    interval would seem to include no change while the label says it excludes it): it gets the
    decimals it needs, e.g. -0.3 or 0.04."""
    whole = _pp(x)
    if x == 0 or whole not in ("0", "-0"):
        return whole
    for nd in (1, 2, 3):
        v = round_half_up(100 * x, nd)
        if v != 0:
            return f"{v:.{nd}f}"
    return "-0.001" if x < 0 else "0.001"


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
        "ethnicity": _record_text(record, *ETHNICITY_COLUMNS),
        "mental_health": _record_flag(record, *MENTAL_HEALTH_COLUMNS),
        "substance_misuse": _record_flag(record, *SUBSTANCE_COLUMNS),
        "discharge_date": discharge if isinstance(discharge, dt.date) else None,
    }


ETHNICITY_COLUMNS = ("ethnicity", "ethnic_group", "ethnic_origin", "ethnic_category", "ethnicity_code")
MENTAL_HEALTH_COLUMNS = ("mental_health_flag", "mental_health", "mental_health_diagnosis", "mh_diagnosis",
                         "mental_illness", "mental_health_condition")
SUBSTANCE_COLUMNS = ("substance_misuse_flag", "substance_misuse", "substance_use", "alcohol_substance_misuse",
                     "substance_alcohol_misuse", "drug_alcohol_misuse", "alcohol_or_substance_misuse")


def _record_text(record: dict, *keys: str) -> str | None:
    v = column_value(record, keys)
    return None if v is None else str(v).strip() or None


def _record_flag(record: dict, *keys: str) -> str | None:
    """'yes' / 'no' group label for a yes/no subgroup column (None when blank or unknown)."""
    v = column_value(record, keys)
    if v is None:
        return None
    ans = yes_no(v).value
    return None if ans == "unknown" else ans


RESULT_COLUMNS = ["round", "letter_id", "letter_key", "audit_id", "standard_id", "item_index", "outcome",
                  "exclusion_code", "reason", "source", "sex", "age", "age_band", "imd_quintile", "ethnicity",
                  "mental_health", "substance_misuse", "discharge_date"]


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
        "excluded_text": "; ".join(f"{code_words(k)}: {v}" for k, v in excluded.items()),
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
    """Each standard by ``by`` (one of ``SUBGROUPS``: sex, age band, IMD quintile, ethnicity,
    mental-health diagnosis, substance misuse), with small-number suppression.

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
    ci = f"(95% CI {_pp_limit(lo)} to {_pp_limit(hi)})"
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


def programme_measures(config: StandardsConfig | None = None) -> dict[str, dict[str, Any]]:
    """The programme's measures besides the standards: id -> {label, kind, unit, chart,
    improvement, how, report}. One place for the chart picker, the report and the slides;
    ``report`` marks the headline measures the Excel report charts unless asked for others."""
    cfg = config or default_config()
    out: dict[str, dict[str, Any]] = {
        "median_ome": {"label": "Median discharge OME (mg/day) per opioid letter", "kind": "median", "unit": "mg/day",
                       "chart": "run", "improvement": "decrease", "report": True,
                       "how": "Median total OME of opioid letters whose OME could be worked out in full."},
    }
    for t in cfg.param("high_dose_thresholds_reported"):
        out[f"high_dose_{t:g}"] = {
            "label": f"Opioid letters with OME >= {t:g} mg/day", "kind": "proportion", "unit": "%", "chart": "p",
            "improvement": "decrease", "report": True,
            "how": f"Opioid letters with a total of {t:g} mg OME/day or more (a lower bound over it counts) / opioid "
                   "letters whose total is known or already over it."}
    out["new_mr"] = {"label": "New opioid items that are modified-release", "kind": "proportion", "unit": "%",
                     "chart": "p", "improvement": "decrease", "report": True,
                     "how": "New (or increased) opioid items that are MR / new opioid items."}
    out["new_starts_per_100"] = {
        "label": "New opioid starts per 100 discharges", "kind": "rate", "unit": "per 100 discharges", "chart": "i",
        "improvement": "decrease",
        "how": "Opioid items the letters call new this admission x 100 / the round's number of discharges "
               "(entered with the round; not charted when missing)."}
    out["items_per_100"] = {
        "label": "Opioid items per 100 discharges", "kind": "rate", "unit": "per 100 discharges", "chart": "i",
        "improvement": "decrease",
        "how": "Opioid items on the letters x 100 / the round's number of discharges."}
    ref = cfg.param("referral_ome_mg")
    out["high_dose_reduced"] = {
        "label": f"Patients on >= {ref:g} mg OME/day whose dose was reduced", "kind": "proportion", "unit": "%",
        "chart": "p", "improvement": "increase",
        "how": f"Letters with a pre-admission opioid of {ref:g} mg OME/day or more (at discharge when the previous "
               "dose is not stated) whose dose was reduced / those letters."}
    out["escalation"] = {
        "label": "Pre-admission opioid escalated", "kind": "proportion", "unit": "%", "chart": "p",
        "improvement": "decrease",
        "how": "Letters with a pre-admission opioid whose dose was increased / letters with a pre-admission opioid."}
    out["referral_prompt"] = {
        "label": "Complex-pain referral prompt", "kind": "proportion", "unit": "%", "chart": "p",
        "improvement": "neutral",
        "how": f"Opioid letters at >= {ref:g} mg OME/day, with an escalated dose, or with repeat admissions (where the "
               "sheet has them) / opioid letters."}
    for flag, words in SAFETY_FLAGS.items():
        out[f"flag_{flag}"] = {"label": words, "kind": "proportion", "unit": "%", "chart": "p",
                               "improvement": "decrease", "how": f"Opioid letters flagged: {words.lower()} / opioid letters."}
    return out


def measure_options(config: StandardsConfig | None = None) -> dict[str, str]:
    """Measure id -> label for pickers: each enabled standard, then the programme's measures."""
    cfg, defs = _definitions(config)
    out = {sid: f"{sid} {defs[sid].title} (% of letters meeting it)" for sid in cfg.enabled_ids()}
    out.update({mid: m["label"] for mid, m in programme_measures(cfg).items()})
    return out


def report_measures(config: StandardsConfig | None = None) -> list[str]:
    """The measures the Excel report charts by default: every enabled standard, then the
    programme's headline measures (``report`` in :func:`programme_measures`), in picker order."""
    cfg, _ = _definitions(config)
    return cfg.enabled_ids() + [mid for mid, m in programme_measures(cfg).items() if m.get("report")]


def qi_measures(rounds: Iterable[tuple[Any, Iterable[Any]]], period: str = "round",
                config: StandardsConfig | None = None) -> pd.DataFrame:
    """Tidy QI measures over time, ready for ``qi.spc.analyse`` (see :func:`qi_series`).

    ``rounds``: (round, letters) pairs in time order; ``round`` is a RoundInfo (label,
    period_start, and ``discharges`` when known) or a label string. ``period``: 'round' (one
    point per round) or 'week' / 'month' of discharge date (letters without a discharge date are
    left out; rates per 100 discharges need the round's discharges, so they are 'round' only).

    Measures (``measure_id``): each enabled standard (numerator / denominator as scored, chart
    'p'), then :func:`programme_measures` (median OME, high dose at each reported threshold, new
    MR, starts and items per 100 discharges, high dose reduced, escalation, referral prompt,
    safety flags). Letters with a global exclusion (palliative, cancer, OST, ...) are left out of
    the programme measures.
    """
    if period not in ("round", "week", "month"):
        raise ValueError(f"period must be 'round', 'week' or 'month', not {period!r}")
    cfg, defs = _definitions(config)
    thresholds = cfg.param("high_dose_thresholds_reported")
    ref = float(cfg.param("referral_ome_mg"))
    specs = programme_measures(cfg)
    buckets: dict[Any, dict] = {}
    order: list[Any] = []
    for rnd, letters in rounds:
        label = _get(rnd, "label", rnd) if not isinstance(rnd, str) else rnd
        start = _get(rnd, "period_start") if not isinstance(rnd, str) else None
        discharges = _get(rnd, "discharges") if not isinstance(rnd, str) else None
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
                buckets[key] = {"start": kstart, "results": [], "facts": [],
                                "discharges": discharges if period == "round" else None}
                order.append(key)
            b = buckets[key]
            b["results"].extend(r if isinstance(r, dict) else r.to_dict() for r in _get(letter, "standard_results") or [])
            m = programme_facts(record, _get(letter, "extraction"), cfg)
            if m["has_opioid"] is not None and not m["excluded"]:
                b["facts"].append(m)
    if period != "round":
        order.sort()
    rows = []

    def add(key, b, mid, num, den, value=None):
        spec = specs[mid]
        if value is None:
            value = (100 * num / den) if den else math.nan
        rows.append([key, b["start"], mid, spec["label"], spec["kind"], num, den, value, spec["unit"],
                     spec["chart"], spec["improvement"], None])

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
        opioid = [m for m in b["facts"] if m["has_opioid"]]
        omes = [m["ome_mg_per_day"] for m in opioid if m["ome_mg_per_day"] is not None]
        add(key, b, "median_ome", None, len(omes), float(pd.Series(omes).median()) if omes else math.nan)
        for t in thresholds:
            over = [m for m in opioid if max(m["ome_mg_per_day"] or 0, m["ome_lower_bound"] or 0) >= t]
            known = len(omes) + sum(1 for m in opioid if m["ome_mg_per_day"] is None and (m["ome_lower_bound"] or 0) >= t)
            add(key, b, f"high_dose_{t:g}", len(over), known)
        new = sum(m["new_items"] or 0 for m in opioid)
        add(key, b, "new_mr", sum(m["new_mr_items"] or 0 for m in opioid), new)
        disc = num_or_none(b["discharges"])
        for mid, field in (("new_starts_per_100", "new_starts"), ("items_per_100", "n_items")):
            if period != "round":
                continue
            known_items = [m[field] for m in b["facts"] if m[field] is not None]
            count = int(sum(known_items))
            add(key, b, mid, count, disc, 100 * count / disc if disc else math.nan)
        pre = [m for m in opioid if m["pre_admission_opioid"]]
        on_high = [m for m in pre if (m["pre_admission_ome"] if m["pre_admission_ome"] is not None
                                      else (m["ome_mg_per_day"] or m["ome_lower_bound"] or 0)) >= ref]
        add(key, b, "high_dose_reduced", sum(1 for m in on_high if m["dose_reduced"]), len(on_high))
        add(key, b, "escalation", sum(1 for m in pre if m["escalated"]), len(pre))
        add(key, b, "referral_prompt", sum(1 for m in opioid if m["referral_prompt"]), len(opioid))
        for flag in SAFETY_FLAGS:
            add(key, b, f"flag_{flag}", sum(1 for m in opioid if any(x["flag"] == flag for x in m["safety_flags"])),
                len(opioid))
    return pd.DataFrame(rows, columns=QI_COLUMNS)


PROGRAMME_COLUMNS = ["Measure", "This round", "Better", "How it is counted", "measure_id"]


def programme_table(round_info: Any, letters: Iterable[Any], config: StandardsConfig | None = None) -> pd.DataFrame:
    """The programme's measures for one round in words (Compliance page, Excel report, slides):
    Measure, This round ('8% (1/12)', '3.0 per 100 discharges (12/400)'), Better, How it is
    counted, and the measure_id (machine column)."""
    cfg = config or default_config()
    rnd = {"label": round_info} if isinstance(round_info, str) else round_info
    m = qi_measures([(rnd, list(letters))], "round", cfg)
    rows = []
    for mid, spec in programme_measures(cfg).items():
        row = m[m.measure_id == mid]
        if row.empty:
            continue
        x = row.iloc[0]
        den = x["denominator"]
        known = den is not None and den == den and den > 0
        if spec["kind"] == "median":
            shown = f"{x['value']:.0f} mg/day (of {int(den)} letters)" if known else "no letters"
        elif spec["kind"] == "rate":
            shown = (f"{x['value']:.1f} per 100 discharges ({int(x['numerator'])}/{int(den)})" if known
                     else "number of discharges not entered for this round")
        else:
            shown = f"{fmt_pct(x['value'] / 100)} ({int(x['numerator'])}/{int(den)})" if known else "no letters in scope"
        better = {"decrease": "lower", "increase": "higher"}.get(spec["improvement"], "neither")
        rows.append([spec["label"], shown, better, spec["how"], mid])
    return pd.DataFrame(rows, columns=PROGRAMME_COLUMNS)


def num_or_none(v: Any) -> float | None:
    """A positive count (e.g. a round's discharges) or None."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f > 0 else None


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
    elif kind == "rate":  # per 100 discharges: the rates themselves (XmR / run chart); periods without
        keep = [i for i, v in enumerate(m["value"]) if v is not None and v == v]  # discharges are left out
        out["values"] = [float(m["value"].iloc[i]) for i in keep]
        out["labels"] = [out["labels"][i] for i in keep]
        out["chart"] = m["chart"].iloc[0] if len(keep) >= MIN_SPC_POINTS else "run"
    else:
        out["values"] = [float(x) for x in m["value"]]
    return out
