"""Dismissal: queued jobs never start, running jobs are stopped for real, outputs go, the record stays."""
from __future__ import annotations

import os
import time
from typing import Iterator

import psutil
import pytest
import redis
import requests
from celery import Celery

from worker_helpers import QUEUE, control_app, session_worker_paused, wait_for


@pytest.fixture()
def control(server) -> Iterator[Celery]:
    app = control_app(server.broker_url)
    yield app
    app.close()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_dismiss_running_job_terminates_its_process_and_removes_outputs(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "stop me", "pause": 20}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location, job_id = resp.headers["Location"], resp.json()["jobID"]
    stored = wait_for(lambda: server.db().jobs.find_one({"id": job_id, "status": "running"}), 20, "job running")
    pid = stored["worker"]["pid"]
    assert psutil.pid_exists(pid)
    status_xml = os.path.join(server.output_dir, f"{job_id}.xml")
    assert os.path.isfile(status_xml)

    dismissed = requests.delete(location, timeout=10)
    assert dismissed.status_code == 200, dismissed.text
    body = dismissed.json()
    assert body["status"] == "dismissed" and body["jobID"] == job_id
    assert body["message"] == "Job dismissed."
    wait_for(lambda: _gone(pid), 10, f"pool process {pid} terminated")
    assert not os.path.exists(status_xml)
    assert not os.path.exists(os.path.join(server.output_dir, job_id))

    again = requests.delete(location, timeout=10)
    assert again.status_code == 410
    assert again.json()["title"] == "JobDismissed"
    assert job_id in str(again.json())
    assert requests.get(location, timeout=10).json()["status"] == "dismissed"
    listed = requests.get(f"{server.url}/jobs", params={"status": "dismissed", "detail": "false", "limit": 1000},
                          timeout=10).json()
    assert job_id in listed["jobs"]


def test_dismiss_accepted_job_it_never_starts(server, submit, control):
    with session_worker_paused(control):
        resp = submit("echo", {"inputs": {"stringInput": "never"}}, {"Prefer": "respond-async"})
        location, job_id = resp.headers["Location"], resp.json()["jobID"]
        assert requests.get(location, timeout=10).json()["status"] == "accepted"
        assert requests.delete(location, timeout=10).status_code == 200
    broker = redis.Redis.from_url(server.broker_url)
    try:  # the worker takes the message now: it must drop it
        wait_for(lambda: broker.llen(QUEUE) == 0, 10, "the task message taken by the worker")
    finally:
        broker.close()
    time.sleep(1)
    stored = server.db().jobs.find_one({"id": job_id})
    assert stored["status"] == "dismissed"
    assert not stored.get("started")
    logs = requests.get(f"{location}/logs", timeout=10).json()
    assert not any("Job started." in line for line in logs)
    assert not os.path.exists(os.path.join(server.output_dir, f"{job_id}.xml"))


def test_dismiss_many_jobs_at_once(server, submit, control):
    with session_worker_paused(control):
        ids = [submit("echo", {"inputs": {"stringInput": f"batch {n}"}}, {"Prefer": "respond-async"}).json()["jobID"]
               for n in range(3)]
        unknown = "00000000-0000-4000-8000-000000000000"
        resp = requests.delete(f"{server.url}/jobs", json={"jobs": ids + [unknown]}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert sorted(resp.json()["jobs"]) == sorted(ids)
    for job_id in ids:
        assert requests.get(f"{server.url}/jobs/{job_id}", timeout=10).json()["status"] == "dismissed"


@pytest.mark.parametrize("body", [{}, {"jobs": []}, {"jobs": "abc"}, {"jobs": ["not-a-uuid"]}, [1, 2]])
def test_dismiss_many_jobs_bad_body(server, body):
    resp = requests.delete(f"{server.url}/jobs", json=body, timeout=10)
    assert resp.status_code == 422, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["status"] == 422
