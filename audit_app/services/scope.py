"""Who may do what: the caller's access and the one checked trust a page works in.

audit_app.access does the checks; this module turns them into a :class:`TrustScope` that a page
builds once per run (``TrustScope.check``: the only way to get one checks the trust) and passes to
every service function it calls, and into messages fit for the page (ServiceError).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit_app.access import AccessContext, AccessDenied
from audit_app.store.database import LetterRow, RoundInfo, Store, StoreError, TrustInfo


class ServiceError(Exception):
    """Something the user asked for cannot be done; ``str()`` is a message fit for the page."""


Access = AccessContext


def single_user() -> Access:
    return AccessContext.single_user()


def access_for_user(store: Store, email: str) -> Access:
    """The access of a signed-in user: only the trusts granted to their e-mail."""
    return AccessContext.for_user(store, email)


def access_from_key(key: tuple) -> Access:
    """Rebuild an Access from its ``cache_key`` (cached functions take the key, not the object)."""
    return AccessContext.from_cache_key(key)


#: test hook: the app treats every visitor as signed in with this e-mail address (browser tests of
#: sign-in deployments without an OIDC provider). Never set it on a real deployment.
TEST_SIGN_IN_ENV = "OPIOID_AUDIT_TEST_SIGNED_IN_AS"


def test_signed_in_user() -> str | None:
    import os

    email = os.environ.get(TEST_SIGN_IN_ENV, "").strip()
    return email or None


def user_label(access: Access) -> str:
    return access.user_email or "local user"


def visible_trusts(store: Store, access: Access) -> list[TrustInfo]:
    return access.visible_trusts(store)


@dataclass(frozen=True)
class TrustScope:
    """The store, the caller's access and one trust the caller may see, checked when built (a page
    builds it once with :meth:`check`): functions that take a scope do not check the trust again."""
    store: Store
    access: Access
    trust: TrustInfo

    def __post_init__(self) -> None:
        # however a scope is made, the caller may see its trust (an in-memory check, no query)
        self.access.check_trust(self.trust.id)

    @classmethod
    def check(cls, store: Store, access: Access, trust_id: int | None) -> "TrustScope":
        if trust_id is None:
            raise ServiceError("choose a trust first (Trusts and rounds page)")
        access.check_trust(trust_id)
        try:
            trust = store.get_trust(int(trust_id))
        except StoreError as exc:
            raise ServiceError(str(exc)) from None
        return cls(store, access, trust)

    @property
    def trust_id(self) -> int:
        return self.trust.id

    @property
    def user(self) -> str:
        return user_label(self.access)

    def round(self, round_id: int | None) -> RoundInfo:
        """The round, if it belongs to this trust."""
        if round_id is None:
            raise ServiceError("choose an audit round first (sidebar), or import one")
        rnd = self.access.check_round(self.store, int(round_id))
        if rnd.trust_id != self.trust.id:
            raise AccessDenied(f"access denied: audit round {round_id} is not in the trust you chose")
        return rnd

    def letter(self, letter_id: int) -> LetterRow:
        """The letter, if its round belongs to this trust."""
        letter = self.access.check_letter(self.store, int(letter_id))
        if self.store.get_round(letter.round_id).trust_id != self.trust.id:
            raise AccessDenied(f"access denied: letter {letter_id} is not in the trust you chose")
        return letter


def check_period(start: Any, end: Any) -> None:
    if start and end and start > end:
        raise ServiceError("the period ends before it starts")
