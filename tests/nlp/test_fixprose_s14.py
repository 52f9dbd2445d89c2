"""Dictated-prose and terse-note classes found on fresh81/fresh82's misses (session 14, branch fixprose). Letters
written for these tests; none is taken from a gold letter."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter

HEAD = ("Department of Medicine, Ashford Vale Hospital\n\nDear Dr Test\n\nRe: Mrs Test Person  DOB 02/03/1950\n"
        "Admitted 01/05/2026, discharged 14/05/2026\n\n")


def _rx(body: str):
    return [(r.generic, r.formulation, r.dose_mg_max, r.frequency_per_day_max)
            for r in extract_letter(HEAD + body).opioids]


# titration on the ward told before the dose the patient is now on: the dose reached goes home
@pytest.mark.parametrize("story", [
    "After a few days of titration on the ward she is now on Palexia SR 100 mg twice a day.",
    "Following dose adjustment on the ward, she is currently taking Zomorph 30 mg twice daily.",
    "Her pain settled slowly in hospital; after titration on the ward she is now settled on MST 30 mg twice a day.",
    "During the admission we titrated the dose up and she is now comfortable on MST 30 mg twice a day.",
])
def test_titration_on_the_ward_then_now_on_is_the_prescription(story):
    rxs = _rx(story + " We have supplied 14 days.\n\nYours sincerely\n")
    assert len(rxs) == 1 and rxs[0][3] == 2


def test_a_dose_used_on_the_ward_stays_there():
    body = ("She needed oxycodone 5 mg twice on the ward after the fall and none since. She goes home on paracetamol."
            "\n\nYours sincerely\n")
    assert _rx(body) == []


# "from 10 to 20 mg": the bare first figure is the old dose, sharing the unit after it
@pytest.mark.parametrize("change, dose", [
    ("we increased her MST from 10 to 20 mg twice a day", 20.0),
    ("we have reduced his Zomorph from 60 to 40 mg twice daily", 40.0),
    ("her tapentadol MR was taken up from 50 to 100 mg twice a day", 100.0),
])
def test_from_a_bare_figure_to_a_dose_is_the_new_dose(change, dose):
    body = f"Her pain was poorly controlled, so {change}, and she is mobile again.\n\nYours sincerely\n"
    assert [d for _g, _f, d, _n in _rx(body)] == [dose]


# ... but with no change verb, "from 2.5 to 5 mg" is a dose range
@pytest.mark.parametrize("rng", [
    "She may take Oramorph from 2.5 to 5 mg every four hours as needed.",
    "She goes home on Oramorph 10mg/5ml, anything from 2.5 to 5 mg every four hours when required.",
])
def test_from_a_figure_to_a_dose_without_a_change_is_a_range(rng):
    rxs = extract_letter(HEAD + rng + "\n\nYours sincerely\n").opioids
    assert [(r.dose_mg_min, r.dose_mg_max) for r in rxs] == [(2.5, 5.0)]


# the first of two told steps ("down to 20 mg ... and then to 10 mg") is a step passed, not the strength
@pytest.mark.parametrize("steps", [
    "Over the stay we brought the Longtec down to 20 mg twice a day on Monday and then to 10 mg twice a day on "
    "Thursday.",
    "Her pain has eased, so we reduced the Longtec to 20 mg twice a day and then to 10 mg twice a day.",
])
def test_the_first_of_two_steps_is_a_step_passed(steps):
    body = steps + " On discharge she takes Longtec 10 mg twice a day, 14 days supplied.\n\nYours sincerely\n"
    assert _rx(body) == [("oxycodone", "MR", 10.0, 2)]


# a GP asked to review the drug "with a view to reducing it back to" a dose: a plan's target, no second prescription
@pytest.mark.parametrize("request_", [
    "I would be grateful if you could review her MST in a month with a view to reducing it back to 10 mg twice a day.",
    "Please see her in two weeks and consider reducing the MST down to 10 mg twice daily.",
    "Could you review the MST at four weeks, with the aim of tapering it to 10 mg twice a day if the pain allows.",
])
def test_a_review_with_a_view_to_reducing_is_a_plan(request_):
    body = ("She goes home on MST 20 mg twice a day, 14 days supplied.\n\n" + request_ + "\n\nYours sincerely\n")
    assert _rx(body) == [("morphine", "MR", 20.0, 2)]


TERSE = ("SDEC - Test Hosp\n80F Test Person DOB 1/1/46\nd/c 20/11/26\nfall, rib #s\nTTO\n"
         "oxynorm 5mg caps 1 cap 4hrly prn max 4/24h (new) #20\nparacetamol 1g qds\n")


# a step-down arrow or a GP asked to step up ("GP to \u2191MST to 10mg bd"): a plan line, even under the TTO list
@pytest.mark.parametrize("plan", [
    "Plan \u2193 oxynorm to 5mg bd after 1/52 then stop",
    "\u2193 oxynorm to 5mg bd in 1 week, then stop",
    "reduce oxynorm to 5mg bd after 5/7 then stop",
    "GP to \u2191 oxynorm to 10mg if still in pain at 1/52 r/v",
    "GP pls consider \u2193 oxynorm to 5mg prn at 2/52",
])
def test_a_terse_step_plan_line_is_no_prescription(plan):
    assert _rx(TERSE + plan + "\nDr A Test FY2\n") == [("oxycodone", "IR", 5.0, 4)]


# a table row with its own directions or quantity is the prescription an earlier story told the change of
def test_a_table_row_is_the_prescription_of_an_earlier_story():
    body = ("This admission her Matrifen patch was increased from 25 to 37 micrograms/hour; she is comfortable.\n\n"
            "Drug                               | Directions                | Qty       | Status\n"
            "Matrifen 37 micrograms/hour patch  | one patch every 72 hours  | 5 patches | Increased\n\n"
            "Yours sincerely\n")
    rxs = extract_letter(HEAD + body).opioids
    assert len(rxs) == 1 and rxs[0].strength_mcg_per_hour == 37.0 and "72 hours" in rxs[0].text


# a patch's rate written out after a change ("from 25 to 12 micrograms per hour") is the new rate, never a range
@pytest.mark.parametrize("change", [
    "We reduced his fentanyl patch from 25 to 12 micrograms per hour (Matrifen, changed every 72 hours).",
    "His BuTrans patch went up from 10 to 15 micrograms an hour, changed every Monday.",
])
def test_a_rate_written_out_after_a_change_is_the_new_rate(change):
    rxs = extract_letter(HEAD + change + " Five patches supplied.\n\nYours sincerely\n").opioids
    assert len(rxs) == 1 and rxs[0].strength_mcg_per_hour in (12.0, 15.0)


# a dose the patient may have, told with how much of it was used on the ward, goes home
@pytest.mark.parametrize("use", [
    "For breakthrough pain he may have Oramorph 2.5 mg up to four times a day as needed; he used only one or two "
    "doses a day on the ward.",
    "She can take oxycodone 5 mg capsules, one up to four times a day if needed; on the ward she needed one most "
    "evenings.",
])
def test_a_permitted_dose_with_its_ward_use_goes_home(use):
    assert len(_rx(use + "\n\nYours sincerely\n")) == 1


NOTE = "#clinic - Test Hosp T&O\n59M Test Person DOB 10/10/67\nseen 26/11/26, L wrist # in cast\n"


# a terse note's plan told on its heading's line, with a sig, is its prescription; a wean off over a period is
# its duration (not a review timing, even after "clinic")
@pytest.mark.parametrize("plan", [
    "plan: cont co-codamol 30/500 2 tabs QDS prn for pain #32 this clinic, then wean off over 2/52",
    "Plan: co-codamol 30/500 2 tabs qds prn #32 given in clinic, then wean off over 2/52",
])
def test_a_plan_on_its_heading_line_is_the_prescription(plan):
    rxs = extract_letter(NOTE + plan + "\nGP to oversee wean\nMr T Test, T&O reg\n").opioids
    assert [(r.generic, r.dose_mg_max, r.frequency_per_day_max, r.duration_days) for r in rxs] == \
        [("codeine", 60.0, 4, 14)]


def test_a_schedule_on_a_plan_line_is_no_second_prescription():
    body = ("Plan: OxyContin 10mg twice daily for 7 days, then 5mg twice daily for 7 days, then stop.\n\n"
            "TTO\n- OxyContin 10mg tablets, ONE twice a day for 7 days, 14 tablets\n"
            "- OxyContin 5mg tablets, ONE twice a day for 7 days from 23/11, 14 tablets\n")
    assert sorted(r.dose_mg_max for r in extract_letter(HEAD + body).opioids) == [5.0, 10.0]


# past-use words about another opioid named first ("ex-IVDU (heroin, last used 2019)") are not the past of the drug
# marked as continued after it
@pytest.mark.parametrize("line", [
    "ex-IVDU (heroin, last used 2019), on methadone 1mg/ml 60ml od via CDT - supervised, cont, confirmed w/ pharm",
    "previous heroin use (stopped 2020); methadone 1mg/ml 45ml daily from Boots - continued.",
])
def test_a_continued_substitute_after_past_heroin_goes_home(line):
    note = "SDEC surg - Test Gen\n44M Test Person DOB 15/12/81\nabscess I+D under LA, d/c same day\n" + line + "\n"
    rxs = extract_letter(note + "TTO - fluclox 1g qds 7/7\nPA Test\n").opioids
    assert [r.generic for r in rxs] == ["methadone"]


def test_past_heroin_alone_is_no_prescription():
    note = ("SDEC surg - Test Gen\n44M Test Person DOB 15/12/81\nex-IVDU (heroin, last used 2019), abstinent\n"
            "TTO - fluclox 1g qds 7/7\nPA Test\n")
    assert extract_letter(note).opioids == []


# "do not cont beyond 5/7" on a TTO line is a limit, so a plan
@pytest.mark.parametrize("limit", ["do not cont beyond 5/7", "do not cont for more than 5 days", "not to cont past 1/52"])
def test_do_not_cont_beyond_is_a_plan(limit):
    note = ("DAY SURGERY - Test Hosp\n63F Test Person\nlap chole, d/c same day\nTTO - paracetamol 1g QDS 5/7\n"
            f"      codeine phos 30mg 1-2 tabs QDS PRN x20 - {limit}\nDr Test FY2\n")
    assert extract_letter(note).weaning_plan.present


# asking the patient to stop buying an over-the-counter product is no weaning plan of a prescription
@pytest.mark.parametrize("otc", [
    "He had also been buying co-codamol 8/500 from the chemist, and we have asked him to stop doing so.",
    "She has been buying Nurofen Plus over the counter; we advised her to stop buying it.",
])
def test_stopping_a_bought_product_is_no_plan(otc):
    body = ("He goes home on his usual Zamadol SR 100 mg twice a day, unchanged. " + otc + "\n\nYours sincerely\n")
    assert not extract_letter(HEAD + body).weaning_plan.present


# "the pain was stopping him sleeping" is no stop of a drug; a plan whose trigger names the opioid inside it ("I would
# like the MST reduced by ...") is about the opioid even after a non-opioid was named
@pytest.mark.parametrize("idiom", [
    "because the pain was still stopping him sleeping now we added MST Continus 30 mg twice daily",
    "as the pain stopped her walking more than a few steps after a week we added MST Continus 30 mg twice daily",
])
def test_stopping_someone_doing_something_is_no_plan(idiom):
    body = f"We started pregabalin, now at 150 mg twice a day, and {idiom}. Two weeks supplied.\n\nYours sincerely\n"
    assert not extract_letter(HEAD + body).weaning_plan.present


@pytest.mark.parametrize("plan", [
    "Once the pain settles with the gabapentin I would like the MST reduced by 10 mg a day each week until it is "
    "stopped.",
    "When the pregabalin has taken effect we would like the Zomorph reduced by 10 mg every week and then stopped.",
])
def test_an_opioid_inside_the_plan_trigger_is_its_object(plan):
    body = ("We started gabapentin and added MST Continus 30 mg twice daily. Two weeks supplied.\n\n" + plan +
            "\n\nYours sincerely\n")
    w = extract_letter(HEAD + body).weaning_plan
    assert w.present and "reduced by 10 mg" in w.text
