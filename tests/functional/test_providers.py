"""Remote providers over HTTP: a real pywps WPS 1.0.0 server registered in a HYBRID weaver, and the session weaver
as a remote OGC API server. Nothing is mocked: every remote call crosses 127.0.0.1.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List

import pytest
import requests

from conftest import WeaverServer, wait_job_status, write_test_ini
from remote_wps_app import FAIL_MESSAGE
from weaver.runtime.embedded import start_web, start_worker
from weaver.runtime.processes import ManagedProcess, free_port, wait_for_port

HERE = os.path.dirname(os.path.abspath(__file__))
REMOTE_APP = os.path.join(os.path.dirname(HERE), "remote_wps_app.py")
PROVIDERS_DB = "weaver-test-providers"
JSON = {"Content-Type": "application/json"}


@dataclass
class RemoteWPS:
    url: str
    proc: ManagedProcess


def start_remote_wps(root: str) -> RemoteWPS:
    """The pywps test server on a free loopback port, as its own process group."""
    os.makedirs(root, exist_ok=True)
    port = free_port()
    proc = ManagedProcess.start("remote-wps", [sys.executable, REMOTE_APP, "--port", str(port), "--dir", root],
                                os.path.join(root, "server.log"))
    try:
        wait_for_port("127.0.0.1", port, 30, proc)
    except BaseException:
        proc.stop()
        raise
    return RemoteWPS(f"http://127.0.0.1:{port}/wps", proc)


@pytest.fixture(scope="module")
def remote_wps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteWPS]:
    remote = start_remote_wps(str(tmp_path_factory.mktemp("remote-wps")))
    yield remote
    remote.proc.stop()


@pytest.fixture(scope="module")
def hybrid(weaver_server: WeaverServer, remote_wps: RemoteWPS,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeaverServer]:
    """A second weaver, configured HYBRID, on the session store (own database) and broker (own redis db).

    Its wps_processes.yml pre-registers the pywps server as provider 'preloaded' and the session weaver's echo
    as the remote OGC API process 'remote-echo'.
    """
    root = str(tmp_path_factory.mktemp("hybrid"))
    os.makedirs(os.path.join(root, "inputs"))
    processes_file = os.path.join(root, "wps_processes.yml")
    with open(processes_file, "w", encoding="utf-8") as file:
        file.write(f"providers:\n  - name: preloaded\n    url: {remote_wps.url}?preloaded=1\n    public: true\n"
                   f"processes:\n  - url: {weaver_server.url}/processes/echo\n    id: remote-echo\n")
    web_port = free_port()
    broker_url = weaver_server.broker_url.rsplit("/", 1)[0] + "/1"  # its own queue: the session worker never sees it
    ini_path = os.path.join(root, "weaver.ini")
    write_test_ini(ini_path, web_port, root, weaver_server.mongodb_url, broker_url, extra={
        "weaver.configuration": "HYBRID",
        "mongodb.db_name": PROVIDERS_DB,
        "weaver.wps_processes_file": processes_file,
        "weaver.remote_monitor_interval": "0.05",
        "weaver.remote_monitor_interval_max": "0.5",
        "weaver.remote_request_retries": "3",
        "weaver.wps_client_timeout": "1.5",
    })
    logs = os.path.join(root, "logs")
    os.makedirs(logs)
    children = [start_worker(ini_path, 2, os.path.join(logs, "worker.log"), name="hybrid"),
                start_web(ini_path, os.path.join(logs, "web.log"))]
    try:
        yield WeaverServer(f"http://127.0.0.1:{web_port}", ini_path, root, weaver_server.mongodb_url, broker_url)
    finally:
        for child in reversed(children):
            child.stop()


@pytest.fixture(scope="module")
def provider(hybrid: WeaverServer, remote_wps: RemoteWPS) -> str:
    """The pywps server registered through the API as 'pywps'."""
    resp = requests.post(f"{hybrid.url}/providers", json={"id": "pywps", "url": remote_wps.url}, timeout=30)
    assert resp.status_code == 201, resp.text
    return f"{hybrid.url}/providers/pywps"


def execute(url: str, body: Dict[str, Any], headers: Dict[str, str] = None) -> requests.Response:
    return requests.post(url, json=body, headers=dict(JSON, **(headers or {})), timeout=60)


def wait_status(location: str, statuses: tuple, timeout: float = 30) -> Dict[str, Any]:
    return wait_job_status(location, statuses, timeout)


def wait_remote_progress(location: str, timeout: float = 30) -> Dict[str, Any]:
    """Wait until the remote job reported progress (it was accepted and is running over there)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = requests.get(location, timeout=10).json()
        if body["status"] == "running" and body["progress"] > 14:
            return body
        assert body["status"] in ("accepted", "running"), body
        time.sleep(0.05)
    raise AssertionError(f"{location} showed no remote progress in {timeout}s")


def test_providers_forbidden_unless_ems_or_hybrid(weaver_server: WeaverServer):
    resp = requests.get(f"{weaver_server.url}/providers", timeout=10)
    assert resp.status_code == 403, resp.text
    assert "HYBRID" in resp.json()["detail"]
    resp = requests.post(f"{weaver_server.url}/providers", json={"id": "x", "url": "http://127.0.0.1:1/wps"},
                         timeout=10)
    assert resp.status_code == 403


def test_register_list_get_delete_provider(hybrid: WeaverServer, remote_wps: RemoteWPS, provider: str):
    listed = requests.get(f"{hybrid.url}/providers", timeout=10).json()["providers"]
    by_id = {item["id"]: item for item in listed}
    assert by_id["pywps"]["url"] == remote_wps.url
    assert by_id["pywps"]["title"] == "PyWPS Processing Service"
    assert by_id["preloaded"]["url"] == remote_wps.url + "?preloaded=1"  # from wps_processes.yml
    one = requests.get(provider, timeout=10)
    assert one.status_code == 200 and one.json()["id"] == "pywps"

    duplicate = requests.post(f"{hybrid.url}/providers", json={"id": "pywps", "url": remote_wps.url}, timeout=10)
    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["status"] == 409

    temp = requests.post(f"{hybrid.url}/providers", json={"id": "temp", "url": remote_wps.url + "?x=1"},
                         timeout=30)
    assert temp.status_code == 201, temp.text
    assert requests.delete(f"{hybrid.url}/providers/temp", timeout=10).status_code == 204
    gone = requests.get(f"{hybrid.url}/providers/temp", timeout=10)
    assert gone.status_code == 404 and gone.json()["title"] == "NoSuchProvider"


@pytest.mark.parametrize("body, status", [
    ({"id": "dead", "url": "http://127.0.0.1:9/wps"}, 422),   # nothing listens there
    ("not json", 400),
    ({"id": "no url"}, 400),
    ({"id": "bad/id", "url": "http://127.0.0.1:9/wps"}, 400),
])
def test_register_bad_provider(hybrid: WeaverServer, body: Any, status: int):
    kwargs = {"json": body} if isinstance(body, dict) else {"data": body, "headers": JSON}
    resp = requests.post(f"{hybrid.url}/providers", timeout=30, **kwargs)
    assert resp.status_code == status, resp.text
    assert {"type", "title", "detail", "status"} <= set(resp.json())


def test_register_url_that_is_not_wps(hybrid: WeaverServer):
    resp = requests.post(f"{hybrid.url}/providers", json={"id": "notwps", "url": f"{hybrid.url}/conformance"},
                         timeout=30)
    assert resp.status_code == 422, resp.text
    assert "GetCapabilities" in resp.json()["detail"]


def test_list_and_describe_remote_processes(provider: str):
    processes = requests.get(f"{provider}/processes", timeout=10).json()["processes"]
    assert {p["id"] for p in processes} == {"echo", "echo_sync", "sleep", "fail"}
    echo = requests.get(f"{provider}/processes/echo", timeout=10)
    assert echo.status_code == 200, echo.text
    desc = echo.json()
    assert desc["id"] == "echo" and desc["version"] == "1.2"
    assert desc["jobControlOptions"] == ["async-execute", "sync-execute"]
    assert desc["inputs"]["message"]["schema"]["type"] == "string"
    assert desc["inputs"]["message"]["minOccurs"] == 1
    assert desc["outputs"]["file"]["formats"][0]["mediaType"] == "text/plain"
    sleep = requests.get(f"{provider}/processes/sleep", timeout=10).json()
    assert sleep["inputs"]["delay"]["schema"] == {"type": "number", "default": 1.0}
    assert sleep["inputs"]["delay"]["minOccurs"] == 0
    missing = requests.get(f"{provider}/processes/nope", timeout=10)
    assert missing.status_code == 404 and missing.json()["title"] == "NoSuchProcess"


def test_sync_execution_on_provider(hybrid: WeaverServer, provider: str, remote_wps: RemoteWPS):
    resp = execute(f"{provider}/processes/echo/execution", {"inputs": {"message": "hello remote"}})
    assert resp.status_code == 200, resp.text
    results = resp.json()
    assert results["output"] == "hello remote"
    href = results["file"]["href"]
    assert href.startswith(remote_wps.url.replace("/wps", "/outputs/"))  # kept as the remote reference
    assert requests.get(href, timeout=10).text == "file says: hello remote"


def test_sync_only_remote_process_runs_synchronously_on_the_remote(provider: str):
    desc = requests.get(f"{provider}/processes/echo_sync", timeout=10).json()
    assert desc["jobControlOptions"] == ["sync-execute"]
    resp = execute(f"{provider}/processes/echo_sync/execution", {"inputs": {"message": "now"}},
                   {"Prefer": "respond-async"})  # async locally; the remote call itself is synchronous
    assert resp.status_code == 201, resp.text
    final = wait_status(resp.headers["Location"], ("successful", "failed"))
    assert final["status"] == "successful", final
    assert requests.get(f"{resp.headers['Location']}/results", timeout=10).json() == {"output": "now"}


def test_async_execution_mirrors_remote_progress(hybrid: WeaverServer, provider: str):
    resp = execute(f"{provider}/processes/sleep/jobs", {"inputs": {"delay": 1.5}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    assert location.startswith(f"{provider}/processes/sleep/jobs/")
    assert resp.json()["type"] == "provider" and resp.json()["providerID"] == "pywps"
    seen: List[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = requests.get(location, timeout=10).json()
        seen.append(status["progress"])
        if status["status"] in ("successful", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "successful", status
    assert any(14 < p < 96 for p in seen), seen  # remote percent mapped between the monitoring milestones
    logs = "\n".join(requests.get(f"{location}/logs", timeout=10).json())
    assert "status: sleeping step " in logs, logs  # the remote message, as read at some poll
    results = requests.get(f"{location}/results", timeout=10).json()
    assert results == {"slept": 1.5}
    job_id = status["jobID"]
    assert requests.get(f"{hybrid.url}/jobs/{job_id}", timeout=10).json()["status"] == "successful"
    other = requests.get(f"{hybrid.url}/providers/preloaded/processes/sleep/jobs/{job_id}", timeout=10)
    assert other.status_code == 404
    listed = requests.get(f"{provider}/processes/sleep/jobs", timeout=10).json()
    assert job_id in [job["jobID"] for job in listed["jobs"]]
    assert requests.get(f"{hybrid.url}/providers/preloaded/processes/sleep/jobs", timeout=10).json()["jobs"] == []


def test_remote_failure_lands_in_exceptions(hybrid: WeaverServer, provider: str):
    resp = execute(f"{provider}/processes/fail/execution", {"inputs": {}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    final = wait_status(resp.headers["Location"], ("successful", "failed"))
    assert final["status"] == "failed", final
    exceptions = requests.get(f"{resp.headers['Location']}/exceptions", timeout=10).json()
    assert FAIL_MESSAGE in str(exceptions), exceptions
    results = requests.get(f"{resp.headers['Location']}/results", timeout=10)
    assert results.status_code == 400


def test_execution_of_unknown_remote_process_creates_no_job(hybrid: WeaverServer, provider: str):
    resp = execute(f"{provider}/processes/nope/execution", {"inputs": {}})
    assert resp.status_code == 404, resp.text
    resp = execute(f"{hybrid.url}/providers/unknown/processes/echo/execution", {"inputs": {}})
    assert resp.status_code == 404 and resp.json()["title"] == "NoSuchProvider"


def test_dismiss_stops_monitoring(hybrid: WeaverServer, provider: str):
    resp = execute(f"{provider}/processes/sleep/execution", {"inputs": {"delay": 5}}, {"Prefer": "respond-async"})
    location = resp.headers["Location"]
    wait_remote_progress(location)
    dismissed = requests.delete(location, timeout=10)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    time.sleep(1.0)
    status = requests.get(location, timeout=10).json()
    assert status["status"] == "dismissed", status
    assert requests.delete(location, timeout=10).status_code == 410


def test_remote_server_stopped_mid_job_fails_clearly(hybrid: WeaverServer, tmp_path):
    remote = start_remote_wps(str(tmp_path / "short-lived"))
    try:
        resp = requests.post(f"{hybrid.url}/providers", json={"id": "short-lived", "url": remote.url}, timeout=30)
        assert resp.status_code == 201, resp.text
        resp = execute(f"{hybrid.url}/providers/short-lived/processes/sleep/execution", {"inputs": {"delay": 10}},
                       {"Prefer": "respond-async"})
        location = resp.headers["Location"]
        wait_remote_progress(location)
        remote.proc.stop()
        started = time.monotonic()
        final = wait_status(location, ("successful", "failed"), timeout=30)
        elapsed = time.monotonic() - started
    finally:
        remote.proc.stop()
        requests.delete(f"{hybrid.url}/providers/short-lived", timeout=10)
    assert final["status"] == "failed", final
    assert elapsed < 15, elapsed
    exceptions = str(requests.get(f"{location}/exceptions", timeout=10).json())
    assert "did not answer the status request after 3 attempts" in exceptions, exceptions


@pytest.mark.parametrize("path, reason", [("/wps-500", "HTTP 500"), ("/wps-slow", "ReadTimeout")])
def test_broken_remote_server_fails_after_bounded_retries(hybrid: WeaverServer, remote_wps: RemoteWPS, path: str,
                                                          reason: str):
    name = path.strip("/")
    url = remote_wps.url.replace("/wps", path)
    resp = requests.post(f"{hybrid.url}/providers", json={"id": name, "url": url}, timeout=30)
    assert resp.status_code == 201, resp.text
    try:
        resp = execute(f"{hybrid.url}/providers/{name}/processes/echo/execution", {"inputs": {"message": "x"}},
                       {"Prefer": "respond-async"})
        assert resp.status_code == 201, resp.text
        final = wait_status(resp.headers["Location"], ("successful", "failed"))
    finally:
        requests.delete(f"{hybrid.url}/providers/{name}", timeout=10)
    assert final["status"] == "failed", final
    exceptions = str(requests.get(f"{resp.headers['Location']}/exceptions", timeout=10).json())
    assert "did not answer the execute request after 3 attempts" in exceptions and reason in exceptions, exceptions
    logs = "\n".join(requests.get(f"{resp.headers['Location']}/logs", timeout=10).json())
    assert "(attempt 2/3)" in logs, logs


def test_remote_ogcapi_process_runs_on_the_other_weaver(hybrid: WeaverServer, weaver_server: WeaverServer):
    desc = requests.get(f"{hybrid.url}/processes/remote-echo", timeout=10)
    assert desc.status_code == 200, desc.text
    assert "stringInput" in desc.json()["inputs"]
    resp = execute(f"{hybrid.url}/processes/remote-echo/execution",
                   {"inputs": {"stringInput": "over there", "pause": 1}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    final = wait_status(location, ("successful", "failed"))
    assert final["status"] == "successful", final
    assert requests.get(f"{location}/results", timeout=10).json()["stringOutput"] == "over there"
    logs = "\n".join(requests.get(f"{location}/logs", timeout=10).json())
    remote_job = [line for line in logs.splitlines() if "Remote job accepted by" in line]
    assert remote_job and weaver_server.url in remote_job[0], logs
    remote_location = remote_job[0].split("status location: ")[1].rstrip(").")
    assert requests.get(remote_location, timeout=10).json()["status"] == "successful"


def test_deploy_remote_ogcapi_process_by_reference(hybrid: WeaverServer, weaver_server: WeaverServer):
    remote_url = f"{weaver_server.url}/processes/echo"
    resp = requests.post(f"{hybrid.url}/processes", json={"process": remote_url, "id": "deployed-echo"}, timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["id"] == "deployed-echo" and resp.json()["type"] == "ogcapi"
    profile = {"processDescription": {"process": {"id": "profiled-echo"}},
               "executionUnit": [{"href": remote_url}],
               "deploymentProfileName": "http://www.opengis.net/profiles/eoc/ogcapiApplication"}
    resp = requests.post(f"{hybrid.url}/processes", json=profile, timeout=30)
    assert resp.status_code == 201, resp.text
    dead = requests.post(f"{hybrid.url}/processes", json={"process": "http://127.0.0.1:9/processes/x"}, timeout=30)
    assert dead.status_code == 422, dead.text
    resp = execute(f"{hybrid.url}/processes/profiled-echo/execution", {"inputs": {"stringInput": "deployed"}})
    assert resp.status_code == 200, resp.text  # sync by default: waits for the remote job through the worker
    assert resp.json()["stringOutput"] == "deployed"
    caps = requests.get(f"{hybrid.url}/ows/wps?service=WPS&request=GetCapabilities&version=1.0.0", timeout=10)
    assert caps.status_code == 200 and b"deployed-echo" not in caps.content  # runs by reference, not through WPS
