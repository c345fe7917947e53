"""No job left behind: a worker killed mid-job, and a task message lost before any worker took it.

Everything is real: a second Celery worker started for the test and killed with SIGKILL (its whole process
group), the session worker whose reaper finds the orphan, the broker queue emptied by hand to lose a message.
"""
from __future__ import annotations

import os
import signal
import time
from typing import Iterator

import psutil
import pytest
import redis
import requests
from celery import Celery

from weaver.reaper import ORPHAN_QUEUED_MESSAGE, ORPHAN_RUNNING_MESSAGE
from weaver.runtime.embedded import start_worker
from worker_helpers import QUEUE, control_app, session_worker_paused, wait_for


@pytest.fixture()
def control(server) -> Iterator[Celery]:
    app = control_app(server.broker_url)
    yield app
    app.close()


def test_worker_killed_mid_job_leaves_no_running_job(server, submit, control, tmp_path):
    doomed = start_worker(server.ini_path, 1, str(tmp_path / "doomed.log"), name="doomed")
    try:
        with session_worker_paused(control):
            resp = submit("echo", {"inputs": {"stringInput": "orphan", "pause": 60}}, {"Prefer": "respond-async"})
            assert resp.status_code == 201, resp.text
            location = resp.headers["Location"]
            job_id = resp.json()["jobID"]
            stored = wait_for(lambda: server.db().jobs.find_one({"id": job_id, "status": "running"}), 20,
                               "job running")
            assert stored["worker"]["host"].startswith("doomed@")
            child_pid = stored["worker"]["pid"]
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.popen.wait(10)
        started = time.monotonic()
        final = server.wait_job(location, statuses=("failed", "successful"), timeout=30)
        elapsed = time.monotonic() - started
    finally:
        doomed.stop()
    assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE
    assert final["status"] == "failed", final
    assert final["message"] == ORPHAN_RUNNING_MESSAGE
    assert elapsed < 15  # 3 heartbeats of 1 s plus one reaper period of 2 s, with room for a loaded machine
    logs = requests.get(f"{location}/logs", timeout=10).json()
    assert any("heartbeat expired" in line for line in logs)
    exceptions = requests.get(f"{location}/exceptions", timeout=10).json()
    assert ORPHAN_RUNNING_MESSAGE in exceptions
    time.sleep(1)
    assert requests.get(location, timeout=10).json()["status"] == "failed"  # never moves again


def test_task_message_lost_before_any_worker_took_it(server, submit, control):
    broker = redis.Redis.from_url(server.broker_url)
    try:
        with session_worker_paused(control):
            resp = submit("echo", {"inputs": {"stringInput": "lost"}}, {"Prefer": "respond-async"})
            assert resp.status_code == 201, resp.text
            wait_for(lambda: broker.llen(QUEUE) == 1, 5, "the task message in the broker queue")
            broker.delete(QUEUE)  # the message is gone, as after a broker flushed without persistence
        final = server.wait_job(resp.headers["Location"], statuses=("failed", "successful"), timeout=30)
    finally:
        broker.close()
    assert final["status"] == "failed", final
    assert final["message"] == ORPHAN_QUEUED_MESSAGE


def test_job_waiting_in_queue_is_not_reaped(server, submit, control):
    with session_worker_paused(control):
        resp = submit("echo", {"inputs": {"stringInput": "patient"}}, {"Prefer": "respond-async"})
        location = resp.headers["Location"]
        time.sleep(7)  # longer than the grace period (4 s) plus a reaper period (2 s)
        assert requests.get(location, timeout=10).json()["status"] == "accepted"
    assert server.wait_job(location, timeout=30)["status"] == "successful"
