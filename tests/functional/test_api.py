"""Landing page, conformance, OpenAPI, processes listing and descriptions."""
from __future__ import annotations

import requests

BUILTINS = {"echo", "file2string_array", "file_index_selector", "jsonarray2netcdf", "metalink2netcdf"}


def test_landing_and_conformance(server):
    landing = requests.get(server.url + "/", timeout=10)
    assert landing.status_code == 200
    body = landing.json()
    assert body["title"] == "Weaver"
    rels = [link["rel"] for link in body["links"]]
    assert len(rels) == len(set(rels))
    assert "service-desc" in rels and "http://www.opengis.net/def/rel/ogc/1.0/conformance" in rels
    conformance = requests.get(server.url + "/conformance", timeout=10).json()
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in conformance["conformsTo"]


def test_openapi_and_swagger_page(server):
    doc = requests.get(server.url + "/json", timeout=10).json()
    assert doc["openapi"].startswith("3.")
    execute = doc["paths"]["/processes/{process_id}/execution"]["post"]
    schema = execute["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]["response"]["enum"]) == {"raw", "document"}
    page = requests.get(server.url + "/api", timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<title>Weaver REST API</title>" in page.text


def test_processes_list_the_builtins(server):
    listing = requests.get(server.url + "/processes", timeout=10).json()
    assert BUILTINS <= {p["id"] for p in listing["processes"]}
    one = requests.get(server.url + "/processes", params={"limit": 1}, timeout=10).json()
    assert len(one["processes"]) == 1 and isinstance(one["links"], list)


def test_echo_description_and_package(server):
    echo = requests.get(server.url + "/processes/echo", timeout=10).json()
    assert echo["jobControlOptions"] == ["sync-execute", "async-execute"]
    assert {"stringInput", "pause", "boundingBoxInput"} <= set(echo["inputs"])
    assert all("schema" in item for item in list(echo["inputs"].values()) + list(echo["outputs"].values()))
    package = requests.get(server.url + "/processes/echo/package", timeout=10).json()
    assert package["class"] == "CommandLineTool"
    assert package["hints"]["BuiltinRequirement"]["process"] == "echo"
