"""Audit standards OD-01 ... OD-17: the versioned standards file and one evaluator per standard.

Public API::

    evaluate_letter(record, extraction, config=None, *, text=None) -> list[StandardResult]
    StandardResult(standard_id, outcome, exclusion_code, evidence, item_index=None, reason=None)
    StandardsConfig (to_dict / from_dict, version), default_config()
    config_for(store, trust_id, version=None) -> the trust's stored StandardsConfig
    load_standards(version=1) -> list[StandardDefinition]
    REGISTRY / get_evaluator(standard_id)
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from audit_app.records import CANONICAL_FIELDS, AuditRecord, YesNo, stored_extraction, yes_no
from audit_app.standards.config import StandardSetting, StandardsConfig, config_for, default_config
from audit_app.standards.definitions import (
    CURRENT_VERSION, StandardDefinition, exclusion_codes, get_definition, global_exclusions,
    load_standards, parameter_specs, standards_file,
)
from audit_app.standards.evaluators import REGISTRY, get_evaluator, standard
from audit_app.standards.facts import LetterFacts, build_facts, supply_days, total_ome  # noqa: F401
from audit_app.standards.results import (
    MET, NOT_APPLICABLE, NOT_ASSESSABLE, NOT_MET, OUTCOME_LABELS, OUTCOMES, StandardResult,
)

__all__ = [
    "evaluate_letter", "letter_measures", "StandardResult", "StandardsConfig", "StandardSetting",
    "config_for", "default_config", "load_standards", "get_definition", "exclusion_codes", "parameter_specs",
    "standards_file", "StandardDefinition", "REGISTRY", "get_evaluator", "standard", "CURRENT_VERSION",
    "MET", "NOT_MET", "NOT_APPLICABLE", "NOT_ASSESSABLE", "OUTCOMES", "OUTCOME_LABELS", "as_record",
    "global_exclusions",
]


_DATE_FIELDS = tuple(k for k, (kind, _) in CANONICAL_FIELDS.items() if kind == "date")
_YESNO_FIELDS = tuple(k for k, (kind, _) in CANONICAL_FIELDS.items() if kind == "yesno")


def as_record(record: AuditRecord | dict[str, Any]) -> AuditRecord:
    if isinstance(record, AuditRecord):
        return record
    if isinstance(record, dict):
        data = dict(record)
        data["letter_id"] = str(data.get("letter_id") or "")
        for k in _DATE_FIELDS:  # a masked or malformed date is not a reason to fail
            v = data.get(k)
            if isinstance(v, str):
                try:
                    dt.date.fromisoformat(v[:10])
                except ValueError:
                    data[k] = None
        for k in _YESNO_FIELDS:
            v = data.get(k)
            if v is not None and not isinstance(v, YesNo) and str(v) not in ("yes", "no", "unknown"):
                data[k] = yes_no(v).value
        return AuditRecord.from_dict(data)
    raise TypeError(f"record must be an AuditRecord or a dict, not {type(record).__name__}")


def evaluate_letter(record: AuditRecord | dict[str, Any], extraction: Any,
                    config: StandardsConfig | None = None, *, text: str | None = None) -> list[StandardResult]:
    """Evaluate every enabled standard on one letter, in standard order.

    ``record``: the auditor's answers (``AuditRecord`` or its ``to_dict()``); ``extraction``: the
    letter's ``nlp.LetterExtraction`` or its stored dict (``records.stored_extraction``), None when
    there is no letter text; ``text``: the
    letter text if not in ``record.letter_text`` (used for OD-14/OD-15 keyword checks).
    """
    cfg = config or default_config()
    rec = as_record(record)
    facts = build_facts(rec, stored_extraction(extraction), cfg.parameters, text)
    out: list[StandardResult] = []
    for d in load_standards(cfg.standards_version, include_unscored=False):
        if not cfg.is_enabled(d.id):
            continue
        out.extend(get_evaluator(d.id)(facts, cfg))
    return out


def letter_measures(record: AuditRecord | dict[str, Any], extraction: Any,
                    config: StandardsConfig | None = None) -> dict[str, Any]:
    """Letter-level facts for QI measures (opioid yes/no, total OME, new items, new MR items, ...):
    ``audit_app.standards.measures.programme_facts``, which has the programme's measures too."""
    from audit_app.standards.measures import programme_facts

    return programme_facts(record, extraction, config)
