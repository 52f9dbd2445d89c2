"""The services behind the pages, without a browser: access checks, tables, evidence, corrections."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audit_app import services
from audit_app.services import AccessDenied, ServiceError
from audit_app.ui import evidence, figures


@pytest.fixture
def alice(store):
    return services.access_for_user(store, "Alice@A.nhs.uk")


@pytest.fixture
def bob(store):
    return services.access_for_user(store, "bob@b.nhs.uk")


def test_signed_in_user_sees_only_their_trust(store, two_trusts, alice, bob):
    assert [t.name for t in services.visible_trusts(store, alice)] == ["Trust A"]
    assert [t.name for t in services.visible_trusts(store, bob)] == ["Trust B"]
    assert {t.name for t in services.visible_trusts(store, services.single_user())} == {"Trust A", "Trust B"}
    nobody = services.access_for_user(store, "eve@elsewhere.org")
    assert services.visible_trusts(store, nobody) == []


def test_no_service_call_reads_another_trusts_data(store, two_trusts, alice):
    a, b, rb = two_trusts["a"], two_trusts["b"], two_trusts["rb"]
    b_letter = store.letters(rb)[0].id
    calls = [
        lambda: services.letters_table(services.TrustScope.check(store, alice, b), rb),
        lambda: services.letters_table(services.TrustScope.check(store, alice, a), rb),       # trust A's id, trust B's round
        lambda: services.TrustScope.check(store, alice, a).letter(b_letter),
        lambda: services.TrustScope.check(store, alice, b).letter(b_letter),
        lambda: services.apply_correction(services.TrustScope.check(store, alice, a), b_letter, "record.weaning_plan", "yes", "r", "alice", 1),
        lambda: services.letter_corrections(services.TrustScope.check(store, alice, a), b_letter),
        lambda: services.rounds_table(services.TrustScope.check(store, alice, b)),
        lambda: services.list_pdsa(services.TrustScope.check(store, alice, b)),
        lambda: services.save_pdsa(services.TrustScope.check(store, alice, b), {"cycle_no": 1, "change_idea": "x", "date_start": "2026-01-01"}),
        lambda: services.standards_table(services.TrustScope.check(store, alice, b)),
        lambda: services.delete_round(services.TrustScope.check(store, alice, a), rb, "not mine"),
        lambda: services.delete_trust(services.TrustScope.check(store, alice, b)),
        lambda: services.rename_trust(services.TrustScope.check(store, alice, b), "Mine now"),
        lambda: services.trust_users(services.TrustScope.check(store, alice, b)),
        lambda: services.grant_trust(services.TrustScope.check(store, alice, b), "alice@a.nhs.uk"),   # granting herself trust B
        lambda: services.revoke_trust(services.TrustScope.check(store, alice, b), "bob@b.nhs.uk"),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    assert store.get_round(rb).n_letters == 6  # nothing was deleted
    assert store.get_trust(b).name == "Trust B"


def test_cached_reads_never_leak_between_trusts(store, two_trusts, alice, bob):
    """The Streamlit cache wrappers key on the trust and the caller's access, and a page's scope
    (built only by checking) is what reaches them."""
    from audit_app.ui import common

    common.clear_caches()
    mine = common.letters_table(services.TrustScope.check(store, alice, two_trusts["a"]), two_trusts["ra1"])
    assert len(mine) == 6
    theirs = common.letters_table(services.TrustScope.check(store, bob, two_trusts["b"]), two_trusts["rb"])
    assert set(theirs["Letter"]).isdisjoint(mine["Letter"])
    with pytest.raises(AccessDenied):  # alice gets no scope of bob's trust, so never his cached table
        services.TrustScope.check(store, alice, two_trusts["b"])
    with pytest.raises(AccessDenied):  # nor one made by hand
        services.TrustScope(store, alice, store.get_trust(two_trusts["b"]))
    with pytest.raises(AccessDenied):
        common.letters_table(services.TrustScope.check(store, alice, two_trusts["a"]), two_trusts["rb"])
    common.clear_caches()


def test_letters_table_has_one_row_per_letter(store, two_trusts):
    single = services.single_user()
    table = services.letters_table(services.TrustScope.check(store, single, two_trusts["a"]), two_trusts["ra1"])
    assert len(table) == 6
    assert {"Letter", "Opioids", "OME mg/day", "OD-04"} <= set(table.columns)
    assert table["Opioids"].str.len().min() > 0
    assert set(table["OD-04"]) <= set(services.OUTCOME_SYMBOLS.values()) | {""}


def test_evidence_html_marks_spans_and_escapes_everything():
    text = "Allergies: codeine <rash>\nOxycodone 5mg QDS PRN, stop after 5 days & see GP"
    ext = {"opioids": [{"generic": "oxycodone", "span": [26, 47], "spans": {"generic": [26, 35], "dose": [36, 39]}}],
           "weaning_plan": {"present": True, "span": [49, 66]},
           "distractors": [{"reason": "allergy", "span": [11, 18]}]}
    out = evidence.evidence_html(text, ext)
    assert "&lt;rash&gt;" in out and "<rash>" not in out
    assert "&amp; see GP" in out
    assert '<mark class="ev-drug"' in out and ">Oxycodone</mark>" in out
    assert '<mark class="ev-dose"' in out and ">5mg</mark>" in out
    assert '<mark class="ev-excluded" title="excluded: allergy"' in out and ">codeine</mark>" in out
    assert '<mark class="ev-weaning"' in out
    assert evidence.evidence_html(None, None).startswith("<p>")
    # spans out of range or malformed are ignored, never an error
    assert "mark" not in evidence.evidence_html("abc", {"opioids": [{"span": [5, 2]}, {"span": "x"}]})


def test_correction_is_stored_with_reason_and_changes_the_score(store, two_trusts):
    single = services.single_user()
    a, ra1 = two_trusts["a"], two_trusts["ra1"]
    target = None
    for l in store.letters(ra1):
        if services.letter_outcome(l.standard_results, "OD-04") == "not_met":
            target = l
            break
    assert target is not None, "fixture round should have a letter failing OD-04"
    scope = services.TrustScope.check(store, single, a)
    res = services.apply_correction(scope, target.id, "extraction.weaning_plan.present", "yes",
                                    "plan is in the GP section", "pharmacist", target.version)
    assert ("OD-04", "not_met", "met") in res.changes
    after = store.get_letter(target.id)
    assert after.version == target.version + 1
    assert services.letter_outcome(after.standard_results, "OD-04") == "met"
    hist = services.letter_corrections(scope, target.id)
    assert list(hist["Reason"]) == ["plan is in the GP section"]
    assert hist["When"].iloc[0]
    # a stale version is refused with a message, nothing saved
    with pytest.raises(ServiceError, match="changed by someone else"):
        services.apply_correction(scope, target.id, "extraction.weaning_plan.present", "no",
                                  "oops", "pharmacist", target.version)
    with pytest.raises(ServiceError, match="reason"):
        services.apply_correction(scope, target.id, "record.weaning_plan", "yes", " ", "p",
                                  after.version)
    with pytest.raises(ServiceError, match="number"):
        services.apply_correction(scope, target.id, "record.days_supplied", "lots", "r", "p",
                                  after.version)
    assert store.get_letter(target.id).version == after.version


def test_trusts_and_rounds_lifecycle(store):
    single = services.single_user()
    t = services.create_trust(store, single, "Northshire", "RXX")
    with pytest.raises(ServiceError):
        services.create_trust(store, single, "Northshire")
    rid = services.create_round(services.TrustScope.check(store, single, t.id), "Baseline", dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    with pytest.raises(ServiceError, match="ends before"):
        services.create_round(services.TrustScope.check(store, single, t.id), "Bad", dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    table = services.rounds_table(services.TrustScope.check(store, single, t.id))
    assert list(table["Round"]) == ["Baseline"] and table["Standards version"].iloc[0] == "version 1"
    services.update_round(services.TrustScope.check(store, single, t.id), rid, label="Round 1")
    services.rename_trust(services.TrustScope.check(store, single, t.id), "Northshire NHS FT")
    assert store.get_trust(t.id).name == "Northshire NHS FT"
    with pytest.raises(ServiceError, match="say why"):
        services.delete_round(services.TrustScope.check(store, single, t.id), rid)
    services.delete_round(services.TrustScope.check(store, single, t.id), rid, "created by mistake")
    assert services.list_rounds(services.TrustScope.check(store, single, t.id)) == []
    assert store.deleted_rounds(t.id)[0]["reason"] == "created by mistake"
    services.delete_trust(services.TrustScope.check(store, single, t.id))
    assert services.visible_trusts(store, single) == []


def test_signed_in_user_gets_access_to_the_trust_they_create(store):
    carol = services.access_for_user(store, "carol@c.nhs.uk")
    t = services.create_trust(store, carol, "Trust C")
    assert [x.id for x in services.visible_trusts(store, services.access_for_user(store, "carol@c.nhs.uk"))] == [t.id]


def test_a_member_gives_and_removes_a_colleagues_access(store, two_trusts, alice):
    a = two_trusts["a"]
    scope = services.TrustScope.check(store, alice, a)
    assert services.trust_users(scope) == ["alice@a.nhs.uk"]
    assert services.grant_trust(scope, "  Dan@A.nhs.uk ") == "dan@a.nhs.uk"
    dan = services.access_for_user(store, "dan@a.nhs.uk")
    assert [t.id for t in services.visible_trusts(store, dan)] == [a]
    assert services.trust_users(scope) == ["alice@a.nhs.uk", "dan@a.nhs.uk"]
    with pytest.raises(ServiceError, match="not an e-mail address"):
        services.grant_trust(scope, "dan")
    with pytest.raises(ServiceError, match="your own access"):
        services.revoke_trust(scope, "ALICE@a.nhs.uk")
    with pytest.raises(ServiceError, match="no access"):
        services.revoke_trust(scope, "eve@a.nhs.uk")
    services.revoke_trust(scope, "dan@a.nhs.uk")
    assert services.visible_trusts(store, services.access_for_user(store, "dan@a.nhs.uk")) == []
    assert services.trust_users(scope) == ["alice@a.nhs.uk"]


def test_pdsa_cycles_are_validated_saved_and_filtered_by_measure(store):
    single = services.single_user()
    t = services.create_trust(store, single, "T")
    scope = services.TrustScope.check(store, single, t.id)
    with pytest.raises(ServiceError, match="change_idea"):
        services.save_pdsa(scope, {"cycle_no": 1, "date_start": dt.date(2026, 2, 1)})
    cid = services.save_pdsa(scope, {
        "cycle_no": 1, "change_idea": "TTO template", "date_start": dt.date(2026, 2, 1), "act": "adopt",
        "prediction": "OD-04 to 60%", "measures_linked": ["OD-04"]})
    services.save_pdsa(scope, {"cycle_no": 2, "change_idea": "TTO template v2",
                               "date_start": dt.date(2026, 3, 1), "measures_linked": ["median_ome"]})
    services.save_pdsa(scope, {"cycle_no": 1, "change_idea": "TTO template",
                               "date_start": dt.date(2026, 2, 2), "act": "adapt",
                               "measures_linked": ["OD-04"]}, cycle_id=cid)
    table = services.pdsa_table(scope)
    assert len(table) == 2 and table["Act"].iloc[0] == "adapt"
    assert "02/02/2026" in set(table.iloc[:, 3]) | set(table.iloc[:, 2]) | set(table.iloc[:, 4])  # UK dates
    assert not table.drop(columns=["id"]).isin(["None", None]).any().any()  # blank, never 'None'
    assert [c.cycle_no for c in services.pdsa_cycles(scope, "OD-04")] == [1]
    assert len(services.pdsa_cycles(scope)) == 2


def test_standards_changes_create_a_new_version(store):
    single = services.single_user()
    t = services.create_trust(store, single, "T")
    scope = services.TrustScope.check(store, single, t.id)
    table = services.standards_table(scope)
    assert "OD-04" in set(table["Standard"]) and table["Sources"].str.len().min() > 0
    params = services.standards_parameters(scope)
    edited = table.copy()
    edited.loc[edited["Standard"] == "OD-04", "Target %"] = 90.0
    edited.loc[edited["Standard"] == "OD-01", "On"] = False
    p2 = params.copy()
    p2.loc[p2["Parameter"] == "supply_limit_days", "Value"] = "5"
    v = services.save_standards(scope, edited, p2)
    assert v == 2
    _, cfg = services.current_standards(scope)
    assert cfg.target_pct("OD-04") == 90 and not cfg.is_enabled("OD-01") and cfg.param("supply_limit_days") == 5
    with pytest.raises(ServiceError, match="nothing changed"):
        services.save_standards(scope, services.standards_table(scope))
    p2.loc[p2["Parameter"] == "supply_limit_days", "Value"] = "-3"
    with pytest.raises(ServiceError, match="supply_limit_days"):
        services.save_standards(scope, edited, p2)
    assert services.standards_versions(scope) == [2, 1]


def test_compliance_per_standard_with_interval_and_comparisons(store, two_trusts):
    single = services.single_user()
    view = services.compliance(services.TrustScope.check(store, single, two_trusts["a"]), two_trusts["ra2"])
    assert "OD-04" in set(view.summary["Standard"])
    row = view.summary.set_index("Standard").loc["OD-04"]
    assert 0 <= row["Compliance %"] <= 100 and " to " in row["95% CI"] and row["Target"] == "100%"
    assert view.previous_label == "Round 1"
    assert not view.rounds.empty and view.rounds["sentence"].str.len().min() > 0
    # single-user mode sees Trust B too; alice (trust A only) does not
    assert set(view.trusts["other_trust"]) == {"Trust B"}
    alice = services.access_for_user(store, "alice@a.nhs.uk")
    assert services.compliance(services.TrustScope.check(store, alice, two_trusts["a"]), two_trusts["ra2"]).trusts.empty
    assert list(view.history.columns) == ["Round 1", "Round 2"]


@pytest.mark.parametrize("chart_type", ["run", "p", "i", "pp"])
def test_chart_draws_pdsa_cycles_and_explains_signals(store, two_trusts, chart_type):
    single = services.single_user()
    a = two_trusts["a"]
    scope = services.TrustScope.check(store, single, a)
    cid = services.save_pdsa(scope, {"cycle_no": 1, "change_idea": "TTO template",
                                     "date_start": dt.date(2026, 3, 1), "measures_linked": ["OD-04"]})
    view = services.chart(scope, "OD-04", grain="round", chart_type=chart_type, rules="anhoej")
    names = [t.name for t in figures.chart_figure(view).data]
    assert "PDSA cycles" in names
    assert view.n_points == 2 and any("10 points" in n for n in view.notes)
    csv = view.data.to_csv(index=False)
    assert "explanation" in csv.splitlines()[0]
    weekly = services.chart(scope, "OD-04", grain="week", chart_type=chart_type, rules="mdc",
                            phase_cycle_id=cid)
    assert weekly.n_points >= 3 and weekly.data["phase"].nunique() == 2


def test_round_chart_of_overlapping_rounds_says_why_pdsa_cycles_are_not_drawn(store, two_trusts, dev_letters,
                                                                             add_round):
    single = services.single_user()
    a = two_trusts["a"]
    scope = services.TrustScope.check(store, single, a)
    services.save_pdsa(scope, {"cycle_no": 1, "change_idea": "TTO template",
                               "date_start": dt.date(2026, 2, 1), "measures_linked": ["OD-04"]})
    view = services.chart(scope, "OD-04")
    assert "PDSA cycles" in [t.name for t in figures.chart_figure(view).data]       # rounds one after another: drawn
    assert any(t.name == "target (100%)" for t in figures.chart_figure(view).data)   # a proportion's target in %
    opioid_letters = [l for l in dev_letters if l["gold"]["opioids"]]
    add_round(single, a, "Round 3", opioid_letters[20:26], dt.date(2026, 1, 10))  # overlaps Rounds 1 and 2
    view = services.chart(scope, "OD-04")
    assert "PDSA cycles" not in [t.name for t in figures.chart_figure(view).data]
    note = next(n for n in view.notes if "periods overlap" in n)
    assert "month of discharge" in note
    monthly = services.chart(scope, "OD-04", grain="month")
    assert "PDSA cycles" in [t.name for t in figures.chart_figure(monthly).data]


def test_chart_refuses_p_chart_for_median_ome_with_a_message(store, two_trusts):
    single = services.single_user()
    scope = services.TrustScope.check(store, single, two_trusts["a"])
    with pytest.raises(ServiceError, match="percentage"):
        services.chart(scope, "median_ome", chart_type="p")
    view = services.chart(scope, "median_ome", grain="week", chart_type="i", rules="mdc")
    assert view.n_points >= 2


def test_rescore_preview_then_rescore_makes_one_target_everywhere(store, two_trusts):
    """A target changed on Standards: Compliance keeps the round's scored version until the round
    is re-scored; the preview says what changes; afterwards Compliance and Charts agree."""
    single = services.single_user()
    a, ra2 = two_trusts["a"], two_trusts["ra2"]
    scope = services.TrustScope.check(store, single, a)
    table = services.standards_table(scope)
    table.loc[table["Standard"] == "OD-04", "Target %"] = 55.0
    v2 = services.save_standards(scope, table)
    before = services.compliance(scope, ra2).summary.set_index("Standard")
    assert before.loc["OD-04", "Target"] != "55%"
    preview = services.rescore_preview(scope, ra2, v2)
    assert preview.to_version == v2 and "OD-04" in set(preview.changes["Standard"])
    row = preview.changes.set_index("Standard").loc["OD-04"]
    assert row[f"Target in version {v2}"] == "55%"
    assert services.compliance(scope, ra2).summary.set_index("Standard").loc["OD-04", "Target"] != "55%"
    services.rescore_round(scope, ra2, v2)
    assert store.get_round(ra2).standards_version == v2
    after = services.compliance(scope, ra2).summary.set_index("Standard")
    assert after.loc["OD-04", "Target"] == "55%"
    m = services.measures(scope, "round")
    assert float(m[m["measure_id"] == "OD-04"]["target"].iloc[0]) == 55.0


def test_change_ideas_wording_and_ome_table_for_the_pages(store, two_trusts):
    """Std (issue 13): the Report page's wording list, the Letters page's filled wording and OME table,
    the Standards page's template editing."""
    single = services.single_user()
    a, ra2 = two_trusts["a"], two_trusts["ra2"]
    scope = services.TrustScope.check(store, single, a)
    ideas = services.change_ideas(scope, ra2)
    assert {"OD-03", "OD-04", "OD-08"} <= set(ideas["Standard"])
    assert all("{" not in x for x in ideas["Example"])
    letter = store.letters(ra2)[0]
    table, total = services.letter_ome_table(letter)
    assert list(table.columns)[:4] == ["Opioid", "OME mg/day", "Factor", "Factor source"] and total
    templates = services.standards_templates(scope)
    edited = templates.copy()
    edited.loc[edited["Standard"] == "OD-04", "Wording"] = "{drug}: stop within {days} days (ward template)"
    services.save_standards(scope, services.standards_table(scope),
                            services.standards_parameters(scope), templates=edited)
    again = services.standards_templates(scope)
    assert again.loc[again["Standard"] == "OD-04", "Wording"].iloc[0].endswith("(ward template)")
    edited.loc[edited["Standard"] == "OD-04", "Wording"] = "stop {when}"
    with pytest.raises(services.ServiceError, match="unknown placeholder"):
        services.save_standards(scope, services.standards_table(scope),
                                services.standards_parameters(scope), templates=edited)
