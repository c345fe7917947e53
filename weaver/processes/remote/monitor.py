"""What both remote executors share: back-off between status checks, bounded retries, dismissal checks.

A remote job is watched by polling. The first checks come quickly (a short remote job finishes within a
second or two and should not wait long), then the delay grows to a ceiling. Failed requests are retried a bounded
number of times in a row, so that a slow, broken or vanished server fails the job with a clear message instead
of leaving it running.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, TypeVar

import requests

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job
from weaver.exceptions import JobExecutionError
from weaver.status import map_status

LOGGER = logging.getLogger(__name__)
BACKOFF_FACTOR = 1.5
T = TypeVar("T")
ProgressCallback = Callable[[str, Optional[float]], None]


class RemoteRequestError(Exception):
    """One request to the remote server failed in a way worth retrying (5xx, timeout, refused, garbage)."""


class RemoteJobDismissed(Exception):
    """The local job was dismissed (or failed by the reaper) while its remote job ran: stop watching it."""


@dataclass
class RemoteMonitor:
    """Polling state of one remote job: delays, consecutive failures, last progress mirrored into the job."""

    job: Job
    settings: Mapping[str, Any]
    progress: ProgressCallback
    server: str
    step: int = 0
    failures: int = 0
    last_report: Optional[tuple] = field(default=None)

    def __post_init__(self) -> None:
        self.settings = get_settings(self.settings)

    @property
    def timeout(self) -> float:
        return self.settings["weaver.wps_client_timeout"]

    @property
    def retries(self) -> int:
        return max(1, self.settings["weaver.remote_request_retries"])

    def delay(self) -> float:
        """Next wait between checks: starts at the configured interval and grows geometrically to the ceiling."""
        first = self.settings["weaver.remote_monitor_interval"]
        ceiling = max(first, self.settings["weaver.remote_monitor_interval_max"])
        return min(ceiling, first * BACKOFF_FACTOR ** self.step)

    def wait(self) -> None:
        time.sleep(self.delay())
        self.step += 1
        self.raise_if_dismissed()

    def raise_if_dismissed(self) -> None:
        """Stop watching when the job was finished elsewhere: dismissed by a client, or failed by the reaper."""
        stored = get_db(self.settings).jobs.fetch_by_id(self.job.id)
        if stored.is_finished:
            self.job["status"] = stored.status
            raise RemoteJobDismissed(f"{self.job} was finished elsewhere ({map_status(stored.status).value}).")

    def call(self, action: Callable[[], T], what: str) -> T:
        """Run one request, retried on :class:`RemoteRequestError` up to the configured count in a row."""
        while True:
            try:
                result = action()
            except RemoteRequestError as exc:
                self.failures += 1
                LOGGER.warning("%s: %s failed (%s/%s): %s", self.job, what, self.failures, self.retries, exc)
                self.job.save_log(f"Remote server [{self.server}] failed to answer {what} "
                                  f"(attempt {self.failures}/{self.retries}): {exc}", level=logging.WARNING)
                if self.failures >= self.retries:
                    raise JobExecutionError(
                        f"Remote server [{self.server}] did not answer {what} after {self.failures} attempts: "
                        f"{exc}") from exc
                self.wait()
                continue
            self.failures = 0
            return result

    def report(self, percent: Optional[float], message: Optional[str]) -> None:
        """Mirror the remote progress and message into the job, writing it only when they changed."""
        percent = max(0.0, min(100.0, float(percent or 0)))
        current = (int(percent), message or "")
        if current == self.last_report:
            return
        self.last_report = current
        self.progress(message or "", percent)


def http_request(method: str, url: str, timeout: float, **kwargs: Any) -> requests.Response:
    """One HTTP request where 5xx, timeouts and connection errors become :class:`RemoteRequestError`."""
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise RemoteRequestError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise RemoteRequestError(f"HTTP {response.status_code} from [{url}]: {response.text[:300]}")
    return response


def get_json(url: str, timeout: float, headers: Mapping[str, str]) -> Any:
    """GET a JSON document; anything but a 200 with JSON is a :class:`RemoteRequestError` (worth a retry)."""
    reply = http_request("GET", url, timeout, headers=dict(headers, Accept="application/json"))
    if reply.status_code != 200:
        raise RemoteRequestError(f"HTTP {reply.status_code} from [{url}]")
    try:
        return reply.json()
    except ValueError as exc:
        raise RemoteRequestError(f"answer of [{url}] is not JSON") from exc
