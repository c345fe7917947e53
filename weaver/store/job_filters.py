"""Filters of a job listing: the query they make, and the same test applied to documents already read.

Listings send the store only the equalities an index covers (see :mod:`weaver.store.job_query`); every other
condition is checked here on the documents read, following the store's own rules (millisecond precision of
dates, a running job's duration counted from its start).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Mapping, Optional, Sequence

from weaver.datatype.job import now

# the fields :meth:`JobFilters.matches` reads
MATCH_FIELDS = ("seq", "access", "process", "service", "status", "tags", "user_id", "created", "duration",
                "finished", "started")


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def stored_instant(value: Optional[datetime]) -> Optional[datetime]:
    """A bound as the store compares it: UTC, whole milliseconds (BSON dates drop the microseconds)."""
    if value is None:
        return None
    value = as_utc(value).astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class JobFilters:
    """What a listing selects; every field is optional."""

    process: Optional[str] = None
    service: Optional[str] = None
    job_type: Optional[str] = None  # "process" (local only) or "provider" (remote only)
    status: Optional[Sequence[str]] = None
    tags: Optional[Sequence[str]] = None
    access: Optional[str] = None
    user_id: Optional[Any] = None
    created_min: Optional[datetime] = None
    created_max: Optional[datetime] = None
    min_duration: Optional[float] = None
    max_duration: Optional[float] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def countable(self) -> bool:
        """Whether the tallies (per access, process, provider, tags and status) give the total of these filters."""
        return not (self.created_min or self.created_max or self.min_duration is not None
                    or self.max_duration is not None or self.user_id is not None or self.extra)

    @property
    def dated(self) -> bool:
        return bool(self.created_min or self.created_max)

    def undated(self) -> "JobFilters":
        return replace(self, created_min=None, created_max=None)

    def _common(self) -> Dict[str, Any]:
        query: Dict[str, Any] = {}
        if self.access:
            query["access"] = self.access
        if self.process:
            query["process"] = self.process
        if self.service:
            query["service"] = self.service
        elif self.job_type == "process":
            query["service"] = None
        elif self.job_type == "provider":
            query["service"] = {"$ne": None}
        if self.status:
            query["status"] = {"$in": list(self.status)}
        return query

    def tally_selection(self) -> Dict[str, Any]:
        """The tallies of the kinds of jobs these filters select (the statuses are summed apart)."""
        selection = self._common()
        selection.pop("status", None)
        if self.tags:
            selection["tags"] = {"$all": list(self.tags)}
        return selection

    def equalities(self) -> Dict[str, Any]:
        """The conditions that are plain equalities, each a candidate for an index prefix (status: a list)."""
        found: Dict[str, Any] = {}
        for name in ("access", "process"):
            if getattr(self, name):
                found[name] = getattr(self, name)
        if self.service:
            found["service"] = self.service
        elif self.job_type == "process":
            found["service"] = None
        if self.status:
            found["status"] = list(self.status)
        if self.tags:
            found["tags"] = self.tags[0]
        if self.user_id is not None:
            found["user_id"] = self.user_id
        return found

    def query(self) -> Dict[str, Any]:
        query = self._common()
        if self.user_id is not None:
            query["user_id"] = self.user_id
        if self.tags:
            query["tags"] = {"$all": list(self.tags)}
        if self.created_min or self.created_max:
            bounds: Dict[str, Any] = {}
            if self.created_min:
                bounds["$gte"] = self.created_min
            if self.created_max:
                bounds["$lte"] = self.created_max
            query["created"] = bounds
        clauses = [self._duration_clause("$gte", self.min_duration), self._duration_clause("$lte", self.max_duration)]
        clauses = [clause for clause in clauses if clause]
        if clauses:
            query["$and"] = clauses
        query.update(self.extra)
        return query

    @staticmethod
    def _duration_clause(op: str, seconds: Optional[float], at: Optional[datetime] = None
                         ) -> Optional[Dict[str, Any]]:
        """Finished jobs by their stored duration, running ones by their start time."""
        if seconds is None:
            return None
        started_op = "$lte" if op == "$gte" else "$gte"
        return {"$or": [{"duration": {op: seconds}},
                        {"finished": None,
                         "started": {"$ne": None, started_op: (at or now()) - timedelta(seconds=seconds)}}]}

    # ----- the same conditions, checked on a document read -----
    def matches(self, doc: Mapping[str, Any], at: datetime) -> bool:
        """Whether a stored job (with :data:`MATCH_FIELDS`) meets :meth:`query` as the store would decide it.

        ``at`` is the instant the running jobs' durations are taken at. Filters with ``extra`` are not checked
        here (callers send those to the store).
        """
        return self._matches_kind(doc) and self._matches_created(doc) and self._matches_durations(doc, at)

    def _matches_kind(self, doc: Mapping[str, Any]) -> bool:
        if self.access and doc.get("access") != self.access:
            return False
        if self.process and doc.get("process") != self.process:
            return False
        service = doc.get("service")
        if self.service:
            if service != self.service:
                return False
        elif self.job_type == "process" and service is not None:
            return False
        elif self.job_type == "provider" and service is None:
            return False
        if self.status and doc.get("status") not in self.status:
            return False
        if self.user_id is not None and doc.get("user_id") != self.user_id:
            return False
        if self.tags:
            tags = doc.get("tags")
            held = set(tags) if isinstance(tags, list) else {tags}
            if not set(self.tags) <= held:
                return False
        return True

    def _matches_created(self, doc: Mapping[str, Any]) -> bool:
        if not self.dated:
            return True
        created = doc.get("created")
        if not isinstance(created, datetime):
            return False
        created = as_utc(created)
        low, high = stored_instant(self.created_min), stored_instant(self.created_max)
        return (low is None or created >= low) and (high is None or created <= high)

    def _matches_durations(self, doc: Mapping[str, Any], at: datetime) -> bool:
        for seconds, at_least in ((self.min_duration, True), (self.max_duration, False)):
            if seconds is not None and not _duration_meets(doc, seconds, at_least, at):
                return False
        return True


def _duration_meets(doc: Mapping[str, Any], seconds: float, at_least: bool, at: datetime) -> bool:
    duration = doc.get("duration")
    if is_number(duration) and not math.isnan(duration):
        if duration >= seconds if at_least else duration <= seconds:
            return True
    started = doc.get("started")
    if doc.get("finished") is not None or not isinstance(started, datetime):
        return False
    cutoff = stored_instant(at - timedelta(seconds=seconds))
    return as_utc(started) <= cutoff if at_least else as_utc(started) >= cutoff


