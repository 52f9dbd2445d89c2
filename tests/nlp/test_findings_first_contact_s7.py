"""Classes of letter-level wording (age, weaning plan, GP instruction) found missing by the first-contact gold sets
fresh11 and fresh12 (session 7). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.findings import patient_age
from nlp.pipeline import extract_letter


# A date of birth or discharge written in a web or markdown export keeps the emphasis marks round its label
# ('**DOB:** 03/09/1937'), and some word processors print the points of a date as raised points ('05\u00b710\u00b71954').
# Both are still the label's date.
AGE_LAYOUTS = [
    ("**Date of birth:** 21/05/1949   **Discharged:** 02/03/2026\n", 76),
    ("*DOB*: 11/11/1958 | *Discharge date*: 01/12/2026\n", 68),
    ("*D.O.B.* 30/06/1940\n*Discharged* 15/06/2026 (home)\n", 85),
    ("Name: A Sample     DOB: 17\u00b708\u00b71960\nDischarged: 20/08/2026\n", 66),
    ("DOB 01\u00b701\u00b745   d/c 02\u00b701\u00b726\n", 81),
    # near misses: still no date of birth, or a dose with a raised point
    ("**NHS No:** 999 000 1234   **Discharged:** 02/03/2026\n", None),
    ("Buprenorphine 0\u00b72 mg sublingual, d/c 02/03/2026\n", None),
]


@pytest.mark.parametrize("header, age", AGE_LAYOUTS)
def test_age_from_marked_up_or_raised_point_dates(header, age):
    assert patient_age(header) == age
