"""Age at discharge in terse and formal letters: stated ages, DOB with two-digit years, reference dates."""
from __future__ import annotations

import pytest

from nlp.findings import patient_age


@pytest.mark.parametrize("header, age", [
    ("ED d/c\n\n84F  Edith Example   NHS 999 000 0000\n", 84),
    ("Pt: J Example   15M   DOB 22/06/09\n", 15),
    ("67yo M, fall at home\n", 67),
    ("Summary: 67 y/o lady with hip fracture\n", 67),
    ("Name: M Example   DOB 12.4.57   d/c: 03/03/25\n", 67),
    ("Name: M Example   DOB 12.4.57   d/c: 13/04/25\n", 68),
    ("Patient: A Example, born 25.12.1935\nDischarged ..... 19/06/2025\n", 89),
    ("D.O.B ......... 02/10/1946\nDischarged ..... 19/06/2025 (home)\n", 78),
    ("DOB 03/11/40     CDU 21/01/25 -> d/c 22/01/25\n", 84),
    ("DOB: 30th Jan 1988\nseen 9 March 2025 in clinic\n", 37),
    ("Re: Mr X, DOB 20/08/1959\n\nDear Dr Y,\nHe was discharged on 14 October 2024.\n", 65),
    ("D.O.B 7.iii.1941\nDischarged 03-Dec-2026\n", 85),            # month in Roman numerals
    ("DOB: 07-XII-62   d/c 03/12/26\n", 63),
    ("Born 12/v/50, discharged 03/12/2026\n", 76),
    ("Supplied 30 x 28 tablets, d/c 03/12/26\n", None),             # not a date of birth
    ("DOB 01/02/1950\n", None),
    ("Apply 3M Tegaderm dressing. No age given.\n", None),
    ("", None),
])
def test_patient_age(header, age):
    assert patient_age(header) == age


def test_two_digit_birth_year_never_lands_after_the_discharge():
    assert patient_age("DOB 05/12/24  d/c 19/08/25\n") == 0
    assert patient_age("DOB 05/12/97  d/c 19/08/25\n") == 27


@pytest.mark.parametrize("header, age", [
    ("Re: Mrs Ada EXAMPLE, 81, NHS 999 000 0001\n", 81),
    ("Patient: Mr Bo Example (70; NHS 999 000 0002)\n", 70),
    ("Ms Cara Van Example, 67 years. Discharged home.\n", 67),
    ("Miss D. O'Example-Jones, 93\nWard 3\n", 93),
    ("Mx Eli EXAMPLE, 66 yrs, seen in clinic\n", 66),
    # an address, a date or the GP's name after a comma is not an age
    ("Mrs Ada Example, 12 Church Lane, Exampletown\n", None),
    ("Re: Mr Bo Example, 10.03.2026\n", None),
    ("Dear Dr Example, 23, High Street\n", None),
])
def test_age_right_after_the_patients_title_and_name(header, age):
    assert patient_age(header) == age
