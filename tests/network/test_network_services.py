"""The network services over a real store: who sees what, the funnel, trends, league table, the
collated report and a trust's feedback page (no letter text or identifier in either file)."""
from __future__ import annotations

import io
import zipfile

import pytest

from audit_app import services
from audit_app.access import AccessContext, AccessDenied
from tests.network.conftest import LEAD, MARKER, MEMBER, NHS_NUMBER, OUTSIDER

net = services.network


def _scope(store, email, network_id):
    acc = AccessContext.single_user() if email is None else AccessContext.for_user(store, email)
    return net.network_scope(store, acc, network_id)


def test_lead_funnel_names_the_low_outlier_and_empty_trust(network_store):
    store, ids = network_store
    scope = _scope(store, LEAD, ids["network_id"])
    data = net.network_data(store, scope, "OD-04")
    view = net.funnel_view(data, "OD-04")
    text = " ".join(view.sentences)
    assert "Low Vale" in text and "below the 99.8% limit" in text
    assert "Empty Fields: no eligible letters" in text
    outside = [t for t in view.figure.data if t.name == "trusts outside the limits"]
    assert outside and "Low Vale" in list(outside[0].text)
    # the additive random-effects option reports tau2 and phi
    view = net.funnel_view(data, "OD-04", overdispersion="additive")
    assert "phi =" in view.overdispersion and "tau" in view.overdispersion


def test_league_table_is_not_ranked_by_percentage(network_store):
    store, ids = network_store
    scope = _scope(store, LEAD, ids["network_id"])
    data = net.network_data(store, scope, "OD-04")
    table = net.league_view(data, "OD-04")
    assert "rank" not in [c.lower() for c in table.columns]
    assert table["trust"].iloc[0] == "Low Vale"                      # worst side of the funnel first
    assert table["trust"].iloc[-1] == "Empty Fields"                 # no eligible letters last, never 0%
    assert table["n/N"].iloc[-1] == "no eligible letters" and table["%"].isna().iloc[-1]
    assert set(table.columns) >= {"95% CI", "95% CI of change", "variation", "assurance"}
    by_name = net.league_view(data, "OD-04", sort="name")
    assert list(by_name["trust"]) == sorted(by_name["trust"])
    with pytest.raises(services.ServiceError):
        net.league_view(data, "OD-04", sort="%")


def test_member_sees_own_trust_named_others_anonymised(network_store):
    store, ids = network_store
    scope = _scope(store, MEMBER, ids["network_id"])
    data = net.network_data(store, scope, "OD-04")
    names = [t.name for t in data.trusts]
    assert names == ["Northgate", "Trust B", "Trust C", "Trust D", "Trust E"]
    view = net.funnel_view(data, "OD-04")
    assert "Trust C" in " ".join(view.sentences) and "Low Vale" not in " ".join(view.sentences)
    trends = net.trends_view(data, "OD-04")
    hover = " ".join(str(getattr(t, "hovertext", "") or "") for t in trends.figure.data)
    assert "Southmoor secret idea" not in hover and "Southmoor" not in hover
    assert net.feedback_trusts(scope) == [ids["trusts"]["Northgate"]]
    with pytest.raises(AccessDenied):
        net.trust_feedback(store, scope, ids["trusts"]["Low Vale"])


def test_user_of_another_network_sees_none(network_store):
    store, ids = network_store
    acc = AccessContext.for_user(store, OUTSIDER)
    assert list(net.visible_networks(store, acc).values()) == ["Far network"]
    with pytest.raises(AccessDenied):
        net.network_scope(store, acc, ids["network_id"])
    with pytest.raises(services.ServiceError):
        net.network_by_name(store, acc, "North network")


def _texts(blob: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_collated_report_and_feedback_hold_no_letter_text(network_store):
    store, ids = network_store
    scope = _scope(store, None, ids["network_id"])
    built = net.collated_report(store, scope, charts=False)
    xml = _texts(built.workbook) + _texts(built.slides)
    assert MARKER not in xml and NHS_NUMBER not in xml and NHS_NUMBER.replace(" ", "") not in xml
    assert "Low Vale" in xml and "Feedback Northgate" in xml and "no eligible letters" in xml
    fb = net.trust_feedback(store, scope, ids["trusts"]["Northgate"])
    fb_xml = _texts(fb)
    assert "Feedback for Northgate" in fb_xml and "Weaning plan prompt" in fb_xml and MARKER not in fb_xml
    assert "Low Vale" not in fb_xml   # one trust's feedback names no other trust


def test_member_report_is_anonymised(network_store):
    store, ids = network_store
    scope = _scope(store, MEMBER, ids["network_id"])
    built = net.collated_report(store, scope, charts=False, slides=False)
    xml = _texts(built.workbook)
    assert "Northgate" in xml and "Trust C" in xml
    for other in ("Southmoor", "Low Vale", "Eastbrook", "Empty Fields", "secret idea"):
        assert other not in xml


def test_network_by_name_and_default_network(network_store):
    store, ids = network_store
    single = AccessContext.single_user()
    assert net.network_by_name(store, single, "north NETWORK").network_id == ids["network_id"]
    everyone = net.network_by_name(store, single, "All trusts")
    assert len(everyone.trust_ids) == 6


def test_periods(network_store):
    store, ids = network_store
    scope = _scope(store, LEAD, ids["network_id"])
    data = net.network_data(store, scope, "OD-04")
    periods = net.period_options(data)
    assert list(periods)[:2] == ["latest", "2024-03"]
    jan = net.funnel_view(data, "OD-04", period="2024-01")
    assert "Empty Fields" not in " ".join(jan.sentences)   # it had eligible letters in January
    with pytest.raises(services.ServiceError):
        net.period_value("March")


def test_lead_adds_and_removes_a_trust_member_cannot(network_store):
    store, ids = network_store
    nid = ids["network_id"]
    assert net.addable_trusts(store, AccessContext.for_user(store, LEAD), nid) == {}   # no trust of their own
    store.grant_access(LEAD, ids["far"])          # a lead adds only a trust they have access to
    lead = AccessContext.for_user(store, LEAD)
    assert net.addable_trusts(store, lead, nid) == {ids["far"]: "Far Away"}
    assert "Far Away added to North network" in net.add_network_trust(store, lead, nid, ids["far"])
    assert ids["far"] in _scope(store, LEAD, nid).trust_ids
    with pytest.raises(services.ServiceError, match="already in"):
        net.add_network_trust(store, lead, nid, ids["far"])
    msg = net.remove_network_trust(store, lead, nid, ids["trusts"]["Eastbrook"])
    assert "Eastbrook removed from North network" in msg
    assert ids["trusts"]["Eastbrook"] not in store.get_network(nid).trust_ids
    assert store.list_rounds(ids["trusts"]["Eastbrook"])    # its rounds stay
    # a member trust's user may not change the network, nor see what could be added
    member = AccessContext.for_user(store, MEMBER)
    assert net.addable_trusts(store, member, nid) == {}
    with pytest.raises(AccessDenied):
        net.remove_network_trust(store, member, nid, ids["trusts"]["Southmoor"])
    with pytest.raises(AccessDenied):
        net.add_network_trust(store, member, nid, ids["trusts"]["Eastbrook"])
    # nor a user of another network; and a lead cannot add a trust they cannot see
    outsider = AccessContext.for_user(store, OUTSIDER)
    with pytest.raises(AccessDenied):
        net.remove_network_trust(store, outsider, nid, ids["trusts"]["Southmoor"])
    store.revoke_access(LEAD, ids["far"])
    net.remove_network_trust(store, lead, nid, ids["far"])
    with pytest.raises(AccessDenied):
        net.add_network_trust(store, AccessContext.for_user(store, LEAD), nid, ids["far"])
    assert ids["far"] not in store.get_network(nid).trust_ids


def test_single_user_manages_stored_networks_not_the_default(network_store):
    store, ids = network_store
    acc = AccessContext.single_user()
    with pytest.raises(services.ServiceError, match="every trust cannot be changed"):
        net.add_network_trust(store, acc, net.default_network_id(), ids["far"])
    assert not net.may_manage(_scope(store, None, net.default_network_id()))
    assert net.may_manage(_scope(store, None, ids["other_id"]))
    assert set(net.addable_trusts(store, acc, ids["other_id"])) == set(ids["trusts"].values())
    net.add_network_trust(store, acc, ids["other_id"], ids["trusts"]["Northgate"])
    assert store.get_network(ids["other_id"]).trust_ids == (ids["far"], ids["trusts"]["Northgate"])
