"""The programme's measures in the network view: counted in the database (letter_measure + GROUP BY)
they equal what audit_app.scoring.qi_measures computes from the same letters one by one; a
corrected letter is recomputed; proportions get a funnel, rates and medians a league table and
trends; all of it in the collated report and the feedback page, anonymised like the standards."""
from __future__ import annotations

import datetime as dt
import io
import math
import random
import zipfile

import pytest

from audit_app import network as nw
from audit_app import services
from audit_app.access import AccessContext
from audit_app.scoring import programme_measures, qi_measures
from audit_app.standards import evaluate_letter
from tests.network.conftest import LEAD, MEMBER
from tests.standards.test_standards_auditor import co, letter, mst, rx

net = services.network

# Letter shapes the measures tell apart: high and low doses, an incomplete OME, MR starts,
# escalation and reduction of a pre-admission opioid, tramadol with an SSRI, no opioid, palliative.
SHAPES = {
    "low": lambda: letter([rx(ome_mg_per_day=30.0)]),
    "high": lambda: letter([rx(ome_mg_per_day=150.0)]),
    "ninety": lambda: letter([rx(ome_mg_per_day=90.0)]),
    "incomplete": lambda: letter([rx(ome_mg_per_day=None), rx(ome_mg_per_day=100.0)]),
    "mr_start": lambda: letter([rx(formulation="MR", ome_mg_per_day=40.0)]),
    "continued": lambda: letter([mst()]),
    "escalated": lambda: letter([mst(status="changed", dose_change="increased", previous_dose_mg=20,
                                     ome_mg_per_day=60.0)]),
    "reduced": lambda: letter([mst(dose_change="reduced", previous_dose_mg=90, dose_mg_max=60, ome_mg_per_day=120.0)]),
    "tramadol_ssri": lambda: letter([rx(generic="tramadol", text="Tramadol 50 mg", ome_mg_per_day=20.0)],
                                    co_prescriptions=[co("sertraline", "ssri_snri")]),
    "none": lambda: letter([]),
}
WEIGHTS = {"Northgate": [3, 1, 2, 1, 1, 2, 1, 1, 1, 2], "Southmoor": [1, 4, 2, 1, 2, 1, 2, 1, 1, 1],
           "Westford": [4, 1, 1, 1, 1, 3, 1, 1, 2, 1]}


def _letters(rnd: random.Random, trust: str, n: int) -> list[dict]:
    out = []
    for i in range(n):
        shape = rnd.choices(list(SHAPES), weights=WEIGHTS[trust])[0]
        record = {"letter_id": f"{trust[:1]}{i}"}
        if rnd.random() < 0.05:
            record["palliative"] = "yes"
        x = SHAPES[shape]()
        out.append({"record": record, "extraction": x,
                    "standard_results": [r.to_dict() for r in evaluate_letter(record, x)]})
    return out


@pytest.fixture
def measures_store(store):
    rnd = random.Random(7)
    ids = {}
    for name in WEIGHTS:
        tid = store.create_trust(name).id
        ids[name] = tid
        for m in range(3):
            start = dt.date(2024, m + 1, 1)
            rid = store.save_round(tid, f"{name} {start:%b}", _letters(rnd, name, 25 + 5 * m), period_start=start,
                                   period_end=start.replace(day=28))
            if m != 1:   # one round without its number of discharges: no rate for it
                store.update_round(rid, discharges=200 + 50 * m)
    nid = store.create_network("Measures network", list(ids.values())).id
    store.grant_network(LEAD, nid)
    store.grant_access(MEMBER, ids["Northgate"])
    return store, ids, nid


def _scope(store, email, nid):
    acc = AccessContext.single_user() if email is None else AccessContext.for_user(store, email)
    return net.network_scope(store, acc, nid)


def _expected(store, ids) -> dict[tuple[int, str], tuple]:
    """(round id, measure id) -> (numerator, denominator, value) from scoring.qi_measures, letter by letter."""
    out = {}
    for tid in ids.values():
        for rnd in store.list_rounds(tid):
            m = qi_measures([(rnd, store.letters(rnd.id))])
            for row in m.itertuples():
                out[(rnd.id, row.measure_id)] = (row.numerator, row.denominator, row.value)
    return out


def _check_equal(store, ids, data) -> int:
    expected = _expected(store, ids)
    checked = 0
    for mid, spec in programme_measures().items():
        std = data.standard(mid)
        for tid in ids.values():
            for rnd in data.rounds[tid]:
                k, n, value = expected[(rnd.id, mid)]
                v, kk, nn = nw.period_value_of(data, std, [rnd])
                if spec["kind"] == "median":
                    assert nn == n, (mid, rnd.label)
                    assert (math.isnan(v) and math.isnan(value)) or v == pytest.approx(value, abs=1e-9)
                elif spec["kind"] == "rate":
                    if rnd.discharges:
                        assert (kk, nn) == (k, n) and v == pytest.approx(value, abs=1e-9), (mid, rnd.label)
                    else:
                        assert math.isnan(v) and math.isnan(value)
                else:
                    assert (kk, nn) == (k, n), (mid, rnd.label)
                checked += 1
    return checked


def test_database_counts_equal_the_letter_by_letter_measures(measures_store):
    store, ids, nid = measures_store
    scope = _scope(store, LEAD, nid)
    data = net.network_data(store, scope)
    assert _check_equal(store, ids, data) == 9 * len(programme_measures())
    # the shapes really exercise the measures (not all zeros)
    d = data.measure_counts
    for mid in ("high_dose_90", "high_dose_120", "new_mr", "escalation", "high_dose_reduced",
                "flag_tramadol_ssri_snri", "referral_prompt"):
        assert sum(k for k, _ in d[mid].values()) > 0, mid
    # a second load computes nothing again
    assert net.refresh_letter_measures(store, scope.trust_ids) == 0


def test_corrected_letter_is_recomputed(measures_store):
    store, ids, nid = measures_store
    scope = _scope(store, LEAD, nid)
    net.network_data(store, scope)
    rnd = store.list_rounds(ids["Westford"])[-1]
    target = next(lt for lt in store.letters(rnd.id)
                  if lt.extraction and lt.extraction["opioids"] and lt.extraction["opioids"][0]["ome_mg_per_day"] == 30.0)
    store.correct_letter(target.id, "extraction.opioids.0.ome_mg_per_day", 300.0, reason="misread dose",
                         user="tester", expected_version=target.version)
    assert net.refresh_letter_measures(store, scope.trust_ids) == 1
    data = net.network_data(store, scope)
    _check_equal(store, ids, data)


def test_proportions_funnel_rates_and_medians_league(measures_store):
    store, ids, nid = measures_store
    scope = _scope(store, LEAD, nid)
    data = net.network_data(store, scope, "high_dose_90")
    view = net.funnel_view(data, "high_dose_90")
    assert view.figure is not None and view.n_trusts == 3
    pts = nw.funnel_for(data, "high_dose_90").result.points
    assert set(pts["label"]) == set(WEIGHTS)
    # a rare event is drawn on a closer scale than 0-100%, with every point and its limits in view
    rare = net.funnel_view(data, "flag_tramadol_ssri_snri").figure.layout.yaxis.range
    pts = nw.funnel_for(data, "flag_tramadol_ssri_snri").result.points
    assert rare[1] < 0.5 and rare[1] > max(pts["value"].max(), pts["ucl998"].max())
    from qi.figures import funnel_y_range
    from qi.funnel import funnel

    assert funnel_y_range(funnel([60, 70, 40], [100, 100, 80])) == [-0.02, 1.05]
    assert funnel_y_range(funnel([0, 0], [50, 60]))[1] == pytest.approx(0.05)   # nothing at all: still a scale
    # median and rate: no funnel, said why; league with value and n
    data = net.network_data(store, scope, "median_ome")
    view = net.funnel_view(data, "median_ome")
    assert view.figure is None and "not a proportion" in view.notes[0]
    table = net.league_view(data, "median_ome")
    assert list(table.columns) == net.VALUE_LEAGUE_SHOWN and len(table) == 3
    assert all("median of" in v for v in table["value"])
    data = net.network_data(store, scope, "items_per_100")
    table = net.league_view(data, "items_per_100", period="2024-02")   # the rounds without discharges
    assert set(table["value"]) == {"number of discharges not entered"}
    table = net.league_view(data, "items_per_100")
    assert all("per 100 discharges" in v for v in table["value"])
    tv = net.trends_view(data, "items_per_100")
    assert tv.n_trusts == 3 and "per 100 discharges" in tv.figure.layout.title.text
    # the Feb rounds have no rate: a gap, not a zero
    assert all(len(p.result.points) == 2 for p in nw.trend_panels(data, "items_per_100"))


def test_measures_in_report_and_feedback_anonymised_for_a_member(measures_store):
    store, ids, nid = measures_store
    scope = _scope(store, MEMBER, nid)
    data = net.network_data(store, scope, "high_dose_120")
    labels = set(nw.funnel_for(data, "high_dose_120").result.points["label"])
    assert "Northgate" in labels and not labels & {"Southmoor", "Westford"}
    built = net.collated_report(store, scope, slides=True, charts=False)
    with zipfile.ZipFile(io.BytesIO(built.workbook)) as z:
        xml = " ".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    for words in ("Opioid letters with OME &gt;= 90 mg/day", "Median discharge OME", "Opioid items per 100 discharges"):
        assert words in xml, words
    assert "Southmoor" not in xml and "Westford" not in xml
    page = net.trust_feedback(store, scope, ids["Northgate"])
    with zipfile.ZipFile(io.BytesIO(page)) as z:
        slide = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("ppt/slides/slide"))
    assert "Median discharge OME" in slide and "(network " in slide
    assert "Feedback for Northgate: programme measures" in slide   # a page of their own
