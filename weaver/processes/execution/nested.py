"""Nested process inputs: ``{"process": url, "inputs": {...}, "outputs": {...}}`` runs that process first.

The nested process is executed through its OGC API endpoint (on this server or another one) and watched like any
remote job; its single result becomes the value of the input. Logs and dismissal stay with the parent job. A
nested job left waiting in the queue (for instance no free worker, since the parent occupies one) is dismissed
after ``weaver.nested_process_queue_wait`` seconds and fails the parent, instead of leaving both waiting forever.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.exceptions import JobExecutionError
from weaver.processes.execution.progress import JobProgress, map_progress
from weaver.processes.remote.monitor import RemoteMonitor
from weaver.processes.remote.ogcapi import (
    RemoteJobStillQueued,
    fetch_remote_results,
    submit_remote_execution,
    watch_remote_job,
)
from weaver.processes.remote.wps1 import client_headers
from weaver.status import Status, map_status
from weaver.typedefs import JSON

PROCESS_URL = re.compile(r"^https?://[^/]+(/.*)?/processes/[\w.-]+(:[\w.+-]+)?/?$")
_JSON = {"Accept": "application/json", "Content-Type": "application/json"}


def is_process_url(url: Any) -> bool:
    """Whether ``url`` is the http(s) URL of a process description (``.../processes/{id}``)."""
    return isinstance(url, str) and bool(PROCESS_URL.match(url.strip()))


def result_as_input(document: Any, url: str, input_id: str) -> Any:
    """The only result of an OGC results document, as an input value (``{href, type}``, qualified or bare)."""
    if isinstance(document, dict) and isinstance(document.get("outputs"), (dict, list)):
        document = document["outputs"]
    if isinstance(document, list):
        document = {item.get("id"): {k: v for k, v in item.items() if k != "id"}
                    for item in document if isinstance(item, dict)}
    if not isinstance(document, dict) or len(document) != 1:
        count = len(document) if isinstance(document, dict) else 0
        raise JobExecutionError(f"Nested process [{url}] of input '{input_id}' must give exactly one result "
                                f"(select one with 'outputs'), it gave {count}.")
    value = next(iter(document.values()))
    if isinstance(value, dict) and "href" in value:
        return {"href": value["href"], "type": value.get("type") or "application/octet-stream"}
    return value


def resolve_nested_process(job: Job, input_id: str, value: JSON, settings: Mapping[str, Any],
                           headers: Optional[Mapping[str, str]] = None) -> Any:
    """Run the nested process of input ``input_id`` and return its only result as the input value."""
    settings = get_settings(settings)
    url = str(value.get("process", "")).strip().rstrip("/")
    if not is_process_url(url):
        raise JobExecutionError(f"Input '{input_id}' nested process [{url}] is not a process URL.")
    forwarded = client_headers(headers, settings)

    def progress(message: str, percent: Optional[float]) -> None:
        job.save_log(f"Nested process [{url}] of input '{input_id}': {message or 'running'} ({int(percent or 0)}%)",
                     progress=map_progress(percent or 0, JobProgress.GET_INPUTS, JobProgress.GET_OUTPUTS))

    monitor = RemoteMonitor(job, settings, progress, url)
    job.save_log(f"Input '{input_id}' runs the nested process [{url}].")
    submitted = submit_remote_execution(url, value.get("inputs"), value.get("outputs"), forwarded, monitor)
    if submitted.status_code == 200:
        return result_as_input(submitted.json(), url, input_id)
    location = submitted.headers.get("Location")
    if submitted.status_code not in (201, 202) or not location:
        raise JobExecutionError(f"Nested process [{url}] of input '{input_id}' was refused "
                                f"(HTTP {submitted.status_code}): {submitted.text[:500]}")
    queue_wait = settings["weaver.nested_process_queue_wait"]
    try:
        status_doc = watch_remote_job(location, forwarded, monitor, queue_wait=queue_wait)
    except RemoteJobStillQueued as exc:
        raise JobExecutionError(f"Nested process [{url}] of input '{input_id}' was {exc} (no free worker?); "
                                f"it was dismissed.") from exc
    status = map_status(status_doc.get("status") or "")
    if status != Status.SUCCESSFUL:
        raise JobExecutionError(f"Nested process [{url}] of input '{input_id}' ended {status.value}: "
                                f"{status_doc.get('message') or 'no message'} (job {location}).")
    results = fetch_remote_results(location, forwarded, monitor)
    job.save_log(f"Nested process [{url}] of input '{input_id}' successful.")
    return result_as_input(results, url, input_id)
