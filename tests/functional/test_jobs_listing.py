"""GET /jobs: filters, sort, paging with links, detail and groups, and the documented errors.

Jobs are seeded through the real job store (the same code the service writes with), each test under its own
process name so that its filters select only its jobs; the listing is read over HTTP from the running service.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pymongo
import pytest
import requests

from weaver.datatype import Job
from weaver.store.job_filters import JobFilters
from weaver.store.jobs import MongodbJobStore

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture()
def seed(server):
    client = pymongo.MongoClient(server.mongodb_url, tz_aware=True)
    store = MongodbJobStore(client[server.db().name])
    process = f"listing-{uuid.uuid4().hex[:8]}"

    def _seed(n: int = 1, **fields: Any) -> List[Job]:
        jobs = []
        for _ in range(n):
            doc: Dict[str, Any] = {"task_id": "accepted", "process": process, "access": "public",
                                   "status": "accepted", "tags": ["seeded"]}
            doc.update(fields)
            jobs.append(store.insert_job(Job(doc)))
        return jobs

    _seed.process = process
    yield _seed
    client.close()


def get_jobs(server, **params: Any) -> requests.Response:
    return requests.get(f"{server.url}/jobs", params=params, timeout=10)


def ids(resp: requests.Response) -> List[str]:
    assert resp.status_code == 200, resp.text
    return [job["jobID"] if isinstance(job, dict) else job for job in resp.json()["jobs"]]


def test_filter_by_process_status_and_categories(server, seed):
    done = seed(2, status="successful", started=T0, finished=T0 + timedelta(seconds=5))
    failed = seed(1, status="failed", started=T0, finished=T0 + timedelta(seconds=5))
    running = seed(1, status="running", started=T0)
    queued = seed(1, status="accepted")
    proc = seed.process
    assert set(ids(get_jobs(server, process=proc, status="successful"))) == {j.id for j in done}
    assert set(ids(get_jobs(server, process=proc, status="successful,running"))) == {j.id for j in done + running}
    assert set(ids(get_jobs(server, process=proc, status="finished"))) == {j.id for j in done + failed}
    assert set(ids(get_jobs(server, process=proc, status="running"))) == {j.id for j in running}
    assert set(ids(get_jobs(server, process=proc, status="accepted"))) == {j.id for j in queued}
    everything = get_jobs(server, process=proc).json()
    assert everything["total"] == 5 and everything["count"] == 5
    assert all(job["processID"] == proc for job in everything["jobs"])
    bad = get_jobs(server, process=proc, status="random")
    assert bad.status_code == 400
    assert bad.json()["value"]["status"] == "random"


def test_filter_by_type_provider_tags_and_access(server, seed):
    local = seed(2)
    remote = seed(1, service="remote-wps", tags=["seeded", "remote"])
    proc = seed.process
    assert set(ids(get_jobs(server, process=proc, type="process"))) == {j.id for j in local}
    assert set(ids(get_jobs(server, process=proc, type="provider"))) == {j.id for j in remote}
    assert set(ids(get_jobs(server, process=proc, provider="remote-wps"))) == {j.id for j in remote}
    assert set(ids(get_jobs(server, process=proc, tags="seeded,remote"))) == {j.id for j in remote}
    assert len(ids(get_jobs(server, process=proc, tags="seeded"))) == 3
    assert get_jobs(server, type="process", provider="remote-wps").status_code == 400
    assert get_jobs(server, type="other").status_code == 400
    assert get_jobs(server, tags="public").status_code == 400
    assert get_jobs(server, access="private").status_code == 403
    assert get_jobs(server, access="whatever").status_code == 400
    seed(1, access="private")
    assert get_jobs(server, process=proc).json()["total"] == 3  # private jobs are never listed anonymously


def test_filter_by_datetime(server, seed):
    old = seed(1, created=T0 - timedelta(days=10))
    mid = seed(1, created=T0)
    new = seed(1, created=T0 + timedelta(days=10))
    proc = seed.process
    assert ids(get_jobs(server, process=proc, datetime="2024-03-01T12:00:00Z")) == [mid[0].id]
    assert set(ids(get_jobs(server, process=proc, datetime="2024-02-25T00:00:00Z/2024-03-05T00:00:00+00:00"))) == \
        {mid[0].id}
    assert set(ids(get_jobs(server, process=proc, datetime="../2024-03-05T00:00:00Z"))) == {old[0].id, mid[0].id}
    assert set(ids(get_jobs(server, process=proc, datetime="2024-02-25T00:00:00Z/"))) == {mid[0].id, new[0].id}
    for bad in ("yesterday", "2024-03-01", "2024-13-01T00:00:00Z", "../.."):
        resp = get_jobs(server, datetime=bad)
        assert resp.status_code == 400, (bad, resp.text)
    inverted = get_jobs(server, datetime="2024-03-05T00:00:00Z/2024-02-25T00:00:00Z")
    assert inverted.status_code == 422
    assert inverted.json()["cause"]["name"] == "datetime"


def test_filter_by_duration(server, seed):
    short = seed(1, status="successful", started=T0, finished=T0 + timedelta(seconds=3), duration=3.0)
    long = seed(1, status="successful", started=T0, finished=T0 + timedelta(seconds=100), duration=100.0)
    still = seed(1, status="running", started=datetime.now(timezone.utc) - timedelta(seconds=50))
    proc = seed.process
    assert set(ids(get_jobs(server, process=proc, minDuration=10))) == {long[0].id, still[0].id}
    assert set(ids(get_jobs(server, process=proc, maxDuration=10))) == {short[0].id}
    assert set(ids(get_jobs(server, process=proc, minDuration=10, maxDuration=60))) == {still[0].id}
    assert get_jobs(server, minDuration=10, maxDuration=10).status_code == 400
    assert get_jobs(server, minDuration=-1).status_code == 400
    assert get_jobs(server, maxDuration="abc").status_code == 400


def test_sort(server, seed):
    jobs = [seed(1, created=T0 + timedelta(minutes=n), status=status, started=T0,
                 finished=T0 + timedelta(minutes=10 - n))[0] for n, status in enumerate(["failed", "successful", "dismissed"])]
    proc = seed.process
    assert ids(get_jobs(server, process=proc)) == [j.id for j in reversed(jobs)]  # newest first
    assert ids(get_jobs(server, process=proc, sort="finished")) == [j.id for j in jobs]  # latest finish first
    assert ids(get_jobs(server, process=proc, sort="status")) == [jobs[2].id, jobs[0].id, jobs[1].id]
    bad = get_jobs(server, sort="color")
    assert bad.status_code == 400 and bad.json()["cause"]["name"] == "sort"


def test_paging_links_and_headers(server, seed):
    jobs = seed(25)
    newest_first = [job.id for job in reversed(jobs)]
    proc = seed.process
    pages = [get_jobs(server, process=proc, limit=10, page=page) for page in range(3)]
    assert [ids(resp) for resp in pages] == [newest_first[:10], newest_first[10:20], newest_first[20:]]
    first = pages[0].json()
    assert (first["page"], first["limit"], first["count"], first["total"]) == (0, 10, 10, 25)
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert set(rels) == {"self", "first", "last", "next"}
    assert "page=1" in rels["next"] and "page=2" in rels["last"] and f"process={proc}" in rels["next"]
    assert ids(requests.get(rels["next"], timeout=10)) == newest_first[10:20]
    middle = {link["rel"] for link in pages[1].json()["links"]}
    assert {"prev", "next"} <= middle
    assert "next" not in {link["rel"] for link in pages[2].json()["links"]}
    link_header = pages[1].headers.get("Link", "")
    assert 'rel="next"' in link_header and 'rel="prev"' in link_header and 'rel="last"' in link_header
    out = get_jobs(server, process=proc, limit=10, page=3)
    assert out.status_code == 400
    body = out.json()
    assert body["code"] == "JobInvalidParameter" and "IndexError" in body["error"]
    assert body["description"] == "Page index 3 is out of range from [0,2]."
    assert body["value"] == {"page": 3, "limit": 10, "count": 25}
    for params in ({"page": -1}, {"limit": 0}):
        resp = get_jobs(server, **params)
        assert resp.status_code == 400 and "less than minimum" in str(resp.json()["cause"])


def test_detail_false_gives_ids_and_default_gives_status_documents(server, seed):
    jobs = seed(2)
    bare = get_jobs(server, process=seed.process, detail="false").json()
    assert sorted(bare["jobs"]) == sorted(job.id for job in jobs)
    full = get_jobs(server, process=seed.process).json()["jobs"][0]
    assert {"jobID", "status", "type", "processID", "created", "links"} <= set(full)
    assert "logs" not in full and "inputs" not in full


def test_groups(server, seed):
    seed(3, status="successful")
    seed(2, status="failed")
    body = get_jobs(server, process=seed.process, groups="status").json()
    assert "page" not in body and "limit" not in body
    counts = {group["category"]["status"]: group["count"] for group in body["groups"]}
    assert counts == {"successful": 3, "failed": 2}
    assert body["total"] == 5 == sum(len(group["jobs"]) for group in body["groups"])
    by_two = get_jobs(server, process=seed.process, groups="process,status").json()
    assert all(group["category"]["process"] == seed.process for group in by_two["groups"])
    assert get_jobs(server, groups="color").status_code == 400
    assert get_jobs(server, groups="status", f="html").status_code == 400


def test_totals_follow_status_changes(server, seed):
    jobs = seed(3)
    proc = seed.process
    assert get_jobs(server, process=proc, status="accepted").json()["total"] == 3
    assert requests.delete(f"{server.url}/jobs/{jobs[0].id}", timeout=10).status_code == 200
    assert get_jobs(server, process=proc, status="accepted").json()["total"] == 2
    assert ids(get_jobs(server, process=proc, status="dismissed")) == [jobs[0].id]


def test_listing_under_a_process(server, submit):
    done = submit("echo", {"inputs": {"stringInput": "scoped"}}, {"Prefer": "respond-async"})
    server.wait_job(done.headers["Location"])
    resp = requests.get(f"{server.url}/processes/echo/jobs", params={"limit": 100}, timeout=10)
    assert resp.status_code == 200
    listed = resp.json()["jobs"]
    assert done.json()["jobID"] in [job["jobID"] for job in listed]
    assert all(job["processID"] == "echo" for job in listed)
    assert 'rel="self"' in resp.headers.get("Link", "")
    assert all("/processes/echo/jobs" in link["href"] for link in resp.json()["links"])


def test_totals_match_the_stored_jobs_after_real_runs(server, submit):
    """Totals come from tallies moved at every status change: after real runs they equal a count of the jobs."""
    tag = f"tally-{uuid.uuid4().hex[:8]}"
    locations = [submit("echo", {"inputs": {"stringInput": f"tally {n}"}}, {"Prefer": "respond-async"},
                        path=f"execution?tags={tag}").headers["Location"] for n in range(3)]
    for location in locations:
        server.wait_job(location)
    dismissed = submit("echo", {"inputs": {"stringInput": "tally"}, "status": "create"},
                       path=f"execution?tags={tag}").json()["jobID"]
    assert requests.delete(f"{server.url}/jobs/{dismissed}", timeout=10).status_code == 200
    client = pymongo.MongoClient(server.mongodb_url)
    try:
        jobs = client[server.db().name]["jobs"]
        for params, query in [
            ({"tags": tag}, {"tags": tag}),
            ({"tags": f"{tag},async"}, {"tags": {"$all": [tag, "async"]}}),
            ({"tags": f"{tag},local", "status": "successful"}, {"tags": {"$all": [tag, "local"]},
                                                                  "status": "successful"}),
            ({"tags": tag, "status": "dismissed"}, {"tags": tag, "status": "dismissed"}),
        ]:
            listed = get_jobs(server, **params).json()
            assert listed["total"] == jobs.count_documents(dict(query, access="public")), params
        assert get_jobs(server, tags=tag).json()["total"] == 4
        assert get_jobs(server, tags=f"{tag},async", status="successful").json()["total"] == 3
    finally:
        client.close()


def test_tallies_are_rebuilt_from_the_jobs_of_an_earlier_version(server):
    """Jobs stored without tallies (an upgrade, or tallies lost) are counted again when the service starts."""
    client = pymongo.MongoClient(server.mongodb_url, tz_aware=True)
    database = client[f"upgrade-{uuid.uuid4().hex[:8]}"]
    try:
        for n, status in enumerate(["accepted", "running", "successful", "successful", "failed"]):
            doc = Job(task_id="x", process="old", status=status, access="public", tags=["old", f"n{n % 2}"]).params()
            doc["seq"] = n + 1
            database["jobs"].insert_one(doc)
        database["job_meta"].insert_one({"_id": "jobs", "seq": 5})
        database["job_counts"].insert_one({"access": "public", "status": "accepted", "n": 99})  # earlier counters
        store = MongodbJobStore(database)
        store.create_indexes()
        assert store.tallies_match()
        assert "job_counts" not in database.list_collection_names()
        assert store.count_jobs(JobFilters(access="public", process="old")) == 5
        assert store.count_jobs(JobFilters(access="public", status=["successful"])) == 2
        assert store.count_jobs(JobFilters(access="public", tags=["old", "n0"], status=["successful", "accepted"])) == 2
        newest, total = store.find_jobs(JobFilters(access="public", process="old"), limit=2)
        older, _ = store.find_jobs(JobFilters(access="public", process="old"), page=1, limit=2)
        assert total == 5 and [job["seq"] for job in newest + older] == [5, 4, 3, 2]
        store.insert_job(Job(task_id="x", process="old", status="accepted", access="public", tags=["old", "n1"]))
        newest, total = store.find_jobs(JobFilters(access="public", process="old", tags=["n1"]), limit=2)
        assert total == 3 and [job["seq"] for job in newest] == [6, 4]
    finally:
        client.drop_database(database.name)
        client.close()
