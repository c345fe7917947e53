"""``file2string_array``: the reference of a file as a one-item JSON array, to feed array inputs in workflows."""
from __future__ import annotations

import json
from typing import Any

from pywps.app.WPSRequest import WPSRequest
from pywps.response.execute import ExecuteResponse

from weaver.processes.builtin.base import cwl_package, first_input, process_description
from weaver.processes.convert.pywps_io import ANY_MEDIA_TYPE
from weaver.typedefs import JSON

PROCESS_ID = "file2string_array"

DESCRIPTION: JSON = process_description(
    PROCESS_ID,
    title="File reference to string array",
    description="Returns a JSON array holding the reference of the input file (its URL, or its local path when it "
                "was given inline).",
    inputs={
        "input": {"title": "Input file", "description": "A file of any media type.",
                  "schema": {"type": "string", "contentMediaType": ANY_MEDIA_TYPE}},
    },
    outputs={
        "output": {"title": "Reference array", "description": "A JSON array with the input file reference.",
                   "schema": {"type": "string", "contentMediaType": "application/json"}},
    },
    keywords=["file", "json"],
)

PACKAGE: JSON = cwl_package(
    PROCESS_ID,
    inputs={"input": {"type": "File"}},
    outputs={"output": {"type": "File"}},
    doc=DESCRIPTION["description"],
)


def file_reference(value: Any) -> str:
    """The href the file was given by (http(s) or file URL), else the local path pywps wrote it to."""
    if value.prop == "url":
        return str(value.url)
    href = (getattr(value, "inpt", None) or {}).get("href")
    return str(href) if href else str(value.file)


def handler(request: WPSRequest, response: ExecuteResponse) -> ExecuteResponse:
    """Write ``[reference]`` as the JSON output."""
    value = first_input(request, "input")
    response.outputs["output"].data = json.dumps([file_reference(value)])
    return response
