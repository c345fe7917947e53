"""Job record: defaults, monotonic status, log line format."""
import re

import pytest

from weaver.datatype import Job
from weaver.status import Status, map_status


def test_job_requires_task_id_and_gets_defaults():
    with pytest.raises(TypeError):
        Job()
    job = Job(task_id="accepted", process="echo")
    assert re.fullmatch(r"[0-9a-f-]{36}", job.id)
    assert job.status == "unknown" and job.progress == 0 and job.is_local and job.type == "process"


def test_finished_job_never_moves():
    job = Job(task_id="x", status="running")
    job.status = Status.DISMISSED
    job.status = Status.SUCCESSFUL
    assert job.status == "dismissed"


def test_log_line_format_and_no_repeat():
    job = Job(task_id="x", status="running", progress=42)
    job.save_log("Working.")
    job.save_log("Working.")
    assert len(job["logs"]) == 1
    assert re.fullmatch(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] INFO     \[weaver.datatype.Job\] \d\d:\d\d:\d\d  42% "
                        r"running    Working\.", job["logs"][0])


@pytest.mark.parametrize("name, expected", [
    ("started", "running"), ("ProcessSucceeded", "successful"), ("succeeded", "successful"),
    ("exception", "failed"), ("canceled", "dismissed"), ("queued", "accepted"), ("nonsense", "unknown"),
])
def test_status_mapping(name, expected):
    assert map_status(name).value == expected
