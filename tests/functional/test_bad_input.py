"""Bad requests get a clear 4xx in the documented format, and never leave a job behind."""
from __future__ import annotations

import pytest
import requests

OGC_EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"


@pytest.fixture()
def count_jobs(server):
    return lambda: server.db().jobs.count_documents({})


def _assert_error(resp: requests.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["type"] and body["title"] and body["detail"]
    return body


def test_wrong_content_type_is_415(server, count_jobs):
    before = count_jobs()
    resp = requests.post(f"{server.url}/processes/echo/execution", data="stringInput=x",
                         headers={"Content-Type": "text/plain"}, timeout=10)
    body = _assert_error(resp, 415)
    assert body["type"].endswith("unsupported-media-type")
    assert count_jobs() == before


def test_malformed_json_is_400(server, count_jobs):
    before = count_jobs()
    resp = requests.post(f"{server.url}/processes/echo/execution", data="{not json",
                         headers={"Content-Type": "application/json"}, timeout=10)
    _assert_error(resp, 400)
    assert count_jobs() == before


def test_unknown_process_is_404(server):
    resp = requests.post(f"{server.url}/processes/does-not-exist/execution", json={"inputs": {}}, timeout=10)
    body = _assert_error(resp, 404)
    assert body["type"] == OGC_EXC + "no-such-process"
    described = requests.get(f"{server.url}/processes/invalid-process-{'0' * 8}", timeout=10)
    assert _assert_error(described, 404)["type"] == OGC_EXC + "no-such-process"


@pytest.mark.parametrize("body, status", [
    ({"inputs": {"stringInput": "x", "unknown": 1}}, 400),        # unknown input id
    ({"inputs": {}}, 400),                                         # required input missing
    ({"inputs": {"stringInput": "x", "doubleInput": "abc"}}, 400),  # literal of the wrong type
    ({"inputs": {"stringInput": "x", "pause": -1}}, 400),            # below the minimum
    ({"inputs": {"stringInput": "x"}, "outputs": {"nope": {}}}, 400),  # unknown output id
    ({"inputs": {"stringInput": "x"}, "mode": "random"}, 422),
    ({"inputs": {"stringInput": "x"}, "response": "random"}, 422),
    ({"inputs": {"stringInput": "x"}, "outputs": {"stringOutput": {"transmissionMode": "random"}}}, 422),
    ({"inputs": [{"stringInput": "v"}]}, 422),                        # listing item without id
    ({"invalid-execute-request": "true)"}, 400),
])
def test_invalid_execute_bodies(server, submit, count_jobs, body, status):
    before = count_jobs()
    resp = submit("echo", body)
    _assert_error(resp, status)
    assert count_jobs() == before


def test_malformed_prefer_wait_is_400(submit, count_jobs):
    before = count_jobs()
    for value in ("wait=10s", "wait=3.1416", "wait=yes", "wait=1, wait=2"):
        resp = submit("echo", {"inputs": {"stringInput": "x"}}, {"Prefer": value})
        _assert_error(resp, 400)
    assert count_jobs() == before


def test_unknown_routes_and_methods(server):
    assert _assert_error(requests.post(f"{server.url}/random", timeout=10), 404)
    resp = requests.post(f"{server.url}/", timeout=10)
    _assert_error(resp, 405)


def test_output_files_cannot_escape_their_directory(server):
    for path in ("/wpsoutputs/../weaver.ini", "/wpsoutputs/%2e%2e/weaver.ini", "/wpsoutputs/"):
        resp = requests.get(server.url + path, timeout=10)
        assert resp.status_code == 404, path
