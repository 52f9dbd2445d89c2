"""Pause Python's cyclic garbage collector during one batch step (save a round, load a round).

Such a step builds hundreds of thousands of small dicts that all stay alive (records,
extractions, ~17 standard results per letter). Each full collection walks them, and everything
else in memory, to free nothing: measured, a third of the time of saving a 10,000-letter round
and half of loading six rounds for a chart. Reference counting still frees memory as usual;
the collector resumes when the last paused step (in any thread) ends. Not used around the
extractor, whose spaCy objects may hold reference cycles.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()  # never switch on a collector someone else switched off
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
