"""WPS 2.0.0 GetStatus, GetResult and Dismiss, answered from the same jobs as the REST API."""
from __future__ import annotations

import uuid
from typing import Any, Mapping

from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job
from weaver.exceptions import JobNotFound, WeaverError
from weaver.jobs.dismiss import dismiss_job
from weaver.jobs.results import parse_job_error
from weaver.status import Status, map_status
from weaver.wps import wps2_xml
from weaver.wps.execute import xml_response


class NoSuchJob(WeaverError):
    """WPS 2.0 exception for an unknown job identifier."""

    status = 400
    title = "NoSuchJob"
    type = "NoSuchJob"
    code = "NoSuchJob"


class ResultNotReady(WeaverError):
    """WPS 2.0 exception for results asked before the job succeeded."""

    status = 400
    title = "ResultNotReady"
    type = "ResultNotReady"
    code = "ResultNotReady"


def fetch_job(settings: Mapping[str, Any], job_id: str) -> Job:
    try:
        uuid.UUID(job_id)
        return get_db(settings).jobs.fetch_by_id(job_id)
    except (ValueError, JobNotFound) as exc:
        raise NoSuchJob(f"No job with identifier '{job_id}'.", locator="JobID") from exc


def get_status(settings: Mapping[str, Any], job_id: str) -> Response:
    return xml_response(wps2_xml.status_info(fetch_job(settings, job_id)))


def get_result(settings: Mapping[str, Any], job_id: str) -> Response:
    settings = get_settings(settings)
    job = fetch_job(settings, job_id)
    status = map_status(job.status)
    if status == Status.DISMISSED:
        raise NoSuchJob(f"Job '{job_id}' was dismissed: its results are gone.", locator="JobID")
    if status == Status.FAILED:
        code, text = parse_job_error(job)
        raise WeaverError(f"Job '{job_id}' failed: {text}", status=400, code=code, locator="JobID")
    if status != Status.SUCCESSFUL:
        raise ResultNotReady(f"Job '{job_id}' is {status.value}: its results are not ready.", locator="JobID")
    return xml_response(wps2_xml.result_document(job, settings))


def dismiss(settings: Mapping[str, Any], job_id: str) -> Response:
    """Stop the job for real (same as ``DELETE /jobs/{id}``); a second Dismiss is a 410 JobDismissed."""
    job = dismiss_job(fetch_job(settings, job_id), settings)
    return xml_response(wps2_xml.status_info(job))
