"""The measurements, each a function of running targets returning plain numbers (seconds, bytes)."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Sequence, Tuple

import requests

from bench.common import Timings, timed, tree_cpu, tree_rss

Call = Callable[[requests.Session], Any]


def interleaved(calls: Sequence[Tuple[str, Call]], rounds: int, warmup: int = 10) -> Dict[str, Timings]:
    """``rounds`` rounds of one request to each target in turn, so that every server sees the same machine."""
    sessions = {name: requests.Session() for name, _ in calls}
    results = {name: Timings() for name, _ in calls}
    for index in range(warmup + rounds):
        for name, call in calls:
            try:
                elapsed = timed(lambda: call(sessions[name]))
            except Exception as exc:  # noqa: BLE001 - a failure is reported, it does not stop the others
                results[name].errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            if index >= warmup:
                results[name].values.append(elapsed)
    return results


def async_burst(target: Any, count: int, threads: int, timeout: float = 90) -> Dict[str, Any]:
    """``count`` asynchronous submissions from ``threads`` client threads, then wait for every job to finish.

    Returns the submit latencies and the time from the first submission until the last job was seen finished.
    """
    submits = Timings()
    locations: List[str] = []
    lock = threading.Lock()
    local = threading.local()

    def submit(_: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        start = time.perf_counter()
        try:
            location = target.submit_async(session)
        except Exception as exc:  # noqa: BLE001
            with lock:
                submits.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return
        elapsed = time.perf_counter() - start
        with lock:
            submits.values.append(elapsed)
            locations.append(location)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(submit, range(count)))
    # jobs finish about in the order they were queued: check the oldest pending one, and look further only
    # once it is done, so that watching costs the server a few requests per second, not a flood
    pending = list(locations)
    failed = 0
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        state = _finished(target, pending[0])
        if state is False:
            time.sleep(0.05)
            continue
        failed += state is None
        pending.pop(0)
    if pending:  # time is up: one last look at every job still pending (the oldest may be the only one stuck)
        states = [_finished(target, location) for location in pending]
        failed += sum(1 for state in states if state is None)
        pending = [location for location, state in zip(pending, states) if state is False]
    total = time.perf_counter() - started
    return {"submit": submits, "total": total, "finished": len(locations) - len(pending) - failed,
            "failed": failed + len(submits.errors), "unfinished": len(pending)}


_POLL_SESSIONS = threading.local()


def _finished(target: Any, location: str) -> Any:
    """True when finished, False while running, None when it failed."""
    session = getattr(_POLL_SESSIONS, "session", None) or requests.Session()
    _POLL_SESSIONS.session = session
    try:
        return target.job_finished(session, location)
    except Exception:  # noqa: BLE001
        return None


def serial_submits(target: Any, count: int, warmup: int = 10, pause: float = 0.05) -> Timings:
    """Submission latency: one submission at a time, paced so that each finds the previous job run.

    Unpaced, each submission competes for the 2 cores with the execution of the one before, and the figure
    measures that contention more than the submission and its store; the pause keeps the comparison of a
    fresh store with a full one about the store.
    """
    session = requests.Session()
    result = Timings()
    for index in range(warmup + count):
        try:
            elapsed = timed(lambda: target.submit_async(session))
        except Exception as exc:  # noqa: BLE001
            result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        if index >= warmup:
            result.values.append(elapsed)
        time.sleep(pause)
    return result


def listing(target: Any, count: int) -> Tuple[Timings, int]:
    session = requests.Session()
    result = Timings()
    total = 0
    for _ in range(count):
        start = time.perf_counter()
        total = target.list_jobs(session)
        result.values.append(time.perf_counter() - start)
    return result, total


def cpu(target: Any) -> Dict[str, float]:
    """CPU seconds used so far by each part of a server (its web, worker, store and broker process trees)."""
    return {part: tree_cpu(pid) for part, pid in target.cpu_pids().items()}


def rss(target: Any) -> Dict[str, int]:
    return {part: tree_rss(pid) for part, pid in target.pids().items()}
