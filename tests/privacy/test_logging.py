"""Log lines never carry identifiers once install_log_masking() has run."""
from __future__ import annotations

import io
import logging
import re

import pytest

from audit_app.logging_setup import MaskingFilter, install_log_masking, uninstall_log_masking

IDS = ["9990353482", "999 609 1165", "999-383-1252", "RX9450465", "A009281", "05/01/1983", "YARDLEY",
       "Agnieszka", "CLARKE", "Michael"]


@pytest.fixture
def captured():
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield root, handler, stream
    uninstall_log_masking()
    root.removeHandler(handler)
    root.setLevel(old_level)


def _log_everything(child: logging.Logger) -> None:
    child.info("import of %s: NHS No: %s, Hospital No: %s", "letter.xlsx", "9990353482", "RX9450465")
    child.warning("row 5: Patient: Miss Agnieszka YARDLEY DOB: 05/01/1983 could not be read")
    child.error("Name: CLARKE, Michael | NHS No: 999 609 1165 | MRN: A009281")
    child.debug("%(who)s", {"who": "NHS number 999-383-1252"})
    try:
        raise ValueError("bad value 'Hospital No: RX9450465' for NHS 9990353482")
    except ValueError:
        child.exception("failed on Mr Michael CLARKE")
    logging.getLogger().info("root direct: %s", "Hosp no A009281")


def test_log_lines_hold_no_identifier(captured):
    root, handler, stream = captured
    install_log_masking()
    install_log_masking()  # idempotent
    late = logging.StreamHandler(io.StringIO())  # a handler added after installation
    root.addHandler(late)
    try:
        _log_everything(logging.getLogger("audit_app.ingest.deep.child"))
    finally:
        root.removeHandler(late)
    for out in (stream.getvalue(), late.stream.getvalue()):
        lines = out.splitlines()
        assert len(lines) >= 10 and "Traceback" in out and "letter.xlsx" in out and "could not be read" in out
        for ident in IDS:
            assert not re.search(re.escape(ident), out, re.IGNORECASE), (ident, out)


def test_without_masking_the_identifiers_would_be_logged(captured):
    """Control: the same records do carry identifiers when masking is not installed."""
    _root, _handler, stream = captured
    _log_everything(logging.getLogger("audit_app.other"))
    assert "9990353482" in stream.getvalue() and "RX9450465" in stream.getvalue()


def test_filter_masks_and_keeps_records():
    rec = logging.LogRecord("x", logging.INFO, __file__, 1, "NHS %s ok", ("9990353482",), None)
    assert MaskingFilter().filter(rec) is True
    assert rec.getMessage() == "NHS XXXXXXXXXX ok"
    bad = logging.LogRecord("x", logging.INFO, __file__, 1, "%d broken", ("999 609 1165",), None)
    MaskingFilter().filter(bad)
    assert "609" not in bad.getMessage()
