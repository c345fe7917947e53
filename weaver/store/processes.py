"""Process store on MongoDB."""
from __future__ import annotations

from typing import List, Optional, Tuple

import pymongo
from pymongo.database import Database

from weaver.datatype.process import Process
from weaver.exceptions import ProcessNotAccessible, ProcessNotFound, ProcessRegistrationError
from weaver.visibility import Visibility


class MongodbProcessStore:
    """Processes collection, keyed by the unique ``identifier``."""

    def __init__(self, database: Database) -> None:
        self.collection = database["processes"]

    def create_indexes(self) -> None:
        self.collection.create_index([("identifier", pymongo.ASCENDING)], unique=True)
        self.collection.create_index([("visibility", pymongo.ASCENDING), ("identifier", pymongo.ASCENDING)])

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
        if not doc or (version and doc.get("version") != version):
            raise ProcessNotFound(f"Process with ID '{process_id}' does not exist.",
                                  cause={"name": "process_id", "in": "path", "value": str(process_id)})
        process = Process.from_stored(doc)
        if visibility is not None and process.visibility != visibility:
            raise ProcessNotAccessible(f"Process with ID '{process_id}' is not accessible.")
        return process

    def list_processes(self, visibility: Optional[str] = Visibility.PUBLIC.value, page: int = 0,
                       limit: Optional[int] = None) -> Tuple[List[Process], int]:
        query = {"visibility": visibility} if visibility else {}
        cursor = self.collection.find(query).sort("identifier", pymongo.ASCENDING)
        if limit is not None:
            cursor = cursor.skip(page * limit).limit(limit)
        return [Process.from_stored(doc) for doc in cursor], self.collection.count_documents(query)

    def delete_process(self, process_id: str) -> bool:
        return bool(self.collection.delete_one({"identifier": process_id}).deleted_count)
