"""What is kept of a finished execution: relative result references, location links and statistics."""
from __future__ import annotations

import logging
import os
import re
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

import psutil

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.typedefs import JSON, SettingsType, Statistics

LOGGER = logging.getLogger(__name__)
_CWL_MEMORY = re.compile(r"memory used[^\d]*(\d+(?:\.\d+)?)\s*([KMGT]i?B)?", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3, "TB": 1000 ** 4,
          "KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3, "TIB": 1024 ** 4}


def make_results_relative(results: List[JSON], settings: SettingsType) -> List[JSON]:
    """Converts file references to a pseudo-relative location to allow the application to dynamically generate paths.

    A reference under ``weaver.wps_output_url`` or ``weaver.wps_output_dir`` (``file://`` or plain path)
    becomes ``/<jobID>/<output>/<file>``: the stored job survives a change of those settings. Other references
    (remote files) and literal values are left untouched.
    """
    settings = get_settings(settings)
    out_url = settings["weaver.wps_output_url"].rstrip("/")
    out_dir = settings["weaver.wps_output_dir"].rstrip("/")
    out_path = settings["weaver.wps_output_path"].rstrip("/")
    prefixes = [out_url, f"file://{out_dir}", out_dir]
    if out_path:
        prefixes.append(settings["weaver.url"].rstrip("/") + out_path)
    for result in results:
        for key in ("href", "reference"):
            ref = result.get(key)
            if isinstance(ref, str):
                for prefix in prefixes:
                    if prefix and ref.startswith(prefix + "/"):
                        result[key] = ref[len(prefix):]
                        break
        if isinstance(result.get("data"), list):
            make_results_relative(result["data"], settings)
    return results


def map_locations(job: Job, settings: SettingsType) -> None:
    """Maps directory locations between pywps execution and the job's storage.

    When pywps ran under its own UUID, the job ID gets symlinks to its outputs directory, status document and log,
    and the job records that WPS ID. Jobs executed under their own ID (the local case) need nothing.
    """
    settings = get_settings(settings)
    location = job.get("status_location")
    if not location:
        return
    wps_id = os.path.splitext(os.path.basename(urlparse(location).path))[0]
    job["wps_id"] = wps_id
    if wps_id == job.id:
        return
    out_dir = settings["weaver.wps_output_dir"]
    if job.context:
        out_dir = os.path.join(out_dir, job.context)
    for suffix in ("", ".log", ".xml"):
        source = os.path.join(out_dir, wps_id + suffix)
        target = os.path.join(out_dir, job.id + suffix)
        if os.path.exists(source) and not os.path.lexists(target):
            os.symlink(source, target)


def _human_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TiB"


def _cwl_memory(job: Optional[Job]) -> Optional[int]:
    for line in (job or {}).get("logs") or []:
        # cwltool writes "[job <name>] Max memory used: 12MiB" once a tool ran over a second
        if ("cwltool" in line or "[job " in line) and "memory used" in line.lower():
            match = _CWL_MEMORY.search(line)
            if match:
                return int(float(match.group(1)) * _UNITS.get((match.group(2) or "").upper(), 1))
    return None


def _output_sizes(job: Job, settings: SettingsType) -> Dict[str, Dict[str, Any]]:
    out_dir = get_settings(settings)["weaver.wps_output_dir"]
    sizes: Dict[str, Dict[str, Any]] = {}
    for result in job.results:
        href = result.get("href")
        if not isinstance(href, str) or not href.startswith("/"):
            continue
        path = os.path.join(out_dir, href.lstrip("/"))
        if os.path.isfile(path):
            size = os.path.getsize(path)
            sizes[result["id"]] = {"size": _human_size(size), "sizeBytes": size}
    return sizes


def collect_statistics(process: Optional[psutil.Process], settings: Optional[SettingsType] = None,
                       job: Optional[Job] = None, rss_start: Optional[int] = None) -> Optional[Statistics]:
    """Collect any available execution statistics and store them in the job if provided (never raises)."""
    try:
        stats: Statistics = {}
        memory = _cwl_memory(job)
        if memory is not None:
            stats["application"] = {"usedMemory": _human_size(memory), "usedMemoryBytes": memory}
        if process is not None:
            with process.oneshot():
                mem = process.memory_full_info()
                proc: Dict[str, Any] = {
                    "rss": _human_size(mem.rss), "rssBytes": mem.rss,
                    "uss": _human_size(mem.uss), "ussBytes": mem.uss,
                    "vms": _human_size(mem.vms), "vmsBytes": mem.vms,
                    "usedThreads": process.num_threads(),
                    "usedCPU": process.cpu_num() if hasattr(process, "cpu_num") else None,
                    "usedHandles": process.num_fds() if hasattr(process, "num_fds") else None,
                }
            if rss_start is not None:
                used = max(0, mem.rss - rss_start)
                proc["usedMemory"] = _human_size(used)
                proc["usedMemoryBytes"] = used
            stats["process"] = proc
        if job is not None and settings is not None:
            outputs = _output_sizes(job, settings)
            if outputs:
                stats["outputs"] = outputs
                total = sum(item["sizeBytes"] for item in outputs.values())
                stats["process"] = dict(stats.get("process", {}), totalSize=_human_size(total), totalSizeBytes=total)
        if job is not None and stats:
            job["statistics"] = stats
        return stats or None
    except Exception as exc:  # statistics are informative only: a failure here must never fail the job
        LOGGER.warning("Could not collect statistics of %s: %s", job, exc)
        return None
