"""What every builtin process shares: its record type, its CWL shape and the pywps chores of its handler."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from pywps import Process
from pywps import configuration as pywps_config
from pywps.app.WPSRequest import WPSRequest
from pywps.inout.outputs import BoundingBoxOutput
from pywps.response.execute import ExecuteResponse

from weaver.processes.convert.pywps_io import make_pywps_process
from weaver.typedefs import JSON

Handler = Callable[[WPSRequest, ExecuteResponse], ExecuteResponse]

JOB_CONTROL_OPTIONS = ["sync-execute", "async-execute"]
OUTPUT_TRANSMISSION = ["value", "reference"]
BUILTIN_VERSION = "1.0.0"
CWL_VERSION = "v1.2"


@dataclass(frozen=True)
class BuiltinProcess:
    """A process shipped with weaver: its OGC description, its CWL package and the Python code that runs it.

    The dicts are shared module constants: copy them before changing anything (e.g. adding links).
    """

    id: str
    description: JSON  # served by GET /processes/{id} (without links; "type" is added by the API)
    package: JSON  # CWL served at /processes/{id}/package
    handler: Handler  # handler(request, response) -> response

    def pywps_process(self) -> Process:
        """A new pywps process built from the description (pywps copies it again for each execution)."""
        return make_pywps_process(self.description, self.handler)


def cwl_package(process_id: str, inputs: JSON, outputs: JSON, doc: str = "") -> JSON:
    """The CWL of a builtin: its Python handler runs it, which the ``BuiltinRequirement`` hint names."""
    package: JSON = {
        "cwlVersion": CWL_VERSION,
        "class": "CommandLineTool",
        "hints": {"BuiltinRequirement": {"process": process_id}},
        "inputs": inputs,
        "outputs": outputs,
    }
    if doc:
        package["doc"] = doc
    return package


def first_input(request: WPSRequest, input_id: str) -> Optional[Any]:
    """The first value pywps parsed for an input, or None when the request did not give it."""
    values = request.inputs.get(input_id)
    return values[0] if values else None


def all_inputs(request: WPSRequest, input_id: str) -> List[Any]:
    """Every value pywps parsed for a repeatable input, in request order."""
    return list(request.inputs.get(input_id) or [])


def workdir_of(response: ExecuteResponse) -> str:
    """The job's pywps working directory (pywps removes it once the job is over)."""
    return str(response.process.workdir)


def allowed_input_dirs() -> List[str]:
    """Directories from which ``file://`` references may be read: pywps' ``server.allowedinputpaths``."""
    paths = pywps_config.get_config_value("server", "allowedinputpaths") or ""
    return [path.strip() for path in str(paths).split(os.pathsep) if path.strip()]


def _has_value(output: Any) -> bool:
    if isinstance(output, BoundingBoxOutput):
        return output.data is not None
    return output.prop is not None


def drop_unset_outputs(request: WPSRequest, response: ExecuteResponse) -> None:
    """Remove outputs the handler did not produce.

    pywps renders every output of the process, so an unset one would appear as the text ``None`` or an empty
    reference. An output requested as raw data is kept: pywps then answers "output was not generated" itself.
    """
    raw_requested = set(request.outputs or {}) if request.raw else set()
    for output_id, output in list(response.outputs.items()):
        if output_id not in raw_requested and not _has_value(output):
            del response.outputs[output_id]


def process_description(process_id: str, title: str, description: str, inputs: JSON, outputs: JSON,
                        keywords: Optional[List[str]] = None, version: str = BUILTIN_VERSION) -> JSON:
    """An OGC process description with the options every builtin shares."""
    return {
        "id": process_id,
        "title": title,
        "description": description,
        "version": version,
        "keywords": ["builtin", *(keywords or [])],
        "jobControlOptions": list(JOB_CONTROL_OPTIONS),
        "outputTransmission": list(OUTPUT_TRANSMISSION),
        "inputs": inputs,
        "outputs": outputs,
    }

