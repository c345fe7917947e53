"""The worker's claim of a job, on the real store: one winner, never a finished job, a dead worker's job retaken."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pymongo
import pytest

from weaver.datatype import Job
from weaver.datatype.job import now
from weaver.reaper import QUEUED_STATUSES, RUNNING_STATUSES
from weaver.store.job_filters import JobFilters
from weaver.store.jobs import MongodbJobStore


@pytest.fixture()
def store(server):
    client = pymongo.MongoClient(server.mongodb_url, tz_aware=True)
    database = client[f"claim-{uuid.uuid4().hex[:8]}"]
    job_store = MongodbJobStore(database)
    job_store.create_indexes()
    yield job_store
    client.drop_database(database.name)
    client.close()


def _stored(store: MongodbJobStore, **fields) -> Job:
    job = Job(dict({"task_id": "accepted", "process": "claimed", "access": "public", "status": "accepted"}, **fields))
    store.insert_job(job)
    return store.fetch_by_id(job.id)


def _claim(store: MongodbJobStore, job: Job, worker: str):
    return store.claim_job(job, QUEUED_STATUSES, RUNNING_STATUSES, {"status": "started", "worker": worker})


def test_two_workers_with_the_same_message_one_wins(store):
    job = _stored(store)
    first, second = store.fetch_by_id(job.id), store.fetch_by_id(job.id)
    assert _claim(store, first, "a") is not None
    assert _claim(store, second, "b") is None
    assert store.fetch_by_id(job.id)["worker"] == "a"
    assert store.count_jobs(JobFilters(access="public", process="claimed", status=["started"])) == 1
    assert store.count_jobs(JobFilters(access="public", process="claimed", status=["accepted"])) == 0


def test_a_finished_job_is_never_claimed(store):
    job = _stored(store, status="dismissed")
    assert _claim(store, job, "a") is None
    assert store.fetch_by_id(job.id).status == "dismissed"


def test_a_running_job_is_retaken_only_once_its_heartbeat_expired(store):
    alive = _stored(store, status="running", heartbeat_expires=now() + timedelta(seconds=30))
    assert _claim(store, alive, "b") is None
    dead = _stored(store, status="running", heartbeat_expires=now() - timedelta(seconds=30))
    claimed = _claim(store, dead, "b")
    assert claimed is not None and claimed.status == "started"
    assert store.fetch_by_id(dead.id)["worker"] == "b"
    assert store.tallies_match()


def test_a_stale_writer_reads_the_job_again_and_moves_the_right_tally(store):
    job = _stored(store)
    stale = store.fetch_by_id(job.id)
    current = store.fetch_by_id(job.id)
    current.status = "running"
    assert store.update_job(current)
    stale.status = "dismissed"  # believes the job is still accepted
    assert store.update_job(stale)
    assert store.fetch_by_id(job.id).status == "dismissed"
    assert store.count_jobs(JobFilters(access="public", process="claimed", status=["running"])) == 0
    assert store.count_jobs(JobFilters(access="public", process="claimed", status=["dismissed"])) == 1
    assert store.tallies_match()
