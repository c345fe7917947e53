"""Process store on MongoDB."""
from __future__ import annotations

from typing import List, Optional, Tuple

import pymongo
from pymongo.database import Database

from weaver.datatype.process import Process
from weaver.exceptions import ProcessNotAccessible, ProcessNotFound, ProcessRegistrationError
from weaver.visibility import Visibility

REVISION_OF = "revision_of"


class MongodbProcessStore:
    """Processes collection, keyed by the unique ``identifier``."""

    def __init__(self, database: Database) -> None:
        self.collection = database["processes"]

    def create_indexes(self) -> None:
        self.collection.create_index([("identifier", pymongo.ASCENDING)], unique=True)
        self.collection.create_index([("visibility", pymongo.ASCENDING), ("identifier", pymongo.ASCENDING)])
        self.collection.create_index([(REVISION_OF, pymongo.ASCENDING)])

    def save_process(self, process: Process, overwrite: bool = False) -> Process:
        params = process.params()
        if overwrite:
            self.collection.replace_one({"identifier": process.id}, params, upsert=True)
            return process
        try:
            self.collection.insert_one(params)
        except pymongo.errors.DuplicateKeyError as exc:
            raise ProcessRegistrationError(f"Process '{process.id}' already exists.") from exc
        return process

    def fetch_by_id(self, process_id: str, visibility: Optional[str] = None) -> Process:
        """A process by id (``id:version`` accepted); ``visibility`` demands that visibility or raises 403."""
        pid, _, version = str(process_id).partition(":")
        doc = self.collection.find_one({"identifier": pid})
        if version and (not doc or doc.get("version") != version):
            doc = self.collection.find_one({"identifier": f"{pid}:{version}"})  # an older revision
        if not doc or (version and doc.get("version") != version):
            raise ProcessNotFound(f"Process with ID '{process_id}' does not exist.",
                                  cause={"name": "process_id", "in": "path", "value": str(process_id)})
        process = Process.from_stored(doc)
        if visibility is not None and process.visibility != visibility:
            raise ProcessNotAccessible(f"Process with ID '{process_id}' is not accessible.")
        return process

    def list_processes(self, visibility: Optional[str] = Visibility.PUBLIC.value, page: int = 0,
                       limit: Optional[int] = None) -> Tuple[List[Process], int]:
        query: dict = {"visibility": visibility} if visibility else {}
        query[REVISION_OF] = None  # older revisions are reached by ``id:version`` only
        cursor = self.collection.find(query).sort("identifier", pymongo.ASCENDING)
        if limit is not None:
            cursor = cursor.skip(page * limit).limit(limit)
        return [Process.from_stored(doc) for doc in cursor], self.collection.count_documents(query)

    def delete_process(self, process_id: str) -> bool:
        return bool(self.collection.delete_one({"identifier": process_id}).deleted_count)

    def save_revision(self, process: Process) -> Process:
        """Keep a copy of a process version under ``id:version`` before a newer version replaces it."""
        revision = Process(process, id=f"{process.id}:{process.version}", **{REVISION_OF: process.id})
        try:
            self.collection.insert_one(revision.params())
        except pymongo.errors.DuplicateKeyError as exc:
            raise ProcessRegistrationError(f"Process '{revision.id}' already exists.") from exc
        return revision

    def list_versions(self, process_id: str) -> List[str]:
        """Every stored version of a process (older revisions and the latest)."""
        docs = self.collection.find({"$or": [{"identifier": process_id}, {REVISION_OF: process_id}]},
                                    {"version": True, "_id": False})
        return [str(doc.get("version")) for doc in docs]

    def delete_revisions(self, process_id: str) -> int:
        return int(self.collection.delete_many({REVISION_OF: process_id}).deleted_count)
