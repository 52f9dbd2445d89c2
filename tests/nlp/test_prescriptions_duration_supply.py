"""Stated duration, days supplied and quantity in prose limits, non-pipe tables and alternative labels
(phrasings written for these tests, not taken from any corpus)."""
from __future__ import annotations

import pytest

from tests.nlp.letters import opioids, only_rx


PROSE_LIMITS = [
    # (line, duration_days)
    ("Codeine 30mg qds prn. Do not use for more than one week.", 7),
    ("Tramadol 50mg qds prn for no more than five days", 5),
    ("Oramorph 10mg/5ml 2.5ml 4 hourly prn, maximum of 3 days", 3),
    ("Dihydrocodeine 30mg qds for a fortnight", 14),
    ("Codeine 30mg qds for a week then stop", 7),
    ("Co-codamol 30/500 two tablets qds over the next fortnight", 14),
    ("Oxycodone 5mg capsules qds prn, no longer than seven days", 7),
    ("Tramadol 50mg caps qds; wean and stop within 10 days", 10),
    ("Codeine 15mg qds prn for not more than 2 weeks", 14),
    ("Morphine sulfate 10mg tabs 4 hourly prn, maximum duration 4 days", 4),
    ("Codeine 30mg qds prn for pain for 3 days", 3),
    ("Codeine 30mg qds prn for a further 3 days", 3),
    ("Tramadol 50mg caps qds prn for another week", 7),
    ("Oxycodone 5mg caps qds prn for up to a week", 7),
    ("Codeine 15mg qds, to finish in 5 days", 5),
    ("Dihydrocodeine 30mg qds prn; come off it within a fortnight", 14),
]


@pytest.mark.parametrize("line,days", PROSE_LIMITS)
def test_prose_duration_limits(line, days):
    assert only_rx(line)["duration_days"] == days


NOT_DURATIONS = [
    # a dose cap, a symptom's history or a review date is never the intended duration
    "Codeine 30mg 1-2 tabs qds prn max 8 in 24 hours",
    "Codeine 30mg qds prn, reviewed in 2 weeks",
    "Tramadol 50mg qds prn (had pain for 3 days before admission)",
    "Oxycodone 5mg qds prn; headache for 2 weeks prior to admission",
    "Morphine sulfate 10mg tabs 4 hourly prn, GP review in 1 week",
    "Codeine 30mg qds prn; max 240mg per day",
    "Codeine 30mg tablets qds prn (28 tablets, 7 days)",
    "Codeine 30mg qds prn then review in 2 weeks",
]


@pytest.mark.parametrize("line", NOT_DURATIONS)
def test_not_durations(line):
    assert only_rx(line)["duration_days"] is None


LABELS = [
    # (line, duration_days, supply_days)
    ("Codeine 30mg qds. Cyflenwad / Supply: 7 days", None, 7),
    ("Codeine 30mg qds. Days supplied: 7", None, 7),
    ("Tramadol 50mg qds prn. Length of course: 5 days", 5, None),
    ("Dihydrocodeine 30mg qds. Days' supply - 10", None, 10),
    ("Oxycodone 5mg qds prn. Length of treatment: 4 days", 4, None),
    ("Codeine 30mg qds prn, 14 days dispensed", None, 14),
    ("Tramadol 50mg qds prn, a week's supply", None, 7),
    ("Codeine 30mg qds prn (10 days of both dispensed)", None, 10),
    ("Codeine 30mg qds prn  Qty: 1 OP  Days: 5", None, 5),
    ("Butrans 10 patch weekly, then remove (3/52 in total)", 21, None),
]


@pytest.mark.parametrize("line,duration,supply", LABELS)
def test_alternative_labels(line, duration, supply):
    rx = only_rx(line)
    assert (rx["duration_days"], rx["supply_days"]) == (duration, supply)


QUANTITIES = [
    ("Buprenorphine 5 micrograms/hour patch weekly, Qty 4 patches", "4 patches"),
    ("Codeine 30mg tablets qds 1 OP (100)", "100 tablets"),
    ("Codeine 30mg tablets qds x 2 boxes of 28", "56 tablets"),
    ("Tramadol 50mg capsules qds prn 1 OP (30)", "30 capsules"),
    ("Dihydrocodeine 30mg tablets qds, 3 packs of 28", "84 tablets"),
    ("Codeine 30mg tabs qds prn x1 box (28)", "28 tablets"),
]


@pytest.mark.parametrize("line,qty", QUANTITIES)
def test_pack_quantities(line, qty):
    assert only_rx(line)["supply_quantity"] == qty


TABLES = [
    # (letter, duration_days, supply_days): non-pipe tables whose day columns are read by heading
    ("Medications\nDrug; Dose; Frequency; Duration\nCodeine 30mg; 30mg; qds; 5 days\nOmeprazole 20mg; 20mg; od; 28 days\n", 5, None),
    ("TTO\nMedication;Dose;Freq;Supply (d)\nTramadol 50mg caps;50mg;qds prn;7\nOmeprazole 20mg;20mg;od;28\n", None, 7),
    ("Medications\nDrug                 Dose   Freq   Dur.   Supply (d)\nCodeine 30mg tabs    30mg   qds    5/7    7\n"
     "Omeprazole 20mg      20mg   od            28\n", 5, 7),
    ("Drug; Dose; Frequency; Length of course; Days supplied\nOxycodone 5mg caps; 5mg; qds prn; 3 days; 5\n", 3, 5),
    ("Medicine ; Dose ; Frequency ; Cyflenwad / Supply\nDihydrocodeine 30mg ; 30mg ; qds ; 7 days\n", None, 7),
    ("Drug | Dose | Freq | TTO days | Status\nCodeine 30mg | 30mg | qds prn | 6 | New\n", None, 6),
]


@pytest.mark.parametrize("text,duration,supply", TABLES)
def test_non_pipe_tables(text, duration, supply):
    rxs = opioids(text)
    assert len(rxs) == 1
    assert (rxs[0]["duration_days"], rxs[0]["supply_days"]) == (duration, supply)


def test_semicolons_in_prose_are_not_a_table():
    rx = only_rx("Codeine 30mg qds prn; for 5 days; then stop")
    assert rx["duration_days"] == 5


CSV_EXPORTS = [
    # (letter, duration_days, supply_days, supply_quantity)
    ("Medications\nDrug,Dose,Frequency,Duration,Supply\nCodeine 30mg tablets,30mg,qds,5 days,7\nOmeprazole 20mg,20mg,od,,28\n", 5, 7, None),
    ("Drug,Dose,Frequency,Duration\nTramadol 50mg capsules,50mg,qds prn,3/7\n", 3, None, None),
    ("Medication,Dose,Route,Frequency,Duration,Qty\nOxycodone 5mg capsules,5mg,oral,\"4 hourly, prn\",7 days,28\n", 7, None, "28 capsules"),
    ("Drug,Frequency,Days supplied\nDihydrocodeine 30mg tablets,qds,10\n", None, 10, None),
    ("Drug,Dose,Frequency,Length of course\nCodeine 15mg tablets,15mg,qds,one week\n", 7, None, None),
]


@pytest.mark.parametrize("text,duration,supply,qty", CSV_EXPORTS)
def test_csv_exports(text, duration, supply, qty):
    rxs = opioids(text)
    assert len(rxs) == 1
    assert (rxs[0]["duration_days"], rxs[0]["supply_days"], rxs[0]["supply_quantity"]) == (duration, supply, qty)


def test_prose_with_commas_is_not_a_csv_table():
    rxs = opioids("Drug, dose and frequency were reviewed with her, and she understands.\n"
                  "Codeine 30mg qds prn for 5 days.\n")
    assert len(rxs) == 1 and rxs[0]["duration_days"] == 5


TAPERS = [
    # a taper's duration is the sum of its steps
    ("Oxycodone MR 10mg bd for 3 days, then 5mg bd for 3 days, then stop", 6),
    ("Oxycodone MR 10mg bd x3/7 then 5mg bd x3/7 then stop", 6),
    ("Tramadol 50mg qds for 2 days then tds for 2 days then bd for 2 days then stop", 6),
    ("Morphine MR 30mg bd for 1 week, then 15mg bd for one week, then stop", 14),
    ("Codeine 30mg qds for 5 days then stop", 5),
    ("tramadol 50mg caps 100mg qds 2/7 then 50mg qds 2/7 then stop", 4),
    ("Codeine 30mg qds for 5 days then review in 2 weeks", 5),
]


@pytest.mark.parametrize("line,days", TAPERS)
def test_taper_duration_is_the_sum_of_steps(line, days):
    assert only_rx(line)["duration_days"] == days


def test_an_original_pack_without_its_size_is_no_tablet_count():
    assert only_rx("Codeine 30mg tablets qds prn  Qty: 1 OP  Days: 5")["supply_quantity"] is None


LATER_SENTENCE_LIMITS = [
    # a later sentence that only names the drug with a stated limit gives the duration; a review timing does not
    ("Discharge medications:\n- Codeine 30mg qds prn.\nPlease do not continue the codeine beyond a week.\n", 7),
    ("Discharge medications:\n- Oxycodone 5mg bd - reduce and stop oxycodone within 7 days\n", 7),
    ("TTO: Tramadol 50mg caps qds prn.\n\nPlan: tramadol is not to be used for longer than 5 days.\n", 5),
    ("TTO: Dihydrocodeine 30mg qds prn.\n\nPlan: dihydrocodeine for no more than ten days, then paracetamol only.\n", 10),
    ("Discharge medications:\n- Codeine 15mg qds prn\nStop the codeine after 4 days.\n", 4),
    ("Discharge medications:\n- Codeine 30mg qds prn.\nGP: pls r/v codeine at 1/52.\n", None),
    ("Discharge medications:\n- Codeine 30mg qds prn.\nGP to review the codeine in 2 weeks.\n", None),
    ("Discharge medications:\n- Codeine 30mg qds prn\n- Tramadol 50mg qds prn\nDo not continue the tramadol beyond 3 days.\n",
     None),  # the limit belongs to tramadol, never to codeine (checked below)
]


@pytest.mark.parametrize("text,days", LATER_SENTENCE_LIMITS)
def test_limits_in_a_later_sentence(text, days):
    rxs = {r["generic"]: r for r in opioids(text)}
    first = next(iter(rxs.values()))
    assert first["duration_days"] == days
    if "tramadol" in rxs and "codeine" in rxs:
        assert rxs["tramadol"]["duration_days"] == 3


SHARED_SUPPLIES = [
    # (letter, {generic: supply_days}): a supply stated once for several drugs
    ("He goes home on MST 10mg bd and Oramorph 10mg/5ml 2.5ml 4 hourly prn, with senna 15mg at night "
     "(10 days of each supplied).\n", {"morphine": 10}),
    ("She leaves on Zomorph 20mg bd and oxycodone 5mg capsules qds prn. We have dispensed 14 days of both.\n",
     {"morphine": 14, "oxycodone": 14}),
    ("Discharged on tramadol 50mg qds prn and codeine 30mg qds prn; both were supplied for 5 days.\n",
     {"tramadol": 5, "codeine": 5}),
    ("Codeine 30mg qds prn (7 days supply).\n\nOmeprazole and senna: 28 days of each supplied.\n", {"codeine": 7}),
    ("Tramadol 50mg qds prn, 20 capsules.\n\nLaxatives: 14 days of all supplied.\n", {"tramadol": None}),
]


@pytest.mark.parametrize("text,expected", SHARED_SUPPLIES)
def test_supply_stated_for_several_drugs(text, expected):
    rxs = opioids(text)
    got = {r["generic"]: r["supply_days"] for r in rxs}
    for generic, days in expected.items():
        assert got[generic] == days
