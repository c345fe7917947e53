"""Listing totals kept as tallies: one document per kind of job, with a count per status.

A kind is what a job never changes after it is stored: its access, process, provider and tags. Its tally
document holds ``{"n": {status: count}}``, so a status change is an ``$inc`` of two fields, and the total of a
listing is a sum over the few tallies its filters select (any number of tags included), instead of a count of
every matching job, which costs time per match on the embedded store.

Tags vary freely, so kinds can be many. A rollup per access holds the same counts summed (moved in the same
request): the listings that filter on nothing else (the most common ones) read one document, however many kinds
there are. Finished jobs are also counted per range of durations (``{"d": {range: {status: count}}}``), for the
totals of duration filters.
"""
from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from pymongo import UpdateOne
from pymongo.collection import Collection

from weaver.status import FINISHED_STATUSES
from weaver.store.job_block_tallies import BlockTallies, rewrite_documents

# what the tallies hold, raised whenever an earlier version's tallies must be rebuilt: kinds and counts (1),
# newest sequence numbers, rollups, blocks and durations (2)
TALLIES_VERSION = 2
# the fields of a job that make its kind (never written again once the job is stored)
KIND_FIELDS = ("access", "process", "service", "tags")


def kind_of(doc: Mapping[str, Any]) -> Dict[str, Any]:
    """The kind of a job: its immutable listing fields, tags sorted and unique."""
    return {"access": doc.get("access"), "process": doc.get("process"), "service": doc.get("service"),
            "tags": sorted(set(doc.get("tags") or []))}


def kind_key(kind: Mapping[str, Any]) -> str:
    """A stable identifier of a kind, used as its tally's ``_id``."""
    return json.dumps([kind.get(name) for name in KIND_FIELDS], sort_keys=True, default=str)


def rollups_of(kind: Mapping[str, Any]) -> List[Tuple[str, Dict[str, Any]]]:
    """The ``(key, fields)`` of the rollups a job of ``kind`` is counted in: the one of its access."""
    access = kind.get("access")
    return [(json.dumps(["rollup", access], default=str), {"rollup": "access", "of_access": access})]


def rollup_query(selection: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The rollups that answer a selection of kinds alone (None when it needs the kinds: process, tags, ...)."""
    if not set(selection) <= {"access"}:
        return None
    return {"rollup": "access", **({"of_access": selection["access"]} if "access" in selection else {})}


def _status_field(status: Any) -> str:
    return f"n.{status}"


# lower bounds (seconds) of the ranges finished jobs are counted in by duration: the bounds users give
# (10 s, 1 min, 5 min, 1 h...) fall on them, so that a duration filter reads no job of a range cut in two
DURATION_BOUNDS = (0, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 7200,
                   10800, 21600, 43200, 86400, 172800, 604800)
NO_DURATION = "none"
BELOW_ZERO = "neg"


def duration_range(duration: Any) -> str:
    """The name of the range of durations ``duration`` falls in (its lower bound)."""
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or math.isnan(duration):
        return NO_DURATION
    index = bisect.bisect_right(DURATION_BOUNDS, duration) - 1
    return BELOW_ZERO if index < 0 else str(DURATION_BOUNDS[index])


def range_span(name: str) -> Tuple[float, float]:
    """``[low, high)`` of a range of durations."""
    if name == BELOW_ZERO:
        return -math.inf, 0.0
    index = DURATION_BOUNDS.index(int(name))
    return float(DURATION_BOUNDS[index]), (float(DURATION_BOUNDS[index + 1]) if index + 1 < len(DURATION_BOUNDS)
                                           else math.inf)


@dataclass
class Tally:
    """What the tallies of a listing's kinds of jobs say: its total, per status, and its newest sequence number."""

    count: int = 0
    by_status: Dict[str, int] = field(default_factory=dict)
    kinds: List[str] = field(default_factory=list)  # keys of the kinds (or rollups) counted
    # finished jobs with a duration, per range of durations (see :func:`duration_range`)
    by_duration: Dict[str, int] = field(default_factory=dict)
    # highest ``seq`` of a job of these kinds (None when a tally predates it): no match lies above it
    top: Optional[int] = 0


class JobTallies:
    """Counts of jobs per kind and status, moved by the job store on every insert, status change and delete.

    The counts of finished jobs are also kept per block of sequence numbers (:class:`BlockTallies`), for the
    totals of ``created`` intervals.
    """

    def __init__(self, collection: Collection, blocks: BlockTallies) -> None:
        self.collection = collection
        self.blocks = blocks

    def move(self, kind: Mapping[str, Any], old_status: Optional[str], new_status: Optional[str],
             seq: Optional[int], duration: Any = None) -> None:
        """The job ``seq`` of ``kind`` went from ``old_status`` to ``new_status`` (None: it did not exist / no
        longer does): its kind and rollups move in one request. ``seq`` also raises their ``top``, where listings
        start their windows; a job without one (never stored so by this version) moves only their counts. A
        finished job is also counted by its ``duration``.
        """
        if old_status == new_status:
            return
        inc: Dict[str, int] = {}
        by_duration = f"d.{duration_range(duration)}"
        if old_status is not None:
            inc[_status_field(old_status)] = -1
            if old_status in FINISHED_STATUSES:
                inc[f"{by_duration}.{old_status}"] = -1
        if new_status is not None:
            inc[_status_field(new_status)] = 1
            if new_status in FINISHED_STATUSES:
                inc[f"{by_duration}.{new_status}"] = 1
        counted = [(kind_key(kind), dict(kind))] + rollups_of(kind)
        writes = []
        for key, fields in counted:
            update: Dict[str, Any] = {"$inc": inc, "$setOnInsert": fields}
            if seq is not None:
                update["$max"] = {"top": seq}
            writes.append(UpdateOne({"_id": key}, update, upsert=True))
        self.collection.bulk_write(writes, ordered=False)
        if seq is not None:
            self.blocks.move([key for key, _ in counted], seq, old_status, new_status)

    def read(self, selection: Mapping[str, Any], statuses: Optional[Sequence[str]]) -> Tally:
        """The tally of the kinds ``selection`` matches, for ``statuses`` (every status when None)."""
        tally = Tally()
        query = rollup_query(selection)
        for doc in self.collection.find(query if query is not None else dict(selection, rollup=None),
                                        {"_id": True, "n": True, "top": True, "d": True}):
            tally.kinds.append(doc["_id"])
            for status, count in (doc.get("n") or {}).items():
                if count and (not statuses or status in statuses):
                    tally.by_status[status] = tally.by_status.get(status, 0) + int(count)
            for name, counts in (doc.get("d") or {}).items():
                count = sum(value for status, value in counts.items() if not statuses or status in statuses)
                if count and name != NO_DURATION:
                    tally.by_duration[name] = tally.by_duration.get(name, 0) + int(count)
            top = doc.get("top")
            tally.top = None if top is None or tally.top is None else max(tally.top, int(top))
        tally.count = sum(tally.by_status.values())
        return tally

    def kinds(self, selection: Mapping[str, Any], projection: Mapping[str, Any]) -> Iterator[Dict[str, Any]]:
        """The tallies of the kinds ``selection`` matches (never a rollup)."""
        return self.collection.find(dict(selection, rollup=None), dict(projection))

    def access_values(self) -> List[Any]:
        """Every access value a stored job holds."""
        return [doc.get("of_access") for doc in self.collection.find({"rollup": "access"}, {"of_access": True})]

    def total(self, selection: Mapping[str, Any], statuses: Optional[Sequence[str]]) -> int:
        """Jobs of the kinds ``selection`` matches, in one of ``statuses`` (every status when None)."""
        return self.read(selection, statuses).count

    def grand_totals(self) -> Tuple[int, int]:
        """Jobs counted by the kinds, and by the rollups per access (each job once in each)."""
        by_kind = sum(sum((doc.get("n") or {}).values()) for doc in self.kinds({}, {"n": True}))
        return int(by_kind), self.total({}, None)

    def rebuild(self, jobs: Iterable[Mapping[str, Any]]) -> None:
        """Recount every tally from the jobs (linear: at start only, when the tallies disagree with the jobs)."""
        tallies: Dict[str, Tuple[Dict[str, Any], Dict[str, int]]] = {}
        tops: Dict[str, int] = {}
        durations: Dict[str, Dict[str, Dict[str, int]]] = {}
        placed: List[Tuple[List[str], Optional[int], str]] = []  # (keys, seq, status) of every job, for the blocks
        for doc in jobs:
            kind = kind_of(doc)
            status, seq = str(doc.get("status")), doc.get("seq")
            counted = [(kind_key(kind), kind)] + rollups_of(kind)
            for key, fields in counted:
                _, counts = tallies.setdefault(key, (fields, {}))
                counts[status] = counts.get(status, 0) + 1
                tops[key] = max(tops.get(key, 0), int(seq or 0))
                if status in FINISHED_STATUSES:
                    per_status = durations.setdefault(key, {}).setdefault(duration_range(doc.get("duration")), {})
                    per_status[status] = per_status.get(status, 0) + 1
            placed.append(([key for key, _ in counted], seq, status))
        self.blocks.rebuild(placed)
        rewrite_documents(self.collection, {
            key: {"$set": dict(fields, n=counts, d=durations.get(key, {})), "$max": {"top": tops[key]}}
            for key, (fields, counts) in tallies.items()})

    def clear(self) -> None:
        self.collection.delete_many({})
        self.blocks.clear()
