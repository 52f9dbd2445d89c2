"""One rule for "the previous round" (store.previous_round): the Compliance page and the Excel
report compare a round with the same earlier round, skipping rounds with no letters."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl

from audit_app import services
from audit_app.report import build_round_report_from_store
from audit_app.store import previous_round


def test_page_and_report_compare_with_the_same_round_skipping_empty_ones(store, dev_letters, add_round):
    single = services.single_user()
    t = services.create_trust(store, single, "Trust Ä")
    letters = [l for l in dev_letters if l["gold"]["opioids"]]
    r1 = add_round(single, t.id, "Spring", letters[:5], dt.date(2026, 1, 5))
    scope = services.TrustScope.check(store, single, t.id)
    services.create_round(scope, "Summer (not audited)", dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    r3 = add_round(single, t.id, "Autumn", letters[5:10], dt.date(2026, 9, 1))
    rounds = store.list_rounds(t.id)
    assert previous_round(rounds, r3).id == r1
    assert previous_round(rounds, r1) is None
    assert services.compliance(scope, r3).previous_label == "Spring"
    data = build_round_report_from_store(store, t.id, r3, charts=False)
    heading = openpyxl.load_workbook(io.BytesIO(data))["Comparison"]["A1"].value
    assert heading.startswith("Autumn compared with Spring")
