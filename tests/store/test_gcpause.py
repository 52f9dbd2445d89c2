"""gc_paused: the collector is off inside, back on after the last paused step, in any thread."""
from __future__ import annotations

import gc
import threading

import pytest

from audit_app.store.gcpause import gc_paused


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()


def test_off_inside_on_after_even_on_error():
    with pytest.raises(RuntimeError):
        with gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_and_overlapping_threads_resume_once_all_end():
    inside, release = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    with gc_paused():
        t.start()
        inside.wait(5)
        with gc_paused():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's step is still running
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_never_switches_on_a_collector_that_was_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
