"""Classes found in session 14 (dictated prose letters). Letters written for these tests; none is taken from a gold
letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("Kestrel Bay General Hospital - Department of Surgery\n"
        "To: Dr A. Nwachukwu, Ferry Lane Surgery\n"
        "Patient: Mr Test Person   DOB 11/06/1961   Discharged 03/03/2026\n\n"
        "Dear Dr Nwachukwu,\n\n")

RX = ("Mr Person recovered well from his hernia repair and went home on day two. He has\n"
      "morphine sulfate tablets 10 mg, one tablet every four hours as needed, twenty tablets,\n"
      "with paracetamol 1 g four times a day.\n\n")


def _gp(body: str, head: str = HEAD):
    return extract_letter(head + RX + body + "\n\nYours sincerely,\n\nDr B. Test\n").gp_instruction


# a polite, indirect request to the reader about the opioid is the GP's instruction
@pytest.mark.parametrize("ask", [
    "It would be wise not to put the morphine on his repeat list.",
    "It might be worth reviewing the morphine tablets after a week.",
    "Might I suggest that the practice stops the morphine once the wound has healed?",
    "May we recommend that his morphine is stopped at his two week check.",
    "I wonder, if the pain has settled by then, whether you could stop the morphine.",
    "Please feel free to ignore this, but the morphine should be reviewed when you next see him.",
])
def test_polite_indirect_request_about_the_opioid_is_the_gps(ask):
    g = _gp(ask)
    assert g.present and g.text.startswith(ask.split(",")[0][:20])


# ... but not one about another drug, nor advice for someone else
@pytest.mark.parametrize("ask", [
    "It would be sensible to review his ramipril when his blood pressure settles.",
    "Might I suggest that the practice checks his thyroid function in six weeks?",
    "I wonder whether you might arrange a repeat ultrasound of his liver.",
    "It would be sensible for him to avoid lifting anything heavy for six weeks.",
])
def test_polite_request_about_no_opioid_or_to_no_one_is_no_gp_instruction(ask):
    assert not _gp(ask).present


# a dictated letter hard-wrapped well short of a page's width: the request runs on over the line break
def test_request_wrapped_at_a_narrow_width_runs_on_to_its_next_line():
    body = ("He should need the morphine for a few days only. I wonder whether\n"
            "you might make sure it is stopped within a week of discharge.")
    g = _gp(body)
    assert g.present and g.text.endswith("within a week of discharge.")


def test_narrow_wrap_does_not_join_medicine_list_lines():
    letter = ("Ward 4 discharge\nPatient: T Person 70M\n\nTTO\n"
              "Codeine 30mg tabs 1-2 qds prn pain x20 - new, 5/7 then stop\n"
              "lansoprazole 15mg od\nparacetamol 1g qds\n")
    ex = extract_letter(letter)
    assert ex.weaning_plan.present and ex.weaning_plan.text.endswith("then stop")


# a title line naming the GP as the addressee outweighs a later line saying where the patient was discharged to
def test_letter_titled_to_gp_keeps_requests_the_gps_despite_a_discharge_destination():
    head = ("Discharge letter to GP\nGP: Dr A. Nwachukwu, Ferry Lane Surgery\n"
            "Patient: Mr Test Person, DOB 11/06/1961\n"
            "discharged to the community rehab team's outpatient clinic 03/03/2026.\n\n"
            "Dear Dr Nwachukwu,\n\n")
    g = _gp("I would be grateful if you could review the morphine after a week.", head=head)
    assert g.present


def _rx(body: str):
    return extract_letter(HEAD + body + "\n\nYours sincerely,\n\nDr B. Test\n")


# "has gone home on" / "went home with" says what goes home, even after a past "was on" in the same sentence
@pytest.mark.parametrize("body", [
    "Once he was on regular paracetamol his pain settled, and he has gone home on oxycodone 5 mg capsules, one "
    "capsule up to four times a day when required, twenty capsules supplied.",
    "After he was on the ward for two days he went home with morphine sulfate 10 mg tablets, one every four hours "
    "as needed, twenty tablets.",
])
def test_gone_home_on_is_a_discharge_prescription_after_a_past_was_on(body):
    ex = _rx(body)
    assert len(ex.opioids) == 1 and ex.opioids[0].generic in body.split("home ")[1].split()[1]


# a contrast: what was declined or avoided before "but" is the first part's, not the drug given after it
@pytest.mark.parametrize("body, given, refused", [
    ("He declined tramadol on the ward, but was content to take codeine 30 mg, one tablet four times a day as "
     "needed, 20 tablets supplied.", "codeine", "tramadol"),
    ("Morphine was avoided because of her kidneys but she has been given oxycodone 5 mg capsules, one up to four "
     "times a day if needed, 14 capsules.", "oxycodone", "morphine"),
])
def test_drug_after_but_is_not_the_declined_ones(body, given, refused):
    ex = _rx(body)
    assert [r.generic for r in ex.opioids] == [given]
    assert refused in [d.generic for d in ex.distractors]


def test_drug_declined_after_but_is_still_declined():
    ex = _rx("We offered codeine 30 mg four times a day but he declined it, preferring paracetamol alone.")
    assert not ex.opioids


# a dose made up of two capsule strengths told in brackets with "each time" / "at a time"
@pytest.mark.parametrize("line, dose, strength", [
    ("We have increased his Zomorph to 45 mg twice a day (one 30 mg and one 15 mg capsule each time).", 45.0, 30.0),
    ("He takes MST Continus 70 mg twice a day (a 60 mg and a 10 mg tablet at a time).", 70.0, 60.0),
])
def test_bracketed_two_strengths_each_time_make_up_the_dose(line, dose, strength):
    rx = _rx(line).opioids
    assert [(r.dose_mg_max, r.strength_mg) for r in rx] == [(dose, strength)]


# a frequency interval cut by a line break ('... every four to six' / 'hours as required')
@pytest.mark.parametrize("body", [
    "For pain she has been given codeine 30 mg tablets, one or two tablets every four to six\nhours as needed, 28 tablets.",
    "For pain she has been given codeine 30 mg tablets, one or two tablets every four\nhours if required, 28 tablets.",
])
def test_frequency_cut_inside_its_interval_runs_on(body):
    rx = _rx(body).opioids
    assert [(r.frequency_per_day_max, r.prn) for r in rx] == [(6, True)]


# impersonal advice on a dose ("it would be reasonable to increase the MST to 80 mg") proposes it: no prescription
@pytest.mark.parametrize("advice", [
    "If he needs more it would be reasonable to increase the MST to 80 mg twice daily.",
    "Should the pain return, it might be sensible to raise his MST to 90 mg twice a day.",
])
def test_impersonal_advice_on_a_dose_is_no_second_prescription(advice):
    rx = _rx("We increased his MST Continus from 40 mg to 60 mg twice a day, 28 tablets dispensed.\n\n" + advice).opioids
    assert [(r.formulation, r.dose_mg_max) for r in rx] == [("MR", 60.0)]


# a brand's second word wrapped onto the next line ("... his MST" / "Continus from 40 mg to 60 mg ...")
def test_brand_tail_on_the_next_line_keeps_the_prescription():
    body = ("Thank you for your help with him. Over the fortnight we have increased his MST\n"
            "Continus from 30 mg to 50 mg twice a day, 28 tablets dispensed, and his pain is\n"
            "much better controlled on it.")
    rx = _rx(body).opioids
    assert [(r.formulation, r.dose_mg_max, r.frequency_per_day_max) for r in rx] == [("MR", 50.0, 2)]


# a drug named at the end of a prose line, its strength and directions on the next
@pytest.mark.parametrize("body, generic", [
    ("Anticipatory medicines have been left in the house: morphine sulfate\n"
     "10 mg/1 ml injection, 2.5 to 5 mg subcutaneously every four hours when required, five ampoules.", "morphine"),
    ("For breakthrough pain at home she has been supplied with oxycodone\n"
     "5 mg capsules, one every four hours as needed, twenty capsules, and laxatives.", "oxycodone"),
])
def test_drug_at_line_end_with_its_strength_on_the_next_line(body, generic):
    rx = _rx(body).opioids
    assert [(r.generic, r.frequency_per_day_max, r.prn) for r in rx] == [(generic, 6, True)]


# a count of units opening the next line after a strength ('... 50 mg capsules,' / 'two capsules four times a day,
# ... were stopped'): the sentence goes on, so its stop belongs to the drug
def test_count_of_units_on_the_next_line_carries_the_sentence_and_its_stop():
    body = ("She was very drowsy when she came in. Her dihydrocodeine 30 mg tablets,\n"
            "two tablets three times a day, were stopped on admission and her drowsiness settled.")
    ex = _rx(body)
    assert not ex.opioids
    assert [(d.generic, d.reason) for d in ex.distractors] == [("dihydrocodeine", "stopped")]


# a prohibition about an opioid the letter stopped ("please do not restart the co-codamol") ranks after the request
# about the opioid that goes home
def test_request_about_the_discharge_opioid_before_a_prohibition_on_a_stopped_one():
    body = ("He goes home on morphine sulfate 10 mg tablets, one every four hours if needed, twenty tablets. The\n"
            "senna is new as well; please do not restart the co-codamol.\n\n"
            "I wonder whether you might review the morphine after two weeks.")
    g = extract_letter(HEAD + body + "\n\nYours sincerely,\n\nDr B. Test\n").gp_instruction
    assert g.present and g.text.startswith("I wonder whether you might review the morphine")
