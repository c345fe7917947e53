"""CPU per job of the worker's in-process run of a builtin process: ``WorkerService.execute_job`` on ``echo``.

The same calls the Celery task makes for a local builtin (description, inputs, pywps run, status document,
OWSLib execution), without the store, broker or Celery: what is left is the cost of running the process.

    .venv/bin/python bench/worker_execute.py --jobs 300
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from typing import Any, Dict, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from owslib.wps import Process as ProcessOWS  # noqa: E402

from weaver.config import get_settings  # noqa: E402
from weaver.datatype import Job, Process  # noqa: E402
from weaver.datatype.process import PROCESS_TYPE_BUILTIN  # noqa: E402
from weaver.processes.builtin import BUILTIN_PROCESSES  # noqa: E402
from weaver.processes.execution.inputs import parse_wps_inputs  # noqa: E402
from weaver.processes.wps_process import pywps_process_for  # noqa: E402
from weaver.wps.service import WorkerService, describe_ows_process, load_pywps_config, output_requests  # noqa: E402

CASES: Dict[str, Dict[str, Any]] = {
    "one string": {"stringInput": "Value1"},
    "seven inputs": {
        "stringInput": "Value1", "doubleInput": 3.5, "arrayInput": [1, 2, 3], "dateInput": "2021-01-01T00:00:00Z",
        "boundingBoxInput": {"bbox": [1, 2, 3, 4]},
        "measureInput": {"value": {"measurement": 1.5, "uom": "m"}, "mediaType": "application/json"},
        "complexObjectInput": {"value": {"property1": "a", "property5": True}, "mediaType": "application/json"},
    },
}


def prepare(root: str) -> Tuple[Any, Process, ProcessOWS]:
    """Settings writing under ``root``, the echo process and its WPS description (as the worker caches it)."""
    settings = get_settings({"weaver.wps_output_dir": os.path.join(root, "outputs"),
                             "weaver.wps_workdir": os.path.join(root, "work")})
    load_pywps_config(settings)
    builtin = BUILTIN_PROCESSES["echo"]
    process = Process(builtin.description, package=builtin.package, type=PROCESS_TYPE_BUILTIN)
    service = WorkerService(processes=[pywps_process_for(process)])
    return settings, process, describe_ows_process(service, process.id, settings["weaver.wps_url"])


def run_job(settings: Any, process: Process, description: ProcessOWS, inputs: Dict[str, Any]) -> None:
    """One job, as ``_run_job`` of the Celery task runs a local process."""
    job = Job(task_id="bench", process=process.id, inputs=inputs)
    service = WorkerService(processes=[pywps_process_for(process)])
    execution = service.execute_job(job, parse_wps_inputs(description, job), output_requests(description),
                                    settings, progress=lambda message, percent: None)
    if execution.getStatus() != "ProcessSucceeded":
        raise RuntimeError(f"echo job failed: {execution.statusMessage}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300, help="jobs measured per case")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="weaver_worker_bench_")
    try:
        settings, process, description = prepare(root)
        for name, inputs in CASES.items():
            for _ in range(args.warmup):
                run_job(settings, process, description, inputs)
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.jobs):
                run_job(settings, process, description, inputs)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"echo, {name}: {args.jobs} jobs, CPU {cpu / args.jobs * 1000:.2f} ms/job, "
                  f"wall {wall / args.jobs * 1000:.2f} ms/job")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
