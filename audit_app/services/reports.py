"""Report page: the round's Excel report and its PowerPoint deck.

audit_app.report and audit_app.slides (openpyxl, python-pptx) are imported on first use, not at app start.
The deck's pictures are drawn here with qi.figures (the pages draw theirs with audit_app.ui.figures).
"""
from __future__ import annotations

import re

import pandas as pd

from audit_app import privacy
from audit_app.services.charts import GRAINS, chart, figure_png, icon_text, measure_options, measures
from audit_app.services.compliance import compliance_view
from audit_app.services.pdsa import list_pdsa
from audit_app.services.scope import ServiceError, TrustScope
from audit_app.services.standards import current_standards
from audit_app.store.database import StoreError
from qi import explain


def round_report(scope: TrustScope, round_id: int, *, mask: bool = True, charts: bool = True,
                 grain: str = "round") -> bytes:
    """The round's Excel report (audit_app.report), identifiers masked unless the trust keeps them
    and the caller asks for them; charts with one point per round, week or month (`grain`)."""
    from audit_app import report  # see the module docstring

    rnd = scope.round(round_id)
    trust = scope.trust
    if not rnd.n_letters:
        raise ServiceError(f"round {rnd.label!r} has no letters yet: nothing to report")
    _, cfg = current_standards(scope, rnd.standards_version)
    try:
        return report.build_round_report_from_store(scope.store, scope.trust_id, rnd.id, unmask=(not mask and
                                                    trust.keep_identifiers), charts=charts, config=cfg,
                                                    chart_grain=grain)
    except (ValueError, StoreError) as exc:
        raise ServiceError(str(exc)) from None


def slide_measures(scope: TrustScope) -> list[str]:
    """The measures a deck shows unless the user picks: those linked to a PDSA cycle (the changes
    being tested), else the first four standards; then the median OME."""
    options = measure_options(scope)
    linked = [m for c in list_pdsa(scope) for m in (c.get("measures_linked") or [])]
    chosen = list(dict.fromkeys(m for m in linked if m in options))
    if not chosen:
        chosen = [m for m in options if m.startswith("OD-")][:4]
    if "median_ome" in options and "median_ome" not in chosen:
        chosen.append("median_ome")
    return chosen


def round_slides(scope: TrustScope, round_id: int, measure_ids: list[str] | None = None,
                 grain: str = "round") -> bytes:
    """A PowerPoint deck of the round for a QI meeting (audit_app.slides): compliance against
    targets, then each measure's run chart over the trust's rounds with its PDSA cycles and
    signals in words, one point per round, week or month (`grain`). Aggregates only: no letter
    text or identifier."""
    from audit_app import report, slides  # see the module docstring
    from qi import figures

    rnd = scope.round(round_id)
    trust = scope.trust
    if not rnd.n_letters:
        raise ServiceError(f"round {rnd.label!r} has no letters yet: nothing to present")
    view = compliance_view(scope, rnd)
    lines = []
    for _, r in view.summary.iterrows():
        if pd.isna(r["Compliance %"]):  # no eligible letters
            continue
        lines.append(f"{r['Standard']} {r['Title']}: {r['Compliance %']:.0f}% ({r['n']}; 95% CI {r['95% CI']})"
                     + (f", target {r['Target']} {r['Against target'][:1]}" if r["Target"] else ""))
    measure_ids = list(measure_ids or slide_measures(scope))
    options = measure_options(scope)
    if grain not in GRAINS:
        raise ServiceError(f"choose the grain: {', '.join(GRAINS)}")
    table = measures(scope, grain)

    def png(fig) -> tuple[bytes | None, str | None]:
        try:
            return figure_png(fig), None
        except ServiceError as exc:
            return None, f"Chart image unavailable: {exc}"

    charts: list = []
    with report.png_session():
        compliance_png, problem = png(figures.compliance_figure(view.raw, rnd.label))
        if problem:
            lines.append(problem)
        for mid in measure_ids:
            name = options.get(mid, mid)
            try:
                cv = chart(scope, mid, grain=grain, table=table)
            except ServiceError as exc:
                charts.append(slides.ChartSlide(name, None, [f"No chart: {exc}"]))
                continue
            variation, assurance = icon_text(cv.variation, cv.assurance)
            bullets = list(cv.signals) or [explain.NO_SIGNAL]
            bullets += [f"Variation: {variation}."] if variation else []
            bullets += [f"Against target: {assurance}."] if assurance else []
            bullets += cv.notes
            image, problem = png(figures.spc_figure(**cv.figure_args))
            charts.append(slides.ChartSlide(name, image, bullets + ([problem] if problem else [])))
    method = [
        "Compliance: the share of eligible letters (or opioid items) that meet each standard, with its 95% "
        "Wilson interval; exclusions and 'not assessable' answers are left out of the percentage.",
        f"Run charts: one point per {GRAINS[grain]}; the line is the median. Anhøj rules flag a run of points on one "
        "side of the median longer than chance allows, or too few crossings: signs that something changed.",
        "Vertical lines mark the start of PDSA cycles linked to the measure.",
        "With fewer than about 10 points, read a chart as a picture of the data rather than a test.",
        f"Made by opioid-audit from audit round '{rnd.label}' of {trust.name}; charts show every round of the trust.",
    ]
    programme = [f"{r['Measure']}: {r['This round']}" for _, r in view.programme.iterrows()] \
        if view.programme is not None else None
    return slides.build_deck(trust.name, rnd.label, rnd.n_letters, compliance_png, lines, charts, method_lines=method,
                             programme_lines=programme)


def report_filename(scope: TrustScope, round_id: int, extension: str = "xlsx") -> str:
    rnd = scope.round(round_id)
    trust = scope.trust
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{trust.code or trust.name}_{rnd.label}").strip("_")
    return f"opioid_audit_{safe}.{extension}"


def change_ideas(scope: TrustScope, round_id: int) -> pd.DataFrame:
    """The trust's suggested TTO wording per standard with the round's compliance (the PDSA 'Plan')."""
    from audit_app import scoring
    from audit_app.standards.change_ideas import template_table

    rnd = scope.round(round_id)
    _, cfg = current_standards(scope)
    summary = scoring.summarise(scoring.results_frame(scope.store.letters(rnd.id), rnd.label), cfg) if rnd.n_letters else None
    rows = [{"Standard": t["standard_id"], "Title": t["title"], "This round": t["compliance"] or "no letters in scope",
             "Suggested wording": t["template"], "Example": t["example"]} for t in template_table(cfg, summary)]
    return privacy.safe_frame(pd.DataFrame(rows, columns=["Standard", "Title", "This round", "Suggested wording",
                                                          "Example"]))
