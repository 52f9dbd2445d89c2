"""Letter-level reading classes found wrong by the first-contact gold sets fresh17 to fresh20 (session 8, letters,
second pass): where the reason for an opioid is written, benzodiazepines in a just-in-case box, the scenario of a
rotation from long-term opioids and of supportive care, and combination brands from abroad. Every line here was
written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import SIGN_OFF, letter_with_opioid, only_rx

NO_REASON = ("Dear Dr Example,\n\nMr Test had a laparoscopic hernia repair. He goes home on oxycodone 5mg capsules, "
             "one every 4 hours when required, 12 capsules, and paracetamol 1g qds.\n\n")


# a reason later in a sentence that names the discharge opioid, in forms the 'for <reason>' reader leaves out
AFTER_DRUG = [
    ("The oxycodone is meant only for the groin discomfort.", True),
    ("He may use the oxycodone for his wound pain at night.", True),
    ("He should take the oxycodone only if his groin pain returns after the first day.", True),
    ("Keep the oxycodone for the evenings in case the pain flares.", True),
    # near misses: a length of use, a stop when the pain has gone, a recurrence told in a sentence without the drug
    ("He may need the oxycodone for the next few days.", False),
    ("The oxycodone can be stopped once his pain has settled.", False),
    ("He should come back to the ward if the pain returns.", False),
    ("The oxycodone is for the short term.", False),
]


@pytest.mark.parametrize("prose, documented", AFTER_DRUG)
def test_reason_after_the_drug_in_its_sentence(prose, documented):
    assert letter_with_opioid(NO_REASON, prose).indication_documented is documented


# a bare 'breakthrough' on the item is breakthrough pain
@pytest.mark.parametrize("line, documented", [
    ("OxyNorm 5mg capsules - 5-10mg 4-6 hourly PRN breakthrough - 20 caps", True),
    ("Oramorph 10mg/5ml - 2.5-5ml two-hourly for breakthrough, max 6 doses a day - 100ml", True),
    # near misses: no reason at all, or breakthrough of something else
    ("OxyNorm 5mg capsules - 5-10mg 4-6 hourly PRN - 20 caps", False),
])
def test_breakthrough_alone_on_the_item(line, documented):
    ex = extract_letter("Discharge summary\nDx: fractured pubic ramus.\n\nTTO:\n- " + line + "\n- Senna 15mg nocte\n"
                        + SIGN_OFF)
    assert ex.opioids and ex.indication_documented is documented


# a dispensing label printed on the line under a pack item belongs to it
LABELS = [
    ('  Label: "Take ONE capsule every SIX hours WHEN REQUIRED for pain. (2)"', True),
    ('  Directions: one capsule up to four times daily if needed for wrist pain', True),
    # near misses: a label with no reason, a reason on a line that is not the item's label
    ('  Label: "Take ONE capsule every SIX hours WHEN REQUIRED. (2)"', False),
]


@pytest.mark.parametrize("label, documented", LABELS)
def test_label_line_under_a_pack_item(label, documented):
    text = ("Minor Injuries Unit - discharge\nDx: fractured distal radius, backslab.\n\nSupplied from the unit:\n"
            "  PACK 11 | Tramadol 50mg capsules x 12 | issued by nurse practitioner\n" + label + "\n"
            "  PACK 02 | Paracetamol 500mg tablets x 32\n" + SIGN_OFF)
    ex = extract_letter(text)
    assert ex.opioids and ex.indication_documented is documented


# a reason before the drug in a prose sentence hard-wrapped on a line a little short of the margin
WRAPPED = [
    ("We discussed his analgesia at length and he is happy with the plan below. For pain at night he\n"
     "can take morphine sulfate oral solution 10mg/5ml, 2.5ml up to four-hourly, 100ml supplied.\n", True),
    # near miss: the line above gives a length of use, not a reason
    ("We discussed his analgesia at length and he is happy with the plan below. For the next five days he\n"
     "can take morphine sulfate oral solution 10mg/5ml, 2.5ml up to four-hourly, 100ml supplied.\n", False),
]


@pytest.mark.parametrize("prose, documented", WRAPPED)
def test_reason_before_the_drug_across_a_wrapped_line(prose, documented):
    ex = extract_letter("Dear Dr Example,\n\nMr Test was treated for a rib fracture after a fall at home, managed\n"
                        "without surgery and mobilising well with the physiotherapists on the ward by day three.\n"
                        + prose + SIGN_OFF)
    assert ex.opioids and ex.indication_documented is documented


# a stop of a hospital-only administration ends that infusion, not the same drug written up for home
JIC_HEAD = ("Hospice discharge\nDx: metastatic bladder cancer.\n\nRegular\n  Morphine MR 20mg tablets | ONE every "
            "12 hours | 28 tablets\nJust in case (district nurses)\n  Morphine 10mg/ml injection | 2.5-5mg SC hourly "
            "when required for pain | 10 ampoules\n")


@pytest.mark.parametrize("jic, tail, flag", [
    ("  Midazolam 10mg/2ml injection | 2.5mg SC hourly when required for distress | 10 ampoules\n",
     "Syringe driver (morphine 20mg + midazolam 10mg over 24h) stopped on 03/02.\n", True),
    ("  Midazolam 10mg/2ml injection | 2.5mg SC hourly when required for distress | 10 ampoules\n", "", True),
    # near misses: the infusion was the only midazolam; midazolam for home stopped by name
    ("", "Syringe driver (morphine 20mg + midazolam 10mg over 24h) stopped on 03/02.\n", False),
    ("", "Midazolam buccal stopped: no longer needed.\n", False),
])
def test_benzodiazepine_in_a_just_in_case_box(jic, tail, flag):
    ex = extract_letter(JIC_HEAD + jic + "\n" + tail + SIGN_OFF)
    assert ex.opioids and ("benzodiazepine_coprescribed" in ex.risk_flags) is flag


# a new opioid in place of one the letter says was taken long-term continues pre-existing use (chronic); a usual or
# pre-admission opioid stopped without such words leaves an acute letter acute
SWITCH_HEAD = "Discharge summary\nProblems: falls, hip osteoarthritis.\n\n"
SWITCH_TTO = ("Started: Buprenorphine 10 micrograms/hour 7-day patch - apply one each Monday - 4 patches\n"
              "Started: Paracetamol 1g qds\n")


@pytest.mark.parametrize("stopped, scenario", [
    ("Stopped: Dihydrocodeine 30mg 1 qds (long-term; falls and constipation)\n", "chronic_preexisting"),
    ("She had taken tramadol 50mg qds for the past three years; it was stopped because of confusion.\n",
     "chronic_preexisting"),
    ("Tramadol 50mg qds, taken for many years, was stopped on the ward.\n", "chronic_preexisting"),
    # near misses: a usual or pre-admission opioid stopped, a stop long ago, a long-term plan
    ("Stopped: Dihydrocodeine 30mg 1 qds (pre-admission; constipation)\n", "acute_new"),
    ("Her usual tramadol was stopped on the ward because of confusion.\n", "acute_new"),
    ("Tramadol was stopped two years ago because of confusion.\n", "acute_new"),
])
def test_rotation_from_long_term_opioid_is_chronic(stopped, scenario):
    ex = extract_letter(SWITCH_HEAD + stopped + SWITCH_TTO + SIGN_OFF)
    assert ex.opioids and ex.scenario == scenario


@pytest.mark.parametrize("line, scenario", [
    ("Diagnosis: CKD stage 5 under conservative kidney management; painful leg ulcers.\n", "palliative"),
    ("Diagnosis: ESRF on conservative (non-dialysis) management.\n", "palliative"),
    ("Reviewed by the supportive care team before discharge.\n", "palliative"),
    ("Plan agreed: best supportive care at home.\n", "palliative"),
    # near misses: conservative care of an injury, a care team of another kind
    ("Diagnosis: wedge fracture of L1, conservative management with physiotherapy.\n", "acute_new"),
    ("Reviewed by the social care team before discharge.\n", "acute_new"),
])
def test_supportive_care_and_conservative_kidney_management_are_palliative(line, scenario):
    ex = extract_letter("Discharge summary\n" + line + "\nTTO:\n- Oxycodone 5mg capsules, 5mg four-hourly when "
                        "required for pain, 20 caps (new)\n- Senna 15mg nocte\n" + SIGN_OFF)
    assert ex.scenario == scenario


# combination and other brands from abroad, written by overseas-trained doctors: the generic and form, no UK brand
@pytest.mark.parametrize("line, generic, formulation", [
    ("Panadeine Forte 2 tabs qid prn pain (new)", "codeine", "combination"),
    ("Panadeine 2 tablets four times a day when required", "codeine", "combination"),
    ("Zaldiar 37.5/325 mg 1-2 tablets tds prn", "tramadol", "combination"),
    ("Ixprim 1 tab three times daily if needed", "tramadol", "combination"),
    ("Targin 5/2.5 mg 1 tab bd", "oxycodone", "MR"),
    ("Endone 5 mg 1 tab 4-hourly prn", "oxycodone", "IR"),
])
def test_overseas_brands(line, generic, formulation):
    rx = only_rx(line)
    assert (rx["generic"], rx["formulation"], rx["brand"]) == (generic, formulation, None)


@pytest.mark.parametrize("line", [
    "Panadol Osteo 665mg 2 tabs tds",  # near miss: paracetamol alone under a related brand
    "Panadol 500mg 2 tabs qds",
])
def test_paracetamol_brands_stay_non_opioid(line):
    ex = extract_letter("Discharge medications:\n- " + line + "\n- Omeprazole 20mg od\n" + SIGN_OFF)
    assert not ex.opioids


def test_gp_instruction_naming_an_overseas_brand():
    ex = extract_letter("Discharge medications:\n- Panadeine Forte 2 tabs qid prn pain (new)\n- Omeprazole 20mg od\n\n"
                        "GP: please stop the Panadeine Forte at the two-week check.\n" + SIGN_OFF)
    assert ex.gp_instruction.present
