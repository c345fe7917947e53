"""Views of ``/jobs`` and of every job sub-resource, also reachable under ``/processes/{process_id}/jobs``."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List

from cornice import Service
from pyramid.request import Request
from pyramid.response import Response

from weaver.database import get_db
from weaver.datatype import Job
from weaver.exceptions import (
    JobGone,
    JobNotFound,
    NotAcceptable,
    ProcessNotFound,
    ServiceNotFound,
    WeaverError,
)
from weaver.jobs.dismiss import dismiss_job, dismiss_jobs
from weaver.jobs.listing import listing_response
from weaver.jobs.results import outputs_document, results_response, single_output_response
from weaver.jobs.status_doc import JOB_STATUS_CONTENT_TYPE, PROFILE_JOB_DESCRIPTION, job_status_document
from weaver.status import Status, map_status
from weaver.wps_restapi import swagger_definitions as sd
from weaver.wps_restapi.jobs.part4 import (
    create_job_view,
    job_inputs_view,
    trigger_job_view,
    update_job_view,
)
from weaver.wps_restapi.jobs.xml_status import job_status_xml_response, requested_xml_type

LOG_MEDIA_TYPES = ["application/json", "text/plain"]


class JobContext:
    """Route factory: the job named in the path (400 when not a UUID, 404 when unknown or under another process)."""

    def __init__(self, request: Request) -> None:
        job_id = request.matchdict["job_id"]
        try:
            uuid.UUID(job_id)
        except ValueError as exc:
            raise JobNotFound("Invalid job reference is not a valid UUID.", status=400,
                              cause={"name": "job_id", "in": "path", "value": job_id}) from exc
        self.job: Job = get_db(request.registry.settings).jobs.fetch_by_id(job_id)
        process_id = request.matchdict.get("process_id")
        if process_id and process_id.split(":")[0] != (self.job.process or "").split(":")[0]:
            raise ProcessNotFound(f"Job {job_id} does not belong to process '{process_id}'.",
                                  cause={"name": "process_id", "in": "path", "value": process_id})
        provider_id = request.matchdict.get("provider_id")
        if provider_id and provider_id != self.job.service:
            raise ServiceNotFound(f"Job {job_id} does not belong to provider '{provider_id}'.",
                                  cause={"name": "provider_id", "in": "path", "value": provider_id})


def _status_view(request: Request) -> Response:
    job: Job = request.context.job
    xml_type = requested_xml_type(request)
    if xml_type:
        return job_status_xml_response(job, request.registry.settings, xml_type)
    response = Response(json_body=job_status_document(job, request.registry.settings))
    response.headers["Content-Type"] = JOB_STATUS_CONTENT_TYPE
    response.headers.add("Link", f'<{PROFILE_JOB_DESCRIPTION}>; rel="profile"')
    return response


def _dismiss_view(request: Request) -> Response:
    job = dismiss_job(request.context.job, request.registry.settings)
    response = Response(json_body=job_status_document(job, request.registry.settings))
    response.headers["Content-Type"] = JOB_STATUS_CONTENT_TYPE
    return response


def _results_view(request: Request) -> Response:
    return results_response(request.context.job, request.registry.settings)


def _single_output_view(request: Request) -> Response:
    return single_output_response(request.context.job, request.registry.settings,
                                  request.matchdict["output_id"])


def _outputs_view(request: Request) -> Dict[str, Any]:
    return outputs_document(request.context.job, request.registry.settings)


def _raise_if_dismissed(job: Job) -> None:
    if map_status(job.status) == Status.DISMISSED:
        raise JobGone(f"Job {job.id} was dismissed.", title="JobDismissed", cause={"status": job.status})


def _logs_view(request: Request) -> Response:
    job: Job = request.context.job
    _raise_if_dismissed(job)
    wanted = (request.params.get("f") or request.params.get("format") or "").lower()
    accept = request.accept.best_match(LOG_MEDIA_TYPES) if request.headers.get("Accept") else "application/json"
    if wanted in ("text", "txt", "text/plain") or (not wanted and accept == "text/plain"):
        return Response(body="\n".join(job.get("logs") or []).encode("utf-8"), content_type="text/plain",
                        charset="utf-8")
    if wanted not in ("", "json", "application/json") or accept is None:
        raise NotAcceptable(f"Logs cannot be represented as [{wanted or request.headers.get('Accept')}].",
                            cause={"name": "Accept", "in": "headers", "supported": LOG_MEDIA_TYPES})
    return Response(json_body=job.get("logs") or [], content_type="application/json")


def _exceptions_view(request: Request) -> Response:
    job: Job = request.context.job
    _raise_if_dismissed(job)
    return Response(json_body=job.get("exceptions") or [], content_type="application/json")


def _statistics_view(request: Request) -> Dict[str, Any]:
    job: Job = request.context.job
    _raise_if_dismissed(job)
    if not job.is_finished or not job.get("statistics"):
        raise WeaverError(f"No statistics available for job {job.id}.", status=404, title="NoJobStatistics",
                          type="NoJobStatistics", code="NoJobStatistics")
    return job["statistics"]


def _jobs_view(request: Request) -> Response:
    return listing_response(request.registry.settings, request.params)


def _dismiss_jobs_view(request: Request) -> Dict[str, Any]:
    try:
        body = request.json_body
    except ValueError:
        body = None
    return dismiss_jobs(request.registry.settings, body)


JOB_ROUTES: List[tuple] = [
    ("", {"GET": _status_view, "DELETE": _dismiss_view, "PATCH": update_job_view},
     "Job status; DELETE dismisses it; PATCH updates a created job."),
    ("/results", {"GET": _results_view, "POST": trigger_job_view}, "Job results; POST triggers a created job."),
    ("/results/{output_id}", {"GET": _single_output_view}, "One output of the job results."),
    ("/outputs", {"GET": _outputs_view}, "Job outputs."),
    ("/inputs", {"GET": job_inputs_view}, "Inputs and parameters submitted for the job."),
    ("/logs", {"GET": _logs_view}, "Job execution logs."),
    ("/exceptions", {"GET": _exceptions_view}, "Job errors."),
    ("/statistics", {"GET": _statistics_view}, "Job execution statistics."),
]
JOB_PREFIXES = [("jobs", "/jobs/{job_id}"), ("process_jobs", "/processes/{process_id}/jobs/{job_id}"),
                ("provider_jobs", "/providers/{provider_id}/processes/{process_id}/jobs/{job_id}")]


def _build_services() -> List[Service]:
    services = [Service(name="jobs", path="/jobs", description="List of jobs.")]
    services[0].add_view("GET", _jobs_view)
    services[0].add_view("DELETE", _dismiss_jobs_view)
    services[0].add_view("POST", create_job_view, schema=sd.Execute)
    for prefix_name, prefix in JOB_PREFIXES:
        for suffix, views, description in JOB_ROUTES:
            name = f"{prefix_name}_job{suffix.replace('/', '_').replace('{', '').replace('}', '')}"
            service = Service(name=name, path=prefix + suffix, factory=JobContext, description=description)
            for method, view in views.items():
                # request bodies declared for the OpenAPI document (the views validate them themselves)
                schema = sd.PatchJobBodySchema if view is update_job_view else None
                service.add_view(method, view, **({"schema": schema} if schema else {}))
            services.append(service)
    return services


SERVICES = _build_services()
__all__: List[str] = ["SERVICES", "JobContext"]
