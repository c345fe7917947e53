"""Creation times by blocks of sequence numbers: a ``created`` interval turned into ranges of ``seq``.

Jobs get their insertion sequence number (``seq``) right after their creation time, so creation times grow with
``seq`` but for writers racing each other. :class:`CreatedBlocks` keeps the span of creation times of each block
of sequence numbers (and of each group of blocks), summarized once a block is complete, so that an interval is
read from the blocks that overlap it, exactly, even with jobs stored out of creation order.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import pymongo

from weaver.store.job_filters import as_utc

# sequence numbers per block of creation times, and blocks per group (skipped at once when wholly in or out)
BLOCK_SIZE = 16
GROUP_BLOCKS = 64
# blocks per middle-sized run of a group, whose jobs are counted together when all its blocks are inside
MID_BLOCKS = 8
# a block missing sequence numbers (deleted jobs, or a write between taking its number and storing the job)
# is summarized once its gaps are this old: no write takes that long between the two
SETTLE_SECONDS = 60.0
# ranges of sequence numbers this close are read by one request
JOIN_GAP = 16
SeqRange = Tuple[int, int]  # inclusive bounds


def merge_ranges(ranges: Iterable[SeqRange]) -> List[SeqRange]:
    merged: List[SeqRange] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def ranges_size(ranges: Sequence[SeqRange]) -> int:
    return sum(high - low + 1 for low, high in ranges)


def window_of(ranges: Sequence[SeqRange], skip: int, width: int, from_top: bool) -> List[SeqRange]:
    """``width`` sequence numbers of ``ranges`` after the first ``skip``, counted from the top or the bottom."""
    out: List[SeqRange] = []
    for low, high in (reversed(ranges) if from_top else ranges):
        size = high - low + 1
        if skip >= size:
            skip -= size
            continue
        if from_top:
            high -= skip
        else:
            low += skip
        skip = 0
        take = min(width, high - low + 1)
        out.append((high - take + 1, high) if from_top else (low, low + take - 1))
        width -= take
        if width <= 0:
            break
    return out


def seq_conditions(ranges: Sequence[SeqRange]) -> List[Dict[str, Any]]:
    """Conditions on ``seq`` reading ``ranges``: ranges a few numbers apart are read as one (a request costs
    about as much as reading that many more jobs; a list of numbers costs more per number than a range)."""
    joined: List[SeqRange] = []
    for low, high in sorted(ranges):
        if joined and low - joined[-1][1] <= JOIN_GAP:
            joined[-1] = (joined[-1][0], max(high, joined[-1][1]))
        else:
            joined.append((low, high))
    return [{"$gte": low, "$lte": high} for low, high in joined]


@dataclass
class _Block:
    """Creation times of the jobs of one block of sequence numbers, as summarized (never changes after)."""

    earliest: Optional[datetime]
    latest: Optional[datetime]
    undated: bool  # holds a job without a creation time: never wholly inside an interval

    def overlaps(self, low: Optional[datetime], high: Optional[datetime]) -> bool:
        if self.earliest is None or self.latest is None:
            return False  # no job with a creation time
        return (low is None or self.latest >= low) and (high is None or self.earliest <= high)

    def inside(self, low: Optional[datetime], high: Optional[datetime]) -> bool:
        if self.undated:
            return False
        if self.earliest is None or self.latest is None:
            return True  # no job: nothing outside
        return (low is None or self.earliest >= low) and (high is None or self.latest <= high)


@dataclass
class SplitBlocks:
    """Where an interval of creation times falls: groups and blocks wholly inside, ranges outside, and the ranges
    of the blocks that straddle it or are not summarized yet (only their jobs tell)."""

    groups: List[int] = field(default_factory=list)
    mids: List[int] = field(default_factory=list)  # runs of MID_BLOCKS blocks, numbered as block // MID_BLOCKS
    blocks: List[int] = field(default_factory=list)
    outside: List[SeqRange] = field(default_factory=list)
    straddling: List[SeqRange] = field(default_factory=list)

    def inside_ranges(self, top: int) -> List[SeqRange]:
        span = GROUP_BLOCKS * BLOCK_SIZE
        mid = MID_BLOCKS * BLOCK_SIZE
        ranges = [(max(1, group * span), min(top, group * span + span - 1)) for group in self.groups]
        ranges += [(max(1, number * mid), min(top, number * mid + mid - 1)) for number in self.mids]
        ranges += [(max(1, number * BLOCK_SIZE), min(top, number * BLOCK_SIZE + BLOCK_SIZE - 1))
                   for number in self.blocks]
        return ranges

    def gather_mids(self) -> None:
        """Count the blocks inside by runs of :data:`MID_BLOCKS` where a whole run is inside."""
        inside = set(self.blocks)
        runs = {number // MID_BLOCKS for number in inside}
        self.mids = sorted(run for run in runs
                           if all(run * MID_BLOCKS + offset in inside for offset in range(MID_BLOCKS)))
        whole = set(self.mids)
        self.blocks = [number for number in self.blocks if number // MID_BLOCKS not in whole]


class CreatedBlocks:
    """The span of creation times of each block of :data:`BLOCK_SIZE` sequence numbers.

    A job's ``seq`` and ``created`` never change and new jobs take higher sequence numbers, so the span of a
    block whose numbers are all taken (or whose gaps have settled) holds for good: removing jobs only narrows
    it. Spans are kept in ``collection`` (one document per group of :data:`GROUP_BLOCKS` blocks, shared by
    every process, computed once) and in memory, with the span of each whole group, so that a listing skips a
    group at once. Blocks not yet summarized (the newest, the unsettled) are read by every dated listing.
    """

    def __init__(self, collection: pymongo.collection.Collection) -> None:
        self.collection = collection
        self.blocks: Dict[int, _Block] = {}
        self.groups: Dict[int, _Block] = {}
        self.gaps_seen: Dict[int, float] = {}
        self.loaded_top = -1
        self.lock = threading.Lock()
        self.settle_seconds = SETTLE_SECONDS

    def split(self, top: int, low: Optional[datetime], high: Optional[datetime], read_range) -> "SplitBlocks":
        """The groups and blocks up to ``top`` whose jobs were all created in [low, high], none, or some."""
        with self.lock:
            self._catch_up(top, read_range)
            split = SplitBlocks()
            last_block = top // BLOCK_SIZE
            for group in range(last_block // GROUP_BLOCKS + 1):
                span = self._group_span(group, last_block)
                first_seq = max(1, group * GROUP_BLOCKS * BLOCK_SIZE)
                if span is not None and not span.overlaps(low, high):
                    split.outside.append((first_seq, (group + 1) * GROUP_BLOCKS * BLOCK_SIZE - 1))
                    continue
                if span is not None and span.inside(low, high):
                    split.groups.append(group)
                    continue
                for number in range(group * GROUP_BLOCKS, min(group * GROUP_BLOCKS + GROUP_BLOCKS, last_block + 1)):
                    block = self.blocks.get(number)
                    seqs = (max(1, number * BLOCK_SIZE), min(top, number * BLOCK_SIZE + BLOCK_SIZE - 1))
                    if block is not None and block.inside(low, high):
                        split.blocks.append(number)
                    elif block is not None and not block.overlaps(low, high):
                        split.outside.append(seqs)
                    else:
                        split.straddling.append(seqs)
            split.gather_mids()
            return split

    def _group_span(self, group: int, last_block: int) -> Optional[_Block]:
        """The span of a group whose blocks are all summarized (None while one is not)."""
        if group in self.groups:
            return self.groups[group]
        numbers = range(group * GROUP_BLOCKS, group * GROUP_BLOCKS + GROUP_BLOCKS)
        if numbers[-1] >= last_block or any(number not in self.blocks for number in numbers):
            return None
        blocks = [self.blocks[number] for number in numbers]
        dated = [block for block in blocks if block.earliest is not None]
        self.groups[group] = _Block(min((block.earliest for block in dated), default=None),
                                    max((block.latest for block in dated), default=None),
                                    any(block.undated for block in blocks))
        return self.groups[group]

    def _load(self, top: int) -> None:
        self.blocks, self.groups = {}, {}
        for doc in self.collection.find({"_id": {"$lte": top // BLOCK_SIZE // GROUP_BLOCKS}}):
            for number, span in (doc.get("blocks") or {}).items():
                if int(number) < top // BLOCK_SIZE:
                    self.blocks[int(number)] = _Block(span.get("earliest"), span.get("latest"),
                                                      bool(span.get("undated")))
        self.loaded_top = top

    def _catch_up(self, top: int, read_range) -> None:
        if self.loaded_top < 0 or top < self.loaded_top:  # first use, or the jobs were numbered anew
            self._load(top)
        self.loaded_top = top
        missing = [number for number in range(top // BLOCK_SIZE) if number not in self.blocks]
        runs: List[List[int]] = []
        for number in missing:  # the block holding ``top`` may still grow
            if runs and number == runs[-1][-1] + 1 and len(runs[-1]) < GROUP_BLOCKS:
                runs[-1].append(number)
            else:
                runs.append([number])
        for run in runs:
            first, last = max(1, run[0] * BLOCK_SIZE), run[-1] * BLOCK_SIZE + BLOCK_SIZE - 1
            per_block: Dict[int, List[Dict[str, Any]]] = {number: [] for number in run}
            for doc in read_range(first, last):
                per_block[int(doc["seq"]) // BLOCK_SIZE].append(doc)
            self._summarize(per_block)

    def _summarize(self, per_block: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
        writes: Dict[int, Dict[str, Any]] = {}
        for number, docs in per_block.items():
            if len(docs) < BLOCK_SIZE - (1 if number == 0 else 0):  # no seq 0
                seen = self.gaps_seen.setdefault(number, time.monotonic())
                if time.monotonic() - seen < self.settle_seconds:
                    continue
            times = [as_utc(doc["created"]) for doc in docs if isinstance(doc.get("created"), datetime)]
            block = _Block(min(times, default=None), max(times, default=None), len(times) < len(docs))
            self.blocks[number] = block
            self.gaps_seen.pop(number, None)
            writes.setdefault(number // GROUP_BLOCKS, {})[f"blocks.{number}"] = {
                "earliest": block.earliest, "latest": block.latest, "undated": block.undated}
        for group, fields in writes.items():
            self.collection.update_one({"_id": group}, {"$set": fields}, upsert=True)

