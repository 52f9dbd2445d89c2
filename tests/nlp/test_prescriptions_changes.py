"""Numbers that are not the current prescription (previous doses, titration advice, GP requests, plans) and
the status of a prescription (new / changed / continued). Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from tests.nlp.letters import opioids


PREVIOUS = [
    # (letter, dose_max, freq, previous_dose_mg, dose_change, status)
    ("Discharge medications:\n- Oxycodone MR 30mg bd (was 20mg bd before admission)\n", 30, 2, 20, "increased", "changed"),
    ("Discharge medications:\n- Morphine MR 10mg bd - reduced from 20mg BD because of drowsiness\n", 10, 2, 20, "reduced", "changed"),
    ("TTO\n- MST 15mg twice daily. Increased this admission (previously 10mg BD)\n", 15, 2, 10, "increased", "changed"),
    ("Discharge summary\n\nHis tapentadol MR has been reduced to 50mg bd, down from 100mg bd on admission.\n", 50, 2, 100, "reduced", "changed"),
]


@pytest.mark.parametrize("letter,dose,freq,prev,change,status", PREVIOUS)
def test_previous_dose_is_not_the_current_dose(letter, dose, freq, prev, change, status):
    ops = opioids(letter)
    assert len(ops) == 1
    o = ops[0]
    assert (o["dose_mg_max"], o["frequency_per_day_max"]) == (dose, freq)
    assert (o["previous_dose_mg"], o["dose_change"], o["status"]) == (prev, change, status)
    assert o["new_on_admission"] is False  # gold schema: a changed dose is a pre-existing prescription


STATUS = [
    ("Discharge medications:\n- Codeine 30mg qds prn (new)\n", "new", True),
    ("Continued:\n- Fentanyl 12 micrograms/hour patch every 72 hours\n", "continued", False),
    ("Discharge summary\n\nusual: Butec 10 patch weekly, own supply\n", "continued", False),
    ("Discharge medications:\n- Tramadol 50mg qds prn\n", None, None),
]


@pytest.mark.parametrize("letter,status,new", STATUS)
def test_status(letter, status, new):
    o = opioids(letter)[0]
    assert (o["status"], o["new_on_admission"]) == (status, new)


NOT_PRESCRIPTIONS = [
    # titration advice: the advised dose is never read as a prescription
    ("Discharge medications:\n- Buprenorphine 10 micrograms/hour patch weekly\n\n"
     "If pain persists the buprenorphine could go up to the 20 microgram patch.\n", {("buprenorphine", 10.0)}),
    ("Discharge summary\n\nShe goes home on OxyContin 10mg twice a day. If she needs more than three rescue doses a day "
     "the OxyContin could be increased to 15mg twice daily.\n", {("oxycodone", 10.0)}),
    # a dose inside a GP request
    ("Discharge summary\n\nShe has her own supply of morphine MR. Please put her MST 15mg bd on repeat.\n", set()),
    # a plan written after the drug name
    ("Discharge medications:\n- Oxycodone MR 10mg bd\n\nOxycodone MR taper: 10mg bd for 3 days, then 5mg bd for 3 days, then stop.\n",
     {("oxycodone", 10.0)}),
    # given on the ward only
    ("Discharge summary\n\nOramorph 5mg PRN was used on the ward twice; none since. Home on paracetamol only.\n", set()),
]


@pytest.mark.parametrize("letter,expected", NOT_PRESCRIPTIONS)
def test_numbers_that_are_not_the_current_prescription(letter, expected):
    got = {(o["generic"], o["dose_mg_max"] if o["dose_mg_max"] is not None else o["strength_mcg_per_hour"]) for o in opioids(letter)}
    assert got == expected


STOP_INSTRUCTIONS = [
    "Discharge medications:\n- Oxycodone 5mg qds prn\n\nGP to review opioid requirement at 2 weeks and ensure oxycodone stopped.\n",
    "TTO\n- Dihydrocodeine 30mg qds prn\n\nGP - r/v DHC 1/52, stop if settled.\n",
    "TTO\n- Codeine 30mg qds prn\n\nPlan: codeine to be stopped once the pain settles.\n",
    "TTO\n- Oxycodone 5mg caps 5mg q4h prn\n\nPlan: oxycodone to be tailed off and stopped by day 7 post-op.\n",
    "TTO\n- Morphine sulfate oral solution 5mg 4 hourly prn\n\nThe morphine should be weaned down and then stopped.\n",
]


@pytest.mark.parametrize("letter", STOP_INSTRUCTIONS)
def test_an_instruction_to_stop_is_never_a_stopped_distractor(letter):
    d = extract_letter(letter).to_dict()
    assert len(d["opioids"]) == 1
    assert not [x for x in d["distractors"] if x["reason"] == "stopped"]


PAST_STOPS = [
    "Discharge summary\n\nWe stopped his tramadol because of dizziness.\nTTO\n- Paracetamol 1g qds\n",
    "Discharge summary\n\nHer codeine was discontinued on admission.\n",
    "Discharge summary\n\nHer codeine was tailed off and stopped last year.\nTTO\n- Paracetamol 1g qds\n",
]


@pytest.mark.parametrize("letter", PAST_STOPS)
def test_a_stop_that_happened_is_a_stopped_distractor(letter):
    d = extract_letter(letter).to_dict()
    assert d["opioids"] == []
    assert [x["reason"] for x in d["distractors"]] == ["stopped"]


NOT_DISCHARGE = [
    # (letter, expected generics on discharge, expected distractor reasons)
    ("Summary\n\nThe likely cause of her falls was her dihydrocodeine 30mg four times a day, started in May. "
     "We have stopped the dihydrocodeine.\n\nTTO:\n- Paracetamol 1g qds\n", [], {"stopped"}),
    ("Summary\n\nAdmitted after an intentional overdose of 30 codeine 30mg tablets.\n\nTTO:\n- Sertraline 50mg od\n",
     [], {"other"}),
    ("Background: prev on Zomorph 30mg bd -> switched to tapentadol 2023\n\nMeds on d/c:\n- Tapentadol MR 100mg bd\n",
     ["tapentadol"], {"historical"}),
    # a list under 'On discharge:' is a prescription even when the letter says another drug was stopped
    ("We have stopped the codeine.\n\nOn discharge:\n- Codeine 15mg tablets 15mg qds prn\n", ["codeine"], {"stopped"}),
]


@pytest.mark.parametrize("letter,generics,reasons", NOT_DISCHARGE)
def test_described_not_prescribed(letter, generics, reasons):
    d = extract_letter(letter).to_dict()
    assert [o["generic"] for o in d["opioids"]] == generics
    assert {x["reason"] for x in d["distractors"]} == reasons


def test_changes_list_with_a_full_sig_is_the_new_prescription():
    letter = ("Changes to medicines:\n- Oxycodone MR - INCREASED to 20mg BD (was 10mg BD before admission)\n"
              "- Laxido 1 sachet bd - started\n")
    o = extract_letter(letter).to_dict()["opioids"]
    assert len(o) == 1
    assert (o[0]["dose_mg_max"], o[0]["frequency_per_day_max"], o[0]["previous_dose_mg"], o[0]["dose_change"]) == (20, 2, 10, "increased")


def test_a_stated_line_is_not_undone_by_a_stop_elsewhere():
    letter = ("Medicines\nTapentadol MR 50mg tablets ONE twice daily - usual medicine, continued\n"
              "Co-codamol 30/500 - stopped on admission (not with tapentadol)\n")
    assert [o["generic"] for o in extract_letter(letter).to_dict()["opioids"]] == ["tapentadol"]


def test_started_on_the_ward_is_still_a_discharge_prescription():
    letter = "Discharge summary\n\nShe goes home on Shortec 5mg capsules, one every 4-6 hours when needed (28 capsules), started on the ward.\n"
    assert [o["generic"] for o in extract_letter(letter).to_dict()["opioids"]] == ["oxycodone"]
