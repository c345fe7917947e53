"""OGC process descriptions -> pywps inputs, outputs and processes (weaver.processes.convert.pywps_io)."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict

import pytest
from owslib.wps import Process as OWSProcess
from owslib.wps import WPSDescribeProcessReader
from pywps import Service
from pywps.exceptions import InvalidParameterValue
from pywps.inout.formats import Format
from pywps.inout.inputs import BoundingBoxInput, ComplexInput, LiteralInput
from pywps.inout.literaltypes import AnyValue
from pywps.inout.outputs import BoundingBoxOutput, ComplexOutput, LiteralOutput
from pywps.tests import client_for
from pywps.validator.allowed_value import ALLOWEDVALUETYPE, RANGECLOSURETYPE
from pywps.validator.mode import MODE

from weaver.processes.builtin import echo
from weaver.processes.convert.pywps_io import (
    BBOX_CRSS,
    UNBOUNDED_OCCURS,
    AnyFormatComplexInput,
    AnyFormatComplexOutput,
    make_pywps_process,
    ogc2pywps_inputs,
    ogc2pywps_outputs,
    ogc_io_is_array,
    ogc_io_kind,
)

EXAMPLE_PATH = Path("/work/shared/data/ogc-echo-example.json")


@pytest.fixture(scope="module")
def example() -> Dict[str, Any]:
    """The OGC example echo description, exactly as published (nested $ref included)."""
    return json.loads(EXAMPLE_PATH.read_text())


def one_input(schema: Dict[str, Any], **occurs: Any) -> Any:
    [made] = ogc2pywps_inputs({"x": {"schema": schema, **occurs}})
    return made


def one_output(schema: Dict[str, Any]) -> Any:
    [made] = ogc2pywps_outputs({"x": {"schema": schema}})
    return made


def by_id(items: list) -> Dict[str, Any]:
    return {item.identifier: item for item in items}


def mimes(io: Any) -> list:
    return [fmt.mime_type for fmt in io.supported_formats]


# ---- kinds -------------------------------------------------------------------------------------------------------

def test_kinds_of_the_example_inputs(example: Dict[str, Any]) -> None:
    kinds = {io_id: ogc_io_kind(desc) for io_id, desc in example["inputs"].items()}
    assert kinds == {
        "stringInput": "literal", "measureInput": "complex", "dateInput": "literal", "doubleInput": "literal",
        "arrayInput": "literal", "complexObjectInput": "complex", "geometryInput": "complex",
        "boundingBoxInput": "bbox", "imagesInput": "complex", "featureCollectionInput": "complex", "pause": "literal",
    }


def test_kinds_of_the_builtin_echo_match_the_example(example: Dict[str, Any]) -> None:
    for io_id, desc in example["inputs"].items():
        assert ogc_io_kind(echo.DESCRIPTION["inputs"][io_id]) == ogc_io_kind(desc), io_id


@pytest.mark.parametrize("schema, kind", [
    ({}, "literal"),
    ({"type": "string", "contentMediaType": "text/csv"}, "complex"),
    ({"type": "object"}, "complex"),
    ({"format": "geojson-geometry"}, "complex"),
    ({"$ref": "https://geojson.org/schema/Feature.json"}, "complex"),
    ({"format": "ogc-bbox"}, "bbox"),
    ({"$ref": "bbox.yaml"}, "bbox"),
    ({"allOf": [{"format": "ogc-bbox"}, {"$ref": "bbox.json"}]}, "bbox"),
    ({"type": "array", "items": {"type": "string", "contentMediaType": "image/png"}}, "complex"),
    ({"anyOf": [{"type": "string"}, {"type": "string", "contentMediaType": "text/csv"}]}, "complex"),
    ({"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}, "literal"),
])
def test_kind_rules(schema: Dict[str, Any], kind: str) -> None:
    assert ogc_io_kind({"schema": schema}) == kind


def test_is_array() -> None:
    assert ogc_io_is_array({"schema": {"type": "array", "items": {"type": "integer"}}})
    assert not ogc_io_is_array({"schema": {"type": "array", "contentMediaType": "application/json"}})
    assert not ogc_io_is_array({"schema": {"type": "integer"}})


# ---- literals ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("schema, data_type", [
    ({"type": "string"}, "string"),
    ({"type": "number"}, "float"),
    ({"type": "number", "format": "double"}, "float"),
    ({"type": "integer"}, "integer"),
    ({"type": "boolean"}, "boolean"),
    ({"type": "string", "format": "date-time"}, "dateTime"),
    ({"type": "string", "format": "date"}, "date"),
    ({"enum": [1, 2]}, "integer"),
    ({"anyOf": [{"type": "integer"}, {"type": "number"}]}, "float"),
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "string"),
])
def test_literal_data_types(schema: Dict[str, Any], data_type: str) -> None:
    made = one_input(schema)
    assert isinstance(made, LiteralInput)
    assert made.data_type == data_type
    assert made.valid_mode == MODE.SIMPLE


def test_unconstrained_literal_is_any_value() -> None:
    made = one_input({"type": "string"})
    assert made.any_value
    assert isinstance(made.allowed_values[0], AnyValue)
    made.data = "anything at all"


def test_enum_is_enforced(example: Dict[str, Any]) -> None:
    string_input = by_id(ogc2pywps_inputs(example["inputs"]))["stringInput"]
    assert [val.value for val in string_input.allowed_values] == ["Value1", "Value2", "Value3"]
    assert all(val.allowed_type == ALLOWEDVALUETYPE.VALUE for val in string_input.allowed_values)
    string_input.data = "Value2"
    with pytest.raises(InvalidParameterValue):
        string_input.data = "teststring"


def test_echo_string_input_is_lenient() -> None:
    string_input = by_id(ogc2pywps_inputs(echo.DESCRIPTION["inputs"]))["stringInput"]
    string_input.data = "teststring"
    assert string_input.data == "teststring"


def test_range_with_exclusive_minimum_and_default(example: Dict[str, Any]) -> None:
    double_input = by_id(ogc2pywps_inputs(example["inputs"]))["doubleInput"]
    [value_range] = double_input.allowed_values
    assert value_range.allowed_type == ALLOWEDVALUETYPE.RANGE
    assert (value_range.minval, value_range.maxval) == (0, 10)
    assert value_range.range_closure == RANGECLOSURETYPE.OPENCLOSED
    assert double_input.data == 5.0  # the default
    for accepted in (0.5, 10):
        double_input.data = accepted
    for rejected in (0, -1, 10.5):
        with pytest.raises(InvalidParameterValue):
            double_input.data = rejected


def test_one_sided_range(example: Dict[str, Any]) -> None:
    pause = by_id(ogc2pywps_inputs(example["inputs"]))["pause"]
    assert pause.min_occurs == 0
    pause.data = 0
    pause.data = 10 ** 9
    with pytest.raises(InvalidParameterValue):
        pause.data = -1


def test_numeric_exclusive_bounds() -> None:
    made = one_input({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 5})
    assert made.allowed_values[0].range_closure == RANGECLOSURETYPE.OPEN
    made.data = 4
    for rejected in (0, 5):
        with pytest.raises(InvalidParameterValue):
            made.data = rejected


def test_enum_of_alternatives_and_unconstrained_alternative() -> None:
    made = one_input({"oneOf": [{"type": "integer", "enum": [1, 2]}, {"type": "integer", "minimum": 10}]})
    made.data = 2
    made.data = 11
    with pytest.raises(InvalidParameterValue):
        made.data = 5
    assert one_input({"oneOf": [{"type": "integer", "enum": [1]}, {"type": "integer"}]}).any_value


def test_array_of_literals(example: Dict[str, Any]) -> None:
    array_input = by_id(ogc2pywps_inputs(example["inputs"]))["arrayInput"]
    assert isinstance(array_input, LiteralInput)
    assert array_input.data_type == "integer"
    assert array_input.min_occurs == 0  # optional stays optional
    assert array_input.max_occurs == 10
    required = one_input({"type": "array", "minItems": 2, "items": {"type": "number"}}, minOccurs=1)
    assert (required.min_occurs, required.max_occurs) == (2, UNBOUNDED_OCCURS)
    assert required.data_type == "float"
    constrained = one_input({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}})
    with pytest.raises(InvalidParameterValue):
        constrained.data = "c"


@pytest.mark.parametrize("occurs, expected", [
    ({}, (1, 1)),
    ({"minOccurs": 0}, (0, 1)),
    ({"minOccurs": 2, "maxOccurs": 4}, (2, 4)),
    ({"maxOccurs": "unbounded"}, (1, UNBOUNDED_OCCURS)),
])
def test_occurs(occurs: Dict[str, Any], expected: tuple) -> None:
    made = one_input({"type": "string"}, **occurs)
    assert (made.min_occurs, made.max_occurs) == expected


# ---- bounding boxes ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("schema", [
    {"allOf": [{"format": "ogc-bbox"}, {"$ref": "bbox.json"}]},
    {"format": "ogc-bbox"},
    echo.DESCRIPTION["inputs"]["boundingBoxInput"]["schema"],
])
def test_bbox(schema: Dict[str, Any]) -> None:
    made_in = one_input(schema, minOccurs=0)
    assert isinstance(made_in, BoundingBoxInput)
    assert made_in.crss == BBOX_CRSS == ["EPSG:4326", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    assert made_in.dimensions == 2
    assert made_in.min_occurs == 0
    made_out = one_output(schema)
    assert isinstance(made_out, BoundingBoxOutput)
    assert (made_out.crss, made_out.dimensions) == (BBOX_CRSS, 2)


# ---- complex -----------------------------------------------------------------------------------------------------

def test_binary_images(example: Dict[str, Any]) -> None:
    images = by_id(ogc2pywps_inputs(example["inputs"]))["imagesInput"]
    assert isinstance(images, ComplexInput)
    assert [(fmt.mime_type, fmt.encoding) for fmt in images.supported_formats] == [
        ("image/tiff; application=geotiff", "binary"), ("image/jp2", "binary")]
    assert (images.min_occurs, images.max_occurs) == (0, 150)
    assert images.valid_mode == MODE.NONE


def test_media_types_schemas_and_geojson(example: Dict[str, Any]) -> None:
    inputs = by_id(ogc2pywps_inputs(example["inputs"]))
    geometry = inputs["geometryInput"]
    assert mimes(geometry) == ["application/gml+xml; version=3.2", "application/geo+json", "application/json"]
    assert geometry.supported_formats[0].schema == "http://schemas.opengis.net/gml/3.2.1/geometryBasic2d.xsd"
    assert geometry.max_occurs == 5
    collection = inputs["featureCollectionInput"]
    assert mimes(collection) == ["application/gml+xml; version=3.2", "application/vnd.google-earth.kml+xml",
                                 "application/geo+json", "application/json"]
    assert collection.supported_formats[1].schema == "https://schemas.opengis.net/kml/2.3/ogckml23.xsd"
    assert mimes(inputs["measureInput"]) == ["application/json"]
    assert mimes(inputs["complexObjectInput"]) == ["application/json"]


def test_encodings_and_schemas_kept_only_when_meaningful() -> None:
    made = one_input({"oneOf": [
        {"type": "string", "contentMediaType": "application/zip", "contentEncoding": "base64"},
        {"type": "string", "contentMediaType": "text/csv", "contentEncoding": "utf-8",
         "contentSchema": {"type": "object"}},
    ]})
    assert [(fmt.mime_type, fmt.encoding, fmt.schema) for fmt in made.supported_formats] == [
        ("application/zip", "base64", ""), ("text/csv", "", "")]
    assert made.supported_formats[0].extension == ".zip"


def test_plain_string_alternative_of_a_complex_input_is_text() -> None:
    made = one_input({"anyOf": [{"type": "string"}, {"type": "string", "contentMediaType": "text/csv"}]})
    assert mimes(made) == ["text/plain", "text/csv"]


def test_any_media_type() -> None:
    made_in = one_input({"type": "string", "contentMediaType": "*/*"})
    assert isinstance(made_in, AnyFormatComplexInput)
    netcdf = made_in.get_format("application/x-netcdf")
    assert netcdf.mime_type == "application/x-netcdf"
    made_in.data_format = netcdf
    made_out = one_output({"type": "string", "contentMediaType": "*/*"})
    assert isinstance(made_out, AnyFormatComplexOutput)
    made_out.data_format = Format("image/png")
    strict = one_input({"type": "string", "contentMediaType": "text/csv"})
    assert strict.get_format("application/x-netcdf") is None
    with pytest.raises(InvalidParameterValue):
        strict.data_format = Format("application/x-netcdf")


# ---- outputs, descriptions, processes ----------------------------------------------------------------------------

def test_outputs_of_the_example(example: Dict[str, Any]) -> None:
    outputs = by_id(ogc2pywps_outputs(example["outputs"]))
    assert isinstance(outputs["stringOutput"], LiteralOutput) and outputs["stringOutput"].data_type == "string"
    assert outputs["doubleOutput"].data_type == "float"
    array_output = outputs["arrayOutput"]
    assert isinstance(array_output, LiteralOutput) and array_output.data_type == "string"  # JSON array as text
    assert isinstance(outputs["boundingBoxOutput"], BoundingBoxOutput)
    assert isinstance(outputs["imagesOutput"], ComplexOutput)
    assert [(f.mime_type, f.encoding) for f in outputs["imagesOutput"].supported_formats] == [
        ("image/tiff; application=geotiff", "binary")]
    date_output = by_id(ogc2pywps_outputs(echo.DESCRIPTION["outputs"]))["dateOutput"]
    assert date_output.data_type == "dateTime"


def test_titles_descriptions_keywords_metadata() -> None:
    [made] = ogc2pywps_inputs({"x": {
        "title": "The X", "description": "Why X.", "keywords": ["k"], "schema": {"type": "string"},
        "metadata": [{"title": "doc", "href": "https://example.com/x", "role": "manual"}, {"role": "ignored"}],
    }})
    assert (made.title, made.abstract, made.keywords) == ("The X", "Why X.", ["k"])
    assert [(m.title, m.href, m.role) for m in made.metadata] == [("doc", "https://example.com/x", "manual")]
    [untitled] = ogc2pywps_outputs({"y": {"schema": {"type": "string"}}})
    assert untitled.title == "y"


def test_listing_form() -> None:
    made = ogc2pywps_inputs([{"id": "a", "schema": {"type": "integer"}}, {"id": "b", "schema": {"type": "object"}}])
    assert [(type(m).__name__, m.identifier) for m in made] == [("LiteralInput", "a"), ("ComplexInput", "b")]
    assert ogc2pywps_inputs(None) == [] and ogc2pywps_outputs({}) == []


def test_make_pywps_process(example: Dict[str, Any]) -> None:
    def handler(request: Any, response: Any) -> Any:
        return response

    description = copy.deepcopy(example)
    description.update(description="Why echo.", keywords=["a", "b"])
    process = make_pywps_process(description, handler)
    assert (process.identifier, process.title, process.abstract) == ("echo", example["title"], "Why echo.")
    assert (process.version, process.keywords) == ("1.0.0", ["a", "b"])
    assert (process.store_supported, process.status_supported) == ("true", "true")
    assert process.handler is handler
    assert [i.identifier for i in process.inputs] == list(example["inputs"])
    assert [o.identifier for o in process.outputs] == list(example["outputs"])


def test_describe_process_is_readable_by_owslib(example: Dict[str, Any]) -> None:
    """The worker reads local processes through OWSLib: the WPS description must round-trip."""
    service = Service(processes=[make_pywps_process(example, lambda request, response: response)])
    resp = client_for(service).get("?service=WPS&request=DescribeProcess&version=1.0.0&identifier=echo")
    assert resp.status_code == 200
    element = WPSDescribeProcessReader().readFromString(resp.get_data()).find("ProcessDescription")
    described = OWSProcess(element)
    data_types = {inp.identifier: inp.dataType for inp in described.dataInputs}
    assert data_types["stringInput"] == "string"
    assert data_types["doubleInput"] == "float"
    assert data_types["arrayInput"] == "integer"
    assert data_types["imagesInput"] == "ComplexData"
    assert data_types["boundingBoxInput"] == "BoundingBoxData"
    occurs = {inp.identifier: (inp.minOccurs, inp.maxOccurs) for inp in described.dataInputs}
    assert occurs["stringInput"] == (1, 1) and occurs["imagesInput"] == (0, 150)
    string_input = next(inp for inp in described.dataInputs if inp.identifier == "stringInput")
    assert string_input.allowedValues == ["Value1", "Value2", "Value3"]
