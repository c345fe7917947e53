"""Every input form of an execute request, over HTTP, run by the real worker (echo returns what it was given)."""
from __future__ import annotations

import base64
import json
import os
from typing import Any, Dict

import pytest
import requests

SYNC = {"Prefer": "wait=10"}
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
POINT = {"type": "Point", "coordinates": [1.5, 2.5]}


@pytest.fixture()
def count_jobs(server):
    def _count() -> int:
        return server.db()["jobs"].count_documents({})
    return _count


def _fetch(href: str) -> bytes:
    resp = requests.get(href, timeout=10)
    assert resp.status_code == 200, href
    return resp.content


def _run(submit, inputs: Any, **body: Any) -> Dict[str, Any]:
    resp = submit("echo", {"inputs": inputs, **body}, SYNC)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.json()


def test_mapping_form_every_kind(submit):
    results = _run(submit, {
        "stringInput": "hello",
        "doubleInput": 3.5,
        "dateInput": "2024-01-02T03:04:05+00:00",
        "arrayInput": [1, 2, 3],
        "boundingBoxInput": {"bbox": [1, 2, 3, 4], "crs": CRS84},
        "complexObjectInput": {"value": {"property1": "x", "property5": True}, "mediaType": "application/json"},
        "measureInput": {"measurement": 1.5, "uom": "m"},
        "geometryInput": [{"value": POINT, "mediaType": "application/geo+json"}],
    })
    assert results["stringOutput"] == "hello"
    assert results["doubleOutput"] == 3.5
    assert results["dateOutput"].startswith("2024-01-02T03:04:05")
    assert results["arrayOutput"] == [1, 2, 3]
    assert results["boundingBoxOutput"] == {"bbox": [1, 2, 3, 4], "crs": CRS84}
    assert json.loads(_fetch(results["complexObjectOutput"]["href"])) == {"property1": "x", "property5": True}
    assert json.loads(_fetch(results["measureOutput"]["href"])) == {"measurement": 1.5, "uom": "m"}
    assert results["geometryOutput"]["type"] == "application/geo+json"
    assert json.loads(_fetch(results["geometryOutput"]["href"])) == POINT


def test_listing_form_with_value_data_and_qualified_values(submit):
    results = _run(submit, [
        {"id": "stringInput", "value": "listed"},
        {"id": "doubleInput", "data": 2},
        {"id": "arrayInput", "value": [4, 5]},
        {"id": "boundingBoxInput", "value": {"bbox": [0, 0, 1, 1]}},
        {"id": "geometryInput", "value": POINT, "mediaType": "application/geo+json"},
    ])
    assert results["stringOutput"] == "listed"
    assert results["doubleOutput"] == 2
    assert results["arrayOutput"] == [4, 5]
    assert results["boundingBoxOutput"]["bbox"] == [0, 0, 1, 1]
    assert json.loads(_fetch(results["geometryOutput"]["href"])) == POINT


def test_qualified_literal_and_array_values(submit):
    results = _run(submit, {"stringInput": {"value": "qualified"}, "arrayInput": {"value": [7, 8]}})
    assert results == {"stringOutput": "qualified", "arrayOutput": [7, 8]}


def test_empty_string_and_numeric_string_are_kept(server, submit):
    assert _run(submit, {"stringInput": "100"})["stringOutput"] == "100"
    assert _run(submit, {"stringInput": ""})["stringOutput"] == ""
    resp = submit("echo", {"inputs": {"stringInput": ""}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    server.wait_job(resp.headers["Location"])
    inputs = requests.get(resp.headers["Location"] + "/inputs", timeout=10).json()
    assert inputs["inputs"] == {"stringInput": ""}


def test_bbox_as_csv(submit):
    results = _run(submit, {"stringInput": "a", "boundingBoxInput": "10,20,30,40"})
    assert results["boundingBoxOutput"]["bbox"] == [10, 20, 30, 40]


def test_base64_binary_value_is_decoded(submit):
    payload = b"II*\x00binary\xff\x00content"
    results = _run(submit, {"stringInput": "a", "imagesInput": [{
        "value": base64.b64encode(payload).decode(), "encoding": "base64",
        "mediaType": "image/tiff; application=geotiff"}]})
    assert results["imagesOutput"]["type"].startswith("image/tiff")
    assert _fetch(results["imagesOutput"]["href"]) == payload


def test_file_reference_from_allowed_directory(server, submit):
    path = os.path.join(server.data_dir, "inputs", "point.geojson")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(POINT, file)
    results = _run(submit, {"stringInput": "a",
                            "geometryInput": {"href": f"file://{path}", "type": "application/geo+json"}})
    assert json.loads(_fetch(results["geometryOutput"]["href"])) == POINT


def test_http_reference_is_passed_on(server, submit):
    first = _run(submit, {"stringInput": "a", "geometryInput": {"value": POINT, "mediaType": "application/geo+json"}})
    href = first["geometryOutput"]["href"]
    results = _run(submit, {"stringInput": "b", "geometryInput": {"href": href, "type": "application/geo+json"}})
    assert json.loads(_fetch(results["geometryOutput"]["href"])) == POINT


@pytest.mark.parametrize("href", [
    "file:///etc/passwd",
    "/etc/passwd",
    "ftp://example.com/data.json",
    "vault://1234",
    "relative/path.json",
    "file://remotehost/data.json",
    "http:///no-host",
])
def test_references_outside_allowed_places_are_400(server, submit, count_jobs, href):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a", "geometryInput": {"href": href}}}, SYNC)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["type"].endswith("invalid-parameter")
    assert body["cause"] == {"name": "geometryInput", "in": "body", "value": href}
    assert count_jobs() == before


def test_file_reference_escaping_allowed_directory_is_400(server, submit):
    path = os.path.join(server.data_dir, "inputs", "..", "weaver.ini")
    resp = submit("echo", {"inputs": {"stringInput": "a", "geometryInput": {"href": f"file://{path}"}}}, SYNC)
    assert resp.status_code == 400, resp.text


def test_symlink_out_of_allowed_directory_is_400(server, submit):
    link = os.path.join(server.data_dir, "inputs", "escape.ini")
    if not os.path.islink(link):
        os.symlink(server.ini_path, link)
    resp = submit("echo", {"inputs": {"stringInput": "a", "geometryInput": {"href": f"file://{link}"}}}, SYNC)
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("inputs, detail", [
    ({"stringInput": "a", "geometryInput": [{"value": POINT}] * 6}, "cardinality"),
    ({"stringInput": ["a", "b"]}, "cardinality"),
    ({}, "cardinality"),
    ({"stringInput": "a", "arrayInput": ["x", "y"]}, "arrayInput"),
    ({"stringInput": "a", "doubleInput": 0}, "doubleInput"),
    ({"stringInput": "a", "boundingBoxInput": {"bbox": [1, 2, 3]}}, "bounding box"),
    ({"stringInput": "a", "unknownInput": 1}, "unknownInput"),
    ({"stringInput": {"href": "http://example.com/x.txt"}}, "literal"),
    ({"stringInput": "a", "geometryInput": {"href": "http://example.com/x.tif", "type": "image/tiff"}}, "media type"),
    ({"stringInput": "a", "imagesInput": {"value": "not base64!", "encoding": "base64",
                                          "mediaType": "image/jp2"}}, "base64"),
])
def test_invalid_inputs_are_400_before_any_job(submit, count_jobs, inputs, detail):
    before = count_jobs()
    resp = submit("echo", {"inputs": inputs}, SYNC)
    assert resp.status_code == 400, resp.text
    assert detail in resp.json()["detail"]
    assert count_jobs() == before


def test_nested_process_result_becomes_the_input(server, submit):
    """The nested echo runs as its own job (the test worker has 2 slots), its one result feeds the parent."""
    echo_url = f"{server.url}/processes/echo"
    results = _run(submit, {
        "stringInput": {"process": echo_url, "inputs": {"stringInput": "inner"}, "outputs": {"stringOutput": {}}},
        "geometryInput": {"process": echo_url, "outputs": {"geometryOutput": {}}, "inputs": {
            "stringInput": "x", "geometryInput": {"value": POINT, "mediaType": "application/geo+json"}}},
    })
    assert results["stringOutput"] == "inner"
    assert json.loads(_fetch(results["geometryOutput"]["href"])) == POINT


def test_nested_process_with_several_results_fails_the_job(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": {"process": f"{server.url}/processes/echo", "inputs": {
        "stringInput": "a", "doubleInput": 1}}}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    assert server.wait_job(resp.headers["Location"])["status"] == "failed"
    errors = requests.get(resp.headers["Location"] + "/exceptions", timeout=10).json()
    assert "exactly one result" in json.dumps(errors)


@pytest.mark.parametrize("nested", [{"process": "echo"}, {"process": "ftp://host/processes/echo"},
                                    {"collection": "http://host/collections/c"}])
def test_nested_inputs_that_cannot_run_are_400(submit, count_jobs, nested):
    before = count_jobs()
    resp = submit("echo", {"inputs": {"stringInput": "a", "complexObjectInput": nested}}, SYNC)
    assert resp.status_code == 400, resp.text
    assert count_jobs() == before


def test_kvp_execution_runs_sync_with_parsed_values(server):
    resp = requests.get(f"{server.url}/processes/echo/execution", params={
        "stringInput": "kvp", "arrayInput": "1,2,3", "doubleInput": "2.5",
        "boundingBoxInput": "1,2,3,4", "boundingBoxInput[crs]": CRS84}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"stringOutput": "kvp", "arrayOutput": [1, 2, 3], "doubleOutput": 2.5,
                           "boundingBoxOutput": resp.json()["boundingBoxOutput"]}
    assert resp.json()["boundingBoxOutput"]["bbox"] == [1, 2, 3, 4]


def test_kvp_execution_selects_outputs_and_raw_response(server):
    resp = requests.get(f"{server.url}/processes/echo/execution", params={
        "stringInput": "raw-kvp", "doubleInput": "1", "stringOutput[include]": "true", "response": "raw"},
        timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.text == "raw-kvp"


def test_kvp_execution_async_with_prefer_parameter(server):
    resp = requests.get(f"{server.url}/processes/echo/execution",
                        params={"stringInput": "later", "prefer": "respond-async"}, timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Preference-Applied"] == "respond-async"
    assert server.wait_job(resp.headers["Location"])["status"] == "successful"
    inputs = requests.get(resp.headers["Location"] + "/inputs", timeout=10).json()
    assert inputs["inputs"] == {"stringInput": "later"}


@pytest.mark.parametrize("query, status", [
    ("stringInput[unknown]=x", 400),
    ("stringInput=a&boundingBoxInput=1,2&boundingBoxInput[crs]=EPSG:4326", 400),
    ("stringInput={bad json}", 400),
    ("stringInput=a&response=collection", 501),
    ("stringInput=a&prefer=wait=soon", 400),
])
def test_kvp_execution_errors(server, count_jobs, query, status):
    before = count_jobs()
    resp = requests.get(f"{server.url}/processes/echo/execution?{query}", timeout=30)
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert count_jobs() == before


def test_kvp_head_runs_nothing(server, count_jobs):
    before = count_jobs()
    resp = requests.head(f"{server.url}/processes/echo/execution?stringInput=x", timeout=30)
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]
    assert count_jobs() == before


def test_nested_process_left_queued_fails_the_parent(server, submit):
    """Both worker slots busy (a paused job and the parent): the nested job cannot start and is given up."""
    busy = submit("echo", {"inputs": {"stringInput": "busy", "pause": 30}}, {"Prefer": "respond-async"})
    server.wait_job(busy.headers["Location"], statuses=("running",))
    try:
        resp = submit("echo", {"inputs": {"stringInput": {"process": f"{server.url}/processes/echo",
                                                          "inputs": {"stringInput": "never"}}}},
                      {"Prefer": "respond-async"})
        assert resp.status_code == 201, resp.text
        assert server.wait_job(resp.headers["Location"], timeout=30)["status"] == "failed"
        errors = json.dumps(requests.get(resp.headers["Location"] + "/exceptions", timeout=10).json())
        assert "still queued" in errors
        nested = server.db()["jobs"].find_one({"inputs": {"stringInput": "never"}})
        assert nested["status"] == "dismissed"
    finally:
        requests.delete(busy.headers["Location"], timeout=10)
