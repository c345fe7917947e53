"""The Job: the one record of truth of an execution, shared by the web app and the worker."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Union

from weaver.execute import ExecuteMode, ExecuteResponse, ExecuteReturnPreference
from weaver.status import Status, map_status
from weaver.visibility import Visibility

LOG_MAX_MESSAGE = 1024 * 1024  # a single log message longer than this is clipped


def now() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(value: Optional[datetime]) -> Optional[datetime]:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class Job(dict):
    """A job document with typed accessors. ``params()`` is exactly what the store saves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pop("_id", None)
        if not self.get("id"):
            self["id"] = str(uuid.uuid4())
        self["id"] = str(self["id"])
        if self.get("task_id") is None:
            raise TypeError("Job requires a 'task_id' (task UUID or placeholder status string).")
        self.setdefault("status", Status.UNKNOWN.value)
        self.setdefault("status_message", "no message")
        self.setdefault("progress", 0)
        self.setdefault("created", now())
        for key in ("results", "exceptions", "logs", "tags"):
            self.setdefault(key, [])
        self.setdefault("access", Visibility.PRIVATE.value)
        self.setdefault("execution_mode", ExecuteMode.AUTO.value)
        self.setdefault("execution_response", ExecuteResponse.DOCUMENT.value)
        self.setdefault("execution_return", ExecuteReturnPreference.MINIMAL.value)
        self.setdefault("is_local", not self.get("service"))
        self._tmpdir: Optional[str] = None
        # the status the store last held for this job, as read or written by this process (guards the next write)
        self.stored_status: Optional[str] = None

    # ----- identity -----
    @property
    def id(self) -> str:
        return self["id"]

    @property
    def task_id(self) -> str:
        return self["task_id"]

    @task_id.setter
    def task_id(self, value: str) -> None:
        self["task_id"] = str(value)

    @property
    def process(self) -> Optional[str]:
        return self.get("process")

    @property
    def service(self) -> Optional[str]:
        return self.get("service")

    @property
    def is_local(self) -> bool:
        return bool(self.get("is_local", not self.service))

    @property
    def is_workflow(self) -> bool:
        return bool(self.get("is_workflow"))

    @property
    def type(self) -> str:
        return "provider" if self.service else "process"

    # ----- status -----
    @property
    def status(self) -> str:
        return self["status"]

    @status.setter
    def status(self, value: Union[Status, str]) -> None:
        value = str(value.value if isinstance(value, Status) else value)
        if self.is_finished and map_status(value) != map_status(self["status"]):
            # a finished job never moves again (monotonic transitions)
            return
        if value in (Status.STARTED.value, Status.RUNNING.value) and not self.get("started"):
            self["started"] = now()
        self["status"] = value

    @property
    def status_message(self) -> str:
        return self["status_message"]

    @status_message.setter
    def status_message(self, value: str) -> None:
        self["status_message"] = value

    @property
    def progress(self) -> int:
        return int(self.get("progress") or 0)

    @progress.setter
    def progress(self, value: Union[int, float]) -> None:
        self["progress"] = int(max(0, min(100, value)))

    @property
    def is_finished(self) -> bool:
        return map_status(self["status"]) in (Status.SUCCESSFUL, Status.FAILED, Status.DISMISSED)

    @property
    def success(self) -> bool:
        return map_status(self["status"]) == Status.SUCCESSFUL

    def mark_finished(self) -> None:
        self["finished"] = now()

    # ----- times -----
    @property
    def created(self) -> datetime:
        return _as_utc(self["created"])

    @property
    def started(self) -> Optional[datetime]:
        return _as_utc(self.get("started"))

    @property
    def finished(self) -> Optional[datetime]:
        return _as_utc(self.get("finished"))

    @property
    def updated(self) -> datetime:
        return _as_utc(self.get("updated")) or self.finished or self.started or self.created

    @property
    def duration(self) -> Optional[float]:
        if not self.started:
            return None
        return ((self.finished or now()) - self.started).total_seconds()

    @property
    def duration_str(self) -> str:
        seconds = int(self.duration or 0)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"

    # ----- execution parameters -----
    @property
    def execution_mode(self) -> str:
        return self["execution_mode"]

    @property
    def execution_wait(self) -> Optional[int]:
        return self.get("execution_wait")

    @property
    def execute_async(self) -> bool:
        return self["execution_mode"] == ExecuteMode.ASYNC.value

    @property
    def execution_response(self) -> str:
        return self["execution_response"]

    @property
    def execution_return(self) -> str:
        return self["execution_return"]

    @property
    def inputs(self) -> Any:
        return self.get("inputs")

    @property
    def outputs(self) -> Any:
        return self.get("outputs")

    @property
    def results(self) -> List[Dict[str, Any]]:
        return self["results"]

    @property
    def context(self) -> Optional[str]:
        return self.get("context")

    @property
    def accept_language(self) -> Optional[str]:
        return self.get("accept_language")

    @property
    def wps_url(self) -> Optional[str]:
        return self.get("wps_url")

    @property
    def wps_id(self) -> Optional[str]:
        return self.get("wps_id")

    # ----- logs -----
    def save_log(self, message: Optional[str] = None, level: int = logging.INFO, errors: Any = None,
                 logger: Optional[logging.Logger] = None, status: Optional[str] = None,
                 progress: Optional[Union[int, float]] = None) -> None:
        """Append a formatted log line (and errors to ``exceptions``), as shown by ``/jobs/{id}/logs``."""
        if progress is not None:
            self.progress = progress
        if status is not None:
            self.status = status
        if errors:
            for err in errors if isinstance(errors, list) else [errors]:
                self["exceptions"].append(err if isinstance(err, (str, dict)) else f"{err}")
        if message is None:
            return
        message = message if len(message) <= LOG_MAX_MESSAGE else message[:LOG_MAX_MESSAGE] + "[...]"
        stamp = now()
        line = (f"[{stamp:%Y-%m-%d %H:%M:%S}] {logging.getLevelName(level):<8} [weaver.datatype.Job] "
                f"{stamp:%H:%M:%S} {self.progress:3d}% {map_status(self.status).value:<10} {message}")
        if not self["logs"] or self["logs"][-1].split("] ", 1)[-1] != line.split("] ", 1)[-1]:
            self["logs"].append(line)
        if logger is not None:
            logger.log(level, "%s %s", self, message)

    # ----- files -----
    def result_path(self, output_id: Optional[str] = None, file_name: Optional[str] = None) -> str:
        parts = [p for p in (self.context, self.id, output_id, file_name) if p]
        return "/".join(parts)

    @property
    def tmpdir(self) -> str:
        if not self._tmpdir:
            self._tmpdir = tempfile.mkdtemp(prefix=f"weaver-job-{self.id}-")
        return self._tmpdir

    def cleanup(self) -> None:
        if self._tmpdir and os.path.isdir(self._tmpdir):
            shutil.rmtree(self._tmpdir, ignore_errors=True)
        self._tmpdir = None

    def params(self) -> Dict[str, Any]:
        """The document as stored."""
        return {key: value for key, value in self.items() if not key.startswith("_")}

    def __str__(self) -> str:
        return f"Job <{self.id}>"
