"""Identifiers: detection, masking and keyed hashing; spreadsheet-injection guards.

Letters and audit sheets carry NHS numbers, hospital numbers, names and dates of birth. The
store keeps keyed hashes instead (so a patient's letters link across rounds without the number
being stored), exports and logs mask identifiers unless the user asks otherwise, and text is
masked character for character so that evidence spans still point at the right place.

Public API
----------
- ``find_identifiers(text) -> list[IdentifierSpan(kind, start, end)]``: NHS numbers (10 digits,
  spaced/dashed/unspaced, valid check digit or not), hospital numbers / MRNs (labelled, or the
  common shapes ``RX9450465`` / ``A009281``; bare 6-9 digit numbers only when labelled), patient
  names (labelled ``Name:``/``Patient:``/``Re:``, ``Mr/Mrs/Ms/Miss/Mx/Dr Forename Surname``,
  ``SURNAME, Forename`` in the header, and every later capitalised mention of a name found so
  far), dates of birth (labelled ``DOB``/``Date of birth``/``born``).
- ``mask_text(text)``: the same text with every identifier's letters and digits replaced by
  ``X`` (same length, punctuation and whitespace kept).
- ``mask_identifier(field, value)``: what an export shows instead of an identifier field value.
- ``looks_like_identifier_column(heading, values) -> kind | None``: spreadsheet columns, by
  heading and by value shape.
- ``mask_record(record)``: an audit-record dict ready for export (identifier fields masked,
  unmapped ``extra`` columns detected and masked, free text masked).
- ``mask_deep(obj)``: ``mask_text`` over every string in a JSON-like structure.
- ``keyed_hash(value, purpose)``: HMAC-SHA256 with the per-installation secret (kept in a file
  outside the database: ``$OPIOID_AUDIT_SECRET_FILE`` or ``~/.config/opioid-audit/secret.key``).
- ``safe_cell(value)``, ``safe_csv_rows(rows)``, ``neutralise_workbook(wb)``: spreadsheet
  (CSV/Excel) formula injection guards.
"""
from __future__ import annotations

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
IDENTIFIER_KINDS = (NHS_NUMBER, HOSPITAL_NUMBER, PATIENT_NAME, DATE_OF_BIRTH)


class IdentifierSpan(NamedTuple):
    kind: str
    start: int
    end: int


# ----------------------------------------------------------------------------- patterns
# 10 digits, optionally grouped 3-3-4 with spaces or dashes; not part of a longer number.
NHS_NUMBER_RE = re.compile(r"(?<!\d)(\d{3})[ \t-]?(\d{3})[ \t-]?(\d{4})(?!\d)")

# A hospital number / MRN in a common shape: 1-3 capitals then 6-9 digits (RX9450465, A009281).
_HOSP_SHAPE_RE = re.compile(r"(?<![\w/.-])[A-Z]{1,3}\d{6,9}(?![\w/])")
_HOSP_LABEL = (r"(?i:hosp(?:ital)?\.?\s*(?:no\b\.?|num(?:ber)?\b|id\b|#)|\bmrn\b|\bunit\s*(?:no\b\.?|number)"
               r"|\bk\s*number|\brxx?\s*(?:no\b\.?|number)|\bpas\s*(?:no\b\.?|number|id\b)"
               r"|\bcase\s*(?:no\b\.?|number)|\bcrn\b|\bpatient\s*(?:id\b|number|no\b\.?))")
_HOSP_LABELLED_RE = re.compile(_HOSP_LABEL + r"[ \t]*[:#.=-]?[ \t]*(?P<value>[A-Za-z0-9][A-Za-z0-9/-]{3,15})")

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (r"(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \t-]+(?i:{_MONTH})[ \t,-]+\d{{2,4}}"
         rf"|(?i:{_MONTH})[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}})")
_DOB_LABEL = r"(?i:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bborn(?:\s+on)?\b)"
_DOB_RE = re.compile(_DOB_LABEL + r"[ \t]*[:=-]?[ \t]*(?P<value>" + _DATE + r")")

_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Master|Dr|Prof|Sir|Dame|Rev)"
# Words that end a name (the next field's label), never part of one.
_STOP_WORD = (r"(?:DOB|D\.O\.B|NHS|MRN|Hospital|Hosp|Sex|Age|Date|Ward|Unit|Address|Gender|Born|Admitted|"
              r"Discharged|Consultant|Specialty|GP|Tel|Phone|Ref|Re|Dear|The|And)\b")
_NAME_TOKEN = r"[A-Z][A-Za-z'’]*(?:-[A-Z][A-Za-z'’]*)?"
_NAME_VALUE = (
    rf"(?:{_TITLE}\.?[ \t]+)?"
    rf"(?:[A-Z][A-Z'’-]+,[ \t]*{_NAME_TOKEN}(?:[ \t]{_NAME_TOKEN})?"  # SURNAME, Forename [Middle]
    rf"|(?!{_STOP_WORD}){_NAME_TOKEN}(?:[ \t](?!{_STOP_WORD})(?:{_NAME_TOKEN}|[A-Z]\.?(?=[ \t]))){{0,3}})"
)
_NAME_LABEL = (r"(?i:\bpatient(?:'s)?[ \t]*(?:full[ \t]*)?name|\bfull[ \t]*name|\bpatient|\bname|\bsurname"
               r"|\bforenames?|\bfirst[ \t]*name|\bre)")
_NAME_LABELLED_RE = re.compile(rf"{_NAME_LABEL}[ \t]*:[ \t]*(?P<value>{_NAME_VALUE})")
# Title + full forename + surname ('Mrs Nkechi Ellison'); a title + initial is a clinician's style.
_SALUTATION_RE = re.compile(rf"\b(?P<title>Mr|Mrs|Ms|Miss|Mx|Master|Dr)\.?[ \t]+(?P<value>[A-Z][a-z][A-Za-z'’]*"
                            rf"(?:-[A-Z][A-Za-z'’]*)?[ \t]+(?!{_STOP_WORD}){_NAME_TOKEN})")
# 'SURNAME, Forename' (header only: 'CLARKE, Michael').
_SURNAME_FIRST_RE = re.compile(rf"(?<![\w-])(?P<value>[A-Z][A-Z'’-]+,[ \t]?[A-Z][a-z][A-Za-z'’]*)\b")
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
}
_HEADER_CHARS = 1200
_CAPITALISED_WORD_RE = re.compile(r"(?<![\w'’-])[A-Z][A-Za-z'’]*(?:-[A-Za-z'’]+)*")


def _name_tokens(value: str) -> list[str]:
    out = []
    for tok in re.findall(r"[A-Za-z'’]+(?:-[A-Za-z'’]+)*", value):
        if len(tok) >= 2 and tok.lower() not in _NOT_NAME_TOKENS and not re.fullmatch(_TITLE, tok):
            out.append(tok)
    return out


def find_identifiers(text: str | None) -> list[IdentifierSpan]:
    """Every identifier in `text`, as (kind, start, end) spans sorted by position.

    Spans may overlap (e.g. a labelled hospital number that also has the common shape)."""
    if not text:
        return []
    spans: list[IdentifierSpan] = []
    for m in NHS_NUMBER_RE.finditer(text):
        spans.append(IdentifierSpan(NHS_NUMBER, m.start(), m.end()))
    for m in _HOSP_LABELLED_RE.finditer(text):
        v = m.group("value")
        if sum(c.isdigit() for c in v) >= 3:
            spans.append(IdentifierSpan(HOSPITAL_NUMBER, m.start("value"), m.end("value")))
    for m in _HOSP_SHAPE_RE.finditer(text):
        spans.append(IdentifierSpan(HOSPITAL_NUMBER, m.start(), m.end()))
    for m in _DOB_RE.finditer(text):
        spans.append(IdentifierSpan(DATE_OF_BIRTH, m.start("value"), m.end("value")))

    tokens: set[str] = set()
    for m in _NAME_LABELLED_RE.finditer(text):
        value = m.group("value").rstrip()
        if not _name_tokens(value):
            continue
        spans.append(IdentifierSpan(PATIENT_NAME, m.start("value"), m.start("value") + len(value)))
        tokens.update(_name_tokens(value))
    for m in _SALUTATION_RE.finditer(text):
        spans.append(IdentifierSpan(PATIENT_NAME, m.start("value"), m.end("value")))
        if m.group("title") != "Dr" or m.start() < _HEADER_CHARS:
            tokens.update(_name_tokens(m.group("value")))
    for m in _SURNAME_FIRST_RE.finditer(text, 0, min(len(text), _HEADER_CHARS)):
        surname = m.group("value").split(",")[0]
        if surname.upper() in _NOT_SURNAMES or len(surname) < 2:
            continue
        spans.append(IdentifierSpan(PATIENT_NAME, m.start("value"), m.end("value")))
        tokens.update(_name_tokens(m.group("value")))
    # Every later capitalised mention of a patient's name ('Mr Clarke has ...'): one pass over
    # the capitalised words, so the cost stays linear however many names a text holds.
    if tokens:
        lowered = {t.lower() for t in tokens}
        for m in _CAPITALISED_WORD_RE.finditer(text):
            word = m.group()
            if word.lower() in lowered:
                spans.append(IdentifierSpan(PATIENT_NAME, m.start(), m.end()))
            elif "-" in word or "'" in word or "’" in word:
                for part in re.finditer(r"[A-Za-z]+", word):
                    if part.group().lower() in lowered and part.group()[0].isupper():
                        spans.append(IdentifierSpan(PATIENT_NAME, m.start() + part.start(), m.start() + part.end()))
    spans = sorted(set(spans), key=lambda s: (s.start, s.end, s.kind))
    return spans


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


def mask_text(text: str | None) -> str | None:
    """Mask identifiers in free text, character for character (spans stay valid)."""
    if not text or not isinstance(text, str):
        return text
    if len(text) <= 500:
        return _mask_short_text(text)  # evidence strings repeat a lot across a round
    return mask_spans(text, find_identifiers(text))


@functools.lru_cache(maxsize=65536)
def _mask_short_text(text: str) -> str:
    return mask_spans(text, find_identifiers(text))


# Keys whose values are codes from our own vocabularies (never patient text): not scanned.
_CODE_KEYS = frozenset({"standard_id", "outcome", "exclusion_code", "source", "field", "reason", "status",
                        "severity", "code", "formulation", "route", "generic", "brand", "confidence", "kind",
                        "unit", "ome_flag", "scenario", "supply_quantity"})


_SCALARS = frozenset({int, float, bool, type(None)})


def mask_deep(obj: Any, letter: tuple[str, str] | None = None) -> Any:
    """`mask_text` applied to every string inside a JSON-like value (dicts, lists, tuples).

    With `letter=(text, masked_text)`, a string quoted from the letter (evidence, TTO lines) takes
    the letter's own masking at that place: the same answer as masking the whole letter (a name
    seen in the header is masked in every quote too), and far cheaper than detecting again."""
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
        return mask_text(obj)
    if t is dict:
        return {k: (v if k in _CODE_KEYS and type(v) is str else mask_deep(v, letter)) for k, v in obj.items()}
    if t is list or t is tuple:
        return t(mask_deep(v, letter) for v in obj)
    if isinstance(obj, str):
        return mask_text(obj)
    if isinstance(obj, dict):
        return {k: mask_deep(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(mask_deep(v) for v in obj)
    return obj


# ----------------------------------------------------------------------------- columns
_COL_NHS = re.compile(r"\bnhs\b|\bchi\b")
_COL_HOSP = re.compile(r"\bhosp|hospital\s*(?:no|num|id)|\bmrn\b|\bunit\s*(?:no|num)|\bk\s*no\b|\brxx?\b|\bpas\b"
                       r"|\bpatient\s*(?:id|no|num)|\bcase\s*(?:no|num)|\bcrn\b|\bmedical\s*record")
_COL_DOB = re.compile(r"\bdob\b|d\.\s*o\.\s*b|date\s*of\s*birth|birth\s*date|\bborn\b|\bbirthday\b")
_COL_NAME = re.compile(r"\bname\b|\bsurname\b|\bforenames?\b|\bfirst\s*name|\blast\s*name|^patient$|^pt$")
_COL_NOT_NAME = re.compile(r"drug|opioid|medic|ward|consultant|pharmacist|auditor|\bgp\b|doctor|clinician|"
                           r"prescriber|trust|hospital|file|brand|generic|user|staff|sheet|specialt|practice|"
                           r"surgery|nurse|team|product")
_VAL_NHS = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")
_VAL_HOSP = re.compile(r"[A-Za-z]{1,3}\d{5,9}")
_VAL_DIGITS = re.compile(r"\d{6,9}")
_VAL_NAME = re.compile(rf"(?:{_TITLE}\.?\s+)?(?:[A-Z][A-Z'’-]+,\s*[A-Z][A-Za-z'’-]+|[A-Z][a-z'’-]+\s+[A-Z][A-Za-z'’-]+)")
_COL_ID_HINT = re.compile(r"\bid\b|\bno\b|number|\bref|\bnum\b|#")


def _norm_heading(heading: Any) -> str:
    return re.sub(r"\s+", " ", str(heading or "")).strip().lower()


def looks_like_identifier_column(heading: Any, values: Iterable[Any] = ()) -> str | None:
    """The identifier kind of a spreadsheet column (by heading, then by value shape), else None."""
    h = _norm_heading(heading)
    if h:
        if _COL_NHS.search(h):
            return NHS_NUMBER
        if _COL_DOB.search(h):
            return DATE_OF_BIRTH
        if _COL_HOSP.search(h):
            return HOSPITAL_NUMBER
        if _COL_NAME.search(h) and not _COL_NOT_NAME.search(h):
            return PATIENT_NAME
    vals = [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
    vals = [v[:-2] if v.endswith(".0") and v[:-2].isdigit() else v for v in vals]  # 9990353482.0 from Excel
    if not vals:
        return None
    n = len(vals)

    def share(rx: re.Pattern) -> float:
        return sum(1 for v in vals if rx.fullmatch(v)) / n

    if share(_VAL_NHS) >= 0.6:
        return NHS_NUMBER
    if share(_VAL_HOSP) >= 0.6:
        return HOSPITAL_NUMBER
    if share(_VAL_DIGITS) >= 0.6 and _COL_ID_HINT.search(h):
        return HOSPITAL_NUMBER
    if share(_VAL_NAME) >= 0.6 and not _COL_NOT_NAME.search(h) and n >= 1:
        return PATIENT_NAME
    return None


IDENTIFIER_FIELDS = IDENTIFIER_KINDS


def mask_record(record: dict) -> dict:
    """An audit-record dict as an export should show it: identifier fields masked, unmapped
    columns in `extra` checked by heading and value shape, every other string through mask_text."""
    out: dict = {}
    for k, v in (record or {}).items():
        if k in IDENTIFIER_FIELDS:
            out[k] = mask_identifier(k, v)
        elif k == "extra" and isinstance(v, dict):
            out[k] = mask_extra(v)
        else:
            out[k] = mask_deep(v)
    return out


def mask_extra(extra: dict, *, replace=None) -> dict:
    """Unmapped spreadsheet columns: identifier columns masked (or `replace(kind, value)`), text masked."""
    out = {}
    for k, v in (extra or {}).items():
        kind = looks_like_identifier_column(k, [v] if not isinstance(v, (dict, list)) else [])
        if kind and v not in (None, ""):
            out[k] = replace(kind, v) if replace else mask_identifier(kind, v)
        else:
            out[k] = mask_deep(v)
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
