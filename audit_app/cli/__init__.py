"""The `opioid-audit` console script.

Each subcommand lives in its own module with `register(subparsers)`; the module adds its
parser and sets `func(args) -> int`. Errors a user can fix (missing file, bad option) end
in one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from audit_app.cli import app_cmd, chart_cmd, extract_cmd, import_cmd, network_cmd, score_cmd
from audit_app.cli.common import CliError
from audit_app.privacy import describe_identifiers

DEBUG_ENV = "OPIOID_AUDIT_DEBUG"  # set it to log the traceback of an unexpected error (masked)


def failure_line(exc: BaseException) -> str:
    """What failed, in one line, without the SQL statement, its parameters (letter text, records)
    or any identifier: the driver's own message for a database error, else the exception's."""
    try:
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError
    except ImportError:  # pragma: no cover
        DBAPIError = SQLAlchemyError = ()  # type: ignore[assignment]
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        what = f"the database refused the change ({type(exc.orig).__name__}: {detail[:160]})"
        if "full" in detail.lower() or "no space" in detail.lower():
            what += "; free some disk space"
        return describe_identifiers(what + "; nothing was saved")
    if isinstance(exc, SQLAlchemyError):
        return f"the database failed ({type(exc).__name__}); nothing was saved"
    if isinstance(exc, OSError):
        return describe_identifiers(f"{exc.strerror or type(exc).__name__}"
                                    f"{': ' + os.path.basename(str(exc.filename)) if exc.filename else ''}")
    first = (str(exc).strip().splitlines() or [""])[0][:160]
    return describe_identifiers(f"unexpected {type(exc).__name__}: {first} (set {DEBUG_ENV}=1 for details)")


SUBCOMMANDS = (app_cmd, import_cmd, score_cmd, extract_cmd, chart_cmd, network_cmd)


DB_HELP = "SQLAlchemy database URL (default: $OPIOID_AUDIT_DB or the embedded SQLite file)"


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; users asked for the error alone."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="opioid-audit",
        description="Audit opioids on discharge letters and chart improvement over audit rounds.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=DB_HELP,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    sub.required = True
    for module in SUBCOMMANDS:
        module.register(sub)
    # `opioid-audit import f.xlsx --db URL` is where most people type it: accept it after the
    # subcommand too (SUPPRESS keeps a --db given before the subcommand when none is given after)
    for subparser in sub.choices.values():
        if "--db" not in subparser._option_string_actions:
            subparser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=DB_HELP)
    return parser


def main(argv: list[str] | None = None) -> int:
    from audit_app.logging_setup import install_log_masking, masked_output

    install_log_masking()  # no identifier reaches a log line, whoever logs it
    with masked_output():  # ... nor the console: every line printed is masked
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            return int(args.func(args) or 0)
        except CliError as exc:
            print(f"opioid-audit {args.command}: error: {describe_identifiers(str(exc))}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("opioid-audit: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # noqa: BLE001 - one line, never a traceback that dumps letter text
            print(f"opioid-audit {args.command}: error: {failure_line(exc)}", file=sys.stderr)
            if os.environ.get(DEBUG_ENV):
                logging.getLogger("opioid_audit").exception("%s failed", args.command)  # masked by the log filter
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
