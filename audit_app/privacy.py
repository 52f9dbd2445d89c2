"""Identifiers: detection, masking and keyed hashing; spreadsheet-injection guards.

Letters and audit sheets carry NHS numbers, hospital numbers, names and dates of birth. The
store keeps keyed hashes instead (so a patient's letters link across rounds without the number
being stored), exports and logs mask identifiers unless the user asks otherwise, and text is
masked character for character so that evidence spans still point at the right place.

Public API
----------
- ``find_identifiers(text, names=()) -> list[IdentifierSpan(kind, start, end)]``: NHS numbers
  (10 digits in whole groups with a valid modulus-11 check digit whatever the separators: any
  Unicode space, dots, dashes, slashes, zero-width characters, one line break; or unbroken / 3-3-4
  with any check digit), hospital numbers (labelled, or shapes ``RX9450465`` / ``A009281``), dates
  of birth (after ``DOB``, ``Date of birth``, ``Birth:``, ``Born``, ``Dyddiad geni``...), patient
  names in any script (after a label, a title, ``SURNAME, Forename`` in the header, and every later
  capitalised mention of those words, or of the known ``names``). A value on the line after its
  label counts. Linear in the length of the text.
- ``mask_text(text, names=())`` / ``mask_file_name(name)``: the same text with every identifier's
  letters and digits replaced by ``X`` (same length, punctuation and whitespace kept).
- ``describe_identifiers(text)``: for messages: identifiers replaced by what they are ('a
  10-digit number', 'a name'), never quoted.
- ``mask_identifier(field, value)``: what an export shows instead of an identifier field value.
- ``looks_like_identifier_column(heading, values) -> kind | None``, ``identifier_columns(extras)``,
  ``sheet_identifiers(records)``: spreadsheet columns judged by heading and by content (NHS and
  hospital numbers, phone numbers, old dates = dates of birth, names), and a sheet's name words.
- ``mask_record(record)``: an audit-record dict ready for export (identifier fields masked,
  unmapped ``extra`` columns detected and masked, free text masked with the patient's names).
- ``mask_deep(obj)``: ``mask_text`` over every string in a JSON-like structure.
- ``keyed_hash(value, purpose)``: HMAC-SHA256 with the per-installation secret (kept in a file
  outside the database: ``$OPIOID_AUDIT_SECRET_FILE`` or ``~/.config/opioid-audit/secret.key``).
- ``safe_cell(value)``, ``safe_csv_rows(rows)``, ``write_csv(fh, rows)``, ``safe_frame(df)``,
  ``frame_to_csv(df, path)``, ``neutralise_workbook(wb)``: the one spreadsheet (CSV/Excel) formula
  injection guard; every CSV and workbook the project writes goes through it.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

SECRET_ENV = "OPIOID_AUDIT_SECRET_FILE"

NHS_NUMBER = "nhs_number"
HOSPITAL_NUMBER = "hospital_number"
PATIENT_NAME = "patient_name"
DATE_OF_BIRTH = "date_of_birth"
PHONE_NUMBER = "phone_number"
IDENTIFIER_KINDS = (NHS_NUMBER, HOSPITAL_NUMBER, PATIENT_NAME, DATE_OF_BIRTH)


class IdentifierSpan(NamedTuple):
    kind: str
    start: int
    end: int


# ----------------------------------------------------------------------------- patterns
# Separators that may sit between the digits of a number: any horizontal space (NBSP, narrow
# NBSP, thin space ...), dots, hyphens and dashes, slashes, underscores and invisible characters
# (zero-width space/joiners, word joiner, BOM, soft hyphen). At most one line break in a number.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SEP_CHAR = rf"(?:[^\S\r\n\u2028\u2029\x85]|[./_\\{_DASHES}{_INVISIBLE}])"
_LINE_BREAK = r"(?:\r\n|[\r\n\u2028\u2029\x85])"
_NUMBER_SEP = rf"{_SEP_CHAR}{{0,4}}(?:{_LINE_BREAK}{_SEP_CHAR}{{0,8}})?"
# A run of digit groups joined by separators. Separators and digits are disjoint classes and each
# repetition is bounded, so matching is linear in the text length.
_DIGIT_CHUNK_RE = re.compile(rf"(?<!\d)\d+(?:{_NUMBER_SEP}\d+)*")
_DIGITS_RE = re.compile(r"\d+")
_LINE_BREAK_RE = re.compile(_LINE_BREAK)

# A hospital number / MRN in a common shape: 1-3 capitals then 6-9 digits (RX9450465, A009281).
_HOSP_SHAPE_RE = re.compile(r"(?<![\w/.-])[A-Z]{1,3}\d{6,9}(?![\w/])")

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A month in Roman numerals, as older hands write a date ('7.iii.1941', '07-XII-62'), longest first; only
# between dots, slashes or dashes.
_ROMAN_MONTH = r"(?i:xii|xi|x|ix|viii|vii|vi|v|iv|iii|ii|i)"
_DSEP = rf"[ ./\\{_DASHES}\u00a0\u202f]"
_DATE = (rf"(?:\d{{1,2}}{_DSEP}{{1,2}}\d{{1,2}}{_DSEP}{{1,2}}\d{{2,4}}|\d{{4}}{_DSEP}\d{{1,2}}{_DSEP}\d{{1,2}}"
         rf"|\d{{1,2}}[./{_DASHES}]{_ROMAN_MONTH}[./{_DASHES}]\d{{2,4}}(?!\d)"  # not spaces: '30 x 28 tablets'
         rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \t\u00a0,{_DASHES}]+(?i:{_MONTH})[ \t\u00a0,{_DASHES}]+\d{{2,4}}"
         rf"|(?i:{_MONTH})[ \t\u00a0]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t\u00a0]+\d{{4}}"
         r"|\d{8}(?!\d)|\d{6}(?!\d)|(?:18|19|20)\d{2}(?!\d))")
_DATE_RE = re.compile(_DATE)

# Labels, one alternation with a group per kind; the value after the label is read by code
# (same line, or the next line when the label ends its line).
# The look-ahead lists the first letters of all the labels below (keep it in step): it changes no match, and
# lets most positions of a letter fail at once instead of trying every label (the scan runs on every letter).
_LABELS_RE = re.compile(
    r"(?i:(?<![^\W_])(?=[bcdefghklmnprsu])(?:"
    r"(?P<dob>d\.?[ \t]?o\.?[ \t]?b\b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date|birth\b|born(?:[ \t]+on)?\b"
    r"|dyddiad[ \t]+geni|geni\b)"
    r"|(?P<nhs>nhs[ \t]*(?:no\b\.?|num(?:ber)?\b|#|id\b)?|rhif[ \t]+gig|chi[ \t]*(?:no\b\.?|number))"
    r"|(?P<hosp>hosp(?:ital)?\.?[ \t]*(?:no\b\.?|num(?:ber)?\b|id\b|#)|mrn\b|unit[ \t]*(?:no\b\.?|number)"
    r"|k[ \t]*number|rxx?[ \t]*(?:no\b\.?|number)|pas[ \t]*(?:no\b\.?|number|id\b)|case[ \t]*(?:no\b\.?|number)"
    r"|crn\b|patient[ \t]*(?:id\b|number|no\b\.?)|medical[ \t]+record[ \t]*(?:no\b\.?|number)?)"
    r"|(?P<name>(?:patient(?:'s)?[ \t]*)?(?:full[ \t]*)?name\b|surname|family[ \t]*name|forenames?"
    r"|first[ \t]*name|last[ \t]*name|given[ \t]*names?|enw\b)"
    r"|(?P<weak>patient\b|re\b)"
    r"))")
# A 'name' label after one of these words names something else ('Drug name: Zomorph').
_NOT_PERSON_BEFORE_NAME = re.compile(
    r"(?i:(?:drug|product|brand|medicine|medication|generic|ward|hospital|trust|practice|surgery|file|sheet|"
    r"user|team|unit|site|service|specialty|department|round|audit)[ \t]*(?:'s)?[ \t]*)$")
_LABEL_PUNCT_RE = re.compile(r"[ \t\u00a0\u202f]*(?P<p>[:#=\uff1a]|\.(?!\d)|[-\u2013\u2014](?=[ \t]))?[ \t\u00a0\u202f]*")
_REST_OF_LINE_BLANK_RE = re.compile(r"[ \t\u00a0\u202f]*(?:\r\n|[\r\n\u2028\u2029\x85])[ \t\u00a0\u202f]*")
_HOSP_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]{3,15}")

_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Master", "Mister", "Madam", "Dr", "Prof", "Sir", "Dame", "Rev",
           "MRS", "MISS", "Mstr")
_CLINICIAN_TITLES = frozenset({"Dr", "Prof", "Rev"})
_TITLE_RE = re.compile(r"(?<![^\W_])(?P<title>" + "|".join(sorted(_TITLES, key=len, reverse=True)) +
                       r")(?![^\W_])\.?[ \t\u00a0\u202f]+")
# A word in any script: letters joined by apostrophes or hyphens ('O'Brien', 'Shah-Jones', 'Siân').
_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*"
_WORD_RE = re.compile(_WORD)
_WORD_PART_RE = re.compile(r"[^\W\d_]+")  # the parts of 'Shah-Jones', "O'Brien"
_NAME_WORD_RE = re.compile(_WORD + r"\.?")
_NAME_GAP_RE = re.compile(r"[ \t\u00a0\u202f]{1,3}|,[ \t\u00a0\u202f]{0,2}")
_MAX_NAME_WORDS = 5
# Words that end a name (the next field's label, a verb), never part of one.
_STOP_WORDS = frozenset("""
dob nhs mrn hospital hosp sex age date ward unit address gender born birth admitted discharged consultant
specialty gp tel phone mobile ref re dear the and was is has had with for on at in to of from by who
seen reviewed known presented patient name mrn no number id dyddiad geni rhif enw male female
""".split())
_NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "bin", "bint", "ibn",
                             "al", "el", "ap", "ab", "ni", "nic", "mac", "mc", "o", "dos", "das", "del", "y"})
_NOT_SURNAMES = {
    "TTO", "PRN", "NKDA", "NKA", "MR", "IR", "SR", "BD", "OD", "TDS", "QDS", "PO", "SC", "IV", "IM", "ON", "NHS",
    "GP", "MRN", "DOB", "AKI", "CKD", "COPD", "UTI", "LFT", "LFTS", "ED", "AMU", "SAU", "ICU", "HDU", "PCA", "OME",
    "NSAID", "NSAIDS", "PPI", "BMI", "ECG", "CT", "MRI", "AXR", "CXR", "ORIF", "LSCS", "NB", "PS", "TBC", "NA",
    "DISCHARGE", "SUMMARY", "MEDICATIONS", "PLAN", "DIAGNOSIS", "ALLERGIES", "NIL", "NONE", "STOP", "STOPPED",
    "NEW", "CHANGED", "CONTINUE", "WARNING", "NOTE", "URGENT", "IMMEDIATE",
}
# Name tokens never propagated through the rest of a letter (too common to be a name there).
_NOT_NAME_TOKENS = {
    "mr", "mrs", "ms", "miss", "mx", "master", "dr", "prof", "sir", "dame", "rev", "the", "and", "of", "for",
    "with", "ward", "hospital", "surgery", "practice", "centre", "center", "health", "medical", "nhs", "trust",
    "patient", "name", "unknown", "not", "known", "none", "nil", "stated", "see", "letter",
} | _NAME_PARTICLES
_HEADER_CHARS = 1200
_SURNAME_FIRST_RE = re.compile(rf"(?<![^\W_])(?P<surname>{_WORD}),[ \t\u00a0]?(?P<forename>{_WORD})")


def _is_capitalised(word: str) -> bool:
    """Starts with a capital, or is in a script without case (Arabic, Hebrew, CJK...)."""
    return not word[0].islower()


def _name_tokens(value: str) -> list[str]:
    """The words of a name worth masking elsewhere, lower-cased."""
    return [t.lower() for t in _WORD_RE.findall(value)
            if len(t) >= 2 and t.lower() not in _NOT_NAME_TOKENS and t not in _TITLES]


# --------------------------------------------------------------------------- numbers
def _digit_groups(chunk_start: int, chunk: str) -> list[tuple[int, int]]:
    return [(chunk_start + m.start(), chunk_start + m.end()) for m in _DIGITS_RE.finditer(chunk)]


def _ten_digit_windows(text: str, groups: list[tuple[int, int]], width: int = 10) -> Iterator[tuple[int, int]]:
    """(first, last) group indexes of every run of whole groups holding exactly `width` digits
    (two pointers: linear in the number of groups)."""
    j, total = 0, 0
    for i in range(len(groups)):
        if j < i:
            j, total = i, 0
        while j < len(groups) and total < width:
            total += groups[j][1] - groups[j][0]
            j += 1
        if total == width:
            yield i, j - 1
        total -= groups[i][1] - groups[i][0]


def _digits_of(text: str, groups: list[tuple[int, int]]) -> str:
    return "".join(text[a:b] for a, b in groups)


def _nhs_spans(text: str) -> Iterator[IdentifierSpan]:
    """10 digits in whole groups with a valid modulus-11 check digit, whatever the separators (one
    line break at most); also 10 digits written as one run or 3-3-4 groups, check digit or not."""
    for m in _DIGIT_CHUNK_RE.finditer(text):
        if m.end() - m.start() < 10:
            continue
        groups = _digit_groups(m.start(), m.group())
        for i, j in _ten_digit_windows(text, groups):
            window = groups[i:j + 1]
            start, end = window[0][0], window[-1][1]
            if len(_LINE_BREAK_RE.findall(text, start, end)) > 1:
                continue
            digits = _digits_of(text, window)
            lengths = [b - a for a, b in window]
            if nhs_number_is_valid(digits) or lengths in ([10], [3, 3, 4]):
                yield IdentifierSpan(NHS_NUMBER, start, end)


def _labelled_nhs(text: str, pos: int) -> IdentifierSpan | None:
    m = _DIGIT_CHUNK_RE.match(text, pos)
    if not m:
        return None
    groups = _digit_groups(m.start(), m.group())
    for i, j in _ten_digit_windows(text, groups):
        if i == 0:
            return IdentifierSpan(NHS_NUMBER, groups[0][0], groups[j][1])
    return None


# --------------------------------------------------------------------------- names
def _read_name(text: str, pos: int, *, strong: bool, title_first: bool = False) -> tuple[int, int, list[str]] | None:
    """The name starting at `pos`: up to five words (titles, initials, particles, 'SURNAME,
    Forename'), stopping at a label or a word that cannot be part of a name. With `strong`
    (after 'Name:') lower-case names count too. Returns (start, end, name tokens) or None."""
    start = end = None
    tokens: list[str] = []
    all_lower = True   # every word so far in lower case ('name: john smith')
    commas = 0
    p = pos
    n = 0
    while n < _MAX_NAME_WORDS:
        m = _NAME_WORD_RE.match(text, p)
        if not m:
            break
        word = m.group().rstrip(".")
        low = word.lower()
        is_title = word in _TITLES and not tokens
        if is_title and start is None:
            start = m.start()
        if not is_title:
            if low in _STOP_WORDS and not (title_first and not tokens and len(word) > 3):
                break
            if low in _NAME_PARTICLES and tokens:
                pass
            elif not _is_capitalised(word) and not (strong and all_lower):
                break
            all_lower = all_lower and word[0].islower()
            if start is None:
                start = m.start()
            end = m.start() + len(word) if len(word) > 1 or not m.group().endswith(".") else m.end()
            if len(word) >= 2 and low not in _NOT_NAME_TOKENS:
                tokens.append(low)
            n += 1
        p = m.end()
        g = _NAME_GAP_RE.match(text, p)
        if not g:
            break
        if "," in g.group():
            commas += 1
            # 'SURNAME, Forename' only: one comma, straight after the first word
            if commas > 1 or n != 1:
                break
        p = g.end()
    if start is None or not tokens:
        return None
    return start, end, tokens


def _value_start(text: str, m: re.Match, *, need_punct: bool) -> int | None:
    """Where a label's value begins: after ':' (or '#', '=', '-'), on the same line, or at the
    start of the next line when the label ends its line. None if the label has no value."""
    pm = _LABEL_PUNCT_RE.match(text, m.end())
    pos = pm.end()
    nl = _REST_OF_LINE_BLANK_RE.match(text, pm.end())
    if nl:
        return nl.end()
    if need_punct and not pm.group("p"):
        return None
    return pos


def find_identifiers(text: str | None, names: Iterable[str] = ()) -> list[IdentifierSpan]:
    """Every identifier in `text`, as (kind, start, end) spans sorted by position.

    `names`: lower-cased name words already known (from the sheet's name column), masked
    wherever they appear capitalised, label or not. Spans may overlap (e.g. a labelled hospital
    number that also has the common shape). Linear in the length of the text: every pattern is
    bounded and scanned once."""
    return _scan(text, names)[0] if text else []


def name_tokens(text: str | None) -> frozenset[str]:
    """The name words of the patient names found in `text` (to mask them elsewhere too)."""
    return _scan(text, ())[1] if text else frozenset()


def mask_letter(text: str | None, sheet_names: frozenset[str] = frozenset()) -> tuple[str | None, frozenset[str]]:
    """``(mask_text(text, names), names)`` with ``names = sheet_names | name_tokens(text)``, from one scan of the
    letter instead of two: the name words a scan finds are masked by that same scan, so scanning again with
    them finds nothing more (the save of a round scanned every letter twice)."""
    if not text or not isinstance(text, str):
        return text, sheet_names | name_tokens(text if isinstance(text, str) else None)
    spans, tokens = _scan(text, sheet_names)
    return mask_spans(text, spans), sheet_names | tokens


def _known_names(names: Iterable[str]) -> frozenset[str] | set[str]:
    # `names` may be large (every patient of a sheet): used as given, never copied per text.
    return names if isinstance(names, (frozenset, set)) else frozenset(w.lower() for w in names)


def _mentions_known_name(text: str, known: frozenset[str] | set[str]) -> bool:
    """Whether a word of `text`, or a part of a hyphenated or apostrophed word, is one of the `known` name
    words (compared as `_scan` compares them, capitals or not). When False, `_scan(text, known)` finds
    exactly what `_scan(text, ())` finds: `known` is read nowhere else."""
    for m in _WORD_RE.finditer(text):
        word = m.group()
        if word.lower() in known:
            return True
        if "-" in word or "'" in word or "’" in word:
            for part in _WORD_PART_RE.finditer(word):
                if part.group().lower() in known:
                    return True
    return False


def _may_hold_surname_first(text: str) -> bool:
    """False when no 'SURNAME, Forename' of the header can be accepted, found with a few `str.find` instead of
    the slow word pattern: its surname ends right before a comma, on a letter (so an alphanumeric character),
    and a surname ending on a lower-case letter is never all capitals."""
    end = min(len(text), _HEADER_CHARS)
    i = text.find(",", 1, end)
    while i > 0:
        c = text[i - 1]
        if c.isalnum() and not c.islower():
            return True
        i = text.find(",", i + 1, end)
    return False


def _scan(text: str, names: Iterable[str]) -> tuple[list[IdentifierSpan], frozenset[str]]:
    spans: list[IdentifierSpan] = list(_nhs_spans(text))
    known = _known_names(names)
    tokens: set[str] = set()

    def add_name(found, propagate: bool = True) -> None:
        if found:
            start, end, toks = found
            spans.append(IdentifierSpan(PATIENT_NAME, start, end))
            if propagate:
                tokens.update(toks)

    for m in _LABELS_RE.finditer(text):
        kind = m.lastgroup
        if kind == "dob":
            pos = _value_start(text, m, need_punct=False)
            d = _DATE_RE.match(text, pos) if pos is not None else None
            if d:
                spans.append(IdentifierSpan(DATE_OF_BIRTH, d.start(), d.end()))
        elif kind == "nhs":
            pos = _value_start(text, m, need_punct=False)
            sp = _labelled_nhs(text, pos) if pos is not None else None
            if sp:
                spans.append(sp)
        elif kind == "hosp":
            pos = _value_start(text, m, need_punct=False)
            v = _HOSP_VALUE_RE.match(text, pos) if pos is not None else None
            if v and sum(c.isdigit() for c in v.group()) >= 3:
                spans.append(IdentifierSpan(HOSPITAL_NUMBER, v.start(), v.end()))
        elif kind == "name":
            if _NOT_PERSON_BEFORE_NAME.search(text, max(0, m.start() - 30), m.start()):
                continue
            pos = _value_start(text, m, need_punct=True)
            if pos is not None:
                add_name(_read_name(text, pos, strong=True))
        else:  # 'Patient:' / 'Re:': a capitalised name only
            pos = _value_start(text, m, need_punct=True)
            if pos is not None:
                add_name(_read_name(text, pos, strong=False))
    for m in _HOSP_SHAPE_RE.finditer(text):
        spans.append(IdentifierSpan(HOSPITAL_NUMBER, m.start(), m.end()))
    for m in _TITLE_RE.finditer(text):
        found = _read_name(text, m.end(), strong=False, title_first=True)
        if not found:
            continue
        if m.group("title") in _CLINICIAN_TITLES:
            # 'Dr N Goldberg' is a clinician's style: only 'Dr Forename Surname', and spread
            # through the letter only from its header (the patient's own title there).
            words = _WORD_RE.findall(text[found[0]:found[1]])
            if len(words) < 2 or len(words[0]) < 2:
                continue
            add_name(found, propagate=m.start() < _HEADER_CHARS)
        else:
            add_name(found)
    for m in (_SURNAME_FIRST_RE.finditer(text, 0, min(len(text), _HEADER_CHARS))
              if _may_hold_surname_first(text) else ()):
        surname, forename = m.group("surname"), m.group("forename")
        if (not surname.isupper() or len(surname) < 2 or surname in _NOT_SURNAMES
                or not forename[0].isupper() or forename.isupper()):
            continue
        add_name((m.start(), m.end(), _name_tokens(m.group())))
    # Every later capitalised mention of a patient's name ('Mr Clarke has ...'): one pass over
    # the words, so the cost stays linear however many names a text holds.
    if tokens or known:
        # Inlined (`_is_capitalised`, set look-ups): this loop visits every word of every letter of a round.
        for m in _WORD_RE.finditer(text):
            word = m.group()
            if word[0].islower():
                continue
            low = word.lower()
            if low in tokens or low in known:
                spans.append(IdentifierSpan(PATIENT_NAME, m.start(), m.end()))
            elif "-" in word or "'" in word or "’" in word:
                for part in _WORD_PART_RE.finditer(word):
                    pw = part.group()
                    low = pw.lower()
                    if (low in tokens or low in known) and not pw[0].islower():
                        spans.append(IdentifierSpan(PATIENT_NAME, m.start() + part.start(), m.start() + part.end()))
    return sorted(set(spans), key=lambda s: (s.start, s.end, s.kind)), frozenset(tokens)


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus-11 check digit of an NHS number."""
    d = re.sub(r"\D", "", str(digits))
    if len(d) != 10:
        return False
    total = sum(int(c) * w for c, w in zip(d[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(d[9])


# ----------------------------------------------------------------------------- keyed hashes
def _secret_path() -> Path:
    env = os.environ.get(SECRET_ENV)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")  # empty counts as unset
    return base / "opioid-audit" / "secret.key"


def _read_secret(path: Path) -> bytes:
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 16:
        raise RuntimeError(f"the installation secret {path} is damaged (too short); restore it from backup")
    return key


_SECRETS: dict[tuple, bytes] = {}  # read once per process: keyed_hash runs for every letter


def installation_secret() -> bytes:
    """The per-installation key for keyed hashes, created on first use, kept outside the database.

    Created atomically (written to a temporary file, then hard-linked into place), so two
    processes starting at once agree on one key and never read a half-written file."""
    path = _secret_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    if st is not None:
        stamp = (path, st.st_mtime_ns, st.st_size)  # a replaced or damaged file is read again
        cached = _SECRETS.get(stamp)
        if cached is None:
            cached = _SECRETS[stamp] = _read_secret(path)
        return cached
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".secret-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, secrets.token_hex(32).encode())
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp, path)  # fails if another process got there first: use theirs
        except FileExistsError:
            pass
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:  # pragma: no cover
            pass
    return installation_secret()


def keyed_hash(value: str, purpose: str = "patient") -> str:
    """HMAC-SHA256 of a normalised identifier: stable per installation, useless without the key."""
    norm = re.sub(r"[\s-]", "", str(value)).upper()
    digest = hmac.new(installation_secret(), f"{purpose}:{norm}".encode(), hashlib.sha256).hexdigest()
    return f"k:{digest[:32]}"


# ----------------------------------------------------------------------------- masking
def mask_identifier(field: str, value: Any) -> str | None:
    """What an export shows instead of an identifier value (no digit or letter of it survives)."""
    if value is None or value == "":
        return None
    s = str(value)
    if s.startswith("k:"):
        return s[:10] + "…"  # already a keyed hash: a short, stable pseudonym
    if field == NHS_NUMBER:
        return "*** *** ****"
    if field == DATE_OF_BIRTH:
        return "**/**/****"
    return "*" * min(max(len(s), 3), 8)


def mask_spans(text: str, spans: Iterable[IdentifierSpan]) -> str:
    chars = list(text)
    for sp in spans:
        for i in range(sp.start, sp.end):
            if chars[i].isalnum():
                chars[i] = "X"
    return "".join(chars)


def mask_text(text: str | None, names: Iterable[str] = ()) -> str | None:
    """Mask identifiers in free text, character for character (spans stay valid). `names`: name
    words known for this patient (masked wherever they appear capitalised)."""
    if not text or not isinstance(text, str):
        return text
    if names:
        known = _known_names(names)
        if _mentions_known_name(text, known):
            return mask_spans(text, find_identifiers(text, known))
        # No known name word in it: the same masking as without names (exact, see
        # `_mentions_known_name`), so the cache below serves the short strings of every patient.
    if len(text) <= 500:
        return _mask_short_text(text)  # evidence strings repeat a lot across a round
    return mask_spans(text, find_identifiers(text))


@functools.lru_cache(maxsize=65536)
def _mask_short_text(text: str) -> str:
    return mask_spans(text, find_identifiers(text))


def mask_file_name(name: str | None, names: Iterable[str] = ()) -> str | None:
    """A file or sheet name with identifiers masked: underscores count as spaces there
    ('Mr_Whitfield_9434765919.xlsx'). `names`: known name words, as for `mask_text`."""
    if not name or not isinstance(name, str):
        return name
    spaced = name.replace("_", " ")
    masked = mask_text(spaced, names)
    return "".join("_" if c == "_" else m for c, m in zip(name, masked))


_DESCRIPTIONS = {NHS_NUMBER: "a 10-digit number", DATE_OF_BIRTH: "a date", PATIENT_NAME: "a name",
                 PHONE_NUMBER: "a phone number"}
_QUOTES = {"'": "'", '"': '"', "‘": "’", "“": "”", "«": "»"}


def describe_identifiers(text: Any) -> Any:
    """`text` with every identifier replaced by what it is ('a 10-digit number', 'a name'): for
    messages, which name the row and column and describe the value, never quote it. A quoted
    identifier loses its quotes: "duplicate letter id '9434765919'" -> "duplicate letter id (a
    10-digit number)"."""
    if not isinstance(text, str) or not text:
        return text
    spans = find_identifiers(text)
    if not spans:
        return text
    merged: list[list] = []
    for sp in spans:
        if merged and sp.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], sp.end)
        else:
            merged.append([sp.start, sp.end, sp.kind])
    out, pos = [], 0
    for start, end, kind in merged:
        if kind == HOSPITAL_NUMBER:
            n = sum(c.isdigit() for c in text[start:end])
            what = f"a {n}-digit number" if n == end - start else "an identifier code"
        else:
            what = _DESCRIPTIONS[kind]
        # widen to the whole quoted value when the identifier sits inside quotes
        q0 = text.rfind("'", pos, start), text.rfind('"', pos, start)
        left = max(q0)
        if left >= 0:
            closing = _QUOTES.get(text[left], text[left])
            right = text.find(closing, end)
            if right >= 0 and "\n" not in text[left:right] and right - left < 200:
                start, end, what = left, right + 1, f"({what})"
        out.append(text[pos:start])
        out.append(what)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# Keys whose values are codes from our own vocabularies (never patient text): not scanned.
_CODE_KEYS = frozenset({"standard_id", "outcome", "exclusion_code", "source", "field", "reason", "status",
                        "severity", "code", "formulation", "route", "generic", "brand", "confidence", "kind",
                        "unit", "ome_flag", "scenario", "supply_quantity"})


_SCALARS = frozenset({int, float, bool, type(None)})


def mask_deep(obj: Any, letter: tuple[str, str] | None = None, names: frozenset[str] = frozenset()) -> Any:
    """`mask_text` applied to every string inside a JSON-like value (dicts, lists, tuples).

    With `letter=(text, masked_text)`, a string quoted from the letter (evidence, TTO lines) takes
    the letter's own masking at that place: the same answer as masking the whole letter (a name
    seen in the header is masked in every quote too), and far cheaper than detecting again.
    `names`: the patient's known name words (see `mask_text`)."""
    t = type(obj)
    if t in _SCALARS:
        return obj
    if t is str:
        if len(obj) <= 2:
            return obj
        if letter is not None:
            i = letter[0].find(obj)
            if i >= 0:
                return letter[1][i:i + len(obj)]
        return mask_text(obj, names)
    # Numbers, booleans and None are returned as they are without a call: most values of an extraction.
    if t is dict:
        return {k: (v if type(v) in _SCALARS or (k in _CODE_KEYS and type(v) is str) else mask_deep(v, letter, names))
                for k, v in obj.items()}
    if t is list:  # a list comprehension, not a generator: cheaper per item
        return [v if type(v) in _SCALARS else mask_deep(v, letter, names) for v in obj]
    if t is tuple:
        return tuple([v if type(v) in _SCALARS else mask_deep(v, letter, names) for v in obj])
    if isinstance(obj, str):
        return mask_text(obj, names)
    if isinstance(obj, dict):
        return {k: mask_deep(v, letter, names) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(mask_deep(v, letter, names) for v in obj)
    return obj


# ----------------------------------------------------------------------------- columns
_COL_NHS = re.compile(r"\bnhs\b|\bchi\b")
_COL_HOSP = re.compile(r"\bhosp|hospital\s*(?:no|num|id)|\bmrn\b|\bunit\s*(?:no|num)|\bk\s*no\b|\brxx?\b|\bpas\b"
                       r"|\bpatient\s*(?:id|no|num)|\bcase\s*(?:no|num)|\bcrn\b|\bmedical\s*record")
_COL_DOB = re.compile(r"\bdob\b|d\.\s*o\.\s*b|date\s*of\s*birth|birth\s*date|\bborn\b|\bbirthday\b|dyddiad geni")
_COL_PHONE = re.compile(r"\btel\b|phone|mobile|\bmob\b|contact\s*(?:no|num)")
_COL_NAME = re.compile(r"\bname\b|\bsurname\b|\bforenames?\b|\bfirst\s*name|\blast\s*name|^patient$|^pt$|^enw$")
_COL_NOT_NAME = re.compile(r"drug|opioid|medic|ward|consultant|pharmacist|auditor|\bgp\b|doctor|clinician|"
                           r"prescriber|trust|hospital|file|brand|generic|user|staff|sheet|specialt|practice|"
                           r"surgery|nurse|team|product")
# Columns of quantities: large numbers there are odd answers, not identifiers.
_COL_MEASURE = re.compile(r"\bdays?\b|\bdose|\bqty\b|quantit|\bmg\b|\bome\b|\bage\b|\bcount\b|tablets|"
                          r"\btotal\b|\bamount\b|\bvolume\b|\bml\b|\bweight\b|\bscore\b|\bimd\b")
# Dates in a column with one of these headings are events of the admission, not births.
_COL_EVENT_DATE = re.compile(r"discharg|admi|audit|review|seen|letter|ward|clinic|visit|event|date\s*of\s*(?!birth)"
                             r"|\bttos?\b|start|stop|end|follow")
_VAL_HOSP = re.compile(r"[A-Za-z]{1,3}\d{5,9}")
_VAL_DIGITS = re.compile(r"\d{6,9}")
_VAL_PHONE = re.compile(r"(?:\+?44|0)\d{9,10}")
_VAL_NAME_WORD = re.compile(rf"{_WORD}\.?")
_COL_ID_HINT = re.compile(r"\bid\b|\bno\b|number|\bref|\bnum\b|#")
_MIN_AGE_YEARS = 16  # a column of dates all this old is read as dates of birth


def _norm_heading(heading: Any) -> str:
    return re.sub(r"\s+", " ", str(heading or "")).strip().lower()


def _is_nhs_value(v: str) -> bool:
    return any(sp.start == 0 and sp.end == len(v) for sp in _nhs_spans(v))


def _is_name_value(v: str) -> bool:
    """'Mrs Joan Allen', 'CLARKE, Michael', 'Siân Llŷr', 'محمد الأحمد': 2-4 capitalised words."""
    if "," in v:
        surname, _, forename = v.partition(",")
        return (bool(_WORD_RE.fullmatch(surname.strip())) and bool(_WORD_RE.fullmatch(forename.strip().split(" ")[0]))
                and surname.strip().isupper() and _is_capitalised(forename.strip()))
    words = v.split()
    if words and words[0].rstrip(".") in _TITLES:
        words = words[1:]
    if not 2 <= len(words) <= 4:
        return False
    return all(_VAL_NAME_WORD.fullmatch(w) and _is_capitalised(w) for w in words) and \
        any(len(w.rstrip(".")) > 1 and w.lower() not in _STOP_WORDS for w in words)


def _birth_year(v: Any) -> int | None:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.year
    m = _DATE_RE.fullmatch(str(v).strip()[:10]) if v is not None else None
    if not m or len(m.group()) < 8:
        return None
    years = re.findall(r"(?:18|19|20)\d{2}", m.group())
    return int(years[-1]) if years else None


def looks_like_identifier_column(heading: Any, values: Iterable[Any] = ()) -> str | None:
    """The identifier kind of a spreadsheet column, by heading, then by its values' content:
    NHS numbers (valid check digit whatever the separators), hospital-number shapes, columns of
    6-9 digit numbers (unless the heading names a quantity), phone numbers, dates that are all
    at least 16 years old (dates of birth, unless the heading names an event), names. Else None."""
    h = _norm_heading(heading)
    if h:
        if _COL_NHS.search(h):
            return NHS_NUMBER
        if _COL_DOB.search(h):
            return DATE_OF_BIRTH
        if _COL_HOSP.search(h):
            return HOSPITAL_NUMBER
        if _COL_PHONE.search(h):
            return PHONE_NUMBER
        if _COL_NAME.search(h) and not _COL_NOT_NAME.search(h):
            return PATIENT_NAME
    raw = [v for v in values if v is not None and str(v).strip() != ""]
    if not raw:
        return None
    vals = [str(v).strip() for v in raw]
    vals = [v[:-2] if v.endswith(".0") and v[:-2].isdigit() else v for v in vals]  # 9990353482.0 from Excel
    n = len(vals)

    def share(test) -> float:
        return sum(1 for v in vals if test(v)) / n

    compact = [re.sub(r"[\s\-./()\u00a0\u202f]", "", v) for v in vals]
    if share(_is_nhs_value) >= 0.6:
        return NHS_NUMBER
    if share(_VAL_HOSP.fullmatch) >= 0.6:
        return HOSPITAL_NUMBER
    if sum(1 for c in compact if _VAL_PHONE.fullmatch(c)) / n >= 0.6:
        return PHONE_NUMBER
    if share(_VAL_DIGITS.fullmatch) >= 0.6 and not _COL_MEASURE.search(h) and (
            _COL_ID_HINT.search(h) or len(set(vals)) >= 0.8 * n):
        return HOSPITAL_NUMBER
    if not _COL_EVENT_DATE.search(h):
        years = [y for y in (_birth_year(v) for v in raw) if y is not None]
        if years and len(years) >= 0.6 * n and max(years) <= dt.date.today().year - _MIN_AGE_YEARS:
            return DATE_OF_BIRTH
    if share(_is_name_value) >= 0.6 and not _COL_NOT_NAME.search(h):
        return PATIENT_NAME
    return None


def identifier_columns(rows: Iterable[dict]) -> dict[str, str]:
    """{heading: identifier kind} for the unmapped columns (`extra` dicts) of a whole sheet,
    judged on all of each column's values (a name or date column is plain only as a column)."""
    columns: dict[str, list] = {}
    for extra in rows:
        for k, v in (extra or {}).items():
            if not isinstance(v, (dict, list)):
                columns.setdefault(k, []).append(v)
    return {k: kind for k, vals in columns.items() if (kind := looks_like_identifier_column(k, vals))}


IDENTIFIER_FIELDS = IDENTIFIER_KINDS


def sheet_identifiers(records: Iterable[dict]) -> tuple[dict[str, str], frozenset[str]]:
    """What the store needs to protect a whole sheet, judged before its first letter is saved:
    ({unmapped heading: identifier kind}, every patient name word of the sheet). `records` are
    audit-record dicts (iterated twice: pass a list)."""
    records = records if isinstance(records, list) else list(records)
    columns = identifier_columns(r.get("extra") for r in records)
    names: set[str] = set()
    for r in records:
        names.update(record_names({**r, "letter_text": None}, columns))
    return columns, frozenset(names)


def record_names(record: dict, columns: dict[str, str] | None = None) -> frozenset[str]:
    """The patient's name words in one audit record: its name field, name columns among the
    unmapped ones, and names found in its letter text. Masked wherever else they appear."""
    words: set[str] = set()
    if record.get(PATIENT_NAME):
        words.update(_name_tokens(str(record[PATIENT_NAME])))
    for k, v in (record.get("extra") or {}).items():
        kind = (columns or {}).get(k) or looks_like_identifier_column(k, [])
        if kind == PATIENT_NAME and isinstance(v, str):
            words.update(_name_tokens(v))
    text = record.get("letter_text")
    if isinstance(text, str):
        words.update(name_tokens(text))
    return frozenset(words)


def mask_record(record: dict, columns: dict[str, str] | None = None) -> dict:
    """An audit-record dict as an export should show it: identifier fields masked, unmapped
    columns in `extra` checked by heading and content, every other string through mask_text
    (with the patient's own name words, see `record_names`)."""
    names = record_names(record or {}, columns)
    out: dict = {}
    for k, v in (record or {}).items():
        if k in IDENTIFIER_FIELDS:
            out[k] = mask_identifier(k, v)
        elif k == "extra" and isinstance(v, dict):
            out[k] = mask_extra(v, columns=columns, names=names)
        elif k == "letter_id":
            out[k] = mask_letter_id(v)
        else:
            out[k] = mask_deep(v, names=names)
    return out


def mask_letter_id(value: Any) -> Any:
    """An audit ID as an export shows it: masked when it is (or holds) an identifier."""
    if isinstance(value, (str, int)) and not isinstance(value, bool) and find_identifiers(str(value)):
        return mask_text(str(value))
    if isinstance(value, (str, int)) and not isinstance(value, bool) and \
            looks_like_identifier_column("", [value]) in (NHS_NUMBER, HOSPITAL_NUMBER, PHONE_NUMBER):
        return mask_identifier(HOSPITAL_NUMBER, value)
    return value


def mask_extra(extra: dict, *, replace=None, columns: dict[str, str] | None = None,
               names: frozenset[str] = frozenset()) -> dict:
    """Unmapped spreadsheet columns: identifier columns (`columns`, from `identifier_columns`
    over the whole sheet, else judged by heading and this value) masked, or `replace(kind,
    value)`; other text masked."""
    out = {}
    for k, v in (extra or {}).items():
        kind = (columns or {}).get(k) or looks_like_identifier_column(k, [v] if not isinstance(v, (dict, list)) else [])
        if kind and v not in (None, ""):
            out[k] = replace(kind, v) if replace else mask_identifier(kind, v)
        else:
            out[k] = mask_deep(v, names=names)
    return out


# ----------------------------------------------------------------------------- spreadsheet injection
# Characters that make Excel/LibreOffice/Sheets treat a cell as a formula (OWASP: = + - @ tab CR),
# plus their full-width forms. Leading whitespace (incl. LF and NBSP) before one of them is
# treated the same way, because some importers strip it before deciding.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_LEADING_SPACE_RE = re.compile(r"^[\s\u00a0\u2000-\u200b\u3000\ufeff]*")


def is_formula_like(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if value.startswith(_FORMULA_START):
        return True
    rest = value[_LEADING_SPACE_RE.match(value).end():]
    return rest != value and rest.startswith(_FORMULA_START)


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/Excel injection).

    A string starting with = + - @ tab or CR (or whitespace followed by one of them) gets a
    leading apostrophe, so it shows as text and never runs. Numbers, dates and None pass through."""
    if is_formula_like(value):
        return "'" + value
    return value


def safe_csv_rows(rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
    """Rows for csv.writer with every text cell passed through `safe_cell`."""
    for row in rows:
        yield [safe_cell(v) for v in row]


def write_csv(fh, rows: Iterable[Iterable[Any]]) -> None:
    """Write rows (the first is the header) to a text file object through the formula guard:
    the one way the project writes a CSV that people open in a spreadsheet."""
    import csv

    csv.writer(fh).writerows(safe_csv_rows(rows))


def safe_frame(frame):
    """A copy of a pandas DataFrame with every text cell and column name through `safe_cell`:
    for tables offered for download (their CSV is opened in Excel) and `frame.to_csv`."""
    from pandas.api.types import is_numeric_dtype, is_bool_dtype, is_datetime64_any_dtype

    def textual(dtype) -> bool:
        return not (is_numeric_dtype(dtype) or is_bool_dtype(dtype) or is_datetime64_any_dtype(dtype))

    out = frame.copy()
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    for i in range(out.shape[1]):
        if textual(out.dtypes.iloc[i]):
            out.isetitem(i, out.iloc[:, i].astype(object).map(safe_cell))
    if textual(out.index.dtype):
        out.index = out.index.map(safe_cell)
    return out


def frame_to_csv(frame, path_or_buffer=None, **kwargs):
    """`DataFrame.to_csv` through the formula guard (same arguments; index off by default)."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\r\n")  # RFC 4180; a CR inside a cell is then quoted too
    return safe_frame(frame).to_csv(path_or_buffer, **kwargs)


def neutralise_workbook(wb) -> int:
    """Make every text cell of an openpyxl workbook safe before saving; returns the count changed.

    Cells openpyxl would write as formulas (strings starting '=') become apostrophe-prefixed text
    too: a report built from uploaded data never contains a formula."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and (cell.data_type == "f" or is_formula_like(v)):
                    cell.value = "'" + v
                    cell.data_type = "s"
                    changed += 1
    return changed
