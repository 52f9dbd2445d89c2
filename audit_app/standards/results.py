"""The result of one standard on one letter (or one opioid item of a letter)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MET = "met"
NOT_MET = "not_met"
NOT_APPLICABLE = "not_applicable"
NOT_ASSESSABLE = "not_assessable"
OUTCOMES = (MET, NOT_MET, NOT_APPLICABLE, NOT_ASSESSABLE)

OUTCOME_LABELS = {
    MET: "Met",
    NOT_MET: "Not met",
    NOT_APPLICABLE: "Not applicable",
    NOT_ASSESSABLE: "Not assessable",
}


@dataclass
class StandardResult:
    """One standard's verdict on one letter (``item_index`` None) or one opioid item.

    - ``outcome``: 'met' | 'not_met' | 'not_applicable' | 'not_assessable'
    - ``exclusion_code``: why not applicable (PALL, CANCER, OST, DIED, TRANSFER, LTOT, NO_OPIOID,
      UNDER_18, or the standard's population code such as NO_BZD); None otherwise
    - ``evidence``: list of dicts ``{source: 'auditor'|'extraction'|'derived'|'config', field,
      value, text?, span?, note?}`` - what the verdict rests on
    - ``item_index``: index into ``extraction['opioids']`` for item-level standards; None when the
      result is about the whole letter (or the letter's items are not known)
    - ``reason``: short code for 'not_assessable' (e.g. MISSING_WEANING_PLAN, OPIOID_UNKNOWN,
      POPULATION_UNKNOWN); None otherwise
    """

    standard_id: str
    outcome: str
    exclusion_code: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    item_index: int | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r} (expected one of {OUTCOMES})")
        if self.outcome == NOT_APPLICABLE and not self.exclusion_code:
            raise ValueError(f"{self.standard_id}: a 'not_applicable' result needs an exclusion_code")

    @property
    def source(self) -> str | None:
        """Where the deciding answer came from: the first evidence item's source."""
        return self.evidence[0].get("source") if self.evidence else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "standard_id": self.standard_id,
            "outcome": self.outcome,
            "exclusion_code": self.exclusion_code,
            "evidence": [dict(e) for e in self.evidence],
            "item_index": self.item_index,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StandardResult":
        return cls(
            standard_id=data["standard_id"],
            outcome=data["outcome"],
            exclusion_code=data.get("exclusion_code"),
            evidence=[dict(e) for e in (data.get("evidence") or [])],
            item_index=data.get("item_index"),
            reason=data.get("reason"),
        )
