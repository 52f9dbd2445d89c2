"""Identifiers: detection, masking and keyed hashing.

Letters and audit sheets carry NHS numbers, hospital numbers, names and dates of birth. The
store keeps keyed hashes instead (so a patient's letters link across rounds without the number
being stored), exports mask identifiers unless the user asks otherwise, and text is masked
character for character so that evidence spans still point at the right place.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any

SECRET_ENV = "OPIOID_AUDIT_SECRET_FILE"

# 10 digits, optionally spaced 3-3-4; not part of a longer number.
NHS_NUMBER_RE = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
# Labelled identifiers in letters: 'Hospital No: RX9450465', 'MRN: A009281', 'Name: CLARKE, Michael'.
_LABELLED_RE = re.compile(
    r"(?im)\b(?P<label>hospital\s*(?:no|number)|hosp\.?\s*no|mrn|unit\s*no|patient(?:\s*name)?|name|"
    r"dob|d\.o\.b\.?|date\s+of\s+birth)\b\s*[:#]\s*"
    r"(?P<value>[^\n|]{1,60}?)(?=\s{2,}|\s*\||\s*$|\.\s|\s+\(|\s+(?:DOB|Sex|NHS|MRN|Hospital|Age)\b)"
)


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus-11 check digit of an NHS number."""
    d = re.sub(r"\D", "", digits)
    if len(d) != 10:
        return False
    total = sum(int(c) * w for c, w in zip(d[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(d[9])


def _secret_path() -> Path:
    env = os.environ.get(SECRET_ENV)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "opioid-audit" / "secret.key"


def installation_secret() -> bytes:
    """The per-installation key for keyed hashes, created on first use, kept outside the database."""
    path = _secret_path()
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key.encode())
        finally:
            os.close(fd)
        return bytes.fromhex(key)
    except FileExistsError:  # pragma: no cover - lost a race with another process
        return bytes.fromhex(path.read_text().strip())


def keyed_hash(value: str, purpose: str = "patient") -> str:
    """HMAC-SHA256 of a normalised identifier: stable per installation, useless without the key."""
    norm = re.sub(r"[\s-]", "", str(value)).upper()
    digest = hmac.new(installation_secret(), f"{purpose}:{norm}".encode(), hashlib.sha256).hexdigest()
    return f"k:{digest[:32]}"


def mask_identifier(field: str, value: Any) -> str | None:
    """What an export shows instead of an identifier value."""
    if value is None or value == "":
        return None
    s = str(value)
    if s.startswith("k:"):
        return s[:10] + "…"  # already a keyed hash
    if field == "nhs_number":
        d = re.sub(r"\D", "", s)
        return "*** *** " + d[-4:] if len(d) == 10 else "***"
    if field == "date_of_birth":
        return "**/**/****"
    return "*" * min(len(s), 8)


def mask_text(text: str | None) -> str | None:
    """Mask identifiers in free text, character for character (spans stay valid)."""
    if not text:
        return text
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if not chars[i].isspace() and chars[i] not in ",|":
                chars[i] = "X" if chars[i].isalnum() else chars[i]

    for m in NHS_NUMBER_RE.finditer(text):
        blank(m.start(), m.end())
    for m in _LABELLED_RE.finditer(text):
        if m.group("value").strip():
            blank(m.start("value"), m.end("value"))
    return "".join(chars)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/Excel injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
