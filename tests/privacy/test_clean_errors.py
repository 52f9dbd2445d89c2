"""Failures end in one line naming what failed (file, row, column where it applies), never a
traceback with SQL parameters or letter text, and never a half-written trust or round."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from audit_app.cli import main
from audit_app.ingest import IngestError, readers
from audit_app.store import Store, StoreError

HEADER = "Audit ID,Opioid prescribed?,Weaning plan,Days supplied,Discharge date,Letter text\n"
LETTER = "Name: Siân Llŷr NHS 943 476 5919 Oxycodone 5mg PRN"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _trusts(url: str) -> list[str]:
    s = Store(url)
    try:
        return [t.name for t in s.list_trusts()]
    finally:
        s.close()


def test_a_nul_byte_anywhere_in_a_csv_is_refused_with_its_row_and_column():
    filler = "".join(f"A{i},yes,no,7,01/02/2024,{'x' * 200}\n" for i in range(6000))  # > 1 MB before it
    data = (HEADER + filler + "B1,yes,n\x00o,7,01/02/2024,text\n").encode()
    with pytest.raises(IngestError) as err:
        readers.read_raw(data, "nul.csv")
    assert err.value.row == 6002 and err.value.column == "C" and "NUL" in str(err.value)


@pytest.mark.parametrize("encoding, bom", [("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff"),
                                           ("utf-32-le", b""), ("utf-16-be", b""), ("utf-16-le", b"\xff\xfe")])
def test_utf32_and_utf16_are_read_as_text(encoding, bom):
    text = HEADER + "A1,yes,no,7,01/02/2024,Zoë’s letter\n"
    raw = readers.read_raw(bom + text.encode(encoding), "wide.csv")
    assert raw.cells[1][5] == "Zoë’s letter" and raw.encoding.startswith(encoding[:6])


def test_a_header_only_file_exits_1(capsys, tmp_path):
    p = tmp_path / "header.csv"
    p.write_text(HEADER, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 's.db'}"
    code, out, err = run(capsys, "--db", url, "import", str(p), "--trust", "T", "--round", "R", "--accept")
    assert code == 1 and "no data rows" in out
    assert _trusts(url) == []


def test_disk_full_is_one_line_with_no_letter_text_and_no_trust_left(capsys, tmp_path, monkeypatch):
    p = tmp_path / "round.csv"
    p.write_text(HEADER + "".join(f"A{i},yes,no,7,01/02/2024,{LETTER} {'pad ' * 400}\n" for i in range(200)),
                 encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'full.db'}"
    Store(url).close()  # schema in place; then the file may not grow
    from audit_app.store import database

    real = database.make_engine

    def small_engine(u):
        engine = real(u)
        sa.event.listen(engine, "connect", lambda c, _r: c.execute(
            "PRAGMA max_page_count = " + str(c.execute("PRAGMA page_count").fetchone()[0] + 2)))
        return engine

    monkeypatch.setattr(database, "make_engine", small_engine)
    code, out, err = run(capsys, "--db", url, "import", str(p), "--trust", "T", "--round", "R", "--accept",
                         "--no-extract")
    assert code in (1, 2), err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "full" in lines[0], err
    assert "Oxycodone" not in err and "INSERT" not in err and "Siân" not in err and "5919" not in err
    monkeypatch.setattr(database, "make_engine", real)
    assert _trusts(url) == []


def test_already_exists_never_names_another_trust(store):
    store.create_trust("Trust B", "TB")
    with pytest.raises(StoreError) as err:
        store.create_trust("Trust Z", "TB")
    assert "Trust B" not in str(err.value) and "already exists" in str(err.value)


def test_simultaneous_create_trust_gives_one_trust_and_clean_messages(store):
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def create():
        barrier.wait()
        try:
            store.create_trust("Same Name")
            outcomes.append("created")
        except StoreError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("created") == 1
    assert all(o == "created" or o.startswith("a trust with this name or code already exists") for o in outcomes)
