"""Classes of weaning-plan wording found wrong by the first-contact gold sets fresh46, fresh47 and fresh49 (session 10,
third wave). Every line here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("ELMSIDE COUNTY HOSPITAL - Discharge summary\nPatient: Test Person   DOB 12/08/1948   Discharged 14/03/2026\n\n"
        "Diagnosis: wedge fracture of L1\n\n")
LIST = ("Medicines on discharge:\n- Morphine sulfate MR 10mg tablets, one twice a day, 14 tablets (new)\n"
        "- Paracetamol 1g four times a day\n\n")
WITH_BENZO = ("Medicines on discharge:\n- Oramorph 10mg/5ml oral solution, 2.5 ml every 4 hours when required for pain, "
              "100 ml (new)\n- Diazepam 2mg tablets, one at night when required, 7 tablets (new)\n"
              "- Paracetamol 1g four times a day\n\n")
SIGN = "\nKind regards,\n\nDr Writer\nFY2\n"


def _letter(body: str, rx: str = LIST):
    return extract_letter(HEAD + rx + body + SIGN)


# asking the GP to "consider" a reduction or a stop of the opioid is a plan (as "consider stopping the codeine" is);
# "could consider" spoken by the writer of their own team stays a hope, and a reduction of another drug is none
CONSIDER_A_STEP_DOWN = [
    ("I would be grateful if you could consider reducing the morphine MR to 5 mg twice a day once the pain allows.\n", True),
    ("Could you consider stopping the morphine MR when you see him at four weeks?\n", True),
    ("GP: please consider a gradual reduction of the morphine MR.\n", True),
    ("GP: keep the morphine MR to the lowest dose & consider \u2193 with the pain team.\n", True),
    ("You might consider tapering the morphine MR over the next month.\n", True),
    ("We could consider reducing the morphine MR at his clinic visit in the new year.\n", False),
    ("The pain team would consider a reduction of the morphine MR later on.\n", False),
    ("GP: please consider a gradual reduction of the diazepam at your next review.\n", False),
    ("GP: please consider a referral to physiotherapy.\n", False),
]


@pytest.mark.parametrize("body, wean", CONSIDER_A_STEP_DOWN)
def test_asking_the_gp_to_consider_a_step_down_is_a_plan(body, wean):
    assert _letter(body).weaning_plan.present is wean


# "reduce further" with a condition is a step-down still to come; "did not / do not plan to reduce further" is none
REDUCE_FURTHER = [
    ("GP: please review the morphine MR at two weeks & reduce further if the pain has settled.\n", True),
    ("Please bring the morphine MR down further when his fracture pain allows.\n", True),
    ("We do not plan to reduce the morphine MR further; his pain is controlled.\n", False),
    ("We did not reduce it further because his pain was still severe.\n", False),
    ("Physiotherapy should reduce further pain on walking.\n", False),
    ("The walking frame should reduce the risk of further falls.\n", False),
    ("Her new glasses will reduce further falls at home.\n", False),
]


@pytest.mark.parametrize("body, wean", REDUCE_FURTHER)
def test_reducing_further_is_a_plan_unless_negated(body, wean):
    assert _letter(body).weaning_plan.present is wean


# "not to be used/taken beyond N days" is a limit on the use like "not to be continued beyond"
NOT_TO_BE_USED_BEYOND = [
    ("The morphine MR is not to be used beyond 7 days after discharge.\n", True),
    ("Morphine MR: not to be taken for more than ten days.\n", True),
    ("Morphine MR should not be given after day 5.\n", True),
    ("The morphine MR is not to be taken with alcohol.\n", False),
]


@pytest.mark.parametrize("body, wean", NOT_TO_BE_USED_BEYOND)
def test_not_to_be_used_beyond_a_time_is_a_plan(body, wean):
    assert _letter(body).weaning_plan.present is wean


# "short-term" alone (a short-term measure, supply or use) says what the drug is for, not how it stops: no plan; a
# stop told with it is one
SHORT_TERM = [
    ("GP: the morphine MR is a short-term supply only - please do not add to repeats.\n", False),
    ("The morphine MR is a short-term measure only.\n", False),
    ("The morphine MR is for short-term use only - 5 days then stop.\n", True),
    ("The morphine MR is a short course only, then stop.\n", True),
]


@pytest.mark.parametrize("body, wean", SHORT_TERM)
def test_short_term_alone_is_no_plan(body, wean):
    assert _letter(body).weaning_plan.present is wean


# a stop of "both" / "all of them" after naming the opioid with another drug stops the opioid too
STOP_BOTH = [
    ("GP: please review the Oramorph and diazepam at 4 weeks - if not using, stop both.\n", True),
    ("Please review the Oramorph and the diazepam in a month and stop them both if no longer needed.\n", True),
    ("GP: please review the diazepam at 4 weeks - if not using, stop it.\n", False),
]


@pytest.mark.parametrize("body, wean", STOP_BOTH)
def test_stopping_both_drugs_named_stops_the_opioid(body, wean):
    assert _letter(body, WITH_BENZO).weaning_plan.present is wean


# an item block's "Status:" field is about the block's drug, as its "Comments:" or "Course:" field is
ITEM = ("Item 1\nDrug ........ Oxycodone 5mg capsules\nDose ........ 5 mg up to four times a day when required for pain\n"
        "Supply ...... 12 capsules\nStatus ...... {status}\n\nItem 2\nDrug ........ Paracetamol 500mg tablets\n"
        "Dose ........ 1 g four times a day\nStatus ...... NEW\n\n")
ITEM_STATUS = [
    ("NEW - 3 days only then stop", True),
    ("New: five days then stop", True),
    ("NEW", False),
    ("NEW - 3 days", False),
]


@pytest.mark.parametrize("status, wean", ITEM_STATUS)
def test_a_stop_in_an_item_blocks_status_field_is_a_plan(status, wean):
    x = extract_letter(HEAD + ITEM.format(status=status) + "Follow-up in clinic.\n" + SIGN)
    assert x.weaning_plan.present is wean


# a request on the opioid's own medicine line that the patient carries out is the line's directions, no GP action; a
# review or a restart asked on the line, or a stop asked of the GP in the letter's prose, still is one
def _line(extra: str) -> str:
    return ("Medicines to take home:\n * Paracetamol 500mg - two tablets four times a day\n"
            f" * Codeine 30mg tablets - one or two tablets up to four times a day if needed for pain. 24 tablets. {extra}\n"
            " * Lansoprazole 15mg once a day\n\n")


RX_LINE_DIRECTIONS = [
    (_line("Please stop after 4 days."), True, False),
    (_line("Please take with food and stop after 4 days."), True, False),
    (_line("Please review the codeine at one week and stop it if the pain has settled."), True, True),
    (_line("GP: please stop after 4 days if still taking."), True, True),
    (_line("") + "Please stop the codeine after 4 days if she is still taking it.\n", True, True),
]


@pytest.mark.parametrize("rx, wean, gp", RX_LINE_DIRECTIONS)
def test_a_direction_on_the_opioids_line_is_no_gp_instruction(rx, wean, gp):
    x = extract_letter(HEAD + rx + "Follow-up with the midwife.\n" + SIGN)
    assert (x.weaning_plan.present, x.gp_instruction.present) == (wean, gp)


RX_LINE_NOT_DIRECTIONS = [
    (_line("Please take the codeine off repeats after this course."), True),
    (_line("Please take over prescribing the codeine at one week."), True),
]


@pytest.mark.parametrize("rx, gp", RX_LINE_NOT_DIRECTIONS)
def test_a_gp_action_on_the_opioids_line_stays_one(rx, gp):
    assert extract_letter(HEAD + rx + SIGN).gp_instruction.present is gp


# a "Reason: ..." field of the letter (why the patient came) is no Reason column over the medicines below it; a
# fixed-width table's own Reason column still is one
REASON_FIELD = [
    ("Reason: reduced mobility, ?UTI -> urine clear.\nMeds on d/c (from GP list):\n"
     "  Morphine sulfate MR 10mg BD - continue\n  Paracetamol 1g QDS\n\n", False),
    ("Reason for admission: fall at home\nMeds on d/c:\n  Morphine sulfate MR 10mg BD - continue\n"
     "  Paracetamol 1g QDS\n\n", False),
    ("Meds on d/c:\nDrug                        Dose     Reason\n"
     "Morphine sulfate MR 10mg    BD       hip fracture pain\nParacetamol 1g              QDS      fever\n\n", True),
]


@pytest.mark.parametrize("body, ind", REASON_FIELD)
def test_a_reason_field_is_no_reason_column(body, ind):
    x = extract_letter("Frailty unit - discharge\n80F  Test Person  DOB 01/02/45  seen 14/03/26\n" + body + SIGN)
    assert x.opioids and x.indication_documented is ind
