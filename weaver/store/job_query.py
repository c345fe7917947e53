"""Listing queries of the job store: filters, newest-first pages from sequence windows, groups.

The embedded store (and any store without covered sorts) pays for every document a query matches, even with a
limit. A page sorted by creation is therefore read from a window of insertion sequence numbers (``seq``) just
wide enough to hold it, estimated from the number of matches and widened until it does. Its cost follows the
page and its depth, not the number of stored jobs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pymongo

from weaver.datatype.job import Job, now

# a window holding this many times the documents a page needs is wide enough for uneven arrival rates
WINDOW_MARGIN = 1.5
WINDOW_GROWTH = 4
SORT_FIELDS = {"created": "seq", "finished": "finished", "updated": "updated", "status": "status",
               "process": "process", "service": "service", "provider": "service", "user": "user_id",
               "duration": "duration", "id": "id"}


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

    def window_queries(self) -> List[Dict[str, Any]]:
        """The query as a union of queries made of equalities only (one per status, the first tag).

        Stores that scan for ``$in``/``$all`` but walk a compound index for equalities answer these fast; the
        union is merged by sequence number and the other tags are checked on the documents read.
        """
        base = self.query()
        if self.tags:
            base["tags"] = self.tags[0]
        if not self.status:
            return [base]
        return [dict(base, status=status) for status in self.status]

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
    def _duration_clause(op: str, seconds: Optional[float]) -> Optional[Dict[str, Any]]:
        """Finished jobs by their stored duration, running ones by their start time."""
        if seconds is None:
            return None
        started_op = "$lte" if op == "$gte" else "$gte"
        return {"$or": [{"duration": {op: seconds}},
                        {"finished": None, "started": {"$ne": None, started_op: now() - timedelta(seconds=seconds)}}]}


class JobQueryMixin:
    """Listing reads over ``self.collection`` (needs ``count_jobs`` and ``last_seq`` from the store)."""

    collection: pymongo.collection.Collection

    def count_jobs(self, filters: JobFilters) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def last_seq(self) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def count_matches(self, filters: JobFilters) -> int:
        """Total of a listing the tallies cannot give (time and duration filters, user): a count of the matches."""
        return self.collection.count_documents(filters.query())

    def find_jobs(self, filters: JobFilters, *, sort: str = "created", ascending: bool = False, page: int = 0,
                  limit: int = 10, fields: Sequence[str] = ()) -> Tuple[List[Job], int]:
        """One page of matching jobs and the total of matches (newest first unless ``ascending``)."""
        total = self.count_jobs(filters)
        offset = page * limit
        if offset >= total:
            return [], total
        projection = {"_id": False, **{name: True for name in fields}} if fields else {"_id": False, "logs": False}
        query = filters.query()
        if SORT_FIELDS.get(sort, sort) == "seq":
            docs = self._page_by_seq(filters, projection, total, offset, limit, descending=not ascending)
        else:
            direction = pymongo.ASCENDING if ascending else pymongo.DESCENDING
            cursor = (self.collection.find(query, projection)
                      .sort([(SORT_FIELDS.get(sort, sort), direction), ("seq", direction)])
                      .skip(offset).limit(limit))
            docs = list(cursor)
        return [Job(doc) for doc in docs], total

    def _page_by_seq(self, filters: JobFilters, projection: Dict[str, Any], total: int, offset: int, limit: int,
                     descending: bool) -> List[Dict[str, Any]]:
        need = min(limit, total - offset)
        from_top = descending  # always from the newest end: a total off by a few never shifts the first pages
        wanted = offset + need
        top = self.last_seq()
        density = total / max(1, top)
        width = int(math.ceil(wanted / max(density, 1e-9) * WINDOW_MARGIN)) + limit
        queries = filters.window_queries()
        other_tags = set(filters.tags[1:]) if filters.tags else set()
        if other_tags:
            projection = dict(projection, tags=True) if "logs" not in projection else projection
        while True:
            bound = {"$gt": top - width} if from_top else {"$lte": width}
            found: Dict[Any, Dict[str, Any]] = {}
            for query in queries:
                for doc in self.collection.find(dict(query, seq=bound), projection):
                    if other_tags and not other_tags <= set(doc.get("tags") or []):
                        continue
                    found[doc.get("seq")] = doc
            if len(found) >= wanted:
                break
            if width >= top:  # short of what the total promised: jobs without sequence number, read them all
                for doc in self.collection.find(filters.query(), projection):
                    found.setdefault(doc["seq"] if doc.get("seq") is not None else doc.get("id"), doc)
                break
            width *= WINDOW_GROWTH
        docs = sorted(found.values(), key=lambda doc: doc.get("seq") or 0, reverse=from_top)
        return docs[offset:offset + need]

    def group_jobs(self, filters: JobFilters, group_by: Sequence[str], fields: Sequence[str] = ()
                   ) -> List[Dict[str, Any]]:
        """``[{category: {field: value}, jobs: [...], count}]`` of every match, newest first in each group."""
        projection = {"_id": False, **{name: True for name in fields}} if fields else {"_id": False, "logs": False}
        groups: Dict[Tuple[Any, ...], Dict[str, Any]] = {}
        for doc in self.collection.find(filters.query(), projection).sort("seq", pymongo.DESCENDING):
            key = tuple(_group_value(doc, name) for name in group_by)
            group = groups.setdefault(key, {"category": dict(zip(group_by, key)), "jobs": [], "count": 0})
            group["jobs"].append(Job(doc))
            group["count"] += 1
        return list(groups.values())


def _group_value(doc: Dict[str, Any], name: str) -> Any:
    value = doc.get(SORT_FIELDS.get(name, name))
    return tuple(value) if isinstance(value, list) else value
