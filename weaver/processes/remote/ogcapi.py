"""Processes that run on a remote OGC API - Processes server, referenced by their description URL.

A process of type ``ogcapi`` keeps the URL of the remote description; running it POSTs the job's inputs to
``<url>/execution`` with ``Prefer: respond-async``, polls the job at the returned ``Location`` and fetches its
``/results``. Results keep the remote references.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

import requests

from weaver.config import get_settings
from weaver.datatype import Job, Process
from weaver.datatype.process import PROCESS_TYPE_OGCAPI
from weaver.exceptions import InvalidParameterValue, JobExecutionError, ServiceUnreachable
from weaver.processes.registration import process_endpoints
from weaver.processes.remote.monitor import (
    ProgressCallback,
    RemoteJobDismissed,
    RemoteMonitor,
    RemoteRequestError,
    get_json,
    http_request,
)
from weaver.processes.remote.wps1 import client_headers
from weaver.status import Status, map_status
from weaver.typedefs import JSON

LOGGER = logging.getLogger(__name__)
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
DESCRIPTION_FIELDS = ("title", "description", "version", "keywords", "metadata", "jobControlOptions",
                      "outputTransmission", "inputs", "outputs")


def _io_mapping(items: Any) -> Dict[str, Any]:
    """Inputs/outputs keyed by id, whether the remote lists them (older servers) or maps them."""
    if isinstance(items, dict):
        return dict(items)
    mapping = {}
    for item in items or []:
        if isinstance(item, dict) and item.get("id"):
            mapping[item["id"]] = {k: v for k, v in item.items() if k != "id"}
    return mapping


def fetch_remote_ogcapi_process(url: str, settings: Mapping[str, Any], process_id: Optional[str] = None) -> Process:
    """A local process of type ``ogcapi`` built from the remote description at ``url`` (not stored here)."""
    timeout = get_settings(settings)["weaver.wps_client_timeout"]
    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidParameterValue(f"Remote process reference [{url}] is not an HTTP(S) URL.",
                                    cause={"name": "href", "in": "body", "value": url})
    try:
        response = http_request("GET", url, timeout, headers={"Accept": "application/json"})
        body = response.json() if response.status_code == 200 else None
    except (RemoteRequestError, ValueError) as exc:
        raise ServiceUnreachable(f"Failed to retrieve the remote process description at [{url}]: {exc}",
                                 cause={"url": url}) from exc
    if isinstance(body, dict) and isinstance(body.get("process"), dict):
        body = body["process"]  # older servers wrap the description
    if not isinstance(body, dict) or not body.get("id"):
        raise ServiceUnreachable(f"Remote reference [{url}] did not return an OGC process description "
                                 f"(HTTP {response.status_code}).", cause={"url": url})
    fields = {key: body[key] for key in DESCRIPTION_FIELDS if body.get(key) is not None}
    fields["inputs"] = _io_mapping(body.get("inputs"))
    fields["outputs"] = _io_mapping(body.get("outputs"))
    local_id = process_id or body["id"]
    fields.update(process_endpoints(settings, local_id))
    return Process(
        id=local_id, type=PROCESS_TYPE_OGCAPI, remoteProcessURL=url,
        package={"cwlVersion": "v1.2", "class": "CommandLineTool", "id": local_id,
                 "hints": {"OGCAPIRequirement": {"process": url}}},
        **fields,
    )


def remote_ogcapi_reference(raw: bytes, content_type: Optional[str]) -> Optional[Tuple[str, Optional[str]]]:
    """``(remote process URL, local id or None)`` when a JSON deploy body references a remote OGC API process.

    Two shapes: ``{"process": "<url>", "id"?: "<local id>"}``, and an application package whose
    ``deploymentProfileName`` names the OGC API application profile with ``executionUnit: [{"href": "<url>"}]``
    (the local id then comes from ``processDescription``).
    """
    if "json" not in (content_type or "application/json").lower():
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None  # the deploy parser reports bad bodies
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("process"), str) and "executionUnit" not in body and "cwlVersion" not in body:
        local_id = body.get("id")
        return body["process"], local_id if isinstance(local_id, str) and local_id else None
    profile = str(body.get("deploymentProfileName") or "")
    units = body.get("executionUnit")
    units = units if isinstance(units, list) else [units]
    if profile.rstrip("/").lower().endswith("ogcapiapplication") and len(units) == 1 and isinstance(units[0], dict) \
            and isinstance(units[0].get("href"), str):
        description = body.get("processDescription") or {}
        if isinstance(description.get("process"), dict):
            description = description["process"]
        local_id = description.get("id") if isinstance(description, dict) else None
        return units[0]["href"], local_id if isinstance(local_id, str) and local_id else None
    return None


def ogc_results_to_job_results(document: Any) -> List[JSON]:
    """OGC results document ``{id: value | {href, type} | {value, mediaType} | {bbox, crs}}`` as job results."""
    if isinstance(document, dict) and isinstance(document.get("outputs"), (dict, list)):
        document = document["outputs"]  # older servers: {"outputs": [...]} or {"outputs": {...}}
    if isinstance(document, list):
        document = {item.get("id"): {k: v for k, v in item.items() if k != "id"}
                    for item in document if isinstance(item, dict)}
    results: List[JSON] = []
    for output_id, value in (document or {}).items():
        entry: JSON = {"id": output_id}
        if isinstance(value, dict) and "href" in value:
            entry["href"] = value["href"]
            entry["type"] = value.get("type") or value.get("mediaType") or "application/octet-stream"
        elif isinstance(value, dict) and "bbox" in value:
            entry.update({k: value[k] for k in ("bbox", "crs") if k in value})
        elif isinstance(value, dict) and "value" in value:
            entry["value"] = value["value"]
            if value.get("mediaType"):
                entry["mediaType"] = value["mediaType"]
        else:
            entry["value"] = value
        results.append(entry)
    return results


def submit_remote_execution(process_url: str, inputs: Any, outputs: Any, headers: Mapping[str, str],
                            monitor: RemoteMonitor) -> requests.Response:
    """POST an asynchronous execution of the OGC API process at ``process_url`` (``/jobs`` where ``/execution``
    is unknown), retried as the monitor allows."""
    body: JSON = {"inputs": inputs or {}, "response": "document"}
    if outputs:
        body["outputs"] = outputs
    send = dict(headers, **JSON_HEADERS, Prefer="respond-async")
    execute_url = f"{process_url}/execution"

    def post() -> requests.Response:
        response = http_request("POST", execute_url, monitor.timeout, json=body, headers=send)
        if response.status_code in (404, 405):
            response = http_request("POST", f"{process_url}/jobs", monitor.timeout, json=body, headers=send)
        return response

    return monitor.call(post, "the execute request")


class RemoteJobStillQueued(Exception):
    """The remote job stayed ``accepted`` longer than allowed (it was dismissed)."""


def watch_remote_job(location: str, headers: Mapping[str, str], monitor: RemoteMonitor,
                     queue_wait: Optional[float] = None) -> JSON:
    """Poll a remote job until it ends, mirroring its progress; its last status document.

    The remote job is dismissed when the local one is (:class:`RemoteJobDismissed`), and with ``queue_wait``,
    when it stays ``accepted`` that many seconds in a row (:class:`RemoteJobStillQueued`).
    """
    queued_since = time.monotonic()
    try:
        while True:
            status_doc = monitor.call(lambda: get_json(location, monitor.timeout, headers), "the status request")
            status = map_status(status_doc.get("status") or "")
            monitor.report(status_doc.get("progress", status_doc.get("percentCompleted")), status_doc.get("message"))
            if status in (Status.SUCCESSFUL, Status.FAILED, Status.DISMISSED):
                return status_doc
            if status != Status.ACCEPTED:
                queued_since = time.monotonic()
            elif queue_wait is not None and time.monotonic() - queued_since > queue_wait:
                dismiss_remote_job(location, headers, monitor.timeout)
                raise RemoteJobStillQueued(f"still queued after {queue_wait} s")
            monitor.wait()
    except RemoteJobDismissed:
        dismiss_remote_job(location, headers, monitor.timeout)
        raise


def fetch_remote_results(location: str, headers: Mapping[str, str], monitor: RemoteMonitor) -> Any:
    """The results document of a remote job that succeeded (minimal: values and references)."""
    return monitor.call(lambda: get_json(f"{location}/results", monitor.timeout,
                                         dict(headers, Prefer="return=minimal")), "the results request")


def _remote_errors(location: str, headers: Dict[str, str], timeout: float) -> List[Any]:
    """The remote job's exceptions when the server offers them (best effort: a failed job fails anyway)."""
    try:
        response = requests.get(f"{location}/exceptions", headers=dict(headers, Accept="application/json"),
                                timeout=timeout)
        errors = response.json() if response.status_code == 200 else []
    except (requests.RequestException, ValueError):
        return []
    return errors if isinstance(errors, list) else [errors]


def dismiss_remote_job(location: str, headers: Dict[str, str], timeout: float) -> None:
    """Ask the remote server to dismiss its job (best effort: the local job is dismissed regardless)."""
    try:
        requests.delete(location, headers=dict(headers, Accept="application/json"), timeout=timeout)
    except requests.RequestException as exc:
        LOGGER.warning("Could not dismiss remote job [%s]: %s", location, exc)


def execute_remote_ogcapi(job: Job, process: Process, headers: Optional[Mapping[str, str]],
                          settings: Mapping[str, Any], progress: ProgressCallback
                          ) -> Tuple[Status, List[JSON], List[Any], str]:
    """Run the job on the remote OGC API server: ``(final status, results, errors, remote message)``."""
    settings = get_settings(settings)
    forwarded = client_headers(headers, settings)
    url = process["remoteProcessURL"]
    monitor = RemoteMonitor(job, settings, progress, url)
    response = submit_remote_execution(url, job.inputs, job.outputs, forwarded, monitor)
    if response.status_code == 200:  # the server answered synchronously with the results
        return Status.SUCCESSFUL, ogc_results_to_job_results(response.json()), [], "completed synchronously"
    location = response.headers.get("Location")
    if response.status_code not in (201, 202) or not location:
        raise JobExecutionError(f"Remote server [{url}] refused the execution (HTTP {response.status_code}): "
                                f"{response.text[:500]}")
    job["status_location"] = location
    job.save_log(f"Remote job accepted by [{url}] (status location: {location}).")
    status_doc = watch_remote_job(location, forwarded, monitor)
    status = map_status(status_doc.get("status") or "")
    message = status_doc.get("message") or status.value
    if status != Status.SUCCESSFUL:
        errors = _remote_errors(location, forwarded, monitor.timeout) or [f"Remote job {status.value}: {message}"]
        return Status.FAILED, [], errors, message
    return Status.SUCCESSFUL, ogc_results_to_job_results(fetch_remote_results(location, forwarded, monitor)), [], \
        message
