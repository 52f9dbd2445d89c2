"""The audit store (SQLAlchemy 2 + Alembic). See `store.Store`."""
from audit_app.store.networks import NetworkInfo, ResultCount
from audit_app.store.store import (
    ConcurrentEditError,
    LetterRow,
    RoundInfo,
    Store,
    StoreError,
    TrustInfo,
    default_url,
    downgrade_schema,
    schema_revision,
    upgrade_schema,
)

__all__ = ["Store", "StoreError", "ConcurrentEditError", "TrustInfo", "RoundInfo", "LetterRow",
           "default_url", "NetworkInfo", "ResultCount", "upgrade_schema", "downgrade_schema", "schema_revision"]
