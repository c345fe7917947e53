"""Listings read from sequence windows give what a plain query of the store gives, job for job.

Hundreds of jobs are stored through the real job store into a database of their own on the real embedded store,
with creation times set by hand: mostly in order, with ties, small disorder, a few far out of order, private
ones, remote ones, and some deleted (gaps in the sequence numbers). Every listing (totals and pages) is compared
with a plain ``find``/``count_documents`` of the same filters, sorted the same way, on the same store.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Tuple

import pymongo
import pytest
import requests

from weaver.datatype import Job
from weaver.store.job_filters import JobFilters
from weaver.store.job_spans import BLOCK_SIZE, GROUP_BLOCKS
from weaver.store.jobs import MongodbJobStore

T0 = datetime(2024, 5, 1, 0, 0, 0, tzinfo=timezone.utc)
PROCESSES = ("alpha", "beta", "gamma")
STATUSES = ("successful", "failed", "dismissed", "running", "accepted")
# enough for a whole group of blocks and more
COUNT = BLOCK_SIZE * GROUP_BLOCKS + 150


def _job(rng: random.Random, created: datetime) -> Dict[str, Any]:
    status = rng.choice(STATUSES)
    doc: Dict[str, Any] = {"task_id": "seeded", "process": rng.choice(PROCESSES), "status": status,
                           "access": "private" if rng.random() < 0.1 else "public", "created": created,
                           "tags": ["seeded", rng.choice(["async", "sync"])]}
    if rng.random() < 0.15:
        doc["service"] = rng.choice(["remote-a", "remote-b"])
    if status != "accepted":
        doc["started"] = created + timedelta(seconds=1)
    if status == "running":
        # elapsed times no bound of the tests crosses while they run
        doc["started"] = datetime.now(timezone.utc) - timedelta(seconds=rng.choice([200, 3 * 86400]))
    if status in ("successful", "failed", "dismissed"):
        seconds = rng.choice([2.0, 30.0, 59.999, 60.0, 300.0])
        doc["finished"] = doc["started"] + timedelta(seconds=seconds)
        doc["duration"] = seconds
    return doc


def _created_times(rng: random.Random, count: int) -> List[datetime]:
    """Mostly increasing by the second, with ties, local disorder and a few far out of order."""
    times = []
    for number in range(count):
        created = T0 + timedelta(seconds=number - number % 3, milliseconds=rng.choice([0, 0, 250]))
        if rng.random() < 0.05:
            created -= timedelta(seconds=rng.uniform(0, 20))  # concurrent writers
        if rng.random() < 0.01:
            created += timedelta(days=rng.choice([-30, 30]))  # imported, or a clock off
        times.append(created)
    return times


@pytest.fixture(scope="module")
def stored(weaver_server) -> Iterator[Tuple[MongodbJobStore, List[Job]]]:
    client = pymongo.MongoClient(weaver_server.mongodb_url, tz_aware=True)
    database = client[f"weaver-scale-{uuid.uuid4().hex[:8]}"]
    store = MongodbJobStore(database)
    store.create_indexes()
    rng = random.Random(6)
    jobs = [store.insert_job(Job(_job(rng, created))) for created in _created_times(rng, COUNT)]
    for job in rng.sample(jobs[: COUNT - 100], 30):  # deleted jobs: gaps in settled blocks
        store.delete_job(job.id)
    store._created_blocks().settle_seconds = 0.0
    yield store, jobs
    client.drop_database(database.name)
    client.close()


def _plain(store: MongodbJobStore, filters: JobFilters, by: str, ascending: bool) -> List[str]:
    direction = pymongo.ASCENDING if ascending else pymongo.DESCENDING
    cursor = store.collection.find(filters.query(), {"_id": False, "id": True}).sort([(by, direction),
                                                                                      ("seq", direction)])
    return [doc["id"] for doc in cursor]


def _check(store: MongodbJobStore, filters: JobFilters, sort: str = "created", limit: int = 25) -> int:
    """First, middle and last pages and the total of a listing against the plain query; returns the total."""
    by = {"created": "seq", "provider": "service"}.get(sort, sort)
    ascending = sort not in ("created", "finished", "updated", "duration")
    expected = _plain(store, filters, by, ascending)
    assert store.count_jobs(filters) == len(expected), filters
    last = len(expected) // limit
    for page in sorted({0, 1, 2, last // 2, last - 1, last} - {-1}):
        jobs, total = store.find_jobs(filters, sort=sort, ascending=ascending, page=page, limit=limit,
                                      fields=("id", "task_id", "status", "created"))
        assert total == len(expected), (filters, sort)
        assert [job.id for job in jobs] == expected[page * limit:(page + 1) * limit], (filters, sort, page)
        assert not any({"process", "duration", "seq"} & set(job) for job in jobs)  # only the fields asked
    return len(expected)


def _intervals(jobs: List[Job]) -> List[Tuple[Any, Any]]:
    instants = [job.created for job in jobs]
    mid = instants[len(instants) // 2]
    return [
        (mid, mid),  # an instant held by several jobs (ties)
        (instants[40], instants[300]),
        (instants[1000], instants[1100]),
        (mid, None), (None, mid),
        (T0 - timedelta(days=60), None),  # everything
        (T0 + timedelta(seconds=100, microseconds=999), T0 + timedelta(seconds=400, microseconds=1500)),
        (T0 + timedelta(days=29), T0 + timedelta(days=31)),  # only the jobs far out of order
        (T0 - timedelta(days=90), T0 - timedelta(days=80)),  # nothing
    ]


def test_created_intervals_match_the_plain_query(stored):
    store, jobs = stored
    kinds = [JobFilters(access="public"), JobFilters(), JobFilters(access="public", process="beta"),
             JobFilters(access="public", status=["successful", "running"]),
             JobFilters(access="public", job_type="provider"), JobFilters(access="public", job_type="process",
                                                                          process="alpha"),
             JobFilters(access="public", tags=["async", "seeded"], status=["failed"])]
    totals = []
    for low, high in _intervals(jobs):
        for kind in kinds:
            totals.append(_check(store, JobFilters(**{**kind.__dict__, "created_min": low, "created_max": high})))
    assert max(totals) > 900 and min(totals) == 0 and 0 < totals[0] < 10


def test_duration_filters_match_the_plain_query(stored):
    store, _ = stored
    for low, high in ((60, None), (None, 60), (None, 30), (10, 400), (1000, None)):
        for kind in (JobFilters(access="public"), JobFilters(access="public", process="gamma", status=["running"])):
            _check(store, JobFilters(**{**kind.__dict__, "min_duration": low, "max_duration": high}))
    _check(store, JobFilters(access="public", min_duration=10, created_min=T0 + timedelta(seconds=200)))


def test_sorts_match_the_plain_query(stored):
    store, _ = stored
    for sort in ("status", "process", "provider", "finished", "duration", "id"):
        _check(store, JobFilters(access="public"), sort=sort, limit=40)
        _check(store, JobFilters(access="public", status=["failed", "running"], tags=["sync"]), sort=sort)


def test_with_indexes_on_finished_and_duration(stored):
    """The same listings through indexes leading with ``finished`` and ``duration`` (ranges of them)."""
    store, _ = stored
    for name in ("finished", "duration"):
        store.collection.create_index([(name, pymongo.ASCENDING), ("seq", pymongo.DESCENDING)])
    indexed = MongodbJobStore(store.collection.database)
    for sort in ("finished", "updated", "duration"):
        _check(indexed, JobFilters(access="public"), sort=sort, limit=40)
        _check(indexed, JobFilters(access="public", process="alpha", status=["successful", "failed"]), sort=sort)
    for low, high in ((60, None), (None, 60), (None, 30), (10, 400), (1000, None), (0, None)):
        for kind in (JobFilters(access="public"), JobFilters(access="public", process="gamma", tags=["sync"])):
            _check(indexed, JobFilters(**{**kind.__dict__, "min_duration": low, "max_duration": high}))


def test_listings_stay_exact_as_jobs_come_and_go(stored):
    """New jobs (some far out of order), deletions in summarized blocks, and a second process's view."""
    store, jobs = stored
    rng = random.Random(7)
    filters = JobFilters(access="public", created_min=jobs[100].created, created_max=jobs[500].created)
    before = _check(store, filters)
    added = [store.insert_job(Job(_job(rng, created)))
             for created in (jobs[300].created, jobs[300].created, T0 - timedelta(days=1), jobs[-1].created)]
    removed = [job for job in jobs[200:210] if store.delete_job(job.id)]
    after = _check(store, filters)
    assert after == before + sum(1 for job in added if filters.matches(job, job.created)) - \
        sum(1 for job in removed if filters.matches(job, job.created))
    assert after != before
    dismissed = JobFilters(**{**filters.__dict__, "status": ["dismissed"]})
    before = _check(store, dismissed)
    moved = [job for job in jobs[150:170] if job.status != "dismissed" and filters.matches(job, job.created)
             and store.update_fields(job.id, {"status": "dismissed"})]
    assert moved and _check(store, dismissed) == before + len(moved)  # status changes in summarized blocks
    _check(store, JobFilters(access="public", status=["dismissed", "successful"], min_duration=30))
    _check(store, JobFilters(access="public", status=["dismissed"], max_duration=45))
    other = MongodbJobStore(store.collection.database)  # reads the spans the first one kept
    _check(other, filters)
    _check(other, JobFilters(access="public", created_max=T0))
    assert store.tallies_match()


def test_http_listing_with_datetime_is_exact(server):
    """Through the service: a dated listing's pages and total are those of the plain query."""
    client = pymongo.MongoClient(server.mongodb_url, tz_aware=True)
    store = MongodbJobStore(client[server.db().name])
    process = f"scale-{uuid.uuid4().hex[:8]}"
    rng = random.Random(8)
    for created in _created_times(rng, 150):
        store.insert_job(Job(dict(_job(rng, created), process=process, access="public")))
    params = {"process": process, "datetime": "2024-05-01T00:00:30Z/2024-05-01T00:01:40.5Z", "limit": 20}
    filters = JobFilters(process=process, access="public", created_min=T0 + timedelta(seconds=30),
                         created_max=T0 + timedelta(seconds=100, milliseconds=500))
    expected = _plain(store, filters, "seq", ascending=False)
    seen: List[str] = []
    for page in range(len(expected) // 20 + 1):
        body = requests.get(f"{server.url}/jobs", params=dict(params, page=page), timeout=10).json()
        assert body["total"] == len(expected)
        seen.extend(job["jobID"] for job in body["jobs"])
    assert seen == expected and len(expected) > 40
    client.close()
