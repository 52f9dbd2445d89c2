"""Letters page: the round's letters with their verdicts, and corrections of one letter."""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit_app import privacy, wording
from audit_app.records import CANONICAL_FIELDS, YesNo, yes_no_word
from audit_app.services.scope import ServiceError, TrustScope
from audit_app.services.standards import current_standards
from audit_app.standards import evaluate_letter
from audit_app.store.database import ConcurrentEditError, LetterRow, StoreError, set_path


OUTCOME_SYMBOLS = {"met": "✓ met", "not_met": "✗ not met", "not_assessable": "? not assessable",
                   "not_applicable": "– n/a"}
_OUTCOME_ORDER = ("not_met", "met", "not_assessable", "not_applicable")


def letter_outcome(results: list[dict], standard_id: str) -> str | None:
    """One outcome per letter for a standard (item-level standards: any item not met = not met)."""
    outcomes = {r.get("outcome") for r in results if r.get("standard_id") == standard_id}
    for o in _OUTCOME_ORDER:
        if o in outcomes:
            return o
    return None


def letters_table(scope: TrustScope, round_id: int) -> pd.DataFrame:
    """One row per letter: its extracted opioids, OME/day and one column per standard."""
    rnd = scope.round(round_id)
    letters = scope.store.letters(rnd.id)
    std_ids: list[str] = []
    for l in letters:
        for r in l.standard_results:
            sid = r.get("standard_id")
            if sid and sid not in std_ids:
                std_ids.append(sid)
    std_ids.sort()
    rows = []
    for l in letters:
        ext = l.extraction or {}
        ops = ext.get("opioids") or []
        ome = ext.get("ome_total_mg_per_day")
        row = {
            "id": l.id,
            "Letter": str(l.record.get("letter_id") or l.letter_key[:12]),
            "Row": l.source_row,
            "Opioids": "; ".join(wording.opioid_summary(o) for o in ops) if ops else (l.record.get("drug") or ""),
            "OME mg/day": None if ome is None else round(float(ome), 1),
            "Text": "yes" if l.text else "",
        }
        for sid in std_ids:
            o = letter_outcome(l.standard_results, sid)
            row[sid] = OUTCOME_SYMBOLS.get(o, "") if o else ""
        rows.append(row)
    df = pd.DataFrame(rows, columns=["id", "Letter", "Row", "Opioids", "OME mg/day", "Text", *std_ids])
    df["OME mg/day"] = pd.to_numeric(df["OME mg/day"], errors="coerce")
    df["Row"] = df["Row"].astype("Int64")
    return privacy.safe_frame(df)  # every table shown may be downloaded as CSV


@dataclass(frozen=True)
class CorrectableField:
    path: str
    label: str
    kind: str            # 'yesno' | 'bool' | 'number' | 'choice'
    choices: tuple = ()


# The auditor's yes/no answers a user may correct: every yes/no field of the audit record
# (records.CANONICAL_FIELDS is the one list), the opioid question first.
_RECORD_FIELDS = tuple(
    (k, f"{words} (auditor)") for k, (kind, words) in sorted(
        CANONICAL_FIELDS.items(), key=lambda kv: kv[0] != "opioid_prescribed") if kind == "yesno")


def correctable_fields(letter: LetterRow) -> list[CorrectableField]:
    out = [CorrectableField(f"record.{k}", label, "yesno", ("yes", "no", "unknown")) for k, label in _RECORD_FIELDS]
    out.append(CorrectableField("record.days_supplied", "Days supplied (auditor)", "number"))
    ext = letter.extraction
    if ext is not None:
        out += [
            CorrectableField("extraction.weaning_plan.present", "Weaning plan in the letter (extracted)", "bool"),
            CorrectableField("extraction.gp_instruction.present", "GP instruction in the letter (extracted)", "bool"),
            CorrectableField("extraction.indication_documented", "Indication in the letter (extracted)", "bool"),
        ]
        for i, op in enumerate(ext.get("opioids") or []):
            name = f"opioid {i + 1} ({op.get('generic') or '?'})"
            out += [
                CorrectableField(f"extraction.opioids.{i}.formulation", f"{name}: formulation", "choice",
                                 ("IR", "MR", "patch", "liquid", "combination")),
                CorrectableField(f"extraction.opioids.{i}.duration_days", f"{name}: duration (days)", "number"),
                CorrectableField(f"extraction.opioids.{i}.supply_days", f"{name}: supply (days)", "number"),
                CorrectableField(f"extraction.opioids.{i}.frequency_per_day_max", f"{name}: max doses a day",
                                 "number"),
                CorrectableField(f"extraction.opioids.{i}.dose_mg_max", f"{name}: max dose (mg)", "number"),
                CorrectableField(f"extraction.opioids.{i}.new_on_admission", f"{name}: new this admission", "bool"),
            ]
    return out


def current_value(letter: LetterRow, path: str) -> Any:
    root, _, rest = path.partition(".")
    cur: Any = letter.record if root == "record" else (letter.extraction or {})
    for p in rest.split("."):
        if isinstance(cur, list):
            cur = cur[int(p)] if int(p) < len(cur) else None
        elif isinstance(cur, dict):
            cur = cur.get(p)
        else:
            return None
    return cur


def _coerce(f: CorrectableField, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return "unknown" if f.kind == "yesno" else None
    if f.kind == "yesno":
        if str(value).strip().lower() in ("unknown", "?"):
            return "unknown"
        word = yes_no_word(value)
        if word is None:
            raise ServiceError(f"{f.label}: answer yes, no or unknown")
        return word.value
    if f.kind == "bool":
        word = yes_no_word(value)
        if word is None:
            raise ServiceError(f"{f.label}: answer yes or no")
        return word is YesNo.YES
    if f.kind == "number":
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise ServiceError(f"{f.label}: {value!r} is not a number") from None
        if x < 0 or not math.isfinite(x):
            raise ServiceError(f"{f.label}: must be a positive number")
        return int(x) if x.is_integer() else x
    if f.kind == "choice":
        if value not in f.choices:
            raise ServiceError(f"{f.label}: choose one of {', '.join(f.choices)}")
        return value
    raise ServiceError(f"unknown field kind {f.kind!r}")


def _with_change(doc: Any, path: str, value: Any) -> Any:
    """A copy of `doc` with doc[path] set (the store's setter, so the preview and the save agree)."""
    doc = copy.deepcopy(doc)
    set_path(doc, path, value)
    return doc


def score_letter(record: dict, extraction: dict | None, config, text: str | None = None) -> list[dict]:
    """The standards' verdicts on one letter (audit_app.standards.evaluate_letter) as dicts."""
    return [r.to_dict() for r in evaluate_letter(record or {}, extraction, config, text=text)]


@dataclass
class CorrectionResult:
    version: int
    changes: list[tuple[str, str | None, str | None]]   # (standard, outcome before, outcome after)


def apply_correction(scope: TrustScope, letter_id: int, field: str, value: Any,
                     reason: str, user: str | None, expected_version: int) -> CorrectionResult:
    """Correct one field of a letter, re-score it with the round's standards and save both in one call.

    The store keeps the old and new value, the time, the user and the reason; if someone else
    changed the letter since `expected_version`, nothing is saved (ServiceError).
    """
    letter = scope.letter(letter_id)
    fields_ = {f.path: f for f in correctable_fields(letter)}
    if field not in fields_:
        raise ServiceError(f"{field!r} cannot be corrected here")
    if not (reason or "").strip():
        raise ServiceError("say why you are correcting this field (the reason is kept in the audit trail)")
    new_value = _coerce(fields_[field], value)
    root, _, rest = field.partition(".")
    record, extraction = letter.record, letter.extraction
    if root == "record":
        record = _with_change(record, rest, new_value)
    else:
        extraction = _with_change(extraction or {}, rest, new_value)
    rnd = scope.store.get_round(letter.round_id)
    version, config = current_standards(scope, rnd.standards_version)
    results = score_letter(record, extraction, config, text=letter.text)
    try:
        new_version = scope.store.correct_letter(letter_id, field, new_value, reason=reason.strip(),
                                           user=user or scope.user, expected_version=expected_version,
                                           standard_results=results, standards_version=version)
    except ConcurrentEditError as exc:
        raise ServiceError(str(exc)) from None
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    before = {sid: letter_outcome(letter.standard_results, sid)
              for sid in {r.get("standard_id") for r in letter.standard_results}}
    after = {sid: letter_outcome(results, sid) for sid in {r.get("standard_id") for r in results}}
    changes = [(sid, before.get(sid), after.get(sid)) for sid in sorted(set(before) | set(after))
               if before.get(sid) != after.get(sid)]
    return CorrectionResult(new_version, changes)


def letter_corrections(scope: TrustScope, letter_id: int) -> pd.DataFrame:
    letter = scope.letter(letter_id)
    labels = {f.path: f.label for f in correctable_fields(letter)}
    rows = [{"When": c["created_at"].strftime("%d/%m/%Y %H:%M") if c.get("created_at") else "",
             "Field": labels.get(c["field"]) or wording.field_words(c["field"]),
             "Old": wording.cell_text(c["old_value"]), "New": wording.cell_text(c["new_value"]),
             "Reason": c["reason"] or "", "By": c["user"] or ""} for c in scope.store.corrections(letter_id=letter_id)]
    return privacy.safe_frame(pd.DataFrame(rows, columns=["When", "Field", "Old", "New", "Reason", "By"]))


def value_words(value: Any) -> str:
    """A stored value as the page shows it: yes/no words, UK dates, lists as text, nothing for None."""
    return wording.words(value) if isinstance(value, str) else wording.cell_text(value)


_SOURCES = {"auditor": "auditor", "extraction": "letter", "derived": "worked out", "config": "setting"}


def evidence_words(e: dict) -> str:
    """One piece of evidence in words: 'auditor: GP action documented = no (not recorded by the auditor)'."""
    shown = value_words(e.get("value"))
    text = f"{_SOURCES.get(e.get('source', ''), e.get('source', ''))}: {wording.field_words(e.get('field', ''))}"
    text += f" = {shown}" if shown else ""
    return text + (f" ({e['note']})" if e.get("note") else "")


def letter_results_table(letter: LetterRow) -> pd.DataFrame:
    """The standards' verdicts on one letter, with the reason and evidence in words (text columns only)."""
    rows = []
    for r in letter.standard_results:
        rows.append({"Standard": str(r.get("standard_id") or ""),
                     "Item": "" if r.get("item_index") is None else str(int(r["item_index"]) + 1),
                     "Outcome": OUTCOME_SYMBOLS.get(r.get("outcome"), wording.words(r.get("outcome"))),
                     "Why": wording.words(r.get("exclusion_code") or r.get("reason")),
                     "Evidence": "; ".join(evidence_words(e) for e in r.get("evidence") or [])})
    return privacy.safe_frame(pd.DataFrame(rows, columns=["Standard", "Item", "Outcome", "Why", "Evidence"]))


def letter_ome_table(letter: LetterRow) -> tuple[pd.DataFrame, str]:
    """Each opioid's OME with its factor and the factor's source (and the range where sources
    differ), and the letter's total in words ('at least 60 mg/day (incomplete: ... not converted)')."""
    from audit_app.standards import as_record
    from audit_app.standards.facts import build_facts, ome_breakdown, ome_words, total_ome

    rows = []
    for r in ome_breakdown(letter.extraction):
        rng = r["factor_range"]
        ome_rng = r["ome_range"]
        rows.append({"Opioid": r["drug"],
                     "OME mg/day": r["ome_mg_per_day"],
                     "Range where sources differ": f"{ome_rng[0]:g} to {ome_rng[1]:g} mg/day" if ome_rng else "",
                     "Factor": "" if r["factor"] is None else f"{r['factor']:g}"
                     + (f" (sources differ: {rng[0]:g} to {rng[1]:g})" if rng else ""),
                     "Factor source": r["factor_source"] or "",
                     "In the total": "yes" if r["in_total"] else "no",
                     "Note": r["note"] or ""})
    f = build_facts(as_record(letter.record or {"letter_id": letter.letter_key}), letter.extraction, {}, letter.text)
    total = "no opioid" if f.opioid == "no" else ome_words(*total_ome(f))
    return privacy.safe_frame(pd.DataFrame(rows, columns=["Opioid", "OME mg/day", "Factor", "Factor source",
                                                          "Range where sources differ", "In the total", "Note"])), total


def letter_wording(scope: TrustScope, letter: LetterRow) -> list[dict]:
    """The trust's suggested TTO wording for this letter's failed standards (OD-03, OD-04, OD-08,
    ...), filled with its drug, strength and days: [{standard_id, title, drug, text}]."""
    from audit_app.standards.change_ideas import suggested_wording

    _, cfg = current_standards(scope)
    return suggested_wording(letter.extraction, letter.standard_results, cfg)
