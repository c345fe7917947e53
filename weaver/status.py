"""Job status values, their categories and their mapping onto the OGC API - Processes status codes."""
from __future__ import annotations

from enum import Enum
from typing import Literal, Union


class Status(str, Enum):
    """Every status a job may hold (OGC names first, then internal/legacy aliases)."""

    CREATED = "created"
    ACCEPTED = "accepted"
    RUNNING = "running"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    DISMISSED = "dismissed"
    # internal or legacy names, mapped onto the OGC ones when shown
    STARTED = "started"
    PAUSED = "paused"
    QUEUED = "queued"
    SUCCEEDED = "succeeded"
    FINISHED = "finished"
    ERROR = "error"
    EXCEPTION = "exception"
    CANCELED = "canceled"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


StatusType = Literal["created", "accepted", "running", "successful", "failed", "dismissed", "started", "paused",
                     "queued", "succeeded", "finished", "error", "exception", "canceled", "unknown"]
AnyStatusType = Union[Status, str]

_OGC_MAPPING = {
    Status.STARTED: Status.RUNNING,
    Status.PAUSED: Status.RUNNING,
    Status.QUEUED: Status.ACCEPTED,
    Status.SUCCEEDED: Status.SUCCESSFUL,
    Status.FINISHED: Status.SUCCESSFUL,
    Status.ERROR: Status.FAILED,
    Status.EXCEPTION: Status.FAILED,
    Status.CANCELED: Status.DISMISSED,
}
_WPS_MAPPING = {
    Status.CREATED: "ProcessAccepted",
    Status.ACCEPTED: "ProcessAccepted",
    Status.RUNNING: "ProcessStarted",
    Status.SUCCESSFUL: "ProcessSucceeded",
    Status.FAILED: "ProcessFailed",
    Status.DISMISSED: "ProcessFailed",
}


class StatusCategory(str, Enum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    SUCCESS = "success"


JOB_STATUS_CATEGORIES = {
    StatusCategory.RUNNING: frozenset(["created", "accepted", "running", "started", "queued", "paused"]),
    StatusCategory.FINISHED: frozenset(["successful", "failed", "dismissed", "succeeded", "finished", "error",
                                        "exception", "canceled"]),
    StatusCategory.FAILED: frozenset(["failed", "error", "exception"]),
    StatusCategory.SUCCESS: frozenset(["successful", "succeeded", "finished"]),
}
# stored statuses a job never leaves but to be dismissed (or deleted)
FINISHED_STATUSES = JOB_STATUS_CATEGORIES[StatusCategory.FINISHED]


def map_status(status: AnyStatusType) -> Status:
    """Map any known status name (OGC, pywps, OWSLib ``ProcessSucceeded``...) onto the OGC status."""
    text = str(status.value if isinstance(status, Status) else status or "").strip()
    if text.startswith("Process"):  # WPS-1 names such as ProcessSucceeded
        text = text[len("Process"):]
    try:
        value = Status(text.lower())
    except ValueError:
        return Status.UNKNOWN
    return _OGC_MAPPING.get(value, value)


def map_status_wps(status: AnyStatusType) -> str:
    """WPS-1 status element name for a job status."""
    return _WPS_MAPPING.get(map_status(status), "ProcessAccepted")


def is_finished(status: AnyStatusType) -> bool:
    return str(map_status(status).value) in JOB_STATUS_CATEGORIES[StatusCategory.FINISHED]


def is_running(status: AnyStatusType) -> bool:
    return str(map_status(status).value) in JOB_STATUS_CATEGORIES[StatusCategory.RUNNING]
