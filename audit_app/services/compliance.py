"""Compliance page: each standard for a round, compared with the previous round and other trusts
(audit_app.scoring does the sums)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit_app import scoring
from audit_app.gcpause import gc_paused
from audit_app.services.scope import Access, TrustScope, visible_trusts
from audit_app.services.standards import trust_config
from audit_app.store.store import RoundInfo, Store
from audit_app.ui.figures import compliance_figure


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


def round_summary(scope: TrustScope, rnd: RoundInfo) -> pd.DataFrame:
    """scoring.summarise of one round of the scope's trust, with the standards version it was scored with."""
    _, cfg = trust_config(scope, rnd.standards_version)
    with gc_paused():
        return scoring.summarise(scoring.results_frame(scope.store.letters(rnd.id), rnd.label), cfg)


def _pct_text(p: Any) -> str:
    return "" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{p:.0f}%"


def compliance(store: Store, access: Access, trust_id: int, round_id: int) -> ComplianceView:
    scope = TrustScope.check(store, access, trust_id)
    return compliance_view(scope, scope.round(round_id))


def compliance_view(scope: TrustScope, rnd: RoundInfo) -> ComplianceView:
    store, trust_id = scope.store, scope.trust_id
    summ = round_summary(scope, rnd)
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
        round_cmp = scoring.compare_summaries(round_summary(scope, prev), summ, prev.label,
                                              rnd.label, kind="rounds")
    history = {}
    for r in rounds[: idx + 1]:
        if r.n_letters:
            s = summ if r.id == rnd.id else round_summary(scope, r)
            history[r.label] = {sid: p for sid, p in zip(s["standard_id"], s["pct"])}
    hist = pd.DataFrame(history).map(lambda p: _pct_text(p)) if history else pd.DataFrame()
    trust_rows = []
    me = scope.trust
    for other in visible_trusts(store, scope.access):
        if other.id == trust_id:
            continue
        orounds = [r for r in store.list_rounds(other.id) if r.n_letters]
        if not orounds:
            continue
        latest = orounds[-1]
        other_scope = TrustScope(store, scope.access, other)  # visible_trusts lists only trusts the access allows
        cmp = scoring.compare_summaries(round_summary(other_scope, latest), summ,
                                        f"{other.name} ({latest.label})", f"{me.name} ({rnd.label})", kind="trusts")
        trust_rows.append(cmp.assign(other_trust=other.name))
    trusts = pd.concat(trust_rows, ignore_index=True) if trust_rows else pd.DataFrame()
    return ComplianceView(rnd.label, rnd.n_letters, table, summ, compliance_figure(summ, rnd.label), round_cmp,
                          prev.label if prev else None, trusts, hist)
