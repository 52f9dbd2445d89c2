"""Turn what auditors type into canonical values.

Every parser takes one cell value (str, number, date, None) and returns a `Parsed`:
the value, the kind of unknown answer where it is unknown ('blank', 'n/a', '?', ...),
and at most one problem (severity + message) for the validation report.
Dates are UK day-first. Nothing here raises on user input.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from audit_app.records import UNKNOWN_WORDS, YesNo, yes_no


@dataclass
class Parsed:
    value: Any = None
    unknown: str | None = None        # kind of unknown answer: 'blank', 'n/a', '?', 'unclear', ...
    severity: str | None = None       # 'error' | 'warning' | 'info' when there is something to say
    message: str = ""
    raw: str | None = None            # text kept beside the value (days_supplied_raw)
    extra: dict | None = None         # side values (e.g. a quantity found in a days column)


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def clean_text(value: Any) -> str | None:
    """A cell as display text: numbers without a spurious '.0', dates as ISO, stripped."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# ---------------------------------------------------------------- yes / no

_UNKNOWN_SEVERITY = {"blank": None, "n/a": None, "-": None, "?": "warning", "unclear": "warning",
                     "unknown": "warning", "not known": "warning", "not stated": "warning"}


def parse_yes_no(value: Any) -> Parsed:
    """Y/Yes/y/YES/TRUE/1/ticked/✓ -> yes; N/No/0/FALSE -> no; n/a, blank, '-', '?', 'unclear',
    'not stated' -> unknown (with the kind kept); 'Y (gabapentinoid)', 'Yes - verbal' -> yes."""
    if is_blank(value):
        return Parsed(YesNo.UNKNOWN, unknown="blank")
    answer = yes_no(value)
    if answer is not YesNo.UNKNOWN:
        return Parsed(answer)
    if isinstance(value, (int, float)):
        return Parsed(YesNo.UNKNOWN, unknown="unrecognised", severity="warning",
                      message=f"'{clean_text(value)}' is not a yes/no answer; read as unknown")
    text = " ".join(str(value).strip().lower().split())
    if text in UNKNOWN_WORDS:
        kind = UNKNOWN_WORDS[text]
        sev = _UNKNOWN_SEVERITY.get(kind)
        return Parsed(YesNo.UNKNOWN, unknown=kind, severity=sev,
                      message=f"answer '{str(value).strip()}' read as unknown" if sev else "")
    return Parsed(YesNo.UNKNOWN, unknown="unrecognised", severity="warning",
                  message=f"'{str(value).strip()[:40]}' is not a yes/no answer; read as unknown")


def parse_sedative(value: Any) -> dict[str, YesNo]:
    """Read a 'Benzo / gabapentinoid' cell: {'any', 'benzodiazepine', 'gabapentinoid'} as YesNo.
    'diazepam', 'Y - benzo' -> benzodiazepine yes; 'pregabalin', 'Y (gabapentinoid)' -> gabapentinoid yes."""
    out = {"any": YesNo.UNKNOWN, "benzodiazepine": YesNo.UNKNOWN, "gabapentinoid": YesNo.UNKNOWN}
    if is_blank(value):
        return out
    from nlp.drug_classes import text_names_class  # here: importing nlp loads spaCy (~1 s)

    text = str(value).strip().lower()
    # the drug-class lexicon (nlp/data/drug_classes.csv): generics, brands, class words; Z-drugs count with benzos
    benzo = text_names_class(text, "benzodiazepine") or text_names_class(text, "z_drug")
    gaba = text_names_class(text, "gabapentinoid")
    if benzo or gaba:
        out["any"] = YesNo.YES
        out["benzodiazepine"] = YesNo.YES if benzo else YesNo.UNKNOWN
        out["gabapentinoid"] = YesNo.YES if gaba else YesNo.UNKNOWN
        if benzo and not gaba:
            out["gabapentinoid"] = YesNo.NO if re.search(r"\bonly\b", text) else YesNo.UNKNOWN
        return out
    yn = parse_yes_no(value).value
    out["any"] = yn
    if yn == YesNo.NO:
        out["benzodiazepine"] = out["gabapentinoid"] = YesNo.NO
    return out


# ---------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTHS["sept"] = 9
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 1, 2_958_465          # 1900-01-01 .. 9999-12-31


def _year(y: str) -> int:
    n = int(y)
    if len(y) <= 2:
        pivot = (dt.date.today().year + 1) % 100
        return 2000 + n if n <= pivot else 1900 + n
    return n


def _mk(d: int, m: int, y: int, raw: str) -> Parsed:
    try:
        return Parsed(dt.date(y, m, d))
    except ValueError:
        if m > 12 and d <= 12:
            return Parsed(None, severity="error",
                          message=f"'{raw}' is not a valid day-first date (month {m}); dates are read as dd/mm/yyyy")
        return Parsed(None, severity="error", message=f"'{raw}' is not a real date")


def parse_date(value: Any, *, date1904: bool = False) -> Parsed:
    """UK day-first: dd/mm/yyyy, dd/mm/yy, d/m/yy, dd.mm.yyyy, dd-mm-yyyy, ISO yyyy-mm-dd,
    dd-mmm-yy / '12 Jul 2024', Excel date cells and Excel serial numbers. Impossible dates are errors."""
    if is_blank(value):
        return Parsed(None, unknown="blank")
    if isinstance(value, dt.datetime):
        return Parsed(value.date())
    if isinstance(value, dt.date):
        return Parsed(value)
    if isinstance(value, bool):
        return Parsed(None, severity="error", message=f"'{value}' is not a date")
    if isinstance(value, (int, float)):
        return _from_serial(float(value), str(clean_text(value)), date1904)
    raw = str(value).strip()
    text = raw.lower()
    if text in UNKNOWN_WORDS or text in ("?", "not known"):
        return Parsed(None, unknown=UNKNOWN_WORDS.get(text, "?"))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if m:
        y, mo, d = map(int, m.groups())
        return _mk(d, mo, y, raw)
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if m:
        d, mo, y = m.groups()
        return _mk(int(d), int(mo), _year(y), raw)
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})", text)
    if m:
        d, mon, y = m.groups()
        mo = _MONTHS.get(mon[:4] if mon[:4] == "sept" else mon[:3])
        if mo and (len(mon) == 3 or mon.startswith(tuple(k for k in _MONTHS))):
            return _mk(int(d), mo, _year(y), raw)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text), raw, date1904)
    return Parsed(None, severity="error", message=f"'{raw[:40]}' is not a date (expected dd/mm/yyyy)")


def _from_serial(n: float, raw: str, date1904: bool) -> Parsed:
    if not (_SERIAL_MIN <= n <= _SERIAL_MAX) or n != n:
        return Parsed(None, severity="error", message=f"'{raw}' is not a date")
    if 1900 <= n <= 2100 and n.is_integer():
        return Parsed(None, severity="error", message=f"'{raw}' looks like a year, not a full date")
    epoch = dt.datetime(1904, 1, 1) if date1904 else EXCEL_EPOCH
    try:
        d = (epoch + dt.timedelta(days=int(n))).date()
    except OverflowError:
        return Parsed(None, severity="error", message=f"'{raw}' is not a date")
    return Parsed(d, severity="info", message=f"Excel serial number {raw} read as {d:%d/%m/%Y}")


def check_discharge_date(d: dt.date | None, today: dt.date | None = None) -> Parsed | None:
    """Plausibility of a parsed discharge date: a problem, or None."""
    if d is None:
        return None
    today = today or dt.date.today()
    if d > today + dt.timedelta(days=1):
        return Parsed(d, severity="warning", message=f"discharge date {d:%d/%m/%Y} is in the future")
    if d.year < 1990:
        return Parsed(d, severity="warning", message=f"discharge date {d:%d/%m/%Y} is before 1990")
    return None


# ---------------------------------------------------------------- durations

_OWN_SUPPLY = re.compile(r"^(own supply|own supplies|own stock|pod|pods|patient'?s? own( drugs| supply| meds)?|"
                         r"uses own|using own supply|own)$")
_NOT_STATED = {"not stated", "not documented", "unknown", "?", "??", "unclear", "n/a", "na", "-", "--", "nk",
               "not known", "not specified", "none stated", "ns", "not recorded", "none", "nil"}
_QTY_UNITS = r"(tabs?|tablets?|caps?|capsules?|patch(?:es)?|ml|mls|sachets?|amps?|ampoules?|bottles?|packs?|x)"
_WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "fourteen": 14}


def _num(s: str) -> float:
    return float(_WORDNUM.get(s, s))


def parse_days(value: Any) -> Parsed:
    """Days supplied: 7, '7 days', '5/7' (5 days), '2/52' (14 days), '1/12' (a month: 30, warned),
    '2 weeks'. '14 tabs' is a quantity, not days. 'own supply' / 'not stated' -> None with the raw
    text kept. Anything else is an error for that cell."""
    if is_blank(value):
        return Parsed(None, unknown="blank")
    if isinstance(value, bool):
        return Parsed(None, severity="error", message=f"'{value}' is not a number of days", raw=str(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return Parsed(None, severity="error", raw=clean_text(value),
                      message=f"'{clean_text(value)}' is a date, not a number of days "
                              "(Excel may have turned '5/7' into a date: format the column as text)")
    if isinstance(value, (int, float)):
        return _days_number(float(value), clean_text(value))
    raw = " ".join(str(value).strip().split())
    text = raw.lower().rstrip(".")
    if text in _NOT_STATED:
        kind = UNKNOWN_WORDS.get(text, "not stated")
        sev = "warning" if kind in ("?", "unclear", "unknown", "not known") else None
        return Parsed(None, unknown=kind, raw=raw, severity=sev,
                      message=f"answer '{raw}' read as unknown days" if sev else "")
    if _OWN_SUPPLY.match(text):
        return Parsed(None, unknown="own supply", raw=raw, severity="info",
                      message="own supply: no days supplied on the TTO")
    m = re.fullmatch(r"(?:x\s*)?(\d+(?:\.\d+)?)\s*/\s*(7|52|12)", text)
    if m:
        n, unit = float(m.group(1)), m.group(2)
        if unit == "7":
            return _days_number(n, raw, keep_raw=True)
        if unit == "52":
            return _days_number(n * 7, raw, keep_raw=True)
        days = int(round(n * 30))
        return Parsed(days, raw=raw, severity="warning",
                      message=f"'{raw}' means {m.group(1)} month(s); read as {days} days (a month is 28-31 days)")
    m = re.fullmatch(r"(?:for\s+)?(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|ten|fourteen)\s*"
                     r"(d|dy|dys|day|days|days? supply|days? supplied|/7)?", text)
    if m:
        return _days_number(_num(m.group(1)), raw, keep_raw=not re.fullmatch(r"\d+", text))
    m = re.fullmatch(r"(?:for\s+)?(\d+(?:\.\d+)?|one|two|three|four)\s*(w|wk|wks|week|weeks)", text)
    if m:
        return _days_number(_num(m.group(1)) * 7, raw, keep_raw=True)
    m = re.fullmatch(r"(?:for\s+)?(\d+(?:\.\d+)?|one|two|three)\s*(month|months|mth|mths|/12)", text)
    if m:
        days = int(round(_num(m.group(1)) * 30))
        return Parsed(days, raw=raw, severity="warning",
                      message=f"'{raw}' is in months; read as {days} days (a month is 28-31 days)")
    m = re.fullmatch(r"(\d+)\s*(?:-|to|–)\s*(\d+)\s*(?:days?|/7)?", text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo <= hi:
            return Parsed(hi, raw=raw, severity="warning",
                          message=f"a range '{raw}'; read as the longer, {hi} days")
    m = re.fullmatch(rf"(?:x\s*)?(\d+(?:\.\d+)?)\s*{_QTY_UNITS}\.?|{_QTY_UNITS}\s*(\d+)|x\s*\d+", text)
    if m:
        return Parsed(None, raw=raw, severity="warning", extra={"quantity": raw},
                      message=f"'{raw}' is a quantity, not days; kept as the quantity and days left unknown")
    return Parsed(None, raw=raw, severity="error",
                  message=f"'{raw[:40]}' is not a number of days (write e.g. 7, '7 days', '5/7', '2/52', "
                          "'own supply' or 'not stated')")


def _days_number(n: float, raw: str | None, keep_raw: bool = False) -> Parsed:
    if n != n or n < 0:
        return Parsed(None, raw=raw, severity="error", message=f"'{raw}' is not a number of days")
    if n > 366:
        return Parsed(None, raw=raw, severity="error", message=f"{raw} days is not a plausible supply")
    if not float(n).is_integer():
        return Parsed(int(math.ceil(n)), raw=raw, severity="warning",
                      message=f"{raw} days is not a whole number; read as {int(math.ceil(n))}")
    return Parsed(int(n), raw=raw if keep_raw else None)


# ---------------------------------------------------------------- numbers

def _read_number(value: Any, what: str, pattern: str, *, strip_commas: bool = False) -> Parsed | float:
    """The number in a cell, or the Parsed outcome when there is none (blank, unknown, text)."""
    if is_blank(value):
        return Parsed(None, unknown="blank")
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        return Parsed(None, severity="error", message=f"'{clean_text(value)}' is not a {what}")
    if isinstance(value, (int, float)):
        return float(value)
    raw = str(value).strip()
    text = raw.lower()
    if strip_commas:
        text = text.replace(",", "")
    if text in UNKNOWN_WORDS or text in _NOT_STATED:
        kind = UNKNOWN_WORDS.get(text, text)
        sev = "warning" if kind in ("?", "unclear", "unknown", "not known") else None
        return Parsed(None, unknown=kind, severity=sev, message=f"answer '{raw}' read as unknown" if sev else "")
    m = re.fullmatch(pattern, text)
    if not m:
        return Parsed(None, severity="error", message=f"text '{raw[:40]}' in a number column ({what} expected)")
    return float(m.group(1))


def parse_int(value: Any, *, lo: int | None = None, hi: int | None = None, what: str = "number",
              unit_words: tuple[str, ...] = ()) -> Parsed:
    """An integer cell; '?'/'n/a'/blank -> unknown; other text -> error."""
    units = "|".join(re.escape(u) for u in unit_words)
    n = _read_number(value, what, rf"(\d+(?:\.\d+)?)\s*(?:{units})?\.?" if units else r"(\d+(?:\.\d+)?)")
    if isinstance(n, Parsed):
        return n
    if not n.is_integer():
        return Parsed(None, severity="error", message=f"{clean_text(value)} is not a whole {what}")
    n_int = int(n)
    if (lo is not None and n_int < lo) or (hi is not None and n_int > hi):
        return Parsed(None, severity="error", message=f"{n_int} is not a plausible {what} ({lo}-{hi})")
    return Parsed(n_int)


def parse_float(value: Any, *, lo: float | None = None, hi: float | None = None, what: str = "number",
                unit_words: tuple[str, ...] = ()) -> Parsed:
    units = "|".join(re.escape(u) for u in unit_words)
    pat = rf"[~≈]?\s*(?:approx\.?\s*)?(\d+(?:\.\d+)?)\s*(?:{units})?" if units else r"(\d+(?:\.\d+)?)"
    n = _read_number(value, what, pat, strip_commas=True)
    if isinstance(n, Parsed):
        return n
    if n != n or (lo is not None and n < lo) or (hi is not None and n > hi):
        return Parsed(None, severity="error", message=f"{clean_text(value)} is not a plausible {what}")
    return Parsed(n)
