"""Rule tables: (letter snippet, expected values) for brands, sigs, layouts and contexts.

Snippets are written for these tests (not copied from the dev corpus); each exercises one rule.
"""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter


def wrap(line: str, header: str = "Medications on discharge:") -> str:
    return f"Diagnosis: test\n\n{header}\n- Paracetamol 1g QDS\n- {line}\n\nPlan:\n- Clinic 6 weeks\n"


def one(text: str) -> dict:
    d = extract_letter(text).to_dict()
    assert len(d["opioids"]) == 1, d["opioids"]
    return d["opioids"][0]


BRANDS = [
    ("Longtec 10mg tablets 10mg BD", "oxycodone", "Longtec", "MR", 10, 10, 2),
    ("Shortec 10mg capsules 10mg 4-6 hourly PRN", "oxycodone", "Shortec", "IR", 10, 10, 6),
    ("Zapain 30/500 two tablets QDS PRN", "codeine", "Zapain", "combination", 30, 60, 4),
    ("Tylex 30/500 capsules 1-2 caps QDS when required", "codeine", "Tylex", "combination", 30, 60, 4),
    ("Kapake 15/500 tablets 2 tabs QDS", "codeine", "Kapake", "combination", 15, 30, 4),
    ("DHC Continus 60mg tablets 60mg twice daily", "dihydrocodeine", "DHC Continus", "MR", 60, 60, 2),
    ("Palexia SR 50mg tablets 50mg BD", "tapentadol", "Palexia SR", "MR", 50, 50, 2),
    ("Palexia 50mg tablets 50mg every 4-6 hours as needed", "tapentadol", "Palexia", "IR", 50, 50, 6),
    ("Zydol XL 150mg tablets ONE tablet once daily", "tramadol", "Zydol XL", "MR", 150, 150, 1),
    ("Targinact 20mg/10mg tablets 1 tablet BD", "oxycodone", "Targinact", "MR", 20, 20, 2),
    ("MXL 60mg capsules 60mg once daily", "morphine", "MXL", "MR", 60, 60, 1),
    ("Sevredol 20mg tablets 20mg every 4 hours PRN", "morphine", "Sevredol", "IR", 20, 20, 6),
    ("DF118 Forte 40mg tablets 40mg TDS PRN", "dihydrocodeine", "DF118 Forte", "IR", 40, 40, 3),
    ("DF 118 Forte 40mg tablets ONE tablet TDS", "dihydrocodeine", "DF118 Forte", "IR", 40, 40, 3),
    ("Physeptone 1mg/ml oral solution 10ml once daily", "methadone", "Physeptone", "liquid", 1.0, 10, 1),
    ("Zomorph 30mg capsules 30mg 12-hourly", "morphine", "Zomorph", "MR", 30, 30, 2),
    ("OxyContin 20mg tablets 20mg q12h", "oxycodone", "OxyContin", "MR", 20, 20, 2),
    ("MST 30mg 30mg BD", "morphine", "MST Continus", "MR", 30, 30, 2),
    ("Solpadol 30/500 caplets TWO caplets four times a day", "codeine", "Solpadol", "combination", 30, 60, 4),
    ("Tramacet 37.5/325 1-2 tablets QDS PRN", "tramadol", "Tramacet", "combination", 37.5, 75, 4),
]


@pytest.mark.parametrize("line,generic,brand,form,strength,dose_max,freq", BRANDS)
def test_brand_rows(line, generic, brand, form, strength, dose_max, freq):
    rx = one(wrap(line))
    assert (rx["generic"], rx["brand"], rx["formulation"]) == (generic, brand, form)
    assert rx["strength_mg"] == pytest.approx(strength)
    assert rx["dose_mg_max"] == pytest.approx(dose_max)
    assert rx["frequency_per_day_max"] == freq


PATCHES = [
    ("Matrifen 12 micrograms/hour transdermal patch, change every 72 hours (5 patches)", "fentanyl", "Matrifen", 12, "5 patches", 30.0),
    ("Transtec 35 micrograms/hour patch, change twice weekly", "buprenorphine", "Transtec", 35, None, 84.0),
    ("Butec 5micrograms/hour transdermal patch weekly (x4)", "buprenorphine", "Butec", 5, "4 patches", 12.0),
    ("Fentanyl 25mcg/h patch every 3 days", "fentanyl", None, 25, None, 60.0),
    ("Durogesic DTrans 50 micrograms/hour patch every 72 hours", "fentanyl", "Durogesic DTrans", 50, None, 120.0),
]


@pytest.mark.parametrize("line,generic,brand,mcg,qty,ome", PATCHES)
def test_patches(line, generic, brand, mcg, qty, ome):
    rx = one(wrap(line))
    assert (rx["generic"], rx["brand"], rx["formulation"], rx["route"]) == (generic, brand, "patch", "transdermal")
    assert rx["strength_mcg_per_hour"] == mcg and rx["strength_mg"] is None
    assert rx["dose_mg_max"] is None and rx["frequency_per_day_max"] is None
    assert rx["supply_quantity"] == qty
    assert rx["ome_mg_per_day"] == pytest.approx(ome)


SIGS = [
    # line, dose_min, dose_max, freq, prn, max_daily
    ("Oxycodone 5mg capsules 5-10mg q4h prn", 5, 10, 6, True, 60),
    ("Oxycodone 5mg capsules 5mg q4-6h prn", 5, 5, 6, True, 30),
    ("Morphine sulfate 10mg/5ml oral solution 2.5-5ml every 6 hours as needed", 5, 10, 4, True, 40),
    ("Codeine 30mg tablets 1-2 tablets QDS, max 8 tablets in 24 hours", 30, 60, 4, False, 240),
    ("Co-codamol 30/500 1-2 tablets 4-6 hourly when required, max 8 tablets in 24 hours", 30, 60, 4, True, 240),
    ("Tramadol 50mg capsules 50-100mg up to 4 times a day when required", 50, 100, 4, True, 400),
    ("Morphine 10mg/5ml oral solution 5mg hourly PRN (max 6 doses in 24 hours)", 5, 5, 6, True, 30),
    ("Oxycodone 10mg/ml concentrate 0.5ml every 2 hours PRN", 5, 5, 12, True, 60),
    ("Dihydrocodeine 30mg tablets 30mg nocte", 30, 30, 1, False, 30),
    ("Codeine phosphate 15mg tablets 15mg tds", 15, 15, 3, False, 45),
    ("Oxycodone 5mg 1 cap every 6 hours as needed", 5, 5, 4, True, 20),
    ("Codeine 30mg tablets ONE tablet mane", 30, 30, 1, False, 30),
    ("Oramorph 10mg/5ml 2.5mg PRN", 2.5, 2.5, None, True, None),
]


@pytest.mark.parametrize("line,dmin,dmax,freq,prn,maxd", SIGS)
def test_sigs(line, dmin, dmax, freq, prn, maxd):
    rx = one(wrap(line))
    assert rx["dose_mg_min"] == pytest.approx(dmin)
    assert rx["dose_mg_max"] == pytest.approx(dmax)
    assert rx["frequency_per_day_max"] == freq
    assert rx["prn"] is prn
    if maxd is None:
        assert rx["max_daily_dose_mg"] is None
    else:
        assert rx["max_daily_dose_mg"] == pytest.approx(maxd)


SUPPLY = [
    # line, duration, supply_days, quantity
    ("Codeine 30mg tablets 30mg QDS PRN x5/7", 5, None, None),
    ("Codeine 30mg tablets 30mg QDS PRN for 2/52", 14, None, None),
    ("Codeine 30mg tablets 30mg QDS PRN - TTO 14 days", None, 14, None),
    ("Codeine 30mg tablets 30mg QDS PRN (own supply)", None, None, None),
    ("Codeine 30mg tablets 30mg QDS PRN, #30", None, None, "30 tablets"),
    ("Oxycodone 5mg capsules 5mg QDS PRN, Qty 20", None, None, "20 capsules"),
    ("Dihydrocodeine 30mg tablets 30mg QDS PRN. Supply: 7/7 (x28)", None, 7, "28 tablets"),
    ("Dihydrocodeine 30mg tablets 30mg QDS PRN. Do not continue beyond 5 days", 5, None, None),
    ("Oramorph 10mg/5ml 2.5ml QDS PRN (1 x 100ml bottle)", None, None, "100 ml"),
    ("Morphine 10mg/ml injection 2.5mg SC hourly PRN (x10)", None, None, "10 ampoules"),
    ("Codeine 30mg tablets 30mg QDS PRN for 5 days (7 days' supply)", 5, 7, None),
]


@pytest.mark.parametrize("line,duration,supply,qty", SUPPLY)
def test_supply_and_duration(line, duration, supply, qty):
    rx = one(wrap(line))
    assert rx["duration_days"] == duration
    assert rx["supply_days"] == supply
    assert rx["supply_quantity"] == qty


def test_injection_is_liquid_subcutaneous():
    rx = one(wrap("Oxycodone 10mg/ml injection 1-2mg subcut 4-hourly PRN (x5)"))
    assert (rx["formulation"], rx["route"], rx["strength_mg"]) == ("liquid", "subcutaneous", 10.0)
    assert rx["ome_factor"] == pytest.approx(3.0)


def test_buprenorphine_sublingual_micrograms():
    rx = one(wrap("Temgesic 200 micrograms sublingual tablets 200 micrograms every 8 hours PRN"))
    assert (rx["generic"], rx["brand"], rx["route"]) == ("buprenorphine", "Temgesic", "sublingual")
    assert rx["strength_mg"] == pytest.approx(0.2)
    # sources differ (ANZCA and the corpus labelling rules 40, OpenPrescribing 60): 40 with the range beside it
    assert rx["ome_mg_per_day"] == pytest.approx(0.6 * 40)
    assert rx["ome_range_mg_per_day"] == pytest.approx([0.6 * 40, 0.6 * 60])
    assert "ome_alternatives.csv" in rx["ome_factor_source"]


def test_methadone_flagged_not_converted():
    d = extract_letter(wrap("Methadone 1mg/ml oral solution 30ml once daily")).to_dict()
    rx = d["opioids"][0]
    assert rx["ome_mg_per_day"] is None and rx["ome_flag"] == "methadone_not_converted"
    assert d["ome_total_mg_per_day"] == 0.0


def test_table_rows_with_pipes():
    text = ("TTO:\n| Drug | Dose | Route | Frequency | Duration | Qty | Indication | Status |\n"
            "|---|---|---|---|---|---|---|---|\n"
            "| Paracetamol | 1g | PO | QDS |  | 7 days |  |  |\n"
            "| Shortec 5mg capsules | 5-10mg | PO | 4-hourly PRN, max 4 doses in 24 hours | 5 days | 28 capsules | pain | New |\n")
    rx = one(text)
    assert (rx["brand"], rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"]) == ("Shortec", 5, 10, 4)
    assert (rx["duration_days"], rx["supply_quantity"], rx["new_on_admission"]) == (5, "28 capsules", True)
    d = extract_letter(text).to_dict()
    assert d["indication_documented"] is True


def test_table_rows_with_tabs():
    text = ("Discharge medication\nMedicine\tDose\tRoute\tFreq\tDays\tSupply\tStatus\n"
            "Zydol 50mg capsules\t50mg\tPO\tQDS PRN\t\t14/7\tContinued\n")
    rx = one(text)
    assert (rx["brand"], rx["supply_days"], rx["new_on_admission"]) == ("Zydol", 14, False)


def test_prose_prescription():
    text = ("Dear Dr Smith,\n\nHe underwent a knee replacement. We have started Longtec 5mg tablets 5mg twice daily "
            "for post-operative pain for 5 days only (TTO 5 days). His other medications are unchanged.\n")
    rx = one(text)
    assert (rx["brand"], rx["frequency_per_day_max"], rx["duration_days"], rx["supply_days"]) == ("Longtec", 2, 5, 5)
    assert rx["new_on_admission"] is True


def test_us_style_sig():
    text = "DISCHARGE MEDICATIONS: , 1.  Oxycodone 5 mg 1-2 tablets p.o. q.4-6h. p.r.n. pain #30.,2.  Colace 100 mg p.o. b.i.d."
    rx = one(text)
    assert (rx["generic"], rx["dose_mg_max"], rx["frequency_per_day_max"], rx["prn"]) == ("oxycodone", 10, 6, True)
    assert rx["supply_quantity"] == "30 tablets"


CONTEXT = [
    ("Allergies: codeine (vomiting)\n", "codeine", "allergy"),
    ("Stopped: Tramadol 50mg QDS (confusion)\n", "tramadol", "stopped"),
    ("Hospital course:\nShe had a morphine PCA for 48 hours after surgery.\n", "morphine", "inpatient_only"),
    ("Hospital course:\nAn epidural with fentanyl was used for the first two days.\n", "fentanyl", "inpatient_only"),
    ("Family history: mother took oxycodone for cancer pain.\n", "oxycodone", "family"),
    ("PMH: osteoarthritis. Previously on tapentadol, stopped in 2019.\n", "tapentadol", "historical"),
    ("Medications on discharge:\n- Naloxone (Prenoxad) 400 micrograms IM PRN kit\n", "naloxone", "other"),
    ("Hospital course:\nCodeine-containing products should be avoided.\n", "codeine", "other"),
    ("Hospital course:\nTramadol was considered but avoided.\n", "tramadol", "other"),
]


@pytest.mark.parametrize("text,generic,reason", CONTEXT)
def test_distractors_not_prescriptions(text, generic, reason):
    d = extract_letter("Discharge summary\n\n" + text).to_dict()
    assert d["opioids"] == []
    assert (generic, reason) in [(x["generic"], x["reason"]) for x in d["distractors"]]
    for x in d["distractors"]:
        s, e = x["span"]
        assert x["text"] == ("Discharge summary\n\n" + text)[s:e]


def test_admission_list_only_is_not_discharge():
    text = ("Medications on admission:\n- Oxycodone MR 80mg BD\n\nMedications on discharge:\n"
            "- Oxycodone MR 40mg BD (dose reduced)\n")
    d = extract_letter(text).to_dict()
    assert len(d["opioids"]) == 1 and d["opioids"][0]["strength_mg"] == 40


WEANING = [
    ("Plan:\n- Reduce OxyContin by 10mg every week, then stop.\n", True, False),
    ("Plan:\n- Taper oxycodone over 2 weeks.\n", True, False),
    ("GP actions:\n- Please wean the oxycodone over the next 2 weeks.\n", True, True),
    ("Plan:\n- No weaning plan documented.\n", False, False),
    ("Plan:\n- Weaning plan: N/A\n", False, False),
    ("Plan:\n- Plan for stopping: not discussed.\n", False, False),
    ("Plan:\n- Stop prednisolone after 5 days.\n", False, False),
    ("Requests to GP:\n- Please continue all other regular medications.\n", False, False),
    ("Requests to GP:\n- GP to review the ongoing need for oxycodone at 2 weeks.\n", False, True),
    ("Actions for GP:\n- Please do not continue beyond 5 days.\n", True, True),
]


@pytest.mark.parametrize("plan,wean,gp", WEANING)
def test_weaning_and_gp(plan, wean, gp):
    text = wrap("Oxycodone 5mg capsules 5mg QDS PRN") + "\n" + plan
    d = extract_letter(text).to_dict()
    assert d["weaning_plan"]["present"] is wean
    assert d["gp_instruction"]["present"] is gp
    for key in ("weaning_plan", "gp_instruction"):
        if d[key]["present"]:
            s, e = d[key]["span"]
            assert text[s:e] == d[key]["text"]


def test_new_and_continued():
    text = ("Medications on discharge:\n- Oxycodone 5mg capsules 5mg QDS PRN (new)\n"
            "- MST 10mg tablets 10mg BD (long-term, unchanged)\n")
    d = extract_letter(text).to_dict()
    by = {o["formulation"]: o for o in d["opioids"]}
    assert by["IR"]["new_on_admission"] is True and by["MR"]["new_on_admission"] is False


def test_risk_flags_and_age():
    text = ("Name: A TEST | DOB: 01/01/1950 | Discharged: 02/01/2025\nSpecialty: Orthopaedics\n\n"
            "Medications on discharge:\n- OxyContin 60mg tablets 60mg BD (new) x14 tablets\n- Diazepam 2mg TDS\n"
            "- Pregabalin 75mg BD\n- Zopiclone 7.5mg ON\n\nMedications stopped:\n- Lorazepam 1mg PRN\n")
    d = extract_letter(text).to_dict()
    assert d["patient_age"] == 75
    for f in ("benzodiazepine_coprescribed", "gabapentinoid_coprescribed", "high_dose_120_ome", "high_dose_90_ome",
              "mr_opioid_for_acute_pain", "age_over_65", "z_drug_coprescribed"):
        assert f in d["risk_flags"], f
    assert "supply_over_7_days" not in d["risk_flags"]
    assert d["ome_total_mg_per_day"] == pytest.approx(180.0)


def test_no_flags_without_opioid():
    d = extract_letter("Age: 80\nMedications on discharge:\n- Diazepam 2mg TDS\n").to_dict()
    assert d["opioids"] == [] and d["risk_flags"] == []


def test_spans_point_into_letter():
    text = wrap("Oxycodone 5mg capsules 5-10mg 4-6 hourly PRN for pain, max 4 doses in 24 hours. Supply: 7/7 (x28)")
    rx = one(text)
    s, e = rx["span"]
    assert text[s:e] == rx["text"]
    for key in ("drug", "strength", "dose", "frequency", "supply", "quantity", "prn"):
        assert key in rx["spans"], key
        a, b = rx["spans"][key]
        assert 0 <= a < b <= len(text)
    a, b = rx["spans"]["drug"]
    assert text[a:b].lower() == "oxycodone"


TAPER_ON_THE_SAME_LINE = [
    ("Longtec 10mg tablets, ONE tablet twice a day - 7/7 supply (14 tabs). Reduce to 5mg BD after 3 days then stop.",
     10, 2),
    ("Oxycodone 5mg capsules 2 caps QDS PRN; then step down to 1 cap QDS after 3 days", 10, 4),
    ("Morphine sulfate 10mg/5ml oral solution 5ml 4-hourly PRN. Wean to 2.5ml over 3 days, then stop", 10, 6),
]


@pytest.mark.parametrize("line,dose_max,freq", TAPER_ON_THE_SAME_LINE)
def test_step_down_sentence_is_not_the_current_dose(line, dose_max, freq):
    rx = one(wrap(line))
    assert rx["dose_mg_max"] == pytest.approx(dose_max)
    assert rx["frequency_per_day_max"] == freq


def test_distractor_evidence_starts_and_ends_on_word_boundaries():
    text = ("Hospital course:\nIn hospital she had a femoral nerve block and morphine PCA for 24 hours, "
            "then oral analgesia with good effect.\n\nMedications on discharge:\n- Paracetamol 1g QDS\n")
    d = extract_letter(text).to_dict()
    (dis,) = [x for x in d["distractors"] if x["generic"] == "morphine"]
    s, e = dis["span"]
    assert dis["reason"] == "inpatient_only"
    assert not text[s - 1].isalnum() and not text[e].isalnum()


@pytest.mark.parametrize("sentence,expected", [
    ("Information for GP: the oxycodone is for post-operative pain only - please do not continue.", True),
    ("Oxycodone was started for breakthrough pain after surgery.", True),
    ("GP to review the oxycodone for 5 days then stop.", False),   # a duration is not an indication
])
def test_indication_stated_in_another_sentence_naming_the_opioid(sentence, expected):
    text = wrap("Oxycodone 5mg capsules 5mg QDS PRN x20") + f"\n{sentence}\n"
    assert extract_letter(text).to_dict()["indication_documented"] is expected


@pytest.mark.parametrize("line,freq", [
    ("Oramorph 10mg/5ml oral solution 2.5mg to 5mg every two hours as required (100ml)", 12),
    ("Oxycodone 5mg capsules 5mg every four to six hours when required", 6),
    ("Morphine sulfate 10mg tablets 10mg every six hours PRN", 4),
])
def test_intervals_written_in_words(line, freq):
    assert one(wrap(line))["frequency_per_day_max"] == freq


def test_paracetamol_first_combination_takes_the_opioid_strength():
    rx = one(wrap("Paracetamol/codeine 500/30 2 tabs four times daily"))
    assert (rx["generic"], rx["strength_mg"], rx["dose_mg_max"], rx["max_daily_dose_mg"]) == ("codeine", 30, 60, 240)


def test_count_supplied_is_the_quantity():
    rx = one(wrap("Co-codamol 30/500mg 2 tabs QDS PRN (28 supplied)"))
    assert rx["supply_quantity"] == "28 tablets" and rx["supply_days"] is None


def test_bare_count_in_a_qty_column_is_the_quantity():
    text = ("Discharge prescription\nMedicine | Dose | Frequency | Qty | Days\n"
            "Oxycodone 5mg caps | 5-10mg | 4 hourly PRN | 30 | 5\nLaxido sachets | 1 | BD | 20 | 10\n")
    rx = one(text)
    assert (rx["generic"], rx["supply_quantity"], rx["dose_mg_max"], rx["frequency_per_day_max"]) == \
        ("oxycodone", "30 capsules", 10, 6)


@pytest.mark.parametrize("text", [
    "MEDICATIONS:,  Fentanyl 250 mcg and 9 mg of Versed.,INDICATIONS:,  Screening colonoscopy.",
    "Procedure under conscious sedation with fentanyl 100 micrograms.\n\nMedications on discharge:\n- Paracetamol 1g QDS\n",
])
def test_procedural_sedation_is_inpatient_only(text):
    d = extract_letter(text).to_dict()
    assert d["opioids"] == []
    assert [(x["generic"], x["reason"]) for x in d["distractors"]] == [("fentanyl", "inpatient_only")]


def test_ml_range_with_units_on_both_ends():
    rx = one(wrap("Morphine sulfate 10mg/5ml oral solution 2.5ml-5ml up to 2 hourly when required"))
    assert (rx["dose_mg_min"], rx["dose_mg_max"], rx["frequency_per_day_max"]) == (5, 10, 12)


@pytest.mark.parametrize("line,days", [("Codeine 30mg tds prn 5/7", 5), ("Oxycodone 5mg QDS PRN 1/52", 7)])
def test_bare_fraction_duration(line, days):
    assert one(wrap(line))["duration_days"] == days


def test_dates_are_not_fraction_durations():
    assert one(wrap("Codeine 30mg tds prn, started 12/7/2025"))["duration_days"] is None


@pytest.mark.parametrize("changes,present", [
    ("Started: Oramorph for breakthrough pain, short course only - stop once pain controlled.", True),
    ("Oxycodone MR reduced to 10mg BD (drowsy).", False),
    ("Stopped: tramadol (confusion).", False),
])
def test_plans_written_under_changes(changes, present):
    text = ("Medications on discharge:\nMorphine sulfate oral solution 10mg/5ml 5mg 4-hourly PRN (new) 100ml\n"
            "Oxycodone MR 10mg BD\n\nChanges to medication:\n" + changes + "\n")
    assert extract_letter(text).to_dict()["weaning_plan"]["present"] is present
