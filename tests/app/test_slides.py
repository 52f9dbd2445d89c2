"""The PowerPoint deck of a round: slides in order, charts as pictures, figures only (no letter
text or identifier), access checked."""
from __future__ import annotations

import datetime as dt
import io
import os

import pytest

from audit_app import services
from audit_app.services import AccessDenied

pptx = pytest.importorskip("pptx")


def _texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def test_deck_has_compliance_then_one_slide_per_measure(store, two_trusts, dev_letters):
    single = services.single_user()
    a, ra2 = two_trusts["a"], two_trusts["ra2"]
    scope = services.TrustScope.check(store, single, a)
    services.save_pdsa(scope, {"cycle_no": 1, "change_idea": "TTO template", "date_start": dt.date(2026, 2, 1),
                               "measures_linked": ["OD-04"]})
    assert services.slide_measures(scope) == ["OD-04", "median_ome"]  # the PDSA's measure first
    data = services.round_slides(scope, ra2, ["OD-04", "median_ome", "OD-05"])
    deck = pptx.Presentation(io.BytesIO(data))
    slides = list(deck.slides)
    assert len(slides) == 1 + 1 + 1 + 3 + 1
    assert "Round 2" in _texts(slides[0]) and "6 letters" in _texts(slides[0])
    assert "Compliance" in slides[1].shapes.title.text
    assert any(line.startswith("OD-04") and "95% CI" in line for line in _texts(slides[1]).splitlines())
    assert "Programme measures" in slides[2].shapes.title.text   # MedSIP measures and safety flags in words
    assert any(line.startswith("Opioid items per 100 discharges: ") for line in _texts(slides[2]).splitlines())
    assert [s.shapes.title.text for s in slides[3:6]] == [
        services.measure_options(scope)[m] for m in ("OD-04", "median_ome", "OD-05")]
    assert "Anhøj" in _texts(slides[-1])
    for s in slides:  # 16:9 slides: every shape on the slide, none squashed
        for sh in s.shapes:
            assert sh.width > 0 and sh.height > 0 and sh.left >= 0 and sh.top >= 0
            assert sh.left + sh.width <= deck.slide_width and sh.top + sh.height <= deck.slide_height
        assert s.shapes.title.width > 0.8 * deck.slide_width  # titles across the wide slide
    everything = "\n".join(_texts(s) for s in slides)
    for letter in dev_letters[:20]:  # no letter text on any slide (opening lines are the most telling)
        first = letter["text"].strip().splitlines()[0]
        assert len(first) < 12 or first not in everything
    if os.path.exists("/usr/bin/chromium"):
        pictures = [sh for s in slides[1:6] for sh in s.shapes if sh.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == 4


def test_deck_of_another_trust_is_refused(store, two_trusts):
    alice = services.access_for_user(store, "alice@a.nhs.uk")
    with pytest.raises(AccessDenied):
        services.round_slides(services.TrustScope.check(store, alice, two_trusts["b"]), two_trusts["rb"], ["OD-04"])
    with pytest.raises(AccessDenied):
        services.round_slides(services.TrustScope.check(store, alice, two_trusts["a"]), two_trusts["rb"], ["OD-04"])


def test_bullet_text_shrinks_to_fit_its_box():
    from pptx.util import Inches

    from audit_app.slides import _fitting_size

    short = ["No signal."]
    assert _fitting_size(short, Inches(4), Inches(5), 14) == 14
    many = [f"OD-{i:02d} A fairly long standard title: 50% (5/10; 95% CI 24% to 76%), target 100%" for i in range(17)]
    size = _fitting_size(many, Inches(4.2), Inches(5.9), 14)
    assert 8 <= size < 12
    assert _fitting_size(many * 20, Inches(4.2), Inches(5.9), 14) == 8  # the floor: still legible


@pytest.mark.parametrize("grain,points", [("round", 1), ("week", 3), ("month", 1)])
def test_deck_charts_by_week_or_month(store, two_trusts, monkeypatch, grain, points):
    """A trust with one round gets one-dot charts by round: week and month are offered as on the Charts page."""
    single = services.single_user()
    monkeypatch.setattr(services.reports, "figure_png", lambda fig: b"")  # counting points, not drawing
    drawn = []
    real = services.reports.chart
    monkeypatch.setattr(services.reports, "chart", lambda *a, **k: drawn.append(real(*a, **k)) or drawn[-1])
    scope = services.TrustScope.check(store, single, two_trusts["b"])
    data = services.round_slides(scope, two_trusts["rb"], ["OD-04"], grain=grain)
    assert drawn and drawn[0].n_points >= points and (grain != "round" or drawn[0].n_points == 1)
    deck = pptx.Presentation(io.BytesIO(data))
    assert services.GRAINS[grain] in _texts(list(deck.slides)[-1])
    with pytest.raises(services.ServiceError):
        services.round_slides(scope, two_trusts["rb"], ["OD-04"], grain="day")
