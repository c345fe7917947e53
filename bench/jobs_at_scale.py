"""Jobs at scale: cost of GET /jobs (common filters) and of a submission with 0, 1k and 10k jobs stored.

Runs weaver on its embedded default (store, broker, one worker, the web app) on 127.0.0.1 in a temporary
directory, fills the store through the job store itself (jobs spread over 30 days, mixed statuses and
processes, as a service accumulates them), measures each request several times at each size, stops everything
it started and writes its section of docs/benchmarks.md.

    .venv/bin/python bench/jobs_at_scale.py [--sizes 0,100,1000,10000] [--repeat 15] [--no-write]
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List, Sequence, Tuple

import psutil
import pymongo
import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from weaver.datatype import Job  # noqa: E402
from weaver.runtime.embedded import start_broker, start_store, start_web, start_worker  # noqa: E402
from weaver.runtime.instance_ini import instance_settings, write_instance_ini  # noqa: E402
from weaver.runtime.processes import ManagedProcess, free_port  # noqa: E402
from weaver.store.jobs import MongodbJobStore  # noqa: E402

HOST = "127.0.0.1"
DB_NAME = "weaver-bench-jobs"
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "benchmarks.md")
BEGIN, END = "<!-- jobs_at_scale:begin -->", "<!-- jobs_at_scale:end -->"
PROCESSES = ["echo", "hello", "file2string_array", "jsonarray2netcdf", "metalink2netcdf", "file_index_selector"]
# no "accepted" jobs: a real one has its task message queued, a seeded one would be failed by the reaper
STATUSES = ["successful"] * 82 + ["failed"] * 12 + ["dismissed"] * 6
# running jobs are those the workers hold at the moment: a few of the newest, however many jobs came before
RUNNING_PER_BATCH = 4
QUERIES: List[Tuple[str, Dict[str, str]]] = [
    ("GET /jobs (first page, 10)", {}),
    ("GET /jobs?status=successful", {"status": "successful"}),
    ("GET /jobs?status=running", {"status": "running"}),
    ("GET /jobs?process=echo", {"process": "echo"}),
    ("GET /jobs?process=echo&status=failed", {"process": "echo", "status": "failed"}),
    ("GET /jobs?type=process&limit=50&detail=false", {"type": "process", "limit": "50", "detail": "false"}),
    ("GET /jobs?page=5", {"page": "5"}),
    ("GET /jobs?datetime=<last 24 h>", {"datetime": "{day_ago}/.."}),
    ("GET /jobs?tags=async", {"tags": "async"}),
    ("GET /jobs?datetime=<since 31 days> (all)", {"datetime": "{month_ago}/.."}),
    ("GET /jobs?datetime=<20 to 10 days ago>", {"datetime": "{days_20}/{days_10}"}),
    ("GET /jobs?datetime=<instant>", {"datetime": "{days_10}"}),
    ("GET /jobs?process=echo&datetime=<last 24 h>", {"process": "echo", "datetime": "{day_ago}/.."}),
    ("GET /jobs?minDuration=60", {"minDuration": "60"}),
    ("GET /jobs?maxDuration=10", {"maxDuration": "10"}),
    ("GET /jobs?sort=finished", {"sort": "finished"}),
    ("GET /jobs?sort=duration", {"sort": "duration"}),
    ("GET /jobs?sort=process", {"sort": "process"}),
]


# submissions measured, each after a pause that lets the worker run the job before (see bench/scenarios.py)
SUBMITS = 40
SUBMIT_PAUSE = 0.05


def median_ms(call: Callable[[], None], repeat: int, pause: float = 0.0, warmup: int = 1) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeat):
        time.sleep(pause)
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def fill(store: MongodbJobStore, count: int, rng: random.Random) -> None:
    """Insert ``count`` jobs spread over the last 30 days (oldest first, as they would have arrived)."""
    now = datetime.now(timezone.utc)
    offsets = sorted((rng.uniform(0, 30 * 86400) for _ in range(count)), reverse=True)
    for number, offset in enumerate(offsets):
        created = now - timedelta(seconds=offset)
        status = "running" if number >= count - RUNNING_PER_BATCH else rng.choice(STATUSES)
        doc = {"task_id": "bench", "process": rng.choice(PROCESSES), "status": status, "access": "public",
               "created": created, "tags": ["local", rng.choice(["async", "sync"]), "application"],
               "inputs": {"stringInput": "x" * 64}, "logs": [f"log line {n} " + "x" * 80 for n in range(12)]}
        doc["started"] = created + timedelta(seconds=1)
        if status == "running":  # as kept alive by a worker's heartbeat
            doc["heartbeat_expires"] = now + timedelta(days=1)
        if status in ("successful", "failed", "dismissed"):
            doc["finished"] = created + timedelta(seconds=rng.uniform(2, 600))
            doc["duration"] = (doc["finished"] - doc["started"]).total_seconds()
        store.insert_job(Job(doc))


def measure(url: str, repeat: int, only: Sequence[str] = ()) -> Dict[str, float]:
    session = requests.Session()
    instants = {name: (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
                for name, days in (("day_ago", 1), ("days_10", 10), ("days_20", 20), ("month_ago", 31))}
    figures: Dict[str, float] = {}
    for label, params in QUERIES:
        if only and label not in only:
            continue
        params = {key: value.format(**instants) for key, value in params.items()}

        def get(params: Dict[str, str] = params) -> None:
            resp = session.get(f"{url}/jobs", params=params, timeout=120)
            if resp.status_code not in (200, 400):  # page 5 of an empty store is out of range (400)
                raise RuntimeError(f"{label}: {resp.status_code} {resp.text[:300]}")

        figures[label] = median_ms(get, repeat)

    def submit() -> None:
        resp = session.post(f"{url}/processes/echo/execution", json={"inputs": {"stringInput": "bench"}},
                            headers={"Prefer": "respond-async"}, timeout=120)
        if resp.status_code != 201:
            raise RuntimeError(f"submit: {resp.status_code} {resp.text[:300]}")

    figures["POST /processes/echo/execution (async submit)"] = median_ms(submit, SUBMITS, SUBMIT_PAUSE, warmup=5)
    return figures


def run(sizes: List[int], repeat: int, only: Sequence[str] = ()) -> Tuple[List[int], Dict[str, Dict[int, float]]]:
    children: List[ManagedProcess] = []
    results: Dict[str, Dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="weaver-bench-jobs-") as root:
        logs = os.path.join(root, "logs")
        try:
            store_port, broker_port, web_port = free_port(HOST), free_port(HOST), free_port(HOST)
            children.append(start_store(os.path.join(root, "db"), store_port, os.path.join(logs, "store.log")))
            children.append(start_broker(os.path.join(root, "broker"), broker_port, os.path.join(logs, "broker.log")))
            mongodb_url = f"mongodb://{HOST}:{store_port}/"
            ini_path = os.path.join(root, "weaver.ini")
            write_instance_ini(ini_path, instance_settings(HOST, web_port, root, mongodb_url, DB_NAME,
                                                           f"redis://{HOST}:{broker_port}/0"),
                               listen=f"{HOST}:{web_port}")
            children.append(start_worker(ini_path, 1, os.path.join(logs, "worker.log")))
            children.append(start_web(ini_path, os.path.join(logs, "web.log")))
            url = f"http://{HOST}:{web_port}"
            client = pymongo.MongoClient(mongodb_url, tz_aware=True)
            store = MongodbJobStore(client[DB_NAME])
            rng = random.Random(6)
            stored = store.collection.count_documents({})
            for size in sizes:
                if size > stored:
                    start = time.perf_counter()
                    fill(store, size - stored, rng)
                    print(f"filled {size - stored} jobs in {time.perf_counter() - start:.1f} s", flush=True)
                stored = store.collection.count_documents({})
                print(f"measuring with {stored} jobs stored", flush=True)
                for label, value in measure(url, repeat, only).items():
                    results.setdefault(label, {})[size] = value
                stored = store.collection.count_documents({})  # the submissions added a few jobs
            client.close()
        finally:
            for child in reversed(children):
                child.stop()
    return sizes, results


def table(sizes: List[int], results: Dict[str, Dict[int, float]]) -> List[str]:
    """A table of medians per size, with the cost at the largest size relative to the smaller ones."""
    bases = sizes[:-1][:2]
    head = ("| request | " + " | ".join(f"{size} jobs (ms)" for size in sizes) + " | "
            + " | ".join(f"{sizes[-1]} / {base}" for base in bases) + " |")
    lines = [head, "|" + "---|" * (len(sizes) + len(bases) + 1)]
    for label, values in results.items():
        cells = " | ".join(f"{values[size]:.1f}" for size in sizes)
        ratios = " | ".join(f"{values[sizes[-1]] / values[base]:.2f}x" for base in bases)
        lines.append(f"| `{label}` | {cells} | {ratios} |")
    return lines


def render(sizes: List[int], results: Dict[str, Dict[int, float]], repeat: int, command: str) -> str:
    """The section: the table of medians per size, how listings stay flat, what stays linear."""
    lines = table(sizes, results)
    machine = (f"{platform.system()} {platform.machine()}, {psutil.cpu_count()} cores, "
               f"Python {platform.python_version()}, {datetime.now(timezone.utc):%Y-%m-%d}")
    return "\n".join([
        BEGIN,
        "## Jobs at scale: listing and submission with many stored jobs",
        "",
        f"Command: `{command}` ({machine}; embedded store and broker, one worker with one process, the web app,",
        "all on 127.0.0.1). The store is filled through the job store with jobs spread over 30 days (82 %",
        "successful, 12 % failed, 6 % dismissed, but for the 4 newest of each batch, running: workers hold a few",
        "jobs at a time; six processes; a dozen log lines each). Each size adds its jobs as one batch spread",
        "over the same 30 days, so the batches are out of creation order",
        "against each other (as imported jobs would be): a dated listing also reads where the batches meet.",
        f"Each figure is the median of {repeat} requests after one warm-up (submissions: {SUBMITS} after 5, each",
        f"after a {SUBMIT_PAUSE * 1000:.0f} ms pause in which the worker runs the job before), measured from the client. With 0 jobs",
        "a listing page is empty; from 100 jobs on, every page is full, so the 100-job column is the baseline",
        "of a page's own cost (reading and rendering its jobs).",
        "",
        *lines,
        "",
        "How listings stay flat (`weaver/store/job_query.py`): every job gets an insertion sequence number",
        "(`seq`) and a page sorted by creation is read from windows of sequence numbers just wide enough for it",
        "(from the share of matches, exact when every job matches), starting at the newest `seq` of the kinds of",
        "jobs selected, each window query holding only equalities an index `(..., seq)` covers (one query per",
        "status that has jobs); every other condition is checked on the documents read. Totals come from tallies",
        "per kind of job (access, process, provider, tags) and status, with a rollup per access. Finished jobs",
        "are also counted per block of 16 sequence numbers (and runs of 8 blocks, groups of 64) and per range of",
        "durations. A `datetime` interval becomes ranges of `seq` through the span of creation times of each",
        "block (`job_created_spans`); its total adds the counts of the blocks wholly inside, their unfinished",
        "jobs and the matches of the blocks that straddle its ends. A duration filter's total adds the counts of",
        "the ranges of durations inside its bounds to the jobs without a duration (unfinished); rare durations",
        "are read through the index `(duration, seq)`, and the first pages sorted by `duration` read the jobs of",
        "the longest ranges that hold them (or above the duration of a sample of the newest 400 matches, when",
        "the longest range is crowded, as here: durations are spread evenly up to 10 min). Sorts on status,",
        "process or provider walk the values with their counts from the tallies; sorting on `finished` reads a",
        "range of the index `(finished, seq)`.",
        "",
        "What stays linear: the store counts only by reading each document (~50 µs per document), so what no",
        "tally gives costs the documents read. Here: the blocks where the batches of different sizes meet (a",
        "dated listing reads them; with jobs stored in creation order only the two blocks at its ends are",
        "read), the first pages sorted by `duration` when the longest range of durations is crowded (a part of",
        "the jobs), deeper pages sorted by `duration`, sorts on `updated`, `user` and `id`, `datetime` joined",
        "with a duration filter, and `groups`, which read every match.",
        END,
    ])


def write_section(text: str) -> None:
    current = "# Benchmarks\n"
    if os.path.isfile(DOC):
        with open(DOC, encoding="utf-8") as file:
            current = file.read()
    if BEGIN in current and END in current:
        current = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    with open(DOC, "w", encoding="utf-8") as file:
        file.write(current)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,100,1000,10000", help="comma-separated numbers of stored jobs")
    parser.add_argument("--repeat", type=int, default=15, help="requests per figure")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    sizes, results = run(sizes, args.repeat)
    command = "python bench/jobs_at_scale.py" + "".join(f" {arg}" for arg in sys.argv[1:])
    text = render(sizes, results, args.repeat, command)
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
