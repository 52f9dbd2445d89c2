"""`opioid-audit import` (placeholder until the owning issue lands)."""
from __future__ import annotations

from audit_app.cli.common import CliError


def register(sub) -> None:
    p = sub.add_parser("import", help="(not available yet)")
    p.set_defaults(func=run)


def run(args) -> int:
    raise CliError("'import' is not available in this build yet")
