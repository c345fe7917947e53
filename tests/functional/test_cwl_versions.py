"""Versions of a deployed process: PUT replaces the package, PATCH the description, ``id:version`` reaches older ones."""
from __future__ import annotations

import requests

from cwl_helpers import deploy, read_cwl


def _append_cwl(suffix_default: str) -> dict:
    cwl = read_cwl("append.cwl")
    cwl["id"] = "cwl-versioned"
    cwl["inputs"]["suffix"]["default"] = suffix_default
    return cwl


def test_replace_update_and_run_older_versions(weaver_server, submit):
    url = f"{weaver_server.url}/processes/cwl-versioned"
    deploy(weaver_server, _append_cwl("v1"))

    replaced = requests.put(url, json={"processDescription": {"title": "Second"},
                                       "executionUnit": [{"unit": _append_cwl("v2")}]}, timeout=30)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == "2.0.0" and replaced.json()["title"] == "Second"

    patched = requests.patch(url, json={"description": "Appends a suffix.", "inputs": {"text": {"title": "Text"}}},
                             timeout=10)
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == "2.0.1"
    assert patched.json()["inputs"]["text"]["title"] == "Text"
    assert patched.json()["inputs"]["text"]["schema"] == {"type": "string"}

    latest = requests.get(url, timeout=10).json()
    assert (latest["id"], latest["version"], latest["description"]) == ("cwl-versioned", "2.0.1", "Appends a suffix.")
    first = requests.get(url, params={"version": "1.0.0"}, timeout=10).json()
    assert (first["id"], first["version"]) == ("cwl-versioned:1.0.0", "1.0.0")
    second = requests.get(f"{url}:2.0.0", timeout=10).json()
    assert second["title"] == "Second" and "description" not in second
    listed = [p["id"] for p in requests.get(f"{weaver_server.url}/processes", timeout=10).json()["processes"]]
    assert "cwl-versioned" in listed and "cwl-versioned:1.0.0" not in listed

    old = submit("cwl-versioned:1.0.0", {"inputs": {"text": "x"}}, {"Prefer": "wait=10"})
    assert old.status_code == 200, old.text
    assert old.json() == {"result": "x-v1"}
    new = submit("cwl-versioned", {"inputs": {"text": "x"}}, {"Prefer": "wait=10"})
    assert new.json() == {"result": "x-v2"}

    lower = requests.patch(url, json={"version": "1.5.0"}, timeout=10)
    assert lower.status_code == 400, lower.text
    taken = requests.patch(url, json={"version": "2.0.0"}, timeout=10)
    assert taken.status_code == 409, taken.text
    unknown = requests.patch(url, json={"package": {}}, timeout=10)
    assert unknown.status_code == 400, unknown.text
    other_id = requests.put(url, json={"processDescription": {"id": "other"},
                                       "executionUnit": [{"unit": _append_cwl("v3")}]}, timeout=30)
    assert other_id.status_code == 400, other_id.text
    assert requests.patch(f"{weaver_server.url}/processes/echo", json={"title": "x"}, timeout=10).status_code == 403

    assert requests.delete(url, timeout=10).status_code == 204
    assert requests.get(url, params={"version": "1.0.0"}, timeout=10).status_code == 404
    assert requests.get(url, timeout=10).status_code == 404
