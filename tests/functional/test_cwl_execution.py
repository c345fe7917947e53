"""Running deployed CWL tools with cwltool in the real worker, through HTTP.

No Docker engine runs on the test machines: the DockerRequirement test checks the job fails at once and says so.
"""
from __future__ import annotations

import os
import time

import psutil
import pytest
import requests

from cwl_helpers import deploy, file_server, read_cwl  # noqa: F401 (fixture)

TOOLS = ["echo_literals.cwl", "cat_file.cwl", "list_dir.cwl", "fail.cwl", "slow.cwl", "docker.cwl"]


@pytest.fixture(scope="module")
def tools(weaver_server):
    for name in TOOLS:
        deploy(weaver_server, read_cwl(name))
    return weaver_server


def _results(server, job):
    return requests.get(f"{server.url}/jobs/{job['jobID']}/results", timeout=10).json()


def _logs(server, job):
    return "\n".join(requests.get(f"{server.url}/jobs/{job['jobID']}/logs", timeout=10).json())


def _exceptions(server, job):
    return str(requests.get(f"{server.url}/jobs/{job['jobID']}/exceptions", timeout=10).json())


def test_echo_of_every_literal_type_sync(tools, submit):
    body = {"inputs": {"text": "hello", "count": 3, "ratio": 1.25, "flag": True, "color": "green",
                       "words": ["x", "y", "z"]}}
    start = time.monotonic()
    resp = submit("cwl-echo-literals", body, {"Prefer": "wait=10"})
    elapsed = time.monotonic() - start
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "line": "text=hello count=3 ratio=1.25 flag color=green words=x,y,z level=7",
        "next_count": 4, "double_ratio": 2.5, "flag_out": True,
    }
    assert elapsed < 15


def test_optional_input_given_and_enum_checked(tools, submit):
    body = {"inputs": {"text": "t", "count": 0, "ratio": 0.5, "flag": False, "color": "red", "words": ["w"],
                       "note": "hi", "level": 2}}
    resp = submit("cwl-echo-literals", body, {"Prefer": "wait=10"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["line"] == "text=t count=0 ratio=0.5 color=red words=w note=hi level=2"
    assert resp.json()["flag_out"] is False
    bad = submit("cwl-echo-literals", dict(body, inputs=dict(body["inputs"], color="purple")))
    assert bad.status_code == 400, bad.text
    missing = submit("cwl-echo-literals", {"inputs": {"text": "t"}})
    assert missing.status_code == 400, missing.text


def test_cat_of_a_file_given_by_http_href_async(tools, submit, file_server):
    with open(os.path.join(file_server.root, "poem.txt"), "w", encoding="utf-8") as file:
        file.write("roses are red\n")
    body = {"inputs": {"file": {"href": f"{file_server.url}/poem.txt", "type": "text/plain"}}}
    resp = submit("cwl-cat", body, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    job = tools.wait_job(resp.headers["Location"])
    assert job["status"] == "successful", _logs(tools, job)
    copy = _results(tools, job)["copy"]
    assert copy["href"].startswith(f"{tools.url}/wpsoutputs/{job['jobID']}/copy/")
    assert copy["type"] == "text/plain"
    assert requests.get(copy["href"], timeout=10).text == "roses are red\n"
    logs = _logs(tools, job)
    assert "[job cwl-cat" in logs and "completed success" in logs, logs
    assert "Final process status is success" in logs


def test_cat_of_a_file_given_inline(tools, submit):
    body = {"inputs": {"file": {"value": "inline words\n", "mediaType": "text/plain"}},
            "outputs": {"copy": {"transmissionMode": "value"}}}
    resp = submit("cwl-cat", body, {"Prefer": "wait=10"})
    assert resp.status_code == 200, resp.text
    copy = resp.json()["copy"]
    text = copy["value"] if "value" in copy else requests.get(copy["href"], timeout=10).text
    assert text == "inline words\n"


def test_list_of_a_directory_given_by_file_url(tools, submit):
    folder = os.path.join(tools.data_dir, "inputs", "samples")
    os.makedirs(folder, exist_ok=True)
    for name in ("a.txt", "b.txt"):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as file:
            file.write(name)
    body = {"inputs": {"folder": {"href": f"file://{folder}/"}}}
    resp = submit("cwl-list-dir", body, {"Prefer": "wait=10"})
    assert resp.status_code == 200, resp.text
    results = resp.json()
    assert results["names"] == "a.txt,b.txt"
    assert requests.get(results["listing"]["href"], timeout=10).text == "a.txt\nb.txt\n"
    same = results["same_folder"]
    assert same["href"].endswith("/same_folder/samples/") and same["type"] == "application/directory"
    job_id = resp.headers["Location"].rsplit("/", 1)[-1] if "Location" in resp.headers else None
    relative = same["href"].split("/wpsoutputs/", 1)[1]
    staged = os.path.join(tools.output_dir, relative)
    assert sorted(os.listdir(staged)) == ["a.txt", "b.txt"], job_id
    file_href = same["href"] + "a.txt"
    assert requests.get(file_href, timeout=10).text == "a.txt"


def test_failing_tool_gives_a_failed_job_with_its_error(tools, submit):
    resp = submit("cwl-fail", {"inputs": {}}, {"Prefer": "respond-async"})
    job = tools.wait_job(resp.headers["Location"])
    assert job["status"] == "failed"
    assert "cannot open the moon.dat input" in _exceptions(tools, job)
    assert "permanentFail" in _exceptions(tools, job)
    logs = _logs(tools, job)
    assert "cannot open the moon.dat input" in logs and "exited with status: 3" in logs, logs


def test_time_limit_stops_the_tool_and_undeploy_waits_for_the_job(tools, submit):
    resp = submit("cwl-slow", {"inputs": {}}, {"Prefer": "respond-async"})
    conflict = requests.delete(f"{tools.url}/processes/cwl-slow", timeout=10)
    assert conflict.status_code == 409, conflict.text
    start = time.monotonic()
    job = tools.wait_job(resp.headers["Location"])
    assert time.monotonic() - start < 20
    assert job["status"] == "failed"
    assert "exceeded time limit of 1 seconds" in _exceptions(tools, job)
    assert requests.delete(f"{tools.url}/processes/cwl-slow", timeout=10).status_code == 204


def test_docker_requirement_without_engine_fails_at_once(tools, submit):
    start = time.monotonic()
    resp = submit("cwl-docker", {"inputs": {}}, {"Prefer": "respond-async"})
    job = tools.wait_job(resp.headers["Location"])
    assert job["status"] == "failed"
    assert time.monotonic() - start < 15
    exceptions = _exceptions(tools, job)
    assert "DockerRequirement" in exceptions and "no Docker engine answers" in exceptions, exceptions
    assert "Running the CWL package" not in _logs(tools, job)


def _tool_processes(marker: str) -> list:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if marker in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def test_dismiss_stops_cwltool_and_the_tool(tools, submit):
    cwl = read_cwl("slow.cwl")
    cwl.update(id="cwl-sleeper", requirements={}, baseCommand=["sleep", "41.5"])
    deploy(tools, cwl)
    resp = submit("cwl-sleeper", {"inputs": {}}, {"Prefer": "respond-async"})
    location = resp.headers["Location"]
    deadline = time.monotonic() + 20
    while not _tool_processes("sleep 41.5") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _tool_processes("sleep 41.5"), "the tool never started"
    assert requests.delete(location, timeout=10).json()["status"] == "dismissed"
    deadline = time.monotonic() + 15
    while _tool_processes("sleep 41.5") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _tool_processes("sleep 41.5"), "the tool outlived its dismissed job"


def test_resource_requirement_beyond_the_machine_fails_at_once(tools, submit):
    cwl = read_cwl("slow.cwl")
    cwl.update(id="cwl-greedy", requirements={"ResourceRequirement": {"coresMin": 4096, "ramMin": 64}})
    deploy(tools, cwl)
    resp = submit("cwl-greedy", {"inputs": {}}, {"Prefer": "respond-async"})
    job = tools.wait_job(resp.headers["Location"])
    assert job["status"] == "failed"
    assert "ResourceRequirement asks for at least 4096 cores" in _exceptions(tools, job)
    assert "Running the CWL package" not in _logs(tools, job)
