"""Deleting a round leaves no letter text anywhere (tables, and on SQLite the database files);
the store holds no raw identifier unless the trust keeps identifiers."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from audit_app.store import Store
from audit_app.store.models import Base

MARK = "Quokka-Zebra-7731"  # a distinctive string in every text field of the deleted round
IDS = ["9990353482", "999 609 1165", "RX9450465", "A009281", "05/01/1983", "1983-01-05", "YARDLEY", "Agnieszka",
       "Clarke", "40903647"]


def _dump_all(store: Store) -> str:
    """Every value of every table, as text."""
    parts = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _letter(i: int, mark: str) -> dict:
    text = (f"Patient: Miss Agnieszka YARDLEY\nDOB: 05/01/1983   NHS No: 9990353482\n{mark} letter {i}\n"
            f"* Oxycodone 5mg PO 4-hourly PRN for pain, TTO 5 days ({mark})\n")
    start = text.index("* Oxycodone")
    return {"record": {"letter_id": f"L{i}", "comments": f"{mark} comment", "weaning_plan": "no"},
            "text": text,
            "extraction": {"opioids": [{"generic": "oxycodone", "text": f"Oxycodone 5mg ({mark})",
                                        "span": [start, start + 30]}]},
            "standard_results": [{"standard_id": "OD-04", "outcome": "not_met",
                                  "evidence": [{"text": f"{mark} evidence", "start": start, "end": start + 30}]}],
            "comparisons": [{"field": "weaning_plan", "auditor": "no", "extractor": f"{mark} snippet"}]}


def test_delete_round_removes_all_its_text(store):
    t = store.create_trust("Trust A")
    gone = store.save_round(t.id, "R1", [_letter(i, MARK) for i in range(3)],
                            import_issues=[{"severity": "error", "row": 4, "message": f"{MARK} in row 4"}])
    kept = store.save_round(t.id, "R2", [_letter(i, "Keep-Me-4411") for i in range(2)])
    first = store.letters(gone)[0]
    store.correct_letter(first.id, "record.comments", f"{MARK} corrected", reason=f"{MARK} reason", user="lb",
                         expected_version=first.version)
    assert MARK in _dump_all(store)

    assert store.delete_round(gone, user="lb@trust-a.nhs.uk", reason="uploaded the wrong file") is True
    assert store.delete_round(gone) is False  # already gone: says so, no error
    dump = _dump_all(store)
    assert MARK not in dump
    with store.session() as s:
        for table in ("letter", "extraction_result", "standard_result", "correction"):
            n = s.scalar(sa.text(f"select count(*) from {table}"))
            assert n == (2 if table != "correction" else 0), table
        assert s.scalar(sa.text("select count(*) from import_issue")) == 0
    assert [r.id for r in store.list_rounds(t.id)] == [kept] and len(store.letters(kept)) == 2
    (log,) = store.deleted_rounds(t.id)
    assert (log["round_label"], log["n_letters"], log["deleted_by"], log["reason"]) == (
        "R1", 3, "lb@trust-a.nhs.uk", "uploaded the wrong file")


def test_sqlite_files_keep_no_deleted_text(tmp_path):
    """secure_delete zeroes freed pages and the WAL is checkpointed: the raw bytes of the database
    files no longer hold the deleted round's text."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    store = Store(url)
    t = store.create_trust("Trust A")
    rid = store.save_round(t.id, "R1", [_letter(i, MARK) for i in range(20)])
    store.save_round(t.id, "R2", [_letter(0, "Keep-Me-4411")])

    def raw() -> bytes:
        db = Path(make_url(url).database)
        return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())

    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARK.encode() in raw()
    store.delete_round(rid, user="lb")
    store.close()
    data = raw()
    assert MARK.encode() not in data and MARK.encode("utf-16-le") not in data
    assert b"Keep-Me-4411" in data  # the other round is still there


def test_store_holds_no_raw_identifier(store):
    t = store.create_trust("Trust A")
    text = ("Patient: Miss Agnieszka YARDLEY\nDOB: 05/01/1983 (41y)   Sex: F\n"
            "Hospital No: RX9450465   NHS No: 9990353482\n\nMiss Yardley was seen.\n"
            "* Oxycodone 5mg PO 4-hourly PRN, TTO 5 days\n")
    start = text.index("* Oxycodone")
    record = {"letter_id": "L1", "nhs_number": "999 609 1165", "hospital_number": "A009281",
              "patient_name": "Michael Clarke", "date_of_birth": "1983-01-05",
              "comments": "spoke to Mr Michael Clarke (NHS 999 609 1165)",
              "extra": {"NHS No.": "9990353482", "Pt": "CLARKE, Michael", "Unit no": "40903647",
                        "Col Q": "RX9450465", "Notes": "Hosp no A009281, DOB: 05/01/1983", "Ward": "Elm Ward"}}
    rid = store.save_round(t.id, "R1", [{
        "record": record, "text": text,
        "extraction": {"opioids": [{"generic": "oxycodone", "span": [start, start + 20]}],
                       "snippets": ["Hospital No: RX9450465", "NHS No: 9990353482"]},
        "standard_results": [{"standard_id": "OD-04", "outcome": "met",
                              "evidence": [{"text": "for Miss Agnieszka YARDLEY DOB: 05/01/1983"}]}],
        "comparisons": [{"field": "nhs", "auditor": "999 609 1165", "extractor": "NHS No: 9990353482"}]}],
        import_issues=[{"severity": "warning", "row": 3, "column": "B",
                        "message": "row 3: Hospital No: RX9450465 looks odd"}])
    (letter,) = store.letters(rid)
    store.correct_letter(letter.id, "record.nhs_number", "9990353482", reason="NHS No: 9990353482 from PAS",
                         user="lb", expected_version=letter.version)
    store.correct_letter(letter.id, "record.comments", "now Mrs Agnieszka Yardley", reason="typo",
                         user="lb", expected_version=letter.version + 1)
    dump = _dump_all(store)
    for ident in IDS:
        assert ident.lower() not in dump.lower(), ident
    (letter,) = store.letters(rid)
    # Masking is char for char, so an extraction span still points at the drug line.
    s, e = letter.extraction["opioids"][0]["span"]
    assert letter.text[s:e] == "* Oxycodone 5mg PO 4"
    assert letter.record["extra"]["Ward"] == "Elm Ward"
    assert letter.record["extra"]["NHS No."].startswith("k:") and letter.record["extra"]["Pt"] is None
    # Linkage still works: same patient, later round, same key.
    rid2 = store.save_round(t.id, "R2", [{"record": {"letter_id": "X", "nhs_number": "9996091165"}}])
    assert store.letters(rid2)[0].letter_key == letter.letter_key


def test_trust_that_keeps_identifiers_keeps_them(store):
    t = store.create_trust("Trust K", keep_identifiers=True)
    rid = store.save_round(t.id, "R1", [{"record": {"letter_id": "L1", "nhs_number": "9990353482",
                                                    "extra": {"NHS No": "9990353482"}},
                                         "text": "NHS No: 9990353482"}])
    (letter,) = store.letters(rid)
    assert letter.record["nhs_number"] == "9990353482" and letter.text == "NHS No: 9990353482"
    assert letter.letter_key.startswith("k:")  # the link key is a keyed hash either way
