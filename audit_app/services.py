"""Plain functions the Streamlit pages call: the glue between the store and the audit domain.

A page reads its widgets, calls one function here and shows the result. Nothing here imports
Streamlit, so every function is testable without a browser.

Access: every function that takes a trust, round or letter id first checks that the caller's
:class:`Access` allows that trust (and that the round/letter belongs to it). In single-user mode
(no sign-in configured) every trust is allowed; with sign-in, only the trusts granted to the
user's e-mail (``store.trusts_for_user``).
"""
from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd

from audit_app.access import AccessContext, AccessDenied
from audit_app.gcpause import gc_paused
from audit_app.store.store import LetterRow, RoundInfo, Store, StoreError, TrustInfo, overlapping_periods


class ServiceError(Exception):
    """Something the user asked for cannot be done; ``str()`` is a message fit for the page."""


# ------------------------------------------------------------------------------------------------
# access (audit_app.access does the checks; these are the page-level helpers over it)
# ------------------------------------------------------------------------------------------------
Access = AccessContext


def single_user() -> Access:
    return AccessContext.single_user()


def access_for_user(store: Store, email: str) -> Access:
    """The access of a signed-in user: only the trusts granted to their e-mail."""
    return AccessContext.for_user(store, email)


def access_from_key(key: tuple) -> Access:
    """Rebuild an Access from its ``cache_key`` (cached functions take the key, not the object)."""
    user, ids = key
    return AccessContext(user, None if ids is None else frozenset(ids))


def user_label(access: Access) -> str:
    return access.user_email or "local user"


def visible_trusts(store: Store, access: Access) -> list[TrustInfo]:
    return access.visible_trusts(store)


def require_trust(store: Store, access: Access, trust_id: int | None) -> TrustInfo:
    if trust_id is None:
        raise ServiceError("choose a trust first (Trusts and rounds page)")
    access.check_trust(trust_id)
    try:
        return store.get_trust(int(trust_id))
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def require_round(store: Store, access: Access, trust_id: int | None, round_id: int | None) -> RoundInfo:
    """The round, if the caller may see its trust and it belongs to the current trust `trust_id`."""
    require_trust(store, access, trust_id)
    if round_id is None:
        raise ServiceError("choose an audit round first (sidebar), or import one")
    rnd = access.check_round(store, int(round_id))
    if rnd.trust_id != int(trust_id):
        raise AccessDenied(f"access denied: audit round {round_id} is not in the trust you chose")
    return rnd


def require_letter(store: Store, access: Access, trust_id: int | None, letter_id: int) -> LetterRow:
    require_trust(store, access, trust_id)
    letter = access.check_letter(store, int(letter_id))
    if store.get_round(letter.round_id).trust_id != int(trust_id):
        raise AccessDenied(f"access denied: letter {letter_id} is not in the trust you chose")
    return letter


# ------------------------------------------------------------------------------------------------
# trusts and rounds
# ------------------------------------------------------------------------------------------------
def create_trust(store: Store, access: Access, name: str, code: str | None = None) -> TrustInfo:
    """Create a trust; a signed-in user is granted access to the trust they create."""
    try:
        trust = store.create_trust(name, (code or "").strip() or None)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    if access.user_email:
        store.grant_access(access.user_email, trust.id)
    return trust


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def trust_users(store: Store, access: Access, trust_id: int) -> list[str]:
    """Who can see the trust when the app runs with sign-in (their e-mail addresses)."""
    require_trust(store, access, trust_id)
    return store.users_of_trust(trust_id)


def grant_trust(store: Store, access: Access, trust_id: int, email: str) -> str:
    """Let a colleague see and work on this trust after they sign in. Anyone who can see a trust
    can grant it (the NHS e-mail address is the identity the sign-in provider vouches for)."""
    require_trust(store, access, trust_id)
    email = (email or "").strip().lower()
    if not _EMAIL.fullmatch(email):
        raise ServiceError(f"'{email}' is not an e-mail address; give the address the person signs in with")
    store.grant_access(email, trust_id)
    return email


def revoke_trust(store: Store, access: Access, trust_id: int, email: str) -> None:
    """Stop a colleague seeing this trust. You cannot remove yourself (ask a colleague), so a
    trust is never left with nobody able to reach it by mistake."""
    require_trust(store, access, trust_id)
    email = (email or "").strip().lower()
    if access.user_email and email == access.user_email:
        raise ServiceError("you cannot remove your own access; ask a colleague who can see this trust")
    if email not in store.users_of_trust(trust_id):
        raise ServiceError(f"{email} has no access to this trust")
    store.revoke_access(email, trust_id)


def rename_trust(store: Store, access: Access, trust_id: int, new_name: str) -> None:
    require_trust(store, access, trust_id)
    if not (new_name or "").strip():
        raise ServiceError("a trust needs a name")
    clash = store.find_trust(new_name.strip())
    if clash is not None and clash.id != trust_id:
        raise ServiceError(f"a trust named {clash.name!r} already exists")
    store.rename_trust(trust_id, new_name)


def delete_trust(store: Store, access: Access, trust_id: int) -> None:
    require_trust(store, access, trust_id)
    store.delete_trust(trust_id)


def rounds_table(store: Store, access: Access, trust_id: int) -> pd.DataFrame:
    require_trust(store, access, trust_id)
    rows = [{
        "id": r.id, "Round": r.label, "From": r.period_start, "To": r.period_end,
        "Standards version": r.standards_version, "Letters": r.n_letters,
        "Source file": r.source_file or "", "Created": r.created_at.strftime("%Y-%m-%d %H:%M") if r.created_at else "",
    } for r in store.list_rounds(trust_id)]
    return pd.DataFrame(rows, columns=["id", "Round", "From", "To", "Standards version", "Letters", "Source file",
                                       "Created"])


def list_rounds(store: Store, access: Access, trust_id: int) -> list[RoundInfo]:
    require_trust(store, access, trust_id)
    return store.list_rounds(trust_id)


def create_round(store: Store, access: Access, trust_id: int, label: str, period_start: Any = None,
                 period_end: Any = None, standards_version: int | None = None) -> int:
    """An empty round (letters come later from the Import page)."""
    require_trust(store, access, trust_id)
    _check_period(period_start, period_end)
    if standards_version is None:
        standards_version = current_standards(store, access, trust_id)[0]
    try:
        return store.save_round(trust_id, label, [], period_start=period_start, period_end=period_end,
                                standards_version=standards_version)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def update_round(store: Store, access: Access, trust_id: int, round_id: int, *, label: str | None = None,
                 period_start: Any = None, period_end: Any = None) -> None:
    require_round(store, access, trust_id, round_id)
    _check_period(period_start, period_end)
    try:
        store.update_round(round_id, label=label, period_start=period_start, period_end=period_end)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def delete_round(store: Store, access: Access, trust_id: int, round_id: int) -> None:
    require_round(store, access, trust_id, round_id)
    store.delete_round(round_id, user=user_label(access))


def _check_period(start: Any, end: Any) -> None:
    if start and end and start > end:
        raise ServiceError("the period ends before it starts")


# ------------------------------------------------------------------------------------------------
# standards configuration
# ------------------------------------------------------------------------------------------------
def current_standards(store: Store, access: Access, trust_id: int, version: int | None = None):
    """(version, StandardsConfig) of the trust; the national defaults are saved as version 1 on first use."""
    from audit_app.standards import StandardsConfig, default_config

    require_trust(store, access, trust_id)
    found = store.standards_config(trust_id, version)
    if found is None:
        if version is not None:
            raise ServiceError(f"this trust has no standards version {version}")
        v = store.save_standards_config(trust_id, default_config().to_dict(), user="defaults")
        found = store.standards_config(trust_id, v)
    v, cfg = found
    cfg = dict(cfg)
    cfg["version"] = v
    return v, StandardsConfig.from_dict(cfg)


def standards_versions(store: Store, access: Access, trust_id: int) -> list[int]:
    latest = current_standards(store, access, trust_id)[0]
    return list(range(latest, 0, -1))


def standards_table(store: Store, access: Access, trust_id: int, version: int | None = None) -> pd.DataFrame:
    """One row per scored standard: on/off, target, statement, measure and sources."""
    from audit_app.standards import load_standards

    v, cfg = current_standards(store, access, trust_id, version)
    rows = []
    for d in load_standards(cfg.standards_version):
        if not d.scored:
            continue
        s = cfg.standards.get(d.id)
        rows.append({
            "Standard": d.id, "Title": d.title, "On": bool(s and s.enabled),
            "Target %": None if s is None or s.target_pct is None else float(s.target_pct),
            "Better": "lower" if d.direction == "lower" else "higher",
            "Statement": d.statement, "Numerator": d.numerator, "Denominator": d.denominator,
            "Exclusions": ", ".join(d.exclusions),
            "Sources": "; ".join(_source_text(src) for src in d.sources),
            "Local": d.local,
        })
    return pd.DataFrame(rows)


def _source_text(src: dict) -> str:
    cit = src.get("citation") or src.get("id") or ""
    url = src.get("url")
    return f"{cit} ({url})" if url else str(cit)


def standards_parameters(store: Store, access: Access, trust_id: int, version: int | None = None) -> pd.DataFrame:
    from audit_app.standards import parameter_specs

    v, cfg = current_standards(store, access, trust_id, version)
    specs = parameter_specs(cfg.standards_version)
    rows = []
    for name, spec in specs.items():
        value = cfg.parameters.get(name, spec.get("default"))
        rows.append({"Parameter": name, "Value": _param_text(value), "Type": spec.get("type"),
                     "Description": spec.get("description", "")})
    return pd.DataFrame(rows)


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_param_text(v) for v in value)
    return str(value)


def _parse_param(kind: str, text: Any) -> Any:
    if kind == "bool":
        if isinstance(text, bool):
            return text
        t = str(text).strip().lower()
        if t in ("true", "yes", "y", "1", "on"):
            return True
        if t in ("false", "no", "n", "0", "off"):
            return False
        return text  # StandardsConfig names the bad value
    if kind == "list":
        if isinstance(text, (list, tuple)):
            return list(text)
        return [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    return text


def save_standards(store: Store, access: Access, trust_id: int, standards: pd.DataFrame,
                   parameters: pd.DataFrame | None = None, *, user: str | None = None) -> int:
    """Save edited standards (On, Target %) and parameters as the trust's next standards version.

    Returns the new version number; nothing is saved when a value is invalid (ServiceError).
    """
    from audit_app.standards import parameter_specs

    _, cfg = current_standards(store, access, trust_id)
    enable = {str(r["Standard"]): bool(r["On"]) for _, r in standards.iterrows()}
    targets = {}
    for _, r in standards.iterrows():
        t = r.get("Target %")
        targets[str(r["Standard"])] = None if t is None or (isinstance(t, float) and math.isnan(t)) else t
    params = {}
    if parameters is not None:
        specs = parameter_specs(cfg.standards_version)
        for _, r in parameters.iterrows():
            name = str(r["Parameter"])
            params[name] = _parse_param(specs.get(name, {}).get("type", ""), r["Value"])
    try:
        new = cfg.with_changes(enable=enable, targets=targets, parameters=params)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    if new.to_dict() | {"version": 0} == cfg.to_dict() | {"version": 0}:
        raise ServiceError("nothing changed: no new standards version saved")
    return store.save_standards_config(trust_id, new.to_dict(), user=user or user_label(access))


# ------------------------------------------------------------------------------------------------
# PDSA cycles
# ------------------------------------------------------------------------------------------------
PDSA_FIELDS: dict[str, str] = {
    "cycle_no": "Cycle no.", "change_idea": "Change idea", "date_start": "Start", "date_end": "End",
    "project_id": "Project", "aim_id": "Aim", "change_idea_id": "Change idea id", "owner": "Owner",
    "objective": "Objective", "prediction": "Prediction", "plan": "Plan", "do_observations": "Do: observations",
    "study": "Study", "act": "Act", "next_steps": "Next steps", "measures_linked": "Measures linked",
}
ACT_CHOICES = ("", "adopt", "adapt", "abandon")


def list_pdsa(store: Store, access: Access, trust_id: int) -> list[dict]:
    require_trust(store, access, trust_id)
    return store.list_pdsa_cycles(trust_id)


def pdsa_table(store: Store, access: Access, trust_id: int) -> pd.DataFrame:
    rows = []
    for c in list_pdsa(store, access, trust_id):
        row = {"id": c["id"]}
        for k, label in PDSA_FIELDS.items():
            v = c.get(k)
            row[label] = ", ".join(map(str, v)) if isinstance(v, list) else v
        rows.append(row)
    return pd.DataFrame(rows, columns=["id", *PDSA_FIELDS.values()])


def save_pdsa(store: Store, access: Access, trust_id: int, cycle: dict, cycle_id: int | None = None) -> int:
    """Validate a PDSA cycle (qi.pdsa.PdsaCycle) and save it (new, or replacing `cycle_id`); returns its id."""
    from qi.pdsa import PdsaCycle

    require_trust(store, access, trust_id)
    data = {}
    for k in PDSA_FIELDS:
        v = cycle.get(k)
        if isinstance(v, str):
            v = v.strip() or None
        data[k] = v
    data["measures_linked"] = list(cycle.get("measures_linked") or [])
    try:
        record = PdsaCycle.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise ServiceError(str(exc)) from None
    if cycle_id is not None and access.check_pdsa_cycle(store, cycle_id)["trust_id"] != int(trust_id):
        raise AccessDenied(f"access denied: PDSA cycle {cycle_id} is not in the trust you chose")
    try:
        return store.save_pdsa_cycle(trust_id, record.to_dict(), cycle_id=cycle_id)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def pdsa_cycles(store: Store, access: Access, trust_id: int, measure: str | None = None) -> list:
    """The trust's cycles as qi.pdsa.PdsaCycle records; with `measure`, only those linked to it
    (a cycle linked to no measure is drawn on every chart)."""
    from qi.pdsa import PdsaCycle

    out = []
    for c in list_pdsa(store, access, trust_id):
        data = {k: c.get(k) for k in PDSA_FIELDS if k in c}
        try:
            cyc = PdsaCycle.from_dict(data)
        except (TypeError, ValueError):
            continue
        if measure is None or not cyc.measures_linked or measure in cyc.measures_linked:
            out.append(cyc)
    return out


def delete_pdsa(store: Store, access: Access, trust_id: int, cycle_id: int) -> None:
    require_trust(store, access, trust_id)
    store.delete_pdsa_cycle(trust_id, cycle_id)


# ------------------------------------------------------------------------------------------------
# measures (charts, PDSA links)
# ------------------------------------------------------------------------------------------------
def measure_options(store: Store, access: Access, trust_id: int) -> dict[str, str]:
    """Measure id -> label, for the chart picker and PDSA links (ids as audit_app.scoring.qi_measures names them)."""
    from audit_app.standards import load_standards

    _, cfg = current_standards(store, access, trust_id)
    out = {}
    for d in load_standards(cfg.standards_version, include_unscored=False):
        if cfg.is_enabled(d.id):
            out[d.id] = f"{d.id} {d.title} (% of letters meeting it)"
    out["median_ome"] = "Median discharge OME (mg/day) per opioid letter"
    for t in cfg.param("high_dose_thresholds_reported"):
        out[f"high_dose_{float(t):g}"] = f"% opioid letters with OME >= {float(t):g} mg/day (high dose)"
    out["new_mr"] = "% new opioid items that are modified-release (MR)"
    return out


# ------------------------------------------------------------------------------------------------
# letters: the table, evidence highlighting, corrections
# ------------------------------------------------------------------------------------------------
OUTCOME_SYMBOLS = {"met": "✓ met", "not_met": "✗ not met", "not_assessable": "? not assessable",
                   "not_applicable": "– n/a"}
_OUTCOME_ORDER = ("not_met", "met", "not_assessable", "not_applicable")


def _letter_outcome(results: list[dict], standard_id: str) -> str | None:
    """One outcome per letter for a standard (item-level standards: any item not met = not met)."""
    outcomes = {r.get("outcome") for r in results if r.get("standard_id") == standard_id}
    for o in _OUTCOME_ORDER:
        if o in outcomes:
            return o
    return None


def _num(v: Any) -> str:
    if v is None:
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:g}"


def opioid_summary(op: dict) -> str:
    """'oxycodone (OxyNorm) IR 5-10 mg x4/day PRN, 5 days' from one extracted opioid."""
    name = op.get("generic") or "opioid"
    if op.get("brand"):
        name += f" ({op['brand']})"
    bits = [name]
    if op.get("formulation"):
        bits.append(str(op["formulation"]))
    lo, hi = op.get("dose_mg_min"), op.get("dose_mg_max")
    if hi is not None:
        bits.append(f"{_num(lo)}-{_num(hi)} mg" if lo is not None and lo != hi else f"{_num(hi)} mg")
    elif op.get("strength_mcg_per_hour") is not None:
        bits.append(f"{_num(op['strength_mcg_per_hour'])} mcg/h")
    if op.get("frequency_per_day_max"):
        bits.append(f"x{_num(op['frequency_per_day_max'])}/day")
    if op.get("prn"):
        bits.append("PRN")
    days = op.get("duration_days") or op.get("supply_days")
    text = " ".join(bits)
    return f"{text}, {_num(days)} days" if days else text


def letters_table(store: Store, access: Access, trust_id: int, round_id: int) -> pd.DataFrame:
    """One row per letter: its extracted opioids, OME/day and one column per standard."""
    rnd = require_round(store, access, trust_id, round_id)
    letters = store.letters(rnd.id)
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
            "Opioids": "; ".join(opioid_summary(o) for o in ops) if ops else (l.record.get("drug") or ""),
            "OME mg/day": None if ome is None else round(float(ome), 1),
            "Text": "yes" if l.text else "",
        }
        for sid in std_ids:
            o = _letter_outcome(l.standard_results, sid)
            row[sid] = OUTCOME_SYMBOLS.get(o, "") if o else ""
        rows.append(row)
    df = pd.DataFrame(rows, columns=["id", "Letter", "Row", "Opioids", "OME mg/day", "Text", *std_ids])
    df["OME mg/day"] = pd.to_numeric(df["OME mg/day"], errors="coerce")
    df["Row"] = df["Row"].astype("Int64")
    return df


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


@dataclass(frozen=True)
class CorrectableField:
    path: str
    label: str
    kind: str            # 'yesno' | 'bool' | 'number' | 'choice'
    choices: tuple = ()


_RECORD_FIELDS = (
    ("weaning_plan", "Weaning / stopping plan documented (auditor)"),
    ("gp_action", "GP action documented (auditor)"),
    ("indication", "Indication documented (auditor)"),
    ("new_opioid", "New opioid this admission (auditor)"),
    ("opioid_prescribed", "Opioid on the TTO (auditor)"),
    ("palliative", "Palliative / end of life (auditor)"),
    ("cancer_pain", "Active cancer pain (auditor)"),
)


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
        v = str(value).strip().lower()
        v = {"y": "yes", "true": "yes", "n": "no", "false": "no", "?": "unknown"}.get(v, v)
        if v not in ("yes", "no", "unknown"):
            raise ServiceError(f"{f.label}: answer yes, no or unknown")
        return v
    if f.kind == "bool":
        if isinstance(value, bool):
            return value
        v = str(value).strip().lower()
        if v in ("yes", "true", "y", "1"):
            return True
        if v in ("no", "false", "n", "0"):
            return False
        raise ServiceError(f"{f.label}: answer yes or no")
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
    import copy

    doc = copy.deepcopy(doc)
    parts = path.split(".")
    cur = doc
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur.setdefault(p, {})
    if isinstance(cur, list):
        cur[int(parts[-1])] = value
    else:
        cur[parts[-1]] = value
    return doc


def score_letter(record: dict, extraction: dict | None, config, text: str | None = None) -> list[dict]:
    """The standards' verdicts on one letter (audit_app.standards.evaluate_letter) as dicts."""
    from audit_app.standards import evaluate_letter

    return [r.to_dict() for r in evaluate_letter(record or {}, extraction, config, text=text)]


@dataclass
class CorrectionResult:
    version: int
    changes: list[tuple[str, str | None, str | None]]   # (standard, outcome before, outcome after)


def apply_correction(store: Store, access: Access, trust_id: int, letter_id: int, field: str, value: Any,
                     reason: str, user: str | None, expected_version: int) -> CorrectionResult:
    """Correct one field of a letter, re-score it with the round's standards and save both in one call.

    The store keeps the old and new value, the time, the user and the reason; if someone else
    changed the letter since `expected_version`, nothing is saved (ServiceError).
    """
    from audit_app.store.store import ConcurrentEditError

    letter = require_letter(store, access, trust_id, letter_id)
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
    rnd = store.get_round(letter.round_id)
    version, config = current_standards(store, access, trust_id, rnd.standards_version)
    results = score_letter(record, extraction, config, text=letter.text)
    try:
        new_version = store.correct_letter(letter_id, field, new_value, reason=reason.strip(),
                                           user=user or user_label(access), expected_version=expected_version,
                                           standard_results=results, standards_version=version)
    except ConcurrentEditError as exc:
        raise ServiceError(str(exc)) from None
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    before = {sid: _letter_outcome(letter.standard_results, sid)
              for sid in {r.get("standard_id") for r in letter.standard_results}}
    after = {sid: _letter_outcome(results, sid) for sid in {r.get("standard_id") for r in results}}
    changes = [(sid, before.get(sid), after.get(sid)) for sid in sorted(set(before) | set(after))
               if before.get(sid) != after.get(sid)]
    return CorrectionResult(new_version, changes)


def letter_corrections(store: Store, access: Access, trust_id: int, letter_id: int) -> pd.DataFrame:
    require_letter(store, access, trust_id, letter_id)
    rows = [{"When": c["created_at"].strftime("%Y-%m-%d %H:%M") if c.get("created_at") else "",
             "Field": c["field"], "Old": _param_text(c["old_value"]) if c["old_value"] is not None else "",
             "New": _param_text(c["new_value"]) if c["new_value"] is not None else "",
             "Reason": c["reason"], "By": c["user"]} for c in store.corrections(letter_id=letter_id)]
    return pd.DataFrame(rows, columns=["When", "Field", "Old", "New", "Reason", "By"])


def letter_results_table(letter: LetterRow) -> pd.DataFrame:
    """The standards' verdicts on one letter, with the reason and evidence in words."""
    rows = []
    for r in letter.standard_results:
        ev = "; ".join(
            f"{e.get('source', '')}: {e.get('field', '')} = {_param_text(e.get('value'))}"
            + (f" ({e['note']})" if e.get("note") else "")
            for e in r.get("evidence") or [])
        rows.append({"Standard": r.get("standard_id"),
                     "Item": "" if r.get("item_index") is None else int(r["item_index"]) + 1,
                     "Outcome": OUTCOME_SYMBOLS.get(r.get("outcome"), r.get("outcome")),
                     "Why": r.get("exclusion_code") or r.get("reason") or "", "Evidence": ev})
    return pd.DataFrame(rows, columns=["Standard", "Item", "Outcome", "Why", "Evidence"])


# ------------------------------------------------------------------------------------------------
# import: spreadsheets and letters -> a round (audit_app.rounds does the work)
# ------------------------------------------------------------------------------------------------
LETTER_SEPARATOR = "==="


def _import_error(exc: Exception, filename: str | None) -> ServiceError:
    from audit_app.ingest import IngestError

    if isinstance(exc, (IngestError, StoreError, ServiceError)):
        return ServiceError(str(exc))
    return ServiceError(f"{filename or 'the file'}: could not be read ({type(exc).__name__}: {exc}). Nothing was saved.")


def warm_up() -> None:
    """Load what a first import and a first chart need (openpyxl, the spaCy extraction pipeline,
    plotly) so that a user's first upload does not wait for ~1 s of imports. Thread-safe; the app
    calls it once per process in the background after the first page has been drawn."""
    import openpyxl  # noqa: F401

    from audit_app import rounds
    from qi import figures  # noqa: F401 - plotly

    rounds.run_extraction(["warm up"])


def list_sheets(data: bytes, filename: str) -> list[str]:
    from audit_app import rounds

    try:
        return rounds.list_sheets(data, filename)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message naming the file
        raise _import_error(exc, filename) from None


def split_pasted_letters(text: str) -> list[str]:
    """Pasted text -> letters, split at lines that are only '===' (one letter when there is none)."""
    letters, cur = [], []
    for line in (text or "").splitlines():
        if line.strip() and set(line.strip()) == {"="} and len(line.strip()) >= 3:
            letters.append("\n".join(cur))
            cur = []
        else:
            cur.append(line)
    letters.append("\n".join(cur))
    return [l.strip("\n") for l in letters if l.strip()]


def letters_to_csv(letters: Iterable[tuple[str, str]]) -> bytes:
    """A set of letters as a two-column audit sheet (Letter ID, Letter text), so letters go through
    the same import (validation, extraction, scoring, one-transaction save) as a spreadsheet."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Letter ID", "Letter text"])
    n = 0
    for name, text in letters:
        if text and text.strip():
            w.writerow([name, text])
            n += 1
    if not n:
        raise ServiceError("no letter text: upload .txt files or paste at least one letter")
    return buf.getvalue().encode("utf-8")


def decode_letter_file(data: bytes, filename: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ServiceError(f"{filename}: not a text file (letters must be plain .txt)")


def prepare_upload(store: Store, access: Access, trust_id: int, data: bytes, filename: str, *,
                   sheet: str | None = None, mapping: dict | None = None,
                   progress: Callable[[int, int], None] | None = None):
    """Read, map, validate and extract an uploaded file (audit_app.rounds.prepare_import); saves nothing."""
    from audit_app import rounds

    require_trust(store, access, trust_id)
    try:
        return rounds.prepare_import(data, filename, sheet=sheet, mapping=mapping, trust_id=trust_id, store=store,
                                     progress=progress)
    except Exception as exc:  # noqa: BLE001
        raise _import_error(exc, filename) from None


def mapping_table(prepared) -> pd.DataFrame:
    """One row per column heading: the suggested field, how sure, and why."""
    from audit_app.records import CANONICAL_FIELDS

    rows = []
    for c in prepared.mapping.columns:
        rows.append({"Column": c.heading, "Field": c.field or "",
                     "Means": CANONICAL_FIELDS.get(c.field, ("", ""))[1] if c.field else "(not used)",
                     "Confidence": round(float(c.confidence), 2), "Why": c.source + (f": {c.note}" if c.note else "")})
    return pd.DataFrame(rows, columns=["Column", "Field", "Means", "Confidence", "Why"])


def field_choices() -> dict[str, str]:
    from audit_app.records import CANONICAL_FIELDS

    return {"": "(not used)", **{k: v[1] for k, v in CANONICAL_FIELDS.items()}}


def mapping_from_table(table: pd.DataFrame) -> dict[str, str | None]:
    """The user's edited mapping: heading -> field (None for a column they chose not to use)."""
    out: dict[str, str | None] = {}
    for _, r in table.iterrows():
        f = r.get("Field")
        out[str(r["Column"])] = None if f is None or (isinstance(f, float) and math.isnan(f)) or f == "" else str(f)
    return out


def issues_table(prepared) -> pd.DataFrame:
    rows = [{"Severity": i.severity, "Sheet": i.sheet or "", "Row": i.row, "Column": i.column or "",
             "Message": i.message} for i in prepared.report.sorted()]
    df = pd.DataFrame(rows, columns=["Severity", "Sheet", "Row", "Column", "Message"])
    df["Row"] = df["Row"].astype("Int64")
    return df


def preview_table(prepared, limit: int = 200) -> pd.DataFrame:
    """The first records as read (identifiers left out), for a quick look before saving."""
    from audit_app.ingest.build import jsonable

    hidden = {"hospital_number", "nhs_number", "patient_name", "date_of_birth", "letter_text", "extra",
              "source_sheet", "days_supplied_raw"}
    rows = []
    for rec, ex in list(zip(prepared.records, prepared.extractions))[:limit]:
        d = {k: jsonable(v) for k, v in rec.to_dict().items() if k not in hidden}
        d["opioids found in the letter"] = ("; ".join(opioid_summary(o) for o in ex.get("opioids") or [])
                                            if ex else "")
        rows.append(d)
    return pd.DataFrame(rows)


def save_import(store: Store, access: Access, trust_id: int, prepared, *, label: str, period_start: Any = None,
                period_end: Any = None, standards_version: int | None = None, into_round_id: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Score and save the prepared import as a round (one transaction; nothing saved on failure).

    `into_round_id`: an existing EMPTY round (created on the Trusts page) to fill; its label,
    period and standards version are used.
    """
    from audit_app import rounds

    require_trust(store, access, trust_id)
    empty = None
    if into_round_id is not None:
        empty = require_round(store, access, trust_id, into_round_id)
        if empty.n_letters:
            raise ServiceError(f"round {empty.label!r} already has letters; import into a new round")
        label = empty.label
        period_start = period_start or empty.period_start
        period_end = period_end or empty.period_end
        standards_version = empty.standards_version or standards_version
    if not (label or "").strip():
        raise ServiceError("give the round a label")
    _check_period(period_start, period_end)
    _, config = current_standards(store, access, trust_id, standards_version)
    if empty is not None:
        store.delete_round(empty.id, user=user_label(access), reason="filled by an import")  # re-created below, with its letters, under the same label
    try:
        return rounds.accept_import(store, prepared, trust_id=trust_id, label=label, period_start=period_start,
                                    period_end=period_end, standards_config=config, progress=progress)
    except Exception as exc:  # noqa: BLE001
        if empty is not None:
            store.save_round(trust_id, empty.label, [], period_start=empty.period_start,
                             period_end=empty.period_end, standards_version=empty.standards_version)
        raise _import_error(exc, prepared.filename) from None


# ------------------------------------------------------------------------------------------------
# compliance: per standard for a round, with comparisons (audit_app.scoring does the sums)
# ------------------------------------------------------------------------------------------------
@dataclass
class ComplianceView:
    round_label: str
    n_letters: int
    summary: pd.DataFrame          # display table, one row per standard
    raw: pd.DataFrame              # scoring.summarise output
    figure: Any                    # plotly forest plot: % with 95% CI and target
    rounds: pd.DataFrame           # comparisons with the previous round (scoring.compare_summaries)
    previous_label: str | None
    trusts: pd.DataFrame           # comparisons with other visible trusts' latest rounds
    history: pd.DataFrame          # % per standard for every round of the trust (wide)


def _round_summary(store: Store, access: Access, trust_id: int, rnd: RoundInfo) -> pd.DataFrame:
    from audit_app import scoring

    _, cfg = current_standards(store, access, trust_id, rnd.standards_version)
    with gc_paused():
        return scoring.summarise(scoring.results_frame(store.letters(rnd.id), rnd.label), cfg)


def _pct_text(p: Any) -> str:
    return "" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{p:.0f}%"


def compliance(store: Store, access: Access, trust_id: int, round_id: int) -> ComplianceView:
    from audit_app import scoring

    rnd = require_round(store, access, trust_id, round_id)
    summ = _round_summary(store, access, trust_id, rnd)
    rows = []
    for _, r in summ.iterrows():
        den = int(r["denominator"])
        verdict = ("" if r["target_met"] is None or den == 0
                   else ("✓ meets target" if r["target_met"] else "✗ below target" if r["direction"] == "higher"
                         else "✗ above target"))
        rows.append({
            "Standard": r["standard_id"], "Title": r["title"],
            "Compliance %": round(float(r["pct"]), 1) if den else None,
            "95% CI": f"{_pct_text(r['ci_low_pct'])} to {_pct_text(r['ci_high_pct'])}" if den else "no eligible letters",
            "n": f"{int(r['numerator'])}/{den}", "Target": _pct_text(r["target_pct"]) if r["target_pct"] is not None else "",
            "Against target": verdict, "Not assessable": int(r["not_assessable"]),
            "Excluded": r["excluded_text"] or "",
        })
    table = pd.DataFrame(rows, columns=["Standard", "Title", "Compliance %", "95% CI", "n", "Target", "Against target",
                                        "Not assessable", "Excluded"])
    rounds = store.list_rounds(trust_id)
    idx = next(i for i, r in enumerate(rounds) if r.id == rnd.id)
    prev = next((r for r in reversed(rounds[:idx]) if r.n_letters), None)
    round_cmp = pd.DataFrame()
    if prev is not None:
        round_cmp = scoring.compare_summaries(_round_summary(store, access, trust_id, prev), summ, prev.label,
                                              rnd.label, kind="rounds")
    history = {}
    for r in rounds[: idx + 1]:
        if r.n_letters:
            s = summ if r.id == rnd.id else _round_summary(store, access, trust_id, r)
            history[r.label] = {sid: p for sid, p in zip(s["standard_id"], s["pct"])}
    hist = pd.DataFrame(history).map(lambda p: _pct_text(p)) if history else pd.DataFrame()
    trust_rows = []
    me = store.get_trust(trust_id)
    for other in visible_trusts(store, access):
        if other.id == trust_id:
            continue
        orounds = [r for r in store.list_rounds(other.id) if r.n_letters]
        if not orounds:
            continue
        latest = orounds[-1]
        cmp = scoring.compare_summaries(_round_summary(store, access, other.id, latest), summ,
                                        f"{other.name} ({latest.label})", f"{me.name} ({rnd.label})", kind="trusts")
        trust_rows.append(cmp.assign(other_trust=other.name))
    trusts = pd.concat(trust_rows, ignore_index=True) if trust_rows else pd.DataFrame()
    return ComplianceView(rnd.label, rnd.n_letters, table, summ, compliance_figure(summ, rnd.label), round_cmp,
                          prev.label if prev else None, trusts, hist)


def compliance_figure(summary: pd.DataFrame, title: str):
    """Each standard's % with its 95% interval (bars) and target (red tick): a forest plot."""
    import plotly.graph_objects as go

    s = summary[summary["denominator"] > 0].iloc[::-1]
    y = [f"{sid} {t}" for sid, t in zip(s["standard_id"], s["short_title"])]
    colour = ["#2b8a3e" if m else "#c92a2a" if m is False else "#495057" for m in s["target_met"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=s["pct"], y=y, mode="markers", marker=dict(size=11, color=colour), name="compliance",
        error_x=dict(type="data", symmetric=False, array=(s["ci_high_pct"] - s["pct"]).tolist(),
                     arrayminus=(s["pct"] - s["ci_low_pct"]).tolist(), color="#868e96", thickness=1.5),
        text=[f"{sid}: {p:.0f}% ({int(n)}/{int(d)}), 95% CI {lo:.0f}-{hi:.0f}%"
              for sid, p, n, d, lo, hi in zip(s["standard_id"], s["pct"], s["numerator"], s["denominator"],
                                               s["ci_low_pct"], s["ci_high_pct"])],
        hovertemplate="%{text}<extra></extra>"))
    t = s[s["target_pct"].notna()]
    fig.add_trace(go.Scatter(x=t["target_pct"], y=[f"{sid} {tt}" for sid, tt in zip(t["standard_id"], t["short_title"])],
                             mode="markers", marker=dict(symbol="line-ns-open", size=18, color="#e03131",
                                                         line=dict(width=3)), name="target",
                             hovertemplate="target %{x:.0f}%<extra></extra>"))
    fig.update_layout(title=dict(text=f"Compliance by standard: {title} (95% CI; red tick = target)", x=0.01),
                      template="plotly_white", height=max(320, 34 * len(y) + 120), margin=dict(l=10, r=20, t=60, b=40),
                      xaxis=dict(range=[-2, 102], title="% of eligible letters or items", ticksuffix="%"),
                      legend=dict(orientation="h", y=-0.12), showlegend=True)
    return fig


# ------------------------------------------------------------------------------------------------
# charts: a measure over rounds/weeks/months on a run or SPC chart (audit_app.scoring + qi)
# ------------------------------------------------------------------------------------------------
CHART_TYPES = {"run": "Run chart", "p": "p-chart", "i": "XmR (individuals) chart", "pp": "Laney p′ chart"}
RULE_SETS = {"anhoej": "Anhøj (qicharts2)", "mdc": "Making Data Count (NHS England)", "ihi": "IHI run chart rules"}
GRAINS = {"round": "audit round", "week": "week of discharge", "month": "month of discharge"}


def measures(store: Store, access: Access, trust_id: int, grain: str = "round") -> pd.DataFrame:
    """The trust's QI measures over all its rounds (audit_app.scoring.qi_measures), tidy."""
    from audit_app import scoring

    if grain not in GRAINS:
        raise ServiceError(f"choose the grain: {', '.join(GRAINS)}")
    _, cfg = current_standards(store, access, trust_id)
    with gc_paused():
        pairs = [(r, store.letters(r.id)) for r in store.list_rounds(trust_id) if r.n_letters]
        return scoring.qi_measures(pairs, period=grain, config=cfg)


NO_SIGNAL = "No signal: the points vary as expected by chance (common cause variation)."


@dataclass
class ChartView:
    figure: Any
    title: str
    signals: list[str]
    variation: str | None
    assurance: str | None
    notes: list[str]
    data: pd.DataFrame
    n_points: int


def _overlapping_rounds(store: Store, trust_id: int, labels: list[str]) -> list[str]:
    """'Round 2 (03/01/2024 to 13/10/2025) overlaps Round 1 (...)' for the charted rounds whose
    periods overlap (store.overlapping_periods, the rule that also orders the rounds); [] when
    they follow one another."""
    wanted = set(labels)
    charted = [r for r in store.list_rounds(trust_id) if r.label in wanted]
    return [f"{b.label} ({b.period_start:%d/%m/%Y} to {b.period_end:%d/%m/%Y}) overlaps "
            f"{a.label} ({a.period_start:%d/%m/%Y} to {a.period_end:%d/%m/%Y})"
            for a, b in overlapping_periods(charted)]


def chart(store: Store, access: Access, trust_id: int, measure_id: str, *, grain: str = "round",
          chart_type: str = "run", rules: str = "anhoej", phase_cycle_id: int | None = None,
          show_2sigma: bool = False, table: pd.DataFrame | None = None) -> ChartView:
    """Analyse one measure (qi.spc.analyse) and draw it (qi.figures.spc_figure) with the trust's
    PDSA cycles linked to it; optionally start a new phase at a chosen PDSA cycle."""
    from audit_app import scoring
    from qi import figures, spc

    require_trust(store, access, trust_id)
    if chart_type not in CHART_TYPES:
        raise ServiceError(f"choose a chart: {', '.join(CHART_TYPES.values())}")
    if rules not in RULE_SETS:
        raise ServiceError(f"choose a rule set: {', '.join(RULE_SETS.values())}")
    m = table if table is not None else measures(store, access, trust_id, grain)
    rows = m[m["measure_id"] == measure_id]
    if rows.empty:
        raise ServiceError("no data for this measure yet: import at least one round with letters")
    kwargs = scoring.qi_series(m, measure_id)
    kind = rows["kind"].iloc[0]
    if chart_type in ("p", "pp") and kind != "proportion":
        raise ServiceError(f"a {CHART_TYPES[chart_type]} needs a percentage measure; "
                           "use a run chart or an XmR chart for the median OME")
    kwargs["chart"] = chart_type
    names = [str(x) for x in rows["period"]]
    starts = list(rows["period_start"])
    dated = grain == "round" and all(isinstance(x, dt.date) for x in starts) and len(set(starts)) == len(starts)
    overlapping = _overlapping_rounds(store, trust_id, names) if grain == "round" else []
    dated = dated and not overlapping
    if dated:  # rounds sit at their start dates, so PDSA cycles fall between the right rounds
        kwargs["labels"] = [pd.Timestamp(x) for x in starts]
    name_of = dict(zip(kwargs["labels"], names))
    cycles = pdsa_cycles(store, access, trust_id, measure_id)
    extra_notes = []
    if overlapping and cycles:
        cycles = []
        extra_notes.append(
            f"The rounds' periods overlap ({'; '.join(overlapping)}), so a round has no single place in time and "
            "PDSA cycles cannot be put between rounds. Choose one point per month of discharge to see them.")
    phases = None
    if phase_cycle_id is not None:
        chosen = next((c for c in list_pdsa(store, access, trust_id) if c["id"] == phase_cycle_id), None)
        if chosen is None:
            raise ServiceError("that PDSA cycle is not in this trust's log")
        start = dt.date.fromisoformat(str(chosen["date_start"])[:10])
        first = next((str(p) for p, s in zip(rows["period"], rows["period_start"])
                      if s is not None and not (isinstance(s, float) and math.isnan(s)) and pd.Timestamp(s) >= pd.Timestamp(start)), None)
        if first is None:
            raise ServiceError(f"no data on or after the cycle's start ({start:%d/%m/%Y}), so no new phase can start there")
        if first == str(rows["period"].iloc[0]):
            raise ServiceError("the cycle starts at the first point: a new phase needs points before it")
        phases = [kwargs["labels"][names.index(first)]]
    try:
        result = spc.analyse(rules=rules, phases=phases, **kwargs)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    label = measure_options(store, access, trust_id).get(measure_id, rows["measure"].iloc[0])
    title = f"{label} by {GRAINS[grain]}: {figures.CHART_NAMES.get(chart_type, chart_type)}, {RULE_SETS[rules]}"
    fig = figures.spc_figure(result, pdsa_cycles=cycles, title=title, show_2sigma=show_2sigma,
                             percent=kind == "proportion")
    if dated:
        fig.update_xaxes(tickmode="array", tickvals=kwargs["labels"], ticktext=names)
    pts = result.points
    signals = []
    for i, row in pts.iterrows():
        if str(row["point_type"]).startswith("special_cause"):
            value = row["value"]
            shown = f"{value:.0%}" if kind == "proportion" else f"{value:.4g}"
            signals.append(f"{name_of.get(row['label'], row['label'])} ({shown}): "
                           f"{figures.signal_sentence(row, result)}")
    for _, ph in result.phases.iterrows():
        if bool(ph.get("runs_signal")):
            bits = []
            if ph.get("longest_run") is not None and ph.get("longest_run_max") is not None \
                    and ph["longest_run"] > ph["longest_run_max"]:
                bits.append(f"the longest run is {int(ph['longest_run'])} points (more than {int(ph['longest_run_max'])} "
                            "would be expected by chance)")
            if ph.get("crossings") is not None and ph.get("crossings_min") is not None \
                    and ph["crossings"] < ph["crossings_min"]:
                bits.append(f"the line crosses the centre only {int(ph['crossings'])} times (fewer than "
                            f"{int(ph['crossings_min'])} expected)")
            why = " and ".join(bits) or "the runs analysis finds non-random variation"
            signals.append(f"Phase {int(ph['phase'])}: {why}: a sign of non-random variation (a shift).")
    data = pts.copy()
    data.insert(0, "measure", label)
    data.insert(1, "period", names)
    data["explanation"] = [figures.signal_sentence(r, result) for _, r in pts.iterrows()]
    notes = list(result.notes) + extra_notes
    if len(pts) < 10:
        notes.append(f"Only {len(pts)} point(s): run-chart rules need about 10 points and SPC limits about 12-20 "
                     "before signals can be trusted.")
    return ChartView(fig, title, signals, result.variation_icon, result.assurance_icon, notes, data, len(pts))


def icon_text(variation: str | None, assurance: str | None) -> tuple[str | None, str | None]:
    from qi import figures

    v = figures.VARIATION_ICON_TEXT.get(variation, (None,))[0] if variation else None
    a = figures.ASSURANCE_ICON_TEXT.get(assurance, (None,))[0] if assurance else None
    return v, a


def figure_png(fig) -> bytes:
    from qi import figures

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kaleido: 'kopts ignored if using a server' (report.png_session)
            return figures.figure_to_png(fig)
    except Exception as exc:  # noqa: BLE001
        raise ServiceError(f"the PNG could not be drawn ({exc}); download the CSV instead") from None


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------
def round_report(store: Store, access: Access, trust_id: int, round_id: int, *, mask: bool = True,
                 charts: bool = True) -> bytes:
    """The round's Excel report (audit_app.report), identifiers masked unless the trust keeps them
    and the caller asks for them."""
    from audit_app import report

    rnd = require_round(store, access, trust_id, round_id)
    trust = store.get_trust(trust_id)
    if not rnd.n_letters:
        raise ServiceError(f"round {rnd.label!r} has no letters yet: nothing to report")
    _, cfg = current_standards(store, access, trust_id, rnd.standards_version)
    try:
        return report.build_round_report_from_store(store, trust_id, round_id, unmask=(not mask and
                                                    trust.keep_identifiers), charts=charts, config=cfg)
    except (ValueError, StoreError) as exc:
        raise ServiceError(str(exc)) from None


def slide_measures(store: Store, access: Access, trust_id: int) -> list[str]:
    """The measures a deck shows unless the user picks: those linked to a PDSA cycle (the changes
    being tested), else the first four standards; then the median OME."""
    options = measure_options(store, access, trust_id)
    linked = [m for c in list_pdsa(store, access, trust_id) for m in (c.get("measures_linked") or [])]
    chosen = list(dict.fromkeys(m for m in linked if m in options))
    if not chosen:
        chosen = [m for m in options if m.startswith("OD-")][:4]
    if "median_ome" in options and "median_ome" not in chosen:
        chosen.append("median_ome")
    return chosen


def round_slides(store: Store, access: Access, trust_id: int, round_id: int,
                 measure_ids: list[str] | None = None) -> bytes:
    """A PowerPoint deck of the round for a QI meeting (audit_app.slides): compliance against
    targets, then each measure's run chart over the trust's rounds with its PDSA cycles and
    signals in words. Aggregates only: no letter text or identifier."""
    from audit_app import report, slides

    rnd = require_round(store, access, trust_id, round_id)
    trust = require_trust(store, access, trust_id)
    if not rnd.n_letters:
        raise ServiceError(f"round {rnd.label!r} has no letters yet: nothing to present")
    view = compliance(store, access, trust_id, round_id)
    lines = []
    for _, r in view.summary.iterrows():
        if pd.isna(r["Compliance %"]):  # no eligible letters
            continue
        lines.append(f"{r['Standard']} {r['Title']}: {r['Compliance %']:.0f}% ({r['n']}; 95% CI {r['95% CI']})"
                     + (f", target {r['Target']} {r['Against target'][:1]}" if r["Target"] else ""))
    measure_ids = list(measure_ids or slide_measures(store, access, trust_id))
    options = measure_options(store, access, trust_id)
    table = measures(store, access, trust_id, "round")

    def png(fig) -> tuple[bytes | None, str | None]:
        try:
            return figure_png(fig), None
        except ServiceError as exc:
            return None, f"Chart image unavailable: {exc}"

    charts: list = []
    with report.png_session():
        compliance_png, problem = png(view.figure)
        if problem:
            lines.append(problem)
        for mid in measure_ids:
            name = options.get(mid, mid)
            try:
                cv = chart(store, access, trust_id, mid, table=table)
            except ServiceError as exc:
                charts.append(slides.ChartSlide(name, None, [f"No chart: {exc}"]))
                continue
            variation, assurance = icon_text(cv.variation, cv.assurance)
            bullets = list(cv.signals) or [NO_SIGNAL]
            bullets += [f"Variation: {variation}."] if variation else []
            bullets += [f"Against target: {assurance}."] if assurance else []
            bullets += cv.notes
            image, problem = png(cv.figure)
            charts.append(slides.ChartSlide(name, image, bullets + ([problem] if problem else [])))
    method = [
        "Compliance: the share of eligible letters (or opioid items) that meet each standard, with its 95% "
        "Wilson interval; exclusions and 'not assessable' answers are left out of the percentage.",
        "Run charts: one point per audit round; the line is the median. Anhøj rules flag a run of points on one "
        "side of the median longer than chance allows, or too few crossings: signs that something changed.",
        "Vertical lines mark the start of PDSA cycles linked to the measure.",
        "With fewer than about 10 points, read a chart as a picture of the data rather than a test.",
        f"Made by opioid-audit from audit round '{rnd.label}' of {trust.name}; charts show every round of the trust.",
    ]
    return slides.build_deck(trust.name, rnd.label, rnd.n_letters, compliance_png, lines, charts, method_lines=method)


def report_filename(store: Store, access: Access, trust_id: int, round_id: int, extension: str = "xlsx") -> str:
    rnd = require_round(store, access, trust_id, round_id)
    trust = store.get_trust(trust_id)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{trust.code or trust.name}_{rnd.label}").strip("_")
    return f"opioid_audit_{safe}.{extension}"
