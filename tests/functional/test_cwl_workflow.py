"""CWL workflows whose steps are deployed processes, run by the real worker through HTTP."""
from __future__ import annotations

import os

import pytest
import requests

from cwl_helpers import deploy, read_cwl


def _strings_workflow(server_url: str) -> dict:
    return {
        "cwlVersion": "v1.2", "class": "Workflow", "id": "cwl-wf-strings", "label": "Two appends",
        "inputs": {"text": "string"},
        "outputs": {"final": {"type": "string", "outputSource": "second/result"}},
        "steps": {
            "first": {"run": "cwl-append", "in": {"text": "text", "suffix": {"default": "a"}}, "out": ["result"]},
            "second": {"run": f"{server_url}/processes/cwl-append", "in": {"text": "first/result",
                                                                          "suffix": {"default": "b"}},
                       "out": ["result"]},
        },
    }


FILES_WORKFLOW = {
    "cwlVersion": "v1.2", "class": "Workflow", "id": "cwl-wf-files",
    "inputs": {"source": "File"},
    "outputs": {"result": {"type": "File", "outputSource": "again/copied"}},
    "steps": {
        "once": {"run": "cwl-copy", "in": {"source": "source", "name": {"default": "first.txt"}}, "out": ["copied"]},
        "again": {"run": "cwl-copy", "in": {"source": "once/copied", "name": {"default": "second.txt"}},
                  "out": ["copied"]},
    },
}

SCATTER_WORKFLOW = {
    "cwlVersion": "v1.2", "class": "Workflow", "id": "cwl-wf-scatter",
    "requirements": {"ScatterFeatureRequirement": {}},
    "inputs": {"words": "string[]"},
    "outputs": {"all": {"type": "string[]", "outputSource": "each/result"}},
    "steps": {
        "each": {"run": "cwl-append", "scatter": "text", "in": {"text": "words", "suffix": {"default": "s"}},
                 "out": ["result"]},
    },
}

FILES_SCATTER_WORKFLOW = {
    "cwlVersion": "v1.2", "class": "Workflow", "id": "cwl-wf-scatter-files",
    "requirements": {"ScatterFeatureRequirement": {}},
    "inputs": {"sources": "File[]"},
    "outputs": {"copies": {"type": "File[]", "outputSource": "each/copied"}},
    "steps": {"each": {"run": "cwl-copy", "scatter": "source", "in": {"source": "sources"}, "out": ["copied"]}},
}


@pytest.fixture(scope="module")
def workflows(weaver_server):
    deploy(weaver_server, read_cwl("append.cwl"))
    deploy(weaver_server, read_cwl("copy_file.cwl"))
    for workflow in (_strings_workflow(weaver_server.url), FILES_WORKFLOW, SCATTER_WORKFLOW, FILES_SCATTER_WORKFLOW):
        deploy(weaver_server, workflow)
    return weaver_server


def _logs(server, job_id):
    return "\n".join(requests.get(f"{server.url}/jobs/{job_id}/logs", timeout=10).json())


def test_workflow_description_and_package(workflows):
    desc = requests.get(f"{workflows.url}/processes/cwl-wf-strings", timeout=10).json()
    assert desc["title"] == "Two appends"
    assert desc["inputs"]["text"]["schema"] == {"type": "string"}
    assert desc["outputs"]["final"]["schema"] == {"type": "string"}
    package = requests.get(f"{workflows.url}/processes/cwl-wf-strings/package", timeout=10).json()
    assert package["steps"]["first"]["run"] == "cwl-append"


def test_two_step_workflow_chains_strings_with_step_progress_in_logs(workflows, submit):
    resp = submit("cwl-wf-strings", {"inputs": {"text": "start"}}, {"Prefer": "respond-async"})
    assert resp.status_code == 201, resp.text
    job = workflows.wait_job(resp.headers["Location"])
    logs = _logs(workflows, job["jobID"])
    assert job["status"] == "successful", logs
    results = requests.get(f"{workflows.url}/jobs/{job['jobID']}/results", timeout=10).json()
    assert results == {"final": "start-a-b"}
    for fragment in ("Workflow step 'first' started.", "Workflow step 'first' completed success (1/2).",
                     "Workflow step 'second' completed success (2/2).", "[step second] start"):
        assert fragment in logs, logs


def test_workflow_chains_file_copies(workflows, submit):
    source = os.path.join(workflows.data_dir, "inputs", "chain.txt")
    with open(source, "w", encoding="utf-8") as file:
        file.write("carried through two steps\n")
    resp = submit("cwl-wf-files", {"inputs": {"source": {"href": f"file://{source}"}}}, {"Prefer": "wait=10"})
    assert resp.status_code == 200, resp.text
    href = resp.json()["result"]["href"]
    assert href.endswith("/result/second.txt")
    assert requests.get(href, timeout=10).text == "carried through two steps\n"


def test_scatter_over_an_array(workflows, submit):
    resp = submit("cwl-wf-scatter", {"inputs": {"words": ["x", "y", "z"]}}, {"Prefer": "wait=10"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"all": ["x-s", "y-s", "z-s"]}



def test_scatter_over_files_gives_a_folder_of_outputs(workflows, submit):
    hrefs = []
    for name in ("one", "two"):
        path = os.path.join(workflows.data_dir, "inputs", f"{name}.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.write(name)
        hrefs.append({"href": f"file://{path}"})
    resp = submit("cwl-wf-scatter-files", {"inputs": {"sources": hrefs}}, {"Prefer": "wait=10"})
    assert resp.status_code == 200, resp.text
    copies = resp.json()["copies"]
    assert copies["type"] == "application/directory" and copies["href"].endswith("/copies/copies-items/")
    folder = os.path.join(workflows.output_dir, copies["href"].split("/wpsoutputs/", 1)[1])
    names = sorted(os.listdir(folder))
    assert len(names) == 2 and all(name.startswith("copy") for name in names), names
    contents = sorted(requests.get(copies["href"] + name, timeout=10).text for name in names)
    assert contents == ["one", "two"]

def test_step_process_outputs_chain_through_their_own_jobs(workflows, submit):
    """A step process also runs on its own, and its output file feeds another job by its URL."""
    source = {"href": _served_input(workflows), "type": "application/x-anything"}  # a File without format: any type
    first = submit("cwl-copy", {"inputs": {"source": source}}, {"Prefer": "wait=10"})
    assert first.status_code == 200, first.text
    href = first.json()["copied"]["href"]
    second = submit("cwl-copy", {"inputs": {"source": {"href": href}, "name": "again.txt"}}, {"Prefer": "wait=10"})
    assert second.status_code == 200, second.text
    assert requests.get(second.json()["copied"]["href"], timeout=10).text == "served\n"


def _served_input(server) -> str:
    path = os.path.join(server.data_dir, "inputs", "served.txt")
    with open(path, "w", encoding="utf-8") as file:
        file.write("served\n")
    return f"file://{path}"
