"""The versioned standards file (``standards_v<N>.json``) and its definitions.

The file is data shipped inside the package: titles, statements, numerator/denominator text,
exclusions, default targets and direction, parameters and sources. The evaluators
(``evaluators.py``) read the parameters through a :class:`~audit_app.standards.config.StandardsConfig`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

CURRENT_VERSION = 1


@lru_cache(maxsize=None)
def _raw(version: int) -> dict[str, Any]:
    name = f"standards_v{int(version)}.json"
    try:
        text = resources.files("audit_app.standards").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"unknown standards file version: {version!r}") from None
    return json.loads(text)


def standards_file(version: int = CURRENT_VERSION) -> dict[str, Any]:
    """The standards file as a dict (a deep copy, safe to modify)."""
    return json.loads(json.dumps(_raw(version)))


@dataclass(frozen=True)
class StandardDefinition:
    id: str
    title: str
    short_title: str
    statement: str
    unit: str                      # 'letter' | 'item'
    numerator: str
    denominator: str
    exclusions: tuple[str, ...]
    population_code: str | None    # not-applicable code for letters/items outside the denominator population
    target_pct: float | None
    direction: str                 # 'higher' | 'lower' (lower is better, e.g. OD-07)
    numerator_counts: str          # which outcome the numerator counts: 'met' or 'not_met' (OD-07)
    parameters: tuple[str, ...]
    sources: tuple[dict, ...]      # ({id, citation, url}, ...)
    enabled_by_default: bool
    local: bool
    scored: bool
    report_rate: bool = False
    rate_label: str | None = None
    auditor_fields: tuple[str, ...] = ()
    extraction_fields: tuple[str, ...] = ()
    notes: str = ""
    change_idea: str | None = None  # default wording template for the TTO (see audit_app.standards.change_ideas)
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "short_title": self.short_title,
            "statement": self.statement, "unit": self.unit, "numerator": self.numerator,
            "denominator": self.denominator, "exclusions": list(self.exclusions),
            "population_code": self.population_code, "target_pct": self.target_pct,
            "direction": self.direction, "numerator_counts": self.numerator_counts,
            "parameters": list(self.parameters), "sources": [dict(s) for s in self.sources],
            "enabled_by_default": self.enabled_by_default, "local": self.local, "scored": self.scored,
            "report_rate": self.report_rate, "rate_label": self.rate_label,
            "auditor_fields": list(self.auditor_fields), "extraction_fields": list(self.extraction_fields),
            "notes": self.notes, "change_idea": self.change_idea,
        }


_KNOWN_KEYS = {
    "id", "title", "short_title", "statement", "unit", "numerator", "denominator", "exclusions",
    "population_code", "target_pct", "direction", "numerator_counts", "parameters", "sources",
    "enabled_by_default", "local", "scored", "report_rate", "rate_label", "auditor_fields",
    "extraction_fields", "notes", "change_idea",
}


@lru_cache(maxsize=None)
def _definitions(version: int) -> tuple[StandardDefinition, ...]:
    raw = _raw(version)
    sources = raw.get("sources", {})
    out = []
    for s in raw["standards"]:
        unknown = set(s) - _KNOWN_KEYS
        if unknown:
            raise ValueError(f"standards file v{version}: {s.get('id')}: unknown keys {sorted(unknown)}")
        if s["unit"] not in ("letter", "item"):
            raise ValueError(f"standards file v{version}: {s['id']}: unit must be 'letter' or 'item'")
        if s["direction"] not in ("higher", "lower"):
            raise ValueError(f"standards file v{version}: {s['id']}: direction must be 'higher' or 'lower'")
        for code in s["exclusions"] + ([s["population_code"]] if s.get("population_code") else []):
            if code not in raw["exclusion_codes"]:
                raise ValueError(f"standards file v{version}: {s['id']}: unknown exclusion code {code}")
        for p in s["parameters"]:
            if p not in raw["parameters"]:
                raise ValueError(f"standards file v{version}: {s['id']}: unknown parameter {p}")
        src = []
        for sid in s["sources"]:
            if sid not in sources:
                raise ValueError(f"standards file v{version}: {s['id']}: unknown source {sid}")
            src.append({"id": sid, **sources[sid]})
        out.append(StandardDefinition(
            id=s["id"], title=s["title"], short_title=s.get("short_title", s["title"]),
            statement=s["statement"], unit=s["unit"], numerator=s["numerator"],
            denominator=s["denominator"], exclusions=tuple(s["exclusions"]),
            population_code=s.get("population_code"), target_pct=s.get("target_pct"),
            direction=s["direction"], numerator_counts=s.get("numerator_counts", "met"),
            parameters=tuple(s["parameters"]), sources=tuple(src),
            enabled_by_default=bool(s["enabled_by_default"]), local=bool(s["local"]),
            scored=bool(s.get("scored", True)), report_rate=bool(s.get("report_rate", False)),
            rate_label=s.get("rate_label"), auditor_fields=tuple(s.get("auditor_fields", ())),
            extraction_fields=tuple(s.get("extraction_fields", ())), notes=s.get("notes", ""),
            change_idea=s.get("change_idea"),
        ))
    return tuple(out)


def load_standards(version: int = CURRENT_VERSION, *, include_unscored: bool = True) -> list[StandardDefinition]:
    """All standard definitions of a standards file version, in file order (OD-01 ... OD-17)."""
    defs = list(_definitions(version))
    return defs if include_unscored else [d for d in defs if d.scored]


def get_definition(standard_id: str, version: int = CURRENT_VERSION) -> StandardDefinition:
    for d in _definitions(version):
        if d.id == standard_id:
            return d
    raise ValueError(f"unknown standard id: {standard_id!r}")


def exclusion_codes(version: int = CURRENT_VERSION) -> dict[str, str]:
    """Code -> description (PALL, CANCER, OST, ..., NO_OPIOID, UNDER_18, population codes)."""
    return dict(_raw(version)["exclusion_codes"])


def reason_codes(version: int = CURRENT_VERSION) -> dict[str, str]:
    """'Not assessable' reason code -> words."""
    return dict(_raw(version).get("reason_codes", {}))


def code_words(code: str | None, version: int = CURRENT_VERSION) -> str:
    """Words for an exclusion or reason code ('LTOT' -> 'Long-term opioid, unchanged (...)');
    codes stay in exports' machine columns only. Unknown codes are returned as they are."""
    if not code:
        return ""
    raw = _raw(version)
    return raw["exclusion_codes"].get(code) or raw.get("reason_codes", {}).get(code) or str(code)


def parameter_specs(version: int = CURRENT_VERSION) -> dict[str, dict]:
    return json.loads(json.dumps(_raw(version)["parameters"]))


def global_exclusions(version: int = CURRENT_VERSION) -> tuple[str, ...]:
    return tuple(_raw(version)["global_exclusions"])
