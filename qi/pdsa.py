"""A PDSA (Plan-Do-Study-Act) cycle record, usable with or without the audit store.

Fields follow the log record of ``shared/domain/qi_method.md`` section 2 (Model for
Improvement): one record per cycle, a prediction in the plan, study against the prediction,
and an act decision of adopt / adapt / abandon. ``to_dict`` / ``from_dict`` round-trip
through JSON-simple values (dates as ISO strings), so the store can persist it as it likes.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ACT_DECISIONS = ("adopt", "adapt", "abandon")


def _to_date(value: Any, name: str) -> _dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(f"{name} must be a date (YYYY-MM-DD), not {value!r}") from None
    raise ValueError(f"{name} must be a date (YYYY-MM-DD), not {value!r}")


@dataclass
class PdsaCycle:
    """One PDSA cycle testing one change idea.

    Required: ``cycle_no`` (1, 2, 3 ... within the change idea), ``change_idea`` (what is
    being tested) and ``date_start`` (where the cycle is marked on charts). ``act`` is None
    until the cycle has been studied, then one of adopt / adapt / abandon.
    """

    cycle_no: int
    change_idea: str
    date_start: _dt.date
    date_end: _dt.date | None = None
    project_id: str | None = None
    aim_id: str | None = None
    change_idea_id: str | None = None
    owner: str | None = None
    objective: str | None = None
    prediction: str | None = None
    plan: str | None = None
    do_observations: str | None = None
    study: str | None = None
    act: str | None = None
    next_steps: str | None = None
    measures_linked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Raise ValueError naming the field when the record is not a valid PDSA cycle."""
        if isinstance(self.cycle_no, bool) or not isinstance(self.cycle_no, int):
            try:
                as_int = int(self.cycle_no)
            except (TypeError, ValueError):
                raise ValueError(f"cycle_no must be a whole number >= 1, not {self.cycle_no!r}") from None
            if as_int != self.cycle_no:
                raise ValueError(f"cycle_no must be a whole number >= 1, not {self.cycle_no!r}")
            self.cycle_no = as_int
        if self.cycle_no < 1:
            raise ValueError(f"cycle_no must be a whole number >= 1, not {self.cycle_no!r}")
        if not isinstance(self.change_idea, str) or not self.change_idea.strip():
            raise ValueError("change_idea must name the change being tested")
        start = _to_date(self.date_start, "date_start")
        if start is None:
            raise ValueError("date_start is required (the cycle is marked on the chart at its start)")
        self.date_start = start
        self.date_end = _to_date(self.date_end, "date_end")
        if self.date_end is not None and self.date_end < self.date_start:
            raise ValueError(f"date_end {self.date_end} is before date_start {self.date_start}")
        if self.act is not None:
            act = str(self.act).strip().lower()
            if act == "":
                self.act = None
            elif act not in ACT_DECISIONS:
                raise ValueError(f"act must be one of adopt, adapt, abandon (or empty), not {self.act!r}")
            else:
                self.act = act
        if isinstance(self.measures_linked, str):
            self.measures_linked = [m.strip() for m in self.measures_linked.split(",") if m.strip()]
        if self.measures_linked is None:
            self.measures_linked = []
        self.measures_linked = [str(m) for m in self.measures_linked]
        for name in ("project_id", "aim_id", "change_idea_id", "owner", "objective", "prediction",
                     "plan", "do_observations", "study", "next_steps"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise ValueError(f"{name} must be text, not {type(v).__name__}")

    # ------------------------------------------------------------------ helpers
    @property
    def label(self) -> str:
        """Short chart label, e.g. 'PDSA 2: TTO template (adopt)'."""
        text = f"PDSA {self.cycle_no}: {self.change_idea}"
        return f"{text} ({self.act})" if self.act else text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date_start"] = self.date_start.isoformat()
        d["date_end"] = self.date_end.isoformat() if self.date_end else None
        d["measures_linked"] = list(self.measures_linked)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PdsaCycle":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown PDSA field(s): {', '.join(sorted(unknown))}")
        missing = [k for k in ("cycle_no", "change_idea", "date_start") if k not in data]
        if missing:
            raise ValueError(f"missing PDSA field(s): {', '.join(missing)}")
        return cls(**data)
