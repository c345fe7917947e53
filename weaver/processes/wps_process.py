"""The pywps process that runs a stored weaver process, built once per process version and cached."""
from __future__ import annotations

import threading
from typing import Dict, Tuple

import pywps

from weaver.datatype import Process
from weaver.datatype.process import PROCESS_TYPE_APPLICATION, PROCESS_TYPE_WORKFLOW
from weaver.exceptions import JobExecutionError
from weaver.processes.builtin import BUILTIN_PROCESSES
from weaver.processes.wps_package import WpsPackage

_CACHE: Dict[Tuple[str, str, str, str], pywps.Process] = {}
_LOCK = threading.Lock()


def pywps_process_for(process: Process) -> pywps.Process:
    """pywps process of a weaver process: builtins run their Python handler, packages run with cwltool."""
    key = (process.id, process.version, process.type, str(process.get("revision", "")))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    if process.is_builtin and process.id in BUILTIN_PROCESSES:
        wps_process = BUILTIN_PROCESSES[process.id].pywps_process()
    elif process.type in (PROCESS_TYPE_APPLICATION, PROCESS_TYPE_WORKFLOW):
        wps_process = WpsPackage(process)
    else:
        raise JobExecutionError(
            f"Process '{process.id}' of type '{process.type}' has no runner on this server.",
            cause={"name": "type", "value": process.type})
    with _LOCK:
        _CACHE[key] = wps_process
    return wps_process


def pywps_service_for(processes: "list[Process]") -> pywps.Service:
    """A pywps Service offering the given processes (those that can run here)."""
    wps_processes = []
    for process in processes:
        try:
            wps_processes.append(pywps_process_for(process))
        except JobExecutionError:
            continue
    return pywps.Service(processes=wps_processes)
