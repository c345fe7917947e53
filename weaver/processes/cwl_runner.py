"""Running a written CWL package with cwltool, in a child process whose messages are streamed line by line.

cwltool runs in a child process (through ``cwl_exec.py``, which stops it and its tools if the worker dies)
rather than in the worker: its log lines and the tool's own stdout/stderr
all arrive on one stream that we forward to the job, a stuck run can be killed without harming the worker, and
its global state (logging, caches) never leaks between jobs. Before starting it, the requirements this machine
cannot satisfy (a container engine, cores, memory) fail the job at once with a message saying what is missing.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import psutil

from weaver.typedefs import JSON

LineCallback = Callable[[str], None]
LOG_LEVEL_PATTERN = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
FINAL_STATUS_PATTERN = re.compile(r"Final process status is (\w+)")
ENGINE_CHECK_TIMEOUT = 10
ENGINE_CACHE_SECONDS = 30
_ENGINE_CACHE: Dict[str, tuple] = {}
CWL_EXEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cwl_exec.py")


class PackageRunError(RuntimeError):
    """The package could not run or did not succeed; the message is meant for the user."""


@dataclass
class RunResult:
    status: str  # cwltool's final status: success, permanentFail, temporaryFail...
    outputs: JSON
    tool_lines: List[str] = field(default_factory=list)  # lines printed by the tool itself
    warnings: List[str] = field(default_factory=list)  # cwltool WARNING/ERROR lines


def docker_engine_problem(executable: str = "docker") -> Optional[str]:
    """None when a Docker engine answers here, else why not (cached a few seconds per worker)."""
    cached = _ENGINE_CACHE.get(executable)
    if cached and time.monotonic() - cached[0] < ENGINE_CACHE_SECONDS:
        return cached[1]
    path = shutil.which(executable)
    if path is None:
        problem: Optional[str] = f"the '{executable}' command is not installed"
    else:
        try:
            proc = subprocess.run([path, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                                  timeout=ENGINE_CHECK_TIMEOUT, check=False)
            problem = None if proc.returncode == 0 else (
                (proc.stderr or proc.stdout).strip().splitlines() or ["no answer"])[-1]
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = f"'{executable} info' failed: {exc}"
    _ENGINE_CACHE[executable] = (time.monotonic(), problem)
    return problem


def _as_number(value: object) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def resource_problem(resource_requirements: List[JSON]) -> Optional[str]:
    """Why the declared minimum cores or memory cannot be met on this machine, if they cannot."""
    cores = os.cpu_count() or 1
    ram_mib = psutil.virtual_memory().total / 1024 ** 2
    for requirement in resource_requirements:
        cores_min = _as_number(requirement.get("coresMin"))
        ram_min = _as_number(requirement.get("ramMin"))
        if cores_min is not None and cores_min > cores:
            return f"ResourceRequirement asks for at least {cores_min:g} cores, this machine has {cores}."
        if ram_min is not None and ram_min > ram_mib:
            return (f"ResourceRequirement asks for at least {ram_min:g} MiB of memory, this machine has "
                    f"{ram_mib:.0f} MiB.")
    return None


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_cwltool(package_path: str, job_path: str, workdir: str, on_line: LineCallback,
                use_container: bool) -> RunResult:
    """Run cwltool on a package and job order; every line it prints goes to ``on_line`` as it comes."""
    outdir = os.path.join(workdir, "cwl-out")
    tmp = os.path.join(workdir, "cwl-tmp")
    os.makedirs(outdir, exist_ok=True)
    os.makedirs(tmp, exist_ok=True)
    command = [sys.executable, CWL_EXEC, "--disable-color", "--outdir", outdir,
               "--tmpdir-prefix", os.path.join(tmp, "tmp-"), "--tmp-outdir-prefix", os.path.join(tmp, "out-"),
               "--move-outputs"]
    if not use_container:
        command.append("--no-container")
    command += [package_path, job_path]
    result = RunResult(status="unknown", outputs={})
    stdout_path = os.path.join(workdir, "cwl-outputs.json")
    with open(stdout_path, "w", encoding="utf-8") as stdout, subprocess.Popen(
            command, cwd=workdir, stdout=stdout, stderr=subprocess.PIPE, text=True, errors="replace",
            start_new_session=True) as proc:
        try:
            _read_stderr(proc, on_line, result)
            proc.wait()
        finally:
            if proc.poll() is None:  # interrupted while reading: leave no cwltool or tool behind
                _kill_group(proc)
    with open(stdout_path, encoding="utf-8") as file:
        text = file.read().strip()
    try:
        result.outputs = json.loads(text) if text else {}
    except ValueError:
        result.outputs = {}
    if proc.returncode != 0 and result.status == "success":
        result.status = f"exit code {proc.returncode}"
    if result.status == "unknown":
        result.status = "success" if proc.returncode == 0 else f"exit code {proc.returncode}"
    return result


def _read_stderr(proc: subprocess.Popen, on_line: LineCallback, result: RunResult) -> None:
    """Stream stderr lines (cwltool's log and the tool's own output) while remembering what matters."""
    assert proc.stderr is not None
    for raw in proc.stderr:
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        on_line(line)
        level = LOG_LEVEL_PATTERN.match(line)
        if level:
            final = FINAL_STATUS_PATTERN.search(line)
            if final:
                result.status = final.group(1)
            elif level.group(1) in ("WARNING", "ERROR", "CRITICAL"):
                result.warnings.append(line[level.end():])
        elif not line.startswith((" ", "\t")):
            result.tool_lines.append(line)
            del result.tool_lines[:-20]


def failure_message(result: RunResult) -> str:
    """A short explanation of a failed run: cwltool's warnings and the last lines the tool printed."""
    reasons = [w for w in result.warnings if "completed" not in w and "Final process status" not in w]
    parts = [f"CWL package execution failed ({result.status})."]
    if reasons:
        parts.append(" ".join(reasons[-3:]))
    if result.tool_lines:
        parts.append("Tool output: " + " | ".join(result.tool_lines[-5:]))
    return " ".join(parts)
