"""No job left behind: heartbeats of running jobs and the reaper of orphans.

Mechanism (documented in docs/jobs.md):

- Tasks are acknowledged late and rejected when their pool process dies, so a task whose pool process is lost
  goes back to the broker and a message a dead worker held is redelivered when the broker gives it back.
- A job is taken by a worker through an atomic claim (accepted -> started, or a running job whose heartbeat
  expired), so a redelivered or duplicated message never runs a job twice at the same time, and never runs a
  finished (e.g. dismissed) job.
- While a job runs, a thread of its task pushes ``heartbeat_expires`` (now + 3 heartbeats) every
  ``weaver.job_heartbeat_interval`` seconds. Every worker runs the reaper at start and every
  ``weaver.job_reaper_interval`` seconds (a timer thread in the worker's main process, no beat scheduler):

  - a running job whose heartbeat expired lost its worker (SIGKILL, OOM, host lost): it is marked ``failed``
    with :data:`ORPHAN_RUNNING_MESSAGE`; a later redelivery of its message finds it finished and does nothing;
  - an accepted job waiting longer than the grace period whose task is neither in the broker queue nor held by
    any live worker lost its message (broker flushed, worker killed while holding it): it is marked ``failed``
    with :data:`ORPHAN_QUEUED_MESSAGE`. When the broker's queue cannot be read (other than Redis) and is not
    empty, queued jobs are left alone for that pass.

Every change is a conditional write on what the reaper saw, so several workers reaping at once is harmless.
"""
from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Set

from celery import Celery, signals

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype.job import now
from weaver.status import Status

LOGGER = logging.getLogger(__name__)

RUNNING_STATUSES = (Status.STARTED.value, Status.RUNNING.value, Status.PAUSED.value)
QUEUED_STATUSES = (Status.ACCEPTED.value, Status.QUEUED.value)
HEARTBEATS_BEFORE_ORPHAN = 3
INSPECT_TIMEOUT = 1.0
ORPHAN_RUNNING_MESSAGE = ("Job failed: the worker running it stopped responding (killed or lost); "
                          "its heartbeat expired. Submit the job again.")
ORPHAN_QUEUED_MESSAGE = ("Job failed: its task was lost before any worker started it (not in the broker queue "
                         "nor held by a live worker). Submit the job again.")


def heartbeat_expiry(settings: Mapping[str, Any]) -> datetime:
    interval = get_settings(settings)["weaver.job_heartbeat_interval"]
    return now() + timedelta(seconds=HEARTBEATS_BEFORE_ORPHAN * interval)


class Heartbeat:
    """Context manager run around a job's execution: a daemon thread pushes the job's heartbeat expiry."""

    def __init__(self, settings: Mapping[str, Any], job_id: str) -> None:
        self.settings = get_settings(settings)
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        interval = self.settings["weaver.job_heartbeat_interval"]
        store = get_db(self.settings).jobs
        while not self._stop.wait(interval):
            try:
                if not store.heartbeat(self.job_id, heartbeat_expiry(self.settings), RUNNING_STATUSES):
                    return  # finished (or dismissed): nothing left to keep alive
            except Exception as exc:  # the store may be briefly unreachable: the next beat retries
                LOGGER.warning("Heartbeat of job %s not written: %s", self.job_id, exc)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _job_id_of(args: Any) -> Optional[str]:
    if isinstance(args, (list, tuple)) and args:
        return str(args[0])
    return None


def tasks_held_by_workers(app: Celery) -> Optional[Set[str]]:
    """Job ids of the tasks live workers run or hold; None when no worker answered."""
    inspector = app.control.inspect(timeout=INSPECT_TIMEOUT)
    held: Set[str] = set()
    answered = False
    for method in (inspector.active, inspector.reserved):
        replies = method() or {}
        answered = answered or bool(replies)
        for requests in replies.values():
            for request in requests or []:
                job_id = _job_id_of(request.get("args"))
                if job_id:
                    held.add(job_id)
    return held if answered else None


def tasks_in_broker_queue(app: Celery) -> Optional[Set[str]]:
    """Job ids of the task messages waiting in the broker queue; None when the queue cannot be read."""
    queue = app.conf.task_default_queue or "celery"
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        client = getattr(channel, "client", None)
        if client is None or not hasattr(client, "lrange"):  # not Redis: only the queue length is known
            _, count, _ = channel.queue_declare(queue=queue, passive=True)
            return set() if not count else None
        found: Set[str] = set()
        for raw in client.lrange(queue, 0, -1):
            job_id = _job_id_of_message(raw)
            if job_id:
                found.add(job_id)
        return found


def _job_id_of_message(raw: bytes) -> Optional[str]:
    try:
        message = json.loads(raw)
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        return _job_id_of(json.loads(body)[0])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def reap_orphans(settings: Mapping[str, Any], app: Optional[Celery] = None) -> int:
    """Fail the running jobs whose heartbeat expired and the queued jobs whose task was lost; returns how many."""
    settings = get_settings(settings)
    store = get_db(settings).jobs
    reaped = 0
    for job in store.find_expired_heartbeats(RUNNING_STATUSES):
        expected = {"status": job.status, "heartbeat_expires": job.get("heartbeat_expires")}
        if store.fail_orphan(job, expected, ORPHAN_RUNNING_MESSAGE):
            LOGGER.warning("%s failed: its worker stopped responding.", job)
            reaped += 1
    if app is None:
        return reaped
    grace = max(HEARTBEATS_BEFORE_ORPHAN * settings["weaver.job_heartbeat_interval"],
                2 * settings["weaver.job_reaper_interval"])
    candidates = store.find_unfinished(QUEUED_STATUSES, grace)
    if not candidates:
        return reaped
    queued = tasks_in_broker_queue(app)  # queue first: a message moving on meanwhile shows up in a worker
    held = tasks_held_by_workers(app)
    if queued is None or held is None:
        return reaped
    for job in _lost(candidates, queued | held):
        if store.fail_orphan(job, {"status": job.status, "updated": job.get("updated")}, ORPHAN_QUEUED_MESSAGE):
            LOGGER.warning("%s failed: its task was lost before it started.", job)
            reaped += 1
    return reaped


def _lost(candidates: Iterable[Any], known: Set[str]) -> Iterable[Any]:
    return [job for job in candidates if job.id not in known]


class Reaper:
    """Timer thread of a worker's main process running :func:`reap_orphans` at start and periodically."""

    def __init__(self, settings: Mapping[str, Any], app: Celery) -> None:
        self.settings = get_settings(settings)
        self.app = app
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="weaver-job-reaper", daemon=True)

    def _run(self) -> None:
        interval = self.settings["weaver.job_reaper_interval"]
        while True:
            try:
                reap_orphans(self.settings, self.app)
            except Exception as exc:  # a failed pass (store or broker down) must not end the reaper
                LOGGER.warning("Job reaper pass failed: %s", exc)
            if self._stop.wait(interval):
                return

    def start(self) -> None:
        if self.settings["weaver.job_reaper_interval"] > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()


_REAPERS: list = []


@signals.worker_ready.connect
def _start_reaper(sender: Any = None, **_: Any) -> None:
    app = getattr(sender, "app", None)
    registry = app.conf.get("PYRAMID_REGISTRY") if app is not None else None
    if registry is None:
        return
    reaper = Reaper(registry.settings, app)
    reaper.start()
    _REAPERS.append(reaper)


@signals.worker_shutdown.connect
def _stop_reapers(**_: Any) -> None:
    while _REAPERS:
        _REAPERS.pop().stop()
