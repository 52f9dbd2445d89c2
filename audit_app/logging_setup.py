"""Logs never carry patient identifiers.

`install_log_masking()` (call it once at start-up: CLI main, Streamlit app) makes every log
record's message -- the formatted message with its args, the exception text and the stack
info -- go through `privacy.mask_text`:

- a `MaskingFilter` on the root logger and on every handler the root logger has (a filter on a
  logger alone does not see records propagated from child loggers; a handler filter does);
- a log-record factory, so records from any logger, through any handler added later, are
  masked when they are created.

Idempotent: calling it twice installs nothing twice. `uninstall_log_masking()` undoes it (tests).
"""
from __future__ import annotations

import logging
import traceback

from audit_app.privacy import mask_text

_MASKED = "_identifiers_masked"
_state: dict = {"factory": None, "filter": None}


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask identifiers in a record in place (message + args, exception and stack text)."""
    if getattr(record, _MASKED, False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the record
        message = f"{record.msg!r} % {record.args!r}"
    record.msg = mask_text(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    setattr(record, _MASKED, True)
    return record


class MaskingFilter(logging.Filter):
    """A logging filter that masks identifiers; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> MaskingFilter:
    """Mask identifiers in every log record from now on (see module doc). Returns the filter."""
    root = logger or logging.getLogger()
    filt = _state["filter"] or MaskingFilter()
    _state["filter"] = filt
    if filt not in root.filters:
        root.addFilter(filt)
    for handler in root.handlers:
        if filt not in handler.filters:
            handler.addFilter(filt)
    if _state["factory"] is None:
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs):
            return mask_record(previous(*args, **kwargs))

        factory.previous = previous  # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)
        _state["factory"] = factory
    return filt


def uninstall_log_masking(logger: logging.Logger | None = None) -> None:
    root = logger or logging.getLogger()
    filt = _state["filter"]
    if filt is not None:
        root.removeFilter(filt)
        for handler in root.handlers:
            handler.removeFilter(filt)
    factory = _state["factory"]
    if factory is not None and logging.getLogRecordFactory() is factory:
        logging.setLogRecordFactory(factory.previous)
    _state["factory"] = None
