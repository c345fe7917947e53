"""Execution modes and the checks made on headers before a job exists (the test server's max wait is 10 s)."""
from __future__ import annotations

import time

import pytest
import requests

OGC_RESULTS = "https://www.opengis.net/def/profile/OGC/0/ogc-results"
JOB_DESCRIPTION = "https://www.opengis.net/def/profile/OGC/0/job-description"


@pytest.fixture()
def count_jobs(server):
    def _count() -> int:
        return server.db()["jobs"].count_documents({})
    return _count


def _stored(server, location: str) -> dict:
    return server.db()["jobs"].find_one({"id": location.rstrip("/").rsplit("/", 1)[-1]})


def test_respond_async_gives_201_with_status_document(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Preference-Applied"] == "respond-async"
    assert resp.headers["Location"].startswith("http://")
    assert "/processes/echo/jobs/" in resp.headers["Location"]
    body = resp.json()
    assert body["location"] == resp.headers["Location"]
    assert resp.headers["Location"].endswith(body["jobID"])
    assert body["status"] == "accepted"
    stored = _stored(server, resp.headers["Location"])
    assert stored["execution_mode"] == "async" and stored["execution_wait"] is None
    assert server.wait_job(resp.headers["Location"])["status"] == "successful"


def test_wait_preference_runs_sync_and_is_applied(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "wait=5"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Preference-Applied"] == "wait=5"
    assert resp.json() == {"stringOutput": "a"}
    assert _stored(server, resp.headers["Content-Location"][:-len("/results")])["execution_wait"] == 5


def test_wait_over_the_maximum_runs_async(submit):
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "wait=600"})
    assert resp.status_code == 201, resp.text
    assert "Preference-Applied" not in resp.headers


def test_sync_falls_back_to_async_when_not_done_in_time(server, submit):
    start = time.monotonic()
    resp = submit("echo", {"inputs": {"stringInput": "a", "pause": 3}}, {"Prefer": "wait=1"})
    elapsed = time.monotonic() - start
    assert resp.status_code == 201, resp.text
    assert elapsed < 3
    assert resp.json()["status"] in ("accepted", "running")
    assert server.wait_job(resp.headers["Location"], timeout=30)["status"] == "successful"


def test_default_mode_is_sync_for_a_process_allowing_both(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "a"}})
    assert resp.status_code == 200, resp.text
    assert "Preference-Applied" not in resp.headers
    assert _stored(server, resp.headers["Content-Location"][:-len("/results")])["execution_mode"] == "auto"


@pytest.mark.parametrize("prefer", ["respond-sync", "respond-sync ; return=minimal", "handling=lenient"])
def test_preferences_without_mode_are_no_preference(submit, prefer):
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": prefer})
    assert resp.status_code == 200, resp.text


def test_legacy_body_mode(server, submit):
    async_resp = submit("echo", {"inputs": {"stringInput": "a"}, "mode": "async"})
    assert async_resp.status_code == 201, async_resp.text
    sync_resp = submit("echo", {"inputs": {"stringInput": "a"}, "mode": "sync"})
    assert sync_resp.status_code == 200, sync_resp.text
    # Prefer wins over the body
    resp = submit("echo", {"inputs": {"stringInput": "a"}, "mode": "sync"}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Preference-Applied"] == "respond-async"


@pytest.mark.parametrize("prefer", ["wait=10s", "wait=3.1416", "wait=yes", "wait=1,2,3", "wait=1;2;3",
                                    "wait=1, wait=2", "wait=-1"])
def test_malformed_wait_is_400(submit, count_jobs, prefer):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": prefer})
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["code"] == "InvalidParameterValue"
    assert body["description"] == "HTTP Prefer header contains invalid 'wait' definition."
    assert count_jobs() == before


def test_failed_sync_job_answers_400_with_its_status(submit):
    resp = submit("file_index_selector", {"inputs": {"files": [{"value": "a", "mediaType": "text/plain"}],
                                                     "index": 3}}, {"Prefer": "wait=10"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["status"] == "failed"
    assert resp.headers["Location"].startswith("http://")


def test_content_schema_other_than_execute_is_422(submit, count_jobs):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Content-Schema": "https://example.com/other.yaml"})
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["type"] == "http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/unsupported-schema"
    assert body["cause"] == {"name": "Content-Schema", "in": "headers", "schema": {
        "const": "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/execute.yaml"}}
    ok = submit("echo", {"inputs": {"stringInput": "a"}}, {
        "Content-Schema": "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/execute.yaml"})
    assert ok.status_code == 200
    assert count_jobs() == before + 1


@pytest.mark.parametrize("body", [{"inputs": {"stringInput": "a"}, "mode": "random"},
                                  {"inputs": {"stringInput": "a"}, "response": "random"},
                                  {"inputs": {"stringInput": "a"}, "outputs": {"stringOutput": {
                                      "transmissionMode": "random"}}}])
def test_bad_enums_are_422_invalid_schema(submit, count_jobs, body):
    before = count_jobs()
    resp = submit("echo", body)
    assert resp.status_code == 422, resp.text
    assert resp.json()["type"] == "InvalidSchema"
    assert resp.json()["title"] == "Invalid Job Execution Schema"
    assert count_jobs() == before


def test_accept_header_incompatible_with_async_is_406(submit, count_jobs):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async", "Accept": "image/png"})
    assert resp.status_code == 406, resp.text
    assert resp.json()["cause"]["name"] == "Accept"
    assert count_jobs() == before
    ok = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async", "Accept": "*/*"})
    assert ok.status_code == 201


@pytest.mark.parametrize("prefer, profile", [("wait=5", JOB_DESCRIPTION), ("respond-async", OGC_RESULTS)])
def test_accept_profile_incompatible_with_mode_is_406(submit, count_jobs, prefer, profile):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": prefer, "Accept-Profile": profile})
    assert resp.status_code == 406, resp.text
    cause = resp.json()["cause"]
    assert cause["name"] == "Accept-Profile" and cause["in"] == "headers"
    assert profile not in cause["schema"]["enum"]
    assert count_jobs() == before


def test_accept_profile_compatible_with_mode_is_recorded(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async",
                                                              "Accept-Profile": JOB_DESCRIPTION})
    assert resp.status_code == 201, resp.text
    inputs = requests.get(resp.headers["Location"] + "/inputs", timeout=10).json()
    assert inputs["headers"]["Accept-Profile"] == JOB_DESCRIPTION


@pytest.mark.parametrize("language, stored", [("fr-CA", "fr-CA"), ("fr-CH", "fr"), ("en;q=0.5, fr-CA", "fr-CA")])
def test_accept_language_is_matched(server, submit, language, stored):
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async",
                                                              "Accept-Language": language})
    assert resp.status_code == 201, resp.text
    assert _stored(server, resp.headers["Location"])["accept_language"] == stored


def test_unsupported_language_is_406(submit, count_jobs):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a"}}, {"Accept-Language": "ru"})
    assert resp.status_code == 406, resp.text
    body = resp.json()
    assert "language" in body["detail"] and "ru" in body["detail"]
    assert body["cause"]["name"] == "Accept-Language"
    assert count_jobs() == before


def test_body_process_of_another_process_is_400(server, submit, count_jobs):
    before = count_jobs()
    resp = submit("echo", {"process": f"{server.url}/processes/file2string_array", "inputs": {"stringInput": "a"}})
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["type"] == "InvalidJobUpdate"
    assert body["cause"] == {"name": "process", "in": "body"}
    assert count_jobs() == before


def test_tagged_process_reference_in_path(server, submit):
    version = requests.get(f"{server.url}/processes/echo", timeout=10).json()["version"]
    resp = submit(f"echo:{version}", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    assert f"echo:{version}" in resp.headers["Location"] or "/processes/echo/" in resp.headers["Location"]


_ONE_MODE_CWL = {
    "cwlVersion": "v1.2", "class": "CommandLineTool", "baseCommand": "echo",
    "inputs": {"text": {"type": "string", "inputBinding": {"position": 1}}},
    "outputs": {"printed": {"type": "string", "outputBinding": {
        "glob": "out.txt", "loadContents": True, "outputEval": "$(self[0].contents.trim())"}}},
    "stdout": "out.txt", "requirements": {"InlineJavascriptRequirement": {}},
}


@pytest.fixture(scope="module")
def one_mode_processes(weaver_server):
    """Two processes deployed once: one only runs async, the other only sync."""
    for process_id, options in (("modes-async-only", ["async-execute"]), ("modes-sync-only", ["sync-execute"])):
        resp = requests.post(f"{weaver_server.url}/processes", timeout=30, json={
            "processDescription": {"id": process_id, "jobControlOptions": options},
            "executionUnit": [{"unit": _ONE_MODE_CWL}]})
        assert resp.status_code in (201, 409), resp.text
    return weaver_server


def test_async_only_process_runs_async_whatever_is_preferred(one_mode_processes, submit):
    for prefer in (None, "wait=4"):
        resp = submit("modes-async-only", {"inputs": {"text": "hi"}}, {"Prefer": prefer} if prefer else {})
        assert resp.status_code == 201, resp.text
        assert "Preference-Applied" not in resp.headers
    applied = submit("modes-async-only", {"inputs": {"text": "hi"}}, {"Prefer": "respond-async"})
    assert applied.headers["Preference-Applied"] == "respond-async"
    assert one_mode_processes.wait_job(applied.headers["Location"])["status"] == "successful"


def test_sync_only_process_runs_sync_whatever_is_preferred(one_mode_processes, submit):
    resp = submit("modes-sync-only", {"inputs": {"text": "hi"}}, {"Prefer": "respond-async"})
    assert resp.status_code == 200, resp.text
    assert "Preference-Applied" not in resp.headers
    assert resp.json() == {"printed": "hi"}


@pytest.mark.parametrize("process_id, mode", [("modes-async-only", "sync"), ("modes-sync-only", "async")])
def test_body_mode_not_allowed_is_422(one_mode_processes, submit, count_jobs, process_id, mode):
    before = count_jobs()
    resp = submit(process_id, {"inputs": {"text": "hi"}, "mode": mode})
    assert resp.status_code == 422, resp.text
    assert resp.json()["type"] == "InvalidJobControlOptions"
    assert count_jobs() == before


def test_patch_mode_not_allowed_is_400(one_mode_processes):
    server = one_mode_processes
    created = requests.post(f"{server.url}/jobs", timeout=30, json={
        "process": f"{server.url}/processes/modes-async-only", "status": "create", "inputs": {"text": "x"}})
    assert created.status_code == 201, created.text
    resp = requests.patch(created.headers["Location"], json={"mode": "sync"}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert resp.json()["type"] == "InvalidJobUpdate"


def test_wait_zero_does_not_wait(server, submit):
    start = time.monotonic()
    resp = submit("echo", {"inputs": {"stringInput": "a", "pause": 2}}, {"Prefer": "wait=0"})
    assert resp.status_code == 201, resp.text
    assert time.monotonic() - start < 2
    assert server.wait_job(resp.headers["Location"], timeout=30)["status"] == "successful"


PART4_MEDIA = "http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/unsupported-media-type"


def test_non_json_body_is_415_with_header_details(server, count_jobs):
    before = count_jobs()
    resp = requests.post(f"{server.url}/processes/echo/execution", data="<x/>",
                         headers={"Content-Type": "text/plain"}, timeout=10)
    assert resp.status_code == 415, resp.text
    body = resp.json()
    assert (body["type"], body["title"], body["code"]) == (PART4_MEDIA, "Unsupported Media-Type", "InvalidHeaderValue")
    assert (body["name"], body["value"]) == ("Content-Type", "text/plain")
    assert count_jobs() == before


@pytest.mark.parametrize("data", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_undecodable_or_non_object_json_is_400(server, count_jobs, data):
    before = count_jobs()
    resp = requests.post(f"{server.url}/processes/echo/execution", data=data,
                         headers={"Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == 400, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert count_jobs() == before
