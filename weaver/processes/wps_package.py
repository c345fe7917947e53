"""``WpsPackage``: the pywps process that runs a deployed CWL application package with cwltool.

Its handler turns the WPS inputs into a CWL job order, writes the package (and its workflow steps) into the job's
working directory, runs cwltool and turns the CWL outputs back into WPS outputs: files are stored by pywps under
``{wps_output_dir}/{jobID}/{output_id}/``, directories are copied there by the handler. Every line cwltool or the
tool prints goes to ``{wps_output_dir}/{jobID}.log``, which the job task appends to the job logs, and the run's
progress (the steps of a workflow) is reported between the handler's milestones.
"""
from __future__ import annotations

import json
import logging
import mimetypes
import os
import re
import shutil
import string
from typing import Any, Dict, List, Optional
from urllib.parse import unquote, urlparse

from pywps import Process as PywpsProcess
from pywps import configuration as pywps_config
from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
from pywps.inout.formats import Format
from pywps.response.execute import ExecuteResponse

from weaver.datatype import Process
from weaver.processes.builtin.base import drop_unset_outputs
from weaver.processes.convert.cwl_ogc import (
    DIRECTORY_MEDIA_TYPE,
    CwlType,
    cwl_input_types,
    cwl_namespaces,
    expand_format,
    format_media_type,
)
from weaver.processes.convert.pywps_io import ogc2pywps_inputs, ogc2pywps_outputs
from weaver.processes.cwl_package import requirements_of, step_ids, write_package
from weaver.processes.cwl_runner import docker_engine_problem, failure_message, resource_problem, run_cwltool
from weaver.typedefs import JSON

LOGGER = logging.getLogger(__name__)


class Progress:
    """Milestones of the handler (percent of the pywps execution)."""

    PREPARE = 1
    INPUTS = 5
    CHECKS = 8
    RUN = 10
    RUN_DONE = 95
    OUTPUTS = 98


ERROR_CHARS = string.ascii_letters + string.digits + " .,:;_-+=()[]{}'\"/\\|<>!?#%&*@$~^`"
MAX_ERROR_LENGTH = 1000
STEP_START = re.compile(r"\[step ([^\]]+)\] start")
STEP_DONE = re.compile(r"\[step ([^\]]+)\] completed (\w+)")
JOB_START = re.compile(r"\[job ([^\]]+)\] .*\$ ")


def _fail(message: str) -> ProcessError:
    """A pywps error whose message reaches the job's exceptions as is (pywps keeps only allowed characters)."""
    return ProcessError(" ".join(message.split()), max_length=MAX_ERROR_LENGTH, allowed_chars=ERROR_CHARS)


def _local_path(href: str) -> Optional[str]:
    """The local path of a ``file://`` reference, or of a reference to this server's own outputs."""
    parsed = urlparse(href)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    output_url = str(pywps_config.get_config_value("server", "outputurl") or "").rstrip("/")
    output_dir = str(pywps_config.get_config_value("server", "outputpath") or "")
    if output_url and href.startswith(output_url + "/"):
        relative = unquote(href[len(output_url) + 1:].split("?", 1)[0])
        path = os.path.realpath(os.path.join(output_dir, relative))
        if path.startswith(os.path.realpath(output_dir) + os.sep):
            return path
    return None


def _directory_of(value: Any, input_id: str) -> str:
    """The local directory an input references (pywps already checked ``file://`` against allowed paths)."""
    href = str((getattr(value, "inpt", None) or {}).get("href") or "")
    path = _local_path(href)
    path = path.rstrip(os.sep) if path and path != os.sep else path
    if not path or not os.path.isdir(path):
        raise _fail(f"Input '{input_id}' must reference a directory: a file:// path in an allowed directory, "
                    f"or a directory of this server's outputs.")
    return path


def _cwl_value(value: Any, cwl_type: CwlType, input_id: str, namespaces: Dict[str, str]) -> Any:
    """One WPS input value as the CWL value of its declared type."""
    if cwl_type.base == "File":
        try:
            path = value.file
        except Exception as exc:  # pywps raises its own errors (or requests') when fetching a reference
            raise _fail(f"Input '{input_id}' could not be fetched: {exc}") from exc
        cwl_file: JSON = {"class": "File", "path": path}
        if cwl_type.formats:
            cwl_file["format"] = expand_format(cwl_type.formats[0], namespaces)
        return cwl_file
    if cwl_type.base == "Directory":
        return {"class": "Directory", "path": _directory_of(value, input_id)}
    data = value.data
    if cwl_type.base in ("int", "long"):
        return int(data)
    if cwl_type.base in ("float", "double"):
        return float(data)
    if cwl_type.base == "boolean":
        return data if isinstance(data, bool) else str(data).strip().lower() in ("true", "1", "yes")
    if cwl_type.base == "record":
        return json.loads(data) if isinstance(data, (str, bytes)) else data
    return str(data)


def job_order(request: WPSRequest, package: JSON) -> JSON:
    """The CWL job order of a WPS request (absent optional inputs are left to their CWL defaults)."""
    namespaces = cwl_namespaces(package)
    order: JSON = {}
    for input_id, cwl_type in cwl_input_types(package).items():
        values = [_cwl_value(v, cwl_type, input_id, namespaces) for v in request.inputs.get(input_id) or []]
        if not values:
            continue
        order[input_id] = values if cwl_type.array else values[0]
    return order


class WpsPackage(PywpsProcess):
    """A deployed process whose CWL package runs with cwltool when the job executes."""

    def __init__(self, process: Process) -> None:
        self.package: JSON = process.package
        self.steps: Dict[str, JSON] = dict(process.get("steps") or {})
        super().__init__(
            self._handler,
            identifier=process.id,
            title=process.get("title") or process.id,
            abstract=process.get("description", ""),
            keywords=list(process.get("keywords") or []),
            version=str(process.version),
            inputs=ogc2pywps_inputs(process.inputs),
            outputs=ogc2pywps_outputs(process.outputs),
            store_supported=True,
            status_supported=True,
        )

    # -- the handler ---------------------------------------------------------------------------------------------

    def _handler(self, request: WPSRequest, response: ExecuteResponse) -> ExecuteResponse:
        log = _JobLog(os.path.join(_output_dir(), f"{response.process.uuid}.log"))
        try:
            return self._run(request, response, log)
        finally:
            log.close()

    def _run(self, request: WPSRequest, response: ExecuteResponse, log: "_JobLog") -> ExecuteResponse:
        workdir = str(response.process.workdir)
        response.update_status("Preparing the CWL package.", Progress.PREPARE)
        log.write(f"Preparing CWL package of process '{self.identifier}' ({self.package.get('class')}).")
        response.update_status("Converting inputs to the CWL job order.", Progress.INPUTS)
        order = job_order(request, self.package)
        job_path = os.path.join(workdir, "job.json")
        with open(job_path, "w", encoding="utf-8") as file:
            json.dump(order, file)
        package_path = write_package(self.package, self.steps, os.path.join(workdir, "package"))
        response.update_status("Checking the package requirements.", Progress.CHECKS)
        use_container = self._check_requirements(log)
        response.update_status("Running the CWL package.", Progress.RUN)
        tracker = _ProgressTracker(step_ids(self.package), response, log)
        result = run_cwltool(package_path, job_path, workdir, tracker.line, use_container)
        if result.status != "success":
            message = failure_message(result)
            log.write(message)
            raise _fail(message)
        response.update_status("CWL package run completed.", Progress.RUN_DONE)
        self._set_outputs(result.outputs, response)
        drop_unset_outputs(request, response)
        response.update_status("Outputs stored.", Progress.OUTPUTS)
        return response

    def _check_requirements(self, log: "_JobLog") -> bool:
        """Fail at once on what this machine cannot do; tell whether a container engine is needed."""
        requirements = requirements_of(self.package, self.steps)
        problem = resource_problem(requirements.get("ResourceRequirement", []))
        if problem:
            log.write(problem)
            raise _fail(problem)
        if "DockerRequirement" not in requirements:
            return False
        engine_problem = docker_engine_problem()
        if engine_problem:
            message = (f"The package has a DockerRequirement but no Docker engine answers on this server "
                       f"(docker: {engine_problem}).")
            log.write(message)
            raise _fail(message)
        return True

    # -- outputs -------------------------------------------------------------------------------------------------

    def _set_outputs(self, outputs: JSON, response: ExecuteResponse) -> None:
        namespaces = cwl_namespaces(self.package)
        for output_id, output in response.outputs.items():
            value = outputs.get(output_id)
            if value is None:
                continue
            if isinstance(value, dict) and value.get("class") == "File":
                output.file = _path_of(value)
                output.data_format = _file_format(value, namespaces)
            elif isinstance(value, dict) and value.get("class") == "Directory":
                output.url = _store_directory(_path_of(value), response, output_id)
                output.data_format = Format(DIRECTORY_MEDIA_TYPE)
            elif isinstance(value, list) and any(isinstance(v, dict) and "class" in v for v in value):
                folder = os.path.join(response.process.workdir, f"{output_id}-items")
                os.makedirs(folder, exist_ok=True)
                for item in value:
                    source = _path_of(item)
                    target = os.path.join(folder, os.path.basename(source))
                    (shutil.copytree if os.path.isdir(source) else shutil.copy2)(source, target)
                output.url = _store_directory(folder, response, output_id)
                output.data_format = Format(DIRECTORY_MEDIA_TYPE)
            elif isinstance(value, (list, dict)):
                output.data = json.dumps(value)
            else:
                output.data = value


def _output_dir() -> str:
    return str(pywps_config.get_config_value("server", "outputpath"))


def _path_of(cwl_object: JSON) -> str:
    if cwl_object.get("path"):
        return str(cwl_object["path"])
    location = str(cwl_object.get("location", ""))
    return unquote(urlparse(location).path) if location.startswith("file://") else location


def _file_format(cwl_file: JSON, namespaces: Dict[str, str]) -> Format:
    media_type = format_media_type(str(cwl_file["format"]), namespaces) if cwl_file.get("format") else None
    if not media_type:
        media_type = mimetypes.guess_type(_path_of(cwl_file))[0] or "application/octet-stream"
    return Format(media_type, extension=os.path.splitext(_path_of(cwl_file))[1])


def _store_directory(source: str, response: ExecuteResponse, output_id: str) -> str:
    """Copy a directory output to ``{outputs}/{jobID}/{output_id}/{name}/``; returns its URL (with a slash)."""
    name = os.path.basename(source.rstrip(os.sep)) or output_id
    relative = f"{response.process.uuid}/{output_id}/{name}"
    target = os.path.join(_output_dir(), relative)
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.copytree(source, target)
    base_url = str(pywps_config.get_config_value("server", "outputurl")).rstrip("/")
    return f"{base_url}/{relative}/"


class _JobLog:
    """The process log file the job task appends to the job logs once the run is over."""

    def __init__(self, path: str) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by the handler

    def write(self, line: str) -> None:
        self.file.write(line.rstrip("\n") + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class _ProgressTracker:
    """Turns cwltool's lines into progress: each finished workflow step moves the bar by one share."""

    def __init__(self, steps: List[str], response: ExecuteResponse, log: _JobLog) -> None:
        self.steps = steps
        self.done: List[str] = []
        self.response = response
        self.log = log

    def _percent(self, extra: float = 0.0) -> int:
        span = Progress.RUN_DONE - Progress.RUN
        total = max(len(self.steps), 1)
        return int(Progress.RUN + span * min(len(self.done) + extra, total) / total)

    def _report(self, message: str, percent: int) -> None:
        self.log.write(f"{message} [{percent}%]")
        self.response.update_status(message, percent)

    def line(self, line: str) -> None:
        self.log.write(line)
        started = STEP_START.search(line)
        if started:
            self._report(f"Workflow step '{started.group(1)}' started.", self._percent(0.1))
            return
        finished = STEP_DONE.search(line)
        if finished:
            if finished.group(1) not in self.done:
                self.done.append(finished.group(1))
            self._report(f"Workflow step '{finished.group(1)}' completed {finished.group(2)} "
                         f"({len(self.done)}/{len(self.steps)}).", self._percent())
            return
        if not self.steps and JOB_START.search(line):
            self.response.update_status("Tool command started.", self._percent(0.5))


__all__ = ["WpsPackage", "job_order"]
