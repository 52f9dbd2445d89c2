"""Very large workbooks, written straight as XML (openpyxl would take minutes to write them).

`xlsx_bytes(rows)` zips one sheet of inline strings and numbers; `audit_rows(n)` yields a plain
audit sheet (header + n letters, no letter text). Used by bench/bench_caps.py and the resource
tests (tests/privacy/test_resource_caps.py).
"""
from __future__ import annotations

import io
import zipfile
from typing import Iterable
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def xlsx_bytes(rows: Iterable[Iterable], sheet_name: str = "Audit", sparse_columns: dict[int, object] | None = None) -> bytes:
    """A workbook with one sheet holding `rows` (lists of str/number/None), row 1 first."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet_name, {'"': "&quot;"})))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
                     b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            letters: list[str] = []
            for r, row in enumerate(rows, 1):
                parts = [f'<row r="{r}">']
                for c, v in enumerate(row):
                    while len(letters) <= c:
                        letters.append(get_column_letter(len(letters) + 1))
                    parts.append(_cell(f"{letters[c]}{r}", v))
                parts.append("</row>")
                fh.write("".join(parts).encode())
            fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


HEADER = ["Audit ID", "Discharge date", "Opioid prescribed?", "Opioid(s) on discharge", "Weaning plan?",
          "Days supplied", "Age"]
_DRUGS = ["oxycodone 5mg prn", "codeine 30mg", "-", "morphine 10mg MR", "tramadol 50mg"]


def audit_rows(n: int) -> Iterable[list]:
    yield HEADER
    for i in range(n):
        yield [f"R-{i + 1:07d}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024", "Y" if i % 3 else "N",
               _DRUGS[i % len(_DRUGS)], "yes" if i % 2 else "no", 7 + i % 21, 20 + i % 70]
