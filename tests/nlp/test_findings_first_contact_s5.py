"""Classes of plan, GP-instruction and indication phrasing found missing by the first-contact gold sets of session 5
(fresh3/fresh4). Every sentence here was written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

TTO = "Discharge medications:\n- Oxycodone 5mg capsules 5mg every 4 hours when required for pain (20 capsules)\n" \
      "- Omeprazole 20mg od\n"


def _read(plan: str, heading: str = "Plan:"):
    ex = extract_letter(TTO + "\n" + heading + "\n" + plan + "\n")
    assert ex.opioids
    return ex


LETTER = ("Dear Dr Example,\n\nMrs Test was admitted with a fractured wrist, fixed in theatre. She goes home on oxycodone "
          "5mg capsules, one every 4 hours when required for pain, 20 capsules, and omeprazole 20mg od.\n\n")


# A request to the GP that refers back to the opioid's plan stated just before it ("supervise the taper", "GP to
# monitor the reduction") is about that opioid, though it does not name it again.
PLAN_REFERENCES = [
    ("The oxycodone should come off once the wrist settles. We would be grateful if you could supervise the plan.", True),
    ("The oxycodone is to be reduced to 5mg at night after a week. Could you supervise the reduction for us?", True),
    ("Oxycodone: wean over the next 10 days and stop.\nGP kindly monitor the taper + review at 2/52.", True),
    ("The oxycodone should be tapered off over a fortnight. We would be grateful if you could monitor the reduction.",
     True),
    # near misses: no plan just before, a blank line between, or a request about something else
    ("She is comfortable on the ward. We would be grateful if you could supervise this plan.", False),
    ("The oxycodone should come off once the wrist settles.\n\nWe would be grateful if you could check her U&Es.", False),
    ("The oxycodone is to be reduced to 5mg at night after a week. Could you check her blood pressure too?", False),
]


@pytest.mark.parametrize("prose, gp", PLAN_REFERENCES)
def test_a_request_referring_back_to_the_plan_is_a_gp_instruction(prose, gp):
    ex = extract_letter(LETTER + prose + "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.gp_instruction.present is gp


# A "please" under a heading that addresses the patient ("Advice for the patient", "Your medicines") or another team
# ("Plan for the ward team", "Handover to the rehab unit") is a request to them, not an instruction to the GP.
OTHER_RECIPIENTS = [
    ("ADVICE FOR THE PATIENT", "Please stop the oxycodone after four days and use paracetamol instead.", False),
    ("Your medicines", "You are going home with oxycodone. Please reduce it to 5mg at night after 3 days.", False),
    ("Plan for the community hospital team", "- Please review the oxycodone after one week and stop it if settled.", False),
    ("Handover to the rehab unit:", "Please wean the oxycodone over 5 days.", False),
    # near misses: the GP is named, or the heading is the GP's own
    ("Your medicines", "Please ask your GP to stop the oxycodone after one week.", True),
    ("Plan for the ward team and GP", "Please stop the oxycodone after one week.", True),
    ("Actions for the practice", "Please review the oxycodone and stop it once the wound settles.", True),
]


@pytest.mark.parametrize("heading, plan, gp", OTHER_RECIPIENTS)
def test_a_request_to_the_patient_or_another_team_is_no_gp_instruction(heading, plan, gp):
    ex = extract_letter("Dear Dr Example,\n\n" + TTO + "\n" + heading + "\n" + plan + "\n")
    assert ex.opioids
    assert ex.weaning_plan.present
    assert ex.gp_instruction.present is gp


# A return to a lower dose ("go back down to 5 mg", "drop back to her usual dose", "should come down slowly") with a
# time or condition is a step-down plan; a reduction that already happened ("has come down to") is not.
BACK_DOWN = [
    ("Oxycodone - when she is walking again, go back down to 5mg at night.", True),
    ("When the pain eases she can drop back to her previous dose of oxycodone.", True),
    ("After the dressing change the oxycodone should come down gradually over about a week.", True),
    ("Oxycodone - step back down to 5mg when mobile.", True),
    # near misses: a past change, a movement, a dose going up
    ("Since the operation her oxycodone has come down to 5mg at night.", False),
    ("She can go back to work once the oxycodone is no longer needed.", False),
    ("Oxycodone was put back up to 10mg when the pain flared.", False),
]


@pytest.mark.parametrize("plan, wean", BACK_DOWN)
def test_a_return_to_a_lower_dose_is_a_plan(plan, wean):
    assert _read(plan).weaning_plan.present is wean


# An empty plan in other words ("weaning is not needed", "tapering not required", "no need to wean") is no plan; a stop
# stated beside it still is.
NOT_NEEDED = [
    ("Oxycodone is only a few days' supply, so weaning is not needed.", False),
    ("Tapering of the oxycodone is not required after only three days of use.", False),
    ("No need to wean the oxycodone; she has only had it for two days.", False),
    ("The oxycodone does not need tapering (three days of use).", False),
    # near misses: a plan stated beside the empty field
    ("Oxycodone: no weaning needed, just stop after 5 days.", True),
    ("No need for a slow taper - stop the oxycodone once the wound has healed.", True),
]


@pytest.mark.parametrize("plan, wean", NOT_NEEDED)
def test_no_weaning_needed_is_no_plan(plan, wean):
    assert _read(plan).weaning_plan.present is wean


# Paperwork for the opioid asked of the GP ("sign a chart for the oxycodone", "fill in the
# paperwork for it") is an opioid-specific GP action.
PAPERWORK = [
    ("GP please sign a community prescription chart for the oxycodone for the visiting nurses.", True),
    ("Please fill in the authorisation paperwork for the oxycodone before the nurses first visit.", True),
    ("GP kindly countersign the oxycodone administration record.", True),
    # near misses: paperwork about something else
    ("GP please sign the fit note for six weeks.", False),
    ("Please complete the DVLA form at your convenience.", False),
    ("GP to complete the course of antibiotics.", False),
]


@pytest.mark.parametrize("plan, gp", PAPERWORK)
def test_paperwork_for_the_opioid_is_a_gp_instruction(plan, gp):
    assert _read(plan, "GP actions:").gp_instruction.present is gp


def _indicated(letter: str) -> bool:
    ex = extract_letter(letter)
    assert ex.opioids
    return ex.indication_documented


# Pain as the subject of a progress report ("the pain remains mild", "pain is manageable now") is no reason for the
# opioid written in the same sentence.
PROGRESS = [
    ("Summary: morphine MR 10mg bd was continued at the same dose and her hip pain remains mild.\n", False),
    ("Summary: his codeine 30mg qds was kept the same; back pain is now manageable at rest.\n", False),
    ("Summary: tramadol 50mg bd was continued and pain has been bearable with it.\n", False),
    # near misses: the reason is written
    ("Summary: morphine MR 10mg bd was continued for her back pain, which remains tolerable.\n", True),
    ("Summary: codeine 30mg qds when required for pain.\n", True),
]


@pytest.mark.parametrize("prose, documented", PROGRESS)
def test_pain_in_a_progress_report_is_no_indication(prose, documented):
    letter = "Discharge summary\nPatient aged 70.\n" + prose + "\nDischarge medicines: as above.\n"
    assert _indicated(letter) is documented


# A letter saying the patient is on opioid substitution treatment states why the methadone or sublingual
# buprenorphine is given, though the prescription's own line does not.
SUBSTITUTION = [
    ("She receives opioid substitution treatment from the addiction service.", "Methadone 1mg/ml oral solution 45ml once daily, "
     "supervised", True),
    ("Background: opioid dependence, stable for 4 years.", "Buprenorphine 8mg sublingual tablets, 12mg once daily", True),
    ("He collects his OST daily from his local chemist.", "Methadone 1mg/ml oral solution 70ml once daily", True),
    # near misses: a patch, or no word about substitution treatment
    ("She receives opioid substitution treatment from the addiction service.", "Buprenorphine 10 micrograms/hour 7-day patch, "
     "apply weekly", False),
    ("He has been on this dose for several years.", "Methadone 1mg/ml oral solution 70ml once daily", False),
]


@pytest.mark.parametrize("history, line, documented", SUBSTITUTION)
def test_opioid_substitution_treatment_is_the_indication(history, line, documented):
    letter = "Discharge letter\n" + history + "\n\nDischarge medications:\n- " + line + "\n- Omeprazole 20mg od\n"
    assert _indicated(letter) is documented


# "For his pain he takes paracetamol. In addition we have given him codeine ...": the reason of a sentence
# carries over to a drug the next sentence adds to it ("In addition", "Additionally", "As well as this").
CONTINUATION = [
    ("For his wrist pain he takes paracetamol regularly. In addition we have given him codeine 30mg up to four times a "
     "day, 28 tablets.", True),
    ("For her post-operative pain she has ibuprofen 400mg tds. Additionally she has oxycodone 5mg capsules, one every "
     "six hours when needed, 12 capsules.", True),
    ("For breakthrough pain he may use paracetamol. As well as this he goes home on morphine MR 10mg twice daily, 14 "
     "tablets.", True),
    # near misses: the sentence before gives no reason, or the drug's sentence does not continue it
    ("He takes paracetamol regularly. In addition we have given him codeine 30mg up to four times a day, 28 tablets.",
     False),
    ("For his wrist pain he takes paracetamol regularly.\n\nHe was seen by the physiotherapists. We have given him "
     "codeine 30mg up to four times a day, 28 tablets.", False),
]


@pytest.mark.parametrize("prose, documented", CONTINUATION)
def test_a_reason_carries_over_to_a_drug_added_in_the_next_sentence(prose, documented):
    letter = "Dear Dr Example,\n\nMr Test had an operation on his wrist and went home the next day.\n" + prose + \
        "\n\nYours sincerely,\nDr Writer\n"
    assert _indicated(letter) is documented


# A cap on the length of use ("a short course", "for a maximum of 5 days", "no longer than a week") is a plan, but a
# weaker one: when the letter also states an explicit stop or step-down, that one is the plan shown.
CAP_THEN_STOP = [
    ("We have given her a short course of oxycodone. She should stop it once the wound has settled.",
     "She should stop it once the wound has settled."),
    ("Oxycodone is for a maximum of five days. Please wean it to 5mg at night after three days, then stop.",
     "Please wean it to 5mg at night after three days, then stop."),
    ("Oxycodone for no longer than a week. He will come off it as the pain eases.", "He will come off it as the pain eases."),
    # near misses: a cap alone is still the plan; an explicit plan first stays first
    ("We have given her a short course of oxycodone. She has a follow up in clinic.",
     "We have given her a short course of oxycodone."),
    ("Stop the oxycodone after 4 days. It is for a maximum of five days in any case.", "Stop the oxycodone after 4 days."),
]


@pytest.mark.parametrize("prose, shown", CAP_THEN_STOP)
def test_an_explicit_stop_is_shown_before_a_cap_on_the_length_of_use(prose, shown):
    ex = extract_letter("Dear Dr Example,\n\nMrs Test was admitted with a fractured wrist, fixed in theatre. She goes "
                        "home on oxycodone 5mg capsules, one every 4 hours when required, 20 capsules.\n" + prose +
                        "\n\nYours sincerely,\nDr Writer\n")
    assert ex.opioids
    assert ex.weaning_plan.present
    assert ex.weaning_plan.text == shown


# A bare age in the cell after the patient's name in a pipe or tab header row ("Mrs Ada TEST | 81 | NHS ...").
AGE_CELLS = [
    ("Name | Mrs Ada TESTER | 81 | NHS 999 000 1234 | Ward 3\n", 81),
    ("Patient\tMr Bill EXAMPLE\t69\tNHS 999 111 2222\n", 69),
    ("Mx Sam SAMPLE | 72 yrs | Hosp no TT12345\n", 72),
    # near misses: the number after the name is an NHS number or a ward
    ("Name | Mrs Ada TESTER | 999 000 1234 | Ward 3\n", None),
    ("Mr Bill EXAMPLE | 12B | Bay 4\n", None),
]


@pytest.mark.parametrize("head, age", AGE_CELLS)
def test_an_age_cell_after_the_name(head, age):
    from nlp.findings import patient_age

    assert patient_age("Discharge summary\n" + head + "Diagnosis: fall\n") == age


# A reason written for a past or stopped use of the same drug ("Hx: used codeine for migraine years ago - stopped")
# is not the reason for the discharge prescription.
PAST_REASON = [
    ("PMH: took codeine for knee pain some years ago, no longer taking it", False),
    ("Hx: codeine for period pain in the past", False),
    ("Codeine for dental pain discontinued last year", False),
    # near misses: the reason is the current one
    ("She will use the codeine for her knee pain until the swelling settles", True),
    ("We have started codeine for her knee pain, stopped the naproxen", True),
]


@pytest.mark.parametrize("history, documented", PAST_REASON)
def test_the_reason_of_a_past_use_is_not_the_indication(history, documented):
    letter = ("ED discharge\n" + history + "\nTTO\n- Codeine phosphate 30mg tablets 1-2 qds prn, 28 tablets (new)\n"
              "- Omeprazole 20mg od\n")
    assert _indicated(letter) is documented


# A labelled reason for the analgesia or opioids anywhere in the letter ("Analgesia indication: ...", "Reason for
# opioid: ...") documents the indication; an empty label does not.
LABELLED = [
    ("Analgesia indication: pain from the wrist fracture.", True),
    ("Reason for opioid - post-operative pain", True),
    ("Opioid indication: acute pain after ORIF", True),
    # near misses: empty labels, or a label about another drug
    ("Indication for opioid: n/a", False),
    ("Analgesia indication: -", False),
    ("Antibiotic indication: cellulitis", False),
]


@pytest.mark.parametrize("label, documented", LABELLED)
def test_a_labelled_reason_for_the_analgesia(label, documented):
    letter = "Discharge summary\nTTO\n- Codeine phosphate 30mg tablets 1-2 qds prn, 28 tablets (new)\n" \
             "- Omeprazole 20mg od\n" + label + "\n"
    assert _indicated(letter) is documented


# A numbered or bulleted medicine line is one item: a reason anywhere on it, after full stops, is that drug's.
LIST_ITEMS = [
    ("1) Butrans 5 micrograms/hour patch - one patch weekly (on Fridays). 4 patches supplied. Long-term, unchanged "
     "(her pain clinic started it) - for arthritic knee pain", True),
    ("1) Morphine MR 10mg tablets - ONE twice daily (8am and 8pm). Qty 28 tablets. UNCHANGED (long-term) - for back pain",
     True),
    ("1) Tramadol 50mg capsules - ONE four times a day. Qty 28 capsules. NEW (started day 2) - for nerve pain", True),
    # near misses: another drug on the same line owns the reason, or the line is no list item
    ("1) Morphine MR 10mg tablets - ONE twice daily (8am and 8pm). Qty 28 tablets. UNCHANGED - ibuprofen 200mg tds for "
     "knee pain", False),
    ("Morphine MR 10mg tablets - ONE twice daily (8am and 8pm). Qty 28 tablets. UNCHANGED. The physios will see her "
     "about the knee pain", False),
]


@pytest.mark.parametrize("line, documented", LIST_ITEMS)
def test_a_reason_anywhere_on_a_list_item_is_the_drugs(line, documented):
    letter = "Discharge summary\nTTO items:\n" + line + "\n2) Paracetamol 500mg 2 tabs QDS\n3) Senna 7.5mg 2 at night\n" \
        "\nFollow up in clinic.\n"
    assert _indicated(letter) is documented


def test_a_labelled_reason_without_an_opioid_is_no_indication():
    letter = "Discharge summary\nTTO\n- Paracetamol 1g qds\n- Omeprazole 20mg od\nAnalgesia indication: sprained ankle pain.\n"
    ex = extract_letter(letter)
    assert not ex.opioids
    assert ex.indication_documented is False


# "Not for long-term use" is a limit of the plans class, but a statement holding only it had no candidate word
# ("long-term" was no keyword), so it was never read.
LONG_TERM = [
    ("Oxycodone is not for long-term use.", True),
    ("Oxycodone capsules: not for long term use.", True),
    ("This oxycodone is not for long-term use after the wrist has healed.", True),
    # near misses: long-term use as a fact, or a long-term plan about something else
    ("She has taken long-term oxycodone for her back for years.", False),
    ("Long-term plan: physiotherapy and a splint.", False),
]


@pytest.mark.parametrize("plan, wean", LONG_TERM)
def test_not_for_long_term_use_is_read(plan, wean):
    assert _read(plan).weaning_plan.present is wean
