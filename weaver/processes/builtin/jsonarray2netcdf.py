"""``jsonarray2netcdf``: NetCDF files listed in a JSON array, staged and returned as one Metalink document.

A pywps output holds a single file, so the staged files are published side by side and listed in a Metalink 4
document (RFC 5854) that is the output; ``metalink2netcdf`` picks one file back out of it.
"""
from __future__ import annotations

import json
import os
from typing import Any, List
from urllib.parse import urlparse

import requests
from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
from pywps.inout.formats import FORMATS
from pywps.inout.outputs import MetaFile, MetaLink4
from pywps.response.execute import ExecuteResponse

from weaver.processes.builtin.base import (
    allowed_input_dirs,
    cwl_package,
    first_input,
    process_description,
    workdir_of,
)
from weaver.processes.builtin.fetch import fetch_reference
from weaver.typedefs import JSON

PROCESS_ID = "jsonarray2netcdf"
METALINK4_MEDIA_TYPE = "application/metalink4+xml"
NETCDF_EXTENSION = ".nc"

DESCRIPTION: JSON = process_description(
    PROCESS_ID,
    title="JSON array to NetCDF files",
    description="Fetches the NetCDF files referenced by a JSON array (http, https or file URLs) and returns them "
                "listed in a Metalink 4 document.",
    inputs={
        "input": {"title": "NetCDF references", "description": "A JSON array of NetCDF file references.",
                  "schema": {"type": "string", "contentMediaType": "application/json"}},
    },
    outputs={
        "output": {"title": "NetCDF files", "description": "A Metalink 4 document listing the fetched files.",
                   "schema": {"type": "string", "contentMediaType": METALINK4_MEDIA_TYPE}},
    },
    keywords=["netcdf", "json", "metalink"],
)

PACKAGE: JSON = cwl_package(
    PROCESS_ID,
    inputs={"input": {"type": "File"}},
    outputs={"output": {"type": "File"}},
    doc=DESCRIPTION["description"],
)


def parse_reference_array(content: Any) -> List[str]:
    """The NetCDF references of the input document, or a ProcessError saying what is wrong with it."""
    try:
        refs = json.loads(content)
    except (TypeError, ValueError):
        raise ProcessError("Input is not valid JSON: expected a JSON array of NetCDF file references.") from None
    if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
        raise ProcessError("Input must be a JSON array of strings, each one a NetCDF file reference.")
    for position, ref in enumerate(refs):
        if not urlparse(ref).path.endswith(NETCDF_EXTENSION):
            raise ProcessError(f"Reference {position} is not a NetCDF file, its path does not end with .nc: {ref}")
    return refs


def handler(request: WPSRequest, response: ExecuteResponse) -> ExecuteResponse:
    """Stage each referenced file under the job's workdir and publish them through a Metalink document."""
    refs = parse_reference_array(first_input(request, "input").data)
    output = response.outputs["output"]
    workdir = workdir_of(response)
    metalink = MetaLink4(identity=PROCESS_ID, description="NetCDF files", publisher="weaver",
                         workdir=workdir, checksums=True)
    for position, ref in enumerate(refs):
        response.update_status(f"Fetching file {position + 1} of {len(refs)}.", int(90 * position / len(refs)))
        try:
            path = fetch_reference(ref, os.path.join(workdir, "staged", str(position)), allowed_input_dirs())
        except (ValueError, OSError, requests.RequestException) as exc:
            raise ProcessError(f"Cannot fetch reference {position}: {ref}: {exc}") from exc
        meta = MetaFile(identity=os.path.basename(path), description=f"File {position}", fmt=FORMATS.NETCDF)
        meta.file = path
        # pywps gives MetaFile no public way to share the job's output folder; without it each file would get
        # a folder of its own under the output path.
        meta._output.uuid = output.uuid
        metalink.append(meta)
    output.data = metalink.xml
    return response
