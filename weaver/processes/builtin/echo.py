"""``echo``: the echo process of the OGC API - Processes examples, returning each input it is given.

It follows the OGC example with the changes that make it usable by the OGC test suite and by people watching jobs:

- ``stringInput`` takes any string (Value1..Value3 are only given as an example);
- object inputs carry ``contentMediaType: application/json``: they are complex inputs taking any JSON value,
  the object schema only shows what the example expects;
- nested ``$ref`` are written inline (the official ``schema.yaml`` rejects a ``$ref`` inside ``allOf``/``oneOf``,
  since it matches both of its alternatives), and ``doubleInput`` has no ``default`` so that an input that was
  not sent is not echoed;
- an optional ``pause`` (seconds) keeps the job running, with progress reported, before answering;
- every input has its output (``measureOutput``, ``dateOutput``... are added), and an output whose input was not
  given is not produced at all.
"""
from __future__ import annotations

import copy
import datetime
import json
import time
from typing import Any, List

from pywps.app.WPSRequest import WPSRequest
from pywps.inout.outputs import BoundingBoxOutput, ComplexOutput, LiteralOutput
from pywps.response.execute import ExecuteResponse

from weaver.processes.builtin.base import (
    all_inputs,
    cwl_package,
    drop_unset_outputs,
    first_input,
    process_description,
)
from weaver.processes.convert.pywps_io import BBOX_CRSS, BBOX_DIMENSIONS, ogc_io_is_array
from weaver.typedefs import JSON

PROCESS_ID = "echo"
PAUSE_MAX = 600
PAUSE_STEP = 0.25  # seconds between progress updates while pausing
PAUSE_PROGRESS = 90  # percent reached at the end of the pause

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
GML_32 = "application/gml+xml; version=3.2"

_BBOX = {
    "type": "object", "format": "ogc-bbox", "required": ["bbox"],
    "properties": {
        "bbox": {"type": "array", "items": {"type": "number"},
                 "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]},
        "crs": {"type": "string", "format": "uri", "default": CRS84, "enum": [CRS84, CRS84H]},
    },
}
_MEASURE = {
    "type": "object", "contentMediaType": "application/json", "required": ["measurement", "uom"],
    "properties": {"measurement": {"type": "number"}, "uom": {"type": "string"},
                   "reference": {"type": "string", "format": "uri"}},
}
_COMPLEX_OBJECT = {
    "type": "object", "contentMediaType": "application/json", "required": ["property1", "property5"],
    "properties": {"property1": {"type": "string"}, "property2": {"type": "string", "format": "uri"},
                   "property3": {"type": "number"}, "property4": {"type": "string", "format": "date-time"},
                   "property5": {"type": "boolean"}},
}
_GEOMETRY = {"oneOf": [
    {"type": "string", "contentMediaType": GML_32,
     "contentSchema": "http://schemas.opengis.net/gml/3.2.1/geometryBasic2d.xsd"},
    {"type": "object", "format": "geojson-geometry", "contentMediaType": "application/geo+json"},
]}
_IMAGES = {"oneOf": [
    {"type": "string", "contentEncoding": "binary", "contentMediaType": "image/tiff; application=geotiff"},
    {"type": "string", "contentEncoding": "binary", "contentMediaType": "image/jp2"},
]}
_FEATURE_COLLECTION = {"oneOf": [
    {"type": "string", "contentMediaType": GML_32},
    {"type": "string", "contentMediaType": "application/vnd.google-earth.kml+xml",
     "contentSchema": "https://schemas.opengis.net/kml/2.3/ogckml23.xsd"},
    {"type": "object", "format": "geojson-feature-collection", "contentMediaType": "application/geo+json",
     "required": ["type", "features"],
     "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                    "features": {"type": "array", "items": {"type": "object"}}}},
]}


def _io(title: str, description: str, schema: JSON, **occurs: Any) -> JSON:
    return {"title": title, "description": description, "schema": copy.deepcopy(schema), **occurs}


INPUTS: JSON = {
    "stringInput": _io("String input", "Any string (the OGC example suggests Value1, Value2 or Value3).",
                       {"type": "string", "example": "Value1"}),
    "measureInput": _io("Measure input", "A measurement with its unit of measure (any JSON value is accepted).",
                        _MEASURE, minOccurs=0),
    "dateInput": _io("Date input", "A date-time.", {"type": "string", "format": "date-time"}, minOccurs=0),
    "doubleInput": _io("Double input", "A number in (0, 10].",
                       {"type": "number", "format": "double", "minimum": 0, "maximum": 10,
                        "exclusiveMinimum": True}, minOccurs=0),
    "arrayInput": _io("Array input", "2 to 10 integers.",
                      {"type": "array", "minItems": 2, "maxItems": 10, "items": {"type": "integer"}}, minOccurs=0),
    "complexObjectInput": _io("Complex object input", "An object (any JSON value is accepted).",
                              _COMPLEX_OBJECT, minOccurs=0),
    "geometryInput": _io("Geometry input", "GML or GeoJSON geometries.", _GEOMETRY, minOccurs=0, maxOccurs=5),
    "boundingBoxInput": _io("Bounding box input", "A bounding box.", _BBOX, minOccurs=0),
    "imagesInput": _io("Images input", "GeoTIFF or JPEG 2000 images.", _IMAGES, minOccurs=0, maxOccurs=150),
    "featureCollectionInput": _io("Feature collection input", "A GML, KML or GeoJSON feature collection.",
                                  _FEATURE_COLLECTION, minOccurs=0),
    "pause": _io("Pause", f"Seconds to wait before answering (at most {PAUSE_MAX}), so a running job can be observed.",
                 {"type": "integer", "minimum": 0, "maximum": PAUSE_MAX}, minOccurs=0),
}

ECHOES = {  # input -> the output that returns it
    "stringInput": "stringOutput", "measureInput": "measureOutput", "dateInput": "dateOutput",
    "doubleInput": "doubleOutput", "arrayInput": "arrayOutput", "complexObjectInput": "complexObjectOutput",
    "geometryInput": "geometryOutput", "boundingBoxInput": "boundingBoxOutput", "imagesInput": "imagesOutput",
    "featureCollectionInput": "featureCollectionOutput",
}

OUTPUTS: JSON = {
    output_id: _io(INPUTS[input_id]["title"].replace("input", "output"), f"The value of {input_id}.",
                   {"type": "string"} if input_id == "stringInput" else INPUTS[input_id]["schema"])
    for input_id, output_id in ECHOES.items()
}

DESCRIPTION: JSON = process_description(
    PROCESS_ID,
    title="Echo Process",
    description="Returns every input it is given through the matching output (the OGC API - Processes example "
                "echo process), optionally after a pause.",
    inputs=INPUTS,
    outputs=OUTPUTS,
    keywords=["echo", "ogc-example"],
)

PACKAGE: JSON = cwl_package(
    PROCESS_ID,
    inputs={
        "stringInput": {"type": "string"},
        "measureInput": {"type": "File?"},
        "dateInput": {"type": "string?"},
        "doubleInput": {"type": "double?"},
        "arrayInput": {"type": "int[]?"},
        "complexObjectInput": {"type": "File?"},
        "geometryInput": {"type": "File[]?"},
        "boundingBoxInput": {"type": "double[]?", "doc": "minx, miny, maxx, maxy"},
        "imagesInput": {"type": "File[]?"},
        "featureCollectionInput": {"type": "File?"},
        "pause": {"type": "int?"},
    },
    outputs={
        "stringOutput": {"type": "string?"},
        "measureOutput": {"type": "File?"},
        "dateOutput": {"type": "string?"},
        "doubleOutput": {"type": "double?"},
        "arrayOutput": {"type": "int[]?"},
        "complexObjectOutput": {"type": "File?"},
        "geometryOutput": {"type": "File?"},
        "boundingBoxOutput": {"type": "double[]?", "doc": "minx, miny, maxx, maxy"},
        "imagesOutput": {"type": "File?"},
        "featureCollectionOutput": {"type": "File?"},
    },
    doc=DESCRIPTION["description"],
)


class _IsoDateTime(datetime.datetime):
    """A datetime written as ISO 8601: pywps puts ``str(value)`` in the XML and xs:dateTime needs the ``T``."""

    def __str__(self) -> str:
        return self.isoformat()


def _pause(seconds: int, response: ExecuteResponse) -> None:
    """Sleep in short steps, reporting progress so that the job is seen running."""
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        response.update_status(f"Pausing: {int(elapsed)} of {seconds} s.", int(PAUSE_PROGRESS * elapsed / seconds))
        time.sleep(min(PAUSE_STEP, seconds - elapsed))
    response.update_status(f"Paused {seconds} s.", PAUSE_PROGRESS)


def _echo_literal(values: List[Any], output: LiteralOutput, as_array: bool) -> None:
    if as_array:
        output.data = json.dumps([value.data for value in values])
        return
    data = values[0].data
    if isinstance(data, datetime.datetime):
        data = _IsoDateTime.combine(data.date(), data.timetz())
    output.data = data


def _echo_bbox(value: Any, output: BoundingBoxOutput) -> None:
    output.data = value.data
    output.crs = value.crs or BBOX_CRSS[0]
    output.dimensions = value.dimensions or BBOX_DIMENSIONS


def _echo_complex(value: Any, output: ComplexOutput) -> None:
    """Same media type and content; a reference stays a reference, so nothing is downloaded."""
    if value.data_format is not None:
        fmt = output.get_format(value.data_format.mime_type)
        if fmt is not None:
            output.data_format = fmt
    if value.prop == "url":
        output.url = value.url
    elif value.prop == "file":
        output.file = value.file
    else:
        output.data = value.data


def handler(request: WPSRequest, response: ExecuteResponse) -> ExecuteResponse:
    """Echo each given input to its output, after the optional pause."""
    pause = first_input(request, "pause")
    if pause is not None:
        _pause(int(pause.data), response)
    for input_id, output_id in ECHOES.items():
        values = all_inputs(request, input_id)
        output = response.outputs.get(output_id)
        if not values or output is None:
            continue
        if isinstance(output, BoundingBoxOutput):
            _echo_bbox(values[0], output)
        elif isinstance(output, ComplexOutput):
            _echo_complex(values[0], output)
            if len(values) > 1:
                response.update_status(f"{input_id}: {len(values)} values given, the first one is echoed.")
        else:
            _echo_literal(values, output, ogc_io_is_array(OUTPUTS[output_id]))
    drop_unset_outputs(request, response)
    return response
