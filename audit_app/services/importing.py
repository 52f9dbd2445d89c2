"""Import page: spreadsheets and letters -> a round (audit_app.rounds does the work).

audit_app.rounds (openpyxl, the extraction pipeline) is imported on first use, not at app start:
warm_up loads it in the background.
"""
from __future__ import annotations

import csv
import io
import math
from typing import Any, Callable, Iterable

import pandas as pd

from audit_app.records import CANONICAL_FIELDS
from audit_app.services.scope import Access, ServiceError, TrustScope, check_period
from audit_app.services.standards import trust_config
from audit_app.store.store import Store, StoreError
from audit_app.ui.evidence import opioid_summary


LETTER_SEPARATOR = "==="


def _import_error(exc: Exception, filename: str | None) -> ServiceError:
    from audit_app.ingest import IngestError  # openpyxl: see the module docstring

    if isinstance(exc, (IngestError, StoreError, ServiceError)):
        return ServiceError(str(exc))
    return ServiceError(f"{filename or 'the file'}: could not be read ({type(exc).__name__}: {exc}). Nothing was saved.")


def warm_up() -> None:
    """Load what a first import and a first chart need (openpyxl, the spaCy extraction pipeline,
    plotly) so that a user's first upload does not wait for ~1 s of imports. Thread-safe; the app
    calls it once per process in the background after the first page has been drawn."""
    import openpyxl  # noqa: F401

    from audit_app import rounds
    from qi import figures  # noqa: F401 - plotly

    rounds.run_extraction(["warm up"])


def list_sheets(data: bytes, filename: str) -> list[str]:
    from audit_app import rounds  # see the module docstring

    try:
        return rounds.list_sheets(data, filename)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message naming the file
        raise _import_error(exc, filename) from None


def split_pasted_letters(text: str) -> list[str]:
    """Pasted text -> letters, split at lines that are only '===' (one letter when there is none)."""
    letters, cur = [], []
    for line in (text or "").splitlines():
        if line.strip() and set(line.strip()) == {"="} and len(line.strip()) >= 3:
            letters.append("\n".join(cur))
            cur = []
        else:
            cur.append(line)
    letters.append("\n".join(cur))
    return [l.strip("\n") for l in letters if l.strip()]


def letters_to_csv(letters: Iterable[tuple[str, str]]) -> bytes:
    """A set of letters as a two-column audit sheet (Letter ID, Letter text), so letters go through
    the same import (validation, extraction, scoring, one-transaction save) as a spreadsheet."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Letter ID", "Letter text"])
    n = 0
    for name, text in letters:
        if text and text.strip():
            w.writerow([name, text])
            n += 1
    if not n:
        raise ServiceError("no letter text: upload .txt files or paste at least one letter")
    return buf.getvalue().encode("utf-8")


def decode_letter_file(data: bytes, filename: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ServiceError(f"{filename}: not a text file (letters must be plain .txt)")


def prepare_upload(store: Store, access: Access, trust_id: int, data: bytes, filename: str, *,
                   sheet: str | None = None, mapping: dict | None = None,
                   progress: Callable[[int, int], None] | None = None):
    """Read, map, validate and extract an uploaded file (audit_app.rounds.prepare_import); saves nothing."""
    from audit_app import rounds  # see the module docstring

    TrustScope.check(store, access, trust_id)
    try:
        return rounds.prepare_import(data, filename, sheet=sheet, mapping=mapping, trust_id=trust_id, store=store,
                                     progress=progress)
    except Exception as exc:  # noqa: BLE001
        raise _import_error(exc, filename) from None


def mapping_table(prepared) -> pd.DataFrame:
    """One row per column heading: the suggested field, how sure, and why."""
    rows = []
    for c in prepared.mapping.columns:
        rows.append({"Column": c.heading, "Field": c.field or "",
                     "Means": CANONICAL_FIELDS.get(c.field, ("", ""))[1] if c.field else "(not used)",
                     "Confidence": round(float(c.confidence), 2), "Why": c.source + (f": {c.note}" if c.note else "")})
    return pd.DataFrame(rows, columns=["Column", "Field", "Means", "Confidence", "Why"])


def field_choices() -> dict[str, str]:
    return {"": "(not used)", **{k: v[1] for k, v in CANONICAL_FIELDS.items()}}


def mapping_from_table(table: pd.DataFrame) -> dict[str, str | None]:
    """The user's edited mapping: heading -> field (None for a column they chose not to use)."""
    out: dict[str, str | None] = {}
    for _, r in table.iterrows():
        f = r.get("Field")
        out[str(r["Column"])] = None if f is None or (isinstance(f, float) and math.isnan(f)) or f == "" else str(f)
    return out


def issues_table(prepared) -> pd.DataFrame:
    rows = [{"Severity": i.severity, "Sheet": i.sheet or "", "Row": i.row, "Column": i.column or "",
             "Message": i.message} for i in prepared.report.sorted()]
    df = pd.DataFrame(rows, columns=["Severity", "Sheet", "Row", "Column", "Message"])
    df["Row"] = df["Row"].astype("Int64")
    return df


def preview_table(prepared, limit: int = 200) -> pd.DataFrame:
    """The first records as read (identifiers left out), for a quick look before saving."""
    from audit_app.ingest.build import jsonable  # see the module docstring

    hidden = {"hospital_number", "nhs_number", "patient_name", "date_of_birth", "letter_text", "extra",
              "source_sheet", "days_supplied_raw"}
    rows = []
    for rec, ex in list(zip(prepared.records, prepared.extractions))[:limit]:
        d = {k: jsonable(v) for k, v in rec.to_dict().items() if k not in hidden}
        d["opioids found in the letter"] = ("; ".join(opioid_summary(o) for o in ex.get("opioids") or [])
                                            if ex else "")
        rows.append(d)
    return pd.DataFrame(rows)


def save_import(store: Store, access: Access, trust_id: int, prepared, *, label: str, period_start: Any = None,
                period_end: Any = None, standards_version: int | None = None, into_round_id: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Score and save the prepared import as a round (one transaction; nothing saved on failure).

    `into_round_id`: an existing EMPTY round (created on the Trusts page) to fill; its label,
    period and standards version are used.
    """
    from audit_app import rounds  # see the module docstring

    scope = TrustScope.check(store, access, trust_id)
    empty = None
    if into_round_id is not None:
        empty = scope.round(into_round_id)
        if empty.n_letters:
            raise ServiceError(f"round {empty.label!r} already has letters; import into a new round")
        label = empty.label
        period_start = period_start or empty.period_start
        period_end = period_end or empty.period_end
        standards_version = empty.standards_version or standards_version
    if not (label or "").strip():
        raise ServiceError("give the round a label")
    check_period(period_start, period_end)
    _, config = trust_config(scope, standards_version)
    if empty is not None:
        store.delete_round(empty.id, user=scope.user, reason="filled by an import")  # re-created below, with its letters, under the same label
    try:
        return rounds.accept_import(store, prepared, trust_id=trust_id, label=label, period_start=period_start,
                                    period_end=period_end, standards_config=config, progress=progress)
    except Exception as exc:  # noqa: BLE001
        if empty is not None:
            store.save_round(trust_id, empty.label, [], period_start=empty.period_start,
                             period_end=empty.period_end, standards_version=empty.standards_version)
        raise _import_error(exc, prepared.filename) from None


