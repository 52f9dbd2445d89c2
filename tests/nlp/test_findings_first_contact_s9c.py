"""Classes of indication, weaning-plan and GP-instruction wording found wrong by the first-contact gold sets fresh30
to fresh33 (session 9, third letter pass). Every line here was written for these tests; none is taken from a gold
letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = "Dear Dr Example,\n\nMrs Test, aged 70, was admitted after a fall and goes home today.\n\n"
END = "\nKind regards,\n\nDr Writer\nFY2\n"


def _ex(body: str):
    return extract_letter(HEAD + body + END)


# a prose sentence cut at the margin right after a closing bracket goes on on the next line: its reason is the
# prescription's ('... a fentanyl patch (Matrifen 12 micrograms/hour)' / 'for the ache of her hip, ...')
WRAPPED_AFTER_BRACKET = [
    ("We kept a close eye on her drowsiness and renal function over the week and then we started a fentanyl patch "
     "(Matrifen 12 micrograms/hour)\nfor the ache of her broken hip, changed every third day, five patches given.\n",
     True),
    ("We kept a close eye on her drowsiness and renal function over the week and then we started a fentanyl patch "
     "(Matrifen 12 micrograms/hour)\nFor the dressings the district nurses will call on Monday, five patches given.\n",
     False),
]


@pytest.mark.parametrize("body, ind", WRAPPED_AFTER_BRACKET)
def test_a_reason_wrapped_after_a_bracket_is_read(body, ind):
    assert _ex(body).indication_documented is ind


# an item's fields wrapped onto lines indented deeper under it carry its reason ('for: wrist pain', '+ for ...');
# a line under it that is not indented deeper, or that names another drug, is not the item's
INDENTED_FIELDS = [
    ("Medicines\n# MORPHINE ORAL SOLUTION · liquid · 10 mg/5 ml · oral\n"
     "    2.5-5 mg up to 4-hourly when needed · 50 ml · for: wrist pain\n# SENNA · tablet · 7.5 mg · oral\n", True),
    ("Medicines\n(a) Oxycodone / capsule / 5 mg / 5 mg / oral / 6-hourly PRN / 10 caps\n"
     "      + for rib pain while it settles\n(b) Lactulose / liquid / 15 ml / oral / BD\n", True),
    ("Medicines\n# MORPHINE ORAL SOLUTION · liquid · 10 mg/5 ml · oral\n"
     "    2.5-5 mg up to 4-hourly when needed · 50 ml\n# NAPROXEN · tablet · 250 mg · oral\n"
     "    250 mg twice daily · for: joint pain\n", False),
    ("Medicines\n# MORPHINE ORAL SOLUTION · liquid · 10 mg/5 ml · oral · 2.5-5 mg 4-hourly PRN · 50 ml\n"
     "Physiotherapy for the painful shoulder is booked.\n", False),
]


@pytest.mark.parametrize("body, ind", INDENTED_FIELDS)
def test_indented_item_fields_carry_the_reason(body, ind):
    assert _ex(body).indication_documented is ind


# a heading that names the discharge analgesia by a class word with its reason, and a 'Pain:' line whose value is
# 'for ... pain', state why the opioids are given; a plain heading or a line saying none are given does not
LIST_HEADING_REASON = [
    ("Take-home opioids for wrist fracture pain\n  Oxycodone 5 mg capsules - 5 mg 6-hourly if needed - 12 caps\n",
     True),
    ("TTO\n1. Oxycodone 5 mg capsules - 5 mg 6-hourly if needed - 12 caps\n2. Senna 7.5 mg nocte\n\n"
     "Pain: for the wrist fracture pain. Wean off over a week.\n", True),
    ("Take-home opioids\n  Oxycodone 5 mg capsules - 5 mg 6-hourly if needed - 12 caps\n", False),
    ("TTO\n1. Oxycodone 5 mg capsules - 5 mg 6-hourly if needed - 12 caps\n\n"
     "We gave no further opioids for the wrist pain on the ward.\n", False),
    ("TTO\n1. Oxycodone 5 mg capsules - 5 mg 6-hourly if needed - 12 caps\n\n"
     "Pain: scored 2/10 at rest on the day of discharge.\n", False),
]


@pytest.mark.parametrize("body, ind", LIST_HEADING_REASON)
def test_a_heading_or_pain_line_gives_the_reason(body, ind):
    assert _ex(body).indication_documented is ind


RX = ("Medicines on discharge\n- Oxycodone 5 mg capsules, 5 mg every 6 hours when required for pain, 16 capsules\n"
      "- Paracetamol 1 g four times a day\n\n")
PATCH_RX = ("Medicines on discharge\n- Butec 5 micrograms/hour patch, one every 7 days, for back pain, 4 patches\n"
            "- Paracetamol 1 g four times a day\n\n")


# plan wording: halving a dose and 'none after <date>' step down and stop; wanting the patch off after a time stops
# it; a check that the patient has stopped buying a remedy, a cap on days of use per week and a blank plan field
# are no plans
PLAN_FORMS = [
    (RX, "Oxycodone: halve the dose from 03.05, none after 06.05.\n", True),
    (RX, "Oxycodone plan: halving the dose on Friday.\n", True),
    (PATCH_RX, "We want the patch off after three weeks; the physios will review her walking.\n", True),
    (PATCH_RX, "The patch fell off in the shower on Tuesday and was replaced.\n", False),
    (RX, "GP: please check she has stopped buying codeine linctus from the chemist.\n", False),
    (RX, "GP: please check she has stopped the oxycodone by her clinic date.\n", True),
    (RX, "Oxycodone for the headaches on no more than 3 days a week, as agreed with neurology.\n", False),
    (RX, "Oxycodone for no more than 3 days, then paracetamol alone.\n", True),
    (RX, "Weaning plan: ________\n", False),
    (RX, "Weaning plan: ...... (not filled in)\n", False),
]


@pytest.mark.parametrize("rx, prose, wean", PLAN_FORMS)
def test_plan_forms(rx, prose, wean):
    assert _ex(rx + prose).weaning_plan.present is wean


# a plan labelled for another team (rehab, ward, physio) is a plan but no GP instruction; advice to avoid
# X-containing products is a caution, not a GP action; a plain request to the GP stays one
OTHER_RECIPIENT = [
    ("Pain plan for the rehab unit: as his walking improves, please bring the oxycodone down to 5 mg at night.\n",
     True, False),
    ("Plan for GP: as his walking improves, please bring the oxycodone down to 5 mg at night.\n", True, True),
    ("She is breastfeeding - please avoid codeine-containing remedies.\n", False, False),
    ("Please do not restart the oxycodone without speaking to us.\n", False, True),
]


@pytest.mark.parametrize("prose, wean, gp", OTHER_RECIPIENT)
def test_other_recipient_and_cautions(prose, wean, gp):
    ex = _ex(RX + prose)
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is gp


# an end-date field on a medicine line ranks after a statement that tells the steps; alone, it is still shown
END_FIELD = [
    ("TTO\n1. Oxycodone 5 mg caps - 1 cap 6-hourly if needed - 12 caps - stop date 21/05/2026\n\n"
     "Notes: wound checked. Halve the oxycodone after 2 days, then stop it.\n", "Halve the oxycodone"),
    ("TTO\n1. Oxycodone 5 mg caps - 1 cap 6-hourly if needed - 12 caps - stop date 21/05/2026\n\n"
     "Plan: home with physio follow-up.\n", "stop date"),
]


@pytest.mark.parametrize("body, shown", END_FIELD)
def test_an_end_date_field_ranks_after_told_steps(body, shown):
    ex = _ex(body)
    assert ex.weaning_plan.present is True
    assert shown in ex.weaning_plan.text
