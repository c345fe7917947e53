"""The OGC job status document (statusInfo) of a job, with its links."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from weaver.datatype import Job
from weaver.jobs import urls
from weaver.status import Status, map_status

REL_OGC = "http://www.opengis.net/def/rel/ogc/1.0/"
PROFILE_JOB_DESCRIPTION = "https://www.opengis.net/def/profile/OGC/0/job-description"
JOB_STATUS_CONTENT_TYPE = f'application/json; profile="{PROFILE_JOB_DESCRIPTION}"'


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value else None


def _link(href: str, rel: str, title: str, media_type: str = "application/json") -> Dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title, "hreflang": "en-CA"}


def job_links(job: Job, settings: Mapping[str, Any]) -> List[Dict[str, str]]:
    """Links of a job: self, monitoring, inputs, logs, and results or exceptions once finished."""
    status_url = urls.status_url(settings, job)
    job_url = urls.job_url(settings, job)
    links = [
        _link(status_url, "self", "Job status."),
        _link(status_url, "status", "Job status."),
        _link(status_url, "monitor", "Job status monitoring."),
        _link(f"{job_url}?f=json", "alternate", "Job status in JSON."),
        _link(f"{urls.restapi_url(settings)}/jobs", REL_OGC + "job-list", "List of jobs."),
        _link(f"{urls.restapi_url(settings)}/jobs", "up", "List of jobs."),
        _link(f"{status_url}/inputs", "inputs", "Inputs submitted for the job."),
        _link(f"{status_url}/logs", "logs", "Job execution logs."),
        _link(f"{status_url}/logs", REL_OGC + "log", "Job execution logs."),
        _link(PROFILE_JOB_DESCRIPTION, "profile", "Profile of the job status document."),
    ]
    if job.process:
        links.append(_link(urls.process_url(settings, job.process, job.service), "process", "Job process."))
        links.append(_link(f"{urls.process_url(settings, job.process, job.service)}/execution",
                           REL_OGC + "execute", "Process execution endpoint."))
    status = map_status(job.status)
    if status == Status.SUCCESSFUL:
        links.extend([
            _link(f"{status_url}/results", REL_OGC + "results", "Job results."),
            _link(f"{status_url}/outputs", "outputs", "Job outputs."),
            _link(f"{status_url}/statistics", "statistics", "Job execution statistics."),
        ])
    elif status in (Status.FAILED, Status.DISMISSED):
        links.append(_link(f"{status_url}/exceptions", REL_OGC + "exceptions", "Job errors."))
    return links


def job_status_document(job: Job, settings: Mapping[str, Any]) -> Dict[str, Any]:
    """The status document of ``GET /jobs/{id}`` (also the 201 body of an async submission)."""
    status = map_status(job.status)
    body: Dict[str, Any] = {
        "id": job.id,
        "jobID": job.id,
        "processID": job.process,
        "providerID": job.service,
        "type": job.type,
        "processingEntityType": "ogc-api-processes",
        "title": job.get("title"),
        "status": status.value if status != Status.UNKNOWN else Status.ACCEPTED.value,
        "message": job.status_message,
        "created": _iso(job.created),
        "started": _iso(job.started),
        "finished": _iso(job.finished),
        "updated": _iso(job.updated),
        "duration": job.duration_str if job.started else None,
        "runningSeconds": job.duration if job.started else None,
        "progress": job.progress,
        "percentCompleted": job.progress,
        "links": job_links(job, settings),
    }
    return {key: value for key, value in body.items() if value is not None}
