"""SQLAlchemy 2 models of the audit store.

Flexible parts (the auditor's fields, the extractor's output, standard results' evidence) are
JSON, so a new audit field or extractor attribute needs no migration; everything the app
filters or joins on is a real column.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Trust(Base):
    __tablename__ = "trust"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str | None] = mapped_column(String(50), unique=True)
    # When False (the default) identifiers are replaced by keyed hashes before they are stored.
    keep_identifiers: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    rounds: Mapped[list["AuditRound"]] = relationship(
        back_populates="trust", cascade="all, delete-orphan", passive_deletes=True
    )


class AuditRound(Base):
    __tablename__ = "audit_round"
    __table_args__ = (UniqueConstraint("trust_id", "label", name="uq_round_label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    standards_version: Mapped[int | None] = mapped_column(Integer)
    source_file: Mapped[str | None] = mapped_column(String(500))
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # A free-text note about the round (e.g. 'after FY1 teaching'); added in revision 0002.
    note: Mapped[str | None] = mapped_column(Text)
    # Number of discharges in the round's period (all discharges, not only the audited letters),
    # the denominator of 'per 100 discharges' measures; added in revision 0003.
    discharges: Mapped[int | None] = mapped_column(Integer)

    trust: Mapped[Trust] = relationship(back_populates="rounds")
    letters: Mapped[list["Letter"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True
    )


class Letter(Base):
    __tablename__ = "letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("audit_round.id", ondelete="CASCADE"), index=True)
    # Pseudonymous key: keyed hash of the patient identifier, links letters across rounds.
    letter_key: Mapped[str] = mapped_column(String(80), index=True)
    source_row: Mapped[int | None] = mapped_column(Integer)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    comparisons: Mapped[list[Any] | None] = mapped_column(JSON)
    # Optimistic concurrency: every change bumps it; an update naming a stale version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    round: Mapped[AuditRound] = relationship(back_populates="letters")
    extraction: Mapped["ExtractionResult | None"] = relationship(
        back_populates="letter", cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )
    standard_results: Mapped[list["StandardResultRow"]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", passive_deletes=True
    )
    corrections: Mapped[list["Correction"]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", passive_deletes=True
    )


class ExtractionResult(Base):
    __tablename__ = "extraction_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), unique=True)
    extractor_version: Mapped[str | None] = mapped_column(String(50))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)

    letter: Mapped[Letter] = relationship(back_populates="extraction")


class StandardResultRow(Base):
    __tablename__ = "standard_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[str] = mapped_column(String(20), index=True)
    item_index: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    exclusion_code: Mapped[str | None] = mapped_column(String(20))
    standards_version: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full StandardResult.to_dict()

    letter: Mapped[Letter] = relationship(back_populates="standard_results")


class Correction(Base):
    """Audit trail: every change a user makes to a letter's fields."""

    __tablename__ = "correction"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # The letter version this correction produced (revision 0002; NULL for older rows).
    version: Mapped[int | None] = mapped_column(Integer)

    letter: Mapped[Letter] = relationship(back_populates="corrections")


class ImportIssue(Base):
    __tablename__ = "import_issue"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("audit_round.id", ondelete="CASCADE"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    sheet: Mapped[str | None] = mapped_column(String(200))
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)


class ColumnMapping(Base):
    """A confirmed heading -> canonical-field mapping, remembered per trust."""

    __tablename__ = "column_mapping"
    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class StandardsVersion(Base):
    """A trust's standards configuration; every change is a new version, old ones are kept."""

    __tablename__ = "standards_version"
    __table_args__ = (UniqueConstraint("trust_id", "version", name="uq_standards_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class PdsaCycleRow(Base):
    __tablename__ = "pdsa_cycle"
    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)
    cycle_no: Mapped[int | None] = mapped_column(Integer)
    change_idea: Mapped[str | None] = mapped_column(Text)
    date_start: Mapped[dt.date | None] = mapped_column(Date)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # every field of the PDSA record
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class UserAccess(Base):
    """Which trusts a signed-in user may see (only used when sign-in is configured)."""

    __tablename__ = "user_access"
    __table_args__ = (UniqueConstraint("user_email", "trust_id", name="uq_user_trust"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_email: Mapped[str] = mapped_column(String(320), index=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)


class DeletedRound(Base):
    """Who deleted which round and when (revision 0002). Holds no letter text and no identifier:
    the round is gone, this is the record that it was deleted on purpose."""

    __tablename__ = "deleted_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the log outlives the round (and survives the trust being renamed).
    trust_id: Mapped[int] = mapped_column(Integer, index=True)
    round_id: Mapped[int] = mapped_column(Integer)
    round_label: Mapped[str] = mapped_column(String(200))
    n_letters: Mapped[int] = mapped_column(Integer)
    deleted_by: Mapped[str | None] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Network(Base):
    """A named set of trusts whose audits are collated and compared (an AHSN, an ICS). Revision 0004.

    ``name_trusts``: when False (the default) a member trust's users see the other trusts of the
    network anonymised ("Trust B"); when True, by name. Network leads always see names."""

    __tablename__ = "network"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_trusts: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class NetworkTrust(Base):
    """Membership of a trust in a network; ``id`` order is the order trusts joined (it fixes the
    anonymous letters)."""

    __tablename__ = "network_trust"
    __table_args__ = (UniqueConstraint("network_id", "trust_id", name="uq_network_trust"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), index=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)


class NetworkLead(Base):
    """Which networks a signed-in user leads (sees every member trust's aggregated results)."""

    __tablename__ = "network_lead"
    __table_args__ = (UniqueConstraint("user_email", "network_id", name="uq_network_lead"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_email: Mapped[str] = mapped_column(String(320), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), index=True)


class LetterMeasure(Base):
    """One letter's facts for the programme measures (``audit_app.standards.measures.programme_facts``
    under the network's standards configuration), so a network aggregates them with GROUP BY
    instead of reading every letter's record and extraction. Revision 0005.

    A derived cache: ``letter_version`` and ``basis`` (a digest of the configuration and the facts'
    definition) say what it was computed from; a row whose letter has moved on is recomputed.
    Holds numbers and codes only, never letter text or an identifier."""

    __tablename__ = "letter_measure"
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    letter_version: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(40))
    has_opioid: Mapped[bool | None] = mapped_column(Boolean)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    # total OME (mg/day): complete, or a lower bound when some item's OME is unknown
    ome: Mapped[float | None] = mapped_column(Float)
    ome_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    n_items: Mapped[int | None] = mapped_column(Integer)
    new_items: Mapped[int | None] = mapped_column(Integer)
    new_starts: Mapped[int | None] = mapped_column(Integer)
    new_mr_items: Mapped[int | None] = mapped_column(Integer)
    pre_admission: Mapped[bool] = mapped_column(Boolean, default=False)
    pre_admission_ome: Mapped[float | None] = mapped_column(Float)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    dose_reduced: Mapped[bool] = mapped_column(Boolean, default=False)
    referral_prompt: Mapped[bool] = mapped_column(Boolean, default=False)
    # safety flag codes, space-separated with a space at each end (' tramadol_ssri_snri '), so a
    # flag is counted with LIKE '% code %' and a new flag needs no migration
    safety_flags: Mapped[str] = mapped_column(String(400), default=" ")
