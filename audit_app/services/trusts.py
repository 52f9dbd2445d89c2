"""Trusts Hub: trusts, who may see them, and their audit rounds."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from audit_app import privacy, wording
from audit_app.services.scope import Access, ServiceError, TrustScope, check_period
from audit_app.services.standards import current_standards
from audit_app.store.database import RoundInfo, Store, StoreError, TrustInfo


def create_trust(store: Store, access: Access, name: str, code: str | None = None) -> TrustInfo:
    """Create a trust; a signed-in user is granted access to the trust they create."""
    try:
        trust = store.create_trust(name, (code or "").strip() or None)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    if access.user_email:
        store.grant_access(access.user_email, trust.id)
    return trust


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def trust_users(scope: TrustScope) -> list[str]:
    """Who can see the trust when the app runs with sign-in (their e-mail addresses)."""
    return scope.store.users_of_trust(scope.trust_id)


def grant_trust(scope: TrustScope, email: str) -> str:
    """Let a colleague see and work on this trust after they sign in. Anyone who can see a trust
    can grant it (the NHS e-mail address is the identity the sign-in provider vouches for)."""
    email = (email or "").strip().lower()
    if not _EMAIL.fullmatch(email):
        raise ServiceError(f"'{email}' is not an e-mail address; give the address the person signs in with")
    scope.store.grant_access(email, scope.trust_id)
    return email


def revoke_trust(scope: TrustScope, email: str) -> None:
    """Stop a colleague seeing this trust. You cannot remove yourself (ask a colleague), so a
    trust is never left with nobody able to reach it by mistake."""
    email = (email or "").strip().lower()
    if scope.access.user_email and email == scope.access.user_email:
        raise ServiceError("you cannot remove your own access; ask a colleague who can see this trust")
    if email not in scope.store.users_of_trust(scope.trust_id):
        raise ServiceError(f"{email} has no access to this trust")
    scope.store.revoke_access(email, scope.trust_id)


def rename_trust(scope: TrustScope, new_name: str) -> None:
    if not (new_name or "").strip():
        raise ServiceError("a trust needs a name")
    clash = scope.store.find_trust(new_name.strip())
    if clash is not None and clash.id != scope.trust_id:
        raise ServiceError(f"a trust named {clash.name!r} already exists")
    scope.store.rename_trust(scope.trust_id, new_name)


def delete_trust(scope: TrustScope) -> None:
    scope.store.delete_trust(scope.trust_id)


def rounds_table(scope: TrustScope) -> pd.DataFrame:
    rows = [{
        "id": r.id, "Round": r.label, "From": wording.uk_date(r.period_start), "To": wording.uk_date(r.period_end),
        "Standards version": "" if r.standards_version is None else f"version {r.standards_version}",
        "Letters": r.n_letters,
        "Source file": r.source_file or "", "Created": r.created_at.strftime("%d/%m/%Y %H:%M") if r.created_at else "",
        "Discharges": r.discharges,
    } for r in scope.store.list_rounds(scope.trust_id)]
    return privacy.safe_frame(pd.DataFrame(rows, columns=["id", "Round", "From", "To", "Standards version", "Letters",
                                                          "Source file", "Created", "Discharges"]))


def list_rounds(scope: TrustScope) -> list[RoundInfo]:
    return scope.store.list_rounds(scope.trust_id)


def create_round(scope: TrustScope, label: str, period_start: Any = None, period_end: Any = None,
                 standards_version: int | None = None) -> int:
    """An empty round (letters come later from the Import page)."""
    check_period(period_start, period_end)
    if standards_version is None:
        standards_version = current_standards(scope)[0]
    try:
        return scope.store.save_round(scope.trust_id, label, [], period_start=period_start, period_end=period_end,
                                      standards_version=standards_version)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def update_round(scope: TrustScope, round_id: int, *, label: str | None = None,
                 period_start: Any = None, period_end: Any = None, discharges: Any = None) -> None:
    """Change a round; ``discharges`` (all discharges in the period) feeds the 'per 100 discharges' measures."""
    scope.round(round_id)
    check_period(period_start, period_end)
    try:
        scope.store.update_round(round_id, label=label, period_start=period_start, period_end=period_end,
                                 discharges=discharges)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


PURGE_PENDING = ("The round is deleted. Its letter text is still in the database's write-ahead log because "
                 "another page was reading at that moment; it is purged automatically the next time the store "
                 "is opened.")


def delete_round(scope: TrustScope, round_id: int, reason: str | None = None) -> str | None:
    """Delete a round completely; who, when, which label and why are recorded (no text). Returns a
    note for the user when its text could not yet be purged from the database files (another
    connection held a read snapshot), else None."""
    scope.round(round_id)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("say why this round is deleted (the reason is recorded with who deleted it and when)")
    scope.store.delete_round(round_id, user=scope.user, reason=reason)
    return PURGE_PENDING if scope.store.purge_pending else None
