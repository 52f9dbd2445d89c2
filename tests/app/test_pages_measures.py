"""Issue 13 in the app: the Letters page offers the trust's TTO wording and the OME per opioid, the
Compliance page shows the programme's measures in words, the Trusts page takes a round's discharges."""
from __future__ import annotations

from audit_app import services
from audit_app.store import Store
from tests.app.test_pages import _app, _frame, _trust, app_db  # noqa: F401 - app_db is a fixture

LETTERS = [
    "TTO\nOxycodone 5mg capsules 5mg QDS PRN for pain (new), 20 caps\nParacetamol 1g QDS\n",
    "Discharge medications\nMorphine sulfate MR 30mg tablets 30mg twice daily - continued, no change. 56 tablets.\n",
]


def _round_of_letters(url: str) -> tuple[int, int]:
    tid = _trust(url)
    at = _app("import_round")
    at.radio(key="import_kind").set_value("Discharge letters (.txt or pasted)").run()
    at.text_area(key="paste_letters_0").set_value(f"\n{services.LETTER_SEPARATOR}\n".join(LETTERS)).run()
    at.text_input(key="import_label").set_value("Round 1")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = Store(url)
    try:
        (rnd,) = store.list_rounds(tid)
        return tid, rnd.id
    finally:
        store.close()


def test_letter_page_offers_wording_and_ome_and_compliance_shows_measures(app_db):
    tid, rid = _round_of_letters(app_db)
    at = _app("letters")
    assert not at.error, [e.value for e in at.error]
    codes = [c.value for c in at.code]
    assert any("oxycodone 5 mg" in c.lower() and "do not add to repeat" in c.lower() for c in codes), codes
    ome = _frame(at, "Factor source")
    assert list(ome["Opioid"]) == ["oxycodone 5 mg"] and float(ome["OME mg/day"].iloc[0]) == 30.0
    why = _frame(at, "Why")["Why"]
    assert not any(w in ("NO_BZD", "LTOT", "NO_OPIOID") for w in why)
    at = _app("compliance")
    assert not at.error, [e.value for e in at.error]
    measures = _frame(at, "How it is counted")
    row = measures[measures["Measure"] == "Opioid items per 100 discharges"].iloc[0]
    assert row["This round"] == "number of discharges not entered for this round"


def test_trusts_page_takes_the_rounds_discharges(app_db):
    tid, rid = _round_of_letters(app_db)
    at = _app("trusts")
    at.number_input(key="round_discharges").set_value(250)
    next(b for b in at.form_submit_button if b.label == "Save changes").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = Store(app_db)
    try:
        assert store.get_round(rid).discharges == 250
    finally:
        store.close()
    at = _app("compliance")
    measures = _frame(at, "How it is counted")
    row = measures[measures["Measure"] == "Opioid items per 100 discharges"].iloc[0]
    assert row["This round"] == "0.8 per 100 discharges (2/250)"
