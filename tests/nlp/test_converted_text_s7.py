"""Converted text, session 7: a combination product's strength dictated in words ("cocodamol thirty five
hundred"). Letters written for these tests."""
from __future__ import annotations

import pytest

from nlp.pipeline import extract_letter
from nlp.spoken import figures_for_spoken_strengths


@pytest.mark.parametrize("said, read", [
    ("cocodamol thirty five hundred, two", "cocodamol 30/500             , two"),
    ("co-codamol eight five hundred two tabs", "co-codamol 8/500              two tabs"),
    ("co-dydramol ten slash five hundred", "co-dydramol 10/500                "),
    ("Co codamol fifteen over five hundred", "Co codamol 15/500                   "),
    ("co-codamol sixty one thousand", "co-codamol 60/1000           "),
    # strengths the product does not come in, or no paracetamol part: left as written
    ("co-codamol forty five hundred", "co-codamol forty five hundred"),
    ("co-dydramol fifteen five hundred", "co-dydramol fifteen five hundred"),
    ("co-codamol thirty", "co-codamol thirty"),
    ("codeine thirty five hundred", "codeine thirty five hundred"),
])
def test_dictated_combination_strengths_become_figures_in_place(said, read):
    out = figures_for_spoken_strengths(said)
    assert out == read and len(out) == len(said)


@pytest.mark.parametrize("letter, strength, dose, per_day", [
    ("To take home colon cocodamol thirty five hundred, two tablets up to four times a day when required, new.",
     30.0, 60.0, 4),
    ("Discharge medicines: co-dydramol ten five hundred milligrams one or two tablets four times a day as needed.",
     10.0, 20.0, 4),
])
def test_a_dictated_combination_strength_gives_the_dose(letter, strength, dose, per_day):
    [rx] = extract_letter(letter).opioids
    assert (rx.strength_mg, rx.dose_mg_max, rx.frequency_per_day_max) == (strength, dose, per_day)
    assert "hundred" in rx.text  # shown as dictated


@pytest.mark.parametrize("directions, per_day, days", [
    ("ONE tablet twice a day (08:00 & 20:00). 14 days supplied", 2, 14),
    ("Two tablets twice a day, 7 days supplied", 2, 7),
    ("1-2 tablets twice a day. 5 days supplied", 2, 5),
    ("half a tablet twice a day. 3 days supplied", 2, 3),
])
def test_directions_on_the_line_under_the_product(directions, per_day, days):
    letter = ("Discharge medication\nOxyContin (oxycodone MR) 10mg tablets\n" + directions +
              "\nLaxido 1 sachet BD\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.supply_days) == (per_day, days)


def _printout(width: int) -> str:
    """A letter as a printout cut it: every paragraph and item hard-wrapped at the margin."""
    import textwrap

    paragraphs = [
        "Summary",
        "Mrs Okafor was admitted with a fractured neck of femur after a fall at home and had a hemiarthroplasty on "
        "the second day. Her pain was managed with regular paracetamol and oxycodone for breakthrough pain, and she "
        "mobilised with the physiotherapists on the third day. She is now independent with a frame and her "
        "daughter will stay with her for the first fortnight.",
        "Medicines on discharge",
        "Oxycodone (Shortec) 5mg capsules ONE capsule every 4 hours when required for breakthrough pain, max 4 "
        "doses in 24 hours, 20 capsules",
        "Paracetamol 1g four times a day",
    ]
    return "\n".join(textwrap.fill(p, width) for p in paragraphs) + "\n"


@pytest.mark.parametrize("width", [64, 72, 80, 96])
def test_a_printout_wrapped_at_its_margin_keeps_the_cut_sentence_together(width):
    letter = _printout(width)
    [rx] = extract_letter(letter).opioids
    assert (rx.frequency_per_day_max, rx.prn, rx.supply_quantity) == (4, True, "20 capsules")
    assert rx.text == letter[rx.span[0]:rx.span[1]] and rx.text.split()[-2:] == ["20", "capsules"]  # as printed


def test_a_shorthand_list_with_lower_case_items_is_not_joined():
    letter = ("TTO\npen V 500mg qds x10/7\n"
              "co-codamol 30/500 effervescent 1-2 tabs qds prn throat pain  Qty: 1 OP  Days: 3\n"
              "difflam spray prn every three hours when needed for pain\namlodipine 5mg od\n")
    [rx] = extract_letter(letter).opioids
    assert rx.text.endswith("Days: 3") and rx.frequency_per_day_max == 4


def test_a_side_box_beside_the_list_does_not_hide_the_wrap():
    body = ["Discharge medication", "OxyNorm (oxycodone IR) 20mg capsules", "ONE capsule every 2 hours when required for breakthrough",
            "pain, max 6 doses/24h. 56 capsules", "Laxido 2 sachets BD", "",
            "Summary", "He was admitted with severe pain in his back which had", "spread to both legs over the course of the last two",
            "weeks, with vomiting; his pain settled on the doses above", "and he went home with his wife on the fifth day of his", "stay."]
    side = ["Community contacts", "Hospice line (24 h):", "01632 960 882", "District nurses:", "01632 960 517", "",
            "ALERTS", "Allergy: none known", "DNACPR in place (with", "patient)", "", ""]
    letter = "\n".join(f"{b:<58}{s}".rstrip() for b, s in zip(body, side)) + "\n"
    rx = next(r for r in extract_letter(letter).opioids if r.brand == "OxyNorm")
    assert (rx.frequency_per_day_max, rx.supply_quantity) == (6, "56 capsules")


def test_html_entities_left_in_by_an_export_are_read_as_their_characters():
    from nlp.spoken import html_entities_as_text

    assert html_entities_as_text("20mg&nbsp;BD A&amp;E &lt;br&gt; &bogus; Tom & Jerry") == \
        "20mg      BD A&    E <   br>    &bogus; Tom & Jerry"
    letter = ("<b>Medicines&nbsp;on&nbsp;discharge</b>&lt;br&gt;\n"
              "&bull;&nbsp;Oxycodone 5mg&nbsp;capsules&nbsp;&ndash;&nbsp;1 capsule every 4 hours when required for "
              "wound pain, max 4 in 24 hours&nbsp;&ndash;&nbsp;20 capsules&nbsp;&ndash;&nbsp;NEW\n")
    [rx] = extract_letter(letter).opioids
    assert (rx.dose_mg_max, rx.frequency_per_day_max, rx.supply_quantity) == (5.0, 4, "20 capsules")
    assert rx.text == letter[rx.span[0]:rx.span[1]] and "&nbsp;" in rx.text  # shown as exported
