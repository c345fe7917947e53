"""Tallies per block of sequence numbers: the total of a ``created`` interval without reading its jobs.

A job's sequence number (``seq``) and kind never change, so counts per kind and status can be kept per block of
sequence numbers. Only finished jobs are counted there, so that a job moves them once in its life, when it
finishes (and again if a finished job is dismissed or deleted): the few unfinished jobs of an interval are read
through the status indexes instead. The spans of creation times of the same blocks
(:class:`weaver.store.job_spans.CreatedBlocks`) tell which blocks lie wholly inside an interval: their counts
give that part of the total, and only the jobs of the blocks straddling its ends are read.

Counts are kept at three sizes, the blocks of :data:`BLOCK_SIZE` numbers, runs of :data:`MID_BLOCKS` blocks and
groups of :data:`GROUP_BLOCKS` blocks, so that a long interval sums a few group documents and, in the groups at
its ends, a few runs and blocks.
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from pymongo import UpdateOne
from pymongo.collection import Collection

from weaver.status import FINISHED_STATUSES
from weaver.store.job_spans import BLOCK_SIZE, GROUP_BLOCKS, MID_BLOCKS, SplitBlocks


def kind_field(kind_key: str) -> str:
    """A short field name for a kind (its key holds characters a field path cannot)."""
    return hashlib.blake2b(kind_key.encode("utf-8"), digest_size=8).hexdigest()


def rewrite_documents(collection: Collection, updates: Mapping[str, Mapping[str, Any]]) -> None:
    """Upsert every document of ``updates`` (by ``_id``) and remove the others: a collection rebuilt at start.

    Set, never increment: several processes starting together rebuild to the same values.
    """
    if updates:
        collection.bulk_write([UpdateOne({"_id": _id}, dict(update), upsert=True) for _id, update in updates.items()],
                              ordered=False)
    stale = [doc["_id"] for doc in collection.find({}, {"_id": True}) if doc["_id"] not in updates]
    if stale:
        collection.delete_many({"_id": {"$in": stale}})


def _ids(seq: int) -> List[str]:
    return [f"g{seq // (BLOCK_SIZE * GROUP_BLOCKS)}", f"m{seq // (BLOCK_SIZE * MID_BLOCKS)}", f"b{seq // BLOCK_SIZE}"]


class BlockTallies:
    """Finished jobs per kind and status of each block, run and group of sequence numbers
    (``{"n": {kind: {status: count}}}``, a kind named by :func:`kind_field`)."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    def move(self, kind_keys: Sequence[str], seq: int, old_status: Optional[str], new_status: Optional[str]) -> None:
        """The job ``seq``, counted under ``kind_keys`` (its kind, its rollups), went from ``old_status`` to
        ``new_status``: a request only when one of them is a finished status."""
        inc: Dict[str, int] = {}
        for field in map(kind_field, kind_keys):
            if old_status in FINISHED_STATUSES:
                inc[f"n.{field}.{old_status}"] = -1
            if new_status in FINISHED_STATUSES:
                inc[f"n.{field}.{new_status}"] = 1
        if inc:
            self.collection.bulk_write([UpdateOne({"_id": _id}, {"$inc": inc}, upsert=True) for _id in _ids(seq)],
                                       ordered=False)

    def count(self, kind_keys: Iterable[str], statuses: Optional[Sequence[str]], split: SplitBlocks) -> int:
        """Jobs of ``kind_keys`` in one of ``statuses`` (every one when None) in the groups, runs and blocks of
        ``split`` wholly inside an interval."""
        ids = ([f"g{number}" for number in split.groups] + [f"m{number}" for number in split.mids]
               + [f"b{number}" for number in split.blocks])
        if not ids:
            return 0
        fields = [kind_field(key) for key in kind_keys]
        projection = {"_id": False, **{f"n.{field}": True for field in fields}}
        total = 0
        for doc in self.collection.find({"_id": {"$in": ids}}, projection):
            for field in fields:
                counts = (doc.get("n") or {}).get(field) or {}
                total += sum(counts.get(status, 0) for status in statuses) if statuses else sum(counts.values())
        return int(total)

    def grand_total(self, kind_keys: Iterable[str]) -> int:
        """Finished jobs counted by the groups under ``kind_keys`` (the rollups per access count each job once)."""
        return self.count(kind_keys, None, SplitBlocks(groups=[int(doc["_id"][1:]) for doc in self.collection.find(
            {"_id": {"$regex": "^g"}}, {"_id": True})]))

    def rebuild(self, jobs: Iterable[Tuple[Sequence[str], Optional[int], str]]) -> None:
        """Recount every block and group from the ``(keys, seq, status)`` of every job (at start only)."""
        counts: Dict[str, Dict[str, Dict[str, int]]] = {}
        for kind_keys, seq, status in jobs:
            if seq is None or status not in FINISHED_STATUSES:
                continue
            for field in map(kind_field, kind_keys):
                for _id in _ids(int(seq)):
                    per_status = counts.setdefault(_id, {}).setdefault(field, {})
                    per_status[status] = per_status.get(status, 0) + 1
        rewrite_documents(self.collection, {_id: {"$set": {"n": kinds}} for _id, kinds in counts.items()})

    def clear(self) -> None:
        self.collection.delete_many({})
