"""The change idea in the app: the trust's suggested TTO wording per standard.

The intervention that moves OD-03 / OD-04 / OD-08 in practice is a wording line in the discharge
template ("short course: reduce and stop within N days; GP: please do not add to repeat"). Each
standard may carry a default template (``change_idea`` in the standards file, from
standards.md); a trust edits its own on the Standards page (``StandardsConfig.templates``).

- ``TEMPLATE_FIELDS``: the placeholders a template may use
- ``template_for(config, standard_id)``: the trust's template or the default (None when none)
- ``suggested_wording(extraction, results, config)``: for a letter's failed standards, the
  template filled in with that letter's drug, strength and days
- ``template_table(config, summary=None)``: every template with the round's compliance, for the
  Report page (the PDSA 'Plan')

No clinical advice beyond what the trust's own template says.
"""
from __future__ import annotations

import math
import string
from typing import Any

from audit_app.standards.config import StandardsConfig, default_config
from audit_app.standards.definitions import load_standards
from audit_app.standards.facts import item_label, num
from audit_app.standards.results import NOT_MET

TEMPLATE_FIELDS = {
    "drug": "the opioid's name (brand if written, else generic) and strength, e.g. 'oxycodone 5 mg'",
    "strength": "the strength, e.g. '5 mg' (blank when not stated)",
    "days": "the days the trust allows for a new acute supply (setting supply_limit_days), e.g. '7'",
    "ome": "the letter's total OME, e.g. '150 mg OME/day'",
}


def template_fields(template: str) -> list[str]:
    """Placeholder names used in ``template``; raises ValueError on a malformed template."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"template {template!r}: {exc} (use {{drug}}, {{strength}}, {{days}} or {{ome}})") from None


def check_template(standard_id: str, template: str) -> str:
    """The template, stripped, or ValueError naming an unknown placeholder."""
    if not isinstance(template, str):
        raise ValueError(f"{standard_id}: a wording template must be text")
    unknown = [f for f in template_fields(template) if f not in TEMPLATE_FIELDS]
    if unknown:
        raise ValueError(f"{standard_id}: unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)} "
                         f"in the wording template; use {', '.join('{' + k + '}' for k in TEMPLATE_FIELDS)}")
    return template.strip()


def template_for(config: StandardsConfig | None, standard_id: str) -> str | None:
    cfg = config or default_config()
    own = (cfg.templates or {}).get(standard_id)
    if own:
        return own
    for d in load_standards(cfg.standards_version):
        if d.id == standard_id:
            return d.change_idea
    return None


def fill(template: str, values: dict[str, Any]) -> str:
    """``template`` with its placeholders filled (a missing value leaves the placeholder's words)."""
    class _Missing(dict):
        def __missing__(self, key):
            return {"drug": "the opioid", "days": "the agreed number of", "ome": "the total OME"}.get(key, "")
    return " ".join(template.format_map(_Missing({k: v for k, v in values.items() if v not in (None, "")})).split())


def _strength(item: dict) -> str | None:
    mcg = num(item.get("strength_mcg_per_hour"))
    if mcg is not None:
        return f"{mcg:g} micrograms/hour"
    mg = num(item.get("strength_mg"))
    return f"{mg:g} mg" if mg is not None else None


def _ome_words(extraction: dict | None) -> str | None:
    total = num((extraction or {}).get("ome_total_mg_per_day"))
    return None if total is None else f"{total:.0f} mg OME/day"


def suggested_wording(extraction: dict | None, results: list, config: StandardsConfig | None = None) -> list[dict]:
    """For each failed standard that has a template: {standard_id, title, item_index, drug, text}.

    Item-level results are filled with their item's drug; letter-level ones with each opioid on
    the letter (one line per opioid, so the line can be pasted beside it).
    """
    cfg = config or default_config()
    titles = {d.id: d.title for d in load_standards(cfg.standards_version)}
    items = [o for o in ((extraction or {}).get("opioids") or []) if isinstance(o, dict)]
    days = cfg.param("supply_limit_days")
    out: list[dict] = []
    seen: set[tuple[str, int | None]] = set()
    for r in results:
        r = r if isinstance(r, dict) else r.to_dict()
        if r.get("outcome") != NOT_MET:
            continue
        sid = r["standard_id"]
        template = template_for(cfg, sid)
        if not template:
            continue
        idx = r.get("item_index")
        targets = [idx] if idx is not None and idx < len(items) else (list(range(len(items))) or [None])
        for i in targets:
            if (sid, i) in seen:
                continue
            seen.add((sid, i))
            it = items[i] if i is not None else {}
            values = {"drug": item_label(it) if it else None, "strength": _strength(it) if it else None,
                      "days": f"{days:g}" if isinstance(days, (int, float)) else days, "ome": _ome_words(extraction)}
            out.append({"standard_id": sid, "title": titles.get(sid, sid), "item_index": i,
                        "drug": values["drug"], "text": fill(template, values)})
    return out


def template_table(config: StandardsConfig | None = None, summary=None) -> list[dict]:
    """Every standard with a template: {standard_id, title, template, example, compliance}.

    ``summary``: ``audit_app.scoring.summarise`` output for the round (compliance as words,
    e.g. '45% (9/20)'); the example fills the template with 'oxycodone 5 mg'.
    """
    cfg = config or default_config()
    rows = []
    by_sid = {}
    if summary is not None and len(summary):
        by_sid = {r["standard_id"]: r for r in summary.to_dict("records")}
    for d in load_standards(cfg.standards_version):
        template = template_for(cfg, d.id)
        if not template or (d.scored and not cfg.is_enabled(d.id)):
            continue
        s = by_sid.get(d.id)
        compliance = ""
        if s is not None and s.get("denominator"):
            pct = s.get("pct")
            compliance = (f"{pct:.0f}% ({int(s['numerator'])}/{int(s['denominator'])})"
                          if pct is not None and not math.isnan(pct) else "")
        example = fill(template, {"drug": "oxycodone 5 mg", "strength": "5 mg",
                                  "days": f"{cfg.param('supply_limit_days'):g}", "ome": "150 mg OME/day"})
        rows.append({"standard_id": d.id, "title": d.title, "template": template, "example": example,
                     "own": bool((cfg.templates or {}).get(d.id)), "compliance": compliance})
    return rows
