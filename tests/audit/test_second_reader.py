"""The extractor as a second reader: agree / disagree / not-comparable, evidence spans, excerpts."""
from __future__ import annotations

import pytest

from audit_app.records import AuditRecord, YesNo
from audit_app.second_reader import AGREE, DISAGREE, NOT_COMPARABLE, compare, drug_generics, summarise
from nlp.extraction import letter_from_dict

LETTER = ("Discharge Summary\nPatient: Mr Test PATIENT  NHS No: 999 000 0001\n"
          "Diagnosis: fractured neck of femur, hemiarthroplasty\n"
          "Discharge medications (TTO):\n"
          "1. Oxycodone IR 5mg 1-2 capsules every 4 hours when required for post-operative pain, 7 days supply\n"
          "2. Diazepam 2mg TDS\n"
          "3. Paracetamol 1g QDS\n"
          "GP actions: please review the oxycodone at 1 week and do not add to repeat.\n"
          "Plan: step down to codeine then stop within 7 days as pain settles.\n") * 2
TTO = "Oxycodone IR 5mg 1-2 capsules every 4 hours when required for post-operative pain, 7 days supply"


def extraction(**over):
    """The letter's nlp.LetterExtraction, written as its stored dict for brevity."""
    d = {
        "opioids": [{"text": TTO, "span": [LETTER.rindex(TTO), LETTER.rindex(TTO) + len(TTO)], "generic": "oxycodone",
                     "formulation": "IR", "supply_days": 7, "duration_days": None}],
        "weaning_plan": {"present": True, "text": "step down to codeine then stop within 7 days as pain settles"},
        "gp_instruction": {"present": True, "text": "please review the oxycodone at 1 week and do not add to repeat"},
        "indication_documented": True,
        "risk_flags": ["benzodiazepine_coprescribed"],
        "ome_total_mg_per_day": 180.0,   # the key nlp.LetterExtraction.to_dict writes
    }
    d.update(over)
    return letter_from_dict(d)


def record(**over):
    base = dict(letter_id="L1", opioid_prescribed=YesNo.YES, drug="oxycodone 5-10mg prn", days_supplied=7,
                weaning_plan=YesNo.YES, gp_action=YesNo.YES, indication=YesNo.YES,
                co_prescribed_sedative="Y - benzo", ome_mg_per_day=180.0, letter_text=LETTER)
    base.update(over)
    return AuditRecord(**base)


def by_field(comps):
    return {c.field: c for c in comps}


def test_all_fields_agree_with_evidence_spans():
    comps = by_field(compare(record(), extraction()))
    assert set(comps) == {"opioid_prescribed", "drug", "days_supplied", "weaning_plan", "gp_action", "indication",
                          "co_prescribed_sedative", "ome_mg_per_day"}
    assert all(c.status == AGREE for c in comps.values()), {f: c.note for f, c in comps.items()}
    wp = comps["weaning_plan"]
    assert LETTER[wp.span[0]:wp.span[1]] == wp.evidence
    assert comps["opioid_prescribed"].evidence == TTO
    op = comps["opioid_prescribed"]  # the extractor's own span (the second copy), not the first text match
    second = LETTER.rindex(TTO)
    assert op.span == (second, second + len(TTO)) and second != LETTER.index(TTO)
    assert all(c.confidence == "normal" and c.source == "letter" for c in comps.values())


def test_disagreements_flagged_for_review():
    rec = record(weaning_plan=YesNo.NO, days_supplied=14, drug="morphine 10mg", co_prescribed_sedative="pregabalin",
                 ome_mg_per_day=60.0)
    comps = by_field(compare(rec, extraction()))
    for f in ("weaning_plan", "days_supplied", "drug", "co_prescribed_sedative", "ome_mg_per_day"):
        assert comps[f].status == DISAGREE and comps[f].needs_review, f
    assert "oxycodone" in comps["drug"].note and "morphine" in comps["drug"].note
    assert comps["gp_action"].status == AGREE


def test_unknown_answers_are_not_comparable():
    rec = record(weaning_plan=YesNo.UNKNOWN, days_supplied=None, days_supplied_raw="own supply", drug=None,
                 co_prescribed_sedative=None, ome_mg_per_day=None)
    comps = by_field(compare(rec, extraction(ome_total_mg_per_day=None)))
    for f in ("weaning_plan", "days_supplied", "drug", "co_prescribed_sedative", "ome_mg_per_day"):
        assert comps[f].status == NOT_COMPARABLE, f
    assert comps["days_supplied"].auditor == "own supply"


def test_no_opioid_both_sides():
    rec = record(opioid_prescribed=YesNo.NO, drug="nil", weaning_plan=YesNo.UNKNOWN)
    ex = extraction(opioids=[], weaning_plan={"present": False, "text": None}, risk_flags=[], ome_total_mg_per_day=None)
    comps = by_field(compare(rec, ex, fields=["opioid_prescribed", "drug"]))
    assert comps["opioid_prescribed"].status == AGREE
    assert comps["drug"].status == AGREE


def test_excerpt_comparisons_are_lower_confidence():
    excerpt = "• Oxycodone 5mg PRN\n• Paracetamol 1g QDS"
    rec = record(letter_text=excerpt)
    comps = compare(rec, extraction(opioids=[], weaning_plan={"present": False, "text": None}))
    assert comps and all(c.confidence == "low" and c.source == "excerpt" for c in comps)
    op = by_field(comps)["opioid_prescribed"]
    assert op.status == DISAGREE and "excerpt" in op.note
    # an explicit flag wins over the length guess
    assert all(c.confidence == "normal" for c in compare(rec, extraction(), excerpt=False))


def test_no_extraction_or_text_gives_nothing():
    assert compare(record(), None) == []
    assert compare(record(letter_text=None), extraction()) == []


def test_unknown_field_is_a_loud_error():
    with pytest.raises(ValueError, match="shoe_size"):
        compare(record(), extraction(), fields=["shoe_size"])


@pytest.fixture(scope="module")
def lexicon():
    try:
        from nlp.lexicon import load_lexicon

        return load_lexicon()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"nlp drug lexicon not loadable here ({type(exc).__name__}); brand names need it")


@pytest.mark.parametrize("text,generics", [
    ("OxyNorm 5-10mg prn + OxyContin 10mg", {"oxycodone"}),
    ("Zomorph 60mg & morphine 5mg prn", {"morphine"}),
    ("Matrifen 50 mcg/h patch, Oramorph 5-20mg", {"fentanyl", "morphine"}),
    ("Solpadol 60mg", {"codeine"}),
    ("-", set()), ("nil", set()), ("n/a", set()),
])
def test_drug_generics_from_auditor_text(lexicon, text, generics):
    assert drug_generics(text) == frozenset(generics)


def test_summary_counts():
    comps = [compare(record(), extraction()), compare(record(weaning_plan=YesNo.NO), extraction())]
    s = summarise(comps)
    assert s["weaning_plan"] == {"agree": 1, "disagree": 1}
    d = comps[0][0].to_dict()
    assert set(d) >= {"field", "auditor", "extractor", "status", "evidence", "span", "confidence"}
