"""A stop limit written in a later plan sentence, in the passive or future ("is to be stopped after five days",
"will be discontinued in 2 weeks", "come off it over the next 10 days"), is the duration of the one prescription
of that drug, or of that brand when two products share the drug. Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "Discharge medicines:\n- Codeine 30 mg tablets, one four times a day when required for pain, 28 tablets\n"


@pytest.mark.parametrize("plan, days", [
    ("The codeine is to be stopped after five days.", 5),
    ("Her codeine will be discontinued in 2 weeks.", 14),
    ("He should come off the codeine completely over the next 10 days.", 10),
    ("The codeine can be withdrawn within 7 days.", 7),
    ("The codeine should be weaned off over the coming fortnight.", 14),
    ("Taper the codeine off over the next week.", 7),
    ("We will review the codeine in 2 weeks.", None),  # a review time is not a limit
])
def test_limit_in_a_later_sentence(plan, days):
    ex = extract_letter(TTO + "\n" + plan + "\n")
    assert [rx.duration_days for rx in ex.opioids] == [days]


def test_the_brand_decides_between_two_products_of_one_drug():
    text = ("Discharge medicines:\n- OxyContin 10 mg tablets twice a day\n"
            "- OxyNorm 5 mg capsules one up to four times a day when required for pain\n\n"
            "Plan:\n- OxyContin: short course only, stop after 4 days.\n")
    ex = extract_letter(text)
    assert {rx.brand: rx.duration_days for rx in ex.opioids} == {"OxyContin": 4, "OxyNorm": None}
