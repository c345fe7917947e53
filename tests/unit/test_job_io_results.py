"""Result helpers that need no server: error codes of failed jobs, guards, literal references, Prefer rebuild."""
import pytest

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.exceptions import JobGone, JobResultsFailed, JobResultsNotReady
from weaver.jobs.results import literal_as_reference, local_result_path, parse_job_error, \
    raise_if_results_unavailable
from weaver.wps_restapi.jobs.part4 import rebuild_prefer_header


@pytest.fixture()
def settings(tmp_path):
    return get_settings({"weaver.url": "http://host", "weaver.data_dir": str(tmp_path)})


@pytest.mark.parametrize("exceptions, expected", [
    (["pywps.exceptions.MissingParameterValue: 400 MissingParameterValue: input"],
     ("MissingParameterValue", "400 MissingParameterValue: input")),
    ([{"Code": "InvalidParameterValue", "Text": "Input type invalid."}],
     ("InvalidParameterValue", "Input type invalid.")),
    (["weaver.exceptions.PackageExecutionError: tool failed"], ("PackageExecutionError", "tool failed")),
    (["owslib.util.ServiceException: remote down"], ("ServiceException", "remote down")),
    (["some free text"], ("NoApplicableCode", "unknown")),
    ([], ("NoApplicableCode", "unknown")),
    ([{"Code": "First", "Text": "a"}, "pywps.exceptions.NoApplicableCode: last"], ("NoApplicableCode", "last")),
])
def test_parse_job_error(exceptions, expected):
    assert parse_job_error(Job(task_id="t", exceptions=exceptions)) == expected


@pytest.mark.parametrize("status, error, code", [
    ("dismissed", JobGone, 410), ("failed", JobResultsFailed, 400), ("accepted", JobResultsNotReady, 404),
    ("running", JobResultsNotReady, 404), ("created", JobResultsNotReady, 404),
])
def test_result_guards(settings, status, error, code):
    job = Job(task_id="t", status=status, process="echo",
              exceptions=["pywps.exceptions.MissingParameterValue: 400 MissingParameterValue: input"])
    with pytest.raises(error) as raised:
        raise_if_results_unavailable(job, settings)
    body = raised.value.json()
    assert body["status"] == code and body["links"]
    if status == "failed":
        assert (body["error"], body["cause"]) == ("MissingParameterValue", "400 MissingParameterValue: input")
    else:
        assert body["cause"] == {"status": status}


def test_successful_job_passes_the_guard(settings):
    raise_if_results_unavailable(Job(task_id="t", status="successful", process="echo"), settings)


def test_literal_as_reference_writes_once(settings):
    job = Job(task_id="t", context="ctx")
    ref = literal_as_reference(job, settings, {"id": "out", "value": 42})
    assert ref == {"id": "out", "href": f"/ctx/{job.id}/out/out.txt", "type": "text/plain"}
    path = local_result_path(settings, ref["href"])
    assert path and open(path, encoding="utf-8").read() == "42"
    again = literal_as_reference(job, settings, {"id": "out", "value": 42})
    assert again == ref
    array = literal_as_reference(job, settings, {"id": "arr", "value": [1, 2]})
    assert array["type"] == "application/json" and array["href"].endswith("/arr/arr.json")
    bbox = literal_as_reference(job, settings, {"id": "box", "bbox": [1, 2, 3, 4], "crs": "EPSG:4326"})
    assert open(local_result_path(settings, bbox["href"]), encoding="utf-8").read() == \
        '{"bbox": [1, 2, 3, 4], "crs": "EPSG:4326"}'


def test_local_result_path_stays_in_output_dir(settings):
    assert local_result_path(settings, "/../../etc/passwd") is None
    assert local_result_path(settings, "http://elsewhere/x") is None
    assert local_result_path(settings, "/missing/file") is None


@pytest.mark.parametrize("fields, prefer", [
    ({}, "return=minimal"),
    ({"execution_mode": "sync", "execution_wait": 5, "execution_return": "representation"},
     "return=representation; wait=5"),
    ({"execution_mode": "async"}, "return=minimal; respond-async"),
    ({"execution_mode": "auto", "execution_wait": 10}, "return=minimal"),
])
def test_rebuild_prefer_header(fields, prefer):
    assert rebuild_prefer_header(Job(task_id="t", **fields)) == prefer
