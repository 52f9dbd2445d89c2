"""Letter-level facts for the programme's measures (MedSIP opioid programme, UCLPartners audits):
new opioid starts, opioid items, total OME against the high-dose thresholds, pre-admission dose
reduced or escalated, the complex-pain referral prompt and prescribing safety flags.

``programme_facts(record, extraction, config)`` gives one dict per letter; ``audit_app.scoring``
turns them into chartable measures per round. Flags and prompts are codes (machine columns) with
words in ``SAFETY_FLAGS`` / ``REFERRAL_REASONS``.
"""
from __future__ import annotations

from typing import Any

from audit_app.records import AuditRecord, YesNo, stored_extraction, yes_no
from audit_app.standards.config import StandardsConfig, default_config
from audit_app.standards.definitions import standards_file
from audit_app.standards.facts import (
    auditor_answer, build_facts, column_value, coprescriptions, counts_in_pain_ome, item_change, item_label, item_ome, num,
    total_ome,
)

SAFETY_FLAGS = {
    "tramadol_ssri_snri": "Tramadol with an SSRI or SNRI (serotonin syndrome risk)",
    "methadone_qt": "Methadone with a QT-prolonging drug",
    "paracetamol_duplicated": "Paracetamol prescribed alongside a paracetamol-containing compound analgesic",
    "above_licensed_max": "Opioid dose above the licensed maximum daily dose",
}
REFERRAL_REASONS = {
    "high_dose": "total OME at or above the referral threshold",
    "escalating": "dose escalated against the pre-admission dose",
    "repeat_admissions": "repeat admissions",
}
_REPEAT_ADMISSION_KEYS = ("repeat_admission", "repeat_admissions", "readmission", "readmitted")
_ADMISSION_COUNT_KEYS = ("admissions_12_months", "admissions_last_12_months", "admissions", "previous_admissions")


def contains_paracetamol(item: dict) -> bool:
    """A compound analgesic with paracetamol (co-codamol, co-dydramol, tramadol/paracetamol and their
    brands), from the drug-class lexicon."""
    from nlp.drug_classes import classes_of
    from nlp.lexicon import load_lexicon

    if item.get("formulation") != "combination":
        return False
    names = [item.get("brand")] + [surface for _s, _e, surface in load_lexicon().iter_matches(str(item.get("text") or ""))]
    return any("paracetamol_combination" in classes_of(n) for n in names if n)


def licensed_max_daily_mg(version: int = 1) -> dict[str, float]:
    return {k: float(v) for k, v in standards_file(version).get("licensed_max_daily_mg", {}).items()
            if not k.startswith("_")}


def safety_flags(items: list[dict], extraction: dict | None, version: int = 1) -> list[dict]:
    """[{flag, words, item_index?, detail}] for the seeds' prescribing safety flags."""
    out: list[dict] = []
    generics = [str(it.get("generic") or "").lower() for it in items]
    ssri = coprescriptions(extraction, {"ssri", "snri", "ssri_snri"}) or []
    qt = coprescriptions(extraction, {"qt_prolonging"}) or []
    para = coprescriptions(extraction, {"paracetamol"}) or []
    for i, g in enumerate(generics):
        if g == "tramadol" and ssri:
            out.append({"flag": "tramadol_ssri_snri", "item_index": i,
                        "detail": ", ".join(str(c.get("drug")) for _, c in ssri)})
        if g == "methadone" and qt:
            out.append({"flag": "methadone_qt", "item_index": i, "detail": ", ".join(str(c.get("drug")) for _, c in qt)})
        if para and contains_paracetamol(items[i]):
            out.append({"flag": "paracetamol_duplicated", "item_index": i, "detail": item_label(items[i])})
    limits = licensed_max_daily_mg(version)
    for i, it in enumerate(items):
        limit = limits.get(generics[i])
        daily = num(it.get("max_daily_dose_mg"))
        if limit is not None and daily is not None and daily > limit + 1e-9:
            out.append({"flag": "above_licensed_max", "item_index": i,
                        "detail": f"{item_label(it)}: up to {daily:g} mg a day (licensed maximum {limit:g} mg)"})
    for f in out:
        f["words"] = SAFETY_FLAGS[f["flag"]]
    return out


def _repeat_admissions(record: AuditRecord) -> bool | None:
    """Repeat admissions where the sheet has them: a yes/no column, or a count of admissions (>= 2)."""
    v = column_value(record, _REPEAT_ADMISSION_KEYS)
    if v is not None:
        ans = yes_no(v)
        if ans is not YesNo.UNKNOWN:
            return ans is YesNo.YES
    n = num(column_value(record, _ADMISSION_COUNT_KEYS))
    return None if n is None else n >= 2


def programme_facts(record: AuditRecord | dict, extraction: Any,
                    config: StandardsConfig | None = None) -> dict[str, Any]:
    """One letter's facts for the programme measures (see the module docstring)."""
    from audit_app.standards import as_record  # the package's record coercion (no import cycle at load)

    cfg = config or default_config()
    rec = as_record(record)
    f = build_facts(rec, stored_extraction(extraction), cfg.parameters)
    has_opioid = {"yes": True, "no": False}.get(f.opioid)
    ome, complete, ome_ev = total_ome(f) if f.opioid == "yes" else (None, False, [])
    changes = [item_change(i, it)[0] for i, it in enumerate(f.items)]
    statuses = [f.item_status(i)[0] for i in range(len(f.items))]
    a_new, _ = auditor_answer(rec, "new_opioid")
    pre_admission = any(c in ("continued", "reduced", "increased", "changed") for c in changes) or a_new is YesNo.NO
    escalated = any(c == "increased" for c in changes)
    reduced = any(c == "reduced" for c in changes) and not escalated
    # pre-admission OME, scaled from each item's OME by its previous dose (None when not known)
    pre_ome: float | None = 0.0 if f.items else None
    for it, c in zip(f.items, changes):
        if not counts_in_pain_ome(it)[0] or c == "new":
            continue
        o, prev, dose = item_ome(it), num(it.get("previous_dose_mg")), num(it.get("dose_mg_max"))
        if c == "continued" and o is not None:
            pre_ome += o
        elif c in ("increased", "reduced") and o is not None and prev is not None and dose:
            pre_ome += o * prev / dose
        else:
            pre_ome = None
            break
    referral_ome = float(cfg.param("referral_ome_mg"))
    reasons = []
    if ome is not None and ome >= referral_ome:
        reasons.append("high_dose")
    if escalated:
        reasons.append("escalating")
    if _repeat_admissions(rec):
        reasons.append("repeat_admissions")
    n_new = sum(1 for s in statuses if s == "new") if f.items else None
    if f.items:
        starts = sum(1 for c in changes if c == "new")
    else:  # spreadsheet only: the auditor's 'new opioid' answer, one item per letter
        starts = {YesNo.YES: 1, YesNo.NO: 0}.get(a_new) if has_opioid else (0 if has_opioid is False else None)
    return {
        "has_opioid": has_opioid,
        "excluded": sorted(f.exclusions),
        "n_items": len(f.items) if f.items else (None if has_opioid else 0),
        "new_items": n_new,
        "new_starts": starts,
        "new_mr_items": sum(1 for s, it in zip(statuses, f.items) if s == "new" and it.get("formulation") == "MR")
        if f.items else None,
        "ome_mg_per_day": ome if complete else None,
        "ome_lower_bound": ome if (ome is not None and not complete) else None,
        "pre_admission_opioid": pre_admission,
        "pre_admission_ome": pre_ome if pre_admission else None,
        "escalated": escalated,
        "dose_reduced": reduced,
        "referral_prompt": reasons,
        "referral_words": "; ".join(REFERRAL_REASONS[r] for r in reasons),
        "safety_flags": safety_flags(f.items, f.extraction, cfg.standards_version),
        "naloxone_supplied": _naloxone(f.extraction),
        "age": f.age,
    }


def _naloxone(extraction: dict | None) -> bool | None:
    if not isinstance(extraction, dict) or extraction.get("naloxone_supplied") is None:
        return None
    v = yes_no(extraction["naloxone_supplied"])
    return None if v is YesNo.UNKNOWN else v is YesNo.YES
