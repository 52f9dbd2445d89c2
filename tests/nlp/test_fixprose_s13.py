"""Dictated-prose classes found on fresh73's misses (session 13, branch fixprose). Letters written for these tests;
none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("Department of Surgery, Ashford Vale Hospital\n\nDear Dr Test\n\nRe: Mr Test Person  DOB 02/03/1950\n"
        "Admitted 01/05/2026, discharged 14/05/2026\n\n")


def _rxs(body: str):
    return [(r.generic, r.formulation) for r in extract_letter(HEAD + body).opioids]


# a relative's home is a place the patient goes to, not the relative whose medicine it is
@pytest.mark.parametrize("place", ["to his son's", "to her daughter's house", "at her sister's", "to his parents'"])
def test_a_relatives_home_is_no_relative_taking_the_drug(place):
    body = (f"He goes home {place} with oxycodone 5mg capsules, one every four hours when needed for pain, "
            "20 capsules supplied.\n\nYours sincerely\n")
    assert ("oxycodone", "IR") in _rxs(body)


def test_a_relatives_own_drug_stays_family():
    body = ("He goes home on paracetamol 1g four times a day. His daughter's tramadol 50mg capsules are kept at "
            "her house.\n\nYours sincerely\n")
    assert _rxs(body) == []


GOES_HOME = "He goes home on morphine sulfate MR 30mg twice a day, 14 days supplied.\n\n"


# a step-down told with a modal ("should now come down by ...") or a plan to stop told before its steps is a plan,
# never a second prescription
@pytest.mark.parametrize("plan", [
    "The morphine MR should now come down by 10mg per dose every week until he is off it.",
    "The MST will then go down by 10mg each fortnight.",
    "The aim is to stop the morphine altogether: after a week it should go down to 20mg twice a day, then 10mg "
    "twice a day for a week, and then stop.",
    "Our plan is to wean the morphine: 20mg twice a day from 21 May, then 10mg twice a day.",
])
def test_a_taper_plan_is_no_prescription(plan):
    assert _rxs(GOES_HOME + plan + "\n\nYours sincerely\n") == [("morphine", "MR")]


# a dose told as the peak or the latest of a past course is that course's dose, not what goes home
@pytest.mark.parametrize("past", [
    "After the operation he was settled on oral oxycodone, which at its peak was OxyContin 40mg twice a day; we "
    "have since brought this down.",
    "She has taken tramadol for her back for years, most recently 100mg four times a day.",
    "His oxycodone MR dose peaked at 60mg twice a day last week.",
])
def test_a_peak_or_latest_past_dose_is_historical(past):
    body = past + "\n\nHe goes home on morphine sulfate MR 20mg twice a day, 14 days supplied.\n\nYours sincerely\n"
    assert [(r.generic, r.dose_mg_max) for r in extract_letter(HEAD + body).opioids] == [("morphine", 20.0)]


# a past use the team kept going is a continued prescription
@pytest.mark.parametrize("kept", ["and we have kept that going", "and we have left it unchanged",
                                  "and I have kept her on it"])
def test_a_past_use_kept_going_is_continued(kept):
    body = (f"She had been taking co-codamol 30/500, two tablets four times a day, for her back, {kept}. "
            "Her wound is healing well.\n\nYours sincerely\n")
    assert [(r.generic, r.dose_mg_max) for r in extract_letter(HEAD + body).opioids] == [("codeine", 60.0)]


# a drug the team considered at length but did not give ("... but in the end she did not need it") is no prescription
@pytest.mark.parametrize("considered", [
    "We considered a low dose of oxycodone for the worst nights but in the end she did not need it.",
    "We briefly considered adding a small dose of morphine for the bad days, but she decided not to take it.",
])
def test_a_drug_considered_and_not_needed_is_no_prescription(considered):
    body = (considered + " Her furosemide has been restarted at 20mg; the ramipril remains on hold.\n\n"
            "Yours sincerely\n")
    assert _rxs(body) == []


# a second drug joined by ', and' to the object of a past-use verb is past use too
def test_a_second_object_of_a_past_use_verb_is_historical():
    body = ("He had been taking tramadol 50mg, two capsules four times a day, and MST 20mg twice a day for his hip, "
            "and both had built up as his kidneys failed. His pain is now controlled on paracetamol.\n\n"
            "Yours sincerely\n")
    assert _rxs(body) == []


def test_a_second_drug_with_its_own_verb_keeps_its_own_status():
    body = ("He had been taking tramadol 50mg four times a day, and oxycodone 5mg four-hourly when required has been "
            "started for his hip, 20 capsules supplied.\n\nYours sincerely\n")
    assert ("oxycodone", "IR") in _rxs(body)


# a drug told to be no longer practical / suitable / tolerated is the one left behind
@pytest.mark.parametrize("why", ["was no longer practical", "had become no longer safe", "was no longer tolerated"])
def test_a_drug_no_longer_usable_is_stopped(why):
    body = (f"His MST, which he had been sprinkling on soft food at 30mg twice daily, {why}, so we moved him to a fentanyl patch. "
            "He goes home on Matrifen 25 micrograms/hour, changed every third day, five patches supplied.\n\n"
            "Yours sincerely\n")
    assert _rxs(body) == [("fentanyl", "patch")]


# a request that the new product replace the old one on the repeat list names the old dose, not a prescription
@pytest.mark.parametrize("req", [
    "Please could you make sure the new oxycodone strength replaces the 10mg tablets on his repeat prescription.",
    "Please use the new oxycodone dose in place of the 10mg capsules on her repeat list.",
])
def test_a_repeat_list_replacement_request_is_no_prescription(req):
    body = ("He now takes oxycodone MR 20mg twice a day, two weeks supplied.\n\n" + req + "\n\nYours sincerely\n")
    assert [(r.generic, r.dose_mg_max) for r in extract_letter(HEAD + body).opioids] == [("oxycodone", 20.0)]


# "we stopped it and replaced it with X": X is what goes home (the stop is the drug before's)
@pytest.mark.parametrize("verb", ["replaced it with", "substituted them with", "replaced this by"])
def test_the_drug_something_was_replaced_with_is_prescribed(verb):
    body = (f"His tramadol was not helping, so we stopped it and {verb} regular morphine sulfate MR 10mg twice a day, "
            "14 days supplied.\n\nYours sincerely\n")
    assert [(r.generic, r.dose_mg_max) for r in extract_letter(HEAD + body).opioids] == [("morphine", 10.0)]


# a step-down's target told with a modal ("should go down to 5mg twice a day after one week") is a plan
def test_a_modal_step_down_target_is_a_plan():
    body = ("He goes home on oxycodone MR 10mg twice a day, 14 days supplied.\n\nThe oxycodone MR should go down to "
            "5mg twice a day after one week at home and then stop.\n\nYours sincerely\n")
    assert [(r.generic, r.dose_mg_max) for r in extract_letter(HEAD + body).opioids] == [("oxycodone", 10.0)]


# a stop whose subject is a pronoun for the drug told before ("...; this has been stopped and he should not take it
# with the oxycodone") is not the later drug's stop, nor is a stop the GP is asked to make sure of
@pytest.mark.parametrize("tail", [
    "He had been taking co-codamol 30/500 before he came in; this has been stopped and he should not take it with "
    "the oxycodone.",
    "Please could you review his oxycodone use at about two weeks and make sure the\nLongtec has stopped by "
    "then; his gabapentin can stay for now and will be reviewed\nin the clinic.",
])
def test_a_stop_of_another_drug_or_to_be_checked_keeps_the_discharge_item(tail):
    body = ("On discharge he takes Longtec 10mg twice a day and OxyNorm 5mg capsules, one up\nto four times a day "
            "when needed for stump pain, with 14 days of each supplied, plus\nparacetamol 1g four times daily.\n\n"
            + tail + "\n\nYours sincerely\n")
    assert sorted((r.formulation, r.dose_mg_max) for r in extract_letter(HEAD + body).opioids) == [("IR", 5.0), ("MR", 10.0)]


# a starting dose told in brackets after today's dose ("(started on 15 May at 10mg twice daily and increased on
# 18 May)") is the dose before, even where the bracket wraps onto the next line of a paragraph wrapped at 80
WRAPPED = ("He was admitted with back pain from his bone metastases, which had kept him awake\n"
           "for a week, and his pain settled over the next few days on regular morphine. He\n"
           "goes home on Zomorph 30mg twice a day (started on 3 May at 10mg twice daily and\n"
           "increased on 6 May) and paracetamol 1g four times a day, with 7 days of both\n"
           "supplied.\n\nYours sincerely\n")


@pytest.mark.parametrize("body", [
    WRAPPED,
    "He goes home on Zomorph 30mg twice a day (commenced at 10mg twice daily on the ward), 7 days supplied.\n",
])
def test_a_bracketed_starting_dose_is_the_previous_dose(body):
    rx = extract_letter(HEAD + body).opioids
    assert [(r.generic, r.dose_mg_max, r.previous_dose_mg) for r in rx] == [("morphine", 30.0, 10.0)]


def test_a_patch_starting_rate_is_no_previous_dose_in_mg():
    body = ("He goes home on a Matrifen 50 micrograms/hour patch, changed every third day (started at 25 micrograms "
            "on 3 May), five patches supplied.\n\nYours sincerely\n")
    rx = extract_letter(HEAD + body).opioids
    assert [(r.generic, r.previous_dose_mg) for r in rx] == [("fentanyl", None)]


def _wean(body: str):
    return extract_letter(HEAD + body).weaning_plan.present


PATCH = "He goes home on a BuTrans 10 micrograms/hour patch, changed every Monday, four patches supplied.\n\n"


@pytest.mark.parametrize("plan", [
    "I would be grateful if you could review the patch at four weeks with a view to taking it off once he is "
    "walking comfortably.",
    "Please take the patch off when his hip pain has settled.",
])
def test_taking_the_patch_off_with_a_condition_is_a_weaning_plan(plan):
    assert _wean(PATCH + plan + "\n\nYours sincerely\n")


def test_taking_it_off_the_repeat_list_is_no_taking_off():
    assert not _wean(PATCH + "Please take it off his repeat list, as we will supply it.\n\nYours sincerely\n")


def test_a_course_of_so_many_days_only_is_a_weaning_plan():
    body = ("We have added oxycodone 5mg capsules, one up to every six hours if needed, 14 capsules, and that is a "
            "one-week course only.\n\nYours sincerely\n")
    assert _wean(body)


def test_a_past_wean_told_actively_is_no_plan():
    body = ("He was on tramadol for a year until 2022, when you weaned him off it over three months. He goes home "
            "on co-codamol 30/500, two tablets four times a day when needed, 28 tablets.\n\nYours sincerely\n")
    assert not _wean(body)


# "..., and for breakthrough pain <next drug>": the lead-in is the next drug's, not the patch's directions
def test_a_breakthrough_lead_in_belongs_to_the_next_drug():
    body = ("We have started him on a Matrifen 25 micrograms/hour patch, changed every 72 hours, five patches "
            "supplied, and for breakthrough pain Oramorph 10mg/5ml, 2.5ml up to four times a day when needed, "
            "100ml supplied.\n\nYours sincerely\n")
    rx = extract_letter(HEAD + body).opioids
    assert [(r.generic, r.prn) for r in rx] == [("fentanyl", False), ("morphine", True)]


def test_a_drugs_own_breakthrough_indication_stays_with_it():
    body = ("He goes home on Oramorph 10mg/5ml, 2.5ml every four hours as needed for breakthrough pain, and "
            "Zomorph 10mg twice a day, 7 days supplied.\n\nYours sincerely\n")
    rx = extract_letter(HEAD + body).opioids
    assert [(r.formulation, r.prn) for r in rx] == [("liquid", True), ("MR", False)]


# a drug started and titrated in this admission ("(started on 3 May at 10mg ... and increased on 6 May)") is new,
# though its dose changed; one started by the GP years ago and changed now is not
@pytest.mark.parametrize("bracket, new", [
    ("(started on 3 May at 10mg twice daily and increased on 6 May)", True),
    ("(started at 10mg twice daily on 3 May, increased on 6 May)", True),
    ("(started at 10mg twice daily by his GP in 2021, increased on 6 May)", False),
])
def test_a_drug_started_and_titrated_here_is_new(bracket, new):
    body = (f"After his fracture he goes home on Zomorph 30mg twice a day {bracket}, 7 days supplied.\n\n"
            "Yours sincerely\n")
    rx = extract_letter(HEAD + body).opioids
    assert [(r.generic, r.new_on_admission) for r in rx] == [("morphine", new)]


# a limit told in a later sentence as finishing with the drug ("he should have finished with the co-codamol
# altogether within seven days") or being completely off it is the course's length
@pytest.mark.parametrize("limit, days", [
    ("I have told him that he should have finished with the codeine altogether within five days.", 5),
    ("She should be completely off the codeine within 10 days.", 10),
])
def test_a_finish_limit_in_a_later_sentence_is_the_duration(limit, days):
    body = ("He goes home on codeine phosphate 30mg, one or two tablets up to four times a day when needed, 56 "
            "tablets.\n\n" + limit + "\n\nYours sincerely\n")
    assert [(r.generic, r.duration_days) for r in extract_letter(HEAD + body).opioids] == [("codeine", days)]


# "with 14 days' supply of both" told once after two drugs is each one's days supplied
def test_a_days_supply_of_both_is_each_items_supply():
    body = ("He goes home on morphine sulfate MR 30mg twice a day with Oramorph 10mg/5ml, 5ml every four hours "
            "when required, with 10 days' supply of both.\n\nYours sincerely\n")
    assert [(r.formulation, r.supply_days) for r in extract_letter(HEAD + body).opioids] == [("MR", 10), ("liquid", 10)]


# an age written in words ("aged seventy", "a seventy-two-year-old") is the patient's age
@pytest.mark.parametrize("words, age", [("aged seventy", 70), ("aged eighty-one", 81), ("a sixty-eight-year-old", 68)])
def test_an_age_in_words(words, age):
    text = (f"Dear Dr Test\n\nRe: Mrs Test Person, {words}, NHS 999 000 0000\nDischarged 14/05/2026\n\n"
            "She goes home on paracetamol only.\n")
    assert extract_letter(text).patient_age == age


# a co-drug joined to a past use the team kept going ("... and we have kept that going, with her pregabalin 50mg
# twice daily as before") goes on too
def test_a_codrug_joined_to_a_kept_past_use_is_active():
    body = ("She had been taking co-codamol 30/500, two tablets four times a day, for her back for a year, and we have "
            "kept that going, with her gabapentin 300mg three times a day as before.\n\nYours sincerely\n")
    assert "gabapentinoid_coprescribed" in extract_letter(HEAD + body).risk_flags


def test_a_codrug_of_a_past_use_alone_stays_historical():
    body = ("She had been taking co-codamol 30/500 and gabapentin 300mg three times a day for her back, but both "
            "were stopped last year. She goes home on oxycodone 5mg capsules, one every four hours when needed, "
            "20 capsules.\n\nYours sincerely\n")
    assert "gabapentinoid_coprescribed" not in extract_letter(HEAD + body).risk_flags


# a patch's rate before a change told in brackets ("(previously 10 micrograms/hour)") makes it a changed, pre-existing
# prescription, as a previous dose in mg does
def test_a_previous_patch_rate_makes_the_patch_changed():
    body = ("She now goes home on BuTrans 20 micrograms/hour (previously 10 micrograms/hour), one patch applied every "
            "Monday, four patches supplied.\n\nYours sincerely\n")
    rx = extract_letter(HEAD + body).opioids
    assert [(r.generic, r.status, r.new_on_admission) for r in rx] == [("buprenorphine", "changed", False)]
