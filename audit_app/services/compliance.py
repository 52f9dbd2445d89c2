"""Compliance page: each standard for a round, compared with the previous round and other trusts
(audit_app.scoring does the sums)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit_app import privacy, scoring, wording
from audit_app.store.gcpause import gc_paused
from audit_app.services.scope import TrustScope, visible_trusts
from audit_app.services.standards import current_standards
from audit_app.store.database import RoundInfo, previous_round


@dataclass
class ComplianceView:
    round_label: str
    n_letters: int
    summary: pd.DataFrame          # display table, one row per standard
    raw: pd.DataFrame              # scoring.summarise output (ui.figures draws it as a forest plot)
    rounds: pd.DataFrame           # comparisons with the previous round (scoring.compare_summaries)
    previous_label: str | None
    trusts: pd.DataFrame           # comparisons with other visible trusts' latest rounds
    history: pd.DataFrame          # % per standard for every round of the trust (wide)
    programme: pd.DataFrame | None = None  # scoring.programme_table: the programme's measures and safety flags


def round_summary(scope: TrustScope, rnd: RoundInfo) -> pd.DataFrame:
    """scoring.summarise of one round of the scope's trust, with the standards version it was scored with."""
    _, cfg = current_standards(scope, rnd.standards_version)
    with gc_paused():
        return scoring.summarise(scoring.results_frame(scope.store.letters(rnd.id), rnd.label), cfg)


def _pct_text(p: Any) -> str:
    return "" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{p:.0f}%"


def compliance(scope: TrustScope, round_id: int) -> ComplianceView:
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
            "Excluded": wording.counts_words(r["excluded"]) if isinstance(r["excluded"], dict) else "",
        })
    table = pd.DataFrame(rows, columns=["Standard", "Title", "Compliance %", "95% CI", "n", "Target", "Against target",
                                        "Not assessable", "Excluded"])
    rounds = store.list_rounds(trust_id)
    idx = next(i for i, r in enumerate(rounds) if r.id == rnd.id)
    prev = previous_round(rounds, rnd.id)
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
    _, cfg = current_standards(scope, rnd.standards_version)
    with gc_paused():
        programme = scoring.programme_table(rnd, store.letters(rnd.id), cfg)
    # the tables shown may be downloaded as CSV: text through the formula guard
    return ComplianceView(rnd.label, rnd.n_letters, privacy.safe_frame(table), summ,
                          round_cmp, prev.label if prev else None, trusts, privacy.safe_frame(hist), programme)


@dataclass
class RescorePreview:
    """What re-scoring a round with another standards version would change (nothing saved yet)."""
    round_id: int
    round_label: str
    from_version: int | None
    to_version: int
    changes: pd.DataFrame          # one row per standard whose figure, target or verdicts change
    n_letters_changed: int
    results: dict[int, list[dict]]  # letter id -> new standard results, for rescore_round


def rescore_preview(scope: TrustScope, round_id: int, version: int | None = None) -> RescorePreview:
    """Score the round's letters again with standards `version` (default: the trust's current one)
    and say, standard by standard, what would change: %, target, letters whose verdict moves."""
    from audit_app.services.letters import score_letter

    rnd = scope.round(round_id)
    v, cfg = current_standards(scope, version)
    letters = scope.store.letters(rnd.id)
    with gc_paused():
        new = {lt.id: score_letter(lt.record, lt.extraction, cfg, text=lt.text) for lt in letters}
        before = round_summary(scope, rnd)
        after = scoring.summarise(scoring.results_frame(
            [{"id": lt.id, "letter_key": lt.letter_key, "record": lt.record, "standard_results": new[lt.id]}
             for lt in letters], rnd.label), cfg)
    changed_letters = {lt.id for lt in letters if _verdicts(lt.standard_results) != _verdicts(new[lt.id])}
    b = before.set_index("standard_id")
    a = after.set_index("standard_id")
    rows = []
    for sid in sorted(set(b.index) | set(a.index)):
        pb = b["pct"].get(sid) if sid in b.index else None
        pa = a["pct"].get(sid) if sid in a.index else None
        tb = b["target_pct"].get(sid) if sid in b.index else None
        ta = a["target_pct"].get(sid) if sid in a.index else None
        moved = sum(1 for lt in letters if lt.id in changed_letters
                    and _verdicts(lt.standard_results).get(sid) != _verdicts(new[lt.id]).get(sid))
        if _pct_text(pb) == _pct_text(pa) and _pct_text(tb) == _pct_text(ta) and not moved:
            continue
        title = (a["title"].get(sid) if sid in a.index else b["title"].get(sid)) or ""
        rows.append({"Standard": sid, "Title": title,
                     "Now": _pct_text(pb) or "off", f"With version {v}": _pct_text(pa) or "off",
                     "Target now": _pct_text(tb), f"Target in version {v}": _pct_text(ta),
                     "Letters whose verdict changes": moved})
    return RescorePreview(rnd.id, rnd.label, rnd.standards_version, v, pd.DataFrame(rows), len(changed_letters), new)


def rescore_round(scope: TrustScope, round_id: int, version: int | None = None) -> int:
    """Re-score the round with standards `version` and save every letter's results in one
    transaction; the round then reports that version's targets everywhere. Returns the version."""
    preview = rescore_preview(scope, round_id, version)
    scope.store.replace_standard_results(round_id, preview.results, preview.to_version)
    return preview.to_version


def _verdicts(results: list[dict]) -> dict[str, tuple]:
    out: dict[str, list] = {}
    for r in results or []:
        out.setdefault(str(r.get("standard_id")), []).append((r.get("item_index"), r.get("outcome")))
    return {k: tuple(sorted(v, key=str)) for k, v in out.items()}
