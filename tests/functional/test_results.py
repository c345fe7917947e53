"""Results as clients get them: selection, transmission modes, raw and document responses, guards."""
from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from typing import Any, Dict, List, Optional

import requests

SYNC = {"Prefer": "wait=10"}
POINT = {"type": "Point", "coordinates": [3, 4]}
OGC_EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
ALL_INPUTS = {"stringInput": "text", "doubleInput": 2.5, "arrayInput": [1, 2],
              "geometryInput": {"value": POINT, "mediaType": "application/geo+json"}}


def _sync(submit, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> requests.Response:
    resp = submit("echo", body, {**SYNC, **(headers or {})})
    assert resp.status_code in (200, 204), resp.text
    return resp


def _async_done(server, submit, body: Dict[str, Any], process: str = "echo") -> str:
    resp = submit(process, body, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    server.wait_job(location)
    return location


def _multipart(resp: requests.Response) -> List[Any]:
    raw = f"Content-Type: {resp.headers['Content-Type']}\r\n\r\n".encode() + resp.content
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    return list(message.iter_parts())


def test_omitted_or_empty_outputs_mean_all(submit):
    omitted = _sync(submit, {"inputs": ALL_INPUTS}).json()
    empty = _sync(submit, {"inputs": ALL_INPUTS, "outputs": {}}).json()
    empty_list = _sync(submit, {"inputs": ALL_INPUTS, "outputs": []}).json()
    expected = {"stringOutput", "doubleOutput", "arrayOutput", "geometryOutput"}
    assert set(omitted) == set(empty) == set(empty_list) == expected


def test_output_selection_in_both_forms(submit):
    mapping = _sync(submit, {"inputs": ALL_INPUTS, "outputs": {"doubleOutput": {}}}).json()
    listing = _sync(submit, {"inputs": ALL_INPUTS, "outputs": [{"id": "arrayOutput"}]}).json()
    assert mapping == {"doubleOutput": 2.5}
    assert listing == {"arrayOutput": [1, 2]}


def test_document_reference_and_value_transmission(submit):
    by_ref = _sync(submit, {"inputs": ALL_INPUTS, "outputs": {
        "geometryOutput": {"transmissionMode": "reference"}}}).json()
    by_value = _sync(submit, {"inputs": ALL_INPUTS, "outputs": {
        "geometryOutput": {"transmissionMode": "value"}}}).json()
    assert set(by_ref["geometryOutput"]) == {"href", "type"}
    assert by_ref["geometryOutput"]["href"].startswith("http://")
    assert by_value["geometryOutput"] == {"value": POINT, "mediaType": "application/geo+json"}


def test_document_response_headers(submit):
    resp = _sync(submit, {"inputs": ALL_INPUTS, "response": "document"})
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["Content-Profile"].endswith("/ogc-results")
    assert resp.headers["Content-Location"].endswith("/results")
    monitor = [link for link in resp.headers["Link"].split(", ") if 'rel="monitor"' in link]
    assert monitor and monitor[0].startswith("<http://")


def test_raw_single_output_is_bare_content(submit):
    resp = _sync(submit, {"inputs": {"stringInput": "bare"}, "response": "raw"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.text == "bare"


def test_raw_several_outputs_is_multipart(submit):
    resp = _sync(submit, {"inputs": ALL_INPUTS, "response": "raw", "outputs": {
        "stringOutput": {}, "arrayOutput": {}, "geometryOutput": {"transmissionMode": "value"}}})
    assert resp.headers["Content-Type"].startswith("multipart/mixed")
    parts = {part["Content-ID"].strip("<>").split("@")[0]: part for part in _multipart(resp)}
    assert set(parts) == {"stringOutput", "arrayOutput", "geometryOutput"}
    job_id = resp.headers["Content-Location"].split("/")[-2]
    assert all(part["Content-ID"].endswith(f"@{job_id}>") for part in parts.values())
    assert all(part["Content-Location"].startswith("http://") for part in parts.values())
    assert parts["stringOutput"].get_content() == "text"
    assert json.loads(parts["arrayOutput"].get_payload(decode=True)) == [1, 2]
    assert json.loads(parts["geometryOutput"].get_payload(decode=True)) == POINT


def test_raw_all_by_reference_is_204_with_links(submit):
    resp = submit("echo", {"inputs": {"stringInput": "x", "geometryInput": {"value": POINT,
                                                                            "mediaType": "application/geo+json"}},
                           "response": "raw", "outputs": {"geometryOutput": {"transmissionMode": "reference"}}},
                  SYNC)
    assert resp.status_code == 204, resp.text
    assert resp.content == b""
    links = [link for link in resp.headers["Link"].split(", ") if 'rel="geometryOutput"' in link]
    assert len(links) == 1
    href = links[0].split(">")[0].lstrip("<")
    assert json.loads(requests.get(href, timeout=10).content) == POINT


def test_prefer_return_representation_async_then_bare_results(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "test"}},
                  {"Prefer": "return=representation, respond-async"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Preference-Applied"] == "return=representation; respond-async"
    server.wait_job(resp.headers["Location"])
    results = requests.get(resp.headers["Location"] + "/results", timeout=10)
    assert results.status_code == 200
    assert results.headers["Content-Type"].startswith("text/plain")
    assert results.text == "test"


def test_prefer_return_minimal_gives_document(submit):
    resp = _sync(submit, {"inputs": {"stringInput": "m"}}, {"Prefer": "return=minimal, wait=10"})
    assert resp.json() == {"stringOutput": "m"}


def test_array_outputs_are_json_arrays_everywhere(server, submit):
    location = _async_done(server, submit, {"inputs": {"stringInput": "a", "arrayInput": [3, 1, 2]}})
    assert requests.get(location + "/results", timeout=10).json()["arrayOutput"] == [3, 1, 2]
    outputs = requests.get(location + "/outputs", timeout=10).json()
    assert outputs["outputs"]["arrayOutput"] == {"value": [3, 1, 2]}
    single = requests.get(location + "/results/arrayOutput", timeout=10)
    assert single.headers["Content-Type"].startswith("application/json")
    assert single.json() == [3, 1, 2]


def test_single_output_and_unknown_output(server, submit):
    location = _async_done(server, submit, {"inputs": {"stringInput": "one"}})
    single = requests.get(location + "/results/stringOutput", timeout=10)
    assert single.status_code == 200
    assert single.text == "one"
    missing = requests.get(location + "/results/nothing", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["type"] == OGC_EXC + "no-such-output"


def test_failed_job_results_give_parsed_error(server, submit):
    resp = submit("file_index_selector", {"inputs": {"files": [{"value": "a", "mediaType": "text/plain"}],
                                                     "index": 5}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    assert server.wait_job(location)["status"] == "failed"
    for path in ("/results", "/outputs", "/results/output"):
        failed = requests.get(location + path, timeout=10)
        assert failed.status_code == 400, failed.text
        body = failed.json()
        assert body["type"] == OGC_EXC + "result-not-available"
        assert body["title"] == "JobResultsFailed"
        assert body["error"] != "" and "out of range" in body["cause"]
        assert body["links"]


def test_results_of_unfinished_and_dismissed_jobs(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "slow", "pause": 30}}, {"Prefer": "respond-async"})
    location = resp.headers["Location"]
    early = requests.get(location + "/results", timeout=10)
    assert early.status_code == 404
    assert early.json()["type"] == OGC_EXC + "result-not-ready"
    assert early.json()["cause"]["status"] in ("accepted", "running")
    assert early.json()["links"]
    assert requests.delete(location, timeout=10).status_code == 200
    for path in ("/results", "/outputs", "/results/stringOutput"):
        gone = requests.get(location + path, timeout=10)
        assert gone.status_code == 410, gone.text
        assert gone.json()["cause"] == {"status": "dismissed"}


def test_literal_by_reference_is_written_as_a_file(submit):
    doc = _sync(submit, {"inputs": ALL_INPUTS, "outputs": {
        "stringOutput": {"transmissionMode": "reference"}, "arrayOutput": {"transmissionMode": "reference"}}})
    body = doc.json()
    assert body["stringOutput"]["type"] == "text/plain"
    assert body["stringOutput"]["href"].endswith("/stringOutput/stringOutput.txt")
    assert requests.get(body["stringOutput"]["href"], timeout=10).text == "text"
    assert body["arrayOutput"]["type"] == "application/json"
    assert requests.get(body["arrayOutput"]["href"], timeout=10).json() == [1, 2]
    # a raw response keeps literals in its body
    raw = submit("echo", {"inputs": ALL_INPUTS, "response": "raw", "outputs": {
        "stringOutput": {"transmissionMode": "reference"}}}, SYNC)
    assert raw.status_code == 200, raw.text
    assert raw.text == "text"


def test_accept_multipart_gives_multipart_for_one_output(submit):
    resp = _sync(submit, {"inputs": {"stringInput": "only"}, "response": "raw"}, {"Accept": "multipart/mixed"})
    assert resp.headers["Content-Type"].startswith("multipart/mixed")
    parts = _multipart(resp)
    assert len(parts) == 1 and parts[0].get_content() == "only"


def test_binary_output_by_value_is_base64(submit):
    payload = b"II*\x00\xff\xfe binary"
    encoded = base64.b64encode(payload).decode()
    body = _sync(submit, {"inputs": {"stringInput": "a", "imagesInput": [{
        "value": encoded, "encoding": "base64", "mediaType": "image/tiff; application=geotiff"}]},
        "outputs": {"imagesOutput": {"transmissionMode": "value"}}}).json()
    assert body["imagesOutput"]["encoding"] == "base64"
    assert base64.b64decode(body["imagesOutput"]["value"]) == payload
    assert body["imagesOutput"]["mediaType"].startswith("image/tiff")


def test_return_representation_inlines_files_in_raw(submit):
    resp = _sync(submit, {"inputs": ALL_INPUTS, "outputs": {"stringOutput": {}, "geometryOutput": {}}},
                 {"Prefer": "return=representation, wait=10"})
    assert resp.headers["Content-Type"].startswith("multipart/mixed")
    parts = {part["Content-ID"].strip("<>").split("@")[0]: part for part in _multipart(resp)}
    assert json.loads(parts["geometryOutput"].get_payload(decode=True)) == POINT
