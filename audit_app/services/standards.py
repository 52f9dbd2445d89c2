"""Standards page: the trust's standards configuration, its versions, and saving edits."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from audit_app import wording
from audit_app.records import YesNo, yes_no_word
from audit_app.services.scope import ServiceError, TrustScope
from audit_app.standards import StandardsConfig, config_for, load_standards, parameter_specs


def current_standards(scope: TrustScope, version: int | None = None) -> tuple[int, StandardsConfig]:
    """(version, StandardsConfig) of the scope's trust (audit_app.standards.config_for; the national
    defaults are saved as version 1 on first use)."""
    try:
        cfg = config_for(scope.store, scope.trust_id, version)
    except LookupError as exc:
        raise ServiceError(str(exc)) from None
    return cfg.version, cfg


def standards_versions(scope: TrustScope) -> list[int]:
    latest = current_standards(scope)[0]
    return list(range(latest, 0, -1))


def standards_table(scope: TrustScope, version: int | None = None) -> pd.DataFrame:
    """One row per scored standard: on/off, target, statement, measure and sources."""
    v, cfg = current_standards(scope, version)
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
            "Exclusions": ", ".join(wording.words(x) for x in d.exclusions),
            "Sources": "; ".join(_source_text(src) for src in d.sources),
            "Local": d.local,
            "How it is decided": d.notes,
        })
    return pd.DataFrame(rows)


def _source_text(src: dict) -> str:
    cit = src.get("citation") or src.get("id") or ""
    url = src.get("url")
    return f"{cit} ({url})" if url else str(cit)


def standards_parameters(scope: TrustScope, version: int | None = None) -> pd.DataFrame:
    v, cfg = current_standards(scope, version)
    specs = parameter_specs(cfg.standards_version)
    rows = []
    for name, spec in specs.items():
        value = cfg.parameters.get(name, spec.get("default"))
        rows.append({"Parameter": name, "Setting": wording.field_words(name), "Value": param_text(value),
                     "Type": spec.get("type"), "Description": spec.get("description", "")})
    return pd.DataFrame(rows)


def param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(param_text(v) for v in value)
    return str(value)


def _parse_param(kind: str, text: Any) -> Any:
    if kind == "bool":
        switch = {"on": YesNo.YES, "off": YesNo.NO}.get(str(text).strip().lower())
        word = switch or yes_no_word(text)
        return text if word is None else word is YesNo.YES  # StandardsConfig names a bad value
    if kind == "list":
        if isinstance(text, (list, tuple)):
            return list(text)
        return [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    return text


def standards_templates(scope: TrustScope, version: int | None = None) -> pd.DataFrame:
    """The suggested TTO wording per standard: the trust's own (editable) and the default."""
    from audit_app.standards.change_ideas import TEMPLATE_FIELDS

    v, cfg = current_standards(scope, version)
    rows = []
    for d in load_standards(cfg.standards_version):
        if d.change_idea or cfg.templates.get(d.id):
            rows.append({"Standard": d.id, "Title": d.title, "Wording": cfg.templates.get(d.id) or d.change_idea,
                         "Default": d.change_idea or ""})
    out = pd.DataFrame(rows, columns=["Standard", "Title", "Wording", "Default"])
    out.attrs["placeholders"] = ", ".join("{" + k + "}: " + v for k, v in TEMPLATE_FIELDS.items())
    return out


def save_standards(scope: TrustScope, standards: pd.DataFrame,
                   parameters: pd.DataFrame | None = None, *, user: str | None = None,
                   templates: pd.DataFrame | None = None) -> int:
    """Save edited standards (On, Target %) and parameters as the trust's next standards version.

    Returns the new version number; nothing is saved when a value is invalid (ServiceError).
    """
    _, cfg = current_standards(scope)
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
    wording = {}
    if templates is not None:  # the default wording (or a blank) is not stored as the trust's own
        for _, r in templates.iterrows():
            text = r.get("Wording")
            text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text).strip()
            wording[str(r["Standard"])] = None if text in ("", str(r.get("Default") or "").strip()) else text
    try:
        new = cfg.with_changes(enable=enable, targets=targets, parameters=params, templates=wording)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    if new.to_dict() | {"version": 0} == cfg.to_dict() | {"version": 0}:
        raise ServiceError("nothing changed: no new standards version saved")
    return scope.store.save_standards_config(scope.trust_id, new.to_dict(), user=user or scope.user)

