"""URLs of a job and its sub-resources, always absolute."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from weaver.config import get_settings
from weaver.datatype import Job


def restapi_url(settings: Mapping[str, Any]) -> str:
    return get_settings(settings)["weaver.wps_restapi_url"]


def process_url(settings: Mapping[str, Any], process_id: str, provider_id: Optional[str] = None) -> str:
    base = restapi_url(settings)
    if provider_id:
        return f"{base}/providers/{provider_id}/processes/{process_id}"
    return f"{base}/processes/{process_id}"


def job_url(settings: Mapping[str, Any], job: Job) -> str:
    """The canonical ``/jobs/{id}`` URL."""
    return f"{restapi_url(settings)}/jobs/{job.id}"


def status_url(settings: Mapping[str, Any], job: Job) -> str:
    """The process-scoped status URL used as ``Location`` of a submitted job."""
    if not job.process:
        return job_url(settings, job)
    return f"{process_url(settings, job.process, job.service)}/jobs/{job.id}"


def results_url(settings: Mapping[str, Any], job: Job) -> str:
    return f"{status_url(settings, job)}/results"


def output_file_url(settings: Mapping[str, Any], pseudo_relative: str) -> str:
    """Public URL of a result stored as a pseudo-relative path (``/<jobID>/<output>/<file>``)."""
    return get_settings(settings)["weaver.wps_output_url"] + "/" + pseudo_relative.lstrip("/")


def wps_status_location(settings: Mapping[str, Any], job: Job) -> str:
    """URL of the WPS-1 status document of a job."""
    context = f"{job.context}/" if job.context else ""
    return f"{get_settings(settings)['weaver.wps_output_url']}/{context}{job.id}.xml"
