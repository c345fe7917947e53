"""Dismissal of a job: stop its task for real, remove its outputs, keep its record."""
from __future__ import annotations

import logging
import os
import shutil
import uuid
from typing import Any, Dict, List, Mapping

from pyramid_celery import celery_app

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job
from weaver.exceptions import JobGone, JobNotFound, UnprocessableEntity
from weaver.status import Status, is_running, map_status

LOGGER = logging.getLogger(__name__)


def _is_task_id(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def remove_job_outputs(job: Job, settings: Mapping[str, Any]) -> None:
    out_dir = get_settings(settings)["weaver.wps_output_dir"]
    base = os.path.join(out_dir, job.result_path())
    shutil.rmtree(base, ignore_errors=True)
    for suffix in (".log", ".xml"):
        try:
            os.remove(base + suffix)
        except FileNotFoundError:
            pass


def dismiss_job(job: Job, settings: Mapping[str, Any]) -> Job:
    """Mark the job dismissed, revoke (and terminate) its task when it may still run, and delete its outputs."""
    if map_status(job.status) == Status.DISMISSED:
        raise JobGone(f"Job {job.id} is already dismissed.", title="JobDismissed", value=job.id,
                      cause={"status": Status.DISMISSED.value})
    if is_running(job.status) and _is_task_id(job.task_id):
        # the worker terminates the pool process running the task (which stops its tool subprocesses); a queued
        # task is dropped when a worker gets it
        celery_app.control.revoke(job.task_id, terminate=True, signal="SIGTERM")
    job["status"] = Status.DISMISSED.value
    job.status_message = "Job dismissed."
    job.save_log(job.status_message)
    job.mark_finished()
    get_db(settings).jobs.update_job(job)
    remove_job_outputs(job, settings)
    return job


def dismiss_jobs(settings: Mapping[str, Any], body: Any) -> Dict[str, List[str]]:
    """``DELETE /jobs`` with ``{"jobs": [ids]}``: dismiss every job found; ``{"jobs": [found ids]}`` (unknown skipped)."""
    ids = body.get("jobs") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(item, str) and _is_task_id(item) for item in ids):
        raise UnprocessableEntity("Body must be {\"jobs\": [<job UUID>, ...]} with at least one job UUID.",
                                  cause={"name": "jobs", "in": "body", "value": ids})
    store = get_db(settings).jobs
    dismissed: List[str] = []
    for job_id in dict.fromkeys(ids):
        try:
            job = store.fetch_by_id(job_id)
        except JobNotFound:
            continue
        if map_status(job.status) != Status.DISMISSED:
            dismiss_job(job, settings)
        dismissed.append(job.id)
    return {"jobs": dismissed}
