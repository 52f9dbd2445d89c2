"""Networks in the store: named sets of trusts, their leads, and the aggregate counts a network
view needs. Mixed into :class:`audit_app.store.Store`.

The counts are computed in the database (``GROUP BY`` trust, round, standard, outcome), never by
loading letters: a network of 20 trusts x 12 rounds x 500 letters is two million result rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select

from audit_app.store.models import (
    AuditRound, Letter, Network, NetworkLead, NetworkTrust, StandardResultRow, Trust,
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
