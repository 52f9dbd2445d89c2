"""Checks made on the raw bytes before any parser sees them.

- a size cap (default 20 MB, `$OPIOID_AUDIT_MAX_UPLOAD_MB`), enforced while reading whatever the
  source (a pipe, /dev/stdin or /dev/zero has no size: reading stops one byte past the cap);
- row and column caps for a sheet (default 200,000 rows and 500 columns, `$OPIOID_AUDIT_MAX_ROWS`,
  `$OPIOID_AUDIT_MAX_COLUMNS`), enforced by the readers while they stream the sheet;
- xlsx: refuse OLE containers (password-protected workbooks, old .xls), renamed non-zip files,
  zips that are not workbooks, and zip bombs (total declared uncompressed size and member count
  capped before openpyxl opens the archive; `zipfile` never reads past a member's declared size);
- openpyxl must parse XML through defusedxml (`openpyxl.DEFUSEDXML`), which refuses entity
  expansion ("billion laughs") and external entities;
- csv: UTF-8, UTF-16 and UTF-32 (with or without a byte-order mark), else Windows-1252; refuse
  binary content and undecodable text (a stray NUL byte is reported by the reader with its row
  and column).
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from audit_app.ingest.report import IngestError

DEFAULT_MAX_MB = 20.0
MAX_ROWS_ENV = "OPIOID_AUDIT_MAX_ROWS"
MAX_COLUMNS_ENV = "OPIOID_AUDIT_MAX_COLUMNS"
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_COLUMNS = 500
_READ_CHUNK = 1 << 20
MAX_UNCOMPRESSED_FACTOR = 10          # total uncompressed size <= 10 x the size cap
MAX_ZIP_MEMBERS = 5_000
MAX_MEMBER_RATIO = 200                # a single XML member compressing better than 200:1 is suspect

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


def max_upload_bytes(max_mb: float | None = None) -> int:
    """The size cap in bytes: the argument, else $OPIOID_AUDIT_MAX_UPLOAD_MB, else 20 MB."""
    if max_mb is None:
        env = os.environ.get("OPIOID_AUDIT_MAX_UPLOAD_MB", "").strip()
        try:
            max_mb = float(env) if env else DEFAULT_MAX_MB
        except ValueError:
            max_mb = DEFAULT_MAX_MB
    return int(max_mb * 1024 * 1024)


@dataclass(frozen=True)
class Limits:
    max_rows: int
    max_columns: int


def _env_int(name: str, default: int) -> int:
    try:
        value = int(float(os.environ.get(name, "").strip() or default))
    except ValueError:
        return default
    return value if value > 0 else default


def limits() -> Limits:
    """The row and column caps of a sheet: $OPIOID_AUDIT_MAX_ROWS / $OPIOID_AUDIT_MAX_COLUMNS,
    else 200,000 rows and 500 columns."""
    return Limits(_env_int(MAX_ROWS_ENV, DEFAULT_MAX_ROWS), _env_int(MAX_COLUMNS_ENV, DEFAULT_MAX_COLUMNS))


def read_bounded(fh, cap: int | None, name: str) -> bytes:
    """Read a binary file object to its end, refusing as soon as it passes `cap` bytes (never
    holds more than cap + 1 MB): the size of a pipe or a device is not known in advance."""
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(_READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if cap and total > cap:
            raise IngestError(f"the file is over the {_mb(cap)} limit "
                              "(split it, or raise OPIOID_AUDIT_MAX_UPLOAD_MB)", name)
        parts.append(chunk)
    return b"".join(parts)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def load_bytes(path_or_bytes, filename: str | None = None, *, max_bytes: int | None = None) -> tuple[bytes, str]:
    """Read the file (path, bytes or binary file object) after checking its size.
    Returns (data, display name)."""
    cap = max_upload_bytes() if max_bytes is None else max_bytes
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
        name = filename or "uploaded file"
        if cap and len(data) > cap:
            raise IngestError(f"the file is {_mb(len(data))}, over the {_mb(cap)} limit "
                              "(split it, or raise OPIOID_AUDIT_MAX_UPLOAD_MB)", name)
    elif hasattr(path_or_bytes, "read"):
        name = filename or getattr(path_or_bytes, "name", None) or "uploaded file"
        data = read_bounded(path_or_bytes, cap, str(name))
    else:
        p = Path(path_or_bytes)
        name = filename or p.name
        if not p.exists():
            raise IngestError("file not found", name)
        if p.is_dir():
            raise IngestError("is a folder, not a file", name)
        size = p.stat().st_size  # 0 for a pipe or a device: the bounded read below decides
        if cap and size > cap:
            raise IngestError(f"the file is {_mb(size)}, over the {_mb(cap)} limit "
                              "(split it, or raise OPIOID_AUDIT_MAX_UPLOAD_MB)", name)
        try:
            with p.open("rb") as fh:
                data = read_bounded(fh, cap, name)
        except OSError as exc:
            raise IngestError(f"cannot read the file ({exc.strerror or type(exc).__name__})", name) from None
    if not data:
        raise IngestError("the file is empty (0 bytes)", name)
    return data, name


def file_kind(data: bytes, name: str) -> str:
    """'xlsx' or 'csv' from the extension, checked against the content."""
    ext = Path(name).suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return "xlsx"
    if ext in (".csv", ".txt", ".tsv"):
        return "csv"
    if ext == ".xls":
        if data.startswith(OLE_MAGIC):
            _refuse_ole(data, name)
        raise IngestError("old-style .xls files are not supported; open it in Excel and save as .xlsx", name)
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        return "xlsx"
    if ext in (".ods", ".numbers", ".pdf", ".docx", ".doc"):
        raise IngestError(f"'{ext}' files are not supported; save the sheet as .xlsx or .csv", name)
    return "csv"


def _refuse_ole(data: bytes, name: str) -> None:
    """An OLE compound file: a password-protected (encrypted) workbook, or an old .xls."""
    encrypted = False
    try:
        import msoffcrypto

        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = bool(office.is_encrypted())
    except Exception:  # noqa: BLE001 - any parse failure: decide from the container below
        encrypted = b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data
    if encrypted:
        raise IngestError("the workbook is password-protected (encrypted); remove the password in Excel "
                          "(File > Info > Protect Workbook) and save it again", name)
    raise IngestError("this is an old-style Excel (.xls) or other Office file, not .xlsx; "
                      "open it in Excel and save as .xlsx", name)


def check_xlsx_container(data: bytes, name: str, *, max_uncompressed: int | None = None) -> None:
    """Raise IngestError unless `data` is a plausible, bounded .xlsx zip."""
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):  # pragma: no cover - defusedxml is a dependency
        raise IngestError("refusing to open workbooks: the 'defusedxml' package is not installed, "
                          "so XML attacks would not be blocked", name)
    if data.startswith(OLE_MAGIC):
        _refuse_ole(data, name)
    if not (data.startswith(ZIP_MAGIC) or data.startswith(EMPTY_ZIP_MAGIC)):
        raise IngestError("not a valid .xlsx workbook (the file is not a zip archive; was it renamed "
                          "from another format?)", name)
    cap = max_uncompressed if max_uncompressed is not None else max_upload_bytes() * MAX_UNCOMPRESSED_FACTOR
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise IngestError(f"not a valid .xlsx workbook (damaged zip archive: {exc})", name) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise IngestError(f"refusing to open: the workbook holds {len(infos)} parts (limit "
                          f"{MAX_ZIP_MEMBERS}); it may be a zip bomb", name)
    total = sum(i.file_size for i in infos)
    if cap and total > cap:
        raise IngestError(f"refusing to open: the workbook would expand to {_mb(total)} "
                          f"(limit {_mb(cap)}); it may be a zip bomb", name)
    for i in infos:
        if i.compress_size and i.file_size > 1_000_000 and i.file_size / i.compress_size > MAX_MEMBER_RATIO:
            raise IngestError(f"refusing to open: part '{i.filename}' expands {i.file_size // i.compress_size}:1 "
                              "when unzipped; it may be a zip bomb", name)
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        if "word/document.xml" in names:
            raise IngestError("this is a Word document, not an Excel workbook", name)
        raise IngestError("not an Excel workbook (.xlsx): the zip has no workbook inside", name)


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _wide_encoding(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 text without a byte-order mark, from where its zero bytes fall
    (ASCII 'a' is 61 00 in UTF-16-LE, 61 00 00 00 in UTF-32-LE)."""
    n = len(sample) - len(sample) % 4
    if n < 8:
        return None
    zeros = [sum(1 for i in range(k, n, 4) if sample[i] == 0) / (n // 4) for k in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9:
        return "utf-32-be"
    if zeros[1] > 0.9 and zeros[3] > 0.9:
        return "utf-16-le"
    if zeros[0] > 0.9 and zeros[2] > 0.9:
        return "utf-16-be"
    return None


def decode_csv(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding). UTF-8, UTF-16 or UTF-32 by byte-order mark (UTF-32 first: its mark starts
    like UTF-16's), UTF-16/32 without a mark by the pattern of zero bytes, else UTF-8 or
    Windows-1252. Binary content is refused; a stray NUL is left for the reader to locate."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise IngestError(f"cannot read the file as text (broken {enc.upper().replace('-SIG', '')})",
                                  name) from None
    sample = data[:65536]
    if sample.count(0) > len(sample) // 4:
        enc = _wide_encoding(sample)
        if enc is None:
            raise IngestError("this does not look like a CSV text file (it is mostly binary NUL bytes); "
                              "export the sheet as CSV or upload the .xlsx", name)
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            raise IngestError(f"cannot read the file as text (broken {enc.upper()})", name) from None
    controls = sum(1 for b in sample if b < 32 and b not in (0, 9, 10, 13, 12))
    if controls > max(8, len(sample) // 100):
        raise IngestError("this does not look like a CSV text file (binary content)", name)
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise IngestError("cannot decode the file as UTF-8 or Windows-1252 text; save it as 'CSV UTF-8'", name)
