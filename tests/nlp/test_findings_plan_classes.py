"""Classes of plan/GP/age phrasings the dev files lack (issue 11 items 5 and 8). Sentences written for these tests."""
from __future__ import annotations

import pytest

from nlp.findings import patient_age
from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Oxycodone 5mg capsules 5mg every 4 hours when required for pain (20 capsules)\n"


def _read(plan: str):
    ex = extract_letter(TTO + "\nPlan:\n" + plan + "\n")
    assert ex.opioids
    return ex


# Requests to the GP (or practice, surgery, community/district nursing) in polite or indirect forms.
GP_REQUESTS = [
    ("We would be most grateful if the surgery could review his oxycodone after one week.", True),
    ("I'd be grateful if the practice could keep reducing the oxycodone and review at each step.", True),
    ("We'd really appreciate your help in stopping the oxycodone over the coming fortnight.", True),
    ("Grateful if his GP would review the oxycodone requirement at the two-week mark.", True),
    ("Could the practice kindly check whether the oxycodone is still needed at day 7?", True),
    ("Might you kindly review her oxycodone at one week?", True),
    ("The community nursing team are asked to review the oxycodone on their next visit.", True),
    ("We'd ask the district nurses to check the oxycodone supply is finished by Friday.", True),
    ("Your help in reviewing her analgesia at 2 weeks would be much appreciated.", True),
    ("Surgery: please look at the oxycodone again at one week.", True),
    ("For the practice - would you follow up the oxycodone at 10 days.", True),
    ("Community team will keep an eye on his oxycodone use.", True),
    ("DNs - please supervise the oxycodone supply until finished.", True),
    # negatives: no opioid, or not addressed to anyone
    ("GP to continue usual care.", False),
    ("District nurse for wound care.", False),
    ("We would be grateful if you could check her U&Es in a week.", False),
    ("We would appreciate it if the surgery could arrange physiotherapy.", False),
    ("Community team to review the wound dressings on Monday.", False),
    ("She was grateful for the care of the ward team.", False),
    ("Surgery: please arrange a follow up X-ray in 6 weeks.", False),
    ("Practice nurse to follow up the wound.", False),
    ("The oxycodone made her drowsy; the surgery was uneventful.", False),
]


@pytest.mark.parametrize("plan, gp", GP_REQUESTS)
def test_polite_and_indirect_gp_requests(plan, gp):
    assert _read(plan).gp_instruction.present is gp


# Plans stated about the future, as a stop date, or as a limit on the length of use.
FUTURE_AND_LIMITS = [
    ("He will step down to paracetamol on its own once the wound settles.", True),
    ("She will switch down to co-codamol and then to paracetamol alone.", True),
    ("The oxycodone is to be stopped by day 6 at the very latest.", True),
    ("Oxycodone for no longer than seven days.", True),
    ("Use oxycodone for a maximum of four days, then paracetamol only.", True),
    ("Oxycodone to be used for at most 5 days.", True),
    ("Stop oxycodone on 21/07.", True),
    ("Oxycodone stop date 3rd August.", True),
    ("Expect him to be off the oxycodone within the week.", True),
    ("Oxycodone until 14/07 then stop.", True),
    ("Maximum duration of oxycodone: 5 days.", True),
    ("Oxycodone will be weaned down and then stopped over a week.", True),   # future 'be weaned down/off'
    ("Oxycodone to be weaned off over 5 days.", True),
    ("Oxycodone is being weaned down by the pain team.", True),
    # negatives
    ("She was weaned down to 10 mg of oxycodone last year.", False),         # past: not a plan
    ("No plan to reduce the oxycodone at present.", False),
    ("Continue oxycodone long term, no change.", False),
    ("Stop the naproxen after five days.", False),
    ("No more than 6 capsules of oxycodone in 24 hours.", False),
    ("Maximum 4 doses in 24 hours.", False),
    ("Oxycodone was stopped on 12/06 because of drowsiness.", False),
    ("Stop smoking.", False),
    # a step-down that already happened is history, whatever verb and time marker it uses
    ("Codeine was tailed off and stopped last year.", False),
    ("Her tramadol had been gradually tapered off before this admission.", False),
    ("He tapered off his dihydrocodeine in 2022 without problems.", False),
    ("MST was successfully weaned and stopped 3 years ago.", False),
    ("Oxycodone got cut down by the pain clinic in the past.", False),
    # ... and the same verbs as a plan still are
    ("Oxycodone should have been tapered off by the clinic visit at 2 weeks.", True),
    ("Oxycodone to be tailed off and stopped by day 7.", True),
]


@pytest.mark.parametrize("plan, wean", FUTURE_AND_LIMITS)
def test_future_plans_stop_dates_and_limits(plan, wean):
    assert _read(plan).weaning_plan.present is wean


# Age written in other ways: "74 yrs" in a header, an Age column, CSV-ish DOB, Welsh "oed".
AGES = [
    ("Mrs A Example, 74 yrs\nWard 5\n", 74),
    ("Patient: B Example    81 years    Hosp no 123\n", 81),
    ("Name | Age | Sex | Ward\nC Example | 77 | F | 9\n", 77),
    ("Name\tNHS no\tAge\nD Example\t999 999 9999\t68\n", 68),
    ("| Patient | Age |\n|---|---|\n| E Example | 92 |\n", 92),
    ("Name,DOB,Discharged\nF Example,14/01/1955,02/03/2025\n", 70),
    ("DOB,14/01/1955\nDischarge date,02/03/2025\n", 70),
    ("Claf: G Example, 83 oed\n", 83),
    ("Oed: 79\n", 79),
    ("Age/Sex: 71/M\n", 71),
    ("H Example, 66 years of age, admitted with a fall.\n", 66),
    # negatives
    ("On morphine for 10 yrs, no problems.\n", None),
    ("Back pain for 20 years.\n", None),
    ("Name | Age | Sex\nJ Example | - | F\n", None),
    ("Smoker, 40 pack years.\n", None),
    ("Stopped codeine 3 yrs ago.\n", None),
    ("Ex-smoker, 30 years\n", None),
    ("PMH: diabetic, 20 yrs\n", None),
    ("Lives alone, widowed, 12 years\n", None),
    ("Name: K Example,  88 yrs,  Ward 3\nEx-smoker, 30 years\n", 88),
]


@pytest.mark.parametrize("header, age", AGES)
def test_age_in_other_layouts(header, age):
    assert patient_age(header) == age


# A request that points back at the opioid of the previous sentence ("this reduction", "it") or at "the patch".
CONTEXT_REQUESTS = [
    ("We have reduced her oxycodone to 5mg twice a day. We'd be grateful if you could carry on with this "
     "reduction, reviewing her at each step.", True, True),
    ("The oxycodone dose was lowered before discharge. Could the practice kindly continue the reduction over "
     "the next two weeks?", True, True),
    ("Oxycodone helped his pain. We would appreciate the surgery's help in stopping it by the end of the month.",
     True, True),
    ("Her wound is healing well. We would be grateful if you could review it in clinic.", False, False),
    ("We would be grateful if the practice could arrange a repeat blood test.", False, False),
]


@pytest.mark.parametrize("plan, wean, gp", CONTEXT_REQUESTS)
def test_requests_that_refer_back_to_the_opioid(plan, wean, gp):
    ex = _read(plan)
    assert (ex.weaning_plan.present, ex.gp_instruction.present) == (wean, gp)


PATCH_TTO = "TTO:\n- Buprenorphine 5 micrograms/hour patch, apply one patch every 7 days, 2 patches\n- Lidocaine 5% plaster\n"


@pytest.mark.parametrize("plan, wean", [
    ("Change the patch every Thursday morning.", False),
    ("Care home staff to remove and stop after the 2nd patch.", True),
    ("Last patch to be applied on 14/05, then stop.", True),
    ("Remove the lidocaine plaster after 12 hours.", False),
    ("Apply the patch to a hairless area of skin.", False),
])
def test_patch_plans_refer_to_the_opioid_patch(plan, wean):
    ex = extract_letter(PATCH_TTO + "\nPlan:\n" + plan + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present is wean
    assert ex.gp_instruction.present is False  # care home, district nurses' tasks without a request form
