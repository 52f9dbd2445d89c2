"""Trust separation: a user of trust A cannot read or change trust B's rounds, letters,
corrections or PDSA cycles through any AccessContext check."""
from __future__ import annotations


import pytest

from audit_app.access import AccessContext, AccessDenied
from audit_app.store import StoreError

A_USER, B_USER = "pharm@trust-a.nhs.uk", "pharm@trust-b.nhs.uk"


@pytest.fixture
def two_trusts(store):
    ids = {}
    for name in ("A", "B"):
        t = store.create_trust(f"Trust {name}")
        rid = store.save_round(t.id, "R1", [{"record": {"letter_id": f"{name}1", "weaning_plan": "no"},
                                             "text": f"Trust {name} letter text: morphine 10mg"}],
                               import_issues=[{"severity": "info", "message": f"{name} issue"}])
        (letter,) = store.letters(rid)
        store.correct_letter(letter.id, "record.weaning_plan", "yes", reason=f"{name} fix", user="x",
                             expected_version=letter.version)
        cid = store.save_pdsa_cycle(t.id, {"cycle_no": 1, "change_idea": f"{name} idea"})
        store.save_standards_config(t.id, {"enabled": [f"{name}-1"]})
        store.save_column_mapping(t.id, {f"{name} heading": "drug"})
        ids[name] = dict(trust=t.id, round=rid, letter=letter.id, cycle=cid)
    store.grant_access(A_USER, ids["A"]["trust"])
    store.grant_access(B_USER.upper(), ids["B"]["trust"])
    return ids


def test_context_checks_refuse_the_other_trust(store, two_trusts):
    a, b = two_trusts["A"], two_trusts["B"]
    ctx = AccessContext.for_user(store, " Pharm@Trust-A.nhs.uk ")
    assert ctx.user_email == A_USER and ctx.allowed_trust_ids == {a["trust"]}
    assert [t.name for t in ctx.visible_trusts(store)] == ["Trust A"]
    assert ctx.check_trust(a["trust"]) == a["trust"]
    assert ctx.check_round(store, a["round"]).id == a["round"]
    assert ctx.check_letter(store, a["letter"]).text.startswith("Trust A")
    assert ctx.check_pdsa_cycle(store, a["cycle"])["change_idea"] == "A idea"
    checks = [lambda: ctx.check_trust(b["trust"]), lambda: ctx.check_round(store, b["round"]),
              lambda: ctx.check_letter(store, b["letter"]), lambda: ctx.check_pdsa_cycle(store, b["cycle"])]
    for check in checks:
        with pytest.raises(AccessDenied, match="access denied.*signed in as pharm@trust-a.nhs.uk") as exc:
            check()
        assert "Trust B" not in str(exc.value) and "letter text" not in str(exc.value)
    # An id that does not exist reads exactly like another trust's: ids cannot be probed.
    with pytest.raises(AccessDenied) as missing:
        ctx.check_round(store, 987654)
    with pytest.raises(AccessDenied) as other:
        ctx.check_round(store, b["round"])
    assert str(missing.value).replace("987654", "N") == str(other.value).replace(str(b["round"]), "N")
    assert issubclass(AccessDenied, StoreError)


def test_users_without_grants_and_single_user_mode(store, two_trusts):
    nobody = AccessContext.for_user(store, "new@trust-c.nhs.uk")
    assert nobody.visible_trusts(store) == [] and nobody.allowed_trust_ids == frozenset()
    with pytest.raises(AccessDenied):
        nobody.check_trust(two_trusts["A"]["trust"])
    with pytest.raises(AccessDenied, match="sign-in is required"):
        AccessContext.for_user(store, "  ")
    solo = AccessContext.single_user()
    assert solo.is_single_user and len(solo.visible_trusts(store)) == 2
    assert solo.check_letter(store, two_trusts["B"]["letter"]).text.startswith("Trust B")
    with pytest.raises(StoreError, match="no audit round"):
        solo.check_round(store, 987654)


def test_cache_keys_separate_users(store, two_trusts):
    a = AccessContext.for_user(store, A_USER)
    b = AccessContext.for_user(store, B_USER)
    assert a.cache_key != b.cache_key and hash(a.cache_key) is not None
    store.grant_access(A_USER, two_trusts["B"]["trust"])
    a2 = AccessContext.for_user(store, A_USER)
    assert a2.cache_key != a.cache_key and a2.allowed_trust_ids == {two_trusts["A"]["trust"], two_trusts["B"]["trust"]}
    store.revoke_access(A_USER, two_trusts["B"]["trust"])
    assert AccessContext.for_user(store, A_USER).cache_key == a.cache_key
