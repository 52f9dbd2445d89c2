"""Networks in the store: named sets of trusts, their leads, and the aggregate counts a network
view needs. Mixed into :class:`audit_app.store.Store`.

The counts are computed in the database (``GROUP BY`` trust, round, standard, outcome), never by
loading letters: a network of 20 trusts x 12 rounds x 500 letters is two million result rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import and_, case, func, insert, or_, select

from audit_app.store.models import (
    AuditRound, ExtractionResult, Letter, LetterMeasure, Network, NetworkLead, NetworkTrust, StandardResultRow, Trust,
)

__all__ = ["NetworkInfo", "NetworkRepository", "ResultCount"]


@dataclass(frozen=True)
class NetworkInfo:
    id: int
    name: str
    name_trusts: bool
    trust_ids: tuple[int, ...]   # in the order they joined


@dataclass(frozen=True)
class ResultCount:
    trust_id: int
    round_id: int
    standard_id: str
    outcome: str
    n: int


def _error(msg: str) -> Exception:
    from audit_app.store.database import StoreError

    return StoreError(msg)


class NetworkRepository:
    """Store methods for networks (the Store provides ``session`` and ``write_session``)."""

    def _network_info(self, s, net: Network) -> NetworkInfo:
        ids = tuple(s.scalars(select(NetworkTrust.trust_id).where(NetworkTrust.network_id == net.id)
                              .order_by(NetworkTrust.id)))
        return NetworkInfo(net.id, net.name, bool(net.name_trusts), ids)

    def create_network(self, name: str, trust_ids: Iterable[int] = (), *, name_trusts: bool = False) -> NetworkInfo:
        name = (name or "").strip()
        if not name:
            raise _error("a network needs a name")
        with self.write_session() as s, s.begin():
            if s.scalar(select(Network.id).where(func.lower(Network.name) == name.lower())) is not None:
                raise _error(f"a network named {name!r} already exists")
            net = Network(name=name, name_trusts=bool(name_trusts))
            s.add(net)
            s.flush()
            for tid in dict.fromkeys(int(t) for t in trust_ids):
                if s.get(Trust, tid) is None:
                    raise _error(f"no trust with id {tid}")
                s.add(NetworkTrust(network_id=net.id, trust_id=tid))
            s.flush()
            return self._network_info(s, net)

    def list_networks(self, ids: Iterable[int] | None = None) -> list[NetworkInfo]:
        with self.session() as s:
            q = select(Network).order_by(Network.name)
            if ids is not None:
                q = q.where(Network.id.in_(list(ids)))
            return [self._network_info(s, n) for n in s.scalars(q)]

    def get_network(self, network_id: int) -> NetworkInfo:
        with self.session() as s:
            net = s.get(Network, network_id)
            if net is None:
                raise _error(f"no network with id {network_id}")
            return self._network_info(s, net)

    def find_network(self, name: str) -> NetworkInfo | None:
        key = (name or "").strip().lower()
        with self.session() as s:
            net = s.scalar(select(Network).where(func.lower(Network.name) == key))
            return self._network_info(s, net) if net is not None else None

    def add_network_trust(self, network_id: int, trust_id: int) -> None:
        with self.write_session() as s, s.begin():
            if s.get(Network, network_id) is None:
                raise _error(f"no network with id {network_id}")
            if s.get(Trust, trust_id) is None:
                raise _error(f"no trust with id {trust_id}")
            if s.scalar(select(NetworkTrust.id).where(NetworkTrust.network_id == network_id,
                                                      NetworkTrust.trust_id == trust_id)) is None:
                s.add(NetworkTrust(network_id=network_id, trust_id=trust_id))

    def remove_network_trust(self, network_id: int, trust_id: int) -> None:
        with self.write_session() as s, s.begin():
            s.execute(NetworkTrust.__table__.delete().where(NetworkTrust.__table__.c.network_id == network_id,
                                                            NetworkTrust.__table__.c.trust_id == trust_id))

    def set_network_naming(self, network_id: int, name_trusts: bool) -> None:
        with self.write_session() as s, s.begin():
            net = s.get(Network, network_id)
            if net is None:
                raise _error(f"no network with id {network_id}")
            net.name_trusts = bool(name_trusts)

    def delete_network(self, network_id: int) -> None:
        with self.write_session() as s, s.begin():
            net = s.get(Network, network_id)
            if net is not None:
                s.delete(net)

    def networks_of_trusts(self, trust_ids: Iterable[int]) -> list[NetworkInfo]:
        ids = list(trust_ids)
        if not ids:
            return []
        with self.session() as s:
            nids = set(s.scalars(select(NetworkTrust.network_id).where(NetworkTrust.trust_id.in_(ids))))
        return self.list_networks(nids) if nids else []

    # -- leads ---------------------------------------------------------------------------
    def grant_network(self, user_email: str, network_id: int) -> None:
        email = user_email.strip().lower()
        with self.write_session() as s, s.begin():
            if s.get(Network, network_id) is None:
                raise _error(f"no network with id {network_id}")
            if s.scalar(select(NetworkLead.id).where(NetworkLead.user_email == email,
                                                     NetworkLead.network_id == network_id)) is None:
                s.add(NetworkLead(user_email=email, network_id=network_id))

    def revoke_network(self, user_email: str, network_id: int) -> None:
        email = user_email.strip().lower()
        with self.write_session() as s, s.begin():
            s.execute(NetworkLead.__table__.delete().where(NetworkLead.__table__.c.user_email == email,
                                                           NetworkLead.__table__.c.network_id == network_id))

    def networks_for_lead(self, user_email: str) -> list[NetworkInfo]:
        email = user_email.strip().lower()
        with self.session() as s:
            ids = list(s.scalars(select(NetworkLead.network_id).where(NetworkLead.user_email == email)))
        return self.list_networks(ids) if ids else []

    def network_leads(self, network_id: int) -> list[str]:
        with self.session() as s:
            return sorted(s.scalars(select(NetworkLead.user_email).where(NetworkLead.network_id == network_id)))

    # -- aggregates ------------------------------------------------------------------------
    def result_counts(self, trust_ids: Iterable[int], *, standard_id: str | None = None) -> list[ResultCount]:
        """Number of standard results per trust, round, standard and outcome, counted in the database."""
        ids = [int(t) for t in trust_ids]
        if not ids:
            return []
        q = (select(AuditRound.trust_id, AuditRound.id, StandardResultRow.standard_id, StandardResultRow.outcome,
                    func.count())
             .select_from(StandardResultRow)
             .join(Letter, Letter.id == StandardResultRow.letter_id)
             .join(AuditRound, AuditRound.id == Letter.round_id)
             .where(AuditRound.trust_id.in_(ids))
             .group_by(AuditRound.trust_id, AuditRound.id, StandardResultRow.standard_id, StandardResultRow.outcome))
        if standard_id is not None:
            q = q.where(StandardResultRow.standard_id == standard_id)
        with self.session() as s:
            return [ResultCount(int(t), int(r), str(sid), str(o), int(n)) for t, r, sid, o, n in s.execute(q)]

    def rounds_of_trusts(self, trust_ids: Iterable[int]) -> dict[int, list]:
        """Each trust's rounds (RoundInfo, in time order as ``list_rounds``), letters counted in the database."""
        from audit_app.store.database import _in_time_order

        ids = [int(t) for t in trust_ids]
        out: dict[int, list] = {t: [] for t in ids}
        if not ids:
            return out
        with self.session() as s:
            counts = dict(s.execute(select(Letter.round_id, func.count(Letter.id)).join(AuditRound)
                                    .where(AuditRound.trust_id.in_(ids)).group_by(Letter.round_id)).all())
            rounds = list(s.scalars(select(AuditRound).where(AuditRound.trust_id.in_(ids)).order_by(AuditRound.id)))
            by_trust: dict[int, list] = {t: [] for t in ids}
            for r in rounds:
                by_trust[r.trust_id].append(r)
            for t, rs in by_trust.items():
                out[t] = [self._round_info(r, counts.get(r.id, 0)) for r in _in_time_order(rs)]
        return out

    # -- letter measures (the programme measures' per-letter facts, a derived cache) ------------
    def stale_letter_measures(self, trust_ids: Iterable[int], basis: str) -> list[int]:
        """Ids of the trusts' letters whose measure row is missing or was computed from another
        version of the letter or another ``basis`` (an indexed anti-join, no letter is loaded)."""
        ids = [int(t) for t in trust_ids]
        if not ids:
            return []
        lm = LetterMeasure
        q = (select(Letter.id).join(AuditRound, AuditRound.id == Letter.round_id)
             .outerjoin(lm, and_(lm.letter_id == Letter.id, lm.letter_version == Letter.version, lm.basis == basis))
             .where(AuditRound.trust_id.in_(ids), lm.letter_id.is_(None)).order_by(Letter.id))
        with self.session() as s:
            return [int(x) for x in s.scalars(q)]

    def letter_measure_inputs(self, letter_ids: Iterable[int]) -> list[tuple[int, int, int, dict, dict | None]]:
        """(letter id, round id, version, record, extraction) of the letters: what the programme
        facts are computed from. Never the letter text."""
        ids = [int(x) for x in letter_ids]
        if not ids:
            return []
        q = (select(Letter.id, Letter.round_id, Letter.version, Letter.record, ExtractionResult.result)
             .outerjoin(ExtractionResult, ExtractionResult.letter_id == Letter.id)
             .where(Letter.id.in_(ids)).order_by(Letter.id))
        with self.session() as s:
            return [(int(i), int(r), int(v), rec or {}, ex) for i, r, v, rec, ex in s.execute(q)]

    def save_letter_measures(self, rows: list[dict]) -> None:
        """Replace the measure rows of these letters (columns of ``LetterMeasure``) in one transaction.
        A letter deleted meanwhile is skipped (its row would have no letter)."""
        if not rows:
            return
        ids = [int(r["letter_id"]) for r in rows]
        with self.write_session() as s, s.begin():
            table = LetterMeasure.__table__
            live = set(s.scalars(select(Letter.id).where(Letter.id.in_(ids))))
            s.execute(table.delete().where(table.c.letter_id.in_(ids)))
            keep = [r for r in rows if int(r["letter_id"]) in live]
            if keep:
                s.connection().execute(insert(table), keep)

    def measure_counts(self, trust_ids: Iterable[int], basis: str, *, thresholds: Iterable[float],
                       referral_ome: float, flags: Iterable[str]) -> list[dict]:
        """Per trust and round, the sums the programme measures are made of (see
        ``audit_app.network.measure_counts_frame``), counted in the database: letters in scope
        ('included': opioid known, no global exclusion), opioid letters, OME known and over each
        threshold, new and MR items, starts, items, pre-admission opioid, on a high dose, reduced,
        escalated, referral prompt, each safety flag."""
        ids = [int(t) for t in trust_ids]
        if not ids:
            return []
        lm = LetterMeasure

        def n(cond):
            return func.sum(case((cond, 1), else_=0))

        def total(cond, col):
            return func.sum(case((cond, func.coalesce(col, 0)), else_=0))

        included = and_(lm.has_opioid.is_not(None), lm.excluded.is_(False))
        opioid = and_(lm.has_opioid.is_(True), lm.excluded.is_(False))
        pre = and_(opioid, lm.pre_admission.is_(True))
        on_high = and_(pre, func.coalesce(lm.pre_admission_ome, lm.ome, 0.0) >= float(referral_ome))
        cols = {"included": n(included), "opioid": n(opioid), "ome_known": n(and_(opioid, lm.ome_complete.is_(True))),
                "new_items": total(opioid, lm.new_items), "new_mr_items": total(opioid, lm.new_mr_items),
                "new_starts": total(included, lm.new_starts), "n_items": total(included, lm.n_items),
                "pre_admission": n(pre), "on_high": n(on_high),
                "on_high_reduced": n(and_(on_high, lm.dose_reduced.is_(True))),
                "escalated": n(and_(pre, lm.escalated.is_(True))),
                "referral_prompt": n(and_(opioid, lm.referral_prompt.is_(True)))}
        for i, t in enumerate(thresholds):
            cols[f"over_{i}"] = n(and_(opioid, lm.ome >= float(t)))
            cols[f"known_{i}"] = n(and_(opioid, or_(lm.ome_complete.is_(True), lm.ome >= float(t))))
        for i, flag in enumerate(flags):
            cols[f"flag_{i}"] = n(and_(opioid, lm.safety_flags.like(f"% {flag} %")))
        q = (select(AuditRound.trust_id, lm.round_id, *[c.label(k) for k, c in cols.items()])
             .join(AuditRound, AuditRound.id == lm.round_id)
             .where(AuditRound.trust_id.in_(ids), lm.basis == basis)
             .group_by(AuditRound.trust_id, lm.round_id))
        with self.session() as s:
            return [dict(row._mapping) for row in s.execute(q)]

    def opioid_ome_values(self, trust_ids: Iterable[int], basis: str) -> dict[int, list[float]]:
        """Round id -> total OME of every in-scope opioid letter whose OME is complete: the one
        column a median needs (SQLite has no median aggregate, and a period's median pools the
        letters of its rounds). PostgreSQL sends one array per round instead of a row per letter."""
        ids = [int(t) for t in trust_ids]
        if not ids:
            return {}
        lm = LetterMeasure
        where = (AuditRound.trust_id.in_(ids), lm.basis == basis, lm.has_opioid.is_(True), lm.excluded.is_(False),
                 lm.ome_complete.is_(True), lm.ome.is_not(None))
        out: dict[int, list[float]] = {}
        with self.session() as s:
            if self.dialect == "postgresql":
                q = (select(lm.round_id, func.array_agg(lm.ome)).join(AuditRound, AuditRound.id == lm.round_id)
                     .where(*where).group_by(lm.round_id))
                for r, values in s.execute(q):
                    out[int(r)] = [float(v) for v in values]
            else:
                q = select(lm.round_id, lm.ome).join(AuditRound, AuditRound.id == lm.round_id).where(*where)
                for r, o in s.execute(q):
                    out.setdefault(int(r), []).append(float(o))
        return out
