"""Checks made on an execute request before any job exists (pure functions, no server)."""
import os

import pytest

from weaver.datatype import Process
from weaver.exceptions import InvalidParameterValue, InvalidSchema, NotAcceptable, UnprocessableEntity
from weaver.processes.builtin import echo
from weaver.processes.execution import (
    validate_job_accept_header,
    validate_job_schema,
    validate_process_exec_mode,
    validate_process_id,
    validate_process_io,
)
from weaver.processes.execution.validate import (
    get_wps_output_context,
    validate_input_reference,
    validate_input_references,
    validate_job_accept_profile,
)
from weaver.wps_restapi import swagger_definitions as sd

OGC_RESULTS = "https://www.opengis.net/def/profile/OGC/0/ogc-results"
JOB_DESCRIPTION = "https://www.opengis.net/def/profile/OGC/0/job-description"


@pytest.fixture()
def settings(tmp_path):
    for name in ("allowed", "outputs", "workdir"):
        (tmp_path / name).mkdir()
    (tmp_path / "allowed" / "data.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("no")
    os.symlink(tmp_path / "secret.txt", tmp_path / "allowed" / "link.txt")
    return {"weaver.allowed_input_paths": f" {tmp_path / 'allowed'} , ",
            "weaver.wps_output_dir": str(tmp_path / "outputs"), "weaver.wps_workdir": str(tmp_path / "workdir"),
            "root": str(tmp_path)}


@pytest.fixture()
def process():
    return Process({**echo.DESCRIPTION, "package": echo.PACKAGE, "type": "builtin",
                    "processDescriptionURL": "http://host/processes/echo"})


def test_allowed_references(settings):
    root = settings["root"]
    for href in ("http://example.com/a.json", "https://example.com/a?b=c", f"file://{root}/allowed/data.json",
                 f"{root}/allowed/data.json", f"file://{root}/outputs/job/x.tif", f"file://{root}/workdir/y",
                 f"file://localhost{root}/allowed/data.json", f"file://{root}/allowed/sub%20dir/x"):
        validate_input_reference("in", href, settings)


@pytest.mark.parametrize("suffix", ["/secret.txt", "/allowed/../secret.txt", "/allowed/link.txt", "/allowedx/y"])
def test_files_outside_allowed_directories(settings, suffix):
    with pytest.raises(InvalidParameterValue) as error:
        validate_input_reference("in", f"file://{settings['root']}{suffix}", settings)
    assert error.value.status == 400
    assert error.value.cause == {"name": "in", "in": "body", "value": f"file://{settings['root']}{suffix}"}


@pytest.mark.parametrize("href", ["ftp://h/x", "s3://bucket/key", "vault://id", "relative/x", "", None, 3,
                                  "http:///nohost", "file://otherhost/x"])
def test_unsupported_references(settings, href):
    with pytest.raises(InvalidParameterValue):
        validate_input_reference("in", href, settings)


def test_every_reference_of_a_payload_is_checked(settings):
    good = {"href": "http://h/x"}
    validate_input_references({"inputs": {"a": [good, good], "b": "literal", "c": {"value": "v"}}}, settings)
    with pytest.raises(InvalidParameterValue):
        validate_input_references({"inputs": [{"id": "a", "href": "ftp://h/x"}]}, settings)
    with pytest.raises(InvalidParameterValue):
        validate_input_references({"inputs": {"a": [good, {"reference": "/etc/passwd"}]}}, settings)
    validate_input_references({"inputs": {"a": {"process": "http://h/processes/p", "inputs": {"x": good}}}},
                              settings)
    for nested in ({"process": "relative/processes/p"}, {"process": "http://h/jobs/1"},
                   {"process": "http://h/processes/p", "inputs": {"x": {"href": "/etc/passwd"}}}):
        with pytest.raises(InvalidParameterValue):
            validate_input_references({"inputs": {"a": nested}}, settings)
    with pytest.raises(InvalidParameterValue) as error:
        validate_input_references({"inputs": {"a": {"collection": "http://h/collections/c"}}}, settings)
    assert "nested 'collection'" in error.value.detail


def test_process_io_accepts_echo_inputs(process):
    validate_process_io(process, {"inputs": {"stringInput": "a", "arrayInput": [1, 2], "doubleInput": 5,
                                             "geometryInput": [{"value": {}}] * 5,
                                             "boundingBoxInput": "1,2,3,4"},
                                  "outputs": {"stringOutput": {"format": {"mediaType": "text/plain"}}}})


@pytest.mark.parametrize("payload, name", [
    ({"inputs": {"stringInput": "a", "nope": 1}}, "inputs"),
    ({"inputs": {"stringInput": "a"}, "outputs": {"nope": {}}}, "outputs"),
])
def test_process_io_unknown_ids(process, payload, name):
    with pytest.raises(InvalidParameterValue) as error:
        validate_process_io(process, payload)
    assert error.value.cause["name"] == name and error.value.cause["value"] == ["nope"]


@pytest.mark.parametrize("inputs", [
    {}, {"stringInput": ["a", "b"]}, {"stringInput": "a", "geometryInput": [{"value": {}}] * 6},
    {"stringInput": "a", "arrayInput": [1]}, {"stringInput": "a", "doubleInput": 11},
    {"stringInput": "a", "imagesInput": {"href": "http://h/x.png", "type": "image/png"}},
    {"stringInput": "a", "boundingBoxInput": [1, 2]},
])
def test_process_io_rejections(process, inputs):
    with pytest.raises(InvalidParameterValue):
        validate_process_io(process, {"inputs": inputs})


def test_process_io_output_media_type(process):
    with pytest.raises(InvalidParameterValue):
        validate_process_io(process, {"inputs": {"stringInput": "a"},
                                      "outputs": {"imagesOutput": {"format": {"mediaType": "image/png"}}}})


def test_process_exec_mode():
    validate_process_exec_mode(["async-execute"], "async")
    validate_process_exec_mode(["async-execute"], "auto")
    validate_process_exec_mode(["async-execute"], None)
    with pytest.raises(UnprocessableEntity) as error:
        validate_process_exec_mode(["async-execute"], "sync")
    assert error.value.status == 422 and error.value.type == "InvalidJobControlOptions"


def test_process_id(process):
    validate_process_id(process, {})
    validate_process_id(process, {"process": "http://host/processes/echo"})
    for other in ("http://host/processes/other", "http://elsewhere/processes/echo"):
        with pytest.raises(InvalidParameterValue) as error:
            validate_process_id(process, {"process": other})
        assert error.value.type == "InvalidJobUpdate"
        assert error.value.cause == {"name": "process", "in": "body"}
        assert error.value.extra["value"] == {"body.process": other, "job.process": "http://host/processes/echo"}


@pytest.mark.parametrize("accept, mode, result", [
    (None, "async", None), ("application/json", "async", "application/json"),
    ("text/html, application/json;q=0.9", "async", "application/json"), ("image/png", "sync", "image/png"),
    ("image/png", "auto", "image/png"), ("*/*", "async", None),
])
def test_accept_header(accept, mode, result):
    assert validate_job_accept_header({"Accept": accept} if accept else {}, mode) == result


def test_accept_header_async_406():
    with pytest.raises(NotAcceptable) as error:
        validate_job_accept_header({"accept": "image/png"}, "async")
    assert error.value.status == 406


@pytest.mark.parametrize("profile, mode", [(OGC_RESULTS, "sync"), (OGC_RESULTS, "auto"),
                                           (JOB_DESCRIPTION, "async"), (None, "async")])
def test_accept_profile_allowed(profile, mode):
    assert validate_job_accept_profile({"Accept-Profile": profile} if profile else {}, mode) == profile


@pytest.mark.parametrize("profile, mode", [(JOB_DESCRIPTION, "sync"), (OGC_RESULTS, "async"), ("x", "auto")])
def test_accept_profile_406(profile, mode):
    with pytest.raises(NotAcceptable) as error:
        validate_job_accept_profile({"Accept-Profile": profile}, mode)
    assert error.value.cause["schema"]["type"] == "string" and profile not in error.value.cause["schema"]["enum"]


def test_job_schema():
    payload = {"inputs": {"a": 1}, "outputs": [{"id": "o", "transmissionMode": "value"}], "mode": "async",
               "response": "raw", "subscribers": {"successUri": "http://example.com/cb"}}
    assert validate_job_schema(payload) == payload
    with pytest.raises(InvalidSchema) as error:
        validate_job_schema({"mode": "later"})
    assert error.value.status == 422
    with pytest.raises(InvalidSchema):
        validate_job_schema({"inputs": [{"value": 1}]})
    with pytest.raises(UnprocessableEntity) as error:
        validate_job_schema(payload, sd.Execute, headers={"Content-Schema": "x"})
    assert error.value.cause["name"] == "Content-Schema"


@pytest.mark.parametrize("context, expected", [("a/b", "a/b"), ("a-b/c_d/", "a-b/c_d"), (None, None)])
def test_output_context(context, expected):
    assert get_wps_output_context({"X-WPS-Output-Context": context} if context else {}, "") == expected


@pytest.mark.parametrize("context", ["../x", "/abs", "a/../b", "a b"])
def test_output_context_invalid(context):
    with pytest.raises(UnprocessableEntity):
        get_wps_output_context({"X-WPS-Output-Context": context}, "")
