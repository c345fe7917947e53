"""Execution of the builtin echo over HTTP: sync, async, results, logs, statistics, dismissal."""
from __future__ import annotations

import time
import uuid

import requests

OGC_EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
REL_RESULTS = "http://www.opengis.net/def/rel/ogc/1.0/results"


def test_sync_echo_returns_results(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "hello"}})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"stringOutput": "hello"}
    links = resp.headers.get("Link", "")
    assert 'rel="monitor"' in links and server.url in links
    assert resp.headers["Content-Location"].endswith("/results")


def test_default_mode_without_prefer_is_sync_for_echo(submit):
    resp = submit("echo", {"inputs": {"stringInput": "teststring"}, "response": "raw",
                           "outputs": {"stringOutput": {"transmissionMode": "value"}}})
    assert resp.status_code == 200, resp.text
    assert resp.text == "teststring"
    assert resp.headers["Content-Type"].startswith("text/plain")


def test_async_echo_reaches_successful_with_every_milestone(server, submit):
    body = {"inputs": {"stringInput": "hello", "doubleInput": 3.5, "boundingBoxInput": {"bbox": [1, 2, 3, 4]},
                       "measureInput": {"value": {"measurement": 1.5, "uom": "m"}}}}
    resp = submit("echo", body, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    assert location.startswith(server.url + "/processes/echo/jobs/")
    status = resp.json()
    assert status["status"] == "accepted" and status["type"] == "process"
    assert location.endswith(status["jobID"])
    assert resp.headers["Preference-Applied"] == "respond-async"

    final = server.wait_job(location)
    assert final["status"] == "successful", final
    assert final["progress"] == 100
    results_link = [link["href"] for link in final["links"] if link["rel"] == REL_RESULTS]
    assert results_link, final["links"]
    results = requests.get(results_link[0], timeout=10).json()
    assert results["stringOutput"] == "hello"
    assert results["doubleOutput"] == 3.5
    assert results["boundingBoxOutput"]["bbox"] == [1.0, 2.0, 3.0, 4.0]
    href = results["measureOutput"]["href"]
    assert href.startswith(server.url + "/wpsoutputs/" + final["jobID"] + "/measureOutput/")
    served = requests.get(href, timeout=10)
    assert served.status_code == 200 and served.json() == {"measurement": 1.5, "uom": "m"}

    logs = requests.get(f"{location}/logs", timeout=10).json()
    text = "\n".join(logs)
    for fragment in (" 1% running    Job started.", " 11% running    Execution of the process started.",
                     "successful Job successful", "100% successful Job task complete."):
        assert fragment in text, text
    stats = requests.get(f"{location}/statistics", timeout=10).json()
    assert stats["process"]["rssBytes"] > 0
    assert "measureOutput" in stats["outputs"]
    stored = server.db().jobs.find_one({"id": final["jobID"]})
    assert stored["results"][1]["href"].startswith("/" + final["jobID"] + "/")  # pseudo-relative in the store


def test_results_not_ready_while_running_then_dismiss(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "slow", "pause": 5}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    early = requests.get(f"{location}/results", timeout=10)
    assert early.status_code == 404
    assert early.headers["Content-Type"].startswith("application/json")
    assert early.json()["type"] == OGC_EXC + "result-not-ready"
    server.wait_job(location, statuses=("running",), timeout=10)

    dismissed = requests.delete(location, timeout=10)
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed"
    again = requests.delete(location, timeout=10)
    assert again.status_code == 410
    time.sleep(6)  # longer than the pause: a job still running somewhere would have finished by now
    after = requests.get(location, timeout=10).json()
    assert after["status"] == "dismissed"
    gone = requests.get(f"{location}/results", timeout=10)
    assert gone.status_code == 410
    listed = requests.get(f"{server.url}/jobs", params={"status": "dismissed"}, timeout=10).json()
    assert after["jobID"] in [job["jobID"] for job in listed["jobs"]]


def test_dismiss_accepted_job_never_runs(server, submit):
    blockers = [submit("echo", {"inputs": {"stringInput": "x", "pause": 3}}, {"Prefer": "respond-async"})
                for _ in range(2)]  # occupy both worker processes
    queued = submit("echo", {"inputs": {"stringInput": "never"}}, {"Prefer": "respond-async"})
    location = queued.headers["Location"]
    assert requests.delete(location, timeout=10).status_code == 200
    for blocker in blockers:
        server.wait_job(blocker.headers["Location"])
    time.sleep(0.5)
    job = requests.get(location, timeout=10).json()
    assert job["status"] == "dismissed"
    logs = requests.get(f"{location}/logs", timeout=10).json()
    assert not any("Job started." in line for line in logs)


def test_job_listing_and_sub_resources(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "listed"}}, {"Prefer": "respond-async"})
    job = server.wait_job(resp.headers["Location"])
    listing = requests.get(f"{server.url}/jobs", timeout=10)
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] >= 1 and isinstance(body["page"], int) and body["limit"] == 10
    assert all({"jobID", "status", "type", "processID", "links"} <= set(item) for item in body["jobs"])
    bare = requests.get(f"{server.url}/jobs", params={"detail": "false"}, timeout=10).json()
    assert all(isinstance(item, str) for item in bare["jobs"])
    inputs = requests.get(f"{server.url}/jobs/{job['jobID']}/inputs", timeout=10).json()
    assert inputs["inputs"] == {"stringInput": "listed"} and inputs["mode"] == "async"
    outputs = requests.get(f"{server.url}/jobs/{job['jobID']}/outputs", timeout=10).json()
    assert outputs["outputs"]["stringOutput"] == {"value": "listed"}
    single = requests.get(f"{server.url}/jobs/{job['jobID']}/results/stringOutput", timeout=10)
    assert single.text == "listed"
    text_logs = requests.get(f"{server.url}/jobs/{job['jobID']}/logs", headers={"Accept": "text/plain"},
                             timeout=10)
    assert text_logs.headers["Content-Type"].startswith("text/plain") and "Job task complete." in text_logs.text
    exceptions = requests.get(f"{server.url}/jobs/{job['jobID']}/exceptions", timeout=10)
    assert exceptions.json() == []
    under_process = requests.get(f"{server.url}/processes/echo/jobs/{job['jobID']}", timeout=10)
    assert under_process.status_code == 200
    wrong_process = requests.get(f"{server.url}/processes/file2string_array/jobs/{job['jobID']}", timeout=10)
    assert wrong_process.status_code == 404


def test_job_status_is_json_without_accept_header(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "x"}}, {"Prefer": "respond-async "})
    assert resp.status_code == 201
    raw = requests.get(resp.headers["Location"], headers={"Accept": ""}, timeout=10)
    assert raw.headers["Content-Type"].startswith("application/json")
    assert raw.json()["jobID"]


def test_job_ids_invalid_or_unknown(server):
    bad = requests.get(f"{server.url}/jobs/thisisnt-some-real-uuid-allerrordata", timeout=10)
    assert bad.status_code == 400
    assert "UUID" in bad.json()["detail"]
    for suffix in ("", "/results", "/logs", "/inputs", "/outputs", "/exceptions", "/statistics"):
        unknown = requests.get(f"{server.url}/jobs/{uuid.uuid4()}{suffix}", timeout=10)
        assert unknown.status_code == 404, suffix
        assert unknown.json()["type"] == OGC_EXC + "no-such-job"
