"""The Celery task that executes a job, recording each progress milestone in the job."""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Callable, Optional

import psutil
from celery.app.task import Task
from pyramid_celery import celery_app

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job, Process
from weaver.datatype.process import PROCESS_TYPE_OGCAPI
from weaver.datatype.job import now
from weaver.exceptions import JobNotFound
from weaver.notify import notify_job_subscribers
from weaver.processes.execution.inputs import fetch_wps_process, parse_wps_inputs
from weaver.processes.execution.milestones import DeferredMilestone
from weaver.processes.execution.progress import JobProgress, map_progress
from weaver.processes.execution.results import collect_statistics, make_results_relative, map_locations
from weaver.processes.convert import ows2json_output_data
from weaver.processes.remote.monitor import RemoteJobDismissed
from weaver.processes.remote.ogcapi import execute_remote_ogcapi
from weaver.processes.remote.wps1 import execute_remote_wps1
from weaver.processes.wps_process import pywps_process_for
from weaver.reaper import QUEUED_STATUSES, RUNNING_STATUSES, Heartbeat, heartbeat_expiry
from weaver.status import JOB_STATUS_CATEGORIES, Status, StatusCategory, StatusType, map_status
from weaver.tasks import WeaverTask
from weaver.typedefs import AnyDatabaseContainer, HeaderCookiesType, Number, UpdateStatusPartialFunction
from weaver.wps.service import WorkerService, load_pywps_config, output_requests
from weaver.wps.status_xml import write_wps_status

LOGGER = logging.getLogger(__name__)
# a job finished elsewhere (dismissed by a client, failed by the reaper) is never written again by its task
FINISHED_STATUSES = sorted(JOB_STATUS_CATEGORIES[StatusCategory.FINISHED])


def log_and_save_update_status_handler(
    job: Job,
    container: AnyDatabaseContainer,
    update_status: Callable[[str], StatusType] = None,
    update_progress: Callable[[Number], Number] = None,
) -> UpdateStatusPartialFunction:
    """Creates a job status update function that will immediately reflect the log message in the database.

    Each call saves the log line (with status and progress) and writes the job at once, so clients polling the
    job see the change right away. It costs a database write: use it for milestones only, and
    :meth:`Job.save_log` for lines that can wait for the next milestone.
    """
    store = get_db(container).jobs

    def update(message: str, progress: Optional[Number] = None, status: Optional[str] = None,
               **kwargs: Any) -> None:
        if status is not None and update_status is not None:
            status = update_status(status)
        if progress is not None and update_progress is not None:
            progress = update_progress(progress)
        if status is not None:
            job.status = status
        if message:
            job.status_message = message
        job.save_log(message=message, progress=progress, status=None, **kwargs)
        save_job_unless_dismissed(store, job)

    return update


def save_job_unless_dismissed(store: Any, job: Job) -> None:
    """Write the job, unless it finished meanwhile (dismissed, or failed by the reaper): it never moves again."""
    if not store.update_job(job, unless_status=FINISHED_STATUSES):
        raise JobDismissedWhileRunning(f"{job} was finished elsewhere (dismissed or reaped).")


class JobDismissedWhileRunning(Exception):
    """The job was dismissed by a client while this worker ran it: stop writing to it."""


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__name__}: {exc}"


@celery_app.task(bind=True, base=WeaverTask, name="weaver.processes.execution.execute_process",
                 acks_late=True, reject_on_worker_lost=True)
def execute_process(task: Task, job_id: uuid.UUID, wps_url: str, headers: Optional[HeaderCookiesType] = None
                    ) -> StatusType:
    """Celery task that executes the WPS process job monitoring as status updates (local and remote)."""
    rss_start = psutil.Process().memory_info().rss
    settings = task.settings
    store = get_db(settings).jobs
    try:
        job = store.fetch_by_id(str(job_id))
    except JobNotFound:
        LOGGER.error("Job %s vanished before it could run.", job_id)
        return Status.FAILED.value
    if job.is_finished:  # dismissed while queued, or a redelivered message of a finished job
        return job.status
    claimed = _claim(task, job, settings)
    if claimed is None:
        return store.fetch_by_id(job.id).status
    job = claimed
    with Heartbeat(settings, job.id):
        return _execute(job, wps_url, headers, settings, rss_start)


def _claim(task: Task, job: Job, settings: Any) -> Optional[Job]:
    """Take the job atomically, its first milestone written with it; None when it is finished or a live worker
    already runs it (duplicate message)."""
    started = Job(dict(job))
    started.status = Status.STARTED
    started.status_message = "Job started."
    started.save_log("Job started.", progress=JobProgress.SETUP)
    fields = {"status": Status.STARTED.value, "task_id": task.request.id or job.task_id,
              "started": job.started or now(), "heartbeat_expires": heartbeat_expiry(settings),
              "worker": {"host": task.request.hostname, "pid": os.getpid()},
              "status_message": started.status_message, "progress": started.progress, "logs": started["logs"]}
    claimed = get_db(settings).jobs.claim_job(job, QUEUED_STATUSES, RUNNING_STATUSES, fields)
    if claimed is None:
        LOGGER.info("%s is not claimable (finished, or running on a live worker): task ignored.", job)
    return claimed


def _execute(job: Job, wps_url: str, headers: Optional[HeaderCookiesType], settings: Any, rss_start: int
             ) -> StatusType:
    update = log_and_save_update_status_handler(job, settings)
    try:
        write_wps_status(job, settings)
        notify_job_subscribers(job, settings)  # outcome lines are saved with the next milestone
        _run_job(job, wps_url, headers or {}, settings, update)
    except (JobDismissedWhileRunning, RemoteJobDismissed):
        LOGGER.info("%s was finished elsewhere while running.", job)
        return get_db(settings).jobs.fetch_by_id(job.id).status
    except Exception as exc:
        LOGGER.exception("Failed to run %s.", job)
        job.status = Status.FAILED
        job.status_message = f"Failed to run {job}."
        job.save_log(job.status_message, level=logging.ERROR, errors=[_error_text(exc)])
        job.save_log(_error_text(exc), level=logging.ERROR)
    finally:
        job.cleanup()
    return _finish_job(job, settings, rss_start)


def _run_job(job: Job, wps_url: str, headers: dict, settings: Any, update: UpdateStatusPartialFunction) -> None:
    settings = get_settings(settings)

    def on_progress(message: str, percent: Optional[float]) -> None:
        progress = map_progress(percent or 0, JobProgress.EXECUTE_MONITOR_LOOP, JobProgress.EXECUTE_MONITOR_DONE)
        update(f"Job execution monitoring (progress: {int(percent or 0)}%, status: {message or 'n/a'}).",
               progress=progress)

    process = get_db(settings).processes.fetch_by_id(job.process) if job.is_local else None
    if process is not None and process.type == PROCESS_TYPE_OGCAPI:
        _run_ogcapi_job(job, process, headers, settings, update, on_progress)
        return
    if process is None:  # a remote description can take a while: let clients see the milestone at once
        update("Fetching process description.", progress=JobProgress.DESCRIBE)
    else:  # described in-process from a cache: the line is written with the next milestone, a moment later
        job.save_log("Fetching process description.", progress=JobProgress.DESCRIBE)
    wps_process = fetch_wps_process(job, wps_url, headers, settings, process=process)
    job.save_log("Parsing job inputs.", progress=JobProgress.GET_INPUTS)
    wps_inputs = parse_wps_inputs(wps_process, job, settings)
    job.save_log("Preparing job outputs.", progress=JobProgress.GET_OUTPUTS)
    wps_outputs = output_requests(wps_process)
    job.status = Status.RUNNING
    if process is None:
        update(f"Execution of the process started on the remote provider [{wps_url}].",
               progress=JobProgress.EXECUTE_REQUEST)
        execution = execute_remote_wps1(job, wps_url, wps_process, wps_inputs, wps_outputs, headers, settings,
                                        on_progress)
    else:
        load_pywps_config(settings)
        service = WorkerService(processes=[pywps_process_for(process)])
        job.save_log("Execution of the process started.", progress=JobProgress.EXECUTE_REQUEST)
        store = get_db(settings).jobs
        with DeferredMilestone(lambda: save_job_unless_dismissed(store, job),
                               settings["weaver.job_running_write_delay"]) as running:
            execution = service.execute_job(job, wps_inputs, wps_outputs, settings,
                                            progress=running.guard(on_progress))
        job["status_location"] = execution.statusLocation
    job.save_log(f"{job} initiation done.", progress=JobProgress.EXECUTE_STATUS_LOCATION)
    job.save_log("Job execution monitoring started.", progress=JobProgress.EXECUTE_MONITOR_START)
    _pull_process_log(job, settings)
    status = map_status(execution.getStatus())
    job.save_log(f"Job execution monitoring (progress: {execution.percentCompleted}%, status: "
                 f"{execution.statusMessage or 'n/a'}).", progress=JobProgress.EXECUTE_MONITOR_LOOP)
    if status == Status.SUCCESSFUL:
        results = ows2json_output_data(execution.processOutputs, wps_process)
        _set_success(job, make_results_relative(results, settings), execution.statusMessage or "succeeded")
    else:
        errors = [{"Code": err.code, "Locator": err.locator, "Text": err.text} for err in execution.errors]
        _set_failure(job, errors or [execution.statusMessage or "unknown error"],
                     execution.statusMessage or "failed")
        for err in errors:
            job.save_log(f"{err['Code']}: {err['Text']}", level=logging.ERROR)
    map_locations(job, settings)


def _run_ogcapi_job(job: Job, process: Process, headers: dict, settings: Any, update: UpdateStatusPartialFunction,
                    on_progress: Callable[[str, Optional[float]], None]) -> None:
    """A process of a remote OGC API server: its inputs go as they are, its results keep remote references."""
    job.status = Status.RUNNING
    update(f"Execution of the process started on the remote server [{process.get('remoteProcessURL')}].",
           progress=JobProgress.EXECUTE_REQUEST)
    status, results, errors, message = execute_remote_ogcapi(job, process, headers, settings, on_progress)
    job.save_log("Job execution monitoring started.", progress=JobProgress.EXECUTE_MONITOR_START)
    if status == Status.SUCCESSFUL:
        _set_success(job, results, message)
    else:
        _set_failure(job, errors, message)


def _set_success(job: Job, results: list, message: str) -> None:
    job["results"] = results
    job.status = Status.SUCCESSFUL
    job.status_message = f"Job successful (status: {message})."
    job.save_log(job.status_message, progress=JobProgress.EXECUTE_MONITOR_DONE)


def _set_failure(job: Job, errors: list, message: str) -> None:
    job.status = Status.FAILED
    job.status_message = f"Job failed (status: {message})."
    job.save_log(job.status_message, level=logging.ERROR, errors=errors)


def _pull_process_log(job: Job, settings: Any) -> None:
    """Append the process's own log file (``<outdir>/[ctx/]<jobID>.log``), when it wrote one, to the job logs."""
    settings = get_settings(settings)
    path = os.path.join(settings["weaver.wps_output_dir"], f"{job.result_path()}.log")
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as file:
            for line in file.read().splitlines():
                if line.strip():
                    job.save_log(line.rstrip())


def _finish_job(job: Job, settings: Any, rss_start: int) -> StatusType:
    store = get_db(settings).jobs
    collect_statistics(psutil.Process(), settings, job, rss_start)
    failed = map_status(job.status) == Status.FAILED
    if not job.is_finished:
        job.status = Status.SUCCESSFUL
    if not failed:
        job.progress = JobProgress.EXECUTE_MONITOR_END
    job.save_log(f"Job {map_status(job.status).value}.")
    if not failed:
        job.progress = JobProgress.NOTIFY
    job.mark_finished()
    if not failed:
        job.progress = JobProgress.DONE
    job.save_log("Job task complete.")
    if not store.update_job(job, unless_status=FINISHED_STATUSES):
        return store.fetch_by_id(job.id).status
    write_wps_status(job, settings)
    if job.get("subscribers"):  # after the final write: a subscriber reading the job sees it finished
        notify_job_subscribers(job, settings)
        store.update_fields(job.id, {"logs": job["logs"]})
    return job.status
