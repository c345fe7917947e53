"""Views of ``/processes``: list, describe, package, execute (JSON and XML) and the process's jobs."""
from __future__ import annotations

import re
from typing import Any, Dict, List

from cornice import Service
from pyramid.httpexceptions import HTTPMethodNotAllowed
from pyramid.request import Request
from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Process
from weaver.exceptions import InvalidParameterValue
from weaver.jobs.listing import listing_response
from weaver.processes.execution import submit_job, submit_job_dispatch_wps
from weaver.processes.execution.submit import submit_job_from_kvp
from weaver.visibility import Visibility
from weaver.wps_restapi import swagger_definitions as sd

REL_OGC = "http://www.opengis.net/def/rel/ogc/1.0/"
PROCESS_ID_PATTERN = r"^[\w.-]+(:[\w.+-]+)?$"


class ProcessContext:
    """Route factory: the public process named in the path, loaded before the view runs."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.process = _fetch_public_process(request, request.matchdict["process_id"])


def _fetch_public_process(request: Request, process_id: str) -> Process:
    if not re.match(PROCESS_ID_PATTERN, process_id):
        raise InvalidParameterValue(f"Invalid process identifier '{process_id}'.",
                                    cause={"name": "process_id", "in": "path", "value": process_id})
    version = request.GET.get("version")  # query only: a POST body is not form data
    reference = f"{process_id}:{version}" if version and ":" not in process_id else process_id
    return get_db(request.registry.settings).processes.fetch_by_id(reference, visibility=Visibility.PUBLIC.value)


processes_service = Service(name="processes", path="/processes", description="List of processes.")
process_service = Service(name="process", path="/processes/{process_id}", factory=ProcessContext,
                          description="Process description.")
package_service = Service(name="process_package", path="/processes/{process_id}/package", factory=ProcessContext,
                          description="CWL application package of the process.")
execution_service = Service(name="process_execution", path="/processes/{process_id}/execution",
                            factory=ProcessContext, description="Execute the process (create a job).")
process_jobs_service = Service(name="process_jobs", path="/processes/{process_id}/jobs", factory=ProcessContext,
                               description="Jobs of the process; POST executes it.")
SERVICES = [processes_service, process_service, package_service, execution_service, process_jobs_service]


def _process_links(request: Request, process: Process) -> List[Dict[str, str]]:
    base = get_settings(request.registry.settings)["weaver.wps_restapi_url"]
    url = f"{base}/processes/{process.id}"
    return [
        {"href": url, "rel": "self", "type": "application/json", "title": "Process description."},
        {"href": f"{url}/execution", "rel": REL_OGC + "execute", "type": "application/json",
         "title": "Process execution endpoint."},
        {"href": f"{url}/jobs", "rel": REL_OGC + "job-list", "type": "application/json", "title": "Process jobs."},
        {"href": f"{url}/package", "rel": "http://www.opengis.net/def/rel/ogc/1.0/ogc-app-pkg",
         "type": "application/cwl+json", "title": "Application package."},
        {"href": f"{base}/processes", "rel": "up", "type": "application/json", "title": "List of processes."},
    ]


def process_summary(request: Request, process: Process) -> Dict[str, Any]:
    summary = {key: value for key, value in process.description().items() if key not in ("inputs", "outputs")}
    summary["links"] = _process_links(request, process)
    return summary


@processes_service.get()
def get_processes(request: Request) -> Dict[str, Any]:
    try:
        limit = int(request.params["limit"]) if request.params.get("limit") else None
        page = int(request.params.get("page") or 0)
    except ValueError as exc:
        raise InvalidParameterValue("Query parameters 'limit' and 'page' must be integers.",
                                    cause={"in": "query"}) from exc
    if (limit is not None and limit < 1) or page < 0:
        raise InvalidParameterValue("Query parameter 'limit' must be >= 1 and 'page' >= 0.", cause={"in": "query"})
    processes, total = get_db(request.registry.settings).processes.list_processes(
        Visibility.PUBLIC.value, page=page, limit=limit)
    detail = str(request.params.get("detail", "true")).lower() not in ("false", "0", "no")
    base = get_settings(request.registry.settings)["weaver.wps_restapi_url"]
    return {
        "processes": [process_summary(request, p) if detail else p.id for p in processes],
        "total": total,
        "links": [{"href": f"{base}/processes", "rel": "self", "type": "application/json",
                   "title": "List of processes."}],
    }


@process_service.get()
def describe_process(request: Request) -> Dict[str, Any]:
    process: Process = request.context.process
    body = process.description()
    body["links"] = _process_links(request, process)
    return body


@package_service.get()
def get_process_package(request: Request) -> Dict[str, Any]:
    return request.context.process.package


def _execute(request: Request) -> Any:
    process: Process = request.context.process
    if "xml" in (request.content_type or ""):
        return submit_job_dispatch_wps(request, process)
    return submit_job(request, process, process_id=process.id)


@execution_service.post(schema=sd.Execute)
def execute_process_view(request: Request) -> Any:
    return _execute(request)


@execution_service.get()
def execute_process_kvp_view(request: Request) -> Any:
    """KVP execution: inputs, outputs and response options as query parameters."""
    if request.method == "HEAD":  # a HEAD must not run a job
        raise HTTPMethodNotAllowed(headers={"Allow": "GET, POST"})
    return submit_job_from_kvp(request, request.context.process)


@process_jobs_service.post(schema=sd.Execute)
def execute_process_jobs_view(request: Request) -> Any:
    return _execute(request)


@process_jobs_service.get()
def get_process_jobs(request: Request) -> Response:
    process: Process = request.context.process
    return listing_response(request.registry.settings, request.params, process_id=process.id)
