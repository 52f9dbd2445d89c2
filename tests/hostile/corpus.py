"""A generated corpus of hostile and malformed audit files.

Each case is (name, filename, data). Everything is built in memory from a small valid
workbook and CSV, so the corpus is reproducible (seeded) and nothing large is committed.
"""
from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from typing import Iterator

from openpyxl import Workbook

HEADER = ["Audit ID", "Hosp No", "Date of discharge", "Opioid prescribed?", "Drug(s)", "Weaning plan",
          "Days supplied", "GP informed?", "Letter text"]
ROW = ["R-{i:03d}", "RX{i:07d}", "0{d}/03/2024", "Y", "oxycodone 5mg prn", "Y", "5", "N",
       "Medications on discharge: OxyNorm 5mg 1 cap 4-hourly PRN for pain, supply 5 days. Stop after 5 days."]


def _row(i: int) -> list[str]:
    return [c.format(i=i, d=1 + i % 9) for c in ROW]


_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def _same_bytes_every_run(xlsx: bytes) -> bytes:
    """openpyxl stamps the save time in docProps/core.xml and in every zip entry; with the time
    fixed, the byte flips below hit the same places on every run (one corrupted workbook used to
    import at some minutes and be refused at others)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def valid_xlsx(rows: int = 6, *, title_row: bool = True, cell_override: dict | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Audit data"
    if title_row:
        ws.append(["Opioid discharge audit - generated"])
    ws.append(HEADER)
    for i in range(rows):
        ws.append(_row(i))
    for (r, c), v in (cell_override or {}).items():
        ws.cell(row=r, column=c, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    return _same_bytes_every_run(buf.getvalue())


def valid_csv(rows: int = 6, *, encoding: str = "utf-8", override: dict | None = None,
              letters: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for i in range(rows):
        r = _row(i)
        if not letters:
            r[-1] = ""
        for (ri, ci), v in (override or {}).items():
            if ri == i:
                r[ci] = v
        w.writerow(r)
    return buf.getvalue().encode(encoding, errors="replace")


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def zip_bomb(uncompressed_mb: int = 300) -> bytes:
    """A workbook-shaped zip whose sheet expands to hundreds of MB of zeros."""
    good = zipfile.ZipFile(io.BytesIO(valid_xlsx()))
    members = {n: good.read(n) for n in good.namelist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            if n != "xl/worksheets/sheet1.xml":
                zf.writestr(n, d)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"0" * (1 << 20)
            for _ in range(uncompressed_mb):
                fh.write(chunk)
    return buf.getvalue()


def billion_laughs_xlsx() -> bytes:
    good = zipfile.ZipFile(io.BytesIO(valid_xlsx()))
    members = {n: good.read(n) for n in good.namelist()}
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>&lol9;</t></si></sst>")
    members["xl/sharedStrings.xml"] = lol
    return _zip(members)


def encrypted_workbook() -> bytes | None:
    """A real password-protected xlsx (msoffcrypto-tool), or None if it cannot encrypt here."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except Exception:  # noqa: BLE001
        return None
    try:
        src = io.BytesIO(valid_xlsx())
        out = io.BytesIO()
        OOXMLFile(src).encrypt("secret", out)
        return out.getvalue()
    except Exception:  # noqa: BLE001 - older msoffcrypto without encrypt()
        return None


def cases(seed: int = 20261125) -> Iterator[tuple[str, str, bytes]]:
    rnd = random.Random(seed)
    good_x = valid_xlsx()
    good_c = valid_csv()

    yield "empty xlsx", "empty.xlsx", b""
    yield "empty csv", "empty.csv", b""
    yield "only whitespace csv", "blank.csv", b"\n\n ,,, \n\r\n"
    # Truncated workbooks: cut at many points of a valid file.
    for k, cut in enumerate(sorted(rnd.sample(range(1, len(good_x)), 300))):
        yield f"truncated xlsx #{k}", f"trunc{k}.xlsx", good_x[:cut]
    # Byte flips inside a valid workbook.
    for k in range(150):
        b = bytearray(good_x)
        for _ in range(rnd.randint(1, 20)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        yield f"corrupted xlsx #{k}", f"corrupt{k}.xlsx", bytes(b)
    # Renamed files.
    yield "renamed zip of text", "renamed.xlsx", _zip({"readme.txt": b"hello"})
    yield "renamed word doc", "letter.xlsx", _zip({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<x/>"})
    yield "renamed pdf", "scan.xlsx", b"%PDF-1.4\n" + bytes(rnd.randrange(256) for _ in range(2000))
    yield "csv renamed to xlsx", "sheet.xlsx", good_c
    yield "xlsx renamed to csv", "sheet.csv", good_x
    yield "zip bomb", "bomb.xlsx", zip_bomb()
    yield "billion laughs", "lol.xlsx", billion_laughs_xlsx()
    enc = encrypted_workbook()
    if enc is not None:
        yield "password-protected workbook", "protected.xlsx", enc
    yield "OLE container (fake encrypted)", "ole.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)
    # Random binary with csv/xlsx names.
    for k in range(150):
        n = rnd.randint(1, 4000)
        yield f"random bytes #{k}", f"rand{k}." + ("csv" if k % 2 else "xlsx"), bytes(rnd.randrange(256) for _ in range(n))
    # CSV in other encodings, with NULs, with control characters.
    for enc_name in ("utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "shift_jis", "koi8-r", "utf-8-sig"):
        yield f"csv in {enc_name}", f"enc-{enc_name}.csv", valid_csv(override={(1, 4): "Morphine – 5mg “PRN” é"}, encoding=enc_name)
    for k in range(60):
        b = bytearray(good_c)
        for _ in range(rnd.randint(1, 5)):
            b.insert(rnd.randrange(len(b)), 0)
        yield f"csv with NUL bytes #{k}", f"nul{k}.csv", bytes(b)
    for k in range(40):
        b = bytearray(good_c)
        for _ in range(rnd.randint(1, 8)):
            b[rnd.randrange(len(b))] = rnd.choice([0x1A, 0x07, 0x1B, 0xFF, 0xFE, 0x80])
        yield f"csv with control bytes #{k}", f"ctl{k}.csv", bytes(b)
    # Truncated CSVs (a download cut short) and grids of hostile cells in random places.
    for k, cut in enumerate(sorted(rnd.sample(range(1, len(good_c)), 100))):
        yield f"truncated csv #{k}", f"ctrunc{k}.csv", good_c[:cut]
    pool = ["", "?", "n/a", "Y", "N", "=1+1", "5/7", "2/52", "own supply", "31/02/2024", "01/01/9999", "44927",
            "-1", "1e9", "R-001", "\u00a0", "oxycodone 5mg", "\"", "'", ",", "\n"]
    for k in range(100):
        grid = [[rnd.choice(pool) for _ in HEADER] for _ in range(rnd.randint(1, 12))]
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(HEADER if k % 3 else [rnd.choice(pool) for _ in HEADER])
        w.writerows(grid)
        yield f"random grid #{k}", f"grid{k}.csv", buf.getvalue().encode()
    # Structural oddities.
    yield "csv header only", "header.csv", valid_csv(rows=0)
    yield "csv no header", "noheader.csv", b"1,2,3\n4,5,6\n"
    yield "csv ragged rows", "ragged.csv", good_c + b"a,b\n1,2,3,4,5,6,7,8,9,10,11,12\n"
    yield "csv unbalanced quotes", "quotes.csv", good_c.replace(b"oxycodone", b'"oxycodone', 3)
    yield "csv duplicate ids", "dups.csv", valid_csv(override={(1, 0): "R-000", (2, 0): "R-000"})
    yield "csv semicolon", "semi.csv", good_c.replace(b",", b";")
    yield "csv tab", "tab.csv", good_c.replace(b",", b"\t")
    yield "xlsx no title", "notitle.xlsx", valid_xlsx(title_row=False)
    yield "xlsx empty workbook", "emptywb.xlsx", _empty_workbook()
    yield "xlsx only title", "titleonly.xlsx", valid_xlsx(rows=0)
    # Hostile cell contents.
    hostile_values = ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1:A2)", "-2+3", "@SUM(1)", "\t=1", "\r=1",
                      "=cmd|' /C calc'!A0", "31/02/2024", "01/01/9999", "9999-12-31", "00/00/0000", "-5", "1e308",
                      "NaN", "inf", "   ", "\u202e\u0000evil", "🙂" * 50, "x" * 40000]
    for k, v in enumerate(hostile_values):
        for col in (1, 3, 7, 9):
            xv = v[:32000].replace("\u0000", "")  # openpyxl cannot write NUL; the csv case keeps it
            yield (f"xlsx hostile value #{k} col {col}", f"hostile{k}_{col}.xlsx",
                   valid_xlsx(cell_override={(3, col): xv}))
            yield (f"csv hostile value #{k} col {col}", f"hostile{k}_{col}.csv",
                   valid_csv(override={(0, col - 1): v}))
    yield "csv 1 MB cell", "bigcell.csv", valid_csv(override={(2, 8): "oxycodone 5mg " * 75_000})
    yield "csv 5 MB letter", "bigletter.csv", valid_csv(override={(1, 8): "Morphine 10mg BD. " * 290_000})
    yield "csv binary letter", "binletter.csv", valid_csv(override={(1, 8): bytes(range(1, 256)).decode("latin-1") * 20})
    yield "xlsx year 9999 dates", "y9999.xlsx", valid_xlsx(cell_override={(3, 3): "31/12/9999", (4, 3): 2958465})
    yield "csv 100,000 rows", "big.csv", valid_csv(rows=100_000, letters=False)


def _empty_workbook() -> bytes:
    wb = Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    return _same_bytes_every_run(buf.getvalue())
