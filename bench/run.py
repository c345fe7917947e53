"""``make bench``: weaver against pygeoapi and pywps on this machine, in one run; writes docs/benchmarks.md.

Everything listens on 127.0.0.1 only, every count is bounded, and every process started here is stopped at the
end (also on Ctrl-C or a failure). The peers run from their own virtual environments under ``--cache-dir``.
"""
from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
from typing import Any, Dict, List

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import scenarios  # noqa: E402
from bench.common import machine  # noqa: E402
from bench.peers.targets import PygeoapiTarget, PywpsTarget  # noqa: E402
from bench.peers.venvs import ensure_venv  # noqa: E402
from bench.report import write_report  # noqa: E402
from bench.weaver_target import WeaverTarget  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", default=".bench", help="where the peers' virtual environments live")
    parser.add_argument("--output", default="docs/benchmarks.md", help="report to write")
    parser.add_argument("--sync-requests", type=int, default=200)
    parser.add_argument("--async-jobs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--preload", type=int, default=10000)
    parser.add_argument("--memory-jobs", type=int, default=1000)
    parser.add_argument("--probe", type=int, default=100, help="submissions and listings measured at 0 and N jobs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) after the run")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args: argparse.Namespace, root: str) -> Dict[str, Any]:
    cache_dir = os.path.abspath(args.cache_dir)
    for peer in ("pygeoapi", "pywps"):
        log(f"virtual environment of {peer} under {cache_dir}/venvs")
        ensure_venv(cache_dir, peer)
    weaver, pygeoapi, pywps = WeaverTarget(root), PygeoapiTarget(root, cache_dir), PywpsTarget(root, cache_dir)
    targets = [weaver, pygeoapi, pywps]
    results: Dict[str, Any] = {"machine": machine(), "args": vars(args), "command": " ".join(sys.argv)}
    try:
        for target in targets:
            log(f"starting {target.name}")
            target.start()
        log("probe at 0 stored jobs: serial submissions and GET /jobs")
        results["probe0"] = _probe(args, [weaver, pygeoapi])

        log(f"sync echo, {args.sync_requests} rounds alternating between servers")
        results["sync"] = scenarios.interleaved([
            ("weaver REST", weaver.sync_rest), ("pygeoapi REST", pygeoapi.sync_rest),
            ("weaver WPS", weaver.sync_wps), ("pywps WPS", pywps.sync_wps),
        ], args.sync_requests)

        results["rss_before"] = {target.name: scenarios.rss(target) for target in targets}
        results["async"] = {}
        for target in (pygeoapi, weaver, pywps):
            log(f"{args.async_jobs} async jobs from {args.threads} threads on {target.name}")
            before = scenarios.cpu(target)
            results["async"][target.name] = scenarios.async_burst(target, args.async_jobs, args.threads)
            after = scenarios.cpu(target)
            results["async"][target.name]["cpu"] = {part: after[part] - before.get(part, 0.0) for part in after}
        remaining = max(0, args.memory_jobs - args.async_jobs)
        log(f"{remaining} more async jobs on weaver (memory over {args.memory_jobs} jobs)")
        results["memory_burst"] = scenarios.async_burst(weaver, remaining, args.threads)
        results["rss_after"] = {target.name: scenarios.rss(target) for target in targets}

        log(f"preloading {args.preload} jobs into weaver's store and pygeoapi's TinyDB")
        started = time.perf_counter()
        weaver.preload(args.preload)
        pygeoapi.preload(args.preload)
        results["preload_seconds"] = time.perf_counter() - started
        log(f"probe at {args.preload} more stored jobs")
        results["probeN"] = _probe(args, [weaver, pygeoapi])
    finally:
        for target in targets:
            target.stop()
    return results


def _probe(args: argparse.Namespace, targets: List[Any]) -> Dict[str, Any]:
    probe: Dict[str, Any] = {}
    for target in targets:
        submits = scenarios.serial_submits(target, args.probe)
        pages, total = scenarios.listing(target, max(5, args.probe // 5))
        probe[target.name] = {"submit": submits, "list": pages, "total": total}
    return probe


def main() -> int:
    args = parse_args()
    root = tempfile.mkdtemp(prefix="weaver-bench-")
    started = time.perf_counter()
    try:
        results = run(args, root)
    except BaseException:
        log(f"failed: logs kept in {root}")
        raise
    results["duration"] = time.perf_counter() - started
    results["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report = write_report(results, args.output)
    print(report)
    if args.keep:
        log(f"logs kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
