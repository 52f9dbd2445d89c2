"""The audit store (SQLAlchemy 2 + Alembic). See `store.Store`."""
from audit_app.store.networks import NetworkInfo, ResultCount
from audit_app.store.database import (
    ConcurrentEditError,
    LetterRow,
    RoundInfo,
    Store,
    StoreError,
    TrustInfo,
    default_url,
    downgrade_schema,
    overlapping_periods,
    previous_round,
    schema_revision,
    set_path,
    upgrade_schema,
)

__all__ = ["Store", "StoreError", "ConcurrentEditError", "TrustInfo", "RoundInfo", "LetterRow",
           "default_url", "upgrade_schema", "downgrade_schema", "schema_revision", "overlapping_periods",
           "previous_round", "set_path", "NetworkInfo", "ResultCount"]
