"""Store CPU of a job's writes: its insert, its move to ``running`` and to ``successful``, through the job store.

Runs the embedded store alone on 127.0.0.1 (in a temporary directory), writes ``--jobs`` jobs through
``MongodbJobStore`` one step at a time, and prints the store's CPU and the wall time per write of each step: what
the bookkeeping of listings (tallies, rollups, block counts) costs every job.

    .venv/bin/python bench/job_writes.py --jobs 300
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Callable, List

import psutil
import pymongo

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from weaver.datatype import Job  # noqa: E402
from weaver.runtime.embedded import start_store  # noqa: E402
from weaver.runtime.processes import free_port  # noqa: E402
from weaver.store.jobs import MongodbJobStore  # noqa: E402

HOST = "127.0.0.1"


def measure(step: Callable[[Job], object], jobs: List[Job], store_process: psutil.Process) -> str:
    cpu = sum(store_process.cpu_times()[:2])
    start = time.perf_counter()
    for job in jobs:
        step(job)
    cpu = (sum(store_process.cpu_times()[:2]) - cpu) * 1000 / len(jobs)
    wall = (time.perf_counter() - start) * 1000 / len(jobs)
    return f"store CPU {cpu:.2f} ms, wall {wall:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="weaver-bench-writes-") as root:
        port = free_port(HOST)
        store_child = start_store(os.path.join(root, "db"), port, os.path.join(root, "store.log"))
        client = pymongo.MongoClient(f"mongodb://{HOST}:{port}/", tz_aware=True)
        try:
            store = MongodbJobStore(client["weaver-bench-writes"])
            store.create_indexes()
            store_process = psutil.Process(store_child.pid)
            jobs = [Job(task_id="bench", process="echo", status="accepted", access="public", tags=["async"])
                    for _ in range(args.jobs)]

            def moved_to(status: str) -> Callable[[Job], object]:
                def move(job: Job) -> object:
                    job.status = status
                    return store.update_job(job)
                return move

            print(f"{args.jobs} jobs, per write:")
            print(f"  insert (accepted):    {measure(store.insert_job, jobs, store_process)}")
            print(f"  update to running:    {measure(moved_to('running'), jobs, store_process)}")
            print(f"  update to successful: {measure(moved_to('successful'), jobs, store_process)}")
        finally:
            client.close()
            store_child.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
