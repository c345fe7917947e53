"""CWL declarations read as OGC inputs/outputs, and CWL packages written for cwltool (pure functions)."""
from __future__ import annotations

import json
import os

import pytest

from weaver.processes.convert.cwl_ogc import (
    CwlTypeError,
    cwl2ogc_inputs,
    cwl2ogc_outputs,
    format_media_type,
    merge_declared_io,
    parse_cwl_type,
)
from weaver.processes.cwl_package import (
    PackageError,
    load_cwl_text,
    requirements_of,
    step_references,
    validate_package,
    write_package,
)
from weaver.processes.cwl_runner import RunResult, failure_message, resource_problem

NAMESPACES = {"iana": "https://www.iana.org/assignments/media-types/", "edam": "http://edamontology.org/"}


@pytest.mark.parametrize("cwl_type, base, array, optional", [
    ("string", "string", False, False),
    ("int?", "int", False, True),
    ("File[]", "File", True, False),
    ("File[]?", "File", True, True),
    (["null", "double"], "double", False, True),
    ({"type": "array", "items": "boolean"}, "boolean", True, False),
    (["null", {"type": "array", "items": "Directory"}], "Directory", True, True),
    ("stdout", "File", False, False),
])
def test_parse_cwl_type(cwl_type, base, array, optional):
    parsed = parse_cwl_type(cwl_type)
    assert (parsed.base, parsed.array, parsed.optional) == (base, array, optional)


@pytest.mark.parametrize("cwl_type", ["strang", ["int", "string"], {"type": "array", "items": "int[]"}, 42])
def test_unsupported_types_are_refused(cwl_type):
    with pytest.raises(CwlTypeError):
        parse_cwl_type(cwl_type)


def test_enum_symbols_lose_their_document_prefix():
    parsed = parse_cwl_type({"type": "enum", "symbols": ["file.cwl#color/red", "blue"]})
    assert parsed.symbols == ["red", "blue"]


def test_inputs_schemas_and_cardinality():
    package = {"$namespaces": NAMESPACES, "inputs": [
        {"id": "name", "type": "string", "label": "Name", "doc": ["two", "lines"]},
        {"id": "size", "type": "int", "default": 3},
        {"id": "tiles", "type": "File[]", "format": ["iana:image/tiff", "edam:format_3603"]},
        {"id": "data", "type": "File?", "format": "edam:format_9999"},
        {"id": "folder", "type": "Directory"},
    ]}
    inputs = cwl2ogc_inputs(package)
    assert inputs["name"] == {"title": "Name", "description": "two\nlines", "minOccurs": 1, "maxOccurs": 1,
                              "schema": {"type": "string"}}
    assert inputs["size"]["minOccurs"] == 0 and inputs["size"]["schema"] == {"type": "integer", "default": 3}
    assert inputs["tiles"]["maxOccurs"] == "unbounded"
    assert inputs["tiles"]["schema"] == {"oneOf": [
        {"type": "string", "contentMediaType": "image/tiff"}, {"type": "string", "contentMediaType": "image/png"}]}
    assert inputs["data"]["schema"] == {"type": "string", "contentMediaType": "*/*"}
    assert inputs["data"]["minOccurs"] == 0
    assert inputs["folder"]["schema"]["contentMediaType"] == "application/directory"


def test_outputs_of_map_form_with_shorthand_types():
    outputs = cwl2ogc_outputs({"outputs": {"log": "stderr", "values": "float[]"}})
    assert outputs["log"]["schema"] == {"type": "string", "contentMediaType": "*/*"}
    assert outputs["values"]["schema"] == {"type": "array", "items": {"type": "number"}}
    assert "minOccurs" not in outputs["log"]


def test_format_media_types():
    assert format_media_type("iana:text/csv", NAMESPACES) == "text/csv"
    assert format_media_type("http://edamontology.org/format_3464", {}) == "application/json"
    assert format_media_type("edam:format_1234", NAMESPACES) is None


def test_declared_io_completes_the_derived_ones():
    derived = {"a": {"title": "a", "schema": {"type": "string"}, "minOccurs": 1, "maxOccurs": 1}}
    merged = merge_declared_io(derived, [{"id": "a", "title": "Better", "keywords": ["k"]}], "input")
    assert merged["a"]["title"] == "Better" and merged["a"]["schema"] == {"type": "string"}
    with pytest.raises(CwlTypeError, match="not in the CWL"):
        merge_declared_io(derived, {"b": {}}, "input")


def test_load_cwl_text_and_step_references():
    assert load_cwl_text('{"class": "Workflow"}') == {"class": "Workflow"}
    with pytest.raises(PackageError):
        load_cwl_text("- just\n- a list")
    workflow = {"class": "Workflow", "steps": [
        {"id": "a", "run": "tool-a"}, {"id": "b", "run": {"class": "Workflow", "steps": {"c": {"run": "tool-c"}}}},
        {"id": "d", "run": "tool-a"}]}
    assert step_references(workflow) == ["tool-a", "tool-c"]


def test_write_package_rewrites_step_references(tmp_path):
    tool = {"cwlVersion": "v1.2", "class": "CommandLineTool", "baseCommand": "true", "inputs": {}, "outputs": {},
            "requirements": {"ResourceRequirement": {"coresMin": 1}}}
    workflow = {"cwlVersion": "v1.2", "class": "Workflow", "inputs": {}, "outputs": {},
                "steps": {"only": {"run": "my-tool", "in": {}, "out": []}}}
    main = write_package(workflow, {"my-tool": tool}, str(tmp_path))
    with open(main, encoding="utf-8") as file:
        written = json.load(file)
    step_path = written["steps"]["only"]["run"]
    assert os.path.isfile(step_path) and step_path.startswith(str(tmp_path))
    validate_package(workflow, {"my-tool": tool})
    assert requirements_of(workflow, {"my-tool": tool}) == {"ResourceRequirement": [{"coresMin": 1}]}


def test_validate_package_reports_cwltool_message():
    with pytest.raises(PackageError, match="baseCommand"):
        validate_package({"cwlVersion": "v1.2", "class": "CommandLineTool", "baseCommand": 5,
                          "inputs": {}, "outputs": {}}, {})


def test_resource_problem_and_failure_message():
    assert resource_problem([{"coresMin": 1, "ramMin": 1}]) is None
    assert "cores" in resource_problem([{"coresMin": 100000}])
    assert "MiB" in resource_problem([{"ramMin": 10 ** 12}])
    result = RunResult("permanentFail", {}, tool_lines=["boom"], warnings=["[job x] exited with status: 2",
                                                                          "[job x] completed permanentFail"])
    assert failure_message(result) == ("CWL package execution failed (permanentFail). [job x] exited with status: 2 "
                                       "Tool output: boom")
