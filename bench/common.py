"""Small helpers shared by the benchmark scenarios: timing, percentiles, machine facts, process memory."""
from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import psutil

LOOPBACK = "127.0.0.1"


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(pct / 100.0 * len(ordered) + 0.4999))))
    return ordered[rank - 1]


@dataclass
class Timings:
    """Durations in seconds of one kind of request, and the failures met while collecting them."""

    values: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def p(self, pct: float) -> float:
        return percentile(self.values, pct)

    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else float("nan")


def timed(call: Callable[[], None]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout}s waiting for {what or predicate}")


def _tree_sum(pid: int, measure: Callable[[psutil.Process], float]) -> float:
    """``measure`` summed over a process and its live descendants (0 once the process is gone)."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0.0
    for proc in procs:
        try:
            total += measure(proc)
        except psutil.NoSuchProcess:
            pass
    return total


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants (a worker and its pool, a master and its
    workers): what the machine pays for the server part."""
    return int(_tree_sum(pid, lambda proc: proc.memory_info().rss))


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants."""
    def cpu(proc: psutil.Process) -> float:
        times = proc.cpu_times()
        return times.user + times.system + times.children_user + times.children_system
    return _tree_sum(pid, cpu)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> Dict[str, str]:
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def ms(seconds: Optional[float]) -> str:
    if seconds is None or seconds != seconds:  # NaN
        return "n/a"
    return f"{seconds * 1000:.1f}"
