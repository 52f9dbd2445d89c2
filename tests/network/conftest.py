"""A small network in a store: five trusts, three monthly rounds each, results for OD-01 and OD-04;
'Low Vale' is the low outlier on OD-04, 'Empty Fields' has no eligible letter for OD-04 in its latest
round. Letter text carries a marker and an NHS number so reports can be checked for leaks."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from audit_app.store import Store

LEAD, MEMBER, OUTSIDER = "lead@network.nhs.uk", "pharm@northgate.nhs.uk", "pharm@far.nhs.uk"
MARKER = "LEAKMARKER-Zqx"
NHS_NUMBER = "943 476 5919"
TRUSTS = ["Northgate", "Southmoor", "Low Vale", "Eastbrook", "Empty Fields"]
OD04_P = {"Northgate": 0.7, "Southmoor": 0.65, "Low Vale": 0.15, "Eastbrook": 0.72, "Empty Fields": 0.68}


def _letters(rnd: random.Random, p: float, n: int, no_od04: bool) -> list[dict]:
    out = []
    for i in range(n):
        od04 = "not_applicable" if no_od04 else ("met" if rnd.random() < p else "not_met")
        out.append({"record": {"letter_id": f"L{i}", "nhs_number": NHS_NUMBER},
                    "text": f"Discharge letter {MARKER} NHS {NHS_NUMBER}: oxycodone 5 mg PRN",
                    "standard_results": [
                        {"standard_id": "OD-04", "outcome": od04, "exclusion_code": "NO_OPIOID" if no_od04 else None,
                         "evidence": []},
                        {"standard_id": "OD-01", "outcome": "met" if rnd.random() < 0.8 else "not_met",
                         "exclusion_code": None, "evidence": []}]})
    return out


def build_network(store: Store, *, letters: int = 60) -> dict:
    rnd = random.Random(16)
    ids = {}
    for name in TRUSTS:
        tid = store.create_trust(name).id
        ids[name] = tid
        for m in range(3):
            start = dt.date(2024, m + 1, 1)
            store.save_round(tid, f"{name} round {m + 1}", _letters(rnd, OD04_P[name], letters,
                                                             no_od04=(name == "Empty Fields" and m == 2)),
                             period_start=start, period_end=start.replace(day=28))
    store.save_pdsa_cycle(ids["Northgate"], {"cycle_no": 1, "change_idea": "Weaning plan prompt",
                                             "date_start": "2024-02-01", "measures_linked": ["OD-04"]})
    store.save_pdsa_cycle(ids["Southmoor"], {"cycle_no": 1, "change_idea": "Southmoor secret idea",
                                             "date_start": "2024-02-10"})
    far = store.create_trust("Far Away").id
    store.save_round(far, "Jan 2024", _letters(rnd, 0.5, 10, False), period_start=dt.date(2024, 1, 1))
    net = store.create_network("North network", [ids[n] for n in TRUSTS])
    other = store.create_network("Far network", [far])
    store.grant_network(LEAD, net.id)
    store.grant_access(MEMBER, ids["Northgate"])
    store.grant_access(OUTSIDER, far)
    return dict(trusts=ids, far=far, network_id=net.id, other_id=other.id)


@pytest.fixture
def network_store(store):
    return store, build_network(store)
