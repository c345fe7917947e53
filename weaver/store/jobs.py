"""Job store on MongoDB: writes, the lifecycle guards of workers and reaper, and listing counters.

Two pieces of bookkeeping keep listings fast on stores whose queries cost time per matching document:

- every job gets an insertion sequence number ``seq`` (newest = highest), so that the newest page of a listing
  is read from a narrow ``seq`` window instead of sorting every match (see :mod:`weaver.store.job_query`);
- ``job_counts`` holds one counter per (access, status, process, service) and one more per tag, moved on
  every status change, so that the ``total`` of the common listings (and of listings by one tag) is a sum
  over a few counters instead of a count of every match.

Both are rebuilt from the jobs themselves at start (:meth:`MongodbJobStore.create_indexes`).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import pymongo
from pymongo import ReturnDocument, UpdateOne
from pymongo.database import Database

from weaver.datatype.job import Job, now
from weaver.exceptions import JobNotFound, JobRegistrationError
from weaver.store.job_query import JobFilters, JobQueryMixin

COUNTER_FIELDS = ("access", "status", "process", "service")
# owned by the running task's heartbeat thread: whole-document writes of the task must never roll it back
HEARTBEAT_FIELD = "heartbeat_expires"
# reads of a job before a guarded write, should concurrent writes keep moving it
CAS_ATTEMPTS = 5
# the shapes listings query, each with the insertion sequence last (newest pages come from a seq window);
# no index leads with (access, <other field>): a planner may pick it for a window query and scan every job
LISTING_INDEXES: Sequence[Sequence[str]] = (
    ("access", "seq"), ("access", "process", "seq"), ("access", "service", "seq"), ("access", "status", "seq"),
    ("access", "process", "status", "seq"), ("access", "tags", "seq"), ("user_id", "seq"),
)


def _counter_keys(doc: Dict[str, Any]) -> List[Tuple[Any, ...]]:
    """The counters a job counts in: one without tag (every listing) and one per tag (listings by one tag)."""
    base = tuple(doc.get(name) for name in COUNTER_FIELDS)
    return [base + (tag,) for tag in [None] + sorted(set(doc.get("tags") or []))]


def _counter_doc(key: Tuple[Any, ...]) -> Dict[str, Any]:
    return dict(zip(COUNTER_FIELDS + ("tag",), key))


class MongodbJobStore(JobQueryMixin):
    """Jobs collection: insert, fetch by id, update whole or by fields, lifecycle guards, listings."""

    def __init__(self, database: Database) -> None:
        self.collection = database["jobs"]
        self.counters = database["job_counts"]
        self.meta = database["job_meta"]

    # ----- start -----
    def create_indexes(self) -> None:
        """Indexes of every query shape, then the sequence numbers and counters checked against the jobs."""
        self.collection.create_index([("id", pymongo.ASCENDING)], unique=True)
        for fields in LISTING_INDEXES:
            order = pymongo.DESCENDING if fields[-1] in ("seq", "created", "finished") else pymongo.ASCENDING
            self.collection.create_index([(name, pymongo.ASCENDING) for name in fields[:-1]] + [(fields[-1], order)])
        self.collection.create_index([("status", pymongo.ASCENDING), (HEARTBEAT_FIELD, pymongo.ASCENDING)])
        self.collection.create_index([("status", pymongo.ASCENDING), ("updated", pymongo.ASCENDING)])
        self._number_unsequenced()
        if self.counters_drifted():
            self.rebuild_counters()

    def _counter_totals(self) -> Tuple[int, int]:
        counted = sum(doc.get("n", 0) for doc in self.counters.find({"tag": None}, {"_id": False, "n": True}))
        return counted, self.collection.count_documents({})

    def counters_match(self) -> bool:
        """Whether the counters add up to the number of jobs."""
        counted, actual = self._counter_totals()
        return counted == actual

    def counters_drifted(self, settle_seconds: float = 0.5) -> bool:
        """Whether the counters disagree with the jobs and nothing moves (else a rebuild is due, e.g. after an upgrade).

        A process starting while others write may catch a job stored a moment before its counter moved: the
        difference must hold still over ``settle_seconds`` before a rebuild overwrites counters others move.
        """
        first = self._counter_totals()
        if first[0] == first[1]:
            return False
        time.sleep(settle_seconds)
        second = self._counter_totals()
        return second == first

    def _number_unsequenced(self) -> None:
        docs = list(self.collection.find({"seq": {"$exists": False}}, {"_id": False, "id": True, "created": True}))
        for doc in sorted(docs, key=lambda item: item.get("created") or now()):
            self.collection.update_one({"id": doc["id"]}, {"$set": {"seq": self._next_seq()}})

    def rebuild_counters(self) -> None:
        """Recount every counter from the jobs (linear: at start only)."""
        groups: Dict[Tuple[Any, ...], int] = {}
        projection = {"_id": False, "tags": True, **{name: True for name in COUNTER_FIELDS}}
        for doc in self.collection.find({}, projection):
            for key in _counter_keys(doc):
                groups[key] = groups.get(key, 0) + 1
        # set, never insert: the web app and the workers may rebuild at the same time without doubling counts
        for key, count in groups.items():
            self.counters.update_one(_counter_doc(key), {"$set": {"n": count}}, upsert=True)
        for doc in self.counters.find({}, {"_id": True, "tag": True, **{name: True for name in COUNTER_FIELDS}}):
            if tuple(doc.get(name) for name in COUNTER_FIELDS + ("tag",)) not in groups:
                self.counters.delete_one({"_id": doc["_id"]})

    def _next_seq(self) -> int:
        doc = self.meta.find_one_and_update({"_id": "jobs"}, {"$inc": {"seq": 1}}, upsert=True,
                                            return_document=ReturnDocument.AFTER)
        return int(doc["seq"])

    def last_seq(self) -> int:
        doc = self.meta.find_one({"_id": "jobs"})
        return int(doc["seq"]) if doc else 0

    def _count_move(self, before: Optional[Dict[str, Any]], after: Optional[Dict[str, Any]]) -> None:
        old = _counter_keys(before) if before else []
        new = _counter_keys(after) if after else []
        # one request for every counter a move touches (a job counts in one counter per tag): about a third
        # less time in the embedded store than one request per counter
        moves = [UpdateOne(_counter_doc(key), {"$inc": {"n": -1}}, upsert=True) for key in old if key not in new]
        moves += [UpdateOne(_counter_doc(key), {"$inc": {"n": 1}}, upsert=True) for key in new if key not in old]
        if moves:
            self.counters.bulk_write(moves, ordered=False)

    # ----- writes -----
    def insert_job(self, job: Job) -> Job:
        """Store a new job; it is readable by anyone as soon as this returns."""
        job["updated"] = now()
        self._count_move(None, job)  # before the insert: a worker may move the job's counters right after it
        try:
            job["seq"] = self._next_seq()
            self.collection.insert_one(job.params())
        except pymongo.errors.PyMongoError as exc:
            self._count_move(job, None)
            raise JobRegistrationError(f"Failed to store {job}: {exc}") from exc
        return job

    def fetch_by_id(self, job_id: str) -> Job:
        doc = self.collection.find_one({"id": str(job_id)}, {"_id": False})
        if not doc:
            raise JobNotFound(f"Could not find job with specified 'job_id': {job_id}",
                              cause={"name": "job_id", "in": "path", "value": str(job_id)})
        return Job(doc)

    def _set(self, query: Dict[str, Any], fields: Dict[str, Any], push: Optional[Dict[str, Any]] = None
             ) -> Optional[Dict[str, Any]]:
        """``$set`` (and ``$push``) on one job; returns its counted fields before the write (None: no match)."""
        projection = {"_id": False, "tags": True, **{name: True for name in COUNTER_FIELDS}}
        update: Dict[str, Any] = {"$set": fields}
        if push:
            update["$push"] = push
        before = self._read_then_write(query, update, projection)
        if before is not None:
            moved = {k: v for k, v in fields.items() if k in COUNTER_FIELDS or k == "tags"}
            self._count_move(before, dict(before, **moved))
        return before

    def _read_then_write(self, query: Dict[str, Any], update: Dict[str, Any], projection: Dict[str, Any]
                         ) -> Optional[Dict[str, Any]]:
        """Apply ``update`` to the job matching ``query``; return its projected fields as they were before.

        Same effect as ``find_one_and_update``, which the embedded store answers by scanning every job (150 ms
        at 10k jobs, on every milestone write): read by the indexed query, then write only if the projected
        fields still hold what was read, and read again if a concurrent write moved them meanwhile.
        """
        for _ in range(CAS_ATTEMPTS):
            before = self.collection.find_one(query, projection)
            if before is None:
                return None
            guard = dict(query)  # the values read satisfy the query's conditions on these fields: pin them
            guard.update({name: before.get(name) for name in projection if name != "_id"})
            if self.collection.update_one(guard, update).matched_count:
                return before
        return self.collection.find_one_and_update(query, update, projection=projection)

    def update_job(self, job: Job, unless_status: Optional[Sequence[str]] = None) -> bool:
        """Write the whole job document (at milestones, never per log line).

        With ``unless_status``, nothing is written when the stored job holds one of those statuses (a job
        dismissed meanwhile stays dismissed); returns whether the job was written.
        """
        job["updated"] = now()
        if job.started and job.finished:
            job["duration"] = (job.finished - job.started).total_seconds()
        params = job.params()
        for name in ("id", "seq", HEARTBEAT_FIELD):
            params.pop(name, None)
        query: Dict[str, Any] = {"id": job.id}
        if unless_status:
            query["status"] = {"$nin": list(unless_status)}
        matched = self._set(query, params) is not None
        if not matched and not unless_status:
            raise JobNotFound(f"Could not find job with specified 'job_id': {job.id}")
        return matched

    def update_fields(self, job_id: str, fields: Dict[str, Any], only_if_status: Optional[Iterable[str]] = None
                      ) -> bool:
        """Set some fields, optionally only while the job holds one of the given statuses (atomic guard)."""
        query: Dict[str, Any] = {"id": str(job_id)}
        if only_if_status is not None:
            query["status"] = {"$in": list(only_if_status)}
        return self._set(query, dict(fields, updated=now())) is not None

    # ----- worker lifecycle -----
    def claim_job(self, job_id: str, claimable: Sequence[str], running: Sequence[str], fields: Dict[str, Any]
                  ) -> Optional[Job]:
        """Atomically take a job for execution; None when another live worker holds it or it is finished.

        A job is claimable in one of ``claimable`` statuses (accepted, queued), or in one of ``running`` whose
        heartbeat expired (its worker died and the broker redelivered the task). One conditional update per
        status, each selecting by id: a store may plan ``$or`` as a scan of every job.
        """
        fields = dict(fields, updated=now())
        for status in claimable:
            if self._set({"id": str(job_id), "status": status}, fields) is not None:
                return self.fetch_by_id(job_id)
        for status in running:
            query = {"id": str(job_id), "status": status, HEARTBEAT_FIELD: {"$lt": now()}}
            if self._set(query, fields) is not None:
                return self.fetch_by_id(job_id)
        return None

    def heartbeat(self, job_id: str, expires: datetime, running: Sequence[str]) -> bool:
        """Push the heartbeat expiry of a running job (never touches a job that finished)."""
        result = self.collection.update_one({"id": str(job_id), "status": {"$in": list(running)}},
                                            {"$set": {HEARTBEAT_FIELD: expires}})
        return bool(result.matched_count)

    def find_expired_heartbeats(self, running: Sequence[str], limit: int = 100) -> List[Job]:
        """Running jobs whose worker stopped beating (killed, host lost)."""
        docs: List[Dict[str, Any]] = []
        for status in running:  # equalities: a store may scan every job for an ``$in``
            docs.extend(self.collection.find({"status": status, HEARTBEAT_FIELD: {"$lt": now()}},
                                             {"_id": False, "logs": False}).limit(limit))
        return [Job(doc) for doc in docs[:limit]]

    def find_unfinished(self, statuses: Sequence[str], older_than_seconds: float, limit: int = 100) -> List[Job]:
        """Jobs not updated for a while in the given statuses (queued jobs the reaper checks)."""
        cutoff = now() - timedelta(seconds=older_than_seconds)
        docs: List[Dict[str, Any]] = []
        for status in statuses:
            docs.extend(self.collection.find({"status": status, "updated": {"$lt": cutoff}},
                                             {"_id": False, "logs": False}).limit(limit))
        return [Job(doc) for doc in docs[:limit]]

    def fail_orphan(self, job: Job, expected: Dict[str, Any], message: str) -> bool:
        """Mark an orphan failed, only if it still holds exactly what the reaper saw (``expected`` fields).

        Status, message, log line and error are written in one update: a reader never sees one without the other.
        """
        finished = now()
        fields = {"status": "failed", "status_message": message, "finished": finished, "updated": finished}
        if job.started:
            fields["duration"] = (finished - job.started).total_seconds()
        line_maker = Job(dict(job, status="failed", logs=[], exceptions=[]))
        line_maker.save_log(message, level=logging.ERROR)
        push = {"logs": line_maker["logs"][-1], "exceptions": message}
        return self._set(dict(expected, id=job.id), fields, push) is not None

    # ----- removal -----
    def delete_job(self, job_id: str) -> bool:
        projection = {"_id": False, "tags": True, **{name: True for name in COUNTER_FIELDS}}
        before = self.collection.find_one_and_delete({"id": str(job_id)}, projection=projection)
        if before is not None:
            self._count_move(before, None)
        return before is not None

    def clear_jobs(self) -> None:
        self.collection.delete_many({})
        self.counters.delete_many({})

    # ----- listings -----
    def count_jobs(self, filters: JobFilters) -> int:
        """Total of a listing: from the counters when the filters allow it, else a count of the matches."""
        if filters.countable:
            query = dict(filters.counter_query(), tag=filters.tags[0] if filters.tags else None)
            return int(sum(doc.get("n", 0) for doc in self.counters.find(query, {"_id": False, "n": True})))
        return self.collection.count_documents(filters.query())
