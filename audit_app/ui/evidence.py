"""The evidence of an extraction in words and marks: a one-line summary of each opioid, and the
letter text as HTML with the evidence highlighted by kind. No Streamlit: pages and services use it."""
from __future__ import annotations

import html
from typing import Any

from audit_app.wording import opioid_summary  # the summary in words lives with the other words


# Evidence kinds: colour, legend text and priority (higher wins where spans overlap).
EVIDENCE_KINDS: dict[str, tuple[str, str, int]] = {
    "opioid": ("#fff3bf", "opioid prescription", 1),
    "weaning": ("#c3fae8", "weaning / stopping plan", 2),
    "gp": ("#d0ebff", "GP instruction", 2),
    "drug": ("#ffd43b", "drug", 3),
    "dose": ("#ffc078", "dose / strength", 3),
    "frequency": ("#b2f2bb", "frequency", 3),
    "duration": ("#eebefa", "duration / supply", 3),
    "excluded": ("#dee2e6", "excluded mention (allergy, stopped, inpatient only…)", 4),
}


def _field_kind(name: str) -> str:
    n = name.lower()
    if n in ("generic", "brand", "drug", "name"):
        return "drug"
    if n.startswith(("dose", "strength", "max_daily")):
        return "dose"
    if n.startswith(("frequency", "prn")):
        return "frequency"
    if n.startswith(("duration", "supply")):
        return "duration"
    return "opioid"


def _span(v: Any) -> tuple[int, int] | None:
    if isinstance(v, dict):
        v = v.get("span")
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) for x in v) and v[0] < v[1]:
        return int(v[0]), int(v[1])
    return None


def evidence_spans(extraction: dict | None) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, note) for every piece of evidence in an extraction."""
    ext = extraction or {}
    out = []
    for i, op in enumerate(ext.get("opioids") or []):
        s = _span(op.get("span"))
        if s:
            out.append((*s, "opioid", f"opioid {i + 1}: {opioid_summary(op)}"))
        for name, sp in (op.get("spans") or {}).items():
            s = _span(sp)
            if s:
                out.append((*s, _field_kind(name), f"{name} (opioid {i + 1})"))
    for key, kind in (("weaning_plan", "weaning"), ("gp_instruction", "gp")):
        item = ext.get(key) or {}
        s = _span(item.get("span")) if isinstance(item, dict) else None
        if s:
            out.append((*s, kind, EVIDENCE_KINDS[kind][1]))
    for d in ext.get("distractors") or []:
        s = _span(d.get("span"))
        if s:
            out.append((*s, "excluded", f"excluded: {d.get('reason') or 'not a discharge opioid'}"))
    return out


def evidence_html(text: str | None, extraction: dict | None) -> str:
    """The letter text as HTML with the evidence marked by kind (everything escaped)."""
    if not text:
        return "<p><em>No letter text was imported for this letter.</em></p>"
    n = len(text)
    paint: list[tuple[int, str, str] | None] = [None] * n
    for start, end, kind, note in evidence_spans(extraction):
        prio = EVIDENCE_KINDS[kind][2]
        for i in range(max(0, start), min(n, end)):
            if paint[i] is None or paint[i][0] < prio:
                paint[i] = (prio, kind, note)
    parts = []
    i = 0
    while i < n:
        j = i
        while j < n and paint[j] == paint[i]:
            j += 1
        chunk = html.escape(text[i:j])
        if paint[i] is None:
            parts.append(chunk)
        else:
            _, kind, note = paint[i]
            colour = EVIDENCE_KINDS[kind][0]
            extra = "text-decoration:line-through;" if kind == "excluded" else ""
            parts.append(f'<mark class="ev-{kind}" title="{html.escape(note, quote=True)}" '
                         f'style="background:{colour};{extra}padding:0 1px;border-radius:2px">{chunk}</mark>')
        i = j
    return ('<div class="letter-text" style="white-space:pre-wrap;font-family:ui-monospace,monospace;'
            'font-size:0.85rem;line-height:1.45;border:1px solid #ddd;border-radius:6px;padding:12px;'
            'max-height:560px;overflow:auto">' + "".join(parts) + "</div>")


def evidence_legend_html() -> str:
    return " ".join(f'<mark style="background:{c};padding:0 4px;border-radius:2px">{html.escape(label)}</mark>'
                    for c, label, _ in EVIDENCE_KINDS.values())
