"""OGC API - Processes Part 4 job management over HTTP: create, update, trigger, inputs."""
from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
import requests

PART4_EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/"
OGC_EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
OWS = 'xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"'


@pytest.fixture()
def count_jobs(server):
    def _count() -> int:
        return server.db()["jobs"].count_documents({})
    return _count


def _create(server, body: Optional[Dict[str, Any]] = None, headers: Optional[Dict[str, str]] = None) -> str:
    payload = {"process": f"{server.url}/processes/echo", "status": "create", "inputs": {"stringInput": "a"}}
    payload.update(body or {})
    resp = requests.post(f"{server.url}/jobs", json=payload, headers=headers or {}, timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "created"
    return resp.headers["Location"]


def _stored(server, location: str) -> Dict[str, Any]:
    return server.db()["jobs"].find_one({"id": location.rsplit("/", 1)[-1]})


def test_post_jobs_with_process_url_executes(server):
    resp = requests.post(f"{server.url}/jobs", json={
        "process": f"{server.url}/processes/echo", "mode": "sync", "response": "document",
        "inputs": {"stringInput": "test"}, "outputs": {"stringOutput": {"transmissionMode": "value"}}}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert "Preference-Applied" not in resp.headers
    assert "/jobs/" in resp.headers["Content-Location"] and resp.headers["Content-Location"].endswith("/results")
    assert resp.json() == {"stringOutput": "test"}


def test_post_jobs_async(server):
    resp = requests.post(f"{server.url}/jobs", json={"process": f"{server.url}/processes/echo",
                                                     "inputs": {"stringInput": "x"}},
                         headers={"Prefer": "respond-async"}, timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["processID"] == "echo"
    assert server.wait_job(resp.headers["Location"])["status"] == "successful"


@pytest.mark.parametrize("process", ["xyz", "http://example.com/not-a-process", None,
                                     "http://example.com/processes/echo"])
def test_post_jobs_with_bad_process_reference_is_400(server, count_jobs, process):
    before = count_jobs()
    resp = requests.post(f"{server.url}/jobs", json={"process": process, "inputs": {}}, timeout=30)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["title"] == "NoSuchProcess"
    assert body["type"] == OGC_EXC + "no-such-process"
    assert body["cause"] == {"in": "body", "process": process}
    assert count_jobs() == before


def test_post_jobs_with_unknown_process_is_404(server):
    resp = requests.post(f"{server.url}/jobs", json={"process": f"{server.url}/processes/unknown"}, timeout=30)
    assert resp.status_code == 404, resp.text
    assert resp.json()["type"] == OGC_EXC + "no-such-process"


def test_post_jobs_other_media_type_is_415(server):
    resp = requests.post(f"{server.url}/jobs", data="process=echo", headers={"Content-Type": "text/plain"},
                         timeout=30)
    assert resp.status_code == 415, resp.text
    assert resp.json()["cause"] == {"in": "headers", "name": "Content-Type", "value": "text/plain"}


def test_post_jobs_xml_with_empty_identifier_is_400(server):
    xml = f'<wps:Execute {OWS} service="WPS" version="1.0.0"><ows:Identifier></ows:Identifier></wps:Execute>'
    resp = requests.post(f"{server.url}/jobs", data=xml, headers={"Content-Type": "application/xml"}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert resp.json()["cause"] == {"in": "body", "ows:Identifier": None}


def test_post_jobs_xml_with_identifier_executes(server):
    xml = (f'<wps:Execute {OWS} service="WPS" version="1.0.0"><ows:Identifier>echo</ows:Identifier>'
           '<wps:DataInputs><wps:Input><ows:Identifier>stringInput</ows:Identifier><wps:Data>'
           '<wps:LiteralData>from-xml</wps:LiteralData></wps:Data></wps:Input></wps:DataInputs></wps:Execute>')
    resp = requests.post(f"{server.url}/jobs", data=xml, headers={"Content-Type": "application/xml"}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert "ExecuteResponse" in resp.text


def test_created_job_waits_for_trigger_then_runs(server):
    location = _create(server)
    stored = _stored(server, location)
    assert stored["status"] == "created" and stored["task_id"] == "created"
    assert requests.get(location, timeout=10).json()["status"] == "created"
    trigger = requests.post(location + "/results", json={}, timeout=30)
    assert trigger.status_code == 202, trigger.text
    assert trigger.json()["status"] == "accepted"
    assert server.wait_job(location)["status"] == "successful"
    assert requests.get(location + "/results", timeout=10).json() == {"stringOutput": "a"}
    again = requests.post(location + "/results", json={}, timeout=30)
    assert again.status_code == 423
    assert again.json()["type"] == PART4_EXC + "locked"


def test_patch_created_job_then_inputs_show_it(server):
    location = _create(server)
    resp = requests.patch(location, json={
        "inputs": {"stringInput": "patched"}, "outputs": {"stringOutput": {}},
        "subscribers": {"successUri": "http://127.0.0.1:9/ok", "failedUri": "http://127.0.0.1:9/ko"}},
        headers={"Prefer": "return=representation; wait=5"}, timeout=30)
    assert resp.status_code == 204, resp.text
    inputs = requests.get(location + "/inputs", timeout=10).json()
    assert inputs["mode"] == "sync"
    assert inputs["response"] == "raw"
    assert inputs["inputs"] == {"stringInput": "patched"}
    assert inputs["outputs"] == {"stringOutput": {}}
    assert inputs["headers"]["Prefer"] == "return=representation; wait=5"
    assert "subscribers" not in inputs
    assert _stored(server, location)["subscribers"] == {
        "callbacks": {"success": "http://127.0.0.1:9/ok", "failed": "http://127.0.0.1:9/ko"}}
    assert requests.patch(location, json={"subscribers": {}}, timeout=30).status_code == 204
    assert _stored(server, location)["subscribers"] is None


def test_patch_title(server):
    location = _create(server)
    assert requests.patch(location, json={"title": "T"}, timeout=30).status_code == 204
    assert requests.get(location, timeout=10).json()["title"] == "T"
    assert requests.patch(location, json={"title": None}, timeout=30).status_code == 204
    assert "title" not in requests.get(location, timeout=10).json()
    empty = requests.patch(location, json={"title": ""}, timeout=30)
    assert empty.status_code == 422, empty.text
    assert "title.JobTitle" in str(empty.json()["cause"])


def test_patch_prefer_return_and_body_response(server):
    location = _create(server)
    resp = requests.patch(location, json={}, headers={"Prefer": "return=representation"}, timeout=30)
    assert resp.status_code == 204, resp.text
    inputs = requests.get(location + "/inputs", timeout=10).json()
    assert (inputs["mode"], inputs["response"]) == ("auto", "raw")
    assert requests.patch(location, json={"response": "document"}, timeout=30).status_code == 204
    assert requests.get(location + "/inputs", timeout=10).json()["headers"]["Prefer"] == "return=minimal"


@pytest.mark.parametrize("body, status", [
    ({"inputs": {"unknown": 1}}, 400),
    ({"inputs": {"stringInput": "a", "geometryInput": {"href": "file:///etc/passwd"}}}, 400),
    ({"process": "http://example.com/processes/other"}, 400),
    ({"mode": "random"}, 422),
])
def test_patch_invalid_changes_leave_the_job_untouched(server, body, status):
    location = _create(server)
    resp = requests.patch(location, json=body, timeout=30)
    assert resp.status_code == status, resp.text
    assert _stored(server, location)["inputs"] == {"stringInput": "a"}


def test_patch_non_json_is_415_and_finished_job_is_423(server, submit):
    location = _create(server)
    resp = requests.patch(location, data="title=x", headers={"Content-Type": "text/plain"}, timeout=30)
    assert resp.status_code == 415, resp.text
    done = submit("echo", {"inputs": {"stringInput": "a"}}, {"Prefer": "respond-async"})
    server.wait_job(done.headers["Location"])
    locked = requests.patch(done.headers["Location"], json={"title": "late"}, timeout=30)
    assert locked.status_code == 423, locked.text
    assert locked.json()["type"] == PART4_EXC + "locked"


def test_inputs_of_submitted_job(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "shown"}}, {
        "Prefer": "respond-async", "X-WPS-Output-Context": "test/context", "Accept-Language": "fr-CA"})
    assert resp.status_code == 201, resp.text
    inputs = requests.get(resp.headers["Location"] + "/inputs", timeout=10).json()
    assert inputs["inputs"] == {"stringInput": "shown"}
    assert inputs["mode"] == "async" and inputs["response"] == "document"
    assert inputs["headers"] == {"Accept": inputs["headers"]["Accept"], "Accept-Language": "fr-CA",
                                 "Accept-Profile": None, "Content-Type": "application/json",
                                 "Prefer": "return=minimal; respond-async", "X-WPS-Output-Context": "test/context"}
    assert any(link["rel"] == "self" for link in inputs["links"])
