"""The synchronous run of a job's pywps process in the Celery worker, without pywps' request-queue bookkeeping.

pywps' ``Process.execute`` is written for a WPS server that queues requests itself: for every request it counts
the running and stored requests in its sqlite log, records its pid and every status change there, looks for a
stored request to launch next, and renders the response document again at every status change. In the worker
none of it has a reader: the request is never logged in that database (each status write matched no row),
concurrency is Celery's (``parallelprocesses`` is -1, so nothing is ever stored for later), and the synchronous
response document is only read once the process is over. That bookkeeping was about half the worker's CPU per job.

:func:`execute_sync` runs the same steps with the same statuses and messages as pywps: accepted, started, the
handler, then succeeded (or failed, with pywps' failure message); the document is rendered once, when the status
becomes final and before the working directory is removed (references to output files are made while rendering).
"""
from __future__ import annotations

import logging
import os
import sys
import traceback
from types import TracebackType
from typing import Any, Optional

import pywps
import pywps.configuration as pywps_config
from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
from pywps.response.execute import ExecuteResponse
from pywps.response.status import WPS_STATUS

PYWPS_LOGGER = logging.getLogger("PYWPS")  # pywps' own logger: its failure lines stay where they were
FINAL_STATUSES = (WPS_STATUS.SUCCEEDED, WPS_STATUS.FAILED)


class WorkerExecuteResponse(ExecuteResponse):
    """pywps' ExecuteResponse, minus the sqlite status log and the documents rendered for no reader."""

    def _update_status(self, status: int, message: str, status_percentage: Any, clean: bool = True) -> None:
        self.message = message
        self.status = status
        self.status_percentage = status_percentage
        final = status in FINAL_STATUSES
        if final or self.store_status_file:
            self._update_status_doc()
        if self.store_status_file:
            self._update_status_file()
        if clean and final:
            self.process.clean()


def execute_sync(process: pywps.Process, wps_request: WPSRequest, uuid: str) -> ExecuteResponse:
    """Run the process for this request as pywps' ``Process.execute`` does in synchronous mode.

    A request asking for a stored or status-updated response goes through pywps unchanged.
    """
    if wps_request.store_execute == "true":
        return type(process).execute(process, wps_request, uuid)
    process._set_uuid(uuid)
    process._setup_status_storage()
    process.async_ = False
    response = WorkerExecuteResponse(wps_request, process=process, uuid=process.uuid)
    response._update_status(WPS_STATUS.ACCEPTED, "PyWPS Request accepted", 0)
    _run_handler(process, wps_request, response)
    return response


def _run_handler(process: pywps.Process, wps_request: WPSRequest, response: ExecuteResponse) -> None:
    """Started, the handler, then succeeded unless the handler ended the job itself; any error fails the job."""
    try:
        process._set_grass(wps_request)
        if pywps_config.get_config_value("server", "sethomedir") is True:
            os.environ["HOME"] = process.workdir
        response._update_status(WPS_STATUS.STARTED, "PyWPS Process started", 0)
        process.handler(wps_request, response)
        if response.status not in FINAL_STATUSES:
            response._update_status(WPS_STATUS.SUCCEEDED, f"PyWPS Process {process.title} finished", 100)
    except Exception as exc:  # a failed process is a failed job, reported in its document (as pywps does)
        traceback.print_exc()
        response._update_status(WPS_STATUS.FAILED, failure_message(exc, sys.exc_info()[2]), 100)


def failure_message(exc: BaseException, trace: Optional[TracebackType]) -> str:
    """The status message pywps gives a failed process; the detailed line (where it failed) goes to pywps' log.

    The detail names the process's ``_handler`` frame when there is one, else the frame that called the handler.
    """
    frame = trace
    while frame is not None and frame.tb_frame.f_code.co_name != "_handler":
        frame = frame.tb_next
    frame = frame or trace
    if frame is None:
        detail = f"Process error: method=unknown, line=0, msg={exc}"
    else:
        code = frame.tb_frame.f_code
        detail = (f"Process error: method={os.path.basename(code.co_filename)}.{code.co_name}, "
                  f"line={frame.tb_lineno}, msg={exc}")
    PYWPS_LOGGER.error(detail)
    if isinstance(exc, ProcessError):
        return f"Process error: {exc}"
    if pywps_config.get_config_value("logging", "level") != "DEBUG":
        return "Process failed, please check server error log"
    return detail
