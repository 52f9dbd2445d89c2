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
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd

from audit_app.store.store import LetterRow, RoundInfo, Store, StoreError, TrustInfo


class ServiceError(Exception):
    """Something the user asked for cannot be done; ``str()`` is a message fit for the page."""


class AccessDenied(ServiceError):
    """The signed-in user may not see this trust (or its rounds, letters, cycles)."""


# ------------------------------------------------------------------------------------------------
# access
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Access:
    """Who is asking and which trusts they may see.

    ``trust_ids`` None means every trust (single-user mode on 127.0.0.1).
    """

    user: str | None = None
    trust_ids: frozenset[int] | None = None

    @property
    def key(self) -> tuple:
        """A hashable value for cache keys (user and allowed trusts)."""
        return (self.user, None if self.trust_ids is None else tuple(sorted(self.trust_ids)))

    @classmethod
    def from_key(cls, key: tuple) -> "Access":
        user, ids = key
        return cls(user, None if ids is None else frozenset(ids))

    def allows(self, trust_id: int | None) -> bool:
        return trust_id is not None and (self.trust_ids is None or int(trust_id) in self.trust_ids)

    @property
    def user_label(self) -> str:
        return self.user or "local user"


def single_user() -> Access:
    return Access(None, None)


def access_for_user(store: Store, email: str) -> Access:
    """The access of a signed-in user: only the trusts granted to their e-mail."""
    email = (email or "").strip().lower()
    if not email:
        raise AccessDenied("your sign-in did not give an e-mail address, so no trust can be shown")
    return Access(email, frozenset(t.id for t in store.trusts_for_user(email)))


def visible_trusts(store: Store, access: Access) -> list[TrustInfo]:
    if access.trust_ids is None:
        return store.list_trusts()
    return store.list_trusts(access.trust_ids) if access.trust_ids else []


def require_trust(store: Store, access: Access, trust_id: int | None) -> TrustInfo:
    if trust_id is None:
        raise ServiceError("choose a trust first (Trusts and rounds page)")
    if not access.allows(trust_id):
        raise AccessDenied("you do not have access to this trust")
    try:
        return store.get_trust(int(trust_id))
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def require_round(store: Store, access: Access, trust_id: int | None, round_id: int | None) -> RoundInfo:
    """The round, if it belongs to `trust_id` and the caller may see that trust."""
    require_trust(store, access, trust_id)
    if round_id is None:
        raise ServiceError("choose an audit round first (sidebar), or import one")
    try:
        rnd = store.get_round(int(round_id))
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    if rnd.trust_id != int(trust_id):
        raise AccessDenied("this audit round belongs to another trust")
    return rnd


def require_letter(store: Store, access: Access, trust_id: int | None, letter_id: int) -> LetterRow:
    require_trust(store, access, trust_id)
    try:
        owner = store.trust_of_letter(int(letter_id))
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    if owner != int(trust_id):
        raise AccessDenied("this letter belongs to another trust")
    return store.get_letter(int(letter_id))


# ------------------------------------------------------------------------------------------------
# trusts and rounds
# ------------------------------------------------------------------------------------------------
def create_trust(store: Store, access: Access, name: str, code: str | None = None) -> TrustInfo:
    """Create a trust; a signed-in user is granted access to the trust they create."""
    try:
        trust = store.create_trust(name, (code or "").strip() or None)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    if access.user:
        store.grant_access(access.user, trust.id)
    return trust


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
    store.delete_round(round_id)


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
    return store.save_standards_config(trust_id, new.to_dict(), user=user or access.user_label)


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
    if cycle_id is not None:
        if not any(c["id"] == cycle_id for c in store.list_pdsa_cycles(trust_id)):
            raise AccessDenied("this PDSA cycle belongs to another trust")
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
    """Measure id -> label, for the chart picker and PDSA links."""
    from audit_app.standards import load_standards

    _, cfg = current_standards(store, access, trust_id)
    out = {}
    for d in load_standards(cfg.standards_version):
        if d.scored and cfg.is_enabled(d.id):
            out[d.id] = f"{d.id} {d.title} (% compliant)"
    out["median_ome"] = "Median OME mg/day per opioid letter"
    for t in cfg.parameters.get("high_dose_thresholds_reported", [90, 120]):
        out[f"pct_high_dose_{t}"] = f"% opioid letters at or above {t} mg OME/day"
    out["pct_mr"] = "% opioid letters with a modified-release opioid"
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
    return pd.DataFrame(rows, columns=["id", "Letter", "Row", "Opioids", "OME mg/day", "Text", *std_ids])


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
                                           user=user or access.user_label, expected_version=expected_version,
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
