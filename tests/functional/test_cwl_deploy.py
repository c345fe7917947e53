"""Deploying CWL application packages over HTTP: descriptions derived from CWL, errors, undeploy, visibility."""
from __future__ import annotations

import json
import os

import pytest
import requests
import yaml

from cwl_helpers import CWL_DIR, deploy, file_server, read_cwl  # noqa: F401 (fixture)
from ogc_schemas import validate_response


@pytest.fixture(scope="module")
def tools(weaver_server):
    """Tools deployed once for the module (cwltool is only run by the execution tests)."""
    deploy(weaver_server, read_cwl("echo_literals.cwl"), description={
        "id": "cwl-echo-literals-deploy", "inputs": {"text": {"title": "Text to print", "keywords": ["words"]}},
    })
    return weaver_server


def test_description_is_derived_from_cwl_and_merged_with_body(tools):
    desc = requests.get(f"{tools.url}/processes/cwl-echo-literals-deploy", timeout=10).json()
    inputs = desc["inputs"]
    assert desc["title"] == "Echo literals"
    assert desc["description"] == "Prints every literal input it is given."
    assert inputs["text"] == {"title": "Text to print", "keywords": ["words"], "minOccurs": 1, "maxOccurs": 1,
                              "schema": {"type": "string"}}
    assert inputs["count"]["schema"] == {"type": "integer"}
    assert inputs["ratio"]["schema"] == {"type": "number"}
    assert inputs["flag"]["schema"] == {"type": "boolean"}
    assert inputs["color"]["schema"] == {"type": "string", "enum": ["red", "green", "blue"]}
    assert inputs["words"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert inputs["words"]["maxOccurs"] == "unbounded"
    assert inputs["note"]["minOccurs"] == 0
    assert inputs["level"]["minOccurs"] == 0 and inputs["level"]["schema"]["default"] == 7
    assert desc["outputs"]["next_count"]["schema"] == {"type": "integer"}
    assert set(desc["jobControlOptions"]) == {"sync-execute", "async-execute"}
    listed = requests.get(f"{tools.url}/processes", timeout=10).json()
    assert "cwl-echo-literals-deploy" in [p["id"] for p in listed["processes"]]


def test_package_endpoint_returns_the_deployed_cwl(tools):
    package = requests.get(f"{tools.url}/processes/cwl-echo-literals-deploy/package", timeout=10).json()
    assert package == read_cwl("echo_literals.cwl")


def test_bare_cwl_yaml_body_with_formats(tools):
    with open(os.path.join(CWL_DIR, "cat_file.cwl"), encoding="utf-8") as file:
        text = file.read().replace("id: cwl-cat", "id: cwl-cat-yaml")
    resp = requests.post(f"{tools.url}/processes", data=text, timeout=30,
                         headers={"Content-Type": "application/cwl+yaml"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == f"{tools.url}/processes/cwl-cat-yaml"
    body = resp.json()
    assert body["id"] == "cwl-cat-yaml" and body["type"] == "application"
    assert body["inputs"]["file"]["schema"] == {"type": "string", "contentMediaType": "text/plain"}
    assert body["outputs"]["copy"]["schema"] == {"type": "string", "contentMediaType": "text/plain"}
    assert validate_response("getProcessDescription", 200, body) == []


def test_execution_unit_by_href(tools, file_server):
    cwl = read_cwl("copy_file.cwl")
    cwl["id"] = "cwl-copy-href"
    with open(os.path.join(file_server.root, "copy.cwl"), "w", encoding="utf-8") as file:
        yaml.safe_dump(cwl, file)
    body = {"processDescription": {"process": {"id": "cwl-copy-by-href", "version": "2.1.0"}},
            "executionUnit": [{"href": f"{file_server.url}/copy.cwl"}]}
    resp = requests.post(f"{tools.url}/processes", json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["id"] == "cwl-copy-by-href" and resp.json()["version"] == "2.1.0"
    inputs = resp.json()["inputs"]
    assert inputs["source"]["schema"] == {"type": "string", "contentMediaType": "*/*"}
    assert inputs["name"]["minOccurs"] == 0
    assert validate_response("getProcessDescription", 200, resp.json()) == []


def test_duplicate_id_is_a_conflict(tools):
    resp = requests.post(f"{tools.url}/processes", json={
        "processDescription": {"id": "cwl-echo-literals-deploy"},
        "executionUnit": [{"unit": read_cwl("echo_literals.cwl")}]}, timeout=30)
    assert resp.status_code == 409, resp.text
    assert "already exists" in resp.json()["detail"]
    builtin = requests.post(f"{tools.url}/processes", json={
        "processDescription": {"id": "echo"}, "executionUnit": [{"unit": read_cwl("echo_literals.cwl")}]},
        timeout=30)
    assert builtin.status_code == 409, builtin.text


@pytest.mark.parametrize("cwl, message", [
    ({"cwlVersion": "v1.2", "class": "CommandLineTool", "id": "bad-type", "baseCommand": "echo",
      "inputs": {"a": "strang"}, "outputs": {}}, "strang"),
    ({"cwlVersion": "v1.2", "class": "CommandLineTool", "id": "bad-field", "baseCommand": "echo",
      "inputs": {}, "outputs": {}, "requirements": {"NoSuchRequirement": {}}}, "NoSuchRequirement"),
    ({"cwlVersion": "v1.2", "class": "Workflow", "id": "bad-step", "inputs": {}, "outputs": {},
      "steps": {"one": {"run": "not-deployed-anywhere", "in": {}, "out": []}}}, "not-deployed-anywhere"),
    ({"cwlVersion": "v1.2", "class": "Workflow", "id": "builtin-step", "inputs": {}, "outputs": {},
      "steps": {"one": {"run": "echo", "in": {}, "out": []}}}, "builtin"),
    ({"cwlVersion": "v1.2", "class": "Unknown", "id": "bad-class"}, "class"),
    ({"cwlVersion": "v1.2", "class": "CommandLineTool", "id": "includes", "baseCommand": "echo", "outputs": {},
      "inputs": {"a": {"type": "string", "default": {"$include": "/etc/hostname"}}}}, "$include"),
])
def test_invalid_cwl_is_unprocessable_with_the_validation_message(tools, cwl, message):
    resp = requests.post(f"{tools.url}/processes", json=cwl, timeout=30)
    assert resp.status_code == 422, resp.text
    error = resp.json()
    assert error["status"] == 422 and error["type"] == "InvalidPackage"
    assert message in error["detail"], error
    assert requests.get(f"{tools.url}/processes/{cwl['id']}", timeout=10).status_code == 404


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (json.dumps({"processDescription": {"id": "x"}}).encode(), "application/json"),
    (json.dumps({"executionUnit": [{"unit": {"cwlVersion": "v1.2", "class": "CommandLineTool",
                                              "inputs": {}, "outputs": {}, "baseCommand": "true"}}]}).encode(),
     "application/json"),
    (json.dumps([1, 2]).encode(), "application/json"),
    (b"cwlVersion: [unclosed", "application/cwl+yaml"),
])
def test_malformed_deploy_body_is_a_bad_request(tools, body, content_type):
    resp = requests.post(f"{tools.url}/processes", data=body, headers={"Content-Type": content_type}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert resp.json()["status"] == 400 and resp.json()["detail"]


def test_undeploy(tools):
    cwl = read_cwl("append.cwl")
    cwl["id"] = "cwl-append-to-remove"
    deploy(tools, cwl)
    assert requests.delete(f"{tools.url}/processes/echo", timeout=10).status_code == 403
    resp = requests.delete(f"{tools.url}/processes/cwl-append-to-remove", timeout=10)
    assert resp.status_code == 204, resp.text
    assert requests.get(f"{tools.url}/processes/cwl-append-to-remove", timeout=10).status_code == 404
    assert requests.delete(f"{tools.url}/processes/cwl-append-to-remove", timeout=10).status_code == 404


def test_visibility_private_hides_then_public_shows(tools):
    cwl = read_cwl("append.cwl")
    cwl["id"] = "cwl-append-hidden"
    deploy(tools, cwl)
    url = f"{tools.url}/processes/cwl-append-hidden"
    assert requests.put(f"{url}/visibility", json={"value": "private"}, timeout=10).json() == {"value": "private"}
    assert requests.get(url, timeout=10).status_code == 403
    listed = requests.get(f"{tools.url}/processes", timeout=10).json()
    assert "cwl-append-hidden" not in [p["id"] for p in listed["processes"]]
    exec_resp = requests.post(f"{url}/execution", json={"inputs": {"text": "a", "suffix": "b"}}, timeout=10)
    assert exec_resp.status_code == 403
    assert requests.get(f"{url}/visibility", timeout=10).json() == {"value": "private"}
    assert requests.put(f"{url}/visibility", json={"value": "public"}, timeout=10).status_code == 200
    assert requests.get(url, timeout=10).status_code == 200
    bad = requests.put(f"{url}/visibility", json={"value": "secret"}, timeout=10)
    assert bad.status_code == 400
    builtin = requests.put(f"{tools.url}/processes/echo/visibility", json={"value": "private"}, timeout=10)
    assert builtin.status_code == 403


def test_deployed_process_is_offered_over_wps(tools):
    caps = requests.get(f"{tools.url}/ows/wps", params={"service": "WPS", "request": "GetCapabilities"}, timeout=30)
    assert caps.status_code == 200 and "cwl-echo-literals-deploy" in caps.text
    described = requests.get(f"{tools.url}/ows/wps", timeout=30, params={
        "service": "WPS", "request": "DescribeProcess", "version": "1.0.0",
        "identifier": "cwl-echo-literals-deploy"})
    assert described.status_code == 200, described.text
    for fragment in ("<ows:Identifier>color</ows:Identifier>", "<ows:Value>green</ows:Value>",
                     "<ows:Identifier>words</ows:Identifier>", "Text to print"):
        assert fragment in described.text, described.text


def test_derived_descriptions_follow_the_ogc_schema(tools):
    described = requests.get(f"{tools.url}/processes/cwl-echo-literals-deploy", timeout=10)
    assert validate_response("getProcessDescription", 200, described.json()) == []
