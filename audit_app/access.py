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

__all__ = ["AccessDenied", "AccessContext"]


class AccessDenied(StoreError):
    """The signed-in user may not see or change this trust's data."""


@dataclass(frozen=True)
class AccessContext:
    """Who is asking, and which trusts they may see. `allowed_trust_ids=None` means every trust
    (single-user installation, no sign-in configured); an empty set means none."""

    user_email: str | None = None
    allowed_trust_ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.allowed_trust_ids is not None and not isinstance(self.allowed_trust_ids, frozenset):
            object.__setattr__(self, "allowed_trust_ids", frozenset(int(t) for t in self.allowed_trust_ids))
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
        return cls(email, frozenset(t.id for t in store.trusts_for_user(email)))

    # -- properties ------------------------------------------------------------------------
    @property
    def is_single_user(self) -> bool:
        return self.allowed_trust_ids is None

    @property
    def cache_key(self) -> tuple:
        """Hashable, changes with the user and their grants: include it in cached calls' args."""
        ids = None if self.allowed_trust_ids is None else tuple(sorted(self.allowed_trust_ids))
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

