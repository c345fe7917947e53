"""Remote WPS 1.0.0 providers: capabilities, descriptions, and jobs run on them and watched from the worker.

Requests go through ``requests`` with the configured timeout (OWSLib only builds and parses the documents), so
that each failure is seen, counted and retried a bounded number of times instead of being swallowed.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from lxml import etree
from owslib.wps import ASYNC, SYNC, WebProcessingService, WPSExecution
from owslib.wps import Process as ProcessOWS

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.exceptions import JobExecutionError, ProcessNotFound, ServiceUnreachable
from weaver.processes.convert import OWS_Input_Type
from weaver.processes.remote.monitor import ProgressCallback, RemoteMonitor, RemoteRequestError, http_request

LOGGER = logging.getLogger(__name__)
_DROPPED_HEADERS = ("accept", "content-type", "content-length", "content-transfer-encoding", "prefer")
# a synchronous remote execution (process without status support) may legitimately take long to answer
SYNC_EXECUTE_TIMEOUT = 3600.0


def client_headers(headers: Optional[Mapping[str, str]], settings: Mapping[str, Any]) -> Dict[str, str]:
    """Headers forwarded to a remote server: none of the filtered ones, nor the body/negotiation ones."""
    ignored = {h.strip().lower() for h in get_settings(settings)["weaver.wps_client_headers_filter"].split(",")
               if h.strip()}
    return {k: v for k, v in (headers or {}).items() if k.lower() not in ignored and k.lower() not in _DROPPED_HEADERS}


def _get_xml(url: str, params: Dict[str, str], settings: Mapping[str, Any], what: str,
             headers: Optional[Mapping[str, str]] = None) -> Tuple[int, bytes]:
    timeout = get_settings(settings)["weaver.wps_client_timeout"]
    try:
        response = http_request("GET", url, timeout, params=params, headers=dict(headers or {}))
    except RemoteRequestError as exc:
        raise ServiceUnreachable(f"Failed to retrieve WPS {what} from [{url}]: {exc}",
                                 cause={"url": url}) from exc
    return response.status_code, response.content


def fetch_capabilities(url: str, settings: Mapping[str, Any],
                       headers: Optional[Mapping[str, str]] = None) -> WebProcessingService:
    """GetCapabilities of a WPS 1.0.0 server, or :class:`ServiceUnreachable` (422) saying why not."""
    status, content = _get_xml(url, {"service": "WPS", "request": "GetCapabilities", "version": "1.0.0"},
                               settings, "capabilities", headers)
    client = WebProcessingService(url, version="1.0.0", skip_caps=True)
    try:
        if status != 200:
            raise ValueError(f"HTTP {status}")
        client.getcapabilities(xml=content)
    except Exception as exc:  # OWSLib raises whatever lxml or its own parsing raises on foreign documents
        raise ServiceUnreachable(f"Failed to retrieve WPS capabilities from [{url}]: not a WPS 1.0.0 "
                                 f"GetCapabilities answer ({type(exc).__name__}: {exc}).",
                                 cause={"url": url}) from exc
    if client.identification is None and not client.processes:
        raise ServiceUnreachable(f"Failed to retrieve WPS capabilities from [{url}]: the answer lists nothing.",
                                 cause={"url": url})
    return client


def describe_remote_process(url: str, process_id: str, settings: Mapping[str, Any],
                            headers: Optional[Mapping[str, str]] = None) -> ProcessOWS:
    """DescribeProcess of one remote process: 404 when the server does not know it, 422 when it cannot answer."""
    status, content = _get_xml(url, {"service": "WPS", "request": "DescribeProcess", "version": "1.0.0",
                                     "identifier": process_id}, settings, "process description", headers)
    client = WebProcessingService(url, version="1.0.0", skip_caps=True)
    try:
        root = etree.fromstring(content, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ServiceUnreachable(f"Failed to retrieve WPS process description of [{process_id}] from [{url}]: "
                                 f"HTTP {status}, not XML.", cause={"url": url}) from exc
    if root.tag.endswith("ExceptionReport") or status != 200:
        raise ProcessNotFound(f"Process '{process_id}' is not offered by the provider at [{url}].",
                              cause={"name": "process_id", "in": "path", "value": process_id})
    try:
        return client.describeprocess(process_id, xml=content)
    except Exception as exc:
        raise ServiceUnreachable(f"Failed to parse the WPS process description of [{process_id}] from [{url}]: "
                                 f"{type(exc).__name__}: {exc}", cause={"url": url}) from exc


def safe_xml_parser() -> etree.XMLParser:
    """Documents of remote servers are untrusted: no entity expansion, no network access."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _parse_into(execution: WPSExecution, content: bytes) -> None:
    """Update the execution from an ExecuteResponse (or ExceptionReport); unreadable documents are retried."""
    try:
        root = etree.fromstring(content, parser=safe_xml_parser())
        execution.response = content
        execution.parseResponse(root)
        execution.isComplete()  # raises on a status OWSLib does not know
    except Exception as exc:
        raise RemoteRequestError(f"unreadable WPS status document ({type(exc).__name__}: {exc}): "
                                 f"{content[:200]!r}") from exc


def execute_remote_wps1(job: Job, wps_url: str, wps_process: ProcessOWS,
                        wps_inputs: Sequence[Tuple[str, OWS_Input_Type]], wps_outputs: Sequence[Tuple[str, bool]],
                        headers: Optional[Mapping[str, str]], settings: Mapping[str, Any],
                        progress: ProgressCallback) -> WPSExecution:
    """Execute the job's process on the remote WPS server and watch it until it completes.

    Asynchronous when the process declares status and store support (the usual case), else synchronous. The
    remote percent and message go to ``progress``; the completed OWSLib execution is returned, its outputs
    still pointing at the remote server.
    """
    settings = get_settings(settings)
    forwarded = client_headers(headers, settings)
    monitor = RemoteMonitor(job, settings, progress, wps_url)
    asynchronous = bool(wps_process.statusSupported and wps_process.storeSupported)
    execution = WPSExecution(version="1.0.0", url=wps_url, headers=forwarded, timeout=monitor.timeout,
                             language=job.accept_language)
    request = execution.buildRequest(job.process, list(wps_inputs), output=list(wps_outputs),
                                     mode=ASYNC if asynchronous else SYNC, lineage=False)
    body = etree.tostring(request)
    timeout = monitor.timeout if asynchronous else SYNC_EXECUTE_TIMEOUT

    def submit() -> None:
        response = http_request("POST", wps_url, timeout, data=body,
                                headers=dict(forwarded, **{"Content-Type": "text/xml"}))
        _parse_into(execution, response.content)

    monitor.call(submit, "the execute request")
    job["status_location"] = execution.statusLocation
    job.save_log(f"Remote job accepted by [{wps_url}] (status location: {execution.statusLocation or 'n/a'}).")
    if execution.isComplete():
        return execution
    if not execution.statusLocation:
        raise JobExecutionError(f"Remote server [{wps_url}] accepted the job without a status location.")

    def check() -> None:
        response = http_request("GET", execution.statusLocation, monitor.timeout, headers=forwarded)
        if response.status_code != 200:
            raise RemoteRequestError(f"HTTP {response.status_code} from [{execution.statusLocation}]")
        _parse_into(execution, response.content)

    while not execution.isComplete():
        monitor.report(execution.percentCompleted, execution.statusMessage)
        monitor.wait()
        monitor.call(check, "the status request")
    monitor.report(execution.percentCompleted, execution.statusMessage)
    return execution

