"""Dose, strength, frequency, duration and supply parsing for one prescription segment.

A *segment* is the text that belongs to one prescription: a list line, a table row (with its cells mapped to
columns) or a prose clause. Every parser works on character offsets of the original letter, so each value comes
with its evidence span. Regexes run on short segments only (a few hundred characters), never on the whole letter.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from nlp.rules import gated, json_rules, last_match


NUM = r"(\d+(?:\.\d+)?)"
_I = re.IGNORECASE


def sig_rules() -> dict:
    return json_rules("sig_rules.json")


def _num_words() -> dict[str, float]:
    return sig_rules()["number_words"]


def to_number(tok: str | None) -> float | None:
    if tok is None:
        return None
    t = tok.strip().lower().replace("½", "0.5")
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        v = _num_words().get(t)
        if v is None and (parts := re.split(r"[\s-]+", t)) and len(parts) == 2:
            tens, unit = _num_words().get(parts[0]), _num_words().get(parts[1])
            if tens and unit and tens >= 20 and tens % 10 == 0 and 1 <= unit <= 9:
                return tens + unit  # "twenty-four", "thirty two"
        return v if v is not None else sig_rules()["tablet_count_words"].get(t)


_ADVERBS = {"once", "twice", "thrice"}  # number words that are frequencies, never counts
NUMW = r"(\d+(?:\.\d+)?|" + "|".join(sorted((w.replace(" ", r"\s+") for w in _num_words() if w not in _ADVERBS),
                                               key=len, reverse=True)) + r"|½)"
# tablets per dose written without a unit, before the frequency: "ii qds", "1-2 qid", "one to two up to four times"
_COUNT = r"(\d(?!\d)|" + "|".join(sorted(list(sig_rules()["tablet_count_words"]) + [w for w in _num_words() if w not in _ADVERBS],
                                    key=len, reverse=True)) + r")"
# (a run of blanks is a frequency or cap phrase already read and masked; the end is a Dose cell holding "1-2")
_RE_NOT_A_COUNT_BEFORE = re.compile(r"(?:up\s+to|max(?:imum)?\.?\s*[:=]?|no\s+more\s+than|not\s+more\s+than|every|each|q)\s*$", _I)
_RE_CAP_BEFORE = re.compile(r"(?:\bmax(?:imum)?\.?(?:\s+of)?\s*[:=]?|\bno\s+more\s+than|\bnot\s+more\s+than|\bnot\s+(?:to\s+)?exceed)\s*$", _I)
RE_BARE_COUNT = re.compile(r"(?<![\w./-])" + _COUNT + r"(?:\s*(?:-|–|to|or)\s*" + _COUNT + r")?(?=\s*(?:,\s*)?(?:"
                           + "|".join(sig_rules()["count_followers"]) + r")\b|\s{3,}|\s*$)", _I)

# --- strength ---------------------------------------------------------------------------------------------
MCG = r"(?:micro\s?grams?|mcg|µg|ug|microgram)"
RE_PATCH = re.compile(NUM + r"\s*" + MCG + r"\s*(?:/|per|an|a)\s*(?:hour|hr|h)\b", _I)
# "BuTrans 10 patch", "Butec 5 patch": a patch strength written without its unit is micrograms/hour
RE_PATCH_BARE = re.compile(r"(?<![\d.])" + NUM + r"\s*(?:mcg\s+|micrograms?\s+)?(?:transdermal\s+|TD\s+|7[- ]day\s+|weekly\s+)?patch(?:es)?\b", _I)
RE_LIQUID = re.compile(NUM + r"\s*(mg|milligrams?|" + MCG + r")\s*(?:/|in|per|in\s+each)\s*" + NUM + r"?\s*(?:ml|mls|millilitres?)\b", _I)
RE_COMBO = re.compile(NUM + r"\s*(?:mg|" + MCG + r")?\s*/\s*" + NUM + r"(?![\d.])\s*(?:mg|" + MCG + r")?(?!\s*(?:ml|mls|h\b|hr|hour))", _I)
RE_MG = re.compile(NUM + r"\s*(mg|milligrams?|" + MCG + r"|g|grams?)\b(?!\s*/\s*(?:\d|ml|h\b|hr|hour|24|day|d\b))", _I)
# (never a patch's rate written out, "from 25 to 12 micrograms per hour")
RE_RANGE_MG = re.compile(NUM + r"\s*(?:mg|milligrams?|" + MCG + r")?\s*(?:-|–|to|or)\s*" + NUM + r"\s*(mg|milligrams?|" + MCG + r")\b(?!\s*/\s*(?:\d|ml|h\b|hr|hour|24|day)|\s*(?:per|an|a)\s+(?:hour|hr|h)\b)", _I)

# --- dose --------------------------------------------------------------------------------------------------
UNIT = r"(tablets?|tabs?|capsules?|caps?|caplets?|sachets?|suppositor(?:y|ies)|patch(?:es)?|lozenges?|films?|sprays?|puffs?|vials?|ampoules?|amps?)"
RE_UNITS = re.compile(r"(?<![\d./])\b" + NUMW + r"(?:\s*(?:-|–|to|or)\s*" + NUMW + r")?\s*(?:x\s*)?" + UNIT + r"\b", _I)
RE_ML = re.compile(NUM + r"(?:\s*(?:ml|mls)?\s*(?:-|–|to)\s*" + NUM + r")?\s*(?:ml|mls|millilitres?)\b", _I)

# --- frequency ---------------------------------------------------------------------------------------------
RE_EVERY_H = re.compile(r"\b(?:every|each|q\.?|q)\s*" + NUMW + r"(?:\s*(?:-|–|to|or)\s*" + NUMW + r")?\s*(?:hours?|hrs?|hly|h)\b\.?", _I)
RE_HOURLY = re.compile(r"(?<![\d.])\b" + NUMW + r"(?:\s*(?:-|–|to|or)\s*" + NUMW + r")?\s*[- ]?\s*(?:hourly|hrly|hly|h(?:ou)?rly)\b", _I)
# "4h PRN", "2-4h prn max 4": an interval in hours written with a bare h, before PRN, a cap or the cell's end
RE_H_INTERVAL = re.compile(r"(?<![\d./:(])\b([1-9]|1[0-2])(?:\s*(?:-|–|to)\s*(?:[1-9]|1[0-2]))?\s*h\b(?=\s*(?:prn|p\.r\.n|when|if|as\s+req|max|$|[,;]))", _I)
RE_BARE_HOURLY = re.compile(r"(?<![\d\-\s])\s*\bhourly\b|(?:^|(?<=[\s(|,]))hourly\b", _I)
RE_TIMES = re.compile(r"\b" + NUMW + r"\s*(?:(?:x\s*)?times?\s*(?:a|per|each|in\s+a|in\s+24\s*hours?)?|x\s*(?:/\s*|\s+(?:a|per)\s+)?)"
                      r"\s*(?:day|daily|24\s*h(?:ours?|rs?)?)\b", _I)  # "4 times a day", "4x/day", "2x daily"
# "no more than", "do not take more than", "must not have more than"
_NO_MORE_THAN = r"(?:no|not)\s+more\s+than|(?:do\s+not|don't|never|must\s+not|should\s+not)\s+(?:take|use|have|give|exceed)\s+more\s+than" \
    r"|(?:with\s+)?(?:a\s+)?(?:limit(?:ed)?|capped|ceiling)\s+(?:of|to|at)"  # "with a limit of four doses in any 24 hours"
RE_CAP_TIMES = re.compile(r"\b(?:max(?:imum)?\.?\s*[:=]?|up\s+to|at\s+most|" + _NO_MORE_THAN + r"|not\s+to\s+exceed)\s*(?:of\s+)?" + NUMW
                          + r"\s*(?:doses?|times?|administrations?|x(?=\s*(?:daily|a\s+day|/\s*day|per\s+day|in\s+24)))\s*(?:(?:in|per|/|a|every|each|in\s+any)\s*(?:24\s*h(?:ours?|rs?|r)?|day|24hrs?|twenty[- ]four\s+hours))?", _I)
# "max 4/24", "no more than 8 in 24 hours": a count with no unit (doses, or tablets when the dose is tablets)
RE_CAP_BARE = re.compile(r"\b(?:max(?:imum)?\.?\s*[:=]?|at\s+most|" + _NO_MORE_THAN + r"|not\s+to\s+exceed|up\s+to)\s*(?:of\s+)?" + NUMW
                         + r"\s*(?:/\s*24\s*(?:h(?:ours?|rs?)?)?|/\s*day|in\s+(?:any\s+)?(?:24\s*h(?:ours?|rs?|r)?|twenty[- ]four\s+hours|a\s+day|one\s+day)|(?:per|a)\s+day)(?![\w/])"
                         # "4h PRN max 4": a bare maximum closing the directions is doses a day
                         + r"|\bmax\.?\s*(\d{1,2})\s*(?=$|prn\b|p\.r\.n|when\b|if\b|[,;)])", _I)
RE_CAP_ABBR = re.compile(r"\b(?:max(?:imum)?\.?\s*[:=]?|at\s+most|" + _NO_MORE_THAN + r")\s*(?:of\s+)?(QDS|QID|TDS|TID|BD|BID|OD|"
                         r"four\s+times\s+(?:a\s+)?(?:day|daily)|three\s+times\s+(?:a\s+)?(?:day|daily)|"
                         r"(?:twice|once|thrice)\s+(?:a\s+day|daily|in\s+(?:any\s+|a\s+|one\s+)?(?:24\s*h(?:ours?|rs?)?|twenty[- ]four\s+hours|day)|per\s+day))\b", _I)
# (an aside in brackets may sit before the period: "max 4 capsules (20mg) in 24 hours", "max 20mg (4 caps) a day")
RE_CAP_UNITS = re.compile(r"\b(?:max(?:imum)?\.?\s*[:=]?|" + _NO_MORE_THAN + r"|up\s+to)\s*(?:of\s+)?" + NUMW
                          + r"\s*(tablets?|tabs|capsules?|caps|caplets)\s*(?:\([^()\n]{1,20}\)\s*)?(?:in\s+(?:any\s+|a\s+|one\s+)?|per|/|a|every|each)\s*(?:24|day|twenty)", _I)
RE_CAP_MG = re.compile(r"\b(?:max(?:imum)?\.?\s*[:=]?|at\s+most|" + _NO_MORE_THAN + r")\s*(?:daily\s+dose\s*)?(?:of\s+)?" + NUM + r"\s*(mg|" + MCG + r")\s*(?:\([^()\n]{1,20}\)\s*)?(?:in|per|/|a|daily|every|each)\s*(?:24|day|d\b)", _I)
# doses at named times of day: "30 mg mane, 20 mg nocte", "10mg in the morning and 5mg at night"
_TIME = r"(?:" + "|".join(sig_rules()["dose_times"]) + r")"
_CLOCK = r"(?:(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*h(?:rs)?)?|(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s*(?:am|pm|a\.m\.|p\.m\.))"
# (a count in brackets may sit between the amount and its time: "60mg (3 tabs) at 08:00")
_TIMED_DOSE = (NUM + r"\s*(?:mg|" + MCG + r")\s*(?:\(\s*[\w ./]{1,16}\)\s*)?(?:(?:in\s+the\s+|at\s+)?" + _TIME
               + r"|at\s+" + _CLOCK + r"|(?:[01]\d|2[0-3]):[0-5]\d(?:\s*h(?:rs)?)?)(?![\w/])")  # (a 24-hour "08:00" needs no "at")
RE_TIMED_DOSES = re.compile(r"(?<![\d.])" + _TIMED_DOSE + r"(?:\s*(?:,|;|&|\+|and|/|then)?\s*" + _TIMED_DOSE + r"){1,3}", _I)
RE_TIMED_ONE = re.compile(_TIMED_DOSE, _I)
# tablets at named times: "TWO in the morning, ONE at night", "3 caps mane and 2 caps nocte" (times the strength)
# a digit right before am/pm is a clock time ("one twice a day (8 am and 8 pm)"), never a tablet count
_COUNT = r"(\d(?!\s*(?:a\.?m\.?|p\.?m\.?)(?![a-z]))|one|two|three|four|half|½)"
_TIMED_COUNT = (_COUNT + r"\s*(?:\d+(?:\.\d+)?\s*mg\s+)?(?:tablets?|tabs?|capsules?|caps?)?\s*(?:\(\s*\d+(?:\.\d+)?\s*mg\s*\)\s*)?"
                r"(?:(?:in\s+the\s+|at\s+)?" + _TIME + r"|at\s+" + _CLOCK + r")(?![\w/])")  # "TWO capsules (4 mg) in the morning", "two at 8 am"
RE_TIMED_COUNTS = re.compile(r"(?<![\d.])\b" + _TIMED_COUNT + r"(?:\s*(?:,|;|&|\+|and|/|then)?\s*" + _TIMED_COUNT + r"){1,3}", _I)
RE_TIME_WORD = re.compile(_TIME + "|" + _CLOCK, _I)  # (cheap first look: no time of day, no doses at named times)
RE_TIMED_COUNT_ONE = re.compile(r"\b" + _TIMED_COUNT, _I)
RE_PRN = re.compile(r"\b(?:" + "|".join(sig_rules()["prn_phrases"]) + r")\b", _I)

# --- duration / supply / quantity ------------------------------------------------------------------------------
# (terse "7d", "2 wks", "1wk": a short unit after a figure or a space, never letters of a word: "and", "awkward")
DAYS_UNIT = r"(days?|/7|/52|weeks?|(?<![a-z])wks?(?![a-z])|/12|months?|fortnights?|(?<=\d)d(?![a-z]))"


def _days(n: float | None, unit: str) -> int | None:
    if n is None:
        return None
    u = unit.lower()
    if u.startswith("day") or u in ("/7", "d"):
        return int(round(n))
    if u.startswith(("week", "wk")) or u == "/52":
        return int(round(n * 7))
    if u.startswith("month") or u == "/12":
        return int(round(n * 30))  # (corpus: a "1/12" supply is 30 days)
    if u.startswith("fortnight"):
        return int(round(n * 14))
    if u[:1] == "h" and n >= 24 and n % 24 == 0:
        return int(n // 24)  # "for the first 72 h only": whole days
    return None


# number words a stated period may use beside the counts ("for a week", "an extra fortnight")
_NUM_DUR = r"(\d+(?:\.\d+)?|" + "|".join(sorted((w.replace(" ", r"\s+") for w in list(_num_words()) + list(sig_rules()["duration_number_words"])
                                                  if w not in _ADVERBS), key=len, reverse=True)) + r")"


# the units of the rule phrases: DAYS_UNIT without the one-letter "7d" (a one-letter literal takes the literal gate
# off a phrase; "x5d", "for 3d" are read by RE_DURATION and RE_SUPPLY)
_PHRASE_UNIT = DAYS_UNIT.replace("|(?<=\\d)d(?![a-z])", "")
assert _PHRASE_UNIT != DAYS_UNIT


def _phrase_rx(template: str) -> re.Pattern:
    """A rule phrase of sig_rules.json: {N} is the number (digits or words), {U} the period unit (days when absent)."""
    return gated(re.compile(template.replace("{N}", _NUM_DUR).replace("{U}", _PHRASE_UNIT), _I))  # nlp.rules: literal gate


def _period_days(x: re.Match) -> int | None:
    """Days of a rule phrase match: groups come in (number, unit) pairs, one pair per alternative of the phrase."""
    k = next((i for i in range(1, x.re.groups, 2) if x.group(i) is not None or x.group(i + 1) is not None), 1)
    num = x.group(k)
    n = 1.0 if not num else to_number(num)  # "over the next fortnight", "for another week": one
    if n is None:
        w = " ".join(num.lower().split())
        n = sig_rules()["duration_number_words"].get(w) or sig_rules()["ordinal_words"].get(w)  # ("first week")
    unit = x.group(k + 1) if x.re.groups > k and x.group(k + 1) else "days"
    d = _days(n, unit)
    return d if d and d <= 366 else None


RE_DURATION_PHRASES = [_phrase_rx(t) for t in sig_rules()["duration_phrases"]]
RE_SUPPLY_PHRASES = [_phrase_rx(t) for t in sig_rules()["supply_phrases"]]
RE_NOT_DURATION_BEFORE = re.compile(sig_rules()["duration_not_after"], _I)
RE_INDICATION_BEFORE = re.compile(sig_rules()["duration_indication_before"], _I)
RE_TAPER_STEP = _phrase_rx(sig_rules()["taper_step"])
RE_REFERENCE_LIMIT = [_phrase_rx(t) for t in sig_rules()["reference_limit_phrases"]]
RE_SHARED_SUPPLY = [_phrase_rx(t) for t in sig_rules()["shared_supply_phrases"]]
# a period of supply written just before a later mention of the drug ("he has two weeks of Zomorph from us")
RE_SUPPLY_OF_DRUG = _phrase_rx(sig_rules()["supply_of_drug"])
RE_STOP_LIMIT = [_phrase_rx(t) for t in sig_rules()["stop_limit_phrases"]]
RE_TAPER_TOTAL = [_phrase_rx(t) for t in sig_rules()["taper_total_phrases"]]


def _taper_total(text: str) -> tuple[int, int, int] | None:
    """(days, start, end) of a step down then a stop, each after a period: the sum of the two periods."""
    for rx in RE_TAPER_TOTAL:
        x = rx.search(text)
        if x:
            total = 0
            for k in range(1, x.re.groups, 2):
                n = to_number(x.group(k)) if x.group(k) else 1.0
                if n is None:
                    n = sig_rules()["duration_number_words"].get(" ".join(x.group(k).lower().split()))
                d = _days(n, x.group(k + 1) or "days")
                if not d:
                    return None
                total += d
            return (total, x.start(), x.end()) if total <= 366 else None
    return None
RE_PACK_QTY = re.compile(sig_rules()["pack_quantity"], _I)
RE_PACK_OF_STRENGTH = re.compile(sig_rules()["pack_of_strength"], _I)


def packs_of_strength(text: str):
    """A pharmacy label's pack line ("20 x 5mg capsules", "100 x 8/500 tablets", "28 x 5mg"): a count of five or
    more times the strength, with an mg figure or a unit word. It is the quantity supplied, never a dose."""
    for x in RE_PACK_OF_STRENGTH.finditer(text):
        if int(x.group(1)) >= 5 and (x.group(2) or x.group(3)):
            yield x
# a day and month, optionally a year ("14/04", "14.04.2026"): an end point, never a ratio ("30/500") or a 5/7
_END_DATE = r"(?<![\d/.])(\d{1,2})\s*[/.]\s*(\d{1,2})(?:\s*[/.]\s*(\d{4}|\d{2}))?(?![\d/]|\.\d)"
RE_END_DATE_PHRASES = [re.compile(t.replace("{D}", _END_DATE), _I) for t in sig_rules()["end_date_phrases"]]
RE_BARE_END_DATE = re.compile(r"^\s*" + _END_DATE + r"\s*$")
RE_ONE_DATE = re.compile(_END_DATE)
# an end date with the month in words ("on 30th June", "until 2 June 2026", "by the 14th of April")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_END_DATE_WORDS = (r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(_MONTHS) + r")[a-z]{0,6}\.?"
                   r"(?:\s+(\d{4}))?(?![\w/])")
RE_END_DATE_PHRASES_WORDS = [re.compile(t.replace("{D}", _END_DATE_WORDS), _I) for t in sig_rules()["end_date_phrases"]]


def days_until(day: int, month: int, year: str | None, discharged) -> int | None:
    """Days from the discharge date to an end date written without (or with) its year; None unless 1-90 days."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    years = [int(year) + (2000 if len(year) == 2 else 0)] if year else [discharged.year, discharged.year + 1]
    for y in years:
        try:
            d = (dt.date(y, month, day) - discharged).days
        except ValueError:
            return None
        if 1 <= d <= 90:
            return d
    return None


RE_ALL_OPIOIDS_END = re.compile(sig_rules()["all_opioids_end"], _I)
_RE_PERIOD_HERE = _phrase_rx(r"{N}\s*{U}\b")


def all_opioids_end(text: str, discharged) -> tuple[int, int, int] | None:
    """(days, start, end) of an end point told for every opioid at once ("aim off all opioids by 27/03", "stop all
    opioids within two weeks"): a date counts from discharge, a period is the days."""
    for x in RE_ALL_OPIOIDS_END.finditer(text):
        if (y := _RE_PERIOD_HERE.match(text, x.end())) and (d := _period_days(y)):  # ("over 3/52": never a date)
            return d, x.start(), y.end()
        y = RE_ONE_DATE.match(text, x.end())
        if y and discharged is not None and (d := days_until(int(y.group(1)), int(y.group(2)), y.group(3), discharged)):
            return d, x.start(), y.end()
    return None


RE_END_POSTOP_DAY = [re.compile(t, _I) for t in sig_rules()["end_postop_day_phrases"]]
RE_DISCHARGE_POSTOP_DAY = [re.compile(t, _I) for t in sig_rules()["discharge_postop_day"]]
RE_OPERATION_DATE_LINE = re.compile(sig_rules()["operation_date_line"], _I | re.MULTILINE)


def discharge_postop_day(letter: str, discharged) -> int | None:
    """Which post-operative day the patient went home on: stated ("(post-op day 2)", "home on POD 3"), else the
    discharge date less the date on the Operation/Procedure line."""
    head = letter[:3000]
    for rx in RE_DISCHARGE_POSTOP_DAY:
        x = rx.search(head)
        if x:
            return int(x.group(1))
    x = RE_OPERATION_DATE_LINE.search(head)
    if x and discharged is not None:
        year = int(x.group(3)) + (2000 if len(x.group(3)) == 2 else 0)
        try:
            d = (discharged - dt.date(year, int(x.group(2)), int(x.group(1)))).days
        except ValueError:
            return None
        return d if 0 <= d <= 60 else None
    return None


def end_postop_days(text: str, pod_at_discharge: int | None) -> tuple[int, int, int] | None:
    """(days, start, end) of an end point in post-operative days ("until day 5 post-op") counted from discharge."""
    if pod_at_discharge is None:
        return None
    for rx in RE_END_POSTOP_DAY:
        x = rx.search(text)
        if x:
            d = int(x.group(1)) - pod_at_discharge
            return (d, x.start(), x.end()) if 1 <= d <= 60 else None
    return None


def end_date_days(text: str, discharged, bare: bool = False) -> tuple[int, int, int] | None:
    """(days, start, end) of an end point written as a date in `text` ("stop on 14/04", "until ... 20/04"); with
    `bare`, a cell holding only a date (a Stop column)."""
    if discharged is None:
        return None
    found = RE_BARE_END_DATE.match(text) if bare else None
    if bare and found is None:  # a cell whose one date is the end point ("post-op clinic 24/04/2025", "Fri 11/04")
        dates = list(RE_ONE_DATE.finditer(text))
        found = dates[0] if len(dates) == 1 else None
    words = [] if found else [y for rx in RE_END_DATE_PHRASES_WORDS for y in rx.finditer(text)] \
        if any(mo in text.lower() for mo in _MONTHS) else []
    for x in ([found] if found else [y for rx in RE_END_DATE_PHRASES for y in rx.finditer(text)]) + words:
        month = x.group(2)
        month = _MONTHS.index(month[:3].lower()) + 1 if month[:1].isalpha() else int(month)
        d = days_until(int(x.group(1)), month, x.group(3), discharged)
        if d:
            return d, x.start(), x.end()
    return None



RE_SUPPLY = [
    re.compile(NUMW + r"\s*" + DAYS_UNIT + r"'?\s*(?:'s)?\s*(?:supply|supplied|worth)\b", _I),
    re.compile(r"\bsupply\s*(?:of|:|=|-)?\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
    re.compile(r"\b(?:TTOs?|TTA)\s*(?:supply|of|:|-)?\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
    re.compile(r"\b(?:supplied|dispensed)\s*(?:for|:)?\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
]
_RE_ANY_PERIOD_UNIT = re.compile(r"day|/7|/52|week|wk|/12|month|fortnight|\dd(?![a-z])", _I)  # (the units of DAYS_UNIT)
RE_DURATION = [
    re.compile(r"\b(?:do\s+not|don't|not\s+to)\s+(?:be\s+)?(?:continue[d]?|use[d]?|take[n]?)\s+(?:[\w/-]+\s+){0,3}(?:beyond|for\s+(?:more|longer)\s+than|after|past)\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
    re.compile(r"\bstop\s+(?:\w+\s+){0,2}(?:after|at|in)\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
    re.compile(r"\b(?:duration|course|length)\s*(?:of\s+(?:treatment|course)\s*)?[:=\-]?\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
    re.compile(r"\bfor\s+(?:a\s+(?:maximum|total)\s+of\s+|up\s+to\s+|no\s+more\s+than\s+|max(?:imum)?\s+)?" + NUMW + r"\s*" + DAYS_UNIT + r"(?:\s+only)?", _I),
    re.compile(r"(?<![A-Za-z0-9])x\s*" + NUMW + r"\s*" + DAYS_UNIT, _I),
    re.compile(r"\b" + NUMW + r"\s*" + DAYS_UNIT + r"\s+only\b", _I),
    re.compile(r"\(\s*" + NUMW + r"\s*" + DAYS_UNIT + r"\s*\)", _I),
]
# a bare "5/7", "2/52" or "1/12" on the line (UK shorthand for days/weeks/months; never part of a date): a short
# one is the course, a long one ("28/7", "2/52", "1/12") the days supplied; read after RE_DURATION (see _bare_period)
RE_BARE_PERIOD = re.compile(r"(?<![\d/.])(\d{1,2})\s*(/7|/52|/12)(?![\d/])", _I)
RE_BARE_PERIOD_REVIEW = re.compile(sig_rules()["bare_period_review_before"], _I)
RE_BARE_PERIOD_COURSE = re.compile(sig_rules()["bare_period_course_around"], _I)
# ("Qty: 1 OP" with no pack size is no count of tablets)
# ("tablets x 1-2 QDS": a range after x is tablets per dose, never a quantity)
# ("1 × 4-hourly", "1 x 4 daily": a count times a frequency, not a quantity)
RE_QTY_X = re.compile(r"(?<![A-Za-z0-9])(?:x|×|qty\.?|quantity|#|no\.?)\s*[:=]?\s*(\d+)\b(?!\s*(?:days?|/|weeks?|\.\d|\s*ml|mg|mcg|micro|OP\b|O/P|packs?\b|box|(?:-|to|or)\s*\d|-?\s*(?:hourly|hrly|hly|h\b|hrs?\b|hours?|daily|times|a\s+day)))", _I)
# a quantity after its label: "Dispense: 24 capsule", "Qty: 28 tablets", "Quantity supplied = 56"
RE_QTY_LABELLED = re.compile(r"\b(?:dispensed?|qty|quantity|supplied|issued)(?:\s+(?:supplied|dispensed|issued))?\s*[:=]\s*(\d+)\b(?!\s*(?:days?|/|weeks?|\.\d|mg|mcg|micro|OP\b|O/P|packs?\b|box))(?:\s*(?:x\s*)?(tablets?|tabs|capsules?|caps|caplets|patch(?:es)?|ampoules?|amps|vials?|sachets?)\b)?", _I)
# a count of units, in figures or words ("Twenty-four tablets", "FOURTEEN (14) capsules": the figure echoed in brackets)
_QTY_WORDS = r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
RE_QTY_UNITS = re.compile(r"(?<![\d./-])\b(\d+|" + _QTY_WORDS + r")\s*(?:\(\s*\d+\s*\)\s*)?(?:x\s*)?(?:\d+(?:\.\d+)?\s*ml\s+)?(tablets?|tabs?|capsules?|caps?|caplets|patch(?:es)?|ampoules?|amps|vials?|sachets?|suppositor(?:y|ies)|lozenges?|injections?)\b", _I)
# "(28 supplied)", "56 dispensed": a count with no unit, after the days-supplied phrases were masked
RE_QTY_SUPPLIED = re.compile(r"(?<![\d./-])\b(\d+)\s*(?:supplied|dispensed|issued)\b", _I)
_QTY_UNIT = r"(tablets?|tabs|capsules?|caps|caplets|patch(?:es)?|ampoules?|amps|vials?|sachets?|ml|mls)"
RE_QUANTITY_OF_DRUG = re.compile(sig_rules()["quantity_of_drug"].replace("{Q}", r"(\d+|" + _QTY_WORDS + r")")
                                 .replace("{UNIT}", _QTY_UNIT), _I)
# a supply told before the drug's name in its own sentence ("We have given him fourteen days of Zomorph ...")
RE_SUPPLY_LEAD_IN = [_phrase_rx(t) for t in sig_rules()["supply_lead_in"]]
RE_QUANTITY_LEAD_IN = gated(re.compile(sig_rules()["quantity_lead_in"].replace("{Q}", r"(\d+|" + _QTY_WORDS + r")")
                                       .replace("{UNIT}", _QTY_UNIT), _I))
# a dose made up of two tablet strengths: "90mg = 1 x 60mg + 1 x 30mg", "made up as 1 x 150mg + 1 x 30mg capsule"
_MADE_UP_PART = (r"(\d|one|two|three|four)\s*(?:x|×)?\s*(\d+(?:\.\d+)?)\s*mg\b"
                 r"(?:\s*(?:tablets?|tabs?|capsules?|caps?))?")
RE_MADE_UP_DOSE = gated(re.compile(sig_rules()["made_up_dose"].replace("{PART}", _MADE_UP_PART), _I))
# the same told in brackets after the dose, a tablet's count left out when one: "80mg twice daily (60mg + 20mg
# tablets)", "70mg bd (one 60mg and one 10mg tablet)"; read only when the parts add up to the dose just before it
_MADE_UP_PART_OPT = (r"(?:(\d|one|two|three|four|an?(?=\s))(?:\s*(?:x|×)\s*|\s+))?(\d+(?:\.\d+)?)\s*mg\b"
                     r"(?:\s*(?:tablets?|tabs?|capsules?|caps?))?")
# a dose told, then in brackets the tablets that make it: "(2 x 20 mg tablets per dose)", "(two 20mg tabs)"
_RE_ONE_PART_BRACKET = re.compile(r"\(\s*(?:as\s+|i\.e\.?\s+|=\s*|given\s+as\s+)?(\d|two|three|four)\s*(?:x|×)?\s*"
                                  r"(\d+(?:\.\d+)?)\s*mg\b[^()\n]{0,30}\)", _I)
RE_MADE_UP_BRACKET = re.compile(r"\(\s*(?:as\s+|i\.e\.?\s+|=\s*)?" + _MADE_UP_PART_OPT + r"\s*(?:\+|plus|and|&)\s*"
                                + _MADE_UP_PART_OPT + r"\s*(?:(?:prolonged|modified|immediate)[- ]release\s+|m/?r\s+|s/?r\s+)?"
                                r"(?:tablets?|tabs?|capsules?|caps?)?(?:\s+(?:for|per|at)\s+each\s+dose|\s+per\s+dose"
                                # ("(one 30 mg and one 15 mg capsule each time)", "... at a time")
                                r"|\s+(?:each|per|every)\s+(?:time|dose)|\s+at\s+(?:a|each|the\s+same)\s+time)?\s*[),;]", _I)
_RE_PARTS_THEN_TOTAL = re.compile(r"(\d+(?:\.\d+)?)\s*mg\s*(?:\+|plus|and|&)\s*(\d+(?:\.\d+)?)\s*mg\s*\(\s*(?:=\s*)?"
                                  r"(\d+(?:\.\d+)?)\s*mg(?:\s+(?:in\s+)?total)?\s*\)", _I)
# two strengths joined by a plus, no count: "MST 60mg + 10mg bd", "Targinact 40/20mg + 10/5mg bd" (a ratio product's
# first figure is its opioid): one of each makes the dose
_RE_STRENGTHS_SUMMED = re.compile(r"(?<![\d./])(\d+(?:\.\d+)?)(?:/\d+(?:\.\d+)?)?\s*mg\s*(?:\+|\bplus\b)\s*"
                                  r"(\d+(?:\.\d+)?)(?:/\d+(?:\.\d+)?)?\s*mg\b(?!\s*/\s*\d)", _I)
_RE_COUNT_BEFORE = re.compile(r"(?:\d|one|two|three|four)\s*(?:x|×)\s*$", _I)  # "1 x 60mg + ...": the counted form above
_RE_MG_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b(?!\s*(?:/|per|a)\s*(?:day|24))", _I)  # (a dose: never "100mg/day")


def _mg_told_before(text: str, pos: int) -> float | None:
    """The last mg figure in the 40 characters before ``pos``: the dose a bracket of tablets that follows explains."""
    last = last_match(_RE_MG_FIGURE, text, max(0, pos - 40), pos)
    return float(last.group(1)) if last is not None else None


def _summed_strengths(sig: Sig, text: str, base: int) -> bool:
    """Two strengths joined by a plus and no count ("MST 60mg + 10mg bd"): one tablet of each is the dose."""
    if ("+" not in text and "plus" not in text.lower()) or sig.timed_doses:
        return False
    y = _RE_STRENGTHS_SUMMED.search(text)
    if y is None or _RE_COUNT_BEFORE.search(text, max(0, y.start() - 12), y.start()) \
            or _RE_MG_FIGURE.search(text, 0, y.start()):
        return False  # (the counted form; or a dose told before, "MST 30mg bd (was 20mg + 10mg)")
    a, b = float(y.group(1)), float(y.group(2))
    sig.strength_mg, sig.strength_kind = max(a, b), sig.strength_kind or "mg"
    sig.dose_mg_min = sig.dose_mg_max = round(a + b, 6)
    sig.dose_units_max = 2
    sig.spans["dose"] = [base + y.start(), base + y.end()]
    return True


def parse_made_up_dose(sig: Sig, text: str, base: int) -> None:
    """A dose told as the tablets that make it up: the dose is their sum (unless doses at named times already
    gave a range), the strength the larger tablet, the units per dose their count."""
    if sig.strength_kind == "combo":
        _summed_strengths(sig, text, base)  # a fixed-dose product: only "Targinact 40/20mg + 10/5mg" applies
        return
    x = RE_MADE_UP_DOSE.search(text)
    if not x and "(" in text and (y := _RE_PARTS_THEN_TOTAL.search(text)):
        a, b, total = float(y.group(1)), float(y.group(2)), float(y.group(3))
        if abs(a + b - total) < 1e-6 and not sig.timed_doses:  # "MST 60 mg plus 10 mg (70 mg) twice daily"
            sig.strength_mg, sig.strength_kind = max(a, b), "mg"
            sig.dose_mg_min = sig.dose_mg_max = total
            sig.dose_units_max = 2
            sig.spans["dose"] = [base + y.start(), base + y.end()]
            return
    if not x and "(" in text and (x := RE_MADE_UP_BRACKET.search(text)):
        total = (to_number(x.group(1)) or 1.0) * float(x.group(2)) + (to_number(x.group(3)) or 1.0) * float(x.group(4))
        told = _mg_told_before(text, x.start())
        if told is None or abs(told - total) > 1e-6:
            x = None  # the parts are not the dose told just before them
    if not x and "(" in text and (y := _RE_ONE_PART_BRACKET.search(text)):
        n, each = to_number(y.group(1)), float(y.group(2))
        told = _mg_told_before(text, y.start())
        if n and 1 < n <= 4 and told is not None and abs(told - n * each) < 1e-6 and not sig.timed_doses:
            # "MST Continus 40 mg twice daily (2 x 20 mg tablets per dose)": the dose told, of tablets of that strength
            sig.strength_mg, sig.strength_kind = each, "mg"
            sig.dose_mg_min = sig.dose_mg_max = told
            sig.dose_units_max = n
            sig.spans["strength"] = [base + y.start(2), base + y.end(2)]
    if not x and _summed_strengths(sig, text, base):
        return
    if not x:
        return
    n1, n2 = to_number(x.group(1)) or 1.0, to_number(x.group(3)) or 1.0
    a, b = float(x.group(2)), float(x.group(4))
    if not n1 or not n2 or n1 > 4 or n2 > 4:
        return
    total = round(n1 * a + n2 * b, 6)
    sig.strength_mg, sig.strength_kind = max(a, b), "mg"
    sig.spans["strength"] = [base + x.start(2), base + x.end(4)]
    if not sig.timed_doses:
        sig.dose_mg_min = sig.dose_mg_max = total
        sig.dose_units_max = n1 + n2
        sig.spans["dose"] = [base + x.start(), base + x.end()]


RE_QTY_ML = re.compile(r"(?:(\d+)\s*x\s*)?(\d+(?:\.\d+)?)\s*(?:ml|mls|millilitres?)\b(?:\s*bottles?)?", _I)
RE_OWN = re.compile(r"\b(?:own\s+(?:supply|supplies|stock|drugs|medication)|patient'?s\s+own|POD|PODs|not\s+supplied|has\s+own\s+supply|no\s+supply\s+(?:needed|required)|none\s+supplied)\b", _I)

# --- formulation / route cues -----------------------------------------------------------------------------------
RE_MR = re.compile(r"\b(?:m/r|mr|modified[- ]release|prolonged[- ]release|slow[- ]release|sustained[- ]release|extended[- ]release|controlled[- ]release|sr|xl|cr|pr(?=\s+(?:tab|cap))|retard|continus|12[- ]hourly\s+release|24\s*hr|once[- ]daily\s+(?:tablets?|capsules?)|xr)\b", _I)
RE_LIQ = re.compile(r"\b(?:oral\s+solution|solution|liquid|elixir|syrup|linctus|mixture|suspension|oral\s+sol|concentrate|drops)\b|mg\s*/\s*\d*\s*mls?\b|mg\s+in\s+\d+\s*mls?\b", _I)
RE_INJ = re.compile(r"\b(?:injection|inj\.?|ampoules?|amps|vials?|solution\s+for\s+injection|s/c|subcut(?:aneous(?:ly)?)?|sc|s\.c\.|csci|syringe)\b", _I)
RE_SC_ROUTE = re.compile(sig_rules()["subcutaneous_route"], _I)
RE_PATCHW = re.compile(r"\b(?:patch(?:es)?|transdermal|td)\b", _I)
RE_SL = re.compile(r"\b(?:sublingual(?:ly)?|s/l|sl)\b", _I)
RE_BUCCAL = re.compile(r"\b(?:buccal|oromucosal|lozenge)\b", _I)
RE_NASAL = re.compile(r"\b(?:nasal|intranasal)\b", _I)
RE_COMBO_WORD = re.compile(r"/\s*paracetamol|\bwith\s+paracetamol|\+\s*paracetamol|\bparacetamol\s*/|/\s*acetaminophen|\bwith\s+acetaminophen|\b(?:\d+(?:\.\d+)?)\s*/\s*(?:325|500|1000)\b", _I)


@lru_cache(maxsize=1)
def _compiled_freq() -> list[tuple[re.Pattern, float]]:
    r = sig_rules()
    out = [(re.compile(p, _I), n) for p, n in r["frequency_terms"]]
    out += [(re.compile(p), n) for p, n in r["case_sensitive_frequency_terms"]]
    return out


def _unit_name(word: str) -> str:
    return sig_rules()["unit_words"].get(word.lower().rstrip("."), word.lower())


@dataclass
class Sig:
    strength_mg: float | None = None
    strength_mcg_per_hour: float | None = None
    strength_kind: str | None = None  # mg | mg_per_ml | combo | mcg_per_hour
    dose_mg_min: float | None = None
    dose_mg_max: float | None = None
    dose_units_max: float | None = None
    dose_unit: str | None = None
    frequency_per_day_max: int | None = None
    prn: bool = False
    duration_days: int | None = None
    supply_days: int | None = None
    supply_quantity: str | None = None
    quantity_n: float | None = None
    quantity_unit: str | None = None
    own_supply: bool = False
    patch_change_days: float | None = None
    cap: int | None = None
    cap_span: tuple | None = None
    timed_doses: int | None = None  # doses at named times of day: one administration each
    spans: dict = field(default_factory=dict)


_CHAR_FOLDS = str.maketrans(sig_rules()["char_folds"])


_RE_NUMBER_ECHO = re.compile(r"(?<=\d)[ \t]*\((?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                             r"fourteen|twenty(?:[ -]four)?|twenty-eight|thirty|fifty-six)\)", _I)


def _has_echo_bracket(text: str) -> bool:
    """Whether a '(' follows a figure ('4 (four)'): a few string finds instead of a regex over the whole text."""
    i = text.find("(")
    while i >= 0:
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j >= 0 and text[j].isdigit() and text[i + 1:i + 2].isalpha():
            return True
        i = text.find("(", i + 1)
    return False


class Masked:
    """The segment text with consumed parts blanked, so a number is read once."""

    def __init__(self, text: str, base: int):
        self.orig = text
        # typographic variants read as their ASCII twin, one character for one so offsets stay put
        folded = text.translate(_CHAR_FOLDS)
        if "(" in folded and _has_echo_bracket(folded):
            # a figure echoed in words ("every 4 (four) hours", "2 (two) times daily"): the words are blanked
            folded = _RE_NUMBER_ECHO.sub(lambda x: " " * len(x.group(0)), folded)
        self.chars = list(folded)
        self.base = base
        self._text: str | None = folded

    @property
    def text(self) -> str:
        """The text as masked so far (kept until the next take(): readers ask for it a dozen times a segment).
        Change ``chars`` only through take()."""
        t = self._text
        if t is None:
            t = self._text = "".join(self.chars)
        return t

    def take(self, s: int, e: int) -> None:
        self._text = None
        if 0 <= s < e <= len(self.chars):
            self.chars[s:e] = " " * (e - s)  # one slice, not a loop over the characters
        else:
            for i in range(s, e):
                self.chars[i] = " "


RE_FREQ_AFTER_VOLUME = re.compile(r"\s*(?:od|o\.d\.?|once\s+(?:a\s+)?da(?:il)?y|daily|mane|nocte|om|bd|b\.d\.?|"
                                   r"twice\s+(?:a\s+)?da(?:il)?y|tds|qds)\b", _I)
_RE_AFTER_VOLUME = re.compile(r"\d\s*(?:ml|mls)\s*[(\[=]\s*$", _I)

# paracetamol 325/500/1000 mg, aspirin 400/500 mg, ibuprofen 200/300 mg in fixed-dose combinations
_NON_OPIOID_PARTNER_MG = {200.0, 300.0, 325.0, 400.0, 500.0, 1000.0}


def _concentration(m: re.Match) -> float | None:
    """mg per ml of a RE_LIQUID match ("10mg/5ml" -> 2.0, "500 micrograms in 1 ml" -> 0.5)."""
    amount = float(m.group(1))
    if not m.group(2).lower().startswith(("mg", "milligram")):
        amount /= 1000.0
    vol = float(m.group(3)) if m.group(3) else 1.0
    return amount / vol if vol else None


def find_concentration(seg: str, start: int, end: int) -> tuple[float, int, int] | None:
    """The first concentration ("10 mg in 5 ml") in seg[start:end]: (mg per ml, s, e)."""
    for m in RE_LIQUID.finditer(seg, start, end):
        val = _concentration(m)
        if val is not None:
            return val, m.start(), m.end()
    return None


# a change's new strength cut by the reading window ("increased from 10 to 15 micrograms/h|our"), its old figure
# blanked as a previous dose or not ("increased         to 15 micr|ograms/hour")
_RE_CHANGE_TO_CUT = re.compile(r"(?:\bfrom\s+\d+(?:\.\d+)?|\b(?:increased|reduced|decreased|changed|raised|lowered|"
                               r"adjusted|titrated))\s+to\s+\d*(?:\.\d*)?\s*[A-Za-z/]*$", _I)


def find_strength(seg: str, after: int = 0, limit: int = 70):
    """First strength expression at or after `after` (within `limit` characters; a change's new strength that starts
    there is read whole: "patch increased from 10 to 15 micrograms/hour"). Returns (kind, value, s, e)."""
    window = seg[after: after + limit]
    if _RE_CHANGE_TO_CUT.search(window):
        window = seg[after: after + limit + 24]
    cands = []
    for kind, rx in (("mcg_per_hour", RE_PATCH), ("mcg_per_hour", RE_PATCH_BARE), ("mg_per_ml", RE_LIQUID), ("combo", RE_COMBO), ("range", RE_RANGE_MG), ("mg", RE_MG)):
        m = rx.search(window)
        if m and kind == "mg" and _RE_AFTER_VOLUME.search(window, 0, m.start()):
            m = rx.search(window, m.end())  # "5ml (10mg)": the mg is the dose of that volume, not a strength
        if m and kind == "mg" and RE_TIMED_DOSES.match(window, m.start()):
            continue  # "10mg in the morning and 5mg at night": doses at named times, no strength
        if not m or (m.start() >= limit and not _RE_CHANGE_TO_CUT.search(window, 0, m.start())):
            continue
        if kind == "mcg_per_hour":
            val = float(m.group(1))
        elif kind == "mg_per_ml":
            val = _concentration(m)
            if val is None:
                continue
        elif kind == "combo":
            a, b = float(m.group(1)), float(m.group(2))
            if b in (7, 52, 12, 24) or b < 1 or a > 1000:
                continue
            # the opioid is the first figure (30/500), unless it is written paracetamol-first (500/30)
            val = b if a in _NON_OPIOID_PARTNER_MG and b < a else a
        elif kind == "range":
            a, b = float(m.group(1)), float(m.group(2))
            if a == b:
                continue  # "30mg - 30 mg": strength then dose, not a range
            if a > b:
                # "oxycodone-naloxone 10-5 mg": two components of one tablet, the opioid first (as "10/5")
                kind, val = "combo", (b if a in _NON_OPIOID_PARTNER_MG else a)
            else:
                val = None
        else:
            val = float(m.group(1))
            u = m.group(2).lower()
            if u.startswith(("mcg", "micro", "µ", "ug")):
                val /= 1000.0
            elif u in ("g", "gram", "grams"):
                continue  # (no opioid tablet is a gram: "beyond 4g total" is the paracetamol's)
        cands.append((m.start(), -(m.end() - m.start()), kind, val, m.start() + after, m.end() + after))
    if not cands:
        return None
    cands.sort()
    liquid = next((c for c in cands if c[2] == "mg_per_ml"), None)
    if liquid is not None and cands[0][2] in ("mg", "range"):
        cands[0] = liquid  # "methadone 5 mg bd as the 1 mg/ml solution": the concentration is the strength
    _, _, kind, val, s, e = cands[0]
    return kind, val, s, e


def parse_strength(sig: Sig, seg: str, base: int, after: int, limit: int = 70) -> int:
    """Fill strength fields; return the end offset (relative) of the strength text, or `after`."""
    found = find_strength(seg, after, limit)
    if not found:
        return after
    kind, val, s, e = found
    if kind == "range":
        return after  # a dose range, not a strength
    if kind == "mcg_per_hour":
        sig.strength_mcg_per_hour = val
    else:
        sig.strength_mg = round(val, 6)
    sig.strength_kind = kind
    sig.spans["strength"] = [base + s, base + e]
    return e


# another product named by its strength inside the sig: "ONE tablet twice daily, taken with the 40mg/20mg tablet"
_RE_OTHER_PRODUCT = re.compile(r"\b(?:with|and|plus|as\s+well\s+as|than)\s+(?:the|his|her|their)\s+"
                               r"(\d+(?:\.\d+)?\s*(?:mg|micrograms?|mcg)(?:\s*/\s*\d+(?:\.\d+)?\s*(?:mg|micrograms?|mcg)?)?)", _I)


RE_DOSE_SCHEME = re.compile(sig_rules()["dose_scheme"])
RE_COUNTED_FREQUENCY = [gated(re.compile(p, _I)) for p in sig_rules()["counted_frequency_phrases"]]
# the words that tell a frequency or PRN (sig_rules frequency_or_prn_words), as one regex source for other readers
FREQ_OR_PRN_WORDS = r"\b(?:" + "|".join(sig_rules()["frequency_or_prn_words"]) + r")\b"
_RE_FREQ_OR_PRN_WORDS = re.compile(FREQ_OR_PRN_WORDS, _I)


def has_frequency_or_prn(s: str) -> bool:
    """A frequency or PRN is told somewhere in ``s`` (a word, "3x1", "3dd" or a "1-0-1" scheme)."""
    return bool(_RE_FREQ_OR_PRN_WORDS.search(s) or any(rx.search(s) for rx in RE_COUNTED_FREQUENCY)
                or ("-" in s and RE_DOSE_SCHEME.search(s)))


def _scheme_units(x: re.Match) -> list[float]:
    return [0.5 if g in ("½", "0.5") else float(g) for g in x.groups() if g is not None]


def parse_dose(sig: Sig, m: Masked, start: int, formulation: str | None) -> None:
    text = m.text
    region = text[start:]
    if "the" in region:
        region = _RE_OTHER_PRODUCT.sub(lambda x: x.group(0)[:x.start(1) - x.start()] + " " * len(x.group(1)), region)
    if formulation == "patch":
        return
    scheme = RE_DOSE_SCHEME.search(region) if "-" in region else None
    if scheme and (units := [u for u in _scheme_units(scheme) if u]) and len(units) >= 1 \
            and sig.strength_mg and sig.strength_kind in ("mg", "combo"):
        # "1-0-1" (morning-noon-evening): one dose per non-zero place, of that many tablets
        sig.dose_mg_min, sig.dose_mg_max = round(min(units) * sig.strength_mg, 6), round(max(units) * sig.strength_mg, 6)
        sig.dose_units_max, sig.timed_doses = max(units), len(units)
        sig.spans["dose"] = [m.base + start + scheme.start(), m.base + start + scheme.end()]
        m.take(start + scheme.start(), start + scheme.end())
        return
    timed = RE_TIMED_DOSES.search(region)
    if timed:
        vals = []
        for t in RE_TIMED_ONE.finditer(timed.group(0)):
            v = float(t.group(1))
            vals.append(v / 1000.0 if re.search(MCG, t.group(0), _I) else v)
        sig.dose_mg_min, sig.dose_mg_max = min(vals), max(vals)
        sig.timed_doses = len(vals)
        if sig.strength_mg and sig.strength_kind != "mg_per_ml":
            sig.dose_units_max = sig.dose_mg_max / sig.strength_mg
        sig.spans["dose"] = [m.base + start + timed.start(), m.base + start + timed.end()]
        m.take(start + timed.start(), start + timed.end())
        return
    counted = RE_TIMED_COUNTS.search(region) if RE_TIME_WORD.search(region) and (
        sig.strength_mg is None or sig.strength_kind in ("mg", "combo")) else None
    if counted and sig.strength_mg is None:
        # "one 100 mg capsule at breakfast and one at bedtime": the strength told with the first count
        inner = re.search(r"(\d+(?:\.\d+)?)\s*mg\b", counted.group(0), _I)
        if inner is None:
            counted = None
        else:
            sig.strength_mg, sig.strength_kind = float(inner.group(1)), "mg"
    if counted:
        counts = [to_number(t.group(1)) if t.group(1) not in ("half", "½") else 0.5
                  for t in RE_TIMED_COUNT_ONE.finditer(counted.group(0))]
        if counts and all(counts):
            sig.dose_mg_min = round(min(counts) * sig.strength_mg, 6)
            sig.dose_mg_max = round(max(counts) * sig.strength_mg, 6)
            sig.dose_units_max, sig.timed_doses = max(counts), len(counts)
            sig.spans["dose"] = [m.base + start + counted.start(), m.base + start + counted.end()]
            m.take(start + counted.start(), start + counted.end())
            return
    rng = RE_RANGE_MG.search(region)
    single = RE_MG.search(region)
    # (never a cap's count: "1 up to 4-hourly PRN, max 4 tabs/24h" is one tablet a dose)
    units = next((u for u in RE_UNITS.finditer(region)
                  if not _RE_CAP_BEFORE.search(region, max(0, u.start() - 25), u.start())), None)
    mls = RE_ML.search(region)
    mg_hit = None
    if rng and (not single or rng.start() <= single.start()):
        lo, hi = float(rng.group(1)), float(rng.group(2))
        scale = 0.001 if rng.group(3).lower().startswith(("mcg", "micro", "µ", "ug")) else 1.0
        mg_hit = (lo * scale, hi * scale, rng.start(), rng.end())
    elif single and single.group(2).lower() not in ("g", "gram", "grams"):
        # (a dose in grams is never an opioid's: "no extra paracetamol beyond 4g total" beside the drug's name)
        v = float(single.group(1))
        u = single.group(2).lower()
        if u.startswith(("mcg", "micro", "µ", "ug")):
            v /= 1000.0
        mg_hit = (v, v, single.start(), single.end())
    units_hit = None
    if units is None:
        a_or = _RE_A_UNIT_OR_MORE.search(region)  # "a tablet or two"
        if a_or:
            units_hit = (1.0, to_number(a_or.group(2)), _unit_name(a_or.group(1)), a_or.start(), a_or.end())
    if units:
        lo = to_number(units.group(1))
        hi = to_number(units.group(2)) if units.group(2) else lo
        unit = _unit_name(units.group(3))
        if lo is not None and lo == hi and not units.group(2):
            more = _RE_OR_MORE_UNITS.match(region, units.end())
            if more:  # "a tablet or two"
                hi = to_number(more.group(1)) or hi
            elif lo > 1 and _RE_UP_TO_BEFORE.search(region, max(0, units.start() - 12), units.start()):
                lo = 1.0  # "take up to 2 tablets": one or two
        if lo is not None and hi is not None and hi <= 6 and unit not in ("ampoules",):
            units_hit = (lo, hi, unit, units.start(), units.end())
    if units_hit is None and sig.strength_kind in ("mg", "combo") and formulation not in ("liquid", "patch"):
        for bc in RE_BARE_COUNT.finditer(region):
            if _RE_NOT_A_COUNT_BEFORE.search(region, max(0, bc.start() - 20), bc.start()):
                continue  # "up to four daily", "max 4": a frequency or a cap, not tablets per dose
            lo = to_number(bc.group(1))
            hi = to_number(bc.group(2)) if bc.group(2) else lo
            if lo and hi and lo <= hi <= 4 and (bc.group(1).isdigit() or bc.group(1).lower() != "i" or bc.group(2)):
                units_hit = (lo, hi, None, bc.start(), bc.end())
                break
    ml_hit = None
    if mls:
        lo = float(mls.group(1))
        hi = float(mls.group(2)) if mls.group(2) else lo
        if hi <= 30 or (hi <= 200 and RE_FREQ_AFTER_VOLUME.match(region, mls.end())):
            ml_hit = (lo, hi, mls.start(), mls.end())  # ("methadone 1mg/ml 60ml od": a volume told with its frequency is a dose)
    if mg_hit and (formulation not in ("liquid",) or not ml_hit or mg_hit[2] < ml_hit[2] + 40):
        lo, hi, s, e = mg_hit
        sig.dose_mg_min, sig.dose_mg_max = lo, hi
        if sig.strength_mg and sig.strength_kind != "mg_per_ml":
            sig.dose_units_max = hi / sig.strength_mg
        elif sig.strength_mg and sig.strength_kind == "mg_per_ml":
            sig.dose_units_max = hi / sig.strength_mg
            sig.dose_unit = "ml"
        sig.spans["dose"] = [m.base + start + s, m.base + start + e]
        m.take(start + s, start + e)
        if units_hit and units_hit[3] < s:
            m.take(start + units_hit[3], start + units_hit[4])
        return
    if units_hit and sig.strength_mg and sig.strength_kind != "mg_per_ml":
        lo, hi, unit, s, e = units_hit
        sig.dose_mg_min, sig.dose_mg_max = round(lo * sig.strength_mg, 6), round(hi * sig.strength_mg, 6)
        sig.dose_units_max, sig.dose_unit = hi, unit
        sig.spans["dose"] = [m.base + start + s, m.base + start + e]
        m.take(start + s, start + e)
        return
    if ml_hit and sig.strength_kind == "mg_per_ml" and sig.strength_mg:
        lo, hi, s, e = ml_hit
        sig.dose_mg_min, sig.dose_mg_max = round(lo * sig.strength_mg, 6), round(hi * sig.strength_mg, 6)
        sig.dose_units_max, sig.dose_unit = hi, "ml"
        sig.spans["dose"] = [m.base + start + s, m.base + start + e]
        m.take(start + s, start + e)
        return
    if units_hit:
        sig.dose_units_max, sig.dose_unit = units_hit[1], units_hit[2]
        m.take(start + units_hit[3], start + units_hit[4])


RE_CLOCK_ONE = re.compile(_CLOCK, _I)
_RE_CLOCK_EVENT_BEFORE = re.compile(r"\b(?:given|taken|had|last|administered|due|next|seen|discharged?|printed|dated?|arrived|"
                                    r"admitted|reviewed|on|from|until|till|by|before|after)\W*$", _I)
# one dose at one clock time ("ONE capsule at 08:00", "150mg @ 8am"): once a day
# (the dose before it may be masked already; "given at 14:00", "last dose at 06:00" are events, not a schedule)
RE_CLOCK_SINGLE = re.compile(r"(?:^|(?<=\s))(?:at|@)\s*" + _CLOCK
                             + r"(?![\d:/]|\.\d)(?!\s*(?:,|and|&|/|\+|or|-|to)\s*(?:(?:one|two|\d)\b|at\b))", _I)
RE_CLOCK_TIMES = re.compile(r"(?<![\d:./])" + _CLOCK + r"(?:\s*(?:,|and|&|/|\+)\s*(?:(?:one|two|three|four|half|\d)\s+"
                            r"(?:(?:tablets?|tabs?|capsules?|caps?)\s+)?)?(?:at\s+)?" + _CLOCK + r"){1,5}(?![\d:/]|\.\d)", _I)  # (a full stop may end the sentence)


def parse_frequency(sig: Sig, m: Masked, formulation: str | None) -> None:
    text = m.text
    prn = RE_PRN.search(text)
    if prn:
        sig.prn = True
        sig.spans["prn"] = [m.base + prn.start(), m.base + prn.end()]
    if formulation == "patch":
        _patch_interval(sig, text)
        return
    if not sig.cap:
        parse_cap(sig, m)
    cap, cap_span = sig.cap, sig.cap_span
    text = m.text
    base = None
    base_span = None
    cands = []
    for rx in (RE_EVERY_H, RE_HOURLY, RE_H_INTERVAL):
        for x in rx.finditer(text):
            lo = to_number(x.group(1))  # 'every two hours' as well as 'every 2 hours'
            if not lo or lo <= 0 or lo > 72:
                continue
            cands.append((x.start(), x.end(), int(math.floor(24.0 / lo + 1e-9)) if lo <= 24 else 1))
    for x in RE_TIMES.finditer(text):
        n = to_number(x.group(1))
        if n:
            cands.append((x.start(), x.end(), int(n)))
    for rx in RE_COUNTED_FREQUENCY:  # "3x1", "3dd"
        for x in rx.finditer(text):
            cands.append((x.start(), x.end(), int(x.group(1))))
    for rx, n in _compiled_freq():
        for x in rx.finditer(text):
            cands.append((x.start(), x.end(), int(n)))
    b = RE_BARE_HOURLY.search(text)
    if b:
        cands.append((b.start(), b.end(), 24))
    clock = RE_CLOCK_TIMES.search(text) if (":" in text or "." in text or "m" in text) else None
    if clock:  # "10 mg at 08:00 and 20:00", "(8am/8pm)": one administration per clock time
        cands.append((clock.start(), clock.end(), len(RE_CLOCK_ONE.findall(clock.group(0)))))
    elif not cands and (":" in text or "m" in text) and (one := RE_CLOCK_SINGLE.search(text)) \
            and not _RE_CLOCK_EVENT_BEFORE.search(text, max(0, one.start() - 30), one.start()):
        cands.append((one.start(), one.end(), 1))
    if cands:
        cands.sort(key=lambda c: (c[0], -c[1]))  # first phrase; at one position the longest ("q.d.s" over "q.d")
        s, e, base = cands[0]
        base_span = (s, e)
    # doses at named times are at least that many a day ("200mg in the morning and 250mg at night", a "morning" told
    # again elsewhere in the statement is no once-daily frequency)
    freq = cap if cap else max(base or 0, sig.timed_doses or 0) or None
    if freq:
        sig.frequency_per_day_max = int(freq)
        spans = [(m.base + a, m.base + b) for a, b in (base_span,) if a is not None] if base_span else []
        if cap_span:
            if not m.base <= cap_span[0] < m.base + len(m.text):
                spans = []  # a cap in another table cell: it alone set the figure (no hull over the cells between)
            spans.append(cap_span)
        if spans:  # (doses at named times: the dose span says it)
            sig.spans["frequency"] = [min(s for s, _ in spans), max(e for _, e in spans)]
        if base_span:
            m.take(*base_span)


def parse_cap(sig: Sig, m: Masked) -> None:
    """An explicit maximum ("max 4 doses in 24 hours", "max 8 tablets/24h", "max QDS") overrides the interval."""
    text = m.text
    sig.cap, sig.cap_span = 0, None
    for rx in (RE_CAP_UNITS, RE_CAP_MG, RE_CAP_TIMES, RE_CAP_BARE, RE_CAP_ABBR):
        c = rx.search(text)
        if not c:
            continue
        cap = None
        if rx is RE_CAP_UNITS:
            n = to_number(c.group(1))
            per = sig.dose_units_max or 1
            if n:
                cap = int(math.floor(n / per + 1e-9))
        elif rx is RE_CAP_MG:
            n = float(c.group(1))
            if c.group(2).lower().startswith(("mcg", "micro", "µ", "ug")):
                n /= 1000.0
            if sig.dose_mg_max:
                cap = int(math.floor(n / sig.dose_mg_max + 1e-9))
        elif rx is RE_CAP_TIMES:
            n = to_number(c.group(1))
            cap = int(n) if n else None
        elif rx is RE_CAP_BARE:
            n = to_number(c.group(1) or c.group(2))
            per = sig.dose_units_max or 1
            # "no more than 8 in 24 hours" at 1-2 tablets caps tablets; "max 4/24" caps doses
            cap = (int(math.floor(n / per + 1e-9)) if per > 1 and n >= 8 else int(n)) if n else None
        else:
            cap = _abbr_value(c.group(1))
        if cap:
            sig.cap, sig.cap_span = cap, (m.base + c.start(), m.base + c.end())
            m.take(c.start(), c.end())
            return


def _abbr_value(s: str) -> int | None:
    s = s.lower()
    if s.startswith(("qds", "qid", "four")):
        return 4
    if s.startswith(("tds", "tid", "three", "thrice")):
        return 3
    if s.startswith(("bd", "bid", "twice")):
        return 2
    if s.startswith(("od", "once")):
        return 1
    return None


RE_PATCH_EVERY = re.compile(r"\b(?:every|each|q)\s*" + NUM + r"\s*(hours?|hrs?|h|days?)\b|\b" + NUM + r"[- ]?(hour|hr|h|day)\b", _I)
RE_PATCH_WEEKLY = re.compile(r"\b(?:weekly|once\s+(?:a\s+)?week|every\s+week|7[- ]day)\b", _I)
RE_PATCH_TWICE_WEEKLY = re.compile(r"\btwice[- ](?:a\s+)?week(?:ly)?\b", _I)


def _patch_interval(sig: Sig, text: str) -> None:
    if RE_PATCH_TWICE_WEEKLY.search(text):
        sig.patch_change_days = 3.5
    m = RE_PATCH_EVERY.search(text)
    if m:
        n = float(m.group(1) or m.group(3))
        unit = (m.group(2) or m.group(4)).lower()
        days = n / 24.0 if unit.startswith("h") else n
        if 1 <= days <= 14:
            sig.patch_change_days = sig.patch_change_days or days
    if sig.patch_change_days is None and RE_PATCH_WEEKLY.search(text):
        sig.patch_change_days = 7.0


# "7 days", "five days"; never the upper end of a range ("1-2 weeks" states no duration)
_RE_DAYS_FIGURE = re.compile(r"(?<![\d/])(?<!\d-)(?<!\d -)(?<!\d- )(?<!\d - )(?<!\bto )(?<!\bor )" + NUMW + r"\s*" + DAYS_UNIT, _I)


# the days a quantity lasts, written beside it: "(56 tablets, 28 days)", "56 tablets = 28 days", "x14 (7 days)"
_RE_DAYS_BESIDE_QTY = re.compile(r"(?:\s+(?:supplied|dispensed|issued|given))?\s*(?:,|=|;|-|–|—)?\s*\(?\s*"
                                 r"(\d{1,3}|one|two|three|four|five|six|seven|ten|fourteen|a)\s*(days?|d|weeks?|(?<=\(\d)/7|(?<=\(\d\d)/7|(?<=\(\d)/52)(?![\w/])"
                                 r"(?!\s*[,;]?\s*(?:then|and\s+then|after|later|max(?:imum)?\b|only\b))", _I)
# ("24 tablets - 3 days, then stop", "20 capsules - 5 days maximum": a course, its duration)


def _days_beside_quantity(sig: Sig, m: Masked) -> None:
    """Days written right after the quantity are days supplied (corpus rule: "Days: 5" beside a quantity)."""
    q = sig.spans.get("quantity")
    if not q or sig.supply_days is not None or sig.own_supply:
        return
    end = q[1] - m.base
    if not 0 < end <= len(m.text):
        return
    x = _RE_DAYS_BESIDE_QTY.match(m.text, end)
    d = _days(1.0 if x.group(1).lower() == "a" else to_number(x.group(1)), x.group(2)) if x else None
    if d:  # "28 tablets (7 days)", "8 tablets (two days)", "14 tabs (7/7)" (a bare ", 5/7" after the count is the course)
        sig.supply_days = d
        sig.spans["supply"] = [m.base + x.start(1), m.base + x.end()]
        m.take(x.start(), x.end())


_RE_DAYS_SLASH_COUNT = re.compile(r"\b(\d{1,3})\s*(?:d|days?)\s*/\s*(\d{1,4})\s*(tablets?|tabs?|capsules?|caps?|patch(?:es)?|"
                                  r"ampoules?|amps?|ml|sachets?)\b", _I)


def parse_supply(sig: Sig, m: Masked, formulation: str | None, default_unit: str | None,
                 supply_only: bool = False, duration_only: bool = False) -> None:
    """Own supply, days supplied, quantity and intended duration (in that order, masking as it goes)."""
    text = m.text
    own = RE_OWN.search(text)
    if own and not duration_only:
        sig.own_supply = True
        sig.spans["supply"] = [m.base + own.start(), m.base + own.end()]
        m.take(own.start(), own.end())
    # every RE_SUPPLY / RE_DURATION pattern needs a period unit: text without one skips both lists
    units = _RE_ANY_PERIOD_UNIT.search(text) is not None
    if not duration_only:
        for rx in (RE_SUPPLY if units else ()):
            x = rx.search(m.text)
            if x:
                d = _days(to_number(x.group(1)), x.group(2))
                if d and not sig.own_supply:
                    sig.supply_days = d
                    sig.spans["supply"] = [m.base + x.start(), m.base + x.end()]
                m.take(x.start(), x.end())
                break
        else:
            _phrase_supply(sig, m)
        _quantity(sig, m, formulation, default_unit)
        _count_after_supply(sig, m, formulation, default_unit)
        _days_beside_quantity(sig, m)
    if supply_only and sig.supply_days is None and not sig.own_supply and \
            (x := _RE_DAYS_SLASH_COUNT.search(m.text)):  # a Sup cell "5d/40tab": days issued / units issued
        sig.supply_days = int(x.group(1))
        sig.spans["supply"] = [m.base + x.start(1), m.base + x.end(1)]
        if sig.quantity_n is None and 0 < int(x.group(2)) <= MAX_QUANTITY:
            sig.quantity_n, sig.quantity_unit = int(x.group(2)), _unit_name(x.group(3))
            sig.spans["quantity"] = [m.base + x.start(2), m.base + x.end(3)]
        m.take(x.start(), x.end())
    if supply_only:
        # a bare "7 days" / "7/7" in a supply column is days supplied
        x = _RE_DAYS_FIGURE.search(m.text)
        if x and sig.supply_days is None and not sig.own_supply:
            sig.supply_days = _days(to_number(x.group(1)), x.group(2))
            sig.spans["supply"] = [m.base + x.start(), m.base + x.end()]
            m.take(x.start(), x.end())
        # a bare number in a column of days supplied ("Supply (days)", "Days")
        x = re.fullmatch(r"\s*(\d{1,3})\s*", m.text)
        if x and sig.supply_days is None and not sig.own_supply and int(x.group(1)) > 0:
            sig.supply_days = int(x.group(1))
            sig.spans["supply"] = [m.base + x.start(1), m.base + x.end(1)]
        return
    for rx in (RE_DURATION if units else ()):
        x = rx.search(m.text)
        if x and (_RE_LABELLED_PERIOD.match(x.group(0)) or not _symptom_period(m.text, x.start())):
            d = _days(to_number(x.group(1)), x.group(2))
            if d:
                sig.duration_days = d
                sig.spans["duration"] = [m.base + x.start(), m.base + x.end()]
                m.take(x.start(), x.end())
                break
    else:
        if units and "/" in m.text:
            _bare_period(sig, m, supply_too=not duration_only)
    if sig.duration_days is None:
        _phrase_duration(sig, m)
    if sig.duration_days is not None and not duration_only:
        _add_taper_steps(sig, m)
    if duration_only and sig.duration_days is None:
        x = _RE_DAYS_FIGURE.search(m.text)
        if x:
            sig.duration_days = _days(to_number(x.group(1)), x.group(2))
            sig.spans["duration"] = [m.base + x.start(), m.base + x.end()]
        elif (x := re.fullmatch(r"\s*(\d{1,3})\s*", m.text)) and 0 < int(x.group(1)) <= 366:
            sig.duration_days = int(x.group(1))  # a bare number in a course column ("Crs" = course in days)
            sig.spans["duration"] = [m.base + x.start(1), m.base + x.end(1)]


# the longest bare period still read as a course: "5/7", "7/7", "10/7", "1/52"; "14/7", "28/7", "2/52", "1/12" on an
# item's line are the days supplied (a course told that long says so: "x 2/52", "for 14/7", "2/52 then stop")
_BARE_COURSE_MAX_DAYS = 10
# a bare "1/12" is months only set off as an item's own field ("... pain - 1/12", ", 2/12"): a date says "on 1/12"
_RE_BARE_MONTH_BEFORE = re.compile(r"(?:^|[-,;(|])\s*$")
_RE_TIME_AFTER = re.compile(r"\s*(?:\d{1,2}[:.]\d{2}|/\d)")


# ("... #32 this clinic, then wean off over 2/52": a period something happens over is no review timing)
_RE_OVER_BEFORE = re.compile(r"\b(?:over|within)\s*$", _I)


def _bare_period(sig: Sig, m: Masked, supply_too: bool = True) -> None:
    """A bare "5/7", "28/7", "2/52" or "1/12" on the line: a review timing ("r/v at 2/52", "OPA 6/52") is neither; a
    short period, or one told as a course ("2/52 then stop", "max 2/52"), is the duration; a long one the days
    supplied (corpus: "Supply: 7/7", "28/7" after a regular drug)."""
    text = m.text
    for x in RE_BARE_PERIOD.finditer(text):
        if _symptom_period(text, x.start()):
            continue
        if RE_BARE_PERIOD_REVIEW.search(text[max(0, x.start() - 60):x.start()]) \
                and not _RE_OVER_BEFORE.search(text, max(0, x.start() - 12), x.start()):
            m.take(x.start(), x.end())  # "r/v in 2/52": when to look again, no period of the drug
            continue
        if x.group(2) == "/12" and (x.group(1).startswith("0") or int(x.group(1)) > 6
                                    or not _RE_BARE_MONTH_BEFORE.search(text, max(0, x.start() - 4), x.start())
                                    or _RE_TIME_AFTER.match(text, x.end())):
            continue  # "given 01/12 08:30", "seen 3/12": a day of December, never months
        d = _days(to_number(x.group(1)), x.group(2))
        if not d:
            continue
        course = RE_BARE_PERIOD_COURSE.search(text[max(0, x.start() - 30):x.start()] + "#" + text[x.end():x.end() + 30])
        if d <= _BARE_COURSE_MAX_DAYS or course or not supply_too:
            sig.duration_days = d
            sig.spans["duration"] = [m.base + x.start(), m.base + x.end()]
        elif sig.supply_days is None and not sig.own_supply:
            sig.supply_days = d
            sig.spans["supply"] = [m.base + x.start(), m.base + x.end()]
        else:
            continue
        m.take(x.start(), x.end())
        return


_RE_COUNT_IN_BRACKETS = re.compile(r"\s*\(\s*(\d{1,4})\s*\)")


def _count_after_supply(sig: Sig, m: Masked, formulation: str | None, default_unit: str | None) -> None:
    """A bare count in brackets right after the days supplied ("7 days' supply (28)", "TTO 7/7 (14)") is the quantity,
    in the product's unit."""
    if sig.quantity_n is not None or sig.supply_days is None or not default_unit or formulation == "liquid" \
            or not sig.spans.get("supply"):
        return
    e = sig.spans["supply"][1] - m.base
    x = _RE_COUNT_IN_BRACKETS.match(m.text, e) if 0 <= e <= len(m.text) else None
    if x and 0 < int(x.group(1)) <= MAX_QUANTITY:
        sig.quantity_n, sig.quantity_unit = int(x.group(1)), default_unit
        sig.spans["quantity"] = [m.base + x.start(1), m.base + x.end(1)]
        m.take(x.start(), x.end())


def _phrase_supply(sig: Sig, m: Masked) -> None:
    """Days supplied written with the rule phrases of sig_rules.json ("Days supplied: 7", "Cyflenwad / Supply 7")."""
    for rx in RE_SUPPLY_PHRASES:
        x = rx.search(m.text)
        if x:
            d = _period_days(x)
            if d and not sig.own_supply:
                sig.supply_days = d
                sig.spans["supply"] = [m.base + x.start(), m.base + x.end()]
                m.take(x.start(), x.end())
            return


# a labelled period ("Course=5 days", "Duration: 7 days") is a duration whatever words come before it
_RE_LABELLED_PERIOD = re.compile(r"(?:duration|course|length)\b", _I)


def _symptom_period(text: str, start: int) -> bool:
    """True when the period at ``start`` follows a symptom or history word ("pain for 3 days")."""
    before = text[max(0, start - 40):start]
    return RE_NOT_DURATION_BEFORE.search(before) is not None and RE_INDICATION_BEFORE.search(before) is None


def _phrase_duration(sig: Sig, m: Masked) -> None:
    """A stated limit or end point from the rule phrases ("for no more than five days", "stop within a week");
    a period after a symptom or history word ("pain for 3 days") is not a duration."""
    text = m.text
    for rx in RE_DURATION_PHRASES:
        for x in rx.finditer(text):
            if _symptom_period(text, x.start()):
                continue
            d = _period_days(x)
            if d:
                sig.duration_days = d
                sig.spans["duration"] = [m.base + x.start(), m.base + x.end()]
                m.take(x.start(), x.end())
                return


# "for 5 days then stop, 7/7 supply": after a stop no step follows, and a period of supply is no step
_RE_NOT_A_STEP = re.compile(r"\b(?:stop|stopped|cease|discontinue|off|supply|supplied|TTO)\b", _I)
_RE_SUPPLY_AFTER = re.compile(r"(?:'s?)?\s*(?:supply|supplied|worth|TTO)\b", _I)


def _add_taper_steps(sig: Sig, m: Masked) -> None:
    """A taper's duration is the sum of its steps: "10mg bd for 3 days, then 5mg bd for 3 days" is 6 days.
    Steps are read from the whole segment (a step-down sentence may have been masked as the weaning plan)."""
    a, b = sig.spans["duration"]
    steps = [x for x in RE_TAPER_STEP.finditer(m.orig, b - m.base)
             if not _RE_NOT_A_STEP.search(x.group(0)) and not _RE_SUPPLY_AFTER.match(m.orig, x.end())]
    extra = [d for d in (_period_days(x) for x in steps) if d]
    if extra and len(extra) == len(steps):
        sig.duration_days += sum(extra)
        sig.spans["duration"] = [a, m.base + steps[-1].end()]
        _widen_to_taper_doses(sig, m, steps)


_RE_STEP_DOSE = re.compile(r"\A\s*then\s+(?:(?:reduce|decrease|go|step|drop|down|to)\s+){0,3}(\d+(?:\.\d+)?)\s*mg\b", _I)


_RE_STEP_COUNT = re.compile(r"\A\s*then\s+(?:(?:reduce|decrease|go|step|drop|down|to)\s+){0,3}(one|two|three|four|half|½|\d)\s+"
                            r"(?:(?:tablets?|tabs?|capsules?|caps?)\b|(?=(?:bd|b\.d|tds|qds|od|twice|once|daily|nocte|mane|"
                            r"at\s+night|in\s+the\s+morning)\b))", _I)


# a step down still to come in the prescription's own statement ("TWO capsules QDS - REDUCE TO ONE capsule QDS after
# 1/52, then stop", "10 mg bd; then reduce to 5 mg bd"); a step that happened ("reduced to") is the dose itself
RE_STEP_DOWN_TO = re.compile(r"\b(?:then\s+)?(?:(?:to|will|should|can|may)\s+be\s+(?:reduced|decreased|stepped\s+down|weaned)|"
                             r"reduce|reducing|decrease|decreasing|step(?:ping)?\s+down|drop|dropping|"
                             r"wean(?:ing)?|cut(?:ting)?\s+down)\s+(?:the\s+dose\s+|it\s+|them\s+|this\s+)?(?:down\s+)?to\s+"
                             r"(?:(\d+(?:\.\d+)?)\s*mg\b|(one|two|three|half|½|\d)\s+(?:tablets?|tabs?|capsules?|caps?)\b)", _I)


def widen_to_step_down(sig: Sig, text: str, dose_span, base: int) -> None:
    """A taper's dose range spans its steps (corpus rule): a step down written after the dose lowers the minimum."""
    start = dose_span[1] - base if dose_span else 0
    x = RE_STEP_DOWN_TO.search(text, max(start, 0))
    if not x:
        return
    if x.group(1):
        step = float(x.group(1))
    elif sig.strength_mg and sig.strength_kind in ("mg", "combo"):
        n = 0.5 if x.group(2) in ("half", "½") else to_number(x.group(2))
        step = n * sig.strength_mg if n else None
    else:
        return
    if step and 0 < step < sig.dose_mg_min:
        sig.dose_mg_min = round(step, 6)


def _widen_to_taper_doses(sig: Sig, m: Masked, steps) -> None:
    """A taper's dose range spans its steps (corpus rule): "10mg bd for 7 days, then 5mg bd for 7 days" is 5-10 mg,
    whether the first dose was written apart from the strength or is the strength itself."""
    step_doses = [float(x.group(1)) for st in steps if (x := _RE_STEP_DOSE.match(st.group(0)))]
    if sig.strength_mg:  # "then ONE tablet twice a day for four days": the count times the strength
        step_doses += [(0.5 if x.group(1).lower() in ("half", "½") else to_number(x.group(1)) or 0) * sig.strength_mg
                       for st in steps if (x := _RE_STEP_COUNT.match(st.group(0))) and not _RE_STEP_DOSE.match(st.group(0))]
        step_doses = [d for d in step_doses if d]
    if not step_doses or sig.strength_kind not in ("mg", "combo") or not sig.strength_mg:
        return
    dose_at = sig.spans.get("dose")
    if dose_at and sig.dose_mg_max is not None and dose_at[0] - m.base < steps[0].start():
        first = [sig.dose_mg_min, sig.dose_mg_max]
    else:
        first = [sig.strength_mg]  # the first step's dose is the strength written with the name
    vals = first + step_doses
    sig.dose_mg_min, sig.dose_mg_max = min(vals), max(vals)
    sig.dose_units_max = sig.dose_mg_max / sig.strength_mg


def stated_limit(text: str, base: int) -> tuple[int, list[int]] | None:
    """(days, span) of an explicit limit in a sentence that only names the drug ("do not continue the codeine
    beyond a week"); review timings ("r/v 1/52") and bare periods are not read here."""
    text = text.translate(_CHAR_FOLDS)
    tt = _taper_total(text)
    if tt:
        return tt[0], [base + tt[1], base + tt[2]]
    for rx in RE_REFERENCE_LIMIT:
        for x in rx.finditer(text):
            d = _period_days(x)
            if d:
                return d, [base + x.start(), base + x.end()]
    return None


def shared_supplies(text: str) -> list[tuple[int, int, int]]:
    """(days, start, end) of each supply stated for several drugs at once ("7 days of each supplied",
    "we have supplied 14 days of both")."""
    out = []
    for rx in RE_SHARED_SUPPLY:
        for x in rx.finditer(text):
            d = _period_days(x)
            if d:
                out.append((d, x.start(), x.end()))
    return out


def parse_stop_limit(sig: Sig, m: Masked) -> None:
    """The end point of a step-down sentence ("wean and stop within 10 days") is the intended duration."""
    tt = _taper_total(m.text)
    if tt:
        sig.duration_days = tt[0]
        sig.spans["duration"] = [m.base + tt[1], m.base + tt[2]]
        return
    for rx in RE_STOP_LIMIT:
        x = rx.search(m.text)
        if x:
            d = _period_days(x)
            if d:
                sig.duration_days = d
                sig.spans["duration"] = [m.base + x.start(), m.base + x.end()]
                return


# "Qty twenty (20)", "Supplied: thirty (30) tablets": a count in words with its figure in brackets
RE_QTY_WORD_ECHO = re.compile(r"\b(?:qty|quantity|supplied|dispensed)\s*[:=]?\s*[A-Za-z]+(?:[\s-][A-Za-z]+)?\s*\(\s*(\d+)\s*\)"
                              r"(?:\s*(tablets?|tabs|capsules?|caps|caplets|patch(?:es)?|ampoules?|amps|vials?|sachets?)\b)?", _I)
RE_QTY_SMALL_WORDS = re.compile(r"(?:\b(?:with|supplied|sent|dispensed|given|issued|has|have|and)\s+(?:(?:a\s+(?:box|pack)\s+of|another)\s+)?"
                                r"(two|three|four|five|six|seven|eight|nine)\s+(patch(?:es)?|ampoules?|amps|vials?)\b|"
                                r"\b(two|three|four|five|six|seven|eight|nine)\s+(patch(?:es)?|ampoules?|amps|vials?)\s+"
                                r"(?:(?:are|were|was|is|have\s+been|has\s+been)\s+)?(?:supplied|dispensed|issued|sent|given)\b|"
                                # "..., every hour when required, five ampoules;": a count closing the item's clause
                                r"(?<=,)\s*(two|three|four|five|six|seven|eight|nine)\s+(patch(?:es)?|ampoules?|amps|vials?)"
                                r"\s*(?=[;.]|$))", _I)
_RE_MG_BEFORE_BRACKET = re.compile(r"\d\s*(?:mg|micrograms?|mcg)\s*[(\[]\s*$", _I)
_RE_MG_ECHO_AFTER = re.compile(r"\s*[(\[]\s*\d+(?:\.\d+)?\s*(?:mg|micrograms?|mcg)\b", _I)


_RE_OR_MORE_UNITS = re.compile(r"\s+or\s+(two|three|2|3)\b(?!\s*(?:times|days?|weeks?|hours?|mg|ml))", _I)
_RE_A_UNIT_OR_MORE = re.compile(r"\ban?\s+(tablet|capsule|caplet|sachet|tab|cap)\s+or\s+(two|three|2|3)\b"
                                r"(?!\s*(?:times|days?|weeks?|hours?))", _I)
_RE_UP_TO_BEFORE = re.compile(r"\bup\s+to\s+$", _I)
# a frequency or PRN right after a count ("two twice a day", "1 at bedtime", "2 up to qds"): the count is of units
_RE_FREQ_AFTER_COUNT = re.compile(r"\s*(?:" + FREQ_OR_PRN_WORDS + r"|\b(?:(?:three|four)\s+times|b\.d|t\.d\.s|q\.d\.s|"
                                  r"in\s+the\s+(?:morning|evening)|at\s+bedtime|up\s+to)\b)", _I)
_RE_DOSE_VERB_BEFORE = re.compile(r"\b(?:apply|take|use|give|chew|inject|insert|place|dissolve)\s+$", _I)
_RE_STRENGTH_NAMED = re.compile(r"\b(?:the|this|that|her|his|their|a|each|new|old)\s+$", _I)


def _quantity(sig: Sig, m: Masked, formulation: str | None, default_unit: str | None) -> None:
    text = m.text
    if sig.own_supply:
        return
    p = RE_PACK_QTY.search(text)
    if p and default_unit and formulation != "liquid":
        # "1 OP (100)", "2 boxes of 28": packs times the pack size, in the product's unit
        packs, size = (p.group(1), p.group(2)) if p.group(1) else (p.group(3), p.group(4))  # ("1 x 32 OP")
        sig.quantity_n, sig.quantity_unit = int(packs) * int(size), default_unit
        sig.spans["quantity"] = [m.base + p.start(), m.base + p.end()]
        m.take(p.start(), p.end())
        return
    if formulation == "liquid" and (sig.dose_unit == "ml" or sig.strength_kind == "mg_per_ml" or True):
        for x in RE_QTY_ML.finditer(text):
            n = float(x.group(2)) * (float(x.group(1)) if x.group(1) else 1)
            if _RE_MG_ECHO_AFTER.match(m.orig, x.end()) or _RE_MG_BEFORE_BRACKET.search(m.orig, max(0, x.start() - 20), x.start()):
                continue  # "60 ml (60 mg) once daily", "60 mg (60 ml)": the volume of a dose, not the amount supplied
            if n >= 20 and not RE_FREQ_AFTER_VOLUME.match(text, x.end()):  # (not "60ml OD": a dose)
                sig.quantity_n, sig.quantity_unit = n, "ml"
                sig.spans["quantity"] = [m.base + x.start(), m.base + x.end()]
                m.take(x.start(), x.end())
                return
    pk = next(packs_of_strength(text), None) if formulation != "liquid" else None
    if pk is not None and (pk.group(3) or default_unit):
        # "56 x 60mg tablets", "100 x 8/500 tablets": the label's pack line
        sig.quantity_n = int(pk.group(1))
        sig.quantity_unit = _unit_name(pk.group(3)) if pk.group(3) else default_unit
        sig.spans["quantity"] = [m.base + pk.start(), m.base + pk.end()]
        m.take(pk.start(), pk.end())
        return
    lab = RE_QTY_LABELLED.search(text) or RE_QTY_WORD_ECHO.search(text)
    if lab and int(lab.group(1)) >= 1:
        # a labelled quantity ("Dispense: 24 capsule", "Qty: 28") beats a count read elsewhere ("Take 1 capsule")
        sig.quantity_n = int(lab.group(1))
        sig.quantity_unit = _unit_name(lab.group(2)) if lab.group(2) else default_unit
        sig.spans["quantity"] = [m.base + lab.start(), m.base + lab.end()]
        m.take(lab.start(), lab.end())
        return
    u = RE_QTY_UNITS.search(text)
    while u and (_RE_STRENGTH_NAMED.search(text, max(0, u.start() - 12), u.start()) and u.group(2).lower() == "patch"
                 or _RE_DOSE_VERB_BEFORE.search(text, max(0, u.start() - 12), u.start())
                 or _RE_FREQ_AFTER_COUNT.match(text, u.end())):
        # "apply ONE together with the 70 patch": a strength named, no count; "apply 1 patch every 72 hrs",
        # "2 tablets twice daily for 7 days": a dose
        u = RE_QTY_UNITS.search(text, u.end())
    while u and sig.dose_units_max and (to_number(u.group(1)) or 0) <= min(sig.dose_units_max, 2):
        # "1 cap  -  -  1 cap" in a drug-round grid: a count no larger than one dose is a dose, never the supply
        u = RE_QTY_UNITS.search(text, u.end())
    x = RE_QTY_X.search(text)
    if u and (not x or u.start() < x.start()):
        n = int(to_number(u.group(1)) or 0)
        unit = _unit_name(u.group(2))
        if formulation == "liquid" and unit == "ampoules":
            pass
        if n >= 1:
            sig.quantity_n, sig.quantity_unit = n, unit
            sig.spans["quantity"] = [m.base + u.start(), m.base + u.end()]
            m.take(u.start(), u.end())
            return
    w = RE_QTY_SMALL_WORDS.search(text)
    if w and not x:
        # "goes home with eight patches", "five ampoules supplied": a small count in words, said as a supply
        k = next(k for k in (1, 3, 5) if w.group(k))
        sig.quantity_n, sig.quantity_unit = int(to_number(w.group(k))), _unit_name(w.group(k + 1))
        sig.spans["quantity"] = [m.base + w.start(k), m.base + w.end()]
        m.take(w.start(k), w.end())
        return
    x = x or RE_QTY_SUPPLIED.search(text)
    if x:
        sig.quantity_n = int(x.group(1))
        sig.quantity_unit = default_unit
        sig.spans["quantity"] = [m.base + x.start(), m.base + x.end()]
        m.take(x.start(), x.end())


def read_quantity(sig: Sig, m: Masked, formulation: str | None, default_unit: str | None) -> None:
    """The quantity supplied said in a piece of text ("20 capsules", "Qty: 28"), into sig."""
    _quantity(sig, m, formulation, default_unit)


def parse_quantity_cell(sig: Sig, m: Masked, formulation: str | None, default_unit: str | None) -> None:
    """A Qty column: a bare count ('30') takes the product's unit; anything else ('7/7 (28 caps)',
    '100ml', 'own supply') is read as a supply cell."""
    x = re.fullmatch(r"\s*(\d+)\s*", m.text)
    if x and int(x.group(1)) > 0 and default_unit:
        sig.quantity_n = int(x.group(1))
        sig.quantity_unit = default_unit
        sig.spans["quantity"] = [m.base + x.start(1), m.base + x.end(1)]
        return
    parse_supply(sig, m, formulation, default_unit, supply_only=True)


MAX_QUANTITY = 5000  # units or ml: more than any discharge supply; a larger figure is an identifier or a date


def format_quantity(sig: Sig) -> str | None:
    if sig.quantity_n is None or not sig.quantity_unit:
        return None
    n = sig.quantity_n
    n_s = str(int(n)) if float(n).is_integer() else str(n)
    return f"{n_s} {sig.quantity_unit}"


def resolve_formulation(term_form: str | None, resolvable: bool, seg: str, generic: str, strength_kind: str | None) -> tuple[str, str | None]:
    """(formulation, route hint) from the lexicon term and the text of the segment.

    Brand rows with a fixed form (MR, patch, combination, liquid) keep it; generics and brand names that cover
    several forms (OxyNorm capsules and liquid, Shortec injection...) take the form from the text.
    """
    inj = RE_INJ.search(seg)
    if term_form == "injection":
        return "liquid", "injection"
    if term_form not in ("MR", "patch", "combination") and RE_SC_ROUTE.search(seg) and not re.search(r"\boral(?:ly)?\b|\bPO\b", seg):
        return "liquid", "injection"  # anticipatory / syringe-driver doses given subcutaneously
    if term_form in ("MR", "patch", "combination", "liquid") and not resolvable:
        if term_form == "liquid" and inj and re.search(r"injection|inj\b|ampoule|vial", seg, _I):
            return "liquid", "injection"
        return term_form, None
    if term_form in ("MR", "patch", "combination", "liquid"):
        return term_form, None
    if strength_kind == "mcg_per_hour" or (RE_PATCHW.search(seg) and generic in ("fentanyl", "buprenorphine")):
        return "patch", None
    if re.search(r"\binjection\b|\binj\b\.?|\bampoules?\b|\bvials?\b|solution\s+for\s+injection", seg, _I):
        return "liquid", "injection"
    if strength_kind == "mg_per_ml" or RE_LIQ.search(seg):
        if re.search(r"\b(?:s/c|subcut\w*|sc|csci)\b", seg, _I) and strength_kind == "mg_per_ml" and not re.search(r"oral|\bpo\b", seg, _I):
            return "liquid", "injection"
        return "liquid", None
    if RE_COMBO_WORD.search(seg):
        return "combination", None
    if RE_MR.search(seg):
        return "MR", None
    return "IR", None


_RE_BY_MOUTH = re.compile(r"\b(?:by\s+mouth|orally|swallow(?:ed)?|PO)\b", _I)
_RE_INJECTED = re.compile(r"\b(?:inject(?:ion|ed)?|s/c|s\.c\.|SC|subcut\w*|IV|IM|intravenous\w*|intramuscular\w*|CSCI|syringe)\b")


def resolve_route(formulation: str, route_hint: str | None, seg: str, row_route: str | None, generic: str) -> str:
    if formulation == "patch":
        return "transdermal"
    if route_hint == "injection" and _RE_BY_MOUTH.search(seg) and not _RE_INJECTED.search(seg):
        route_hint = None  # "Oramorph unit-dose vials - the contents of one vial by mouth": an oral liquid
    if route_hint == "injection":
        if re.search(r"\b(?:IV|intravenous\w*)\b", seg):
            return "intravenous"
        if re.search(r"\b(?:IM|intramuscular\w*)\b", seg):
            return "intramuscular"
        return "subcutaneous"
    if RE_SL.search(seg):
        return "sublingual"
    if RE_BUCCAL.search(seg):
        return "buccal"
    if RE_NASAL.search(seg):
        return "nasal"
    if re.search(r"\b(?:rectal(?:ly)?|suppositor(?:y|ies))\b", seg, _I):
        return "rectal"
    if row_route in ("sublingual", "buccal", "nasal", "oromucosal", "rectal"):
        return row_route
    return "oral"
