"""``file_index_selector``: one file picked by its position among the input files, to split file arrays."""
from __future__ import annotations

from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
from pywps.response.execute import ExecuteResponse

from weaver.processes.builtin.base import all_inputs, cwl_package, first_input, process_description
from weaver.processes.convert.pywps_io import ANY_MEDIA_TYPE
from weaver.typedefs import JSON

PROCESS_ID = "file_index_selector"

DESCRIPTION: JSON = process_description(
    PROCESS_ID,
    title="File index selector",
    description="Returns the file found at the given 0-based index among the input files.",
    inputs={
        "files": {"title": "Files", "description": "Files of any media type.", "minOccurs": 1,
                  "maxOccurs": "unbounded", "schema": {"type": "string", "contentMediaType": ANY_MEDIA_TYPE}},
        "index": {"title": "Index", "description": "0-based position of the file to return.",
                  "schema": {"type": "integer", "minimum": 0}},
    },
    outputs={
        "output": {"title": "Selected file", "description": "A copy of the selected file.",
                   "schema": {"type": "string", "contentMediaType": ANY_MEDIA_TYPE}},
    },
    keywords=["file", "array"],
)

PACKAGE: JSON = cwl_package(
    PROCESS_ID,
    inputs={"files": {"type": "File[]"}, "index": {"type": "int"}},
    outputs={"output": {"type": "File"}},
    doc=DESCRIPTION["description"],
)


def handler(request: WPSRequest, response: ExecuteResponse) -> ExecuteResponse:
    """Publish the selected file, with its media type, as the output (pywps stores a copy of it)."""
    files = all_inputs(request, "files")
    index = int(first_input(request, "index").data)
    if not 0 <= index < len(files):
        raise ProcessError(f"Index {index} is out of range: {len(files)} files were given, "
                           f"valid indexes are 0 to {len(files) - 1}.")
    selected = files[index]
    output = response.outputs["output"]
    if selected.data_format is not None:
        output.data_format = output.get_format(selected.data_format.mime_type)
    output.file = selected.file
    return response
