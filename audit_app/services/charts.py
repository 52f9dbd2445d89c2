"""Charts page: a measure over rounds/weeks/months on a run or SPC chart (audit_app.scoring + qi).

A chart is returned as data (the analysis and the arguments of qi.figures.spc_figure); the page
draws it (ui.figures). qi.figures (plotly) is imported on first use, not at app start:
services.warm_up loads it in the background.
"""
from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit_app import privacy, scoring, wording
from audit_app.store.gcpause import gc_paused
from audit_app.services.pdsa import list_pdsa, pdsa_cycles
from audit_app.services.scope import ServiceError, TrustScope
from audit_app.services.standards import current_standards
from audit_app.store.database import overlapping_periods
from qi import explain, spc

#: the charts the app offers, and every rule set, with their names (qi.explain)
CHART_TYPES = {k: explain.CHART_NAMES[k] for k in ("run", "p", "i", "pp")}
RULE_SETS = {k: explain.RULE_SET_NAMES[k] for k in spc.RULE_SETS}
GRAINS = wording.GRAINS


def measure_options(scope: TrustScope) -> dict[str, str]:
    """Measure id -> label for the chart picker and PDSA links: the scope's trust's measures
    (its current standards; scoring.measure_options), proportions said as '% ...'."""
    cfg = current_standards(scope)[1]
    programme = scoring.programme_measures(cfg)
    return {mid: f"% {label[0].lower()}{label[1:]}" if programme.get(mid, {}).get("kind") == "proportion" else label
            for mid, label in scoring.measure_options(cfg).items()}


def measures(scope: TrustScope, grain: str = "round") -> pd.DataFrame:
    """The trust's QI measures over all its rounds (audit_app.scoring.qi_measures), tidy."""
    if grain not in GRAINS:
        raise ServiceError(f"choose the grain: {', '.join(GRAINS)}")
    rounds = [r for r in scope.store.list_rounds(scope.trust_id) if r.n_letters]
    # targets as the latest round was scored (its standards version), so the chart's target line is
    # the one the Compliance page, the report and the slides show for that round
    _, cfg = current_standards(scope, rounds[-1].standards_version if rounds else None)
    with gc_paused():
        pairs = [(r, scope.store.letters(r.id)) for r in rounds]
        return scoring.qi_measures(pairs, period=grain, config=cfg)


@dataclass
class ChartView:
    figure_args: dict[str, Any]   # keyword arguments of qi.figures.spc_figure (ui.figures.chart_figure draws it)
    title: str
    signals: list[str]
    variation: str | None
    assurance: str | None
    notes: list[str]
    data: pd.DataFrame
    n_points: int


def _overlapping_rounds(scope: TrustScope, labels: list[str]) -> list[str]:
    """'Round 2 (03/01/2024 to 13/10/2025) overlaps Round 1 (...)' for the charted rounds whose
    periods overlap (store.overlapping_periods, the rule that also orders the rounds); [] when
    they follow one another."""
    wanted = set(labels)
    charted = [r for r in scope.store.list_rounds(scope.trust_id) if r.label in wanted]
    return [f"{b.label} ({b.period_start:%d/%m/%Y} to {b.period_end:%d/%m/%Y}) overlaps "
            f"{a.label} ({a.period_start:%d/%m/%Y} to {a.period_end:%d/%m/%Y})"
            for a, b in overlapping_periods(charted)]


def chart(scope: TrustScope, measure_id: str, *, grain: str = "round", chart_type: str = "run",
          rules: str = "anhoej", phase_cycle_id: int | None = None, show_2sigma: bool = False,
          table: pd.DataFrame | None = None) -> ChartView:
    """Analyse one measure (qi.spc.analyse) with the trust's PDSA cycles linked to it, ready to draw
    (qi.figures.spc_figure); optionally start a new phase at a chosen PDSA cycle. `table`: the
    trust's `measures` when the page already has them."""
    if chart_type not in CHART_TYPES:
        raise ServiceError(f"choose a chart: {', '.join(CHART_TYPES.values())}")
    if rules not in RULE_SETS:
        raise ServiceError(f"choose a rule set: {', '.join(RULE_SETS.values())}")
    m = table if table is not None else measures(scope, grain)
    rows = m[m["measure_id"] == measure_id]
    if rows.empty:
        raise ServiceError("no data for this measure yet: import at least one round with letters")
    kwargs = scoring.qi_series(m, measure_id)
    kind = rows["kind"].iloc[0]
    if kind == "rate":  # per 100 discharges: rounds without a number of discharges are not charted
        rows = rows[rows["value"].notna()]
        if rows.empty:
            raise ServiceError("enter the number of discharges for a round (Trusts and rounds page) to chart "
                               "this measure")
    if chart_type in ("p", "pp") and kind != "proportion":
        raise ServiceError(f"a {CHART_TYPES[chart_type]} needs a percentage measure; "
                           "use a run chart or an XmR chart for the median OME")
    kwargs["chart"] = chart_type
    names = [wording.period_words(x, grain) for x in rows["period"]]
    starts = list(rows["period_start"])
    dated = grain == "round" and all(isinstance(x, dt.date) for x in starts) and len(set(starts)) == len(starts)
    overlapping = _overlapping_rounds(scope, names) if grain == "round" else []
    dated = dated and not overlapping
    if dated:  # rounds sit at their start dates, so PDSA cycles fall between the right rounds
        kwargs["labels"] = [pd.Timestamp(x) for x in starts]
    cycles = pdsa_cycles(scope, measure_id)
    extra_notes = []
    if overlapping and cycles:
        cycles = []
        extra_notes.append(
            f"The rounds' periods overlap ({'; '.join(overlapping)}), so a round has no single place in time and "
            "PDSA cycles cannot be put between rounds. Choose one point per month of discharge to see them.")
    phases = None
    if phase_cycle_id is not None:
        chosen = next((c for c in list_pdsa(scope) if c["id"] == phase_cycle_id), None)
        if chosen is None:
            raise ServiceError("that PDSA cycle is not in this trust's log")
        start = dt.date.fromisoformat(str(chosen["date_start"])[:10])
        first = next((n for n, s in zip(names, rows["period_start"])
                      if s is not None and not (isinstance(s, float) and math.isnan(s)) and pd.Timestamp(s) >= pd.Timestamp(start)), None)
        if first is None:
            raise ServiceError(f"no data on or after the cycle's start ({start:%d/%m/%Y}), so no new phase can start there")
        if first == names[0]:
            raise ServiceError("the cycle starts at the first point: a new phase needs points before it")
        phases = [kwargs["labels"][names.index(first)]]
    try:
        result = spc.analyse(rules=rules, phases=phases, **kwargs)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    label = measure_options(scope).get(measure_id, rows["measure"].iloc[0])
    title = f"{label} by {GRAINS[grain]}: {CHART_TYPES[chart_type]}, {RULE_SETS[rules]}"
    figure_args = dict(result=result, pdsa_cycles=cycles, title=title, show_2sigma=show_2sigma,
                       percent=kind == "proportion", ticks=(kwargs["labels"], names) if dated else None)
    pts = result.points
    signals = explain.point_signals(pts, names, percent=kind == "proportion") + explain.phase_sentences(result.phases)
    data = pts.copy()
    data.insert(0, "measure", label)
    data.insert(1, "period", names)
    data["explanation"] = [explain.point_sentence(r) for _, r in pts.iterrows()]
    notes = list(result.notes) + extra_notes
    few = explain.few_points_note(len(pts))
    if few:
        notes.append(few)
    # offered for download as CSV (opened in Excel): text through the formula guard
    return ChartView(figure_args, title, signals, result.variation_icon, result.assurance_icon, notes,
                     privacy.safe_frame(data), len(pts))


def chart_csv(view: ChartView, table: pd.DataFrame, measure_id: str) -> str:
    """The chart's data in the one CSV format `opioid-audit chart` reads back (qi.series_csv):
    period, numerator, denominator, proportion, target (a fraction), then limits and signals."""
    from qi.series_csv import points_to_csv

    rows = table[table["measure_id"] == measure_id]
    target = rows["target"].iloc[0] if not rows.empty and "target" in rows else None
    if target is not None and (isinstance(target, float) and math.isnan(target)):
        target = None
    if target is not None and rows["kind"].iloc[0] == "proportion":
        target = float(target) / 100.0
    return points_to_csv(view.data, periods=[str(p) for p in view.data["period"]], target=target,
                         measure=str(view.data["measure"].iloc[0]) if len(view.data) else None)


def icon_text(variation: str | None, assurance: str | None) -> tuple[str | None, str | None]:
    return explain.icon_words(variation, assurance)


def figure_png(fig) -> bytes:
    """A plotly figure (drawn by the page or the slides) as PNG; ServiceError when it cannot be drawn."""
    from qi import figures  # plotly: see the module docstring

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kaleido: 'kopts ignored if using a server' (report.png_session)
            return figures.figure_to_png(fig)
    except Exception as exc:  # noqa: BLE001
        raise ServiceError(f"the PNG could not be drawn ({exc}); download the CSV instead") from None


