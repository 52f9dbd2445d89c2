"""Classes of weaning-plan, GP-instruction, indication and age wording found on the first contact with fresh60-63
(session 12b). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.findings import patient_age
from nlp.pipeline import extract_letter

HEAD = "Ward 3 discharge. Pt: Test Person  DOB 01/01/1950. Discharged 12/10/2025.\nDiagnosis: L wrist fracture.\n"
RX = "TTO: Oxycodone 5mg caps 1 four hourly PRN for pain, max 4 doses/day, x20 caps. New.\n"

# weaning plans told in forms the rules missed
PLANS = [
    # 'reduce' waiting on the pain settling, said with 'if'
    (RX + "GP to see her at one week and reduce the oxycodone if the pain is improving.\n", True),
    (RX + "Please review the oxycodone and naproxen at 10 days and reduce if settled.\n", True),
    # third person 'steps down'
    (RX + "Our plan is that he steps down from oxycodone to paracetamol over the next week.\n", True),
    # a course then back to the usual drug alone, no verb
    ("TTO: Oxycodone 5mg caps 1 four hourly PRN for pain, x20 caps. New.\nMorphine MR 10mg BD - usual.\n"
     "Plan: oxycodone for four days, then back to his usual morphine alone.\n", True),
    # a taper told in the frequency field of a one-field-per-line item block
    ("Items supplied\nMedication: Oxycodone MR 20 mg tablets\nDose: 20 mg\n"
     "Frequency: twice a day for 4 days, then 10 mg twice a day for 3 days, then STOP\nQuantity: 14\n", True),
    # near misses: 'reduce if drowsy' is no plan; the other drug joined by 'and' is not the opioid's object alone
    (RX + "GP to review and reduce the oxycodone if drowsy.\n", False),
    (RX + "Please review the naproxen at 10 days and reduce if settled.\n", False),
    # weaning off a walking aid is no drug's plan
    (RX + "Advice: elevate, wean off crutches as able.\n", False),
    (RX + "Physio: wean off the frame over the next week.\n", False),
]


@pytest.mark.parametrize("body, present", PLANS)
def test_weaning_plan_classes(body, present):
    assert extract_letter(HEAD + body).weaning_plan.present is present


# a GP label line after a social history, and a request put to a nursing or prison healthcare team
GP_REQUESTS = [
    ("Meds r/v:\n - Morphine MR 10mg BD (GP repeat) - STOPPED, confused\nSH: lives alone, daughter visits daily.\n"
     "GP: please do not restart the morphine, remove from repeats.\n", True),
    (RX + "Do not continue oxycodone past day 5 - nursing team pls ensure it is removed from the chart.\n", False),
    (RX + "Prison healthcare to supervise each oxycodone dose and stop after 5 days.\n", False),
    # near miss: the GP named in the same request keeps it the GP's
    (RX + "Nursing team and GP please ensure the oxycodone is stopped after 5 days.\n", True),
]


@pytest.mark.parametrize("body, present", GP_REQUESTS)
def test_gp_instruction_classes(body, present):
    assert extract_letter(HEAD + body).gp_instruction.present is present


# an Indication field of a one-field-per-line item block, several fields under the item, labelled with dot leaders
# or in two languages
def _block(label: str, value: str) -> str:
    return ("TTO\n-----------\nMed: Oxycodone 5mg capsules\n  Dose ......... 5mg (ONE capsule)\n  Route ........ PO\n"
            "  Freq ......... four hourly when required\n  Duration ..... 5 days\n  Qty .......... 20 capsules\n"
            "  Status ....... NEW\n  " + label + value + "\n-----------\nMed: Senna 7.5mg tablets\n  Dose ......... two at night\n")


INDICATION_FIELDS = [
    (_block("Indication ... ", "wrist fracture pain"), True),
    (_block("Indication\u2026 ", "wrist fracture pain"), True),
    (_block("Rheswm/Reason: ", "pain after surgery"), True),
    # near misses: an empty field; a reason under the next drug's item is that drug's
    (_block("Indication ... ", "n/a"), False),
    (_block("Notes ... ", "none") + "  Indication ... laxative with pain relief\n", False),
]


@pytest.mark.parametrize("body, documented", INDICATION_FIELDS)
def test_indication_field_of_an_item_block(body, documented):
    assert extract_letter(HEAD.replace("Diagnosis: L wrist fracture.\n", "") + body).indication_documented is documented


# ages in headers: after the name and a run of spaces, between bullets or middle dots; a DOB past its month's end
AGES = [
    ("Pt: Mrs Ada TESTPERSON   67   NHS 999 000 0000\nDischarged 12/10/2025", 67),
    ("Mr Bo Example-Person   81   Hosp no X123\nSeen 01/02/2025", 81),
    ("Mrs Cy Example \u2022 52 yrs \u2022 NHS No: 999 000 0001\nDischarged 12/10/2025", 52),
    ("Mr Di Example \u00b7 44 y \u00b7 NHS 999 000 0002\nHome 12/10/2025", 44),
    ("Mr Ed Example   DOB 29/02/1951   D/C 26/06/2024", 73),
    ("Mr Ed Example   DOB 31/04/1960   D/C 26/06/2024", 64),
    # near misses: an address number after a run of spaces; a duration between bullets
    ("Mr Fi Example   12 Hill Road, Testtown\nDischarged 12/10/2025", None),
    ("Mrs Gi Example \u2022 smoker for 30 yrs \u2022 NHS 999 000 0003\nDischarged 12/10/2025", None),
]


@pytest.mark.parametrize("head, age", AGES)
def test_age_in_header_forms(head, age):
    assert patient_age(head + "\n\nTTO: paracetamol 1g QDS\n") == age


# a discharge opioid the letter says has been used for months or years is pre-existing use: an MR or patch opioid
# among the discharge drugs is then no MR opioid for acute pain
USED_FOR_YEARS = [
    ("He has been using a Matrifen 12 microgram/hour patch for back pain for two years. His Matrifen was increased "
     "this admission to 25 micrograms/hour,\nchanged every 72 hours, and we supplied 5 patches.\n", "chronic_preexisting"),
    ("There is no plan to alter the Zomorph, which he has taken for back pain for two years.\n"
     "Zomorph 30mg BD, 56 capsules supplied.\n", "chronic_preexisting"),
    # near misses: the years are another drug's; a plan not to use it long-term
    ("She continues diazepam, which she has taken for many years; we discussed the risks with the Zomorph. "
     "Started Zomorph 10mg BD for the fracture, 14 capsules (new).\n", "acute_new"),
    ("Started Zomorph 10mg BD for the fracture, 14 capsules (new). Not for long-term use.\n", "acute_new"),
]


@pytest.mark.parametrize("body, scenario", USED_FOR_YEARS)
def test_discharge_opioid_used_for_years(body, scenario):
    ex = extract_letter("Ward 3 discharge. Pt: Test Person  DOB 01/01/1970. Discharged 12/10/2025.\n"
                        "Diagnosis: L wrist fracture.\n\n" + body)
    assert ex.scenario == scenario
    assert ("mr_opioid_for_acute_pain" in ex.risk_flags) is (scenario == "acute_new")


# a course told with the cap after its length ('for five days at most') and a bare 'to be taken ... then stopped'
CAPS = [
    ("He goes home with oxycodone 5mg capsules, one every four hours when required, 20 capsules, to be taken for "
     "five days at most and then stopped.\n", True),
    ("He goes home with oxycodone 5mg capsules, one every four hours when required, 20 capsules, for four days "
     "at most.\n", True),
    # near miss: a course that already happened
    ("He was told to take oxycodone 5mg capsules, 20 capsules. On the ward morphine was given for two days and "
     "then stopped.\n", False),
]


@pytest.mark.parametrize("body, present", CAPS)
def test_cap_after_the_course_length(body, present):
    assert extract_letter(HEAD + body).weaning_plan.present is present
