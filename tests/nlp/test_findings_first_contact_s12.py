"""Classes of age and GP-instruction wording found in session 12 (letters written as a user, and first-contact gold
sets). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.findings import patient_age
from nlp.pipeline import extract_letter

# a date of birth as people and systems write it: words, ordinals, 'of', month first, ISO, run together
DOB_WRITTEN = [
    ("Patient: A Person  DOB: 3 July 1951  Discharged 12/10/2025", 74),
    ("Patient: A Person  d.o.b. 3rd July 1951. Discharged 12/10/2025", 74),
    ("Patient: A Person  DOB 3rd of July 1951  Discharged 12/10/2025", 74),
    ("Patient: A Person  Date of birth: July 3rd, 1951  Discharged 12/10/2025", 74),
    ("Patient: A Person  Date of birth: December 24 1940  Discharge date: 12/10/2025", 84),
    ("Patient: A Person  DOB 03JUL1951  Discharged 12OCT2025", 74),
    ("Patient: A Person  DOB: 1951-07-03  Discharged: 2025-10-12", 74),
    ("Patient: A Person  DOB: 1951-10-13  Discharged: 2025-10-12", 73),  # the day before the birthday
    ("Patient: A Person  DOB: Sept 3 1951  Discharged 12/10/2025", 74),
    # a time and a label that is no month never hide the discharge date after them
    ("Pt: A PERSON  DOB 21/07/1996  NHS 9998250146  ED no E26-118834\nArr 14/02/26 22:10  Disch 15/02/26 03:40", 29),
    # near misses: a drug, a count or a word before a number is no month
    ("Patient: A Person  DOB: Tramadol 50 2025", None),
]


@pytest.mark.parametrize("head, age", DOB_WRITTEN)
def test_a_date_of_birth_written_in_words_or_iso(head, age):
    assert patient_age(head + "\n\nTTO: paracetamol 1g QDS\n") == age


LETTER = ("ED discharge. Pt: Test Person  DOB 01/01/1950. Seen 12/10/2025.\nDiagnosis: L wrist fracture.\n"
          "TTO: Oxycodone 5mg caps 1 four hourly PRN for pain, max 4 doses/day, x20 caps (5 days). New.\n")

# a request with no object right after the opioid's plan is about that opioid
REFERS_BACK = [
    ("Plan: stop oxycodone after 5 days.\nGP pls do not continue.\n", True),
    ("Plan: stop oxycodone after 5 days. GP - please do not extend beyond the course.\n", True),
    ("Plan: reduce oxycodone to 5mg BD after 3 days, then stop. Practice kindly not to reissue.\n", True),
    # near misses: no plan before it, or a request about another drug's plan
    ("GP pls do not continue.\n", False),
    ("Plan: stop the prednisolone after 5 days.\nGP pls do not continue.\n", False),
]


@pytest.mark.parametrize("body, present", REFERS_BACK)
def test_a_request_with_no_object_refers_back_to_the_plan(body, present):
    assert extract_letter(LETTER + body).gp_instruction.present is present
