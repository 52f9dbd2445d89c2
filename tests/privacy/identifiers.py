"""Hypothesis strategies that write patient identifiers the way people really type them.

Each strategy draws a `Planted` identifier: the text to plant, and the (start, end) ranges
inside that text that must come out masked (every letter and digit). The formats are the ones a
determined tester tried: NHS numbers with any Unicode space, dots, dashes, slashes, zero-width
characters, odd grouping or one line break; names with accents, Polish or Arabic letters, after
titles, lower-case labels, or on the line after the label; dates of birth and hospital numbers
after every label spelling, on the same line or the next.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st


@dataclass(frozen=True)
class Planted:
    text: str                           # the identifier as written, label included
    secret: tuple[tuple[int, int], ...]  # ranges of `text` that must be masked
    kind: str

    def values(self) -> list[str]:
        return [self.text[a:b] for a, b in self.secret]

    def digits(self) -> str:
        return "".join(c for a, b in self.secret for c in self.text[a:b] if c.isdigit())


def nhs_check_digit(nine: str) -> int | None:
    total = sum(int(c) * w for c, w in zip(nine, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


@st.composite
def valid_nhs_digits(draw) -> str:
    nine = f"{draw(st.integers(100_000_000, 999_999_999)):09d}"
    for last in "0123456789":  # about 1 in 11 numbers has no check digit: change the ninth digit
        check = nhs_check_digit(nine[:8] + last)
        if check is not None:
            return nine[:8] + last + str(check)
    raise AssertionError("unreachable")


SPACES = [" ", "  ", "\u00a0", "\u202f", "\u2009", "\u2007", "\u3000", "\t", " \u00a0"]
MARKS = [".", "-", "\u2013", "\u2014", "/", "\u200b", "\u200c", "\u2060", "\ufeff", "\u00ad", " - ", " / ", ". "]
GROUPINGS = [(3, 3, 4), (4, 3, 3), (3, 4, 3), (10,), (5, 5), (2, 2, 2, 2, 2), (1,) * 10, (3, 7), (6, 4)]


@st.composite
def nhs_numbers(draw) -> Planted:
    """A valid NHS number in any grouping, any separators, at most one line break inside."""
    digits = draw(valid_nhs_digits())
    grouping = draw(st.sampled_from(GROUPINGS))
    seps = [draw(st.sampled_from(SPACES + MARKS)) for _ in grouping[1:]]
    if seps and draw(st.booleans()):
        i = draw(st.integers(0, len(seps) - 1))
        seps[i] = draw(st.sampled_from(["\n", "\r\n", " \n", "\n   "]))
    parts, pos = [], 0
    for size in grouping:
        parts.append(digits[pos:pos + size])
        pos += size
    number = parts[0] + "".join(s + p for s, p in zip(seps, parts[1:]))
    label = draw(st.sampled_from(["NHS No: ", "NHS number ", "nhs no. ", "NHS: ", "", "Rhif GIG: ", "ref "]))
    text = label + number
    return Planted(text, ((len(label), len(text)),), "nhs_number")


FORENAMES = ["John", "Siân", "Zoë", "José", "Łukasz", "Małgorzata", "Agnieszka", "Ngozi", "Seán", "Björn",
             "Aoife", "Dafydd", "Priya", "Chloé", "Émile", "Jürgen", "Ifeoma", "Ffion", "Renée", "Stanisław"]
SURNAMES = ["Smith", "Kowalczyk", "Wiśniewski", "Żółkiewska", "O'Brien", "Shah-Jones", "Müller", "Ó Súilleabháin",
            "Whitfield", "Nuñez", "Gruffydd", "Ellison", "Dąbrowski", "García", "Ní Bhriain", "MacLeòid"]
ARABIC = [("محمد", "الأحمد"), ("فاطمة", "حسن"), ("يوسف", "العلي")]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Mx", "Mr.", "Mrs."]
NAME_LABELS = ["Name: ", "name: ", "NAME: ", "Patient name: ", "patient name: ", "Patient: ", "Full name: ",
               "Name:\n", "Patient name:\n   ", "Surname: ", "Enw: ", "Re: "]


@st.composite
def names(draw) -> Planted:
    """A patient's name after a label (any case, same or next line) or after a title."""
    if draw(st.integers(0, 9)) == 0:
        forename, surname = draw(st.sampled_from(ARABIC))
        shape = "label"
    else:
        forename, surname = draw(st.sampled_from(FORENAMES)), draw(st.sampled_from(SURNAMES))
        shape = draw(st.sampled_from(["label", "label", "dear", "initial", "title_full", "surname_first"]))
    if shape == "label":
        label = draw(st.sampled_from(NAME_LABELS))
        lower = label.strip().lower().startswith(("name", "patient name", "full", "surname", "enw")) \
            and draw(st.booleans())
        first, last = (forename.lower(), surname.lower()) if lower else (forename, surname)
        if label.startswith("Surname"):
            value = last
        else:
            value = f"{first} {last}"
        text = label + value
        return Planted(text, ((len(label), len(text)),), "patient_name")
    title = draw(st.sampled_from(TITLES))
    if shape == "dear":
        text = f"Dear {title} {surname},"
        return Planted(text, ((len(text) - 1 - len(surname), len(text) - 1),), "patient_name")
    if shape == "initial":
        text = f"Re: {title} {forename[0]}. {surname}"
        start = len(f"Re: {title} ")
        return Planted(text, ((start, len(text)),), "patient_name")
    if shape == "surname_first":
        text = f"{surname.upper().replace(' ', '-')}, {forename}"
        return Planted(text, ((0, len(text)),), "patient_name")
    text = f"seen with {title} {forename} {surname} today"
    start = len(f"seen with {title} ")
    return Planted(text, ((start, start + len(forename) + 1 + len(surname)),), "patient_name")


MONTHS = ["January", "Feb", "March", "Apr", "May", "June", "Jul", "August", "Sept", "October", "Nov", "December"]


@st.composite
def dates_of_birth(draw) -> Planted:
    day, month, year = draw(st.integers(1, 28)), draw(st.integers(1, 12)), draw(st.integers(1925, 2010))
    value = draw(st.sampled_from([
        f"{day:02d}/{month:02d}/{year}", f"{day}/{month}/{year}", f"{day:02d}{month:02d}{year}",
        f"{day:02d}.{month:02d}.{year}", f"{year}-{month:02d}-{day:02d}", f"{day} {MONTHS[month - 1]} {year}",
        f"{day:02d}-{MONTHS[month - 1][:3]}-{year}", f"{day:02d}-{month:02d}-{year}",
    ]))
    label = draw(st.sampled_from(["DOB: ", "DOB ", "dob: ", "D.O.B. ", "Date of birth: ", "date of birth ",
                                  "Birth: ", "Born ", "Dyddiad geni: ", "DOB:\n", "Date of Birth:\n  ",
                                  "DoB - "]))
    text = label + value
    return Planted(text, ((len(label), len(text)),), "date_of_birth")


@st.composite
def hospital_numbers(draw) -> Planted:
    digits = "".join(str(draw(st.integers(0, 9))) for _ in range(draw(st.integers(6, 8))))
    shape = draw(st.sampled_from(["labelled", "labelled", "prefix"]))
    if shape == "prefix":
        value = draw(st.sampled_from(["RX", "A", "K", "RTH"])) + digits
        label = draw(st.sampled_from(["", "ref ", "MRN "]))
    else:
        value = digits
        label = draw(st.sampled_from(["Hospital number: ", "Hospital number:\n", "hospital no ", "MRN: ",
                                      "Hosp No. ", "Unit number: ", "Unit No:\n", "PAS number ", "mrn "]))
    text = label + value
    return Planted(text, ((len(label), len(text)),), "hospital_number")


def identifiers() -> st.SearchStrategy[Planted]:
    return st.one_of(nhs_numbers(), names(), dates_of_birth(), hospital_numbers())


CLINICAL = [
    "Discharged on oxycodone 5mg PO q4h PRN, 7 days' supply.",
    "Morphine sulfate MR (Zomorph) 30mg BD, 56 capsules.",
    "Codeine 30mg QDS for 5 days; GP to review.",
    "Bowel regimen: senna 15mg ON.",
    "Admitted: 27 March 2024   Discharged: 30 March 2024",
    "Consultant: Dr N Goldberg (Gynaecology)",
    "Fentanyl 12 microgram/hour patch, change every 72 hours.",
    "",
]


@st.composite
def letters_with(draw, planted: st.SearchStrategy[Planted] | None = None, n: int = 3) -> tuple[str, list[Planted], list[tuple[int, int]]]:
    """A letter with `n` identifiers planted among clinical lines. Returns (text, planted,
    absolute ranges that must be masked)."""
    items = draw(st.lists(planted if planted is not None else identifiers(), min_size=1, max_size=n))
    parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    pos = 0
    for item in items:
        before = draw(st.sampled_from(CLINICAL)) + draw(st.sampled_from(["\n", "\n\n", " | ", "\n  "]))
        parts.append(before)
        pos += len(before)
        for a, b in item.secret:
            ranges.append((pos + a, pos + b))
        parts.append(item.text)
        pos += len(item.text)
        after = draw(st.sampled_from(["\n", " | ", ".\n", "  \n"]))
        parts.append(after)
        pos += len(after)
    parts.append(draw(st.sampled_from(CLINICAL)))
    return "".join(parts), items, ranges


def unmasked_in(masked: str, ranges: list[tuple[int, int]]) -> list[str]:
    """The letters and digits of the planted ranges that survived masking."""
    return [masked[a:b] for a, b in ranges if any(c.isalnum() and c != "X" for c in masked[a:b])]
