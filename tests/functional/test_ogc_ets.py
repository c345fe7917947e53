"""The 37 checks of the OGC Executable Test Suite for OGC API - Processes 1.0 (Core, OGC Process Description, Job
List), restated from /work/shared/spec/ogc-ets-checks.md and run over HTTP against the real server.

Requests are built the way the suite builds them: plain string inputs get ``teststring``, object inputs
``{"value": "teststring"}``, bbox inputs four equal numbers, number and date inputs are left out, every output is
requested with ``transmissionMode: value``; async requests send ``Prefer: "respond-async "`` (trailing space);
status documents and results are fetched with no ``Accept`` header at all. Bodies are validated against the
official schemas of /work/shared/ogcapi-processes-1.0 (see tests/ogc_schemas.py).

The internet is not reachable here: the remote GeoTIFF the suite references for ``testJobCreationInputRef`` is
served by a small HTTP server on 127.0.0.1 started by this module.
"""
from __future__ import annotations

import base64
import functools
import http.server
import re
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests
from ogc_schemas import errors_of, find_operation, schema_validator, validate_response

ECHO = "echo"
TEST_STRING = "teststring"
GEOTIFF = Path("/work/shared/data/testgeotiff.tiff")
TIFF_TYPE = "image/tiff; application=geotiff"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
ASYNC = {"Prefer": "respond-async "}  # the suite's value, trailing space included
POST_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


# ---- how the suite talks to the server ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client() -> Iterator[requests.Session]:
    """A session that sends no ``Accept`` header unless a request sets one (the suite's GETs send none)."""
    session = requests.Session()
    session.headers.pop("Accept", None)
    yield session
    session.close()


@pytest.fixture(scope="module")
def echo(weaver_server, client) -> Dict[str, Any]:
    body = client.get(f"{weaver_server.url}/processes/{ECHO}", timeout=10).json()
    assert body["jobControlOptions"] == ["sync-execute", "async-execute"]
    return body


@pytest.fixture(scope="module")
def tiff_url() -> Iterator[str]:
    """The test GeoTIFF served from 127.0.0.1 (stands in for the suite's remote file: no internet here)."""
    root = Path(tempfile.mkdtemp(prefix="ets-http-"))
    shutil.copy(GEOTIFF, root / "testgeotiff.tiff")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/testgeotiff.tiff"
    httpd.shutdown()
    httpd.server_close()
    shutil.rmtree(root, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _kind(description: Dict[str, Any]) -> str:
    schema = description.get("schema") or {}
    if schema.get("format") == "ogc-bbox":
        return "bbox"
    return schema.get("type") or "mixed"


def generic_inputs(echo: Dict[str, Any]) -> Dict[str, Any]:
    """What the suite puts in every generic execute request."""
    inputs: Dict[str, Any] = {}
    for input_id, description in echo["inputs"].items():
        kind, schema = _kind(description), description.get("schema") or {}
        if kind == "string" and "format" not in schema:
            inputs[input_id] = TEST_STRING
        elif kind == "object":
            inputs[input_id] = {"value": TEST_STRING}
        elif kind == "bbox":
            inputs[input_id] = {"bbox": [10.0, 10.0, 10.0, 10.0]}
    return inputs


def all_outputs(echo: Dict[str, Any]) -> Dict[str, Any]:
    return {output_id: {"transmissionMode": "value"} for output_id in echo["outputs"]}


def one_output(echo: Dict[str, Any]) -> Dict[str, Any]:
    """The output named like the first input, or none at all (``{}``) as the suite sends when there is none."""
    first_input = next(iter(echo["inputs"]))
    return {first_input: {"transmissionMode": "value"}} if first_input in echo["outputs"] else {}


def execute_body(echo: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    body = {"inputs": generic_inputs(echo), "outputs": all_outputs(echo)}
    body.update(extra)
    return body


def post(server, client, body: Dict[str, Any], prefer_async: bool = False) -> requests.Response:
    headers = dict(POST_HEADERS, **(ASYNC if prefer_async else {}))
    return client.post(f"{server.url}/processes/{ECHO}/execution", json=body, headers=headers, timeout=60)


def assert_valid(operation_id: str, response: requests.Response) -> Dict[str, Any]:
    assert response.headers["Content-Type"].split(";")[0] == "application/json", response.headers
    body = response.json()
    errors = validate_response(operation_id, response.status_code, body)
    assert errors == [], (response.status_code, body)
    return body


def status_of(server, client, response: requests.Response) -> Dict[str, Any]:
    """GET the ``Location`` of a created job (no ``Accept``) and validate it against ``getStatus``."""
    location = response.headers["Location"]
    assert location.startswith("http://"), location
    return assert_valid("getStatus", client.get(location, timeout=10))


def wait_status(client, location: str, timeout: float = 30) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(location, timeout=10).json()
        if body["status"] in ("successful", "failed", "dismissed") or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def links_of(body: Dict[str, Any], rel: str) -> list:
    return [link for link in body.get("links", []) if link.get("rel") == rel]


# ---- Core: landing page, conformance ------------------------------------------------------------------------------

def test_01_general_http(server, client):
    response = client.get(f"{server.url}/", timeout=10, stream=True)
    assert response.raw.version == 11  # status line "HTTP/1.1 ..."


def test_02_03_landing_page(server, client):
    response = client.get(f"{server.url}/", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 200
    body = assert_valid("getLandingPage", response)
    rels = {link["rel"] for link in body["links"]}
    assert rels & {"service-desc", "service-doc"}
    assert rels & {REL + "conformance", "conformance"}
    assert rels & {REL + "processes", "processes"}
    assert errors_of(schema_validator("landingPage"), body) == []


def test_04_conformance(server, client):
    response = client.get(f"{server.url}/conformance", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 200
    body = assert_valid("getConformanceClasses", response)
    assert errors_of(schema_validator("confClasses"), body) == []
    assert all(isinstance(uri, str) for uri in body["conformsTo"])
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in body["conformsTo"]


# ---- Core: process list and description ---------------------------------------------------------------------------

def test_05_process_list_limit_definition(server, client):
    """The ``limit`` parameter of ``GET /processes`` in the server's own API definition, as the suite reads it."""
    landing = client.get(f"{server.url}/", headers={"Accept": "application/json"}, timeout=10).json()
    service_desc = next(link["href"] for link in landing["links"] if link["rel"] == "service-desc")
    api = client.get(service_desc, headers={"Accept": "application/json"}, timeout=10).json()
    parameters = api["paths"]["/processes"]["get"].get("parameters") or []
    resolved = []
    for param in parameters:
        if "$ref" in param:
            param = api["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        resolved.append(param)
    limit = next(p for p in resolved if p["name"] == "limit")
    assert limit["in"] == "query" and limit.get("required", False) is False
    assert limit["schema"]["type"] == "integer"
    assert limit["schema"]["minimum"] >= 1
    assert limit["schema"].get("maximum", 10000) >= limit["schema"].get("default", 10) >= limit["schema"]["minimum"]


def test_06_07_process_list_limit(server, client):
    body = client.get(f"{server.url}/processes", params={"limit": 1}, timeout=10).json()
    assert len(body["processes"]) == 1
    assert isinstance(body["links"], list)


def test_08_09_process_list(server, client):
    response = client.get(f"{server.url}/processes", timeout=10)
    body = assert_valid("getProcesses", response)
    assert body["processes"]
    assert errors_of(schema_validator("processList"), body) == []


def test_10_no_such_process(server, client):
    response = client.get(f"{server.url}/processes/invalid-process-{uuid.uuid4()}", timeout=10)
    assert response.status_code == 404
    assert_valid("getProcessDescription", response)


def test_11_12_process_description(server, client):
    response = client.get(f"{server.url}/processes/{ECHO}", timeout=10)
    assert response.status_code == 200
    assert_valid("getProcessDescription", response)


def test_13_ogc_process_description(echo):
    assert errors_of(schema_validator("process"), echo) == []
    assert isinstance(echo["inputs"], dict) and isinstance(echo["outputs"], dict)
    for io in list(echo["inputs"].values()) + list(echo["outputs"].values()):
        assert "schema" in io
    mixed = [io for io in echo["inputs"].values() if "oneOf" in io["schema"]]
    assert mixed  # mixed types are expressed with oneOf


# ---- Core: job creation -------------------------------------------------------------------------------------------

def test_14_auto_execution_mode(server, client, echo):
    response = post(server, client, execute_body(echo), prefer_async=True)
    assert response.status_code in (200, 201)


def test_15_default_execution_mode(server, client, echo):
    response = post(server, client, execute_body(echo))
    assert response.status_code == 200, response.text


def test_16_default_outputs(server, client, echo):
    response = post(server, client, {"inputs": generic_inputs(echo)})
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("kind", ["array", "bbox", "binary", "mixed", "object", "inline", "inputs"])
def test_17_input_kinds(server, client, echo, kind):
    inputs = generic_inputs(echo)
    if kind == "array":
        inputs["arrayInput"] = [1, 2, 3]
    elif kind == "bbox":
        inputs["boundingBoxInput"] = {"bbox": [51.9, 7.0, 52.0, 7.1],
                                      "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    elif kind == "binary":
        inputs["imagesInput"] = {"value": base64.b64encode(GEOTIFF.read_bytes()).decode(), "mediaType": TIFF_TYPE,
                                 "encoding": "base64"}
    elif kind == "mixed":
        inputs["geometryInput"] = {"value": {"type": "Point", "coordinates": [7.0, 51.9]},
                                   "mediaType": "application/geo+json"}
    elif kind == "object":
        inputs["complexObjectInput"] = {"value": {"property1": TEST_STRING, "property5": True}}
    response = post(server, client, {"inputs": inputs, "outputs": all_outputs(echo)})
    assert response.status_code in (200, 201), response.text


def test_18_input_by_reference(server, client, echo, tiff_url):
    inputs = dict(generic_inputs(echo), imagesInput={"href": tiff_url, "type": TIFF_TYPE})
    response = post(server, client, {"inputs": inputs, "outputs": all_outputs(echo)})
    assert response.status_code in (200, 201), response.text
    if response.status_code == 201:
        status_of(server, client, response)
    elif response.headers["Content-Type"].startswith("multipart/related"):
        assert TEST_STRING in response.text
    else:
        assert_valid("execute", response)
        assert response.json()["imagesOutput"]


def test_19_input_validation(server, client, echo):
    valid = post(server, client, execute_body(echo))
    assert valid.status_code in (200, 201), valid.text
    inputs = generic_inputs(echo)
    for input_id, description in echo["inputs"].items():
        alternatives = description["schema"].get("oneOf") or [description["schema"]]
        if any("contentMediaType" in alt for alt in alternatives):
            inputs[input_id] = {"type": f"wrong/type_{uuid.uuid4()}"}
    response = post(server, client, {"inputs": inputs, "outputs": all_outputs(echo)})
    if response.status_code == 201:
        assert wait_status(client, response.headers["Location"])["status"] == "failed"
    else:
        assert response.status_code in (400, 500), response.text
        assert response.headers["Content-Type"].split(";")[0] == "application/json"
        assert errors_of(schema_validator("exception"), response.json()) == []


def test_20_job_creation_op(server, client, echo):
    response = post(server, client, execute_body(echo), prefer_async=True)
    assert response.status_code in (200, 201)
    assert "Location" in response.headers
    status_of(server, client, response)


def test_21_22_job_creation_request_and_success_async(server, client, echo):
    response = post(server, client, execute_body(echo), prefer_async=True)
    assert response.status_code == 201, response.text
    assert errors_of(schema_validator("statusInfo"), response.json()) == []  # the 201 carries a status document
    status_of(server, client, response)


def test_23_sync_document(server, client, echo):
    response = post(server, client, execute_body(echo, response="document"))
    assert response.status_code in (200, 201), response.text
    assert_valid("execute", response)


def test_24_sync_raw(server, client, echo):
    """SyncRawMixedMulti, SyncRawRef and SyncRawValueMulti all send the suite's generic request (every output by
    value) with ``response: raw``: one request covers the three."""
    response = post(server, client, execute_body(echo, response="raw"))
    assert response.status_code in (200, 201), response.text


def test_25_sync_raw_value_one(server, client, echo):
    response = post(server, client, {"inputs": generic_inputs(echo), "outputs": one_output(echo), "response": "raw"})
    assert response.status_code in (200, 201), response.text
    assert TEST_STRING in response.text


def test_26_no_such_job(server, client):
    response = client.get(f"{server.url}/jobs/invalid-job-{uuid.uuid4()}", timeout=10)
    assert response.status_code in (400, 404)
    assert_valid("getStatus", response)


def test_27_job_op(server, client, echo):
    response = post(server, client, execute_body(echo))
    assert response.status_code in (200, 201), response.text


def test_28_results_no_such_job(server, client):
    response = client.get(f"{server.url}/jobs/invalid-job-{uuid.uuid4()}/results", timeout=10)
    assert response.status_code in (400, 404)
    assert_valid("getResult", response)


# ---- Core: results ------------------------------------------------------------------------------------------------

def test_29_results_not_ready(server, client, echo):
    first = next(iter(echo["inputs"]))
    inputs = {first: generic_inputs(echo)[first], "pause": 5}
    response = post(server, client, {"inputs": inputs, "outputs": one_output(echo), "response": "raw"},
                    prefer_async=True)
    assert response.status_code == 201, response.text
    results = client.get(f"{response.headers['Location']}/results", timeout=10)
    assert results.status_code == 404
    body = assert_valid("getResult", results)
    assert body["type"] == EXC + "result-not-ready"
    client.delete(response.headers["Location"], timeout=10)  # free the worker slot


def test_30_results_failed(server, client):
    response = client.post(f"{server.url}/processes/{ECHO}/execution", json={"invalid-execute-request": "true)"},
                         headers=POST_HEADERS, timeout=30)
    assert response.status_code > 200
    assert_valid("execute", response)


def test_31_job_results(server, client, echo):
    response = post(server, client, execute_body(echo), prefer_async=True)
    assert response.status_code == 201
    status = client.get(response.headers["Location"], timeout=10)
    assert status.status_code == 200
    assert errors_of(schema_validator("statusInfo"), status.json()) == []


@pytest.mark.parametrize("variant", ["document", "raw-mixed-multi", "raw-ref", "raw-value-multi"])
def test_32_async_results(server, client, echo, variant):
    outputs = all_outputs(echo)
    if variant == "raw-ref":
        outputs = {output_id: {"transmissionMode": "reference"} for output_id in echo["outputs"]}
    elif variant == "raw-mixed-multi":
        outputs["stringOutput"] = {"transmissionMode": "reference"}
    body = {"inputs": generic_inputs(echo), "outputs": outputs,
            "response": "document" if variant == "document" else "raw"}
    response = post(server, client, body, prefer_async=True)
    assert response.status_code in (200, 201), response.text
    status_of(server, client, response)


def test_33_async_raw_value_one(server, client, echo):
    body = {"inputs": generic_inputs(echo), "outputs": one_output(echo), "response": "raw"}
    response = post(server, client, body, prefer_async=True)
    assert response.status_code in (200, 201)
    if response.status_code == 200:
        assert response.text == TEST_STRING
        return
    status = client.get(response.headers["Location"], timeout=10).json()
    for _ in range(4):  # the suite's budget: 4 attempts, 5 s apart
        results = links_of(status, REL + "results")
        if results:
            assert TEST_STRING in client.get(results[0]["href"], timeout=10).text
            return
        monitor = (links_of(status, "monitor") or links_of(status, "status"))[0]
        time.sleep(5 if status["status"] != "successful" else 0)
        status = client.get(monitor["href"], headers={"Accept": "application/json"}, timeout=10).json()
        assert status["status"] != "failed", status
    pytest.fail(f"no results link within 20 s: {status}")


def test_34_results_sync(server, client, echo):
    response = post(server, client, execute_body(echo))
    assert response.status_code in (200, 201)
    links = response.headers.get("Link")
    if links:
        monitor = re.search(r"<([^>]+)>\s*;\s*rel=\"?monitor\"?", links)
        assert monitor, links
        status = client.get(monitor.group(1), headers={"Accept": "application/json"}, timeout=10)
        assert assert_valid("getStatus", status)["status"] == "successful"


def test_35_job_success(server, client, echo):
    response = post(server, client, execute_body(echo), prefer_async=True)
    assert response.status_code in (200, 201)
    status = client.get(response.headers["Location"], timeout=10)  # no Accept header at all
    assert_valid("getStatus", status)


# ---- Job list -----------------------------------------------------------------------------------------------------

def test_36_37_job_list(server, client, echo):
    post(server, client, execute_body(echo))  # at least one job exists, whatever ran before
    response = client.get(f"{server.url}/jobs", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 200, response.text
    body = assert_valid("getJobs", response)
    assert body["jobs"]
    assert errors_of(schema_validator("jobList"), body) == []


def test_schema_helper_rejects_invalid_documents():
    """The validators used above do fail on bad bodies (so a passing check means something)."""
    assert validate_response("getStatus", 200, {"jobID": "x", "status": "done", "type": "process"})
    assert validate_response("getProcessDescription", 404, {"title": "no type"})
    assert find_operation("getJobs")
