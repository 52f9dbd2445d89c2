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


def test_extractions_reach_the_store_as_letter_extractions(store, rounds_dir):
    """The import carries nlp's typed LetterExtraction to the store, which keeps nlp's own dict form
    (read back whole by nlp.letter_from_dict); masking changes quoted text, never values or offsets."""
    t = store.create_trust("Trust W")
    prepared = importing.prepare_import(rounds_dir / "trust_a_round2.xlsx", trust_id=t.id, store=store)
    sent = [e for e in prepared.extractions if e is not None]
    assert sent and all(isinstance(e, nlp.LetterExtraction) for e in sent)
    rid = importing.accept_import(store, prepared, trust_id=t.id, label="R2")
    stored = [nlp.letter_from_dict(lt.extraction) for lt in store.letters(rid) if lt.extraction is not None]

    def values(e):
        return ([(o.generic, o.span, o.dose_mg_max, o.supply_days, o.duration_days) for o in e.opioids],
                e.weaning_plan.present, e.weaning_plan.span, e.ome_total_mg_per_day, e.risk_flags)

    assert [values(e) for e in stored] == [values(e) for e in sent]
