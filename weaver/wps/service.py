"""pywps inside weaver: configuration, process descriptions, and running a job's process in the worker."""
from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import pywps
import pywps.configuration as pywps_config
from lxml import etree
from owslib.wps import SYNC, WPSExecution, WebProcessingService
from owslib.wps import Process as ProcessOWS
from pywps.app.WPSRequest import WPSRequest
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request as WerkzeugRequest

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.processes.convert import OWS_Input_Type
from weaver.wps.templates import share_pywps_template_environments
from weaver.wps.worker_run import execute_sync

_CONFIG_LOCK = threading.Lock()
_CONFIGURED: Dict[str, bool] = {}
ProgressCallback = Callable[[str, Optional[float]], None]
share_pywps_template_environments()


def load_pywps_config(settings: Mapping[str, Any]) -> None:
    """Point pywps at weaver's output directory, URL and workdir (once per process and settings)."""
    settings = get_settings(settings)
    key = f"{os.getpid()}:{settings['weaver.wps_output_dir']}:{settings['weaver.wps_output_url']}"
    with _CONFIG_LOCK:
        if _CONFIGURED.get(key):
            return
        pywps_config.load_configuration([])
        output_dir = settings["weaver.wps_output_dir"]
        workdir = settings["weaver.wps_workdir"]
        os.makedirs(output_dir, exist_ok=True)
        os.makedirs(workdir, exist_ok=True)
        cfg = pywps_config.CONFIG
        cfg.set("server", "url", settings["weaver.wps_url"])
        cfg.set("server", "outputurl", settings["weaver.wps_output_url"])
        cfg.set("server", "outputpath", output_dir)
        cfg.set("server", "workdir", workdir)
        cfg.set("server", "parallelprocesses", "-1")
        cfg.set("server", "maxprocesses", "-1")
        cfg.set("server", "sethomedir", "false")
        cfg.set("server", "setworkdir", "true")
        cfg.set("server", "maxrequestsize", f"{settings['weaver.wps_max_request_size'] // 1024 ** 2}mb")
        cfg.set("server", "maxsingleinputsize", f"{settings['weaver.wps_max_single_input_size'] // 1024 ** 2}mb")
        allowed = [output_dir, workdir] + [p.strip() for p in settings["weaver.allowed_input_paths"].split(",")
                                           if p.strip()]
        cfg.set("server", "allowedinputpaths", ":".join(allowed))
        cfg.set("metadata:main", "identification_title", settings["weaver.wps_metadata_identification_title"])
        cfg.set("metadata:main", "identification_abstract",
                settings["weaver.wps_metadata_identification_abstract"])
        cfg.set("metadata:main", "provider_name", settings["weaver.wps_metadata_provider_name"])
        cfg.set("logging", "level", "INFO")
        cfg.set("logging", "db_echo", "false")
        _CONFIGURED[key] = True


def call_pywps(service: pywps.Service, request: WerkzeugRequest) -> Tuple[bytes, str, int]:
    """``(body, content_type, status)`` of a pywps operation, run as the WSGI application it is."""
    app_iter, status, headers = run_wsgi_app(service, request.environ, buffered=True)
    body = b"".join(app_iter)
    return body, headers.get("Content-Type", "text/xml"), int(status.split(" ", 1)[0])


def describe_process_xml(service: pywps.Service, identifier: str) -> bytes:
    """The WPS-1 DescribeProcess document of one process, built in-process (no HTTP to ourselves)."""
    environ = EnvironBuilder(path="/wps", query_string={
        "service": "WPS", "request": "DescribeProcess", "version": "1.0.0", "identifier": identifier,
    }).get_environ()
    body, _, status = call_pywps(service, WerkzeugRequest(environ))
    if status != 200:
        raise RuntimeError(f"Local description of process '{identifier}' failed: {body[:500]!r}")
    return body


def describe_ows_process(service: pywps.Service, identifier: str, url: str) -> ProcessOWS:
    """The OWSLib view of a local process description, as a remote client would see it."""
    client = WebProcessingService(url, version="1.0.0", skip_caps=True)
    return client.describeprocess(identifier, xml=describe_process_xml(service, identifier))


class WorkerService(pywps.Service):
    """pywps Service that runs one job's process inside the Celery worker, writing the job's status document."""

    def execute_job(self, job: Job, wps_inputs: Sequence[Tuple[str, OWS_Input_Type]],
                    wps_outputs: Sequence[Tuple[str, bool]], settings: Mapping[str, Any],
                    progress: Optional[ProgressCallback] = None) -> WPSExecution:
        """Run the job's process and return its execution as an OWSLib object parsed from the status document.

        The request goes through OWSLib's own request builder and pywps' own parser, so what runs is exactly
        what a WPS client would have sent; outputs land in ``{wps_output_dir}/[context/]{jobID}/{output_id}/``.
        The process runs pywps' synchronous steps without pywps' request log (:mod:`weaver.wps.worker_run`).
        """
        settings = get_settings(settings)
        execution = WPSExecution(version="1.0.0")
        request_xml = execution.buildRequest(job.process, list(wps_inputs), output=list(wps_outputs),
                                             mode=SYNC, lineage=False)
        body = etree.tostring(request_xml)
        environ = EnvironBuilder(path="/wps", method="POST", data=body, content_type="text/xml").get_environ()
        wps_request = WPSRequest(WerkzeugRequest(environ))
        _restore_empty_literals(wps_request, wps_inputs)
        wps_request.language = job.accept_language or wps_request.language
        process = self.prepare_process_for_execution(job.process)
        process.execute = functools.partial(execute_sync, process)
        _route_outputs_per_id(process, job)
        if progress is not None:
            _report_progress(process, progress)
        uuid = f"{job.context}/{job.id}" if job.context else job.id
        wps_response = self._parse_and_execute(process, wps_request, uuid)
        doc = wps_response.doc if isinstance(wps_response.doc, bytes) else str(wps_response.doc).encode("utf-8")
        status_path = os.path.join(settings["weaver.wps_output_dir"], f"{uuid}.xml")
        os.makedirs(os.path.dirname(status_path), exist_ok=True)
        with open(status_path, "wb") as file:
            file.write(doc)
        execution.statusLocation = status_path
        execution.checkStatus(response=doc, sleepSecs=0)
        return execution


def _restore_empty_literals(wps_request: WPSRequest, wps_inputs: Sequence[Tuple[str, OWS_Input_Type]]) -> None:
    """pywps reads an empty ``<wps:LiteralData/>`` as the text "None": give back the empty strings sent."""
    for input_id, entries in wps_request.inputs.items():
        sent = [value for ident, value in wps_inputs if ident == input_id]
        for entry, value in zip(entries, sent):
            if value == "" and isinstance(entry, dict) and entry.get("data") == "None":
                entry["data"] = ""


def _route_outputs_per_id(process: pywps.Process, job: Job) -> None:
    """Make pywps store each output file under ``<jobID>/<output_id>/`` instead of ``<jobID>/``."""
    original = process._set_uuid

    def set_uuid(uuid: str) -> None:
        original(uuid)
        for output in process.outputs:
            output.uuid = f"{uuid}/{output.identifier}"

    process._set_uuid = set_uuid


def _report_progress(process: pywps.Process, progress: ProgressCallback, min_interval: float = 0.5) -> None:
    """Forward the handler's ``response.update_status`` calls to the job (throttled)."""
    handler = process.handler
    last = [0.0]

    def reporting_handler(request: WPSRequest, response: Any) -> Any:
        update_status = response.update_status

        def update(message: str, status_percentage: Optional[float] = None) -> None:
            update_status(message, status_percentage)
            now = time.monotonic()
            if now - last[0] >= min_interval:
                last[0] = now
                progress(message, status_percentage)

        response.update_status = update
        return handler(request, response)

    process.handler = reporting_handler


def output_requests(wps_process: ProcessOWS) -> List[Tuple[str, bool]]:
    """Every output of the process, files by reference and literals by value."""
    return [(out.identifier, out.dataType == "ComplexData") for out in wps_process.processOutputs]
