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
    from audit_app.standards.config import StandardsConfig, default_config

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
    from audit_app.standards.definitions import load_standards

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
    from audit_app.standards.definitions import parameter_specs

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
    from audit_app.standards.definitions import parameter_specs

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
    from audit_app.standards.definitions import load_standards

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
