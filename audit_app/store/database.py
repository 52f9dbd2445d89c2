"""The audit store: trusts, audit rounds, letters, results, corrections, PDSA cycles.

SQLite (WAL, busy timeout, foreign keys on) by default, any SQLAlchemy URL via `--db` or
$OPIOID_AUDIT_DB (PostgreSQL for shared deployments). The schema is managed by Alembic and
brought to head when a Store opens. Every write that belongs together is one transaction.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from contextlib import contextmanager
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import orjson
from sqlalchemy import Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from audit_app import privacy
from audit_app.records import stored_extraction
from audit_app.store.gcpause import gc_paused
from audit_app.store.networks import NetworkRepository
from audit_app.store.models import (
    AuditRound,
    ColumnMapping,
    Correction,
    DeletedRound,
    ExtractionResult,
    ImportIssue,
    Letter,
    PdsaCycleRow,
    StandardResultRow,
    StandardsVersion,
    Trust,
    UserAccess,
)

DB_ENV = "OPIOID_AUDIT_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
IDENTIFIER_FIELDS = ("hospital_number", "nhs_number", "patient_name", "date_of_birth")


_TRUST_EXISTS = "a trust with this name or code already exists; choose another name"


class StoreError(Exception):
    """A store operation the user asked for cannot be done (unknown id, duplicate name...)."""


class ConcurrentEditError(StoreError):
    """Someone else changed the letter since it was read; nothing was overwritten."""


def default_url() -> str:
    env = os.environ.get(DB_ENV)
    if env:
        return env
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "opioid-audit"  # empty = unset
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{base / 'audit.db'}"


@dataclass(frozen=True)
class TrustInfo:
    id: int
    name: str
    code: str | None
    keep_identifiers: bool = False


@dataclass(frozen=True)
class RoundInfo:
    id: int
    trust_id: int
    label: str
    period_start: dt.date | None
    period_end: dt.date | None
    standards_version: int | None
    created_at: dt.datetime
    n_letters: int
    source_file: str | None = None
    mapping: dict | None = None
    note: str | None = None
    discharges: int | None = None  # discharges in the period (denominator of 'per 100 discharges')


@dataclass(frozen=True)
class LetterRow:
    id: int
    round_id: int
    letter_key: str
    source_row: int | None
    record: dict
    text: str | None
    extraction: dict | None
    standard_results: list[dict]
    comparisons: list[dict]
    version: int


BUSY_TIMEOUT_MS = 30000
# Execution option naming how a SQLite transaction begins: "IMMEDIATE" for every write
# transaction (takes the write lock up front, so two writers queue on the busy timeout instead
# of one failing with 'database is locked' when it tries to upgrade a read lock).
SQLITE_BEGIN = "sqlite_begin"


def _set_wal(cur) -> None:
    """PRAGMA journal_mode=WAL, retried: on a new file another process may hold the lock that the
    switch needs, and SQLite then answers 'database is locked' at once, without waiting on the
    busy timeout (seen with two processes opening a new database at the same moment)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # pysqlite must not issue its own BEGIN (it would defer it and skip DDL); we emit BEGIN in
    # the engine's "begin" event instead (SQLAlchemy's documented recipe for pysqlite).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: the next pragmas may wait on a lock
    _set_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, so a deleted round's text is not left in free pages.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **_JSON_CODEC)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **_JSON_CODEC)


def _json_dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson refuses (an int over 64 bits): the standard library's answer
        return json.dumps(value)


def _json_loads(text: str | bytes | memoryview) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN/Infinity written by json.dumps in older versions
        return json.loads(bytes(text) if isinstance(text, (bytes, bytearray, memoryview)) else text)


# JSON columns (records, extractions, ~17 results per letter) through orjson: a round's letters
# load and save several times faster than with the json module, same values.
_JSON_CODEC = {"json_serializer": _json_dumps, "json_deserializer": _json_loads}


def _write_engine(engine: Engine) -> Engine:
    """The same engine, but its SQLite transactions begin IMMEDIATE (a no-op elsewhere)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    return engine


@contextmanager
def _migration_connection(engine: Engine):
    """One connection, one transaction, one migrator at a time.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE holds the write lock
    for the whole migration (a second process starting at the same time waits on the busy
    timeout, then finds the schema already at head), and foreign keys are switched off while
    Alembic's batch mode copies a table -- with them on, dropping the old copy of a table would
    cascade-delete every row that references it. The foreign keys are checked before commit."""
    with _write_engine(engine).connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # must run outside a transaction to take effect
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(804212)"))
                yield conn
                if sqlite:
                    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise StoreError(f"migration left {len(bad)} rows with broken references; rolled back")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _alembic_config(conn):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url",
                        conn.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["connection"] = conn
    return cfg


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (serialised across processes, all or nothing)."""
    from alembic import command

    with _migration_connection(engine) as conn:
        command.upgrade(_alembic_config(conn), revision)


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None for an empty database)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def downgrade_schema(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (rolling back an upgrade; data in dropped columns is lost)."""
    from alembic import command

    with _migration_connection(engine) as conn:
        command.downgrade(_alembic_config(conn), revision)


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class Store(NetworkRepository):
    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or default_url()
        self.engine = make_engine(self.url)
        if migrate:
            upgrade_schema(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._write_session = sessionmaker(_write_engine(self.engine), expire_on_commit=False)
        self.purge_pending = False
        marker = self._purge_marker()
        if marker is not None and marker.exists():  # a deletion's text is still in the log: purge now
            self.purge_deleted_text(attempts=1)

    # -- plumbing ------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._session()

    def write_session(self) -> Session:
        """A session whose transactions take the write lock at BEGIN on SQLite (use with s.begin())."""
        return self._write_session()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def compact(self) -> None:
        """Physically drop deleted data: SQLite checkpoints and truncates the WAL file and VACUUMs;
        PostgreSQL VACUUMs the tables that hold letter text (needs table ownership)."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("VACUUM")
            self.purge_deleted_text()
        elif self.dialect == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("letter", "extraction_result", "standard_result", "correction", "import_issue"):
                    conn.exec_driver_sql(f"VACUUM {table}")

    # -- trusts --------------------------------------------------------------------------
    @staticmethod
    def _trust_info(t: Trust) -> TrustInfo:
        return TrustInfo(t.id, t.name, t.code, bool(t.keep_identifiers))

    def create_trust(self, name: str, code: str | None = None, *, keep_identifiers: bool = False) -> TrustInfo:
        name = (name or "").strip()
        if not name:
            raise StoreError("a trust needs a name")
        try:
            with self.write_session() as s, s.begin():
                return self._trust_info(self._add_trust(s, name, code, keep_identifiers))
        except IntegrityError:  # created by someone else between our check and our insert
            raise StoreError(_TRUST_EXISTS) from None

    @staticmethod
    def _add_trust(s: Session, name: str, code: str | None = None, keep_identifiers: bool = False) -> Trust:
        """A new trust in session `s`. The refusal never names the other trust: the user may not
        be allowed to see it (a clash on the code would otherwise reveal its name)."""
        if s.scalar(select(Trust.id).where((Trust.name == name) | ((Trust.code == code) if code else False))):
            raise StoreError(_TRUST_EXISTS)
        t = Trust(name=name, code=code or None, keep_identifiers=keep_identifiers)
        s.add(t)
        s.flush()
        return t

    def list_trusts(self, ids: Iterable[int] | None = None) -> list[TrustInfo]:
        with self.session() as s:
            q = select(Trust).order_by(Trust.name)
            if ids is not None:
                q = q.where(Trust.id.in_(list(ids)))
            return [self._trust_info(t) for t in s.scalars(q)]

    def get_trust(self, trust_id: int) -> TrustInfo:
        with self.session() as s:
            t = s.get(Trust, trust_id)
            if t is None:
                raise StoreError(f"no trust with id {trust_id}")
            return self._trust_info(t)

    def find_trust(self, name_or_code: str) -> TrustInfo | None:
        key = (name_or_code or "").strip()
        with self.session() as s:
            t = s.scalar(select(Trust).where((Trust.name == key) | (Trust.code == key)))
            if t is None:
                t = s.scalar(select(Trust).where(func.lower(Trust.name) == key.lower()))
            return self._trust_info(t) if t else None

    def rename_trust(self, trust_id: int, new_name: str) -> None:
        with self.write_session() as s, s.begin():
            t = s.get(Trust, trust_id)
            if t is None:
                raise StoreError(f"no trust with id {trust_id}")
            t.name = new_name.strip()

    def delete_trust(self, trust_id: int) -> None:
        with self.write_session() as s, s.begin():
            t = s.get(Trust, trust_id)
            if t is not None:
                s.delete(t)

    # -- rounds --------------------------------------------------------------------------
    @staticmethod
    def _round_info(r: AuditRound, n_letters: int) -> RoundInfo:
        return RoundInfo(r.id, r.trust_id, r.label, r.period_start, r.period_end, r.standards_version,
                         r.created_at, n_letters, r.source_file, r.mapping, r.note, r.discharges)

    @staticmethod
    def _protect_value(field: str, value: Any) -> Any:
        """An identifier value as stored: keyed hash for numbers, nothing for names and DOBs."""
        if value in (None, ""):
            return value
        if field in ("hospital_number", "nhs_number"):
            s = str(value)
            return s if s.startswith("k:") else privacy.keyed_hash(s, field)
        return None

    def _protect_identifiers(self, trust: Trust, record: dict, columns: dict[str, str] | None = None,
                             names: frozenset[str] = frozenset()) -> dict:
        """Replace identifiers with keyed hashes unless the trust chose to keep them.

        Identifier fields are hashed (numbers) or dropped (names, dates of birth, phone numbers);
        unmapped columns in `extra` are judged by heading and content over the whole sheet
        (`columns`) and treated the same way; every other text value is masked with
        privacy.mask_text, with the patient's own name words (`names`). The sheet name is masked
        whatever the trust keeps: it is not a field of the letter."""
        rec = dict(record)
        if rec.get("source_sheet"):
            rec["source_sheet"] = privacy.mask_file_name(str(rec["source_sheet"]))
        if trust.keep_identifiers:
            return rec
        for k, v in list(rec.items()):
            if k in IDENTIFIER_FIELDS:
                rec[k] = self._protect_value(k, v)
            elif k == "extra" and isinstance(v, dict):
                rec[k] = privacy.mask_extra(v, replace=self._protect_value, columns=columns, names=names)
            elif k == "letter_id":
                if isinstance(v, (str, int)) and privacy.mask_letter_id(v) != v:
                    rec[k] = privacy.keyed_hash(str(v), "letter_id")  # an ID column that is an identifier
            elif k != "source_sheet":
                rec[k] = privacy.mask_deep(v, names=names)
        return rec

    def save_round(
        self,
        trust_id: int,
        label: str,
        letters: list[dict],
        *,
        period_start: Any = None,
        period_end: Any = None,
        standards_version: int | None = None,
        source_file: str | None = None,
        mapping: dict | None = None,
        import_issues: list[dict] | None = None,
        extractor_version: str | None = None,
        sheet_identifiers: tuple[dict[str, str], frozenset[str]] | None = None,
        new_trust: dict | None = None,
        into_round_id: int | None = None,
    ) -> int:
        """Save a whole round in one transaction: all letters or none.

        Each letter: {"record": AuditRecord.to_dict(), "text", "extraction" (an nlp.LetterExtraction, saved
        as records.stored_extraction writes it, or that dict), "standard_results", "comparisons"}.
        `letters` may be any iterable (a generator scoring letters one by one keeps memory flat);
        then pass `sheet_identifiers=privacy.sheet_identifiers(records)` so that unmapped columns
        are judged over the whole sheet before the first letter is saved.
        With `trust_id=None` and `new_trust={"name", "code"?, "standards_config"?}` the trust (and
        its first standards version) is created in the same transaction: no trust without its round.
        `into_round_id`: fill that EMPTY round of the trust instead of creating one (it keeps its id,
        label and creation date; its period is kept where none is given).
        """
        # Labels, file and sheet names are typed by people and end up in every chart, slide and
        # log: identifiers in them are masked whatever the trust keeps.
        label = privacy.mask_text((label or "").strip())
        if not label:
            raise StoreError("a round needs a label")
        source_file = privacy.mask_file_name(source_file)
        try:
            return self._save_round(trust_id, label, letters, period_start=period_start, period_end=period_end,
                                    standards_version=standards_version, source_file=source_file,
                                    mapping=mapping, import_issues=import_issues,
                                    extractor_version=extractor_version, sheet_identifiers=sheet_identifiers,
                                    new_trust=new_trust, into_round_id=into_round_id)
        except IntegrityError as exc:
            if trust_id is None:  # the new trust's name was taken meanwhile
                raise StoreError(_TRUST_EXISTS + "; nothing was saved") from None
            # Another user saved a round with this label between our check and our insert.
            if self.find_round(trust_id, label) is not None:
                raise StoreError(f"this trust already has a round labelled {label!r} "
                                 "(saved by someone else just now); nothing was saved") from None
            raise StoreError(f"the round {label!r} could not be saved; nothing was saved "
                             f"({type(exc.orig).__name__})") from exc

    def _save_round(self, trust_id, label, letters, *, period_start, period_end, standards_version, source_file,
                    mapping, import_issues, extractor_version, sheet_identifiers, new_trust, into_round_id) -> int:
        with self.write_session() as s, s.begin():
            if trust_id is None:
                if not new_trust or not str(new_trust.get("name") or "").strip():
                    raise StoreError("a round needs a trust")
                created = self._add_trust(s, str(new_trust["name"]).strip(), new_trust.get("code"))
                trust_id = created.id
                if new_trust.get("standards_config") is not None:
                    s.add(StandardsVersion(trust_id=trust_id, version=1,
                                           config={**new_trust["standards_config"], "version": 1}, created_by="defaults"))
                    standards_version = 1
            trust = s.get(Trust, trust_id)
            if trust is None:
                raise StoreError(f"no trust with id {trust_id}")
            if into_round_id is not None:
                rnd = self._empty_round_to_fill(s, trust, into_round_id)
                rnd.period_start = _as_date(period_start) or rnd.period_start
                rnd.period_end = _as_date(period_end) or rnd.period_end
                rnd.standards_version, rnd.source_file, rnd.mapping = standards_version, source_file, mapping
            else:
                if s.scalar(select(AuditRound.id).where(AuditRound.trust_id == trust_id, AuditRound.label == label)):
                    raise StoreError(f"trust {trust.name!r} already has a round labelled {label!r}")
                rnd = AuditRound(trust_id=trust_id, label=label, period_start=_as_date(period_start),
                                 period_end=_as_date(period_end), standards_version=standards_version,
                                 source_file=source_file, mapping=mapping)
                s.add(rnd)
            s.flush()
            if sheet_identifiers is None:  # judged here when the caller did not scan the sheet first
                letters = list(letters)
                sheet_identifiers = privacy.sheet_identifiers([item.get("record") or {} for item in letters])
            columns, names = sheet_identifiers
            if trust.keep_identifiers:
                names = frozenset()
            # Core bulk inserts, a batch of letters at a time (memory stays flat however long the
            # round), all in this one transaction.
            conn = s.connection()
            last_id = 0
            for batch in _batches(letters, SAVE_BATCH):
                prepared = [self._letter_values(trust, rnd, item, columns, names) for item in batch]
                conn.execute(insert(Letter.__table__), [p["letter"] for p in prepared])
                # The round is new (or was empty and is locked) and ours alone: ids follow insertion order.
                ids = conn.execute(select(Letter.id).where(Letter.round_id == rnd.id, Letter.id > last_id)
                                   .order_by(Letter.id)).scalars().all()
                last_id = ids[-1]
                extractions, results = [], []
                for letter_id, p in zip(ids, prepared):
                    if p["extraction"] is not None:
                        extractions.append({"letter_id": letter_id, "extractor_version": extractor_version,
                                            "result": p["extraction"]})
                    results.extend(self._result_values(letter_id, r, standards_version) for r in p["results"])
                if extractions:
                    conn.execute(insert(ExtractionResult.__table__), extractions)
                if results:
                    conn.execute(insert(StandardResultRow.__table__), results)
            issues = []
            for issue in import_issues or ():
                message = str(issue.get("message", ""))
                if not trust.keep_identifiers:
                    message = privacy.mask_text(message)
                sheet = issue.get("sheet")
                issues.append(dict(round_id=rnd.id, severity=str(issue.get("severity", "info")),
                                   sheet=privacy.mask_file_name(str(sheet)) if sheet else sheet, row=issue.get("row"),
                                   column=None if issue.get("column") is None else str(issue.get("column")),
                                   message=message))
            if issues:
                s.connection().execute(insert(ImportIssue.__table__), issues)
            return rnd.id

    @staticmethod
    def _empty_round_to_fill(s, trust: Trust, round_id: int) -> AuditRound:
        rnd = s.get(AuditRound, round_id, with_for_update=True)  # a second filler waits, then finds letters
        if rnd is None or rnd.trust_id != trust.id:
            raise StoreError(f"trust {trust.name!r} has no round with id {round_id}")
        if s.scalar(select(Letter.id).where(Letter.round_id == rnd.id).limit(1)) is not None:
            raise StoreError(f"round {rnd.label!r} already has letters; import into a new round")
        return rnd

    def _letter_values(self, trust: Trust, rnd: AuditRound, item: dict, columns: dict[str, str] | None = None,
                       sheet_names: frozenset[str] = frozenset()) -> dict:
        """Column values of one new letter (identifiers protected), its extraction and results."""
        raw = item.get("record") or {}
        text = item.get("text") or raw.get("letter_text")
        masked_text = None
        if trust.keep_identifiers:
            names = frozenset()
        elif isinstance(text, str) and text is item.get("text"):  # one scan: the name words and the masked text
            masked_text, names = privacy.mask_letter(text, sheet_names)
        else:
            names = sheet_names | privacy.name_tokens(text) if isinstance(text, str) else sheet_names
        # The text lives in Letter.text (masked once below), not twice.
        record = self._protect_identifiers(trust, {**raw, "letter_text": None} if raw.get("letter_text") else raw,
                                           columns, names)
        patient = raw.get("nhs_number") or raw.get("hospital_number")
        key = (privacy.keyed_hash(str(patient), "patient") if patient
               else privacy.keyed_hash(f"{trust.id}:{rnd.label}:{raw.get('letter_id')}", "letter"))
        txt = item.get("text")
        extraction = stored_extraction(item.get("extraction"))  # an nlp.LetterExtraction from an import
        comparisons = item.get("comparisons") or []
        results = list(item.get("standard_results") or ())
        if not trust.keep_identifiers:
            # Masking is character for character, so evidence offsets into the text stay valid.
            letter = None
            if isinstance(txt, str):
                masked = masked_text if masked_text is not None else privacy.mask_text(txt, names)
                letter, txt = (txt, masked), masked
            extraction = privacy.mask_deep(extraction, letter)
            comparisons = privacy.mask_deep(comparisons, letter)
            results = [privacy.mask_deep(r, letter) for r in results]
        now = dt.datetime.now(dt.timezone.utc)
        letter = dict(round_id=rnd.id, letter_key=key, source_row=raw.get("source_row"), record=record, text=txt,
                      comparisons=comparisons, version=1, updated_at=now)
        return {"letter": letter, "extraction": extraction, "results": results}

    @staticmethod
    def _result_columns(r: dict, standards_version: int | None) -> dict:
        """The standard_result columns of one StandardResult.to_dict() (letter_id aside)."""
        return dict(standard_id=str(r["standard_id"]), item_index=r.get("item_index"), outcome=str(r["outcome"]),
                    exclusion_code=r.get("exclusion_code"), standards_version=standards_version, result=r)

    @classmethod
    def _result_values(cls, letter_id: int, r: dict, standards_version: int | None) -> dict:
        return {"letter_id": letter_id, **cls._result_columns(r, standards_version)}

    @classmethod
    def _result_row(cls, r: dict, standards_version: int | None) -> StandardResultRow:
        return StandardResultRow(**cls._result_columns(r, standards_version))

    def list_rounds(self, trust_id: int) -> list[RoundInfo]:
        with self.session() as s:
            counts = dict(s.execute(select(Letter.round_id, func.count(Letter.id)).join(AuditRound)
                                    .where(AuditRound.trust_id == trust_id).group_by(Letter.round_id)).all())
            rounds = list(s.scalars(select(AuditRound).where(AuditRound.trust_id == trust_id)
                                    .order_by(AuditRound.id)))
            return [self._round_info(r, counts.get(r.id, 0)) for r in _in_time_order(rounds)]

    def get_round(self, round_id: int) -> RoundInfo:
        with self.session() as s:
            r = s.get(AuditRound, round_id)
            if r is None:
                raise StoreError(f"no audit round with id {round_id}")
            n = s.scalar(select(func.count(Letter.id)).where(Letter.round_id == round_id)) or 0
            return self._round_info(r, n)

    def find_round(self, trust_id: int, label: str) -> RoundInfo | None:
        with self.session() as s:
            wanted = {label.strip(), privacy.mask_text(label.strip())}  # labels are stored masked
            r = s.scalar(select(AuditRound).where(AuditRound.trust_id == trust_id, AuditRound.label.in_(wanted)))
            if r is None:
                return None
        return self.get_round(r.id)

    def update_round(self, round_id: int, *, label: str | None = None, period_start: Any = None,
                     period_end: Any = None, note: str | None = None, discharges: Any = None) -> None:
        """Change a round's label, period, note or number of discharges (0 or '' clears it)."""
        if discharges is not None and discharges != "":
            try:
                n = float(discharges)
            except (TypeError, ValueError):
                raise StoreError(f"number of discharges must be a whole number, got {discharges!r}") from None
            if n < 0 or not n.is_integer():
                raise StoreError(f"number of discharges must be a whole number of 0 or more, got {discharges!r}")
        with self.write_session() as s, s.begin():
            r = s.get(AuditRound, round_id)
            if r is None:
                raise StoreError(f"no audit round with id {round_id}")
            label = privacy.mask_text(label.strip()) if label is not None else None
            if label and label != r.label:
                if s.scalar(select(AuditRound.id).where(AuditRound.trust_id == r.trust_id,
                                                        AuditRound.label == label)):
                    raise StoreError(f"this trust already has a round labelled {label!r}")
                r.label = label
            if period_start is not None:
                r.period_start = _as_date(period_start)
            if period_end is not None:
                r.period_end = _as_date(period_end)
            if note is not None:
                r.note = privacy.mask_text(note.strip()) or None
            if discharges is not None:
                r.discharges = int(float(discharges)) or None if discharges != "" else None

    def delete_round(self, round_id: int, *, user: str | None = None, reason: str | None = None) -> bool:
        """Delete a round and everything hanging off it (letters, text, extractions, results,
        corrections, import issues) in one transaction, and log who deleted which label when.

        On SQLite the freed pages are zeroed (secure_delete) and the WAL is checkpointed, so the
        letter text is gone from the database files too. Returns False if there was no such round."""
        with self.write_session() as s, s.begin():
            r = s.get(AuditRound, round_id)
            if r is None:
                return False
            n = s.scalar(select(func.count(Letter.id)).where(Letter.round_id == round_id)) or 0
            s.add(DeletedRound(trust_id=r.trust_id, round_id=r.id, round_label=r.label, n_letters=n,
                               deleted_by=user, reason=privacy.mask_text(reason) if reason else None))
            # Explicit deletes (children first): no reliance on ON DELETE CASCADE being enabled.
            letter_ids = select(Letter.id).where(Letter.round_id == round_id).scalar_subquery()
            for model in (Correction, StandardResultRow, ExtractionResult):
                s.execute(model.__table__.delete().where(model.__table__.c.letter_id.in_(letter_ids)))
            s.execute(Letter.__table__.delete().where(Letter.__table__.c.round_id == round_id))
            s.execute(ImportIssue.__table__.delete().where(ImportIssue.__table__.c.round_id == round_id))
            s.execute(AuditRound.__table__.delete().where(AuditRound.__table__.c.id == round_id))
        self.purge_deleted_text()
        return True

    # How long delete_round waits for readers to let go of their snapshot before giving up and
    # leaving the purge to the next open (the deletion itself is committed either way).
    PURGE_ATTEMPTS = 5
    PURGE_WAIT_S = 0.2

    def _purge_marker(self) -> Path | None:
        database = make_url(self.url).database if self.dialect == "sqlite" else None
        if not database or database == ":memory:":
            return None
        return Path(database).with_name(Path(database).name + "-purge-pending")

    def purge_deleted_text(self, attempts: int | None = None) -> bool:
        """SQLite: checkpoint and truncate the write-ahead log, so that deleted letter text (the
        zeroed pages) leaves the database files. A connection holding an older read snapshot
        keeps the old pages in the log; then this retries, and if the log still cannot be
        truncated returns False, sets `purge_pending` and leaves a marker so that the next
        Store opened on this file finishes the purge. True when nothing is left to purge
        (always on PostgreSQL, where VACUUM is `compact`'s job)."""
        self.purge_pending = False
        marker = self._purge_marker()
        if marker is None:
            return True
        for attempt in range(attempts or self.PURGE_ATTEMPTS):
            if attempt:
                time.sleep(self.PURGE_WAIT_S)
            raw = self.engine.raw_connection()
            try:
                # a short wait per attempt: the usual 30 s busy timeout would hold the user for minutes
                raw.execute(f"PRAGMA busy_timeout={int(self.PURGE_WAIT_S * 1000)}")
                busy, log_frames, _checkpointed = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                raw.close()
            if busy == 0 and log_frames <= 0:  # TRUNCATE leaves an empty log on success
                marker.unlink(missing_ok=True)
                return True
        marker.touch()
        self.purge_pending = True
        return False

    def deleted_rounds(self, trust_id: int) -> list[dict]:
        """The deletion log of a trust: who deleted which round label, when and why."""
        with self.session() as s:
            rows = s.scalars(select(DeletedRound).where(DeletedRound.trust_id == trust_id)
                             .order_by(DeletedRound.deleted_at, DeletedRound.id))
            return [dict(round_id=d.round_id, round_label=d.round_label, n_letters=d.n_letters,
                         deleted_by=d.deleted_by, reason=d.reason, deleted_at=d.deleted_at) for d in rows]

    # -- letters -------------------------------------------------------------------------
    @staticmethod
    def _letter_row(l: Letter) -> LetterRow:
        results = sorted(l.standard_results, key=lambda r: r.id)
        return LetterRow(l.id, l.round_id, l.letter_key, l.source_row, l.record or {}, l.text,
                         l.extraction.result if l.extraction else None, [r.result for r in results],
                         l.comparisons or [], l.version)

    def letters(self, round_id: int) -> list[LetterRow]:
        """Every letter of a round with its extraction and results, in id order.

        Three plain SELECTs in one read transaction (not ORM objects): the pages that chart or
        summarise a round read all of it, and ~17 ORM objects per letter cost more than the query."""
        lt, ex, sr = Letter.__table__, ExtractionResult.__table__, StandardResultRow.__table__
        in_round = select(lt.c.id).where(lt.c.round_id == round_id)
        with gc_paused(), self.session() as s, s.begin():
            conn = s.connection()
            letters = conn.execute(
                select(lt.c.id, lt.c.round_id, lt.c.letter_key, lt.c.source_row, lt.c.record, lt.c.text,
                       lt.c.comparisons, lt.c.version).where(lt.c.round_id == round_id).order_by(lt.c.id)).all()
            extractions = dict(conn.execute(select(ex.c.letter_id, ex.c.result)
                                            .where(ex.c.letter_id.in_(in_round))).all())
            results: dict[int, list[dict]] = {}
            for letter_id, result in conn.execute(select(sr.c.letter_id, sr.c.result)
                                                  .where(sr.c.letter_id.in_(in_round))
                                                  .order_by(sr.c.letter_id, sr.c.id)):
                results.setdefault(letter_id, []).append(result)
            return [LetterRow(r.id, r.round_id, r.letter_key, r.source_row, r.record or {}, r.text,
                              extractions.get(r.id), results.get(r.id, []), r.comparisons or [], r.version)
                    for r in letters]

    def extractor_versions(self, round_id: int) -> dict[str | None, int]:
        """How many of the round's extracted letters each extractor version read (nlp.version)."""
        lt, ex = Letter.__table__, ExtractionResult.__table__
        with self.session() as s:
            rows = s.execute(select(ex.c.extractor_version, func.count()).join(lt, lt.c.id == ex.c.letter_id)
                             .where(lt.c.round_id == round_id).group_by(ex.c.extractor_version)).all()
        return {version: int(n) for version, n in rows}

    def get_letter(self, letter_id: int) -> LetterRow:
        with self.session() as s:
            l = s.get(Letter, letter_id)
            if l is None:
                raise StoreError(f"no letter with id {letter_id}")
            return self._letter_row(l)

    def trust_of_round(self, round_id: int) -> int:
        with self.session() as s:
            tid = s.scalar(select(AuditRound.trust_id).where(AuditRound.id == round_id))
            if tid is None:
                raise StoreError(f"no audit round with id {round_id}")
            return tid

    def trust_of_letter(self, letter_id: int) -> int:
        with self.session() as s:
            tid = s.scalar(select(AuditRound.trust_id).join(Letter).where(Letter.id == letter_id))
            if tid is None:
                raise StoreError(f"no letter with id {letter_id}")
            return tid

    def replace_standard_results(self, round_id: int, results: dict[int, list[dict]],
                                 standards_version: int | None) -> None:
        """Rescore a round: swap every letter's results in one transaction."""
        with self.write_session() as s, s.begin():
            r = s.get(AuditRound, round_id)
            if r is None:
                raise StoreError(f"no audit round with id {round_id}")
            for letter in s.scalars(select(Letter).where(Letter.round_id == round_id)
                                    .options(selectinload(Letter.standard_results))):
                if letter.id in results:
                    letter.standard_results = [self._result_row(x, standards_version) for x in results[letter.id]]
            r.standards_version = standards_version

    def correct_letter(self, letter_id: int, field: str, new_value: Any, *, reason: str, user: str,
                       expected_version: int, standard_results: list[dict] | None = None,
                       standards_version: int | None = None) -> int:
        """Change one field of a letter, keep the change in the audit trail, return the new version.

        `field` is a path: 'record.weaning_plan' or 'extraction.opioids.0.supply_days'. The update
        names the version the user saw; if someone changed the letter since, ConcurrentEditError.
        """
        if not (reason or "").strip():
            raise StoreError("a correction needs a reason")
        with self.write_session() as s, s.begin():
            letter = s.get(Letter, letter_id, options=[selectinload(Letter.extraction)])
            if letter is None:
                raise StoreError(f"no letter with id {letter_id}")
            keep = s.scalar(select(Trust.keep_identifiers).join(AuditRound).where(AuditRound.id == letter.round_id))
            if not keep:
                reason = privacy.mask_text(reason)
                leaf = field.rsplit(".", 1)[-1]
                if field.startswith("record.") and leaf in IDENTIFIER_FIELDS and field.count(".") == 1:
                    new_value = self._protect_value(leaf, new_value)
                else:
                    new_value = privacy.mask_deep(new_value)
                if standard_results is not None:
                    standard_results = [privacy.mask_deep(r) for r in standard_results]
            if letter.version != expected_version:
                raise ConcurrentEditError(
                    f"letter {letter_id} was changed by someone else (version {letter.version}, "
                    f"you saw {expected_version}); reload it and apply your correction again")
            root, _, path = field.partition(".")
            if root == "record":
                doc = copy.deepcopy(letter.record or {})
            elif root == "extraction":
                doc = copy.deepcopy(letter.extraction.result if letter.extraction else {})
            else:
                raise StoreError(f"cannot correct {field!r}: fields start with 'record.' or 'extraction.'")
            old = set_path(doc, path, new_value)
            # The version check is in the UPDATE itself, so two writers cannot both pass it.
            res = s.execute(update(Letter).where(Letter.id == letter_id, Letter.version == expected_version)
                            .values(version=expected_version + 1, updated_at=dt.datetime.now(dt.timezone.utc),
                                    **({"record": doc} if root == "record" else {})))
            if res.rowcount != 1:
                raise ConcurrentEditError(f"letter {letter_id} was changed by someone else; reload it")
            if root == "extraction":
                if letter.extraction is None:
                    s.add(ExtractionResult(letter_id=letter_id, result=doc))
                else:
                    s.execute(update(ExtractionResult).where(ExtractionResult.letter_id == letter_id)
                              .values(result=doc))
            s.add(Correction(letter_id=letter_id, field=field, old_value=old, new_value=new_value,
                             reason=reason.strip(), user=user or "unknown", version=expected_version + 1))
            if standard_results is not None:
                s.execute(StandardResultRow.__table__.delete().where(StandardResultRow.letter_id == letter_id))
                for r in standard_results:
                    row = self._result_row(r, standards_version)
                    row.letter_id = letter_id
                    s.add(row)
            return expected_version + 1

    def corrections(self, *, letter_id: int | None = None, round_id: int | None = None) -> list[dict]:
        with self.session() as s:
            q = select(Correction).order_by(Correction.created_at, Correction.id)
            if letter_id is not None:
                q = q.where(Correction.letter_id == letter_id)
            if round_id is not None:
                q = q.join(Letter).where(Letter.round_id == round_id)
            return [dict(id=c.id, letter_id=c.letter_id, field=c.field, old_value=c.old_value,
                         new_value=c.new_value, reason=c.reason, user=c.user, created_at=c.created_at,
                         version=c.version)
                    for c in s.scalars(q)]

    def import_issues(self, round_id: int) -> list[dict]:
        with self.session() as s:
            return [dict(severity=i.severity, sheet=i.sheet, row=i.row, column=i.column, message=i.message)
                    for i in s.scalars(select(ImportIssue).where(ImportIssue.round_id == round_id)
                                       .order_by(ImportIssue.id))]

    # -- mappings, standards, PDSA ------------------------------------------------------
    def save_column_mapping(self, trust_id: int, mapping: dict) -> None:
        with self.write_session() as s, s.begin():
            s.add(ColumnMapping(trust_id=trust_id, mapping=dict(mapping)))

    def latest_column_mapping(self, trust_id: int) -> dict | None:
        with self.session() as s:
            m = s.scalar(select(ColumnMapping).where(ColumnMapping.trust_id == trust_id)
                         .order_by(ColumnMapping.id.desc()).limit(1))
            return dict(m.mapping) if m else None

    def save_standards_config(self, trust_id: int, config: dict, *, user: str | None = None) -> int:
        """Store a new version of the trust's standards configuration; returns its number."""
        with self.write_session() as s, s.begin():
            if s.get(Trust, trust_id) is None:
                raise StoreError(f"no trust with id {trust_id}")
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(804213, :t)"), {"t": trust_id})
            current = s.scalar(select(func.max(StandardsVersion.version))
                               .where(StandardsVersion.trust_id == trust_id)) or 0
            cfg = dict(config)
            cfg["version"] = current + 1
            s.add(StandardsVersion(trust_id=trust_id, version=current + 1, config=cfg, created_by=user))
            return current + 1

    def standards_config(self, trust_id: int, version: int | None = None) -> tuple[int, dict] | None:
        with self.session() as s:
            q = select(StandardsVersion).where(StandardsVersion.trust_id == trust_id)
            q = q.where(StandardsVersion.version == version) if version else q.order_by(StandardsVersion.version.desc())
            v = s.scalar(q.limit(1))
            return (v.version, dict(v.config)) if v else None

    def save_pdsa_cycle(self, trust_id: int, cycle: dict, *, cycle_id: int | None = None) -> int:
        """Insert (or, with cycle_id, replace) a PDSA cycle record."""
        data = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in cycle.items()}
        with self.write_session() as s, s.begin():
            row = s.get(PdsaCycleRow, cycle_id) if cycle_id else None
            if cycle_id and (row is None or row.trust_id != trust_id):
                raise StoreError(f"no PDSA cycle with id {cycle_id} for this trust")
            if row is None:
                row = PdsaCycleRow(trust_id=trust_id)
                s.add(row)
            row.cycle_no = data.get("cycle_no")
            row.change_idea = data.get("change_idea")
            row.date_start = _as_date(data.get("date_start"))
            row.date_end = _as_date(data.get("date_end"))
            row.data = data
            s.flush()
            return row.id

    def list_pdsa_cycles(self, trust_id: int) -> list[dict]:
        with self.session() as s:
            rows = s.scalars(select(PdsaCycleRow).where(PdsaCycleRow.trust_id == trust_id)
                             .order_by(PdsaCycleRow.date_start, PdsaCycleRow.id))
            return [{**r.data, "id": r.id} for r in rows]

    def get_pdsa_cycle(self, cycle_id: int) -> dict:
        """One PDSA cycle record, with its 'id' and 'trust_id'."""
        with self.session() as s:
            row = s.get(PdsaCycleRow, cycle_id)
            if row is None:
                raise StoreError(f"no PDSA cycle with id {cycle_id}")
            return {**row.data, "id": row.id, "trust_id": row.trust_id}

    def delete_pdsa_cycle(self, trust_id: int, cycle_id: int) -> None:
        with self.write_session() as s, s.begin():
            row = s.get(PdsaCycleRow, cycle_id)
            if row is not None and row.trust_id == trust_id:
                s.delete(row)

    # -- access (sign-in deployments) ----------------------------------------------------
    def grant_access(self, user_email: str, trust_id: int) -> None:
        email = user_email.strip().lower()
        with self.write_session() as s, s.begin():
            if not s.scalar(select(UserAccess.id).where(UserAccess.user_email == email,
                                                        UserAccess.trust_id == trust_id)):
                s.add(UserAccess(user_email=email, trust_id=trust_id))

    def revoke_access(self, user_email: str, trust_id: int) -> None:
        email = user_email.strip().lower()
        with self.write_session() as s, s.begin():
            s.execute(UserAccess.__table__.delete().where(UserAccess.__table__.c.user_email == email,
                                                          UserAccess.__table__.c.trust_id == trust_id))

    def users_of_trust(self, trust_id: int) -> list[str]:
        """E-mail addresses granted this trust, sorted."""
        with self.session() as s:
            return sorted(s.scalars(select(UserAccess.user_email).where(UserAccess.trust_id == trust_id)))

    def trusts_for_user(self, user_email: str) -> list[TrustInfo]:
        email = user_email.strip().lower()
        with self.session() as s:
            ids = list(s.scalars(select(UserAccess.trust_id).where(UserAccess.user_email == email)))
        return self.list_trusts(ids)


SAVE_BATCH = 2000  # letters per bulk insert when saving a round


def _batches(items: Iterable, size: int) -> Iterable[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def overlapping_periods(rounds: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Pairs (a, b) of rounds, in order of period start, where b starts on or before the day a
    ends (a re-audit that sampled discharges from the same months). Rounds (AuditRound or
    RoundInfo) without both dates are left out."""
    dated = sorted((r for r in rounds if r.period_start and r.period_end), key=lambda r: (r.period_start, r.id))
    return [(a, b) for a, b in zip(dated, dated[1:]) if b.period_start <= a.period_end]


def previous_round(rounds: list[Any], round_id: int) -> Any | None:
    """The round `round_id` is compared with: the latest round before it (in the order of
    list_rounds) that has letters; None when there is none. The Compliance page and the Excel
    report both use this, so they compare with the same round."""
    idx = next(i for i, r in enumerate(rounds) if r.id == round_id)
    return next((r for r in reversed(rounds[:idx]) if r.n_letters), None)


def _in_time_order(rounds: list[AuditRound]) -> list[AuditRound]:
    """Rounds in the time order of their periods; where periods are missing or overlap, in the
    order they were saved."""
    if any(not (r.period_start and r.period_end) for r in rounds) or overlapping_periods(rounds):
        return rounds
    return sorted(rounds, key=lambda r: (r.period_start, r.id))


def set_path(doc: Any, path: str, value: Any) -> Any:
    """Set doc[path] in place, where path is 'a.0.b' (dict keys and list indexes); return the old value."""
    parts = [p for p in path.split(".") if p]
    if not parts:
        raise StoreError("no field named")
    cur = doc
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur.setdefault(p, {})
    last = parts[-1]
    if isinstance(cur, list):
        old = cur[int(last)]
        cur[int(last)] = value
    else:
        old = cur.get(last)
        cur[last] = value
    return old
