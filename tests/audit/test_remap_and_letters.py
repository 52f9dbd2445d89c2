"""importing.remap_import (a new mapping without reading the file or the letters again) and
importing.prepare_letters (free-text letters without a CSV round trip)."""
from __future__ import annotations

import pytest

from audit_app import importing
from audit_app.ingest import IngestError


@pytest.fixture
def counted(monkeypatch):
    """Count the letter texts the extractor is asked to read, and the files read."""
    seen = {"texts": 0, "reads": 0}
    run, read = importing.run_extraction, importing.read_audit_file

    def run_counting(texts, **kw):
        seen["texts"] += sum(1 for t in texts if t and t.strip())
        return run(texts, **kw)

    def read_counting(*a, **kw):
        seen["reads"] += 1
        return read(*a, **kw)

    monkeypatch.setattr(importing, "run_extraction", run_counting)
    monkeypatch.setattr(importing, "read_audit_file", read_counting)
    return seen


def test_remap_keeps_extractions_and_does_not_read_again(rounds_dir, counted):
    first = importing.prepare_import(rounds_dir / "trust_a_round2.xlsx")
    n_texts = sum(1 for e in first.extractions if e)
    assert n_texts and counted == {"texts": n_texts, "reads": 1}
    remapped = importing.remap_import(first, {"Comments": None, "Pharmacist": None})
    assert counted == {"texts": n_texts, "reads": 1}          # nothing read again
    assert remapped.extractions == first.extractions
    assert remapped.mapping.heading_for("letter_text") == first.mapping.heading_for("letter_text")
    assert "Comments" not in remapped.mapping_dict()
    unmapped_text = importing.remap_import(first, {first.mapping.heading_for("letter_text"): None})
    assert not any(unmapped_text.extractions)                   # no letter text column: no extraction
    back = importing.remap_import(unmapped_text, {})
    assert counted["texts"] == 2 * n_texts and back.extractions == first.extractions  # texts new to that mapping


def test_an_edited_letter_text_is_read_again(rounds_dir, counted):
    first = importing.prepare_import(rounds_dir / "trust_a_round3.xlsx")
    n_texts = sum(1 for e in first.extractions if e)
    i = next(k for k, r in enumerate(first.records) if r.letter_text)
    first.records[i].letter_text += "\nOxycodone 5 mg PRN — stop after 5 days."   # its kept extraction now
    importing.remap_import(first, {})                                              # belongs to another text
    assert counted["texts"] == n_texts + 1


def test_letters_without_a_csv_round_trip(counted):
    letters = [("née-Ünal", "Discharge letter\nTTO: Oramorph 10mg/5ml 2.5-5ml PRN max QDS, 3 days.\n"),
               ("blank", "   \n"),
               ("comma,quote\"", "Codeine 30mg QDS PRN, supply 7 days; \"stop when pain settles\"")]
    prepared = importing.prepare_letters(letters)
    assert counted["reads"] == 0
    assert [r.letter_id for r in prepared.records] == ["née-Ünal", "comma,quote\""]
    assert [r.source_row for r in prepared.records] == [2, 3]
    assert prepared.records[1].letter_text == letters[2][1]
    assert all(prepared.extractions) and prepared.can_accept
    with pytest.raises(IngestError, match="no letter text"):
        importing.prepare_letters([("a", " "), ("b", "")])
