"""Listing totals kept as tallies: one document per kind of job, with a count per status.

A kind is what a job never changes after it is stored: its access, process, provider and tags. Its tally
document holds ``{"n": {status: count}}``, so a status change is one ``$inc`` of two fields of one document, and
the total of a listing is a sum over the few tallies its filters select (any number of tags included), instead
of a count of every matching job, which costs time per match on the embedded store.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from pymongo import UpdateOne
from pymongo.collection import Collection

# the fields of a job that make its kind (never written again once the job is stored)
KIND_FIELDS = ("access", "process", "service", "tags")


def kind_of(doc: Mapping[str, Any]) -> Dict[str, Any]:
    """The kind of a job: its immutable listing fields, tags sorted and unique."""
    return {"access": doc.get("access"), "process": doc.get("process"), "service": doc.get("service"),
            "tags": sorted(set(doc.get("tags") or []))}


def kind_key(kind: Mapping[str, Any]) -> str:
    """A stable identifier of a kind, used as its tally's ``_id``."""
    return json.dumps([kind.get(name) for name in KIND_FIELDS], sort_keys=True, default=str)


def _status_field(status: Any) -> str:
    return f"n.{status}"


class JobTallies:
    """Counts of jobs per kind and status, moved by the job store on every insert, status change and delete."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    def move(self, kind: Mapping[str, Any], old_status: Optional[str], new_status: Optional[str]) -> None:
        """One job of ``kind`` went from ``old_status`` to ``new_status`` (None: it did not exist / no longer does)."""
        if old_status == new_status:
            return
        inc: Dict[str, int] = {}
        if old_status is not None:
            inc[_status_field(old_status)] = -1
        if new_status is not None:
            inc[_status_field(new_status)] = 1
        self.collection.update_one({"_id": kind_key(kind)}, {"$inc": inc, "$setOnInsert": dict(kind)}, upsert=True)

    def total(self, selection: Mapping[str, Any], statuses: Optional[Sequence[str]]) -> int:
        """Jobs of the kinds ``selection`` matches, in one of ``statuses`` (every status when None)."""
        count = 0
        for doc in self.collection.find(dict(selection), {"_id": False, "n": True}):
            counts = doc.get("n") or {}
            count += sum(counts.get(status, 0) for status in statuses) if statuses else sum(counts.values())
        return int(count)

    def grand_total(self) -> int:
        return self.total({}, None)

    def rebuild(self, jobs: Iterable[Mapping[str, Any]]) -> None:
        """Recount every tally from the jobs (linear: at start only, when the tallies disagree with the jobs)."""
        tallies: Dict[str, Tuple[Dict[str, Any], Dict[str, int]]] = {}
        for doc in jobs:
            kind = kind_of(doc)
            _, counts = tallies.setdefault(kind_key(kind), (kind, {}))
            counts[str(doc.get("status"))] = counts.get(str(doc.get("status")), 0) + 1
        # set, never increment: several processes starting together rebuild to the same values
        writes: List[UpdateOne] = [UpdateOne({"_id": key}, {"$set": dict(kind, n=counts)}, upsert=True)
                                   for key, (kind, counts) in tallies.items()]
        if writes:
            self.collection.bulk_write(writes, ordered=False)
        for doc in self.collection.find({}, {"_id": True}):
            if doc["_id"] not in tallies:
                self.collection.delete_one({"_id": doc["_id"]})

    def clear(self) -> None:
        self.collection.delete_many({})
