"""Networks: membership, leads, aggregate counts in the database, and who sees which trust under
which name (lead: all named; member trust user: own named, others anonymised unless the network
names them; user of another network: refused; single user: one default network of every trust)."""
from __future__ import annotations

import pytest

from audit_app.access import (
    DEFAULT_NETWORK_ID, AccessContext, AccessDenied, anonymous_label,
)
from audit_app.store import StoreError

LEAD, A_USER, C_USER, OUTSIDER = "lead@ahsn.nhs.uk", "pharm@a.nhs.uk", "pharm@c.nhs.uk", "pharm@far.nhs.uk"


def _letter(i: int, outcomes: dict[str, str]) -> dict:
    return {"record": {"letter_id": f"L{i}"}, "standard_results": [
        {"standard_id": sid, "outcome": o, "exclusion_code": None, "evidence": []} for sid, o in outcomes.items()]}


@pytest.fixture
def network(store):
    names = ["Royal Northern", "Eastfield", "Trust B", "Westbury"]   # a real trust may be called "Trust B"
    t = {n: store.create_trust(n).id for n in names}
    far = store.create_trust("Far Away").id
    # Royal Northern: 2 rounds; OD-04 met 3 of 4 then 1 of 2 (+ one not applicable)
    r1 = store.save_round(t["Royal Northern"], "R1", [_letter(i, {"OD-04": o, "OD-01": "met"})
                                                      for i, o in enumerate(["met", "met", "met", "not_met"])])
    r2 = store.save_round(t["Royal Northern"], "R2", [_letter(10 + i, {"OD-04": o}) for i, o in
                                                      enumerate(["met", "not_met", "not_applicable"])])
    store.save_round(t["Eastfield"], "R1", [_letter(20 + i, {"OD-04": "not_met"}) for i in range(5)])
    store.save_round(far, "R1", [_letter(30, {"OD-04": "met"})])
    net = store.create_network("North AHSN", [t["Royal Northern"], t["Eastfield"], t["Trust B"], t["Westbury"]])
    other = store.create_network("Far network", [far])
    store.grant_network(LEAD, net.id)
    store.grant_access(A_USER, t["Royal Northern"])
    store.grant_access(C_USER, t["Trust B"])
    store.grant_access(OUTSIDER, far)
    return dict(trusts=t, far=far, net=net, other=other, r1=r1, r2=r2)


def test_counts_are_grouped_in_the_database(store, network):
    t = network["trusts"]
    counts = {(c.trust_id, c.round_id, c.standard_id, c.outcome): c.n
              for c in store.result_counts(network["net"].trust_ids)}
    rn = t["Royal Northern"]
    assert counts[(rn, network["r1"], "OD-04", "met")] == 3
    assert counts[(rn, network["r1"], "OD-04", "not_met")] == 1
    assert counts[(rn, network["r2"], "OD-04", "not_applicable")] == 1
    assert counts[(rn, network["r1"], "OD-01", "met")] == 4
    assert all(k[0] != network["far"] for k in counts)   # the other network's trust is not counted
    only = store.result_counts([rn], standard_id="OD-01")
    assert {c.standard_id for c in only} == {"OD-01"}
    rounds = store.rounds_of_trusts([rn, t["Westbury"]])
    assert [r.label for r in rounds[rn]] == ["R1", "R2"] and rounds[t["Westbury"]] == []
    assert [r.n_letters for r in rounds[rn]] == [4, 3]


def test_network_membership_and_leads(store, network):
    net = network["net"]
    assert store.find_network("north ahsn").id == net.id
    with pytest.raises(StoreError, match="already exists"):
        store.create_network("NORTH AHSN")
    with pytest.raises(StoreError, match="no trust"):
        store.create_network("Ghost", [99999])
    assert store.networks_for_lead(LEAD.upper()) == [store.get_network(net.id)]
    assert store.network_leads(net.id) == [LEAD]
    store.remove_network_trust(net.id, network["trusts"]["Westbury"])
    assert network["trusts"]["Westbury"] not in store.get_network(net.id).trust_ids
    store.add_network_trust(net.id, network["trusts"]["Westbury"])
    assert store.get_network(net.id).trust_ids[-1] == network["trusts"]["Westbury"]
    store.revoke_network(LEAD, net.id)
    assert store.networks_for_lead(LEAD) == []
    # deleting a trust removes it from its networks
    store.delete_trust(network["trusts"]["Eastfield"])
    assert network["trusts"]["Eastfield"] not in store.get_network(net.id).trust_ids


def test_lead_sees_every_trust_by_name(store, network):
    ctx = AccessContext.for_user(store, LEAD)
    scope = ctx.network_scope(store, network["net"].id)
    assert scope.role == "lead"
    assert [scope.name_of(t) for t in scope.trust_ids] == ["Royal Northern", "Eastfield", "Trust B", "Westbury"]
    assert ctx.visible_networks(store) == [(network["net"].id, "North AHSN")]
    # a lead is not given the trusts' letters
    with pytest.raises(AccessDenied):
        ctx.check_trust(network["trusts"]["Royal Northern"])
    assert AccessContext.from_cache_key(ctx.cache_key) == ctx


def test_member_sees_own_trust_named_and_the_others_anonymised(store, network):
    t = network["trusts"]
    scope = AccessContext.for_user(store, A_USER).network_scope(store, network["net"].id)
    assert scope.role == "member" and scope.own_trust_ids == {t["Royal Northern"]}
    shown = [scope.name_of(i) for i in scope.trust_ids]
    assert shown == ["Royal Northern", "Trust B", "Trust C", "Trust D"]
    assert "Eastfield" not in shown and "Westbury" not in shown
    # the real 'Trust B' user: the anonymous letter of position 1 must not read as their own name
    scope_c = AccessContext.for_user(store, C_USER).network_scope(store, network["net"].id)
    shown_c = [scope_c.name_of(i) for i in scope_c.trust_ids]
    assert shown_c[2] == "Trust B" and shown_c[1] == "Trust B (anonymised)" and shown_c[0] == "Trust A"
    # the network chooses to name its trusts
    store.set_network_naming(network["net"].id, True)
    scope = AccessContext.for_user(store, A_USER).network_scope(store, network["net"].id)
    assert [scope.name_of(i) for i in scope.trust_ids] == ["Royal Northern", "Eastfield", "Trust B", "Westbury"]


def test_user_of_another_network_sees_none(store, network):
    ctx = AccessContext.for_user(store, OUTSIDER)
    assert ctx.visible_networks(store) == [(network["other"].id, "Far network")]
    with pytest.raises(AccessDenied) as denied:
        ctx.network_scope(store, network["net"].id)
    with pytest.raises(AccessDenied) as missing:
        ctx.network_scope(store, 987654)
    # the same words whether the network exists or not (ids cannot be probed)
    assert str(denied.value).replace(str(network["net"].id), "N") == str(missing.value).replace("987654", "N")
    with pytest.raises(AccessDenied):
        ctx.network_scope(store, DEFAULT_NETWORK_ID)   # the all-trusts network is single-user only
    nobody = AccessContext.for_user(store, "new@nowhere.nhs.uk")
    assert nobody.visible_networks(store) == []


def test_single_user_has_one_default_network_of_every_trust(store, network):
    ctx = AccessContext.single_user()
    nets = ctx.visible_networks(store)
    assert nets[0] == (DEFAULT_NETWORK_ID, "All trusts")
    scope = ctx.network_scope(store, DEFAULT_NETWORK_ID)
    assert set(scope.trust_ids) == set(network["trusts"].values()) | {network["far"]}
    assert scope.named == set(scope.trust_ids)


def test_anonymous_labels():
    assert [anonymous_label(i) for i in (0, 1, 25, 26, 27)] == ["Trust A", "Trust B", "Trust Z", "Trust AA", "Trust AB"]
