"""Trust separation for sign-in deployments.

Every page and every cached call goes through an `AccessContext` *before* it reads or changes
anything. A single-user installation (no sign-in configured) uses `AccessContext.single_user()`,
which allows every trust; a signed-in user gets `AccessContext.for_user(store, email)`, built from
the store's user_access grants, which allows only the trusts granted to that e-mail address.

    ctx = AccessContext.for_user(store, "pharmacist@trust-a.nhs.uk")
    ctx.visible_trusts(store)            # what the trust picker offers
    ctx.check_trust(trust_id)            # before listing rounds / PDSA cycles / standards of a trust
    rnd = ctx.check_round(store, rid)    # before showing or changing a round
    letter = ctx.check_letter(store, lid)
    ctx.check_pdsa_cycle(store, cid)
    net = ctx.network_scope(store, nid)  # the network view: which trusts, under which names

Networks: a network lead (``store.grant_network``) sees every member trust of the networks they
lead, by name, aggregated (not their letters: that still needs the trust itself). A trust user
sees the networks their trusts belong to: their own trust by name, the others anonymised as
"Trust B", "Trust C" (letters fixed by the order trusts joined) unless the network names its
trusts. A user of no member trust and no lead grant is refused. Without sign-in there is one
default network, :data:`DEFAULT_NETWORK_ID`, of every trust in the store, by name.

Denials raise `AccessDenied` (a `StoreError`) with a message that says what was refused and for
whom, and that reads the same whether the id exists in another trust or not at all (so ids of
other trusts' rounds cannot be probed).

Caching (Streamlit `st.cache_data`): do the check outside the cached function, and put
`ctx.cache_key` in the cached function's arguments, so one user's cached result is never served
to another user with different trusts.
"""
from __future__ import annotations

from dataclasses import dataclass

from audit_app.store import StoreError

__all__ = ["AccessDenied", "AccessContext", "NetworkScope", "DEFAULT_NETWORK_ID",
           "DEFAULT_NETWORK_NAME", "anonymous_label"]

#: the network of every trust in the store (single-user installations); never stored
DEFAULT_NETWORK_ID = 0
DEFAULT_NETWORK_NAME = "All trusts"


def anonymous_label(position: int) -> str:
    """'Trust A', 'Trust B', ... 'Trust Z', 'Trust AA' for the 0-based position in the network."""
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return f"Trust {letters}"


def _unclashing(label: str, shown_names: set[str]) -> str:
    # a real trust may be called "Trust B": an anonymous label must never read as a real name
    return label if label.casefold() not in shown_names else f"{label} (anonymised)"


@dataclass(frozen=True)
class NetworkScope:
    """One network as one user may see it, checked once when built (``AccessContext.network_scope``).

    ``trust_ids`` in network order; ``names`` the name each trust is shown under for this user;
    ``named`` the trusts shown by their real name; ``role`` 'lead', 'member' or 'single_user';
    ``own_trust_ids`` the viewer's own trusts in the network (empty for a lead or single user)."""

    network_id: int
    name: str
    trust_ids: tuple[int, ...]
    names: tuple[tuple[int, str], ...]
    named: frozenset[int]
    role: str
    own_trust_ids: frozenset[int] = frozenset()

    def name_of(self, trust_id: int) -> str:
        for tid, name in self.names:
            if tid == trust_id:
                return name
        raise AccessDenied(f"access denied: trust {trust_id} is not in the network {self.name!r}")

    def is_named(self, trust_id: int) -> bool:
        return trust_id in self.named

    @property
    def cache_key(self) -> tuple:
        return (self.network_id, self.trust_ids, self.names, self.role)


class AccessDenied(StoreError):
    """The signed-in user may not see or change this trust's data."""


@dataclass(frozen=True)
class AccessContext:
    """Who is asking, and which trusts they may see. `allowed_trust_ids=None` means every trust
    (single-user installation, no sign-in configured); an empty set means none."""

    user_email: str | None = None
    allowed_trust_ids: frozenset[int] | None = None
    #: networks this user leads (sign-in only)
    lead_network_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.allowed_trust_ids is not None and not isinstance(self.allowed_trust_ids, frozenset):
            object.__setattr__(self, "allowed_trust_ids", frozenset(int(t) for t in self.allowed_trust_ids))
        if not isinstance(self.lead_network_ids, frozenset):
            object.__setattr__(self, "lead_network_ids", frozenset(int(n) for n in self.lead_network_ids or ()))
        if self.user_email is not None:
            object.__setattr__(self, "user_email", self.user_email.strip().lower())

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def single_user(cls) -> "AccessContext":
        return cls(None, None)

    @classmethod
    def for_user(cls, store, email: str | None) -> "AccessContext":
        """The context of a signed-in user: only the trusts granted to them (store.grant_access)."""
        if not email or not email.strip():
            raise AccessDenied("sign-in is required: no user e-mail address was given")
        return cls(email, frozenset(t.id for t in store.trusts_for_user(email)),
                   frozenset(n.id for n in store.networks_for_lead(email)))

    @classmethod
    def from_cache_key(cls, key: tuple) -> "AccessContext":
        """The context whose ``cache_key`` is ``key``."""
        user, ids = key[0], key[1]
        nets = key[2] if len(key) > 2 else ()
        return cls(user, None if ids is None else frozenset(ids), frozenset(nets))

    # -- properties ------------------------------------------------------------------------
    @property
    def is_single_user(self) -> bool:
        return self.allowed_trust_ids is None

    @property
    def cache_key(self) -> tuple:
        """Hashable, changes with the user and their grants: include it in cached calls' args."""
        ids = None if self.allowed_trust_ids is None else tuple(sorted(self.allowed_trust_ids))
        if self.lead_network_ids:
            return (self.user_email, ids, tuple(sorted(self.lead_network_ids)))
        return (self.user_email, ids)

    def _who(self) -> str:
        return f"signed in as {self.user_email}" if self.user_email else "this session"

    def may_see(self, trust_id: int | None) -> bool:
        if trust_id is None:
            return False
        return self.allowed_trust_ids is None or int(trust_id) in self.allowed_trust_ids

    # -- checks ----------------------------------------------------------------------------
    def check_trust(self, trust_id: int) -> int:
        if not self.may_see(trust_id):
            raise AccessDenied(f"access denied: trust {trust_id} is not one of your trusts ({self._who()})")
        return int(trust_id)

    def check_round(self, store, round_id: int):
        """The round's RoundInfo if its trust is visible, else AccessDenied."""
        try:
            rnd = store.get_round(round_id)
        except StoreError:
            rnd = None
        if rnd is None or not self.may_see(rnd.trust_id):
            if rnd is None and self.is_single_user:
                raise StoreError(f"no audit round with id {round_id}")
            raise AccessDenied(f"access denied: audit round {round_id} is not in one of your trusts ({self._who()})")
        return rnd

    def check_letter(self, store, letter_id: int):
        """The letter's LetterRow if its trust is visible, else AccessDenied."""
        try:
            trust_id = store.trust_of_letter(letter_id)
        except StoreError:
            trust_id = None
        if not self.may_see(trust_id):
            if trust_id is None and self.is_single_user:
                raise StoreError(f"no letter with id {letter_id}")
            raise AccessDenied(f"access denied: letter {letter_id} is not in one of your trusts ({self._who()})")
        return store.get_letter(letter_id)

    def check_pdsa_cycle(self, store, cycle_id: int) -> dict:
        try:
            cycle = store.get_pdsa_cycle(cycle_id)
        except StoreError:
            cycle = None
        if cycle is None or not self.may_see(cycle["trust_id"]):
            if cycle is None and self.is_single_user:
                raise StoreError(f"no PDSA cycle with id {cycle_id}")
            raise AccessDenied(f"access denied: PDSA cycle {cycle_id} is not in one of your trusts ({self._who()})")
        return cycle

    def visible_trusts(self, store) -> list:
        """The trusts this user may pick (all of them for a single-user installation)."""
        if self.allowed_trust_ids is None:
            return store.list_trusts()
        return store.list_trusts(sorted(self.allowed_trust_ids))

    # -- networks --------------------------------------------------------------------------
    def visible_networks(self, store) -> list[tuple[int, str]]:
        """(network id, name) this user may open: the default network first for a single user,
        then the stored networks; with sign-in, the networks led and those of the user's trusts."""
        if self.is_single_user:
            return [(DEFAULT_NETWORK_ID, DEFAULT_NETWORK_NAME)] + [(n.id, n.name) for n in store.list_networks()]
        ids = set(self.lead_network_ids) | {n.id for n in store.networks_of_trusts(self.allowed_trust_ids or ())}
        return [(n.id, n.name) for n in store.list_networks(sorted(ids))] if ids else []

    def network_scope(self, store, network_id: int | None) -> NetworkScope:
        """The network as this user may see it, or AccessDenied (the same message whether the
        network exists or not)."""
        denied = AccessDenied(f"access denied: network {network_id} is not one of your networks ({self._who()})")
        if network_id is None:
            raise denied
        network_id = int(network_id)
        if network_id == DEFAULT_NETWORK_ID:
            if not self.is_single_user:
                raise denied
            trusts = store.list_trusts()
            ids = tuple(t.id for t in sorted(trusts, key=lambda t: t.id))
            names = {t.id: t.name for t in trusts}
            return NetworkScope(DEFAULT_NETWORK_ID, DEFAULT_NETWORK_NAME, ids,
                                tuple((i, names[i]) for i in ids), frozenset(ids), "single_user")
        try:
            net = store.get_network(network_id)
        except StoreError:
            if self.is_single_user:
                raise StoreError(f"no network with id {network_id}") from None
            raise denied from None
        real = {t.id: t.name for t in store.list_trusts(net.trust_ids)}
        ids = tuple(t for t in net.trust_ids if t in real)
        if self.is_single_user or network_id in self.lead_network_ids:
            role, own, named = ("single_user" if self.is_single_user else "lead"), frozenset(), frozenset(ids)
        else:
            own = frozenset(t for t in ids if self.may_see(t))
            if not own:
                raise denied
            role = "member"
            named = frozenset(ids) if net.name_trusts else own
        shown = {real[t].casefold() for t in named}
        names = tuple((t, real[t] if t in named else _unclashing(anonymous_label(i), shown))
                      for i, t in enumerate(ids))
        return NetworkScope(net.id, net.name, ids, names, named, role, own)
