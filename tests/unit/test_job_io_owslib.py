"""Job inputs turned into the OWSLib inputs of a WPS execution (pure functions)."""
import base64
import json
from types import SimpleNamespace

import pytest
from owslib.wps import BoundingBoxDataInput, ComplexDataInput

from weaver.datatype import Job
from weaver.exceptions import JobExecutionError
from weaver.processes.execution import (
    parse_wps_input_bbox,
    parse_wps_input_complex,
    parse_wps_input_format,
    parse_wps_input_literal,
    parse_wps_inputs,
)


@pytest.mark.parametrize("info, expected", [
    ({"mime_type": "a/b"}, ("a/b", None)),
    ({"mimeType": "a/b"}, ("a/b", None)),
    ({"mediaType": "a/b", "encoding": "base64"}, ("a/b", "base64")),
    ({"type": "text/plain; charset=UTF-8"}, ("text/plain", "UTF-8")),
    ({"format": {"mediaType": "a/b", "encoding": "gzip"}}, ("a/b", "gzip")),
    ({"format": {"mimeType": "a/b"}}, ("a/b", None)),
    ({}, (None, None)),
])
def test_format_variations(info, expected):
    assert parse_wps_input_format(info) == expected


def test_format_without_variations_only_reads_the_given_field():
    assert parse_wps_input_format({"mediaType": "a/b"}, "type", search_variations=False) == (None, None)
    assert parse_wps_input_format({"type": "a/b"}, "type", search_variations=False) == ("a/b", None)


def test_complex_reference_and_path():
    ref = parse_wps_input_complex({"href": "http://h/x.json", "type": "application/json"}, {})
    assert isinstance(ref, ComplexDataInput)
    assert (ref.value, ref.mimeType) == ("http://h/x.json", "application/json")
    path = parse_wps_input_complex({"href": "/data/x.tif"}, {})
    assert path.value == "file:///data/x.tif"


def test_complex_values():
    obj = parse_wps_input_complex({"value": {"k": 1}, "mediaType": "application/geo+json"}, {})
    assert json.loads(obj.value) == {"k": 1} and obj.mimeType == "application/geo+json"
    bare = parse_wps_input_complex({"k": 2}, {})
    assert json.loads(bare.value) == {"k": 2} and bare.mimeType == "application/json"
    text = parse_wps_input_complex("plain text", {"mediaType": "text/plain"})
    assert (text.value, text.mimeType) == ("plain text", "text/plain")
    schema = parse_wps_input_complex({"value": "<a/>", "mediaType": "text/xml", "schema": {"$ref": "http://s"}}, {})
    assert schema.schema == "http://s"


def test_complex_base64():
    encoded = base64.b64encode(b"\x00\x01").decode()
    value = parse_wps_input_complex({"value": encoded, "encoding": "base64", "mediaType": "image/png"}, {})
    assert (value.value, value.encoding) == (encoded, "base64")
    with pytest.raises(Exception):
        parse_wps_input_complex({"value": "not base64!", "encoding": "base64", "mediaType": "image/png"}, {})


@pytest.mark.parametrize("value, coords, crs", [
    ({"bbox": [1, 2, 3, 4], "crs": "EPSG:3857"}, [1, 2, 3, 4], "EPSG:3857"),
    ("1,2,3,4", [1, 2, 3, 4], "EPSG:4326"),
    ({"bbox": [1, 2, 3, 4, 5, 6]}, [1, 2, 3, 4, 5, 6], "EPSG:4326"),
    ({"bbox": [0, 0, 1, 1], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}, [0, 0, 1, 1],
     "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
])
def test_bbox(value, coords, crs):
    bbox = parse_wps_input_bbox(value, {})
    assert isinstance(bbox, BoundingBoxDataInput)
    assert [float(c) for c in bbox.data] == coords
    assert bbox.crs == crs and bbox.dimensions == len(coords) // 2


def test_bbox_wrong_size():
    with pytest.raises(JobExecutionError):
        parse_wps_input_bbox("1,2,3", {})


@pytest.mark.parametrize("value, text", [
    ("a", "a"), (1, "1"), (2.5, "2.5"), (True, "true"), ({"value": "q"}, "q"), ({"measure": 3, "uom": "m"}, "3"),
    (None, None), ("", ""),
])
def test_literal(value, text):
    assert parse_wps_input_literal(value) == text


def _description(*inputs):
    return SimpleNamespace(dataInputs=[SimpleNamespace(identifier=i, dataType=t, supportedValues=None)
                                       for i, t in inputs])


def test_parse_inputs_mapping_and_listing_repeat_arrays():
    desc = _description(("s", "string"), ("n", "integer"), ("c", "ComplexData"), ("b", "BoundingBoxData"))
    job = Job(task_id="t", inputs={"s": "x", "n": {"value": [1, 2]}, "c": [{"href": "http://h/1"},
                                                                        {"href": "http://h/2"}],
                                   "b": "1,2,3,4", "unused": 1})
    parsed = parse_wps_inputs(desc, job)
    assert [(i, v) for i, v in parsed if isinstance(v, str)] == [("s", "x"), ("n", "1"), ("n", "2")]
    assert [v.value for i, v in parsed if i == "c"] == ["http://h/1", "http://h/2"]
    assert [type(v) for i, v in parsed if i == "b"] == [BoundingBoxDataInput]
    listing = Job(task_id="t", inputs=[{"id": "n", "value": 1}, {"id": "n", "value": 2}, {"id": "s", "value": None}])
    assert parse_wps_inputs(desc, listing) == [("n", "1"), ("n", "2")]


@pytest.mark.parametrize("value", [{"collection": "http://h/collections/c"}, {"process": "ftp://h/processes/p"},
                                   {"process": "http://h/not-a-process"}])
def test_parse_inputs_refuses_collections_and_bad_nested_processes(value):
    desc = _description(("c", "ComplexData"))
    with pytest.raises(JobExecutionError):
        parse_wps_inputs(desc, Job(task_id="t", inputs={"c": value}), {})
