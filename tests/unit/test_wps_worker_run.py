"""A job's process run in the worker (weaver.wps.worker_run, WorkerService.execute_job): same outcome as pywps.

The worker runs pywps' synchronous path itself, without pywps' request log: the statuses, messages and status
document must be those pywps' own ``Process.execute`` gives for the same request.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import pywps
import pywps.configuration as pywps_config
from lxml import etree
from owslib.wps import ASYNC, SYNC, WPSExecution
from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
from pywps.exceptions import StorageNotSupported
from pywps.inout.inputs import LiteralInput
from pywps.inout.outputs import LiteralOutput
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.status import Status, map_status
from weaver.wps.service import WorkerService, load_pywps_config
from weaver.wps.worker_run import execute_sync

PROCESS_ID = "shout"


def _ok(request: WPSRequest, response: Any) -> Any:
    response.update_status("Shouting.", 50)
    response.outputs["loud"].data = request.inputs["word"][0].data.upper()
    return response


def _fails(request: WPSRequest, response: Any) -> Any:
    response.update_status("About to fail.", 30)
    raise ValueError("boom")


def _rejects(request: WPSRequest, response: Any) -> Any:
    raise ProcessError("the word is not loud enough")


def _ends_itself(request: WPSRequest, response: Any) -> Any:
    response.outputs["loud"].data = "DONE"
    response._update_status(pywps.response.status.WPS_STATUS.SUCCEEDED, "Finished early.", 100)
    return response


HANDLERS: Dict[str, Callable[[WPSRequest, Any], Any]] = {
    "ok": _ok, "fails": _fails, "rejects": _rejects, "ends_itself": _ends_itself,
}


def _process(handler: Callable[[WPSRequest, Any], Any]) -> pywps.Process:
    return pywps.Process(handler, identifier=PROCESS_ID, title="Shout", abstract="Upper-cases a word.",
                         version="1.0.0", inputs=[LiteralInput("word", "Word", data_type="string")],
                         outputs=[LiteralOutput("loud", "Loud word", data_type="string")])


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Any]:
    """pywps configured for a worker writing into tmp_path; pywps' previous configuration restored afterwards."""
    previous = pywps_config.CONFIG
    settings = get_settings({"weaver.wps_output_dir": str(tmp_path / "outputs"),
                             "weaver.wps_workdir": str(tmp_path / "work"), "weaver.url": "http://localhost:4001"})
    load_pywps_config(settings)
    yield settings
    pywps_config.CONFIG = previous


def _wps_request(word: str, mode: str = SYNC) -> WPSRequest:
    """The request a WPS client sends, parsed by pywps."""
    xml = WPSExecution(version="1.0.0").buildRequest(PROCESS_ID, [("word", word)], output=[("loud", False)],
                                                      mode=mode, lineage=False)
    environ = EnvironBuilder(path="/wps", method="POST", data=etree.tostring(xml),
                             content_type="text/xml").get_environ()
    return WPSRequest(WerkzeugRequest(environ))


def _run(handler: Callable[[WPSRequest, Any], Any], uuid: str, through_pywps: bool) -> Tuple[Any, str]:
    service = pywps.Service(processes=[_process(handler)])
    process = service.prepare_process_for_execution(PROCESS_ID)
    if not through_pywps:
        process.execute = lambda request, job_uuid: execute_sync(process, request, job_uuid)
    response = service._parse_and_execute(process, _wps_request("hello"), uuid)
    return response, re.sub(r'creationTime="[^"]+"', 'creationTime="T"', str(response.doc))


def _execute_job(settings: Any, handler: Callable[[WPSRequest, Any], Any], context: Optional[str] = None,
                 progress: Optional[List[Tuple[str, Optional[float]]]] = None) -> Tuple[Job, WPSExecution]:
    job = Job(task_id="task", process=PROCESS_ID, context=context, inputs={"word": "hello"})
    service = WorkerService(processes=[_process(handler)])
    on_progress = None if progress is None else (lambda message, percent: progress.append((message, percent)))
    execution = service.execute_job(job, [("word", "hello")], [("loud", False)], settings, progress=on_progress)
    return job, execution


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_worker_run_gives_what_pywps_gives(settings: Any, name: str) -> None:
    mine, my_doc = _run(HANDLERS[name], "job-a", through_pywps=False)
    theirs, their_doc = _run(HANDLERS[name], "job-a", through_pywps=True)
    assert (mine.status, mine.message, mine.status_percentage) == \
           (theirs.status, theirs.message, theirs.status_percentage)
    assert my_doc == their_doc


def test_successful_job_outputs_progress_and_status_document(settings: Any) -> None:
    progress: List[Tuple[str, Optional[float]]] = []
    job, execution = _execute_job(settings, _ok, progress=progress)
    assert execution.getStatus() == "ProcessSucceeded"
    assert execution.percentCompleted == 100
    assert execution.statusMessage == "PyWPS Process Shout finished"
    assert [(out.identifier, out.data) for out in execution.processOutputs] == [("loud", ["HELLO"])]
    assert progress == [("Shouting.", 50)]
    status_path = Path(settings["weaver.wps_output_dir"]) / f"{job.id}.xml"
    assert execution.statusLocation == str(status_path)
    assert etree.fromstring(status_path.read_bytes()).find(
        "{http://www.opengis.net/wps/1.0.0}Status/{http://www.opengis.net/wps/1.0.0}ProcessSucceeded") is not None


def test_status_document_goes_under_the_job_context(settings: Any) -> None:
    job, execution = _execute_job(settings, _ok, context="project")
    assert execution.statusLocation == str(Path(settings["weaver.wps_output_dir"]) / "project" / f"{job.id}.xml")
    assert Path(execution.statusLocation).is_file()


@pytest.mark.parametrize("handler, message", [
    (_fails, "Process failed, please check server error log"),
    (_rejects, "Process error: the word is not loud enough"),
])
def test_failed_job_reports_pywps_message(settings: Any, handler: Callable[[WPSRequest, Any], Any],
                                          message: str) -> None:
    job, execution = _execute_job(settings, handler)
    assert map_status(execution.getStatus()) == Status.FAILED
    assert [error.text for error in execution.errors] == [message]
    assert message in Path(execution.statusLocation).read_text(encoding="utf-8")


def test_jobs_run_without_pywps_request_log(settings: Any, tmp_path: Path) -> None:
    """The worker never reads pywps' request log: a job runs even when that database cannot be opened."""
    pywps_config.CONFIG.set("logging", "database", f"sqlite:///{tmp_path}/missing/dir/pywps-log.sqlite")
    _, execution = _execute_job(settings, _ok)
    assert execution.getStatus() == "ProcessSucceeded"


def test_workdir_removed_once_the_job_is_over(settings: Any) -> None:
    workdir = Path(settings["weaver.wps_workdir"])
    before = set(workdir.iterdir())
    _execute_job(settings, _ok)
    _execute_job(settings, _fails)
    assert set(workdir.iterdir()) == before



def test_stored_request_left_to_pywps(settings: Any) -> None:
    """A request for a stored response is pywps' business: it refuses it for a process that cannot store."""
    service = pywps.Service(processes=[_process(_ok)])
    process = service.prepare_process_for_execution(PROCESS_ID)
    with pytest.raises(StorageNotSupported):
        execute_sync(process, _wps_request("hello", mode=ASYNC), "job-b")
