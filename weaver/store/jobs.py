"""Job store on MongoDB."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import pymongo
from pymongo.database import Database

from weaver.datatype.job import Job, now
from weaver.exceptions import JobNotFound, JobRegistrationError

# fields a job listing needs to build status documents; logs and results stay out of listings
LISTING_FIELDS = ("id", "task_id", "process", "service", "status", "status_message", "progress", "created",
                  "started", "finished", "updated", "title", "access", "tags", "execution_mode", "context")


class MongodbJobStore:
    """Jobs collection: insert, fetch by id, update whole or by fields, page through listings."""

    def __init__(self, database: Database) -> None:
        self.collection = database["jobs"]

    def create_indexes(self) -> None:
        self.collection.create_index([("id", pymongo.ASCENDING)], unique=True)
        self.collection.create_index([("access", pymongo.ASCENDING), ("created", pymongo.DESCENDING)])
        self.collection.create_index([("process", pymongo.ASCENDING), ("created", pymongo.DESCENDING)])
        self.collection.create_index([("status", pymongo.ASCENDING), ("created", pymongo.DESCENDING)])

    def insert_job(self, job: Job) -> Job:
        """Store a new job; it is readable by anyone as soon as this returns."""
        job["updated"] = now()
        try:
            self.collection.insert_one(job.params())
        except pymongo.errors.PyMongoError as exc:
            raise JobRegistrationError(f"Failed to store {job}: {exc}") from exc
        return job

    def fetch_by_id(self, job_id: str) -> Job:
        doc = self.collection.find_one({"id": str(job_id)}, {"_id": False})
        if not doc:
            raise JobNotFound(f"Could not find job with specified 'job_id': {job_id}",
                              cause={"name": "job_id", "in": "path", "value": str(job_id)})
        return Job(doc)

    def update_job(self, job: Job, unless_status: Optional[Sequence[str]] = None) -> bool:
        """Write the whole job document (at milestones, never per log line).

        With ``unless_status``, nothing is written when the stored job holds one of those statuses (a job
        dismissed meanwhile stays dismissed); returns whether the job was written.
        """
        job["updated"] = now()
        params = job.params()
        params.pop("id", None)
        query: Dict[str, Any] = {"id": job.id}
        if unless_status:
            query["status"] = {"$nin": list(unless_status)}
        result = self.collection.update_one(query, {"$set": params})
        if not result.matched_count and not unless_status:
            raise JobNotFound(f"Could not find job with specified 'job_id': {job.id}")
        return bool(result.matched_count)

    def update_fields(self, job_id: str, fields: Dict[str, Any], only_if_status: Optional[Iterable[str]] = None
                      ) -> bool:
        """Set some fields, optionally only while the job holds one of the given statuses (atomic guard)."""
        query: Dict[str, Any] = {"id": str(job_id)}
        if only_if_status is not None:
            query["status"] = {"$in": list(only_if_status)}
        fields = dict(fields, updated=now())
        return bool(self.collection.update_one(query, {"$set": fields}).matched_count)

    def find_jobs(self, *, process: Optional[str] = None, service: Optional[str] = None,
                  status: Optional[Sequence[str]] = None, access: Optional[str] = None,
                  tags: Optional[Sequence[str]] = None, page: int = 0, limit: int = 10,
                  sort: str = "created", ascending: bool = False, fields: Sequence[str] = LISTING_FIELDS
                  ) -> Tuple[List[Job], int]:
        """One page of jobs matching the filters, newest first, and the total count of matches."""
        query: Dict[str, Any] = {}
        if process:
            query["process"] = process
        if service:
            query["service"] = service
        if status:
            query["status"] = {"$in": list(status)}
        if access:
            query["access"] = access
        if tags:
            query["tags"] = {"$all": list(tags)}
        projection = {name: True for name in fields}
        projection["_id"] = False
        cursor = (self.collection.find(query, projection)
                  .sort(sort, pymongo.ASCENDING if ascending else pymongo.DESCENDING)
                  .skip(page * limit).limit(limit))
        jobs = [Job(doc) for doc in cursor]
        total = self.collection.count_documents(query)
        return jobs, total

    def find_unfinished(self, statuses: Sequence[str], older_than_seconds: float) -> List[Job]:
        """Jobs not updated for a while in the given statuses (candidates for the orphan reaper)."""
        limit = now() - timedelta(seconds=older_than_seconds)
        docs = self.collection.find({"status": {"$in": list(statuses)}, "updated": {"$lt": limit}},
                                    {"_id": False, "logs": False})
        return [Job(doc) for doc in docs]

    def delete_job(self, job_id: str) -> bool:
        return bool(self.collection.delete_one({"id": str(job_id)}).deleted_count)

    def clear_jobs(self) -> None:
        self.collection.delete_many({})
