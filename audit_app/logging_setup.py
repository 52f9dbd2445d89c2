"""Logs never carry patient identifiers.

`install_log_masking()` (call it once at start-up: CLI main, Streamlit app) makes every log
record's message -- the formatted message with its args, the exception text and the stack
info -- go through `privacy.mask_text`:

- a `MaskingFilter` on the root logger and on every handler the root logger has (a filter on a
  logger alone does not see records propagated from child loggers; a handler filter does);
- a log-record factory, so records from any logger, through any handler added later, are
  masked when they are created.

Idempotent: calling it twice installs nothing twice. `uninstall_log_masking()` undoes it (tests).

`masked_output()` does the same for the console: while it is active, everything written to
stdout and stderr goes through `privacy.mask_text` (a line is masked together with the line
before it, so a label at the end of one line still masks the value on the next).
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys
import traceback

from audit_app.privacy import mask_file_name, mask_text

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


class MaskedStream(io.TextIOBase):
    """A text stream that masks identifiers in whole lines before passing them on."""

    def __init__(self, stream):
        self._stream = stream
        self._pending = ""       # the unfinished last line
        self._context = ""       # the previous line: a label there names the value on this one

    def writable(self) -> bool:
        return True

    @property
    def encoding(self):  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()

    def _emit(self, text: str) -> None:
        masked = mask_file_name(self._context + text)[len(self._context):]
        self._stream.write(masked)
        lines = text.rsplit("\n", 2)
        self._context = (lines[-2] + "\n") if len(lines) >= 2 else ""

    def write(self, text: str) -> int:
        self._pending += text
        cut = self._pending.rfind("\n")
        if cut >= 0:
            done, self._pending = self._pending[:cut + 1], self._pending[cut + 1:]
            self._emit(done)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""
        self._stream.flush()


@contextlib.contextmanager
def masked_output():
    """Mask identifiers in everything printed to stdout and stderr inside the block."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskedStream(out), MaskedStream(err)
    try:
        yield
    finally:
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:  # noqa: BLE001 - a closed pipe must not hide the real error
                pass
        sys.stdout, sys.stderr = out, err
