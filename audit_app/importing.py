"""Import an audit round end to end: the plain functions the CLI and the Streamlit app both call.

    sheets = list_sheets(data, "round3.xlsx")
    prepared = prepare_import(data, "round3.xlsx", sheet="data", trust_id=t.id, store=store)
    # (or prepare_letters([(name, text), ...]) for free-text letters)
    # show prepared.mapping, prepared.report, prepared.comparisons; let the user edit the mapping:
    prepared = remap_import(prepared, {"Ward/Spec": "specialty", ...})   # no re-read, no re-extraction
    if prepared.can_accept:
        round_id = accept_import(store, prepared, trust_id=t.id, label="Round 3")

`prepare_import` / `prepare_letters` / `remap_import` save nothing. `accept_import` scores the standards and saves the whole round in
ONE store transaction (all letters or none), then remembers the confirmed mapping for the trust
so the next round's import offers it first.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from audit_app import privacy, second_reader
from audit_app.store.gcpause import gc_paused
from audit_app.ingest import (DataRow, IngestError, Mapping, SheetData, ValidationReport, apply_user_mapping,
                              build_records, letter_kind, list_sheets as _list_sheets, parse_date, read_table,
                              suggest_for_sheet)
from audit_app.records import AuditRecord
from audit_app.standards import StandardsConfig, config_for, default_config, evaluate_letter
from audit_app.store import StoreError

if TYPE_CHECKING:
    from nlp import LetterExtraction

Progress = Callable[[int, int], None]

# Extraction runs in 2 worker processes from this many letters. Below it, forking the app's
# server process and sending the answers back cost about what a second process saves
# (measured: no gain at ~260 letters in the app).
PARALLEL_EXTRACTION_FROM = 1500


@dataclass
class PreparedImport:
    """Everything the user reviews before accepting an import. Nothing in here is saved yet."""

    filename: str
    sheet: SheetData
    suggested_mapping: Mapping          # the tool's suggestion (remembered mapping first)
    mapping: Mapping                    # what was applied (suggestion + the user's edits)
    records: list[AuditRecord]
    report: ValidationReport
    extractions: list[LetterExtraction | None]  # per record (nlp's typed result), None without letter text
    letter_kinds: list[str | None]      # per record: 'letter' | 'excerpt' | None
    comparisons: list[list[second_reader.FieldComparison]]
    extractor_available: bool = False
    extractor_version: str | None = None
    remembered_mapping: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)
    extract: bool = True                # whether letter texts are read by the extractor (remap keeps it)

    @property
    def headings(self) -> list[str]:
        return self.sheet.headings

    @property
    def can_accept(self) -> bool:
        return not self.report.has_errors and bool(self.records)

    def mapping_dict(self) -> dict[str, str]:
        return self.mapping.as_dict()

    @property
    def period(self) -> tuple[Any, Any]:
        dates = [r.discharge_date for r in self.records if r.discharge_date]
        return (min(dates), max(dates)) if dates else (None, None)

    def disagreements(self) -> list[second_reader.FieldComparison]:
        return second_reader.disagreements(self.comparisons)

    def comparison_summary(self) -> dict[str, dict[str, int]]:
        return second_reader.summarise(self.comparisons)


def list_sheets(path_or_bytes, filename: str | None = None, *, max_bytes: int | None = None) -> list[str]:
    """The workbook's sheet names ([] for a CSV). Raises IngestError."""
    return _list_sheets(path_or_bytes, filename, max_bytes=max_bytes)


def read_audit_file(path_or_bytes, filename: str | None = None, sheet: str | int | None = None, *,
                    max_bytes: int | None = None) -> SheetData:
    """Read one sheet (default: the first) into headings + data rows. Raises IngestError."""
    return read_table(path_or_bytes, filename, sheet=sheet, max_bytes=max_bytes)


def remembered_mapping(store, trust_id: int | None) -> dict | None:
    if store is None or trust_id is None:
        return None
    try:
        return store.latest_column_mapping(trust_id)
    except Exception:  # noqa: BLE001 - a missing mapping must never stop an import
        return None


def prepare_import(path_or_bytes, filename: str | None = None, *, sheet: str | int | None = None,
                   mapping: dict[str, Any] | None = None, trust_id: int | None = None, store=None,
                   extract: bool = True, progress: Progress | None = None, max_bytes: int | None = None,
                   n_process: int | None = None) -> PreparedImport:
    """Read, map, normalise, validate and (where there is letter text) run the extractor as a
    second reader. Saves nothing. Raises IngestError for a file that cannot be read at all."""
    t0 = time.perf_counter()
    with gc_paused():
        data = read_audit_file(path_or_bytes, filename, sheet, max_bytes=max_bytes)
    return _prepare(data, mapping, remembered_mapping(store, trust_id), extract=extract, progress=progress,
                    n_process=n_process, read_seconds=time.perf_counter() - t0)


def prepare_letters(letters: list[tuple[str, str]], *, trust_id: int | None = None, store=None,
                    extract: bool = True, progress: Progress | None = None,
                    n_process: int | None = None) -> PreparedImport:
    """Free-text letters, (name, text) each, as a sheet (Letter ID, the discharge date the letter
    states, Letter text) that goes through the same mapping, validation, extraction and
    one-transaction save as a spreadsheet, without being written to a file and read back. Blank
    letters are left out; a letter whose stated date is not a date (a typo) gets no date rather
    than blocking the import."""
    kept = [(name, text) for name, text in letters if text and text.strip()]
    rows = [DataRow(k + 2, [name, discharge_date_of(text) or "", text]) for k, (name, text) in enumerate(kept)]
    if not rows:
        raise IngestError("no letter text: upload .txt files or paste at least one letter", LETTERS_FILE)
    data = SheetData(LETTERS_FILE, None, [], 1, list(LETTER_HEADINGS), ["A", "B", "C"], rows, kind="letters")
    return _prepare(data, None, remembered_mapping(store, trust_id), extract=extract, progress=progress,
                    n_process=n_process)


# 'Discharged: 30 March 2024', 'Date of discharge 03/09/2025', 'discharged on 2025-09-03'
_DISCHARGE_DATE = re.compile(
    r"\b(?:date\s+of\s+discharge|discharge\s+date|discharged(?:\s+on)?|d/c\s+date)\s*[:\-]?\s*"
    r"(\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?\s+\d{2,4}|\d{4}-\d{2}-\d{2})",
    re.I)


def discharge_date_of(text: str | None):
    """The discharge date a letter states, as a date (None when not stated or not a date)."""
    m = _DISCHARGE_DATE.search(text or "")
    return parse_date(m.group(1)).value if m else None


def remap_import(prepared: PreparedImport, mapping: dict[str, Any] | None, *, progress: Progress | None = None,
                 n_process: int | None = None) -> PreparedImport:
    """The same sheet under a new mapping: records rebuilt and validated again; the file is not
    read again and a letter text already read keeps its extraction (keyed by a hash of the text),
    so only texts new to this mapping (e.g. a column newly mapped to letter text) are extracted."""
    known = {text_key(r.letter_text): ex for r, ex in zip(prepared.records, prepared.extractions) if ex is not None}
    return _prepare(prepared.sheet, mapping, prepared.remembered_mapping, extract=prepared.extract,
                    progress=progress, n_process=n_process, known=known)


LETTERS_FILE = "letters"
LETTER_HEADINGS = ("Letter ID", "Discharge date", "Letter text")


def text_key(text: str | None) -> str:
    """The key an extraction is kept under while the mapping changes: a hash of the letter text."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def _prepare(data: SheetData, mapping: dict[str, Any] | None, remembered: dict | None, *, extract: bool,
             progress: Progress | None, n_process: int | None, read_seconds: float = 0.0,
             known: dict[str, LetterExtraction] | None = None) -> PreparedImport:
    """Map, normalise, validate, extract (texts not in `known`) and compare: everything after reading."""
    t_read = time.perf_counter()
    suggested = suggest_for_sheet(data, remembered=remembered)
    try:
        applied, notes = apply_user_mapping(suggested, mapping, file=data.file)
    except ValueError as exc:
        raise IngestError(str(exc), data.file, sheet=data.sheet) from None
    report = ValidationReport(data.file, data.sheet)
    report.extend(data.issues)
    for n in notes:
        report.add("warning", n, code="mapping_unknown_heading")
    for c in applied.columns:
        if c.note:
            report.add("info", f"column '{c.heading}': {c.note}", code="mapping_clash")
    with gc_paused():
        records, report = build_records(data, applied, report)
    t_build = time.perf_counter()

    letter_heading = applied.heading_for("letter_text")
    kinds = [letter_kind(r.letter_text, letter_heading) for r in records]
    extractions: list[LetterExtraction | None] = [None] * len(records)
    available, version = False, None
    if extract and any(kinds):
        known = known or {}
        keys = [text_key(r.letter_text) if r.letter_text else None for r in records]
        todo = [None if k in known else r.letter_text for r, k in zip(records, keys)]
        extractions, available, version = run_extraction(todo, report=report, records=records, progress=progress,
                                                         n_process=n_process)
        extractions = [known.get(k) if ex is None and k else ex for ex, k in zip(extractions, keys)]
    t_extract = time.perf_counter()
    compared = [f for f in second_reader.COMPARED_FIELDS if applied.heading_for(f)]
    comparisons = [second_reader.compare(r, ex, excerpt=(k == "excerpt"), fields=compared) if ex else []
                   for r, ex, k in zip(records, extractions, kinds)]
    t_end = time.perf_counter()
    return PreparedImport(
        data.file, data, suggested, applied, records, report, extractions, kinds, comparisons, available, version,
        remembered, {"read": read_seconds, "normalise": t_build - t_read, "extract": t_extract - t_build,
                     "compare": t_end - t_extract, "total": read_seconds + t_end - t_read}, extract=extract)


def run_extraction(texts: list[str | None], *, report: ValidationReport | None = None,
                   records: list[AuditRecord] | None = None, progress: Progress | None = None,
                   n_process: int | None = None) -> tuple[list[LetterExtraction | None], bool, str | None]:
    """The extractor over the non-empty texts, in order. Returns (extractions, available, version).

    Large batches are split into chunks run by `n_process` worker processes (default: 2 from
    PARALLEL_EXTRACTION_FROM letters on a machine with 2+ cores) with nlp's chunk worker
    (`nlp.extract_chunk`), which answers in nlp's dict form (cheaper to send between processes);
    each answer becomes an `nlp.LetterExtraction` again here. A failure on one letter is reported
    and leaves that letter without an extraction."""
    import nlp  # here: importing nlp loads spaCy (~1 s)

    out: list[LetterExtraction | None] = [None] * len(texts)
    version = nlp.__version__  # nlp.version: package version + hash of the rule data
    idx = [i for i, t in enumerate(texts) if t and t.strip()]
    total = len(idx)
    if not total:
        return out, True, version
    if n_process is None:
        n_process = 2 if total >= PARALLEL_EXTRACTION_FROM and (os.cpu_count() or 1) >= 2 else 1
    if progress:
        progress(0, total)
    chunk = max(50, min(500, total // (n_process * 8) or 50))
    chunks = [idx[k:k + chunk] for k in range(0, total, chunk)]
    results: list[list[tuple[dict | None, str | None]]] | None = None
    done = 0

    def collect(positions: list[int], res: list[tuple[dict | None, str | None]]) -> None:
        nonlocal done
        for i, (ex, err) in zip(positions, res):
            out[i] = nlp.letter_from_dict(ex) if ex is not None else None
            if err and report is not None:
                rec = records[i] if records else None
                report.add("warning", f"the extractor failed on this letter ({err}); it is imported without a "
                           "second reading", row=rec.source_row if rec else None, code="extractor_failed")
        done += len(positions)
        if progress:
            progress(done, total)

    if n_process > 1 and len(chunks) > 1:
        try:
            answers = nlp.extract_chunks_in_processes([[texts[i] for i in c] for c in chunks], n_process)
            for positions, res in zip(chunks, answers):
                collect(positions, res)
            results = []
        except Exception:  # noqa: BLE001 - no processes here (sandbox, broken pool): do it in-process
            done = 0
            results = None
    if results is None:
        for positions in chunks:
            collect(positions, nlp.extract_chunk([texts[i] for i in positions]))
    return out, True, version


def score_records(prepared: PreparedImport, config: StandardsConfig,
                  progress: Progress | None = None) -> Iterator[list[dict]]:
    """Every letter's standard results (audit_app.standards.evaluate_letter) as dicts, in record
    order, one letter at a time (accept_import saves each as it is scored)."""
    total = len(prepared.records)
    step = max(1, total // 100)
    for k, (rec, ex) in enumerate(zip(prepared.records, prepared.extractions)):
        results = [r.to_dict() for r in evaluate_letter(rec, ex, config, text=rec.letter_text)]
        if progress and ((k + 1) % step == 0 or k + 1 == total):
            progress(k + 1, total)
        yield results


def accept_import(store, prepared: PreparedImport, *, trust_id: int | None, label: str, period_start=None,
                  period_end=None, standards_config=None, progress: Progress | None = None,
                  new_trust: str | None = None, into_round_id: int | None = None) -> int:
    """Score the standards and save the round (ONE transaction), then remember the mapping for the
    trust. Refuses (IngestError, nothing saved) when the report has errors. Returns the round id.
    With `trust_id=None` and `new_trust` (a name), the trust is created in the round's transaction
    (with the national default standards): a failed import leaves no empty trust behind.
    `into_round_id`: fill that existing EMPTY round (created on the Trusts page) in the same one
    transaction; it keeps its id, label and creation date."""
    if prepared.report.has_errors:
        n = len(prepared.report.errors)
        raise IngestError(f"not saved: the validation report lists {n} error(s); fix them in the spreadsheet "
                          "and import it again", prepared.filename, sheet=prepared.sheet.sheet)
    if not prepared.records:
        raise IngestError("not saved: no letters were read from the sheet", prepared.filename,
                          sheet=prepared.sheet.sheet)
    label = (label or "").strip()
    if trust_id is not None and into_round_id is None and label and store.find_round(trust_id, label) is not None:
        raise StoreError(f"this trust already has a round labelled '{label}'; choose another label")
    with gc_paused():
        t0 = time.perf_counter()
        if trust_id is None:
            config = standards_config or default_config()
            new = {"name": new_trust, "standards_config": config.to_dict()}
        else:
            config = standards_config or config_for(store, trust_id)
            new = None
        start, end = prepared.period
        period_start = period_start or start
        period_end = period_end or end
        mapping = prepared.mapping_dict()
        scoring = [0.0]

        def letters():
            """Scored one by one as the store saves them: memory stays flat however long the round."""
            results = score_records(prepared, config, progress)
            for rec, ex, comps in zip(prepared.records, prepared.extractions, prepared.comparisons):
                t = time.perf_counter()
                res = next(results)
                scoring[0] += time.perf_counter() - t
                yield {"record": rec.to_dict(), "text": rec.letter_text, "extraction": ex, "standard_results": res,
                       "comparisons": [c.to_dict() for c in comps]}

        kwargs: dict[str, Any] = dict(period_start=period_start, period_end=period_end, standards_version=config.version,
                                      source_file=prepared.filename, mapping=mapping,
                                      import_issues=prepared.report.store_issues())
        if prepared.extractor_version:
            kwargs["extractor_version"] = prepared.extractor_version
        # unmapped columns judged over the whole sheet before the first letter is saved
        kwargs["sheet_identifiers"] = privacy.sheet_identifiers(
            [{"extra": rec.extra, "patient_name": rec.patient_name} for rec in prepared.records])
        if new is not None:
            kwargs["new_trust"] = new
        round_id = store.save_round(trust_id, label, letters(), into_round_id=into_round_id, **kwargs)
        store.save_column_mapping(store.trust_of_round(round_id) if trust_id is None else trust_id,
                                  prepared.mapping.decisions())  # unmapped columns too
        prepared.timings["score"] = scoring[0]
        prepared.timings["save"] = time.perf_counter() - t0 - scoring[0]
    return round_id
