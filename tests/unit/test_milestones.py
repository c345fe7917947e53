"""The deferred milestone: written only when the step outlasts its delay, never beside another write."""
from __future__ import annotations

import threading
import time

import pytest

from weaver.processes.execution.milestones import DeferredMilestone


def test_a_step_shorter_than_the_delay_writes_nothing():
    writes = []
    with DeferredMilestone(lambda: writes.append("running"), delay=0.5):
        pass
    time.sleep(0.6)
    assert writes == []


def test_a_step_longer_than_the_delay_writes_once():
    writes = []
    with DeferredMilestone(lambda: writes.append("running"), delay=0.05):
        time.sleep(0.3)
    assert writes == ["running"]


def test_guarded_writes_never_overlap_the_deferred_one():
    inside = threading.Event()
    overlaps = []

    def slow_write() -> None:
        inside.set()
        time.sleep(0.2)
        inside.clear()

    def progress() -> None:
        overlaps.append(inside.is_set())

    with DeferredMilestone(slow_write, delay=0.0) as milestone:
        assert inside.wait(2)
        milestone.guard(progress)()  # waits for the deferred write to be over
    assert overlaps == [False]


def test_an_error_of_the_deferred_write_reaches_the_caller():
    class Dismissed(Exception):
        pass

    def write() -> None:
        raise Dismissed("dismissed meanwhile")

    with pytest.raises(Dismissed):
        with DeferredMilestone(write, delay=0.0):
            time.sleep(0.2)
