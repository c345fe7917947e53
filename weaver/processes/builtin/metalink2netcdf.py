"""``metalink2netcdf``: one NetCDF file picked out of a Metalink 4 document by its 1-based position."""
from __future__ import annotations

import os
from typing import Any, List

import requests
from lxml import etree
from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
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

PROCESS_ID = "metalink2netcdf"
METALINK4_NS = "urn:ietf:params:xml:ns:metalink"
METALINK4_MEDIA_TYPE = "application/metalink4+xml"
NETCDF_MEDIA_TYPE = "application/x-netcdf"

DESCRIPTION: JSON = process_description(
    PROCESS_ID,
    title="Metalink to NetCDF file",
    description="Fetches the file at the given 1-based position of a Metalink 4 document and returns it.",
    inputs={
        "input": {"title": "Metalink document", "description": "A Metalink 4 document listing NetCDF files.",
                  "schema": {"type": "string", "contentMediaType": METALINK4_MEDIA_TYPE}},
        "index": {"title": "Index", "description": "1-based position of the file in the document.",
                  "schema": {"type": "integer", "minimum": 1}},
    },
    outputs={
        "output": {"title": "NetCDF file", "description": "The selected NetCDF file.",
                   "schema": {"type": "string", "contentMediaType": NETCDF_MEDIA_TYPE, "contentEncoding": "binary"}},
    },
    keywords=["netcdf", "metalink"],
)

PACKAGE: JSON = cwl_package(
    PROCESS_ID,
    inputs={"input": {"type": "File"}, "index": {"type": "int"}},
    outputs={"output": {"type": "File"}},
    doc=DESCRIPTION["description"],
)

_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def metalink_urls(content: Any) -> List[str]:
    """The first URL of each ``file`` of a Metalink 4 document (``url``, else the ``metaurl`` pywps writes)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(**_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError, TypeError):
        raise ProcessError("Input is not a valid XML Metalink 4 document.") from None
    if root.tag != f"{{{METALINK4_NS}}}metalink":
        raise ProcessError(f"Input is not a Metalink 4 document: its root must be metalink in {METALINK4_NS}.")
    urls = []
    for position, file_el in enumerate(root.iterfind(f"{{{METALINK4_NS}}}file"), start=1):
        found = file_el.findall(f"{{{METALINK4_NS}}}url") or file_el.findall(f"{{{METALINK4_NS}}}metaurl")
        url = (found[0].text or "").strip() if found else ""
        if not url:
            raise ProcessError(f"File {position} of the Metalink document has no URL.")
        urls.append(url)
    return urls


def handler(request: WPSRequest, response: ExecuteResponse) -> ExecuteResponse:
    """Fetch the selected file into the job's workdir and return it."""
    urls = metalink_urls(first_input(request, "input").data)
    index = int(first_input(request, "index").data)
    if not 1 <= index <= len(urls):
        raise ProcessError(f"Index {index} is out of range: the Metalink document lists {len(urls)} files, "
                           f"valid indexes are 1 to {len(urls)}.")
    response.update_status(f"Fetching file {index} of {len(urls)}.", 10)
    try:
        path = fetch_reference(urls[index - 1], os.path.join(workdir_of(response), "fetched"), allowed_input_dirs())
    except (ValueError, OSError, requests.RequestException) as exc:
        raise ProcessError(f"Cannot fetch file {index}: {urls[index - 1]}: {exc}") from exc
    response.outputs["output"].file = path
    return response
