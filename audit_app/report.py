"""Excel report of one audit round (openpyxl): summary, standards, letters with evidence,
subgroups, data quality, comparison with the previous round, charts, definitions.

Safety: every text cell goes through ``audit_app.privacy.safe_cell`` (text that a spreadsheet
would run as a formula gets a leading apostrophe) and is written with data type 's' (text), so
the file holds no formula. The sheets are built in memory and streamed into a write-only
workbook (a 1,000-letter round has ~16,000 result rows).
Identifiers (NHS number, hospital number, name, date of birth) and identifiers inside evidence
text are masked unless the caller passes ``unmask=True``.

Public API
----------
- ``build_round_report(trust, round_info, letters, *, config=None, previous=None, history=None,
  import_issues=None, pdsa_cycles=None, charts=True, chart_measures=None, unmask=False,
  path=None, generated_at=None) -> bytes``
- ``build_round_report_from_store(store, trust_id, round_id, *, unmask=False, path=None,
  charts=True, chart_measures=None, config=None) -> bytes``
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import re
import warnings
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from audit_app import privacy
from audit_app.scoring import (
    SUBGROUP_LABELS, SUBGROUPS, compare_summaries, fmt_pct, qi_measures, qi_series, report_measures, results_frame,
    subgroup_table, summarise,
)
from audit_app.standards import (
    OUTCOME_LABELS, StandardsConfig, config_for, default_config, exclusion_codes, load_standards,
)
from audit_app.standards.definitions import code_words, reason_codes
from audit_app.store.database import previous_round
from audit_app.wording import GRAINS as CHART_GRAINS

GREEN = PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")
RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
GREY = PatternFill("solid", start_color="EDEDED", end_color="EDEDED")
HEAD = PatternFill("solid", start_color="005EB8", end_color="005EB8")  # NHS blue
BOLD = Font(bold=True)
HEAD_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

SHEETS = ("Summary", "Letters", "Subgroups", "Data quality", "Comparison", "Charts", "Standards", "Measures",
          "Change ideas", "Notes")


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


# --------------------------------------------------------------------------- cell writing

def _clean(value: Any) -> Any:
    """A value fit for a cell: NaN -> None, containers -> text, text neutralised."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple, dict, set)):
        value = str(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            value = value.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(value, str):
        if _CTRL.search(value):
            value = _CTRL.sub("", value)  # control characters are not allowed in XML cells
        return privacy.safe_cell(value)
    return value


class _Dim:
    def __init__(self):
        self.width = None


class _CF:
    def __init__(self):
        self.rules: list[tuple[str, Any]] = []

    def add(self, rng: str, rule) -> None:
        self.rules.append((rng, rule))


class _Filter:
    ref: str | None = None


class _Sheet:
    """A sheet built in memory, then streamed into a write-only workbook (much faster for the
    thousands of letter rows than openpyxl's normal cells)."""

    def __init__(self, title: str):
        self.title = title
        self.cells: dict[int, dict[int, tuple]] = {}
        self.column_dimensions: dict[str, _Dim] = _DimMap()
        self.conditional_formatting = _CF()
        self.auto_filter = _Filter()
        self.freeze_panes: str | None = None
        self.images: list[tuple[Any, str]] = []

    @property
    def max_row(self) -> int:
        return max(self.cells, default=1)

    def add_image(self, img, anchor: str) -> None:
        self.images.append((img, anchor))

    def flush(self, wb) -> None:
        from openpyxl.cell import WriteOnlyCell

        ws = wb.create_sheet(self.title)
        for letter, dim in self.column_dimensions.items():
            if dim.width:
                ws.column_dimensions[letter].width = dim.width
        if self.freeze_panes:
            ws.freeze_panes = self.freeze_panes
        for r in range(1, self.max_row + 1):
            row = self.cells.get(r, {})
            out: list[Any] = []
            for c in range(1, max(row, default=0) + 1):
                if c not in row:
                    out.append(None)
                    continue
                v, font, fill, fmt, wrap = row[c]
                if not (font or fill or fmt or wrap or isinstance(v, str)):
                    out.append(v)
                    continue
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                if font:
                    cell.font = font
                if fill:
                    cell.fill = fill
                if fmt:
                    cell.number_format = fmt
                if wrap:
                    cell.alignment = WRAP
                out.append(cell)
            ws.append(out)
        for rng, rule in self.conditional_formatting.rules:
            ws.conditional_formatting.add(rng, rule)
        if self.auto_filter.ref:
            ws.auto_filter.ref = self.auto_filter.ref
        for img, anchor in self.images:
            ws.add_image(img, anchor)


class _DimMap(dict):
    def __missing__(self, key):
        self[key] = _Dim()
        return self[key]


def _put(ws: _Sheet, row: int, col: int, value: Any, *, font=None, fill=None, fmt: str | None = None, wrap=False):
    ws.cells.setdefault(row, {})[col] = (_clean(value), font, fill, fmt, wrap)


def _table(ws, top: int, headers: list[str], rows: Iterable[list[Any]], *, widths: dict[int, int] | None = None,
           formats: dict[int, str] | None = None, wrap_cols: Iterable[int] = ()) -> int:
    """Header row + rows from ``top``; returns the next free row."""
    for j, h in enumerate(headers, start=1):
        _put(ws, top, j, h, font=HEAD_FONT, fill=HEAD, wrap=True)
    r = top
    wrap_cols = set(wrap_cols)
    for r, row in enumerate(rows, start=top + 1):
        for j, v in enumerate(row, start=1):
            _put(ws, r, j, v, fmt=(formats or {}).get(j), wrap=j in wrap_cols)
    for j, w in (widths or {}).items():
        ws.column_dimensions[get_column_letter(j)].width = w
    return r + 1


# --------------------------------------------------------------------------- identifiers

def _identifier(field: str, value: Any, unmask: bool) -> Any:
    if value in (None, ""):
        return None
    return value if unmask else privacy.mask_identifier(field, value)


def _text(value: Any, unmask: bool) -> Any:
    if not isinstance(value, str) or unmask:
        return value
    return privacy.mask_text(value)  # cached there for the short texts that repeat


def _evidence_text(evidence: list[dict], unmask: bool) -> str:
    parts = []
    for e in evidence or []:
        s = f"{e.get('source', '?')}: {e.get('field', '?')} = {e.get('value')!s}"
        if e.get("text"):
            s += f' "{_text(str(e["text"]), unmask)}"'
        if e.get("span") is not None:
            s += f" [span {e['span']}]"
        if e.get("note"):
            s += f" ({_text(str(e['note']), unmask)})"
        parts.append(s)
    return "; ".join(parts)


# --------------------------------------------------------------------------- sheets

def _summary_sheet(ws, meta: list[tuple[str, Any]], summary: pd.DataFrame) -> None:
    _put(ws, 1, 1, "Opioids on discharge letters: audit report", font=Font(bold=True, size=14))
    r = 3
    for k, v in meta:
        _put(ws, r, 1, k, font=BOLD)
        _put(ws, r, 2, v)
        r += 1
    r += 1
    headers = ["ID", "Standard", "Unit", "Numerator", "Denominator", "%", "95% CI low", "95% CI high",
               "Target %", "Better", "Target met", "Not assessable", "Excluded (why)", "Rate (see note)"]
    top = r
    rows = []
    for _, s in summary.iterrows():
        rate = None
        if s["rate_denominator"] not in (None,) and not (isinstance(s["rate_denominator"], float) and math.isnan(s["rate_denominator"])):
            rate = f"{s['rate_label']}: {fmt_pct(s['rate_pct'] / 100 if s['rate_denominator'] else math.nan)} " \
                   f"({int(s['rate_numerator'])}/{int(s['rate_denominator'])})"
        target_met = s["target_met"]
        rows.append([
            s["standard_id"], s["title"], s["unit"], int(s["numerator"]), int(s["denominator"]),
            None if s["denominator"] == 0 else s["pct"] / 100,
            None if s["denominator"] == 0 else s["ci_low_pct"] / 100,
            None if s["denominator"] == 0 else s["ci_high_pct"] / 100,
            s["target_pct"], "lower" if s["direction"] == "lower" else "higher",
            "n/a" if target_met is None or (isinstance(target_met, float) and math.isnan(target_met))
            else ("Yes" if bool(target_met) else "No"),
            int(s["not_assessable"]), s["excluded_text"] or "none", rate,
        ])
    end = _table(ws, top, headers, rows, widths={1: 8, 2: 44, 3: 7, 6: 8, 7: 10, 8: 10, 11: 10, 13: 30, 14: 50},
                 formats={6: "0%", 7: "0%", 8: "0%"}, wrap_cols=(2, 13, 14))
    # conditional formatting against target, per row (targets and direction differ per standard)
    for i, (_, s) in enumerate(summary.iterrows(), start=top + 1):
        t = s["target_pct"]
        if t is None or (isinstance(t, float) and math.isnan(t)):
            continue
        cell = f"F{i}"
        good, bad = ("greaterThanOrEqual", "lessThan") if s["direction"] == "higher" else ("lessThanOrEqual", "greaterThan")
        ws.conditional_formatting.add(cell, CellIsRule(operator=good, formula=[repr(float(t) / 100)], fill=GREEN))
        ws.conditional_formatting.add(cell, CellIsRule(operator=bad, formula=[repr(float(t) / 100)], fill=RED))
    if rows:
        rng = f"K{top + 1}:K{end - 1}"
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=['"Yes"'], fill=GREEN))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=['"No"'], fill=RED))
    _put(ws, end + 1, 1, "Numerator / denominator: letters (or opioid items) meeting / in scope; 'not assessable' "
                         "(missing data) and exclusions are outside the denominator. OD-07 counts letters WITH a new "
                         "patch (lower is better). Green: target met; red: not met.", wrap=False)
    ws.freeze_panes = f"C{top + 1}"


def _letters_sheet(ws, letters: list, unmask: bool, defs: dict) -> None:
    headers = ["Audit ID", "Patient key", "Hospital number", "NHS number", "Patient name", "Date of birth",
               "Discharge date", "Drug(s) as recorded", "Standard", "Item", "Outcome", "Exclusion / reason",
               "Source", "Evidence", "Code"]
    rows = []
    for letter in letters:
        rec = _get(letter, "record") or {}
        ids = [_identifier(f, rec.get(f), unmask) for f in ("hospital_number", "nhs_number", "patient_name", "date_of_birth")]
        key = _get(letter, "letter_key")
        key = key if unmask else (privacy.mask_identifier("hospital_number", key) if key and not str(key).startswith("k:")
                                  else (str(key)[:10] + "…" if key else None))
        drug = _text(rec.get("drug"), unmask)
        for r in _get(letter, "standard_results") or []:
            r = r if isinstance(r, dict) else r.to_dict()
            ev = r.get("evidence") or []
            item = r.get("item_index")
            audit_id = rec.get("letter_id") if unmask else privacy.mask_letter_id(rec.get("letter_id"))
            rows.append([audit_id, key, *ids, rec.get("discharge_date"), drug, r["standard_id"],
                         None if item is None else item + 1, OUTCOME_LABELS.get(r["outcome"], r["outcome"]),
                         code_words(r.get("exclusion_code") or r.get("reason")) or None,
                         ev[0].get("source") if ev else None, _evidence_text(ev, unmask),
                         r.get("exclusion_code") or r.get("reason")])
    end = _table(ws, 1, headers, rows, widths={1: 10, 2: 14, 3: 14, 4: 14, 5: 14, 6: 12, 7: 12, 8: 30, 9: 8, 10: 5,
                                               11: 14, 12: 40, 13: 11, 14: 90, 15: 14}, wrap_cols=(8, 12, 14))
    if rows:
        rng = f"K2:K{end - 1}"
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=['"Met"'], fill=GREEN))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=['"Not met"'], fill=RED))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=['"Not assessable"'], fill=GREY))
        ws.auto_filter.ref = f"A1:O{end - 1}"
    ws.freeze_panes = "B2"


def _subgroups_sheet(ws, results: pd.DataFrame, cfg: StandardsConfig) -> None:
    _put(ws, 1, 1, "Standards by sex, age band, IMD quintile (1 = most deprived), ethnicity, mental-health diagnosis "
                   "and substance misuse (where the sheet has them). Counts under 5 are shown as "
                   "'<5' (and a second cell is hidden where the total would reveal one).", font=BOLD)
    r = 3
    any_table = False
    for by in SUBGROUPS:
        t = subgroup_table(results, by, cfg)
        if t.empty:
            _put(ws, r, 1, f"{SUBGROUP_LABELS[by]}: not recorded for this round.")
            r += 2
            continue
        any_table = True
        _put(ws, r, 1, SUBGROUP_LABELS[by], font=BOLD)
        rows = [[x.standard_id, x.short_title, x.group, x.numerator, x.denominator,
                 None if x.suppressed or x.pct != x.pct else x.pct / 100, x.display] for x in t.itertuples()]
        r = _table(ws, r + 1, ["ID", "Standard", "Group", "Numerator", "Denominator", "%", "Result"], rows,
                   widths={1: 8, 2: 30, 3: 10, 4: 11, 5: 12, 6: 8, 7: 40}, formats={6: "0%"}) + 1
    if not any_table:
        _put(ws, r, 1, "No subgroup fields (sex, age, IMD) in this round.")


def _quality_sheet(ws, issues: list[dict] | None) -> None:
    issues = issues or []
    _put(ws, 1, 1, f"Data-quality issues from import: {len(issues)}", font=BOLD)
    _table(ws, 3, ["Severity", "Sheet", "Row", "Column", "Message"],
           ([i.get("severity"), privacy.mask_file_name(i.get("sheet")), i.get("row"), i.get("column"),
             privacy.describe_identifiers(i.get("message"))] for i in issues),
           widths={1: 10, 2: 16, 3: 6, 4: 18, 5: 100}, wrap_cols=(5,))


def _comparison_sheet(ws, comp: pd.DataFrame | None, prev_label: str | None, cur_label: str) -> None:
    if comp is None:
        _put(ws, 1, 1, "No previous round for this trust: nothing to compare.", font=BOLD)
        return
    _put(ws, 1, 1, f"{cur_label} compared with {prev_label} (difference = {cur_label} - {prev_label}; "
                   "95% CI by Newcombe's hybrid score method)", font=BOLD)
    rows = [[x.standard_id, x.title, x.numerator_before, x.denominator_before,
             None if x.pct_before != x.pct_before else x.pct_before / 100, x.numerator_after, x.denominator_after,
             None if x.pct_after != x.pct_after else x.pct_after / 100,
             None if x.difference_pp != x.difference_pp else round(x.difference_pp, 1),
             None if x.ci_low_pp != x.ci_low_pp else round(x.ci_low_pp, 1),
             None if x.ci_high_pp != x.ci_high_pp else round(x.ci_high_pp, 1),
             x.sentence, x.interpretation] for x in comp.itertuples()]
    _table(ws, 3, ["ID", "Standard", f"{prev_label} n", f"{prev_label} N", f"{prev_label} %",
                   f"{cur_label} n", f"{cur_label} N", f"{cur_label} %", "Difference (pp)", "95% CI low (pp)",
                   "95% CI high (pp)", "In words", "Interpretation"], rows,
           widths={1: 8, 2: 36, 12: 80, 13: 50}, formats={5: "0%", 8: "0%"}, wrap_cols=(2, 12, 13))


def _pdsa(cycles: list[dict] | None):
    if not cycles:
        return None
    from qi.pdsa import PdsaCycle

    out = []
    for c in cycles:
        try:
            out.append(PdsaCycle.from_dict(c))
        except Exception:  # noqa: BLE001 - a malformed cycle is left off the chart, not fatal
            continue
    return out or None


@contextlib.contextmanager
def png_session():
    """Keep one Chromium for all charts (kaleido's sync server) when available: ~0.5 s a chart, not ~4 s."""
    started = False
    try:
        import os

        import kaleido
        from qi.figures import chromium_path, quiet_browser_goodbye

        browser = chromium_path()
        if browser:
            os.environ.setdefault("BROWSER_PATH", browser)
            quiet_browser_goodbye()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kaleido.start_sync_server(silence_warnings=True)
            started = True
    except Exception:  # noqa: BLE001 - fall back to one browser per chart
        started = False
    try:
        yield
    finally:
        if started:
            with contextlib.suppress(Exception), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import kaleido

                kaleido.stop_sync_server(silence_warnings=True)


def _charts_sheet(ws, history: list, cfg: StandardsConfig, pdsa_cycles, measures_wanted, enabled: bool,
                  grain: str = "round") -> list[str]:
    """Charts as images; returns notes (also written on the sheet) when charts are unavailable."""
    notes: list[str] = []
    order = "rounds in the store's order, by period start" if grain == "round" else \
        f"letters of this trust's rounds so far, by {CHART_GRAINS[grain]}"
    _put(ws, 1, 1, f"Charts: each measure by {CHART_GRAINS[grain]} (qi.spc; run chart below 12 points, p-chart from "
                   f"12; {order}; percentages of eligible letters)", font=BOLD)
    if not enabled:
        notes.append("Charts were not requested for this report.")
    else:
        import qi.figures as qf  # plotly: only when charts are asked for
        import qi.spc as qs

        try:
            from openpyxl.drawing.image import Image as XLImage
            import PIL  # noqa: F401 - openpyxl needs Pillow to embed images
        except ImportError:
            notes.append("Charts unavailable: embedding images needs the Pillow package.")
            qs = None
        if qs is not None and not history:
            notes.append("Charts unavailable: no rounds to chart.")
        elif qs is not None:
            measures = qi_measures(history, grain, cfg)
            wanted = measures_wanted or report_measures(cfg)
            cycles = _pdsa(pdsa_cycles)
            row = 3
            with png_session():
                for mid in wanted:
                    m = measures[measures.measure_id == mid]
                    if m.empty or (m["denominator"].fillna(0) == 0).all():
                        continue
                    title = f"{mid}: {m['measure'].iloc[0]}" if mid.startswith("OD-") else m["measure"].iloc[0]
                    try:
                        kwargs = qi_series(measures, mid)
                        if kwargs.get("denominators") is not None:
                            keep = [i for i, d in enumerate(kwargs["denominators"]) if d > 0]
                            for k in ("values", "denominators", "labels"):
                                kwargs[k] = [kwargs[k][i] for i in keep]
                        result = qs.analyse(**kwargs)
                        fig = qf.spc_figure(result, pdsa_cycles=cycles, title=title,
                                            percent=m["kind"].iloc[0] == "proportion")
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")  # kaleido: 'kopts ignored if using a server'
                            png = qf.figure_to_png(fig)
                    except Exception as exc:  # noqa: BLE001 - one failed chart must not lose the report
                        notes.append(f"{title}: chart not drawn ({type(exc).__name__}: {str(exc).splitlines()[0][:160]}).")
                        if isinstance(exc, RuntimeError) and "Chromium" in str(exc):
                            break  # PNG export unavailable: no point trying the others
                        continue
                    img = XLImage(io.BytesIO(png))
                    img.width, img.height = 720, 360
                    _put(ws, row, 1, title, font=BOLD)
                    ws.add_image(img, f"A{row + 1}")
                    row += 21
            if row == 3 and not notes:
                notes.append("No measure had data to chart.")
    r = ws.max_row + 2 if ws.max_row > 1 else 3
    for n in notes:
        _put(ws, r, 1, n)
        r += 1
    return notes


def _standards_sheet(ws, cfg: StandardsConfig) -> None:
    rows = []
    for d in load_standards(cfg.standards_version):
        on = cfg.is_enabled(d.id) if d.scored else False
        rows.append([d.id, d.title, d.statement, d.unit, d.numerator, d.denominator, ", ".join(d.exclusions) or "none",
                     cfg.target_pct(d.id) if d.scored else None, d.direction, "on" if on else "off",
                     "local" if d.local else "national", "; ".join(f"[{s['id']}] {s['citation']}" for s in d.sources),
                     d.notes])
    end = _table(ws, 1, ["ID", "Title", "Statement", "Unit", "Numerator", "Denominator", "Exclusions", "Target %",
                         "Better", "In this report", "Kind", "Sources", "Notes"], rows,
                 widths={1: 8, 2: 30, 3: 60, 5: 36, 6: 30, 7: 22, 12: 60, 13: 60}, wrap_cols=(2, 3, 5, 6, 12, 13))
    r = end - 1
    for heading, pairs in (("Parameters", {k: str(v) for k, v in cfg.parameters.items()}),
                           ("Exclusion and population codes", exclusion_codes(cfg.standards_version)),
                           ("Not assessable: reason codes", reason_codes(cfg.standards_version))):
        r += 2
        _put(ws, r, 1, heading, font=BOLD)
        for k, v in pairs.items():
            r += 1
            _put(ws, r, 1, k)
            _put(ws, r, 2, v)


def _measures_sheet(ws, round_info: Any, letters: list, cfg: StandardsConfig) -> None:
    """The programme's measures for this round (scoring.programme_table), in words."""
    from audit_app.scoring import programme_table

    _put(ws, 1, 1, "Programme measures for this round (MedSIP opioid programme): rates per 100 discharges, high "
                   "dose, dose reduced or escalated, the complex-pain referral prompt and prescribing safety flags.",
         font=BOLD)
    t = programme_table(round_info, letters, cfg)
    _table(ws, 3, ["Measure", "This round", "Better", "How it is counted", "Measure id"], t.values.tolist(),
           widths={1: 50, 2: 40, 3: 8, 4: 90, 5: 24}, wrap_cols=(1, 4))


def _change_ideas_sheet(ws, cfg: StandardsConfig, summary: pd.DataFrame) -> None:
    """The trust's TTO wording per standard with the round's compliance (the PDSA 'Plan')."""
    from audit_app.standards.change_ideas import template_table

    _put(ws, 1, 1, "Suggested TTO wording per standard (the trust's template; edit on the Standards page), with this "
                   "round's compliance. Placeholders {drug}, {strength}, {days}, {ome} are filled per letter.", font=BOLD)
    rows = [[t["standard_id"], t["title"], t["compliance"] or "no letters in scope", t["template"], t["example"],
             "trust's own" if t["own"] else "default"] for t in template_table(cfg, summary)]
    _table(ws, 3, ["ID", "Standard", "This round", "Template", "Example", "Wording"], rows,
           widths={1: 8, 2: 36, 3: 14, 4: 70, 5: 70, 6: 12}, wrap_cols=(2, 4, 5))


NOTES = [
    "Unit: one discharge letter; item-level standards (OD-01, 02, 03, 05, 06, 14, 17) count opioid items. A letter "
    "whose items are not known (no letter text) counts as one item.",
    "Sources of answers: the auditor's explicit yes/no is the audit's record; where the auditor left it blank and the "
    "letter text was extracted, the extractor's answer is used (Source = extraction); where neither, the result is "
    "'not assessable' and sits outside the denominator.",
    "Percentages: numerator / denominator, with the Wilson score 95% interval. Comparisons: difference in "
    "proportions with Newcombe's hybrid score 95% interval (method 10). Percentages are rounded half up.",
    "Small numbers: subgroup counts under 5 are shown as '<5'.",
    "Identifiers are masked unless the report was generated with 'unmask'. Text that a spreadsheet could run as a "
    "formula is stored as text with a leading apostrophe.",
]


# --------------------------------------------------------------------------- entry points

def build_round_report(
    trust: Any,
    round_info: Any,
    letters: list,
    *,
    config: StandardsConfig | None = None,
    previous: tuple[Any, list] | None = None,
    history: list[tuple[Any, list]] | None = None,
    import_issues: list[dict] | None = None,
    pdsa_cycles: list[dict] | None = None,
    charts: bool = True,
    chart_measures: list[str] | None = None,
    unmask: bool = False,
    path: str | Path | None = None,
    generated_at: dt.datetime | None = None,
    chart_grain: str = "round",
) -> bytes:
    """The round's Excel report as bytes (also written to ``path`` when given).

    trust: TrustInfo (or a name); round_info: RoundInfo (label, period_start/end,
    standards_version) or a label; letters: LetterRows (or dicts with ``record``,
    ``standard_results``); previous: (round, letters) of the previous round, for the comparison
    sheet; history: [(round, letters), ...] in time order including this round, for the charts
    (default: previous + this round); chart_grain: one chart point per 'round', 'week' or 'month'.
    """
    if chart_grain not in CHART_GRAINS:
        raise ValueError(f"chart_grain must be one of {', '.join(CHART_GRAINS)}, not {chart_grain!r}")
    cfg = config or default_config()
    label = round_info if isinstance(round_info, str) else _get(round_info, "label", str(round_info))
    trust_name = trust if isinstance(trust, str) else _get(trust, "name", str(trust))
    p0, p1 = _get(round_info, "period_start") if not isinstance(round_info, str) else None, \
        _get(round_info, "period_end") if not isinstance(round_info, str) else None
    sv = _get(round_info, "standards_version") if not isinstance(round_info, str) else None
    results = results_frame(letters, label)
    summary = summarise(results, cfg)
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)

    meta = [
        ("Trust", trust_name),
        ("Round", label),
        ("Period", f"{p0 or '?'} to {p1 or '?'}" if (p0 or p1) else "not recorded"),
        ("Standards version", f"standards file v{cfg.standards_version}, trust configuration v"
                              f"{sv if sv is not None else cfg.version}"),
        ("Letters audited", len(letters)),
        ("Generated", generated_at.isoformat(sep=" ")),
        ("Identifiers", "shown (unmasked at the user's request)" if unmask else "masked"),
    ]
    sheets = {name: _Sheet(name) for name in SHEETS}
    _summary_sheet(sheets["Summary"], meta, summary)
    defs = {d.id: d for d in load_standards(cfg.standards_version)}
    _letters_sheet(sheets["Letters"], letters, unmask, defs)
    _subgroups_sheet(sheets["Subgroups"], results, cfg)
    _quality_sheet(sheets["Data quality"], import_issues)
    comp = None
    prev_label = None
    if previous is not None:
        prev_round, prev_letters = previous
        prev_label = prev_round if isinstance(prev_round, str) else _get(prev_round, "label", "previous round")
        prev_summary = summarise(results_frame(prev_letters, prev_label), cfg)
        comp = compare_summaries(prev_summary, summary, prev_label, label)
    _comparison_sheet(sheets["Comparison"], comp, prev_label, label)
    if history is None:
        history = ([previous] if previous is not None else []) + [(round_info, letters)]
    notes = _charts_sheet(sheets["Charts"], history, cfg, pdsa_cycles, chart_measures, charts, chart_grain)
    _standards_sheet(sheets["Standards"], cfg)
    _measures_sheet(sheets["Measures"], round_info, letters, cfg)
    _change_ideas_sheet(sheets["Change ideas"], cfg, summary)
    ns = sheets["Notes"]
    for i, n in enumerate(NOTES + notes, start=1):
        _put(ns, i, 1, n)
    ns.column_dimensions["A"].width = 140

    wb = Workbook(write_only=True)
    for sh in sheets.values():
        sh.flush(wb)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def build_round_report_from_store(store, trust_id: int, round_id: int, *, unmask: bool = False,
                                  path: str | Path | None = None, charts: bool = True,
                                  chart_measures: list[str] | None = None,
                                  config: StandardsConfig | None = None, chart_grain: str = "round") -> bytes:
    """Gather the round, the previous round, the trust's rounds so far (charts), import issues
    and PDSA cycles from the store, and build the report."""
    trust = store.get_trust(trust_id)
    rounds = store.list_rounds(trust_id)
    idx = next((i for i, r in enumerate(rounds) if r.id == round_id), None)
    if idx is None:
        raise ValueError(f"round {round_id} does not belong to trust {trust_id}")
    rnd = rounds[idx]
    if config is None:
        config = config_for(store, trust_id, rnd.standards_version)
    letters_by_round = {r.id: store.letters(r.id) for r in rounds[: idx + 1]}
    prev = previous_round(rounds, round_id)
    previous = (prev, letters_by_round[prev.id]) if prev is not None else None
    history = [(r, letters_by_round[r.id]) for r in rounds[: idx + 1]]
    return build_round_report(
        trust, rnd, letters_by_round[rnd.id], config=config, previous=previous, history=history,
        import_issues=store.import_issues(round_id), pdsa_cycles=store.list_pdsa_cycles(trust_id),
        charts=charts, chart_measures=chart_measures, unmask=unmask, path=path, chart_grain=chart_grain,
    )
