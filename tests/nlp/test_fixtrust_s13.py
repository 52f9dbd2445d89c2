"""One trust's e-discharge layouts (session 13): double-bar ('‖') tables read by their printed key, symbol flags.
Letters written for these tests; none is taken from a gold letter."""
from __future__ import annotations

from nlp.pipeline import extract_letter

HEAD = "BRAMBLEFORD GENERAL HOSPITAL - eDischarge\nPatient: Test Person  DOB 02/03/1958  Left us: 14/05/2026\n\n"

KEYED_TABLE = (
    "MEDICINES FOR HOME\n"
    "# \u2016 Drug (form/strength) \u2016 Amt \u2016 Rte \u2016 When \u2016 Isd \u2016 Dy \u2016 St \u2016 Notes\n"
    "1 \u2016 Oxycodone 5mg capsules \u2016 5-10mg \u2016 PO \u2016 QDS PRN \u2016 28 \u2016 7 \u2016 N \u2016 knee pain\n"
    "2 \u2016 Lansoprazole 15mg capsules \u2016 15mg \u2016 PO \u2016 OD \u2016 POD \u2016  \u2016 C \u2016\n"
    "3 \u2016 Morphine sulfate 10mg/5ml oral solution \u2016 5mg \u2016 PO \u2016 2-hrly PRN \u2016 - \u2016  \u2016 W \u2016 post-op\n"
    "\n"
    "KEY  Amt = dose each time | Rte = route | When = how often | Isd = quantity issued (OWN = patient's\n"
    "     own, none issued) | Dy = days supplied | St = status: N new; C continued; W ward use only, not for home\n"
    "\nFollow-up in clinic.\n"
)


def test_a_double_bar_table_is_read_by_its_printed_key():
    x = extract_letter(HEAD + KEYED_TABLE)
    rxs = x.opioids
    assert [r.generic for r in rxs] == ["oxycodone"]
    ox = rxs[0]
    assert (ox.dose_mg_min, ox.dose_mg_max) == (5.0, 10.0)  # Amt = dose each time
    assert ox.supply_days == 7  # Dy = days supplied
    assert ox.supply_quantity == "28 capsules"  # Isd = quantity issued (its aside runs over the key's next line)
    # W = ward use only: the morphine row stays on the ward
    assert [(d.generic, d.reason) for d in x.distractors if d.generic == "morphine"] == [("morphine", "inpatient_only")]


FLAGGED_TABLE = (
    "Discharge medicines\n"
    "Flags  \u25cf new  \u25cb unchanged  \u2715 stopped\n"
    "Flag \u2016 Drug \u2016 Amount \u2016 How often \u2016 Route \u2016 Dispensed \u2016 Notes\n"
    "\u25cf \u2016 Morphine MR 10mg tabs \u2016 10mg \u2016 twice a day \u2016 oral \u2016 14 tabs \u2016 back pain\n"
    "\u25cb \u2016 Amlodipine 5mg tabs \u2016 5mg \u2016 daily \u2016 oral \u2016 own \u2016\n"
    "\u2715 \u2016 Codeine 30mg tabs \u2016 - \u2016 - \u2016 oral \u2016 - \u2016 constipation\n"
    "\nGP: please review.\n"
)


def test_a_symbol_flag_is_read_by_its_legend():
    x = extract_letter(HEAD + FLAGGED_TABLE)
    assert [r.generic for r in x.opioids] == ["morphine"]
    assert ("codeine", "stopped") in [(d.generic, d.reason) for d in x.distractors]


LETTERED = (
    "[A] DETAILS\nWard: Test Ward\n\n"
    "[B] REASON FOR STAY / WHAT WE FOUND\nFractured wrist.\n\n"
    "[C] PROCEDURES & KEY EVENTS\nIn ED: IV morphine 5mg. Plate fixation on day 2.\n\n"
    "[D] SENSITIVITIES (ALLERGIES & INTOLERANCES)\nTramadol - vomiting\n\n"
    "[E] MEDICINES GOING HOME (TTO)\n"
    "Oxycodone 5mg capsules 5mg four times a day when required, 20 capsules\n"
    "Paracetamol 1g four times a day\n\n"
    "[F] MEDICINES STOPPED / HELD\nNone.\n\n"
    "[G] ASKS OF GP / COMMUNITY TEAM\nNone.\n\n"
    "[H] FOLLOW-UP & PATIENT INFORMATION\nFracture clinic in 2 weeks.\n"
)


def test_headings_lettered_in_brackets_open_their_sections():
    # the discharge list under "[E] MEDICINES GOING HOME" no longer runs on under the "In ED:" heading above it
    x = extract_letter(HEAD + LETTERED)
    assert [(r.generic, r.dose_mg_max) for r in x.opioids] == [("oxycodone", 5.0)]
    assert ("tramadol", "allergy") in [(d.generic, d.reason) for d in x.distractors]


def _screened(rows: str, note: str):
    body = ("MEDICINES FOR HOME\n"
            "# \u2016 Drug (form/strength) \u2016 Dose \u2016 Route \u2016 Frequency \u2016 Qty \u2016 Notes\n"
            + rows + "\n>> PHARMACY CHECK 14/05/2026 - ward pharmacist\n" + note + "\n\nFollow-up in clinic.\n")
    return extract_letter(HEAD + body).opioids


def test_a_screening_maximum_in_tablets_is_read_against_the_tablets_a_dose():
    rxs = _screened("1 \u2016 Co-codamol 30/500 tablets \u2016 1-2 tablets \u2016 PO \u2016 4-6 hourly PRN \u2016 30 \u2016 pain\n",
                    "   Item 1 co-codamol: frequency amended to four times a day when required, max 8 tablets in 24 hours.")
    assert [(r.frequency_per_day_max, r.max_daily_dose_mg, r.supply_quantity) for r in rxs] == [(4, 240.0, "30 tablets")]


def test_an_unquoted_maximum_added_at_screening_caps_the_item():
    rxs = _screened("1 \u2016 Paracetamol 500mg tablets \u2016 1g \u2016 PO \u2016 QDS \u2016 32 \u2016\n"
                    "2 \u2016 Oxycodone 5mg capsules \u2016 5mg \u2016 PO \u2016 4-hourly PRN \u2016 20 \u2016 pain\n",
                    "   Item 2 oxycodone: no maximum was stated. Max 4 capsules (20mg) in 24 hours added after\n"
                    "   discussion with the FY1.")
    assert [(r.frequency_per_day_max, r.max_daily_dose_mg, r.supply_quantity) for r in rxs] == [(4, 20.0, "20 capsules")]


def test_a_screening_sentence_broken_mid_phrase_goes_on_over_the_line():
    rxs = _screened("1 \u2016 Tramadol 50mg capsules \u2016 50-100mg \u2016 PO \u2016 QDS PRN \u2016 20 \u2016 pain\n",
                    "   Item 1 tramadol: takes an SSRI. Dose amended to\n"
                    "   50mg (ONE capsule) up to four times a day when required.")
    assert [(r.dose_mg_max, r.max_daily_dose_mg) for r in rxs] == [(50.0, 200.0)]


WRAPPED_PROSE = (
    "Dear Dr Example,\n\n"
    "I reviewed this gentleman on the oncology ward after his admission with pain from bone metastases in his\n"
    "pelvis and spine. Radiotherapy was given on the ward and he has been comfortable for the last few days on\n"
    "his regular medicines, which he understands well, and he is keen to be at home with his family again.\n\n"
    "For the home we have prescribed anticipatory medicines, which the community nurses collected: oxycodone\n"
    "hydrochloride 10mg/ml injection 2.5-5mg SC 2-hourly when required for pain, 5 ampoules; midazolam 10mg/2ml\n"
    "2.5-5mg SC when required for agitation; and glycopyrronium 200 micrograms SC when required for secretions.\n\n"
    "With best wishes,\nDr Writer\n"
)


def test_a_name_wrapped_at_the_margin_keeps_its_sig_up_to_the_next_item():
    # the salt word that starts the wrapped line is no drug of its own, and the item runs to the ';' before the
    # next line's drug
    rxs = extract_letter(HEAD + WRAPPED_PROSE).opioids
    assert [(r.generic, r.route, r.dose_mg_max, r.supply_quantity) for r in rxs] == \
        [("oxycodone", "subcutaneous", 5.0, "5 ampoules")]


def test_a_supply_given_to_the_patient_of_each_belongs_to_both():
    body = ("Dear Dr Example,\n\nFor his pain he takes MST 30mg twice daily, together with Oramorph 10mg/5ml 5mg up to "
            "four times a day as needed. Both are continued, and we have given him a week's supply of each.\n\n"
            "Yours sincerely,\nDr Writer\n")
    assert [r.supply_days for r in extract_letter(HEAD + body).opioids] == [7, 7]


_PLAN_BODY = ("Dear Dr Example,\n\nWe have started MST 10mg twice daily for his hip pain, 14 days supplied.\n\n{plan}\n\n"
              "Yours sincerely,\nDr Writer\n")


def test_a_step_down_with_the_drug_between_its_words_is_a_weaning_plan():
    x = extract_letter(HEAD + _PLAN_BODY.format(plan="After the operation we will step the MST down before he goes home."))
    assert x.weaning_plan.present


def test_a_stop_asked_for_with_the_drug_between_is_a_weaning_plan():
    x = extract_letter(HEAD + _PLAN_BODY.format(plan="We would like the MST reduced to nil over the next month."))
    assert x.weaning_plan.present


def test_a_request_labelled_for_a_ward_team_is_not_the_gps():
    body = ("Going to: Elmfield Community Hospital\n\nDischarge medicines\nOxycodone 5mg capsules 5mg four-hourly when "
            "required, max 4 doses in 24 hours, 20 capsules\n\nRequests\n"
            "Elmfield ward team: please step the oxycodone down as his walking improves.\n")
    x = extract_letter(HEAD + body)
    assert x.weaning_plan.present and not x.gp_instruction.present


def test_a_reduction_to_nil_over_a_period_is_the_items_course():
    body = ("Dear Dr Example,\n\nWe have supplied OxyNorm 5mg capsules, one capsule up to three times a day as needed "
            "for post-operative pain (21 capsules). We would like the oxycodone reduced to nil over the next 10 days.\n\n"
            "Yours sincerely,\nDr Writer\n")
    assert [r.duration_days for r in extract_letter(HEAD + body).opioids] == [10]


def test_a_co_prescription_not_to_be_continued_beyond_its_course_is_still_prescribed():
    body = ("Dear Dr Example,\n\nWe have supplied OxyNorm 5mg capsules, one capsule up to three times a day as needed "
            "(21 capsules), and a short course of diazepam 2mg three times a day for five days for spasm; please make "
            "sure the diazepam is not continued beyond that.\n\nYours sincerely,\nDr Writer\n")
    x = extract_letter(HEAD + body)
    assert "benzodiazepine_coprescribed" in x.risk_flags


def test_a_length_of_use_with_about_makes_the_use_pre_existing():
    body = ("Dear Dr Example,\n\nFor her back pain she has been on modified-release morphine (MST 20mg twice daily) "
            "from you for about eighteen months. It is continued at the same dose, and we have given her a week's "
            "supply.\n\nYours sincerely,\nDr Writer\n")
    x = extract_letter(HEAD + body)
    assert x.scenario == "chronic_preexisting" and "mr_opioid_for_acute_pain" not in x.risk_flags
