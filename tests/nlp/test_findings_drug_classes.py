"""nlp.drug_classes: the one class lexicon, and the status of class mentions in letters (table-driven)."""
from __future__ import annotations

import pytest

from nlp.drug_classes import (ClassMention, class_rows, classes_of, find_class_mentions, generics_in, matcher_terms,
                              names_in, text_names_class)
from nlp.pipeline import extract_letter


@pytest.mark.parametrize("name, expected", [
    ("Valium", {"benzodiazepine"}),
    ("ZIMOVANE", {"z_drug"}),
    ("Lyrica", {"gabapentinoid"}),
    ("Movicol", {"laxative"}),
    ("Nyxoid", {"naloxone"}),
    ("Cipralex", {"ssri", "qt_prolonging"}),
    ("Efexor XL", {"snri"}),
    ("domperidone", {"qt_prolonging"}),
    ("Calpol", {"paracetamol"}),
    ("Zapain", {"opioid", "weak_opioid", "paracetamol_combination"}),
    ("co-dydramol 10/500", {"opioid", "weak_opioid", "paracetamol_combination"}),
    ("codeine phosphate", {"opioid", "weak_opioid"}),
    ("Longtec", {"opioid", "strong_opioid"}),
    ("BuTrans", {"opioid", "strong_opioid"}),
    ("Espranor", {"opioid", "strong_opioid", "opioid_substitution"}),
    ("buprenorphine", {"opioid", "strong_opioid"}),
    ("Physeptone", {"opioid", "strong_opioid", "opioid_substitution"}),
    ("methadone", {"opioid", "strong_opioid"}),
    ("laxatives", {"laxative"}),
    ("", set()),
    ("tea", set()),
])
def test_classes_of(name, expected):
    assert classes_of(name) == expected


def test_every_row_has_a_known_class_and_brands_share_their_generics_classes():
    classes = {r.drug_class for r in class_rows()}
    assert {"benzodiazepine", "z_drug", "gabapentinoid", "laxative", "naloxone", "ssri", "snri", "qt_prolonging",
            "paracetamol", "paracetamol_combination", "strong_opioid", "weak_opioid"} <= classes
    assert "cipramil" in names_in("qt_prolonging")
    assert {"morphine", "oxycodone", "fentanyl"} <= generics_in("strong_opioid")
    assert "codeine" not in generics_in("strong_opioid")


def test_matcher_terms_leave_opioid_products_to_the_opioid_lexicon():
    names = {n.lower() for n, _c, _g in matcher_terms()}
    assert "co-codamol" not in names and "tramacet" not in names
    cats = {n.lower(): c for n, c, _g in matcher_terms()}
    assert cats["diazepam"] == "benzodiazepine" and cats["senna"] == "non_opioid" and cats["nyxoid"] == "naloxone"


@pytest.mark.parametrize("cell, drug_class, expected", [
    ("diazepam 2mg", "benzodiazepine", True),
    ("Y - benzo", "benzodiazepine", True),
    ("Lyrica", "gabapentinoid", True),
    ("N", "benzodiazepine", False),
    ("   ", "benzodiazepine", None),
])
def test_text_names_class(cell, drug_class, expected):
    assert text_names_class(cell, drug_class) is expected


def _status(text: str, drug: str) -> list[str]:
    return [m.status for m in find_class_mentions(text) if m.drug == drug]


@pytest.mark.parametrize("text, drug, status", [
    ("Medications on discharge:\n- Senna 15mg nocte\n- Zomorph 10mg bd\n", "senna", "active"),
    ("Plan: home today. No laxative on discharge as bowels open.", "laxative", "negated"),
    ("Laxatives: none\nTTO: oxycodone 5mg prn\n", "laxative", "negated"),
    ("TTO:\nsenna - not required\n", "senna", "negated"),
    ("Allergies: senna (rash)\n", "senna", "allergy"),
    ("She is allergic to senna.", "senna", "allergy"),
    ("Lorazepam stopped on the ward; started pregabalin 75mg bd.", "lorazepam", "stopped"),
    ("Lorazepam stopped on the ward; started pregabalin 75mg bd.", "pregabalin", "active"),
    ("Lorazepam and diazepam were stopped.", "lorazepam", "stopped"),
    ("Stopped medications:\nTemazepam 10mg on\n", "temazepam", "stopped"),
    ("Past medical history: benzodiazepine dependence (diazepam) 2015\n", "diazepam", "historical"),
    ("Medications on admission:\nZopiclone 7.5mg on\n", "zopiclone", "historical"),
    ("| NEW | Pregabalin 75mg caps | 75mg | BD | 14 days | neuropathic pain |", "pregabalin", "active"),
    ("| STOPPED | Diazepam 2mg | 2mg | TDS | - | |", "diazepam", "stopped"),
    ("He was switched to gabapentin 300mg tds.", "gabapentin", "active"),
    ("Diazepam 2mg tds for 5 days then stop.", "diazepam", "active"),
    ("Please do not prescribe pregabalin.", "pregabalin", "negated"),
    ("GP: please review sertraline.", "sertraline", "mentioned"),
    ("Oxycodone/naloxone 10/5mg bd\n", "naloxone", None),
    ("Take-home naloxone (Prenoxad) supplied.", "naloxone", "active"),
])
def test_mention_status(text, drug, status):
    got = _status(text, drug)
    if status is None:
        assert got == []
    else:
        assert got and got[0] == status, got


def test_mentions_carry_spans_on_the_letter_and_accept_unicode_layouts():
    text = "TTO —\n• Diazepam 2 mg TDS – for muscle spasm – short course\n• Zomorph 10 mg BD\n"
    ms = find_class_mentions(text)
    assert ms and isinstance(ms[0], ClassMention)
    s, e = ms[0].span
    assert text[s:e] == "Diazepam" and ms[0].drug_class == "benzodiazepine"


@pytest.mark.parametrize("letter, drug, has_reason", [
    ("Discharge medications:\n- Oxycodone 5mg qds prn\n- Diazepam 2mg tds for muscle spasm - short course\n", "diazepam", True),
    ("Discharge medications:\n- Oxycodone 5mg qds prn\n- Diazepam 2mg tds\n", "diazepam", False),
    ("Discharge medications:\n- Zomorph 10mg bd\n- Pregabalin 75mg bd\n\nPregabalin was started by the pain team for neuropathic pain.\n",
     "pregabalin", True),
    ("TTO:\nMorphine sulfate 10mg/5ml 5ml 4-hourly prn\nZopiclone 3.75mg nocte - long-term, stable, reviewed by psychiatry\n",
     "zopiclone", True),
])
def test_co_prescription_justification(letter, drug, has_reason):
    ex = extract_letter(letter)
    co = [c for c in ex.co_prescriptions if c.drug == drug]
    assert co, [c.drug for c in ex.co_prescriptions]
    assert (co[0].justification is not None) is has_reason
    if has_reason:
        s, e = co[0].justification_span
        assert letter[s:e] == co[0].justification


def test_co_prescriptions_hold_only_active_drugs():
    letter = ("Discharge medications:\n- Oxycodone 5mg qds prn\n- Senna 15mg nocte\n- Citalopram 20mg od\n\n"
              "Stopped: lorazepam 1mg prn\nAllergies: gabapentin\nNo zopiclone on discharge.\n")
    ex = extract_letter(letter)
    drugs = {c.drug: c for c in ex.co_prescriptions}
    assert set(drugs) == {"senna", "citalopram"}
    assert set(drugs["citalopram"].classes) == {"ssri", "qt_prolonging"}
    assert "benzodiazepine_coprescribed" not in ex.risk_flags and "gabapentinoid_coprescribed" not in ex.risk_flags


# Status phrasings written for these tests, read under a discharge heading and in a prose summary alike.
STATUS_CASES = [
 ("Laxido 1 sachet BD while on opioids", "macrogol", "active"),
 ("Bowels: opened, no laxatives needed.", "laxative", "negated"),
 ("Laxatives - declined by patient", "laxative", "negated"),
 ("Senna withheld due to diarrhoea", "senna", "stopped"),
 ("| Senna 7.5mg tabs | 15mg | ON | 7 | STOPPED |", "senna", "stopped"),
 ("| Senna 7.5mg tabs | 15mg | ON | 7 | Withheld |", "senna", "stopped"),
 ("Docusate 100mg bd - new", "docusate", "active"),
 ("Has been prescribed lactulose 10ml bd.", "lactulose", "active"),
 ("Not on any laxative at present.", "laxative", "negated"),
 ("Intolerant of lactulose (bloating).", "lactulose", "allergy"),
 ("Sertraline 50mg od (usual)", "sertraline", "active"),
 ("Continue citalopram 20mg.", "citalopram", "active"),
 ("Zopiclone was discontinued.", "zopiclone", "stopped"),
 ("Previously on pregabalin, stopped 2022.", "pregabalin", "stopped"),
 ("Pregabalin 75mg bd started by pain team for neuropathic pain", "pregabalin", "active"),
 ("No benzodiazepines on discharge.", "benzodiazepine", "negated"),
 ("Avoid co-prescribing gabapentinoids.", "gabapentinoid", "negated"),
 ("Diazepam PRN for muscle spasm", "diazepam", "active"),
 ("Nil regular laxatives", "laxative", "negated"),
 ("lorazepam - held", "lorazepam", "stopped"),
]


@pytest.mark.parametrize("prefix", ["Discharge medications:\n", "Summary\n"])
@pytest.mark.parametrize("line, drug, status", STATUS_CASES)
def test_status_phrasings(prefix, line, drug, status):
    assert _status(prefix + line + "\n", drug)[:1] == [status]


def test_a_letter_naming_many_drugs_reads_each_name():
    letter = "diazepam " * 500 + "morphine 10mg bd " * 500
    ms = find_class_mentions(letter)
    assert len(ms) == 500 and all(m.drug == "diazepam" for m in ms)
