"""A collated workbook (several trusts' letters in one sheet, with a trust column) split into one
round per trust: the same reading, mapping and validation report as any import (audit_app.importing),
then the records grouped by the trust column.

    prepared = importing.prepare_import(data, "network_march.xlsx")
    heading = trust_heading(prepared, "Trust")         # or None to find a column headed 'Trust'
    parts = split_by_trust(prepared, heading)           # {'Trust A': PreparedImport, ...}
    round_ids = accept_collated(store, parts, label="March 2024")

A row with no trust named is an error in the report (file, row, column), so nothing is saved.
Saving is all or nothing across the trusts: if one round cannot be saved, the rounds already
saved by this call are deleted again.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from audit_app.ingest import IngestError, ValidationReport
from audit_app.importing import PreparedImport, accept_import

#: headings taken as the trust column when none is named (compared without case or punctuation)
TRUST_HEADINGS = ("trust", "trust name", "organisation", "organisation name", "provider", "site", "hospital trust")


def _norm(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text or "").lower()).strip()


def trust_heading(prepared: PreparedImport, heading: str | None = None) -> str:
    """The heading of the trust column: ``heading`` (matched without case), else the first heading
    that reads like 'Trust' / 'Organisation'. IngestError naming the headings when there is none."""
    headings = list(prepared.headings)
    if heading:
        for h in headings:
            if _norm(h) == _norm(heading):
                return h
        raise IngestError(f"no column headed {heading!r}; the headings are: {', '.join(repr(str(h)) for h in headings)}",
                          prepared.filename, sheet=prepared.sheet.sheet)
    for h in headings:
        if _norm(h) in TRUST_HEADINGS:
            return h
    raise IngestError("no trust column found (a heading such as 'Trust' or 'Organisation'); name it with "
                      f"--trust-column. The headings are: {', '.join(repr(str(h)) for h in headings)}",
                      prepared.filename, sheet=prepared.sheet.sheet)


def _trust_of(record, heading: str) -> str:
    value = (record.extra or {}).get(heading)
    if value is None:
        value = getattr(record, heading, None)
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def split_by_trust(prepared: PreparedImport, heading: str) -> dict[str, PreparedImport]:
    """One PreparedImport per trust named in the column (in order of first appearance), each with
    its rows' issues plus the whole-sheet issues. Rows with no trust are added to ``prepared``'s
    report as errors (and to every part's, so none can be accepted)."""
    groups: dict[str, list[int]] = {}
    column = None
    if heading in prepared.headings:
        column = prepared.sheet.column_letters[prepared.headings.index(heading)]
    for i, rec in enumerate(prepared.records):
        name = _trust_of(rec, heading)
        if not name:
            prepared.report.add("error", f"no trust named in column '{heading}': every row of a collated workbook "
                                         "needs its trust", row=rec.source_row, column=column, code="collated_no_trust")
            continue
        groups.setdefault(name, []).append(i)
    blank_rows = [i for i in prepared.report.by_code("collated_no_trust")]
    parts = {}
    for name, idx in groups.items():
        rows = {prepared.records[i].source_row for i in idx}
        report = ValidationReport(prepared.report.file, prepared.report.sheet)
        report.extend(dataclasses.replace(issue) for issue in prepared.report.issues
                      if issue.row is None or issue.row in rows or issue in blank_rows)
        report.unknown_counts = prepared.report.unknown_counts
        report.n_rows = len(idx)
        parts[name] = dataclasses.replace(
            prepared, records=[prepared.records[i] for i in idx], report=report,
            extractions=[prepared.extractions[i] for i in idx], letter_kinds=[prepared.letter_kinds[i] for i in idx],
            comparisons=[prepared.comparisons[i] for i in idx], timings={})
    return parts


def accept_collated(store, parts: dict[str, PreparedImport], *, label: str, period_start=None, period_end=None,
                    create_trusts: bool = True) -> dict[str, int]:
    """Save one round per trust (label ``label``), all or nothing. Trusts are found by name or code
    (created when ``create_trusts``). Returns {trust name: round id}."""
    from audit_app.store import StoreError

    if not parts:
        raise IngestError("not saved: no letters with a trust were read from the sheet")
    errors = [name for name, p in parts.items() if p.report.has_errors]
    if errors:
        n = sum(len(p.report.errors) for p in parts.values())
        raise IngestError(f"not saved: the validation report lists {n} error(s); fix them in the spreadsheet "
                          "and import it again")
    label = (label or "").strip()
    if not label:
        raise IngestError("not saved: name the round (--round)")
    trusts = {}
    for name in parts:
        t = store.find_trust(name)
        if t is None and not create_trusts:
            raise StoreError(f"no trust named {name!r}")
        if t is not None and store.find_round(t.id, label) is not None:
            raise StoreError(f"trust {t.name!r} already has a round labelled {label!r}; choose another label")
        trusts[name] = t
    saved: dict[str, int] = {}
    created: list[int] = []
    try:
        for name, part in parts.items():
            t = trusts[name]
            if t is None:
                t = store.create_trust(name)
                created.append(t.id)
            saved[name] = accept_import(store, part, trust_id=t.id, label=label, period_start=period_start,
                                        period_end=period_end)
    except Exception:
        for rid in saved.values():
            store.delete_round(rid, user="collated import", reason="undo: another trust's round failed to save")
        for tid in created:
            store.delete_trust(tid)
        raise
    return saved
