"""Helpers shared by the CLI subcommands."""
from __future__ import annotations

from pathlib import Path


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def existing_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise CliError(f"file not found: {p}")
    return p


def open_store(args):
    """The store named by --db, or the default (env var, then embedded SQLite)."""
    from audit_app.store import Store

    return Store(getattr(args, "db", None))
