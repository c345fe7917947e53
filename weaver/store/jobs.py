"""Job store on MongoDB: writes, the lifecycle guards of workers and reaper, and listing totals.

Two pieces of bookkeeping keep listings fast on stores whose queries cost time per matching document:

- every job gets an insertion sequence number ``seq`` (newest = highest), so that the newest page of a listing
  is read from a narrow ``seq`` window instead of sorting every match (see :mod:`weaver.store.job_query`);
- ``job_tallies`` counts jobs per kind (access, process, provider, tags) and status, with a rollup per access,
  moved by one request on every status change, so that the ``total`` of a listing is a sum over a few tallies
  instead of a count of every match (see :mod:`weaver.store.job_tallies`); each tally also keeps the highest
  ``seq`` of its kind, where the windows of a listing start, and counts finished jobs per range of durations;
- ``job_block_tallies`` counts finished jobs per block of sequence numbers, for the totals of ``created``
  intervals (see :mod:`weaver.store.job_block_tallies`).

They are rebuilt from the jobs themselves at start (:meth:`MongodbJobStore.create_indexes`).

Writes that change a job's status are compare-and-set on the status: the status a caller last saw (kept on the
:class:`Job` as ``stored_status``) guards the update, so the usual write is a single request; a caller that saw
a stale status reads the job again and retries.
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import pymongo
from pymongo import ReturnDocument
from pymongo.database import Database

from weaver.datatype.job import Job, now
from weaver.exceptions import JobNotFound, JobRegistrationError
from weaver.status import FINISHED_STATUSES
from weaver.store.job_block_tallies import BlockTallies
from weaver.store.job_filters import JobFilters
from weaver.store.job_query import JobQueryMixin
from weaver.store.job_tallies import KIND_FIELDS, TALLIES_VERSION, JobTallies, Tally, kind_of

# owned by the running task's heartbeat thread: whole-document writes of the task must never roll it back
HEARTBEAT_FIELD = "heartbeat_expires"
# reads of a job before a guarded write, should concurrent writes keep moving it
CAS_ATTEMPTS = 5
# the shapes listings query, each with the insertion sequence last (newest pages come from a seq window);
# no index leads with (access, <other field>): a planner may pick it for a window query and scan every job
# (every index costs each write of a job: the embedded store rewrites every index entry of a document it updates)
LISTING_INDEXES: Sequence[Sequence[str]] = (
    ("access", "seq"), ("access", "process", "seq"), ("access", "service", "seq"), ("access", "status", "seq"),
    ("access", "process", "status", "seq"), ("access", "tags", "seq"),
    ("finished", "seq"), ("duration", "seq"),  # sorts by end time, duration filters: a range of the index
)
# the reaper's lookups: queued jobs by last update; running ones (few) by status, their heartbeat checked on each
REAPER_INDEX = (("status", pymongo.ASCENDING), ("updated", pymongo.ASCENDING))
# indexes of earlier versions no query uses any more (kept, they would only slow every write down)
OBSOLETE_INDEXES = ("user_id_1_seq_-1", f"status_1_{HEARTBEAT_FIELD}_1")
# never written by an update: set once when the job is stored (its kind) or owned by a single writer
NOT_UPDATED = ("id", "seq", HEARTBEAT_FIELD) + KIND_FIELDS
# what a tally move needs of a job
TALLIED_PROJECTION = {"_id": False, "status": True, "seq": True, "duration": True,
                      **{name: True for name in KIND_FIELDS}}


def _stored(doc: Mapping[str, Any]) -> Job:
    """A job as read from the store, remembering the status it was read with (the guard of its next write)."""
    job = Job(doc)
    job.stored_status = job.status
    return job


def _status_allows(condition: Any, status: str) -> bool:
    """Whether ``status`` satisfies a query condition on the status (equality, ``$in`` or ``$nin``)."""
    if isinstance(condition, dict):
        if "$in" in condition:
            return status in condition["$in"]
        if "$nin" in condition:
            return status not in condition["$nin"]
        return False
    return condition == status


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=now().tzinfo) if value.tzinfo is None else value


class MongodbJobStore(JobQueryMixin):
    """Jobs collection: insert, fetch by id, update whole or by fields, lifecycle guards, listings."""

    def __init__(self, database: Database) -> None:
        self.collection = database["jobs"]
        self.tallies = JobTallies(database["job_tallies"], BlockTallies(database["job_block_tallies"]))
        self.meta = database["job_meta"]
        self._legacy_counters = database["job_counts"]

    # ----- start -----
    def create_indexes(self) -> None:
        """Indexes of every query shape, then the sequence numbers and tallies checked against the jobs."""
        self.collection.create_index([("id", pymongo.ASCENDING)], unique=True)
        for fields in LISTING_INDEXES:
            order = pymongo.DESCENDING if fields[-1] in ("seq", "created", "finished") else pymongo.ASCENDING
            self.collection.create_index([(name, pymongo.ASCENDING) for name in fields[:-1]] + [(fields[-1], order)])
        self.collection.create_index(list(REAPER_INDEX))
        for name in set(OBSOLETE_INDEXES) & set(self.collection.index_information()):
            self.collection.drop_index(name)
        self._legacy_counters.drop()  # per-counter documents of earlier versions, replaced by the tallies
        self._number_unsequenced()
        if self.tallies_drifted() or self._tallies_version() != TALLIES_VERSION:
            self.rebuild_tallies()  # after an upgrade too: tallies of earlier versions lack what listings read

    def _tallies_version(self) -> int:
        doc = self.meta.find_one({"_id": "tallies"})
        return int(doc.get("version") or 1) if doc else 1

    def _tally_totals(self) -> tuple:
        by_kind, by_access = self.tallies.grand_totals()
        by_block = self.tallies.blocks.grand_total(self.tallies.read({}, None).kinds)
        finished = self.collection.count_documents({"status": {"$in": sorted(FINISHED_STATUSES)}})
        return by_kind, by_access, self.collection.count_documents({}), by_block, finished

    def tallies_match(self, totals: Optional[tuple] = None) -> bool:
        """Whether the tallies of the kinds and of the rollups add up to the number of jobs, and those of the
        blocks to the number of finished jobs."""
        by_kind, by_access, jobs, by_block, finished = totals or self._tally_totals()
        return by_kind == by_access == jobs and by_block == finished

    def tallies_drifted(self, settle_seconds: float = 0.5) -> bool:
        """Whether the tallies disagree with the jobs and nothing moves (else a rebuild is due, e.g. after an upgrade).

        A process starting while others write may catch a job stored a moment before its tally moved: the
        difference must hold still over ``settle_seconds`` before a rebuild overwrites tallies others move.
        """
        first = self._tally_totals()
        if self.tallies_match(first):
            return False
        time.sleep(settle_seconds)
        second = self._tally_totals()
        return second == first

    def _number_unsequenced(self) -> None:
        docs = list(self.collection.find({"seq": {"$exists": False}}, {"_id": False, "id": True, "created": True}))
        for doc in sorted(docs, key=lambda item: item.get("created") or now()):
            self.collection.update_one({"id": doc["id"]}, {"$set": {"seq": self._next_seq()}})

    def rebuild_tallies(self) -> None:
        """Recount every tally from the jobs (linear: at start only)."""
        self.tallies.rebuild(self.collection.find({}, TALLIED_PROJECTION))
        self.meta.update_one({"_id": "tallies"}, {"$set": {"version": TALLIES_VERSION}}, upsert=True)

    def _next_seq(self) -> int:
        doc = self.meta.find_one_and_update({"_id": "jobs"}, {"$inc": {"seq": 1}}, upsert=True,
                                            return_document=ReturnDocument.AFTER)
        return int(doc["seq"])

    def last_seq(self) -> int:
        doc = self.meta.find_one({"_id": "jobs"})
        return int(doc["seq"]) if doc else 0

    # ----- writes -----
    def insert_job(self, job: Job) -> Job:
        """Store a new job; it is readable by anyone as soon as this returns."""
        job["updated"] = now()
        kind = kind_of(job)
        job["seq"] = self._next_seq()
        # before the insert: a worker may move the job right after it
        self.tallies.move(kind, None, job.status, job["seq"], job.get("duration"))
        try:
            self.collection.insert_one(job.params())
        except pymongo.errors.PyMongoError as exc:
            self.tallies.move(kind, job.status, None, job["seq"], job.get("duration"))
            raise JobRegistrationError(f"Failed to store {job}: {exc}") from exc
        job.stored_status = job.status
        return job

    def fetch_by_id(self, job_id: str) -> Job:
        doc = self.collection.find_one({"id": str(job_id)}, {"_id": False})
        if not doc:
            raise JobNotFound(f"Could not find job with specified 'job_id': {job_id}",
                              cause={"name": "job_id", "in": "path", "value": str(job_id)})
        return _stored(doc)

    def _set(self, query: Dict[str, Any], fields: Dict[str, Any], push: Optional[Dict[str, Any]] = None,
             known: Optional[Mapping[str, Any]] = None) -> bool:
        """``$set`` (and ``$push``) on the job ``query`` selects; returns whether it matched.

        A write that changes the status is guarded by the status it replaces, so that the tally of the job moves
        from the right status even when writers race: ``known`` (a job as last read or written) gives that
        status without a read; when it is stale or absent, the job is read, and read again if it moves meanwhile.
        """
        update: Dict[str, Any] = {"$set": {k: v for k, v in fields.items() if k not in NOT_UPDATED}}
        if push:
            update["$push"] = push
        new_status = fields.get("status")
        if new_status is None:  # no tally moves: one conditional update does it
            return bool(self.collection.update_one(query, update).matched_count)
        expected = getattr(known, "stored_status", None) if known is not None else None
        kind = kind_of(known) if known is not None else None
        seq = known.get("seq") if known is not None else None
        duration = known.get("duration") if known is not None else None
        for _ in range(CAS_ATTEMPTS + 1):
            if expected is None or seq is None or not _status_allows(query.get("status", expected), expected):
                before = self.collection.find_one(query, TALLIED_PROJECTION)
                if before is None:
                    return False
                expected, kind, seq, duration = before["status"], kind_of(before), before.get("seq"), \
                    before.get("duration")
            if self.collection.update_one(dict(query, status=expected), update).matched_count:
                if kind is not None:  # a duration, set once a job finishes, never changes after
                    self.tallies.move(kind, expected, new_status, seq, fields.get("duration", duration))
                if isinstance(known, Job):
                    known.stored_status = new_status
                return True
            expected = None  # moved meanwhile (or never was what the caller believed): read it
        raise JobRegistrationError(f"Job {query.get('id')} kept moving: write given up after {CAS_ATTEMPTS} tries.")

    def update_job(self, job: Job, unless_status: Optional[Sequence[str]] = None) -> bool:
        """Write the whole job document (at milestones, never per log line).

        With ``unless_status``, nothing is written when the stored job holds one of those statuses (a job
        dismissed meanwhile stays dismissed); returns whether the job was written.
        """
        job["updated"] = now()
        if job.started and job.finished:
            job["duration"] = (job.finished - job.started).total_seconds()
        query: Dict[str, Any] = {"id": job.id}
        if unless_status:
            query["status"] = {"$nin": list(unless_status)}
        matched = self._set(query, job.params(), known=job)
        if not matched and not unless_status:
            raise JobNotFound(f"Could not find job with specified 'job_id': {job.id}")
        return matched

    def update_fields(self, job_id: str, fields: Dict[str, Any], only_if_status: Optional[Iterable[str]] = None
                      ) -> bool:
        """Set some fields, optionally only while the job holds one of the given statuses (atomic guard)."""
        query: Dict[str, Any] = {"id": str(job_id)}
        if only_if_status is not None:
            query["status"] = {"$in": list(only_if_status)}
        return self._set(query, dict(fields, updated=now()))

    # ----- worker lifecycle -----
    def claim_job(self, job: Job, claimable: Sequence[str], running: Sequence[str], fields: Dict[str, Any]
                  ) -> Optional[Job]:
        """Atomically take a job for execution: the job with ``fields`` written; None when it is not claimable.

        A job is claimable in one of ``claimable`` statuses (accepted, queued), or in one of ``running`` whose
        heartbeat expired (its worker died and the broker redelivered the task). The write is guarded by the
        status the job was read with, and by the expired heartbeat for a running one: of two workers racing for
        the same job, one wins. ``fields`` may hold anything the claim writes at once (status, first log lines).
        """
        status = job.stored_status or job.status
        if status in claimable:
            query: Dict[str, Any] = {"id": job.id, "status": status}
        elif status in running and job.get(HEARTBEAT_FIELD) is not None and _aware(job[HEARTBEAT_FIELD]) < now():
            query = {"id": job.id, "status": status, HEARTBEAT_FIELD: job[HEARTBEAT_FIELD]}
        else:
            return None
        fields = dict(fields, updated=now())
        update = {"$set": {k: v for k, v in fields.items() if k not in ("id", "seq") + KIND_FIELDS}}
        if not self.collection.update_one(query, update).matched_count:
            return None
        if "status" in fields:
            self.tallies.move(kind_of(job), status, fields["status"], job.get("seq"), fields.get("duration"))
        claimed = Job(dict(job, **fields))
        claimed.stored_status = fields.get("status", status)
        return claimed

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
        return [_stored(doc) for doc in docs[:limit]]

    def find_unfinished(self, statuses: Sequence[str], older_than_seconds: float, limit: int = 100) -> List[Job]:
        """Jobs not updated for a while in the given statuses (queued jobs the reaper checks)."""
        cutoff = now() - timedelta(seconds=older_than_seconds)
        docs: List[Dict[str, Any]] = []
        for status in statuses:
            docs.extend(self.collection.find({"status": status, "updated": {"$lt": cutoff}},
                                             {"_id": False, "logs": False}).limit(limit))
        return [_stored(doc) for doc in docs[:limit]]

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
        return self._set(dict(expected, id=job.id), fields, push, known=job)

    # ----- removal -----
    def delete_job(self, job_id: str) -> bool:
        before = self.collection.find_one_and_delete({"id": str(job_id)}, projection=TALLIED_PROJECTION)
        if before is not None:
            self.tallies.move(kind_of(before), before.get("status"), None, before.get("seq"), before.get("duration"))
        return before is not None

    def clear_jobs(self) -> None:
        self.collection.delete_many({})
        self.tallies.clear()

    # ----- listings -----
    def kind_tally(self, filters: JobFilters) -> Optional[Tally]:
        """The tally of the kinds of jobs ``filters`` select, time and duration aside (None: no tally selects them).

        Exact for countable filters; else an upper bound per status, and the highest ``seq`` a match may have.
        """
        kinds = replace(filters, created_min=None, created_max=None, min_duration=None, max_duration=None)
        if not kinds.countable:
            return None
        return self.tallies.read(kinds.tally_selection(), kinds.status)

    def count_jobs(self, filters: JobFilters) -> int:
        """Total of a listing: from the tallies when the filters allow it, else a count of the matches."""
        if filters.countable:
            return self.tallies.total(filters.tally_selection(), filters.status)
        return self.count_matches(filters)
