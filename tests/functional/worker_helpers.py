"""Helpers of the job lifecycle tests: pause the session worker, wait for a condition, read the job store."""
from __future__ import annotations

import socket
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from celery import Celery

SESSION_WORKER = f"worker@{socket.gethostname()}"
QUEUE = "celery"


def control_app(broker_url: str) -> Celery:
    """A Celery app of the test process, only to send control commands to the workers."""
    return Celery("weaver-test-control", broker=broker_url)


@contextmanager
def session_worker_paused(control: Celery) -> Iterator[None]:
    """Stop the session worker from taking new tasks (it keeps running, and so does its reaper)."""
    replies = control.control.cancel_consumer(QUEUE, destination=[SESSION_WORKER], reply=True, timeout=5)
    assert replies, "the session worker did not answer"
    time.sleep(1.5)  # a poll of the queue issued before the cancel (1 s long) may still hand it one message
    try:
        yield
    finally:
        control.control.add_consumer(QUEUE, destination=[SESSION_WORKER], reply=True, timeout=5)


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not seen within {timeout}s")
