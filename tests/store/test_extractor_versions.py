"""The store records which extractor (nlp.version) read every letter of a round."""
from __future__ import annotations

import nlp
from audit_app import importing


def test_every_stored_extraction_names_its_extractor(store, rounds_dir):
    t = store.create_trust("Trust V")
    prepared = importing.prepare_import(rounds_dir / "trust_a_round2.xlsx", trust_id=t.id, store=store)
    rid = importing.accept_import(store, prepared, trust_id=t.id, label="R2")
    counts = store.extractor_versions(rid)
    assert set(counts) == {nlp.__version__} and counts[nlp.__version__] == sum(1 for e in prepared.extractions if e)
