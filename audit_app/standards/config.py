"""A trust's standards configuration: which standards are on, their targets and parameters.

``StandardsConfig.to_dict()`` is what the store keeps per trust (``store.save_standards_config``
returns the new ``version``). ``standards_version`` names the standards *file* the config
applies to; ``version`` is the trust's config version. A round records ``label`` (e.g. ``"1.3"``:
standards file 1, trust config version 3).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit_app.standards.definitions import CURRENT_VERSION, load_standards, parameter_specs


@dataclass
class StandardSetting:
    enabled: bool
    target_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "target_pct": self.target_pct}


@dataclass
class StandardsConfig:
    version: int = 1
    standards_version: int = CURRENT_VERSION
    standards: dict[str, StandardSetting] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # the trust's own TTO wording per standard

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def default(cls, standards_version: int = CURRENT_VERSION) -> "StandardsConfig":
        settings = {
            d.id: StandardSetting(enabled=d.enabled_by_default, target_pct=d.target_pct)
            for d in load_standards(standards_version) if d.scored
        }
        params = {k: v["default"] for k, v in parameter_specs(standards_version).items()}
        return cls(version=1, standards_version=standards_version, standards=settings, parameters=params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "standards_version": self.standards_version,
            "standards": {k: v.to_dict() for k, v in self.standards.items()},
            "parameters": dict(self.parameters),
            "templates": dict(self.templates),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "StandardsConfig":
        """Build from a (possibly partial) dict; anything missing takes the default.

        Unknown keys, standard ids or parameters raise ``ValueError`` naming them.
        """
        data = dict(data or {})
        unknown = set(data) - {"version", "standards_version", "standards", "parameters", "templates"}
        if unknown:
            raise ValueError(f"unknown standards config keys: {sorted(unknown)}")
        sv = int(data.get("standards_version", CURRENT_VERSION))
        cfg = cls.default(sv)
        cfg.version = int(data.get("version", 1))
        for sid, setting in (data.get("standards") or {}).items():
            if sid not in cfg.standards:
                raise ValueError(f"unknown or unscored standard in config: {sid!r}")
            setting = dict(setting or {})
            bad = set(setting) - {"enabled", "target_pct"}
            if bad:
                raise ValueError(f"{sid}: unknown setting(s) {sorted(bad)}")
            if "enabled" in setting:
                cfg.standards[sid].enabled = bool(setting["enabled"])
            if "target_pct" in setting:
                cfg.standards[sid].target_pct = _target(sid, setting["target_pct"])
        specs = parameter_specs(sv)
        for name, value in (data.get("parameters") or {}).items():
            if name not in specs:
                raise ValueError(f"unknown standards parameter: {name!r}")
            cfg.parameters[name] = _param(name, specs[name]["type"], value)
        known_ids = {d.id for d in load_standards(sv)}
        for sid, text in (data.get("templates") or {}).items():
            if sid not in known_ids:
                raise ValueError(f"wording template for an unknown standard: {sid!r}")
            if text is None or not str(text).strip():
                continue  # blank: the default wording applies
            from audit_app.standards.change_ideas import check_template
            cfg.templates[sid] = check_template(sid, text)
        return cfg

    # -- queries ------------------------------------------------------------------------------
    def enabled_ids(self) -> list[str]:
        return [sid for sid, s in self.standards.items() if s.enabled]

    def is_enabled(self, standard_id: str) -> bool:
        s = self.standards.get(standard_id)
        return bool(s and s.enabled)

    def target_pct(self, standard_id: str) -> float | None:
        s = self.standards.get(standard_id)
        return s.target_pct if s else None

    def param(self, name: str) -> Any:
        if name not in self.parameters:
            raise ValueError(f"unknown standards parameter: {name!r}")
        return self.parameters[name]

    @property
    def label(self) -> str:
        """Standards version label recorded with a scored round: '<file version>.<config version>'."""
        return f"{self.standards_version}.{self.version}"

    # -- edits (return a new config, version bumped by the store on save) ---------------------
    def with_changes(self, *, enable: dict[str, bool] | None = None, targets: dict[str, float] | None = None,
                     parameters: dict[str, Any] | None = None,
                     templates: dict[str, str | None] | None = None) -> "StandardsConfig":
        """A new config with these changes; a template of None or '' goes back to the default."""
        d = self.to_dict()
        for sid, text in (templates or {}).items():
            if text is None or not str(text).strip():
                d["templates"].pop(sid, None)
            else:
                d["templates"][sid] = text
        for sid, on in (enable or {}).items():
            d["standards"].setdefault(sid, {})["enabled"] = on
        for sid, t in (targets or {}).items():
            d["standards"].setdefault(sid, {})["target_pct"] = t
        d["parameters"].update(parameters or {})
        return StandardsConfig.from_dict(d)


def _target(sid: str, value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{sid}: target_pct must be a number 0-100, got {value!r}") from None
    if not 0 <= v <= 100:
        raise ValueError(f"{sid}: target_pct must be between 0 and 100, got {value!r}")
    return v


def _param(name: str, kind: str, value: Any) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"parameter {name} must be true or false, got {value!r}")
        return value
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(f"parameter {name} must be a number, got {value!r}")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {name} must be a number, got {value!r}") from None
        if v <= 0:
            raise ValueError(f"parameter {name} must be positive, got {value!r}")
        return int(v) if v.is_integer() else v
    if kind == "list":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        try:
            vals = [float(x) for x in value]
        except (TypeError, ValueError):
            raise ValueError(f"parameter {name} must be a list of numbers, got {value!r}") from None
        if not vals or any(v <= 0 for v in vals):
            raise ValueError(f"parameter {name} must be a non-empty list of positive numbers")
        return [int(v) if v.is_integer() else v for v in sorted(set(vals))]
    raise ValueError(f"parameter {name}: unknown type {kind!r}")


def default_config() -> StandardsConfig:
    """The national defaults: OD-01..OD-14 on, local OD-15/OD-17 off, targets from the file."""
    return StandardsConfig.default()


def config_for(store, trust_id: int, version: int | None = None) -> StandardsConfig:
    """The trust's stored standards configuration: `version`, else its latest (``config.version``
    says which). A trust with none gets the national defaults saved as its version 1 first, so
    every scored round names a stored version. LookupError when `version` is not stored."""
    found = store.standards_config(trust_id, version)
    if found is None:
        if version is not None:
            raise LookupError(f"this trust has no standards version {version}")
        store.save_standards_config(trust_id, default_config().to_dict(), user="defaults")
        found = store.standards_config(trust_id)
    number, data = found
    return StandardsConfig.from_dict({**data, "version": number})
