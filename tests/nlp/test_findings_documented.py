"""Letter-level documented facts: patient informed, naloxone supplied, specialist review, transfer, OME
completeness, and the to_dict / letter_from_dict round trip (table-driven, phrasings not in the dev files)."""
from __future__ import annotations

import pytest

from nlp.extraction import letter_from_dict
from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Oxycodone 5mg capsules, 5mg four times a day when required for pain, 5 days\n"


def _letter(extra: str) -> str:
    return TTO + "\nPlan:\n" + extra + "\n"


@pytest.mark.parametrize("sentence, present", [
    ("Counselled on opioid side effects and safe storage.", True),
    ("Opioids Aware leaflet provided to patient.", True),
    ("Pt made aware to stop the oxycodone once the pain settles.", True),
    ("We went through the risks of dependence and the DVLA rules with her daughter present.", True),
    ("Has been given verbal and written information about his new painkillers.", True),
    ("Not counselled - patient too drowsy.", False),
    ("Physio exercise leaflet given.", False),
    ("Risks and benefits of the operation were discussed and consent obtained.", False),
    ("Follow up in fracture clinic in 2 weeks.", False),
])
def test_patient_informed(sentence, present):
    ex = extract_letter(_letter(sentence))
    assert ex.patient_informed.present is present
    if present:
        s, e = ex.patient_informed.span
        assert ex.patient_informed.text == _letter(sentence)[s:e]


def test_patient_informed_negated_keeps_the_statement():
    ex = extract_letter(_letter("No opioid leaflet given as patient declined."))
    assert ex.patient_informed.present is False and ex.patient_informed.negated_text


@pytest.mark.parametrize("sentence, present, has_negated", [
    ("Reviewed by the inpatient pain team who recommended the current regime.", True, False),
    ("Palliative care CNS input re analgesia - happy with plan.", True, False),
    ("Analgesia as per acute pain team.", True, False),
    ("Referral to the chronic pain clinic has been requested.", False, True),
    ("Awaiting pain team review - could not be seen before discharge.", False, True),
    ("Mobilising with a frame.", False, False),
])
def test_specialist_review(sentence, present, has_negated):
    ex = extract_letter(_letter(sentence))
    assert ex.specialist_review.present is present
    assert bool(ex.specialist_review.negated_text) is has_negated


@pytest.mark.parametrize("sentence, present", [
    ("Transferred to St Elsewhere Community Hospital for ongoing rehab.", True),
    ("D/c to intermediate care bed at Willow Lodge.", True),
    ("Discharge destination: community hospital (Ashby ward).", True),
    ("Discharged to Riverside Rehabilitation Unit.", True),
    ("Discharged home with package of care.", False),
    ("Awaiting transfer to rehab - not yet available.", False),
    ("Transferred to the ward from recovery.", False),
])
def test_transfer(sentence, present):
    assert extract_letter(_letter(sentence)).transfer.present is present


@pytest.mark.parametrize("sentence, present", [
    ("Take-home naloxone kit (Prenoxad) supplied and demonstrated.", True),
    ("Naloxone nasal spray (Nyxoid) issued to partner.", True),
    ("Naloxone: not supplied.", False),
    ("Given IV naloxone in ED with good response.", False),
])
def test_naloxone_supplied(sentence, present):
    ex = extract_letter(_letter(sentence))
    assert ex.naloxone_supplied.present is present
    assert not any(o.generic == "naloxone" for o in ex.opioids)


def test_targinact_is_not_naloxone_supply():
    ex = extract_letter("TTO:\nOxycodone/naloxone 10mg/5mg MR tablets one twice a day\n")
    assert ex.naloxone_supplied.present is False


def test_ome_incomplete_items_named_and_total_of_known_items():
    letter = ("Discharge medications:\n- Zomorph 30mg capsules one twice a day\n"
              "- Oramorph 10mg/5ml oral solution 2.5ml when required\n")
    ex = extract_letter(letter)
    known = sum(o.ome_mg_per_day or 0 for o in ex.opioids)
    assert ex.ome_total_mg_per_day == pytest.approx(known)
    if any(o.ome_flag == "prn_without_frequency" for o in ex.opioids):
        assert "ome_incomplete" in ex.ome_flags
        assert [i["index"] for i in ex.ome_incomplete_items] == [
            i for i, o in enumerate(ex.opioids) if o.ome_flag == "prn_without_frequency"]


def test_complete_letter_has_no_incomplete_flag():
    ex = extract_letter("TTO:\nMorphine sulfate MR 10mg tablets one twice a day for 5 days\n")
    assert ex.ome_incomplete_items == [] and "ome_incomplete" not in ex.ome_flags


def test_to_dict_keys_and_round_trip():
    letter = _letter("Counselled re risks. Seen by pain team. Transferred to Oakwood Community Hospital. "
                     "Take-home naloxone supplied.") + "- Diazepam 2mg tds for muscle spasm, short course\n"
    ex = extract_letter(letter)
    d = ex.to_dict()
    for k in ("patient_informed", "naloxone_supplied", "specialist_review", "transfer"):
        assert set(d[k]) >= {"present", "text", "span"}
    assert isinstance(d["ome_incomplete_items"], list)
    assert all(set(c) >= {"drug", "class", "classes", "justification"} for c in d["co_prescriptions"])
    assert letter_from_dict(d).to_dict() == d


# Abbreviations and other wordings written for these tests (APS, SPCT, THN, "Discharge to:", quoted leaflet titles).
MORE_CASES = [
 ("patient_informed", "Opioid counselling completed by pharmacist.", True),
 ("patient_informed", "Pt counselled re: s/e, constipation, no driving.", True),
 ("patient_informed", "Given 'Taking opioids for pain' leaflet.", True),
 ("patient_informed", "Has been told not to drive while taking oxycodone.", True),
 ("patient_informed", "Explained how to reduce and stop the oxycodone.", True),
 ("patient_informed", "Patient understands this is a short course.", True),
 ("patient_informed", "Medication counselling: not done (patient asleep).", False),
 ("patient_informed", "Wound care advice given.", False),
 ("specialist_review", "APS r/v: happy with oxycodone PRN.", True),
 ("specialist_review", "Reviewed by Dr Khan (pain consultant) who advised weaning.", True),
 ("specialist_review", "SPCT input appreciated - see plan.", True),
 ("specialist_review", "Pain team referral sent - not yet seen.", False),
 ("specialist_review", "Physio reviewed - safe for discharge.", False),
 ("transfer", "Transferred to Ward 4, St Mary's Community Hospital.", True),
 ("transfer", "Discharge to: Oakview Rehabilitation Centre", True),
 ("transfer", "Going home today with family.", False),
 ("transfer", "Stepped down to Pinewood intermediate care beds.", True),
 ("naloxone_supplied", "THN kit supplied.", True),
 ("naloxone_supplied", "Prenoxad injection given to take home.", True),
]


@pytest.mark.parametrize("key, sentence, present", MORE_CASES)
def test_documented_facts_in_other_words(key, sentence, present):
    ex = extract_letter(_letter(sentence))
    assert getattr(ex, key).present is present
