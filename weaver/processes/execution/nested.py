"""Nested process inputs: ``{"process": url, "inputs": {...}, "outputs": {...}}`` runs that process first.

The nested process is executed through its OGC API endpoint (on this server or another one), watched like any
remote job, and its single result becomes the value of the input. Logs and dismissal stay with the parent job.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Mapping, Optional

from weaver.datatype import Job, Process
from weaver.exceptions import JobExecutionError
from weaver.processes.execution.progress import JobProgress, map_progress
from weaver.processes.remote.ogcapi import execute_remote_ogcapi
from weaver.status import Status
from weaver.typedefs import JSON

PROCESS_URL = re.compile(r"^https?://[^/]+(/.*)?/processes/[\w.-]+(:[\w.+-]+)?/?$")


def is_process_url(url: Any) -> bool:
    """Whether ``url`` is the http(s) URL of a process description (``.../processes/{id}``)."""
    return isinstance(url, str) and bool(PROCESS_URL.match(url.strip()))


def result_as_input(result: JSON) -> Any:
    """One job result (``{id, href|value|bbox, ...}``) as the value of an input."""
    if "href" in result:
        return {"href": result["href"], "type": result.get("type") or "application/octet-stream"}
    if "bbox" in result:
        return {key: result[key] for key in ("bbox", "crs") if key in result}
    if result.get("mediaType"):
        return {"value": result.get("value"), "mediaType": result["mediaType"]}
    return result.get("value")


def resolve_nested_process(job: Job, input_id: str, value: JSON, settings: Mapping[str, Any],
                           headers: Optional[Mapping[str, str]] = None) -> Any:
    """Run the nested process of input ``input_id`` and return its only result as the input value."""
    url = str(value.get("process", "")).strip().rstrip("/")
    if not is_process_url(url):
        raise JobExecutionError(f"Input '{input_id}' nested process [{url}] is not a process URL.")
    nested = Job({**job, "inputs": value.get("inputs") or {}, "outputs": value.get("outputs"), "logs": []})
    process = Process({"id": url.rsplit("/", 1)[-1], "remoteProcessURL": url, "package": {}})

    def progress(message: str, percent: Optional[float]) -> None:
        job.save_log(f"Nested process [{url}] of input '{input_id}': {message or 'running'} ({int(percent or 0)}%)",
                     progress=map_progress(percent or 0, JobProgress.GET_INPUTS, JobProgress.GET_OUTPUTS))

    job.save_log(f"Input '{input_id}' runs the nested process [{url}].")
    status, results, errors, message = execute_remote_ogcapi(nested, process, headers, settings, progress)
    if status != Status.SUCCESSFUL:
        raise JobExecutionError(f"Nested process [{url}] of input '{input_id}' did not succeed ({message}): "
                                f"{errors[:3]}")
    if len(results) != 1:
        raise JobExecutionError(f"Nested process [{url}] of input '{input_id}' must give exactly one result "
                                f"(select one with 'outputs'), it gave {len(results)}.")
    job.save_log(f"Nested process [{url}] of input '{input_id}' successful.", level=logging.INFO)
    return result_as_input(results[0])
