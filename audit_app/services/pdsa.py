"""PDSA page: the trust's log of PDSA cycles (qi.pdsa.PdsaCycle records)."""
from __future__ import annotations

import pandas as pd

from audit_app import privacy, wording
from audit_app.access import AccessDenied
from audit_app.services.scope import ServiceError, TrustScope
from audit_app.store.database import StoreError
from qi.pdsa import PdsaCycle

PDSA_FIELDS: dict[str, str] = {
    "cycle_no": "Cycle no.", "change_idea": "Change idea", "date_start": "Start", "date_end": "End",
    "project_id": "Project", "aim_id": "Aim", "change_idea_id": "Change idea id", "owner": "Owner",
    "objective": "Objective", "prediction": "Prediction", "plan": "Plan", "do_observations": "Do: observations",
    "study": "Study", "act": "Act", "next_steps": "Next steps", "measures_linked": "Measures linked",
}
ACT_CHOICES = ("", "adopt", "adapt", "abandon")


def list_pdsa(scope: TrustScope) -> list[dict]:
    """The trust's PDSA cycles as stored (dicts)."""
    return scope.store.list_pdsa_cycles(scope.trust_id)


def pdsa_cycles(scope: TrustScope, measure: str | None = None) -> list[PdsaCycle]:
    """The trust's cycles as qi.pdsa.PdsaCycle records; with `measure`, only those linked to it
    (a cycle linked to no measure is drawn on every chart)."""
    out = []
    for c in list_pdsa(scope):
        data = {k: c.get(k) for k in PDSA_FIELDS if k in c}
        try:
            cyc = PdsaCycle.from_dict(data)
        except (TypeError, ValueError):
            continue
        if measure is None or not cyc.measures_linked or measure in cyc.measures_linked:
            out.append(cyc)
    return out


def pdsa_table(scope: TrustScope) -> pd.DataFrame:
    rows = []
    for c in list_pdsa(scope):
        row = {"id": c["id"]}
        for k, label in PDSA_FIELDS.items():
            v = c.get(k)
            # text cells only: dates dd/mm/yyyy, lists as text, nothing for None (no mixed-type column)
            row[label] = wording.uk_date(v) if k.startswith("date") else wording.cell_text(v)
        rows.append(row)
    return privacy.safe_frame(pd.DataFrame(rows, columns=["id", *PDSA_FIELDS.values()]))


def save_pdsa(scope: TrustScope, cycle: dict, cycle_id: int | None = None) -> int:
    """Validate a PDSA cycle (qi.pdsa.PdsaCycle) and save it (new, or replacing `cycle_id`); returns its id."""
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
    if cycle_id is not None and scope.access.check_pdsa_cycle(scope.store, cycle_id)["trust_id"] != scope.trust_id:
        raise AccessDenied(f"access denied: PDSA cycle {cycle_id} is not in the trust you chose")
    try:
        return scope.store.save_pdsa_cycle(scope.trust_id, record.to_dict(), cycle_id=cycle_id)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def delete_pdsa(scope: TrustScope, cycle_id: int) -> None:
    scope.store.delete_pdsa_cycle(scope.trust_id, cycle_id)
