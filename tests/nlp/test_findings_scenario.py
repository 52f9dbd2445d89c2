"""The letter's scenario decides the MR-for-acute-pain flag: a patient with chronic or long-standing pain newly
started on an MR opioid is not treated for acute pain. Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "\n\nDischarge medicines:\n- Morphine MR 10 mg twice a day, new\n"


@pytest.mark.parametrize("history, chronic", [
    ("She has long-standing osteoarthritic knee pain.", True),
    ("Known chronic low back pain, seen by the pain team before.", True),
    ("Admitted after a fall with a fractured wrist.", False),
    ("He has chronic kidney disease; admitted with renal colic.", False),
])
def test_chronic_pain_is_not_acute(history, chronic):
    ex = extract_letter(history + TTO)
    assert (ex.scenario == "chronic_preexisting") is chronic
    assert ("mr_opioid_for_acute_pain" in ex.risk_flags) is (not chronic)


@pytest.mark.parametrize("history, cancer_pain", [
    ("Myeloma with lytic lesions in the thoracic spine.", True),
    ("Known metastatic prostate cancer; bone pain in the pelvis.", True),
    ("Admitted with back pain from spinal mets.", True),
    ("Pain due to her malignancy is now controlled.", True),
    ("Admitted for an anterior resection of a rectal carcinoma.", False),   # surgery for a primary cancer: acute
    ("Breast cancer surgery last week; wound pain.", False),
    ("CT showed no metastases. Admitted with a fractured neck of femur.", False),
])
def test_cancer_pain_is_not_acute(history, cancer_pain):
    ex = extract_letter(history + TTO)
    assert (ex.scenario == "palliative") is cancer_pain
    assert ("mr_opioid_for_acute_pain" in ex.risk_flags) is (not cancer_pain)
