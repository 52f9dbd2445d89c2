"""Fixtures for the app tests: rounds built from the dev corpus' gold labels (no extractor needed)."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from audit_app import services
from audit_app.records import AuditRecord


def gold_extraction(letter: dict) -> dict:
    """The gold labels in the shape of `nlp.extract_letter(text).to_dict()` (with spans)."""
    text, gold = letter["text"], copy.deepcopy(letter["gold"])
    for op in gold.get("opioids") or []:
        start = text.find(op.get("text") or "\0")
        if start >= 0:
            op["span"] = [start, start + len(op["text"])]
            name = (op.get("brand") or op.get("generic") or "").lower()
            j = text.lower().find(name, start, start + len(op["text"])) if name else -1
            if j >= 0:
                op["spans"] = {"generic": [j, j + len(name)]}
    for key in ("weaning_plan", "gp_instruction"):
        item = gold.get(key) or {}
        if item.get("text"):
            start = text.find(item["text"])
            if start >= 0:
                item["span"] = [start, start + len(item["text"])]
    for d in gold.get("distractors") or []:
        start = text.find(d.get("text") or "\0")
        if start >= 0:
            d["span"] = [start, start + len(d["text"])]
    gold["ome_total_mg_per_day"] = gold.get("ome_max_mg_per_day")
    return gold


def make_round(store, access, trust_id: int, label: str, letters: list[dict], start: dt.date) -> int:
    version, config = services.current_standards(services.TrustScope.check(store, access, trust_id))
    items = []
    for i, letter in enumerate(letters):
        ext = gold_extraction(letter)
        rec = AuditRecord(letter_id=letter["id"], source_row=i + 2, discharge_date=start + dt.timedelta(days=3 * i),
                          specialty=letter["gold"].get("specialty"), letter_text=letter["text"]).to_dict()
        items.append({"record": rec, "text": letter["text"], "extraction": ext, "comparisons": [],
                      "standard_results": services.score_letter(rec, ext, config, text=letter["text"])})
    return store.save_round(trust_id, label, items, period_start=start,
                            period_end=start + dt.timedelta(days=3 * len(letters)), standards_version=version)


@pytest.fixture
def two_trusts(store, dev_letters):
    """Trust A (two rounds) and Trust B (one round); alice may see only A, bob only B."""
    single = services.single_user()
    a = services.create_trust(store, single, "Trust A")
    b = services.create_trust(store, single, "Trust B")
    opioid_letters = [l for l in dev_letters if l["gold"]["opioids"]]
    ra1 = make_round(store, single, a.id, "Round 1", opioid_letters[:6], dt.date(2026, 1, 5))
    ra2 = make_round(store, single, a.id, "Round 2", opioid_letters[6:12], dt.date(2026, 3, 2))
    rb = make_round(store, single, b.id, "Round 1", opioid_letters[12:18], dt.date(2026, 1, 5))
    store.grant_access("alice@a.nhs.uk", a.id)
    store.grant_access("bob@b.nhs.uk", b.id)
    return {"a": a.id, "b": b.id, "ra1": ra1, "ra2": ra2, "rb": rb}


@pytest.fixture
def add_round(store):
    """make_round for tests that need one more round: add_round(access, trust_id, label, letters, start)."""
    return lambda *args, **kwargs: make_round(store, *args, **kwargs)
