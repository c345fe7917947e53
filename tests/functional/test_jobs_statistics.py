"""GET /jobs/{id}/statistics: what the worker measured, shown once the job finished."""
from __future__ import annotations

import os
import uuid

import requests

from cwl_helpers import deploy

# a tool running long enough (> 1 s) for cwltool to measure its memory, writing a file of known size
SIZED_TOOL = {
    "cwlVersion": "v1.2", "class": "CommandLineTool", "id": f"stats-sized-{uuid.uuid4().hex[:6]}",
    "baseCommand": ["sh", "-c", "sleep 1.5; head -c 3000 /dev/zero > out.bin"],
    "inputs": {}, "outputs": {"data": {"type": "File", "outputBinding": {"glob": "out.bin"}}},
}


def test_statistics_of_a_cwl_job(server, submit):
    deploy(server, SIZED_TOOL)
    resp = submit(SIZED_TOOL["id"], {"inputs": {}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    early = requests.get(f"{location}/statistics", timeout=10)
    assert early.status_code == 404
    job = server.wait_job(location, timeout=60)
    assert job["status"] == "successful", job
    assert any(link["rel"] == "statistics" for link in job["links"])
    resp = requests.get(f"{location}/statistics", timeout=10)
    assert resp.status_code == 200
    stats = resp.json()
    process = stats["process"]
    assert process["rssBytes"] > 0 and process["vmsBytes"] >= process["rssBytes"]
    assert process["usedThreads"] >= 1
    assert process["usedMemoryBytes"] >= 0 and process["usedMemory"].endswith("B")
    assert stats["outputs"]["data"]["sizeBytes"] == 3000
    assert stats["outputs"]["data"]["size"] == "2.93 KiB"
    assert process["totalSizeBytes"] == 3000
    logs = requests.get(f"{location}/logs", timeout=10).json()
    assert "application" in stats, "\n".join(logs)
    assert stats["application"]["usedMemoryBytes"] > 0  # cwltool's own "Max memory used" line
    href = requests.get(f"{location}/results", timeout=10).json()["data"]["href"]
    assert len(requests.get(href, timeout=10).content) == 3000


def test_statistics_of_echo_and_of_a_dismissed_job(server, submit):
    resp = submit("echo", {"inputs": {"stringInput": "measured"}}, {"Prefer": "respond-async"})
    location = resp.headers["Location"]
    server.wait_job(location)
    stats = requests.get(f"{location}/statistics", timeout=10).json()
    assert stats["process"]["rssBytes"] > 0
    assert "application" not in stats  # no tool log to read it from
    assert requests.delete(location, timeout=10).status_code == 200
    gone = requests.get(f"{location}/statistics", timeout=10)
    assert gone.status_code == 410 and gone.json()["title"] == "JobDismissed"
    assert not os.path.exists(os.path.join(server.output_dir, resp.json()["jobID"]))
