"""The network view: several trusts' rounds compared on the same standards and statistics.

Plain functions over aggregated counts (``Store.result_counts``: met / not met / not applicable /
not assessable per trust, round and standard; ``Store.measure_counts``: the sums the programme
measures are made of, per trust and round; ``Store.opioid_ome_values``: the one column a median
needs), so everything here is testable without a database and holds at network scale: nothing
loads a letter.

Measures: every enabled standard, then the programme's measures (``scoring.programme_measures``).
Proportions (standards, % of opioid letters at >= 90 / 120 mg OME/day, % of new items that are MR,
escalation, referral prompt, safety flags, ...) get the funnel, the trends and the league table;
rates per 100 discharges (where the round's discharges are known) and the median OME get the
trends and the league table: a funnel plot is for proportions.

- :func:`build` turns the store's counts into a :class:`NetworkData` (trusts under the names the
  viewer may see, their rounds, counts, PDSA cycles).
- :func:`funnel_for` one standard's funnel (qi.funnel) for each trust's latest round or a period.
- :func:`trend_panels` each trust's run/SPC chart of one standard on the same axis and rules.
- :func:`league_table` one standard: n/N, %, Wilson CI, change from the previous round with its
  Newcombe interval, variation and assurance icons, funnel position. Never ranked by % alone:
  the default order is the funnel position, then the lower end of the interval.
- :func:`trust_feedback` what one trust is told: its position, what moved, its PDSA cycles.
- :func:`network_signals` what the network meeting should hear, in words.
- :func:`collate` all of it for every standard (the collated report; audit_app.network_report writes it).

Targets and definitions are the network's standards configuration (the default one unless the
caller passes another), so every trust is measured against the same yardstick.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from audit_app.standards import MET, NOT_APPLICABLE, NOT_ASSESSABLE, NOT_MET, StandardsConfig, default_config, load_standards
from qi import spc
from qi.explain import ASSURANCE_WORDS, CHART_NAMES, RULE_SET_NAMES, VARIATION_WORDS
from qi.funnel import NO_ELIGIBLE, FunnelResult, funnel, outlier_sentences
from qi.intervals import newcombe_interval, wilson_interval
from qi.pdsa import PdsaCycle

MIN_SPC_POINTS = 12  # run chart below this many points (shared/domain/qi_method.md)
LATEST = "latest"
_PDSA_FIELDS = {f.name for f in fields(PdsaCycle)}

#: funnel position -> order in the league table, worst first for a 'higher is better' standard
_POSITION_ORDER = {"below 99.8%": 0, "below 95%": 1, "within": 2, "above 95%": 3, "above 99.8%": 4, NO_ELIGIBLE: 5}

PROPORTION, RATE, MEDIAN = "proportion", "rate", "median"


@dataclass(frozen=True)
class StandardInfo:
    """A standard, or one of the programme's measures (``kind`` other than a standard's
    'proportion' for rates per 100 discharges and the median OME)."""
    id: str
    title: str
    short_title: str
    counts_not_met: bool      # numerator counts letters NOT meeting it (lower is better, e.g. OD-07)
    improvement: str          # 'increase', 'decrease' or 'neutral'
    target: float | None      # proportion 0-1
    kind: str = PROPORTION    # 'proportion', 'rate' (per 100 discharges) or 'median'
    unit: str = "%"
    is_standard: bool = True
    how: str = ""
    headline: bool = True     # pictured in the collated report by default (scoring.programme_measures 'report')

    @property
    def name(self) -> str:
        return f"{self.id} {self.short_title}" if self.is_standard else self.title

    @property
    def funnel(self) -> bool:
        return self.kind == PROPORTION


#: measure id -> how its (numerator, denominator) come from a row of Store.measure_counts
#: (thresholds and flags are numbered in the order of the configuration / SAFETY_FLAGS)
_MEASURE_SUMS = {"new_mr": ("new_mr_items", "new_items"), "high_dose_reduced": ("on_high_reduced", "on_high"),
                 "escalation": ("escalated", "pre_admission"), "referral_prompt": ("referral_prompt", "opioid"),
                 "new_starts_per_100": ("new_starts", None), "items_per_100": ("n_items", None)}


@dataclass(frozen=True)
class TrustEntry:
    id: int
    name: str                 # as this viewer may see it ('Trust C' when anonymised)
    named: bool


@dataclass
class NetworkData:
    network_id: int
    name: str
    trusts: list[TrustEntry]
    rounds: dict[int, list]                  # trust id -> RoundInfo in time order
    counts: pd.DataFrame                     # trust_id, round_id, standard_id, met, not_met, not_applicable, not_assessable
    standards: list[StandardInfo]
    pdsa: dict[int, list[PdsaCycle]] = field(default_factory=dict)
    measures: list[StandardInfo] = field(default_factory=list)        # the programme's measures
    measure_counts: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)  # id -> round -> (k, n)
    ome_values: dict[int, list[float]] = field(default_factory=dict)  # round -> complete OMEs (for medians)
    _by_round: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict, repr=False)

    @property
    def all_measures(self) -> list[StandardInfo]:
        return self.standards + self.measures

    def standard(self, standard_id: str) -> StandardInfo:
        for s in self.all_measures:
            if s.id == standard_id:
                return s
        raise ValueError(f"unknown standard or measure {standard_id!r}; choose one of "
                         f"{', '.join(s.id for s in self.all_measures)}")

    def round_of(self, round_id: int):
        for rs in self.rounds.values():
            for r in rs:
                if r.id == round_id:
                    return r
        return None

    def trust(self, trust_id: int) -> TrustEntry:
        for t in self.trusts:
            if t.id == trust_id:
                return t
        raise ValueError(f"trust {trust_id} is not in the network {self.name!r}")

    @property
    def n_letters(self) -> int:
        return sum(r.n_letters for rs in self.rounds.values() for r in rs)


# =========================================================================== building

def network_standards(config: StandardsConfig | None = None) -> list[StandardInfo]:
    cfg = config or default_config()
    out = []
    for d in load_standards(cfg.standards_version, include_unscored=False):
        if not cfg.is_enabled(d.id):
            continue
        t = cfg.target_pct(d.id)
        out.append(StandardInfo(d.id, d.title, d.short_title, d.numerator_counts == NOT_MET,
                                "decrease" if d.direction == "lower" else "increase",
                                None if t is None else float(t) / 100.0))
    return out


def network_measures(config: StandardsConfig | None = None) -> list[StandardInfo]:
    """The programme's measures (``scoring.programme_measures``, the one list) as the network shows them."""
    from audit_app.scoring import programme_measures

    out = []
    for mid, m in programme_measures(config or default_config()).items():
        out.append(StandardInfo(mid, m["label"], m["label"], False, m["improvement"], None, kind=m["kind"],
                                unit=m["unit"], is_standard=False, how=m["how"], headline=bool(m.get("report"))))
    return out


#: bump when the meaning of a stored letter measure changes (audit_app.standards.measures)
FACTS_VERSION = 1


def facts_basis(config: StandardsConfig | None = None) -> str:
    """What a stored letter-measure row was computed from: the facts' definition and the
    configuration's standards version and parameters. Rows with another basis are recomputed."""
    cfg = config or default_config()
    payload = json.dumps({"facts": FACTS_VERSION, "standards": cfg.standards_version, "parameters": cfg.parameters},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def letter_measure_row(letter_id: int, round_id: int, version: int, basis: str, facts: dict) -> dict:
    """``programme_facts`` of one letter as a ``letter_measure`` row: numbers and codes only."""
    complete = facts.get("ome_mg_per_day") is not None
    ome = facts.get("ome_mg_per_day") if complete else facts.get("ome_lower_bound")
    flags = sorted({str(f.get("flag")) for f in facts.get("safety_flags") or [] if f.get("flag")})
    return {"letter_id": letter_id, "round_id": round_id, "letter_version": version, "basis": basis,
            "has_opioid": facts.get("has_opioid"), "excluded": bool(facts.get("excluded")),
            "ome": None if ome is None else float(ome), "ome_complete": complete,
            "n_items": facts.get("n_items"), "new_items": facts.get("new_items"), "new_starts": facts.get("new_starts"),
            "new_mr_items": facts.get("new_mr_items"), "pre_admission": bool(facts.get("pre_admission_opioid")),
            "pre_admission_ome": facts.get("pre_admission_ome"), "escalated": bool(facts.get("escalated")),
            "dose_reduced": bool(facts.get("dose_reduced")), "referral_prompt": bool(facts.get("referral_prompt")),
            "safety_flags": " " + " ".join(flags) + " " if flags else " "}


def measure_query_args(config: StandardsConfig | None = None) -> dict:
    """Keyword arguments of ``Store.measure_counts`` under this configuration."""
    from audit_app.standards.measures import SAFETY_FLAGS

    cfg = config or default_config()
    return {"thresholds": [float(t) for t in cfg.param("high_dose_thresholds_reported")],
            "referral_ome": float(cfg.param("referral_ome_mg")), "flags": list(SAFETY_FLAGS)}


def measure_counts_by_round(rows: Iterable[dict], config: StandardsConfig | None = None) -> dict[str, dict[int, tuple[int, int]]]:
    """Measure id -> round id -> (numerator, denominator) from ``Store.measure_counts`` rows. Rates
    get (count, 0) here: their denominator is the round's discharges (:func:`_round_counts`)."""
    from audit_app.standards.measures import SAFETY_FLAGS

    cfg = config or default_config()
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for row in rows:
        rid = int(row["round_id"])

        def put(mid, k, n):
            out.setdefault(mid, {})[rid] = (int(k or 0), int(n or 0))

        for i, t in enumerate(cfg.param("high_dose_thresholds_reported")):
            put(f"high_dose_{t:g}", row[f"over_{i}"], row[f"known_{i}"])
        for i, flag in enumerate(SAFETY_FLAGS):
            put(f"flag_{flag}", row[f"flag_{i}"], row["opioid"])
        for mid, (k, n) in _MEASURE_SUMS.items():
            put(mid, row[k], row[n] if n else 0)
    return out


def values_by_round(values: dict[int, list[float]] | Iterable[tuple[int, float]]) -> dict[int, list[float]]:
    """Round id -> values, from such a dict or from (round id, value) pairs."""
    if isinstance(values, dict):
        return {int(k): list(v) for k, v in values.items()}
    by: dict[int, list[float]] = {}
    for rid, v in values:
        by.setdefault(int(rid), []).append(float(v))
    return by


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else math.nan


def counts_frame(result_counts: Iterable[Any]) -> pd.DataFrame:
    """The store's (trust, round, standard, outcome, n) rows as one row per trust, round and standard."""
    cols = ["trust_id", "round_id", "standard_id", MET, NOT_MET, NOT_APPLICABLE, NOT_ASSESSABLE]
    rows: dict[tuple, dict] = {}
    for c in result_counts:
        key = (c.trust_id, c.round_id, c.standard_id)
        row = rows.setdefault(key, {"trust_id": c.trust_id, "round_id": c.round_id, "standard_id": c.standard_id,
                                    MET: 0, NOT_MET: 0, NOT_APPLICABLE: 0, NOT_ASSESSABLE: 0})
        if c.outcome in row:
            row[c.outcome] += c.n
    return pd.DataFrame(list(rows.values()), columns=cols)


def _cycle(c: dict, named: bool) -> PdsaCycle | None:
    data = {k: c.get(k) for k in _PDSA_FIELDS if k in c}
    try:
        cyc = PdsaCycle.from_dict(data)
    except (TypeError, ValueError):
        return None
    if not named:
        # another trust's change ideas are its own business: only that a cycle started, and when
        return PdsaCycle(cyc.cycle_no, "change idea not shared", cyc.date_start, measures_linked=cyc.measures_linked)
    return cyc


def _anonymous_rounds(rounds: list) -> list:
    """Another trust's rounds under neutral labels ('Mar 2024', or 'Round 2'): a label such as
    'Southmoor re-audit' would name an anonymised trust."""
    import dataclasses

    out, seen = [], {}
    for i, r in enumerate(rounds, start=1):
        label = f"{r.period_start:%b %Y}" if r.period_start else f"Round {i}"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        out.append(dataclasses.replace(r, label=label, source_file=None, mapping=None, note=None))
    return out


def build(network_id: int, name: str, trusts: Sequence[TrustEntry], rounds: dict[int, list],
          result_counts: Iterable[Any], pdsa_rows: dict[int, list[dict]] | None = None,
          config: StandardsConfig | None = None, *, measure_rows: Iterable[dict] | None = None,
          ome_values: dict[int, list[float]] | Iterable[tuple[int, float]] | None = None) -> NetworkData:
    """``measure_rows`` / ``ome_values``: ``Store.measure_counts`` / ``Store.opioid_ome_values``;
    without them the network shows the standards only."""
    named = {t.id: t.named for t in trusts}
    rounds = {tid: (list(rs) if named.get(tid, False) else _anonymous_rounds(list(rs))) for tid, rs in rounds.items()}
    pdsa = {tid: [c for c in (_cycle(row, named.get(tid, False)) for row in rows) if c is not None]
            for tid, rows in (pdsa_rows or {}).items()}
    with_measures = measure_rows is not None
    return NetworkData(network_id, name, list(trusts), {t.id: list(rounds.get(t.id, [])) for t in trusts},
                       counts_frame(result_counts), network_standards(config), pdsa,
                       measures=network_measures(config) if with_measures else [],
                       measure_counts=measure_counts_by_round(measure_rows, config) if with_measures else {},
                       ome_values=values_by_round(ome_values or []) if with_measures else {})


# =========================================================================== per standard

def _num_den(std: StandardInfo, met: int, not_met: int) -> tuple[int, int]:
    return (not_met if std.counts_not_met else met), met + not_met


def _round_counts(data: NetworkData, standard_id: str) -> dict[int, tuple[int, int]]:
    """Round id -> (numerator, denominator) of one standard (computed once per NetworkData)."""
    if standard_id not in data._by_round:
        std = data.standard(standard_id)
        if not std.is_standard:
            counts = data.measure_counts.get(standard_id, {})
            if std.kind == RATE:   # the denominator is the round's discharges (None: not entered)
                counts = {r.id: (counts.get(r.id, (0, 0))[0], int(r.discharges or 0))
                          for rs in data.rounds.values() for r in rs if r.id in counts}
            elif std.kind == MEDIAN:   # (letters with a complete OME, the same)
                counts = {rid: (len(v), len(v)) for rid, v in data.ome_values.items()}
            data._by_round[standard_id] = counts
            return counts
        c = data.counts[data.counts["standard_id"] == standard_id]
        data._by_round[standard_id] = {int(r): _num_den(std, int(m), int(nm))
                                       for r, m, nm in zip(c["round_id"], c[MET], c[NOT_MET])}
    return data._by_round[standard_id]


def _in_period(rnd, period: tuple[dt.date, dt.date]) -> bool:
    start = rnd.period_start or rnd.period_end
    return start is not None and period[0] <= start <= period[1]


def period_rounds(data: NetworkData, trust_id: int, period: Any = LATEST) -> list:
    """The trust's rounds in the period: its latest round, or those starting in (start, end)."""
    rounds = data.rounds.get(trust_id, [])
    if period in (None, LATEST):
        return rounds[-1:]
    return [r for r in rounds if _in_period(r, period)]


def period_label(period: Any) -> str:
    if period in (None, LATEST):
        return "each trust's latest round"
    a, b = period
    return f"rounds starting {a:%d %b %Y} to {b:%d %b %Y}"


@dataclass
class FunnelView:
    standard: StandardInfo
    result: FunnelResult
    sentences: list[str]          # trusts outside the limits / with no eligible letters, in words
    period: str
    _by_label: dict | None = field(default=None, repr=False)


def funnel_for(data: NetworkData, standard_id: str, period: Any = LATEST,
               overdispersion: str | None = None) -> FunnelView:
    std = data.standard(standard_id)
    if not std.funnel:
        raise ValueError(f"{std.name} is a {std.kind}, not a proportion: a funnel plot is for proportions "
                         "(see its league table and each trust's trend)")
    by_round = _round_counts(data, standard_id)
    labels, k, n = [], [], []
    for t in data.trusts:
        rs = period_rounds(data, t.id, period)
        if not rs:
            continue   # no round in the period: not a point, and not 'no eligible letters' either
        kk = sum(by_round.get(r.id, (0, 0))[0] for r in rs)
        nn = sum(by_round.get(r.id, (0, 0))[1] for r in rs)
        labels.append(t.name)
        k.append(kk)
        n.append(nn)
    result = funnel(k, n, labels, overdispersion=overdispersion, improvement=std.improvement)
    return FunnelView(std, result, outlier_sentences(result, std.name), period_label(period))


def period_value_of(data: NetworkData, std: StandardInfo, rounds: list) -> tuple[float, int, int]:
    """(value, numerator, denominator) of a measure over some rounds of one trust: a proportion
    (0-1), a rate per 100 discharges (rounds without discharges left out) or the median of the
    pooled letters (numerator = denominator = letters). value is nan when there is nothing to count."""
    by_round = _round_counts(data, std.id)
    if std.kind == MEDIAN:
        vals = [v for r in rounds for v in data.ome_values.get(r.id, [])]
        return _median(vals), len(vals), len(vals)
    k = sum(by_round.get(r.id, (0, 0))[0] for r in rounds if std.kind != RATE or by_round.get(r.id, (0, 0))[1])
    n = sum(by_round.get(r.id, (0, 0))[1] for r in rounds)
    if not n:
        return math.nan, k, n
    return (100 * k / n if std.kind == RATE else k / n), k, n


def value_text(std: StandardInfo, value: float, k: int, n: int) -> str:
    """'72% (36/50)', '3.0 per 100 discharges (12/400)', '45 mg/day (median of 120 letters)'."""
    if std.kind == RATE:
        return (f"{value:.1f} per 100 discharges ({k}/{n})" if n else "number of discharges not entered")
    if std.kind == MEDIAN:
        return f"{value:.0f} {std.unit} (median of {n} letters)" if n else "no letter with a known total OME"
    return f"{_pct(value)} ({k}/{n})" if n else NO_ELIGIBLE


def _x_labels(data: NetworkData) -> tuple[bool, dict[int, Any]]:
    """Round id -> x position: its start date when every round has one, else its label."""
    all_rounds = [r for rs in data.rounds.values() for r in rs]
    dated = bool(all_rounds) and all(r.period_start is not None for r in all_rounds)
    return dated, {r.id: (pd.Timestamp(r.period_start) if dated else r.label) for r in all_rounds}


@dataclass
class TrendPanel:
    trust: TrustEntry
    result: Any                    # qi.spc.SpcResult
    cycles: list[PdsaCycle]
    labels: list[str]              # round labels, in order
    numerators: list[int]
    denominators: list[int]
    values: list[float] = field(default_factory=list)   # the plotted value of each round (nan: none)


def _chart_for(n_points: int) -> str:
    return "p" if n_points >= MIN_SPC_POINTS else "run"


def trend_panels(data: NetworkData, standard_id: str, *, rules: str = "mdc", chart: str | None = None) -> list[TrendPanel]:
    """Each trust's series of one standard over its rounds, analysed with the same chart and rules
    (p chart when every trust has 12 rounds or more, else run charts). Trusts without rounds are
    left out; rounds with no eligible letters are gaps ('no data'), never 0%."""
    std = data.standard(standard_id)
    by_round = _round_counts(data, standard_id)
    _, xpos = _x_labels(data)
    series = [(t, data.rounds.get(t.id, [])) for t in data.trusts if data.rounds.get(t.id)]
    if not std.funnel:
        return _value_panels(data, std, series, xpos, rules=rules, chart=chart)
    if chart is None:
        chart = _chart_for(min((len(rs) for _, rs in series), default=0))
    panels = []
    for t, rs in series:
        num = [by_round.get(r.id, (0, 0))[0] for r in rs]
        den = [by_round.get(r.id, (0, 0))[1] for r in rs]
        if not any(den):
            continue   # no eligible letters in any round: nothing to chart (said in the funnel and table)
        result = spc.analyse([float(k) for k in num], [float(d) for d in den], labels=[xpos[r.id] for r in rs],
                             chart=chart, rules=rules, improvement=std.improvement, target=std.target)
        cycles = [c for c in data.pdsa.get(t.id, []) if not c.measures_linked or standard_id in c.measures_linked]
        panels.append(TrendPanel(t, result, cycles, [r.label for r in rs], num, den,
                                 [k / d if d else math.nan for k, d in zip(num, den)]))
    return panels


def _value_panels(data: NetworkData, std: StandardInfo, series: list, xpos: dict, *, rules: str,
                  chart: str | None) -> list[TrendPanel]:
    """Rates and medians: the values themselves (XmR for rates from 12 points, run charts below
    and for medians, as scoring.programme_measures says); a round without a value (no discharges
    entered, no letter with a known OME) is left out, never a zero."""
    from audit_app.scoring import programme_measures

    spec_chart = programme_measures().get(std.id, {}).get("chart", "run")
    points = []
    for t, rs in series:
        vals = [(r, *period_value_of(data, std, [r])) for r in rs]
        vals = [(r, v, k, n) for r, v, k, n in vals if math.isfinite(v)]
        if vals:
            points.append((t, vals))
    if chart is None:
        chart = spec_chart if min((len(v) for _, v in points), default=0) >= MIN_SPC_POINTS else "run"
    panels = []
    for t, vals in points:
        result = spc.analyse([v for _, v, _, _ in vals], labels=[xpos[r.id] for r, *_ in vals], chart=chart,
                             rules=rules, improvement=std.improvement)
        cycles = [c for c in data.pdsa.get(t.id, []) if not c.measures_linked or std.id in c.measures_linked]
        panels.append(TrendPanel(t, result, cycles, [r.label for r, *_ in vals], [k for _, _, k, _ in vals],
                                 [n for *_, n in vals], [v for _, v, _, _ in vals]))
    return panels


def _pct(p: float) -> str:
    return "n/a" if p is None or not math.isfinite(p) else f"{100 * p:.0f}%"


def _signed_pp(x: float) -> str:
    # a typographic minus: a cell starting with '-' would be guarded as a formula
    return f"{100 * x:+.0f}".replace("-", "\u2212")


@dataclass
class Change:
    previous_label: str | None
    diff: float                 # p_latest - p_previous (nan when either has no eligible letters)
    low: float
    high: float
    verdict: str                # 'improved' / 'worsened' / 'no clear change' / 'no previous round' / 'not comparable'


def _change(std: StandardInfo, rounds: list, by_round: dict[int, tuple[int, int]]) -> Change:
    if len(rounds) < 2:
        return Change(None, math.nan, math.nan, math.nan, "no previous round")
    prev, last = rounds[-2], rounds[-1]
    k1, n1 = by_round.get(last.id, (0, 0))
    k0, n0 = by_round.get(prev.id, (0, 0))
    if not n0 or not n1:
        return Change(prev.label, math.nan, math.nan, math.nan, "not comparable (no eligible letters)")
    d, lo, hi = newcombe_interval(k1, n1, k0, n0)
    if lo > 0 or hi < 0:
        up = lo > 0
        verdict = "improved" if up == (std.improvement == "increase") else "worsened"
    else:
        verdict = "no clear change"
    return Change(prev.label, d, lo, hi, verdict)


LEAGUE_COLUMNS = ["trust", "round", "n/N", "%", "95% CI", "change (points)", "95% CI of change", "change",
                  "funnel position", "variation", "assurance", "numerator", "denominator", "proportion",
                  "ci_low", "ci_high", "diff", "diff_low", "diff_high", "trust_id", "named"]


def _icon_words(data: NetworkData, standard_id: str, rules: str,
                panels: list[TrendPanel] | None) -> dict[int, tuple[str, str]]:
    """Each trust's variation and assurance icons in words (from its trend panel), for the league tables."""
    panels = panels if panels is not None else trend_panels(data, standard_id, rules=rules)
    return {p.trust.id: (VARIATION_WORDS.get(p.result.variation_icon, "") if p.result.variation_icon else "",
                         ASSURANCE_WORDS.get(p.result.assurance_icon, "") if p.result.assurance_icon else "")
            for p in panels}


def league_table(data: NetworkData, standard_id: str, *, period: Any = LATEST, rules: str = "mdc",
                 funnel_view: FunnelView | None = None, panels: list[TrendPanel] | None = None) -> pd.DataFrame:
    """One row per trust for one standard, in funnel-position order (worst first, then by the
    lower end of the Wilson interval); never a rank by the point estimate."""
    std = data.standard(standard_id)
    if not std.funnel:
        return _value_league(data, std, period=period, rules=rules, panels=panels)
    by_round = _round_counts(data, standard_id)
    fv = funnel_view or funnel_for(data, standard_id, period)
    position = dict(zip(fv.result.points["label"], fv.result.points["position"]))
    icons = _icon_words(data, standard_id, rules, panels)
    rows = []
    for t in data.trusts:
        rs = period_rounds(data, t.id, period)
        if not rs:
            continue
        k = sum(by_round.get(r.id, (0, 0))[0] for r in rs)
        n = sum(by_round.get(r.id, (0, 0))[1] for r in rs)
        lo, hi = wilson_interval(k, n)
        ch = _change(std, data.rounds.get(t.id, []), by_round)
        variation, assurance = icons.get(t.id, ("", ""))
        rows.append({
            "trust": t.name, "round": ", ".join(r.label for r in rs),
            "n/N": f"{k}/{n}" if n else NO_ELIGIBLE,
            "%": round(100 * k / n, 1) if n else None,
            "95% CI": f"{_pct(lo)} to {_pct(hi)}" if n else "",
            "change (points)": round(100 * ch.diff, 1) if math.isfinite(ch.diff) else None,
            "95% CI of change": (f"{_signed_pp(ch.low)} to {_signed_pp(ch.high)}" if math.isfinite(ch.diff) else ""),
            "change": ch.verdict if ch.previous_label is None or not math.isfinite(ch.diff)
            else f"{ch.verdict} since {ch.previous_label}",
            "funnel position": position.get(t.name, ""),
            "variation": variation, "assurance": assurance,
            "numerator": k, "denominator": n, "proportion": k / n if n else math.nan,
            "ci_low": lo, "ci_high": hi, "diff": ch.diff, "diff_low": ch.low, "diff_high": ch.high,
            "trust_id": t.id, "named": t.named,
        })
    table = pd.DataFrame(rows, columns=LEAGUE_COLUMNS)
    if table.empty:
        return table
    order = table["funnel position"].map(lambda p: _POSITION_ORDER.get(p, 6))
    if std.improvement == "decrease":   # 'above' is the worse side
        order = order.map(lambda o: {0: 4, 1: 3, 3: 1, 4: 0}.get(o, o))
    lower = table["ci_low"].fillna(2.0) if std.improvement == "increase" else -table["ci_high"].fillna(-2.0)
    table = table.assign(_o=order, _l=lower).sort_values(["_o", "_l", "trust"]).drop(columns=["_o", "_l"])
    return table.reset_index(drop=True)


VALUE_LEAGUE_COLUMNS = ["trust", "round", "value", "n", "change", "variation", "assurance", "numeric value",
                       "numerator", "denominator", "trust_id", "named"]


def _value_change(data: NetworkData, std: StandardInfo, rounds: list) -> str:
    """The change of a rate or median from the previous round, in words (no interval: for a
    median there is none to hand; read the trend for a signal)."""
    vals = [(r, period_value_of(data, std, [r])[0]) for r in rounds[-2:]]
    if len(vals) < 2:
        return "no previous round"
    (r0, v0), (_r1, v1) = vals
    if not (math.isfinite(v0) and math.isfinite(v1)):
        return "not comparable (no value in one of the rounds)"
    unit = "per 100 discharges" if std.kind == RATE else std.unit
    diff = f"{v1 - v0:+.1f}" if std.kind == RATE else f"{v1 - v0:+.0f}"
    return f"{diff.replace('-', chr(0x2212))} {unit} since {r0.label}"


def _value_league(data: NetworkData, std: StandardInfo, *, period: Any, rules: str,
                  panels: list[TrendPanel] | None) -> pd.DataFrame:
    """A rate or median per trust: value with its n, change, variation and assurance icons.
    Without a funnel there is no position to order by, so trusts are in name order: never a
    rank by the value."""
    icons = _icon_words(data, std.id, rules, panels)
    rows = []
    for t in data.trusts:
        rs = period_rounds(data, t.id, period)
        if not rs:
            continue
        v, k, n = period_value_of(data, std, rs)
        variation, assurance = icons.get(t.id, ("", ""))
        rows.append({"trust": t.name, "round": ", ".join(r.label for r in rs), "value": value_text(std, v, k, n),
                     "n": (f"{n} discharges" if std.kind == RATE else f"{n} letters") if n else "",
                     "change": _value_change(data, std, data.rounds.get(t.id, [])),
                     "variation": variation, "assurance": assurance,
                     "numeric value": round(v, 2) if math.isfinite(v) else None, "numerator": k, "denominator": n,
                     "trust_id": t.id, "named": t.named})
    table = pd.DataFrame(rows, columns=VALUE_LEAGUE_COLUMNS)
    return table.sort_values("trust", kind="stable").reset_index(drop=True) if not table.empty else table


def network_value(data: NetworkData, std: StandardInfo, period: Any = LATEST) -> tuple[float, int, int]:
    """A rate or median over every trust's rounds of the period (pooled): the network's figure."""
    rounds = [r for t in data.trusts for r in period_rounds(data, t.id, period)]
    return period_value_of(data, std, rounds)


# =========================================================================== words

def trend_signals(panels: list[TrendPanel], standard: StandardInfo, *, named: bool = True) -> list[str]:
    """One sentence per trust whose latest point is a special cause (``named``: starting with the
    trust's name, for the network; without it, for the trust's own feedback)."""
    out = []
    for p in panels:
        pts = p.result.points
        if pts.empty:
            continue
        last = pts.iloc[-1]
        pt = str(last["point_type"])
        if pt.startswith("special_cause"):
            kind = ("an improvement" if "improvement" in pt else "a concern" if "concern" in pt else "a special cause")
            value = value_text(standard, p.values[-1], p.numerators[-1], p.denominators[-1]) if p.values \
                else (_pct(p.numerators[-1] / p.denominators[-1]) if p.denominators[-1] else NO_ELIGIBLE)
            sentence = f"{standard.name} shows {kind} at its latest round ({p.labels[-1]}, {value})."
            out.append(f"{p.trust.name}: {sentence}" if named else sentence)
    return out


def network_signals(data: NetworkData, funnels: dict[str, FunnelView] | None = None,
                    panels: dict[str, list[TrendPanel]] | None = None) -> list[str]:
    """What the network meeting should hear: funnel outliers, overdispersion, special causes."""
    out = []
    for std in data.all_measures:
        if std.funnel:
            fv = (funnels or {}).get(std.id) or funnel_for(data, std.id)
            if fv.result.units_used == 0:
                continue
            for s in fv.sentences:
                if NO_ELIGIBLE not in s:
                    out.append(s)
        ps = (panels or {}).get(std.id)
        if ps is None:
            ps = trend_panels(data, std.id)
        out.extend(trend_signals(ps, std))
    if not out:
        out.append("No trust lies outside the funnel limits on any standard or measure, and no trust's latest round "
                   "is a special cause.")
    return out


@dataclass
class TrustFeedback:
    trust: TrustEntry
    latest_round: str | None
    position: list[str]          # per standard: value, interval, where in the funnel
    moved: list[str]             # changes with an interval clear of zero, and special causes
    pdsa: list[str]              # the trust's PDSA cycles
    table: pd.DataFrame          # standard, n/N, %, CI, network %, funnel position, change
    measures: list[str] = field(default_factory=list)   # per programme measure: its value beside the network's


def _points_by_label(fv: FunnelView) -> dict[str, dict]:
    """The funnel's points by trust name (computed once per funnel: feedback looks up every trust)."""
    if fv._by_label is None:
        fv._by_label = {r["label"]: r for r in fv.result.points.to_dict("records")}
    return fv._by_label


def _value_feedback(data: NetworkData, std: StandardInfo, trust_id: int, period: Any,
                    panels: list[TrendPanel]) -> tuple[str | None, list[str], dict | None]:
    """A rate's or median's position line, signals and table row for one trust (no funnel: the
    network's pooled figure beside it)."""
    rs = period_rounds(data, trust_id, period)
    if not rs:
        return None, [], None
    v, k, n = period_value_of(data, std, rs)
    nv, nk, nn = network_value(data, std, period)
    if not math.isfinite(nv):
        return None, [], None   # no trust has a value: nothing to compare with
    network = value_text(std, nv, nk, nn).split(" (")[0]
    line = f"{std.name}: {value_text(std, v, k, n)} (network {network})."
    moved = trend_signals([p for p in panels if p.trust.id == trust_id], std, named=False)
    row = {"standard": std.name, "n/N": value_text(std, v, k, n), "%": None, "network %": None,
           "funnel position": "no funnel (not a proportion)", "change": _value_change(data, std, data.rounds.get(trust_id, []))}
    return line, moved, row


def trust_feedback(data: NetworkData, trust_id: int, *, funnels: dict[str, FunnelView] | None = None,
                   panels: dict[str, list[TrendPanel]] | None = None, rules: str = "mdc",
                   period: Any = LATEST) -> TrustFeedback:
    t = data.trust(trust_id)
    rounds = data.rounds.get(trust_id, [])
    position, measures, moved, rows = [], [], [], []
    for std in data.all_measures:
        if not std.funnel:
            ps = (panels or {}).get(std.id)
            line, signals, row = _value_feedback(data, std, trust_id, period,
                                                 ps if ps is not None else trend_panels(data, std.id, rules=rules))
            if line:
                measures.append(line)
                moved.extend(signals)
                rows.append(row)
            continue
        fv = (funnels or {}).get(std.id) or funnel_for(data, std.id, period)
        if fv.result.units_used == 0:
            continue   # no trust has eligible letters for this standard
        row = _points_by_label(fv).get(t.name)
        by_round = _round_counts(data, std.id)
        name = std.name
        if row is None:
            continue
        k, n = int(row["numerator"]), int(row["denominator"])
        ch = _change(std, rounds, by_round)
        lines = position if std.is_standard else measures
        if n == 0:
            lines.append(f"{name}: {NO_ELIGIBLE} in {rounds[-1].label if rounds else 'the period'}.")
        else:
            lo, hi = wilson_interval(k, n)
            where = ("within the network's funnel limits" if row["position"] == "within"
                     else f"{row['position']} limit of the network's funnel")
            lines.append(f"{name}: {_pct(k / n)} ({k}/{n}; 95% CI {_pct(lo)} to {_pct(hi)}), {where} "
                            f"(network {_pct(fv.result.centre)}).")
        if ch.verdict in ("improved", "worsened"):
            moved.append(f"{name} {ch.verdict} since {ch.previous_label}: {_signed_pp(ch.diff)} points "
                         f"(95% CI {_signed_pp(ch.low)} to {_signed_pp(ch.high)}).")
        ps = (panels or {}).get(std.id)
        if ps is None:
            ps = trend_panels(data, std.id, rules=rules)
        moved.extend(trend_signals([p for p in ps if p.trust.id == trust_id], std, named=False))
        rows.append({"standard": name, "n/N": f"{k}/{n}" if n else NO_ELIGIBLE,
                     "%": round(100 * k / n, 1) if n else None,
                     "network %": round(100 * fv.result.centre, 1) if math.isfinite(fv.result.centre) else None,
                     "funnel position": row["position"],
                     "change": ch.verdict if not math.isfinite(ch.diff) else
                     f"{ch.verdict} ({_signed_pp(ch.diff)} points, 95% CI {_signed_pp(ch.low)} to {_signed_pp(ch.high)})"})
    if not moved:
        moved.append("No standard or measure changed by more than chance would explain since the previous round, "
                     "and no latest round is a special cause.")
    cycles = data.pdsa.get(trust_id, [])
    pdsa = [f"{c.label}, started {c.date_start:%d %b %Y}" + (f", ended {c.date_end:%d %b %Y}" if c.date_end else "")
            + (f"; measures: {', '.join(c.measures_linked)}" if c.measures_linked else "") for c in cycles]
    if not pdsa:
        pdsa.append("No PDSA cycle recorded.")
    return TrustFeedback(t, rounds[-1].label if rounds else None, position, moved, pdsa, pd.DataFrame(rows), measures)


# =========================================================================== figures and the whole report

def funnel_figure(fv: FunnelView, *, highlight: str | None = None):
    from qi import figures

    measure = fv.standard.name
    return figures.funnel_figure(fv.result, f"{measure}: funnel plot, {fv.period}", highlight=highlight,
                                 measure=measure)


def trends_figure(panels: list[TrendPanel], standard: StandardInfo, *, columns: int = 4):
    from qi import figures

    chart = panels[0].result.chart if panels else "run"
    rules = panels[0].result.rules if panels else "mdc"
    unit = "" if standard.funnel else f", {standard.unit}"
    title = (f"{standard.name}: each trust over time{unit} "
             f"({CHART_NAMES.get(chart, chart)}, {RULE_SET_NAMES.get(rules, rules)})")
    return figures.small_multiples_figure([(p.trust.name, p.result, p.cycles) for p in panels], title,
                                          columns=columns, percent=standard.funnel, target=standard.target)


@dataclass
class NetworkReport:
    """Everything the collated report shows, computed once from a NetworkData."""
    data: NetworkData
    period: str
    overdispersion: str | None
    rules: str
    funnels: dict[str, FunnelView]          # proportions (standards and programme measures)
    panels: dict[str, list[TrendPanel]]     # every standard and measure
    leagues: dict[str, pd.DataFrame]        # every standard and measure with data
    feedback: dict[int, TrustFeedback]
    signals: list[str]
    period_value: Any = LATEST

    @property
    def standards_with_data(self) -> list[StandardInfo]:
        """Standards and proportion measures with eligible letters somewhere: those with a funnel."""
        return [s for s in self.data.all_measures if s.id in self.funnels and self.funnels[s.id].result.units_used > 0]

    @property
    def values_with_data(self) -> list[StandardInfo]:
        """Rates and medians that some trust has a value for (league table and trends, no funnel)."""
        return [s for s in self.data.measures if not s.funnel and s.id in self.leagues
                and self.leagues[s.id]["numeric value"].notna().any()]


def collate(data: NetworkData, *, period: Any = LATEST, overdispersion: str | None = None, rules: str = "mdc",
            feedback_trusts: Iterable[int] | None = None) -> NetworkReport:
    """Funnels (proportions), trends and league tables for every standard and measure, feedback
    for ``feedback_trusts`` (default: every trust shown by name), and the network's signals."""
    every = data.all_measures
    funnels = {s.id: funnel_for(data, s.id, period, overdispersion) for s in every if s.funnel}
    panels = {s.id: trend_panels(data, s.id, rules=rules) for s in every}
    leagues = {s.id: league_table(data, s.id, period=period, funnel_view=funnels[s.id], panels=panels[s.id])
               for s in every if s.funnel and funnels[s.id].result.units_used > 0}
    leagues.update({s.id: league_table(data, s.id, period=period, panels=panels[s.id]) for s in every if not s.funnel})
    wanted = [t.id for t in data.trusts if t.named] if feedback_trusts is None else list(feedback_trusts)
    feedback = {tid: trust_feedback(data, tid, funnels=funnels, panels=panels, rules=rules, period=period)
                for tid in wanted}
    return NetworkReport(data, period_label(period), overdispersion, rules, funnels, panels, leagues, feedback,
                         network_signals(data, funnels, panels), period)
