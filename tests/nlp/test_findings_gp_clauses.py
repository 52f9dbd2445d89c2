"""GP instructions inside statements that also say what is NOT to change, and prohibitions on the repeat list
written in the passive. Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = ("Discharge medicines:\n- Buprenorphine 5 micrograms/hour patch weekly, long-term, unchanged\n"
       "- Oxycodone 5 mg capsules one up to four times a day when required for pain, 20 capsules, new\n")


@pytest.mark.parametrize("line, gp", [
    ("GP: no change to her long-term buprenorphine; please review the oxycodone at one week.", True),
    ("For the GP - no changes to the patch please; stop the oxycodone when the pain has settled.", True),
    ("The oxycodone is not to be added to her repeat list.", True),
    ("Oxycodone must not be put on the repeat template.", True),
    # nothing asked of the GP
    ("GP: no change to her long-term buprenorphine.", False),
    ("Please note: her son takes oxycodone; he has been asked to keep it locked away.", False),
])
def test_gp_request_clauses(line, gp):
    ex = extract_letter(TTO + "\n" + line + "\n")
    assert len(ex.opioids) == 2
    assert ex.gp_instruction.present is gp
