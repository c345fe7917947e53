"""Listing queries of the job store: filters, newest-first pages from sequence windows, groups.

The embedded store (and any store without covered sorts) pays for every document a query matches, even with a
limit, and counts by reading every match. Listings therefore never send it a query that matches more documents
than they need:

- a page sorted by creation is read from windows of insertion sequence numbers (``seq``) just wide enough to
  hold it, estimated from the number of matches and widened until they do. Each window query holds only
  equalities that an index ``(..., seq)`` covers, plus the ``seq`` range; every other condition (time,
  duration, further tags, ...) is checked here on the documents read (:meth:`JobFilters.matches`);
- a ``created`` interval becomes ranges of ``seq`` through :class:`CreatedBlocks` (the span of creation times of
  each block of sequence numbers, exact even when jobs were stored out of creation order), and its total is
  the tallies' total less the jobs of the blocks that straddle or miss the interval, or the jobs of the blocks
  that overlap it, whichever reads fewer;
- a page sorted by status, process or provider walks the values in order with their counts from the tallies,
  and reads each value's part of the page from sequence windows;
- where an index leads with ``finished`` (or ``updated``), a page sorted by it newest first reads the range of
  it at or after the value the newest jobs by ``seq`` give; where one leads with ``duration``, the total of a
  duration filter reads the jobs inside the bounds (or those outside, less from the tallies) and the
  unfinished ones, instead of every match.

What remains linear: totals of a ``created`` interval when both the jobs inside and outside it are many, totals
of duration filters (every match without an index on ``duration``, else the fewer side), sorts on duration,
user and id (and on finished or updated without an index), and groups (they return every match).
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import pymongo

from weaver.datatype.job import Job, now

# a window holding this many times the documents a page needs is wide enough for uneven arrival rates
WINDOW_MARGIN = 1.5
WINDOW_GROWTH = 4
SORT_FIELDS = {"created": "seq", "finished": "finished", "updated": "updated", "status": "status",
               "process": "process", "service": "service", "provider": "service", "user": "user_id",
               "duration": "duration", "id": "id"}
# sorts whose values (and their counts) the tallies give
TALLY_SORTS = ("status", "process", "service")
# the fields :meth:`JobFilters.matches` reads
MATCH_FIELDS = ("seq", "access", "process", "service", "status", "tags", "user_id", "created", "duration",
                "finished", "started")
# sequence numbers per block of creation times, and blocks per group (skipped at once when wholly in or out)
BLOCK_SIZE = 16
GROUP_BLOCKS = 64
# a block missing sequence numbers (deleted jobs, or a write between taking its number and storing the job)
# is summarized once its gaps are this old: no write takes that long between the two
SETTLE_SECONDS = 60.0
# ranges of sequence numbers this close are read by one request
JOIN_GAP = 16
# index list read again after this many seconds
INDEXES_TTL = 60.0
# sorts on a time that grows with ``seq`` (read from the values at or after a threshold, when an index leads with it)
RECENT_SORTS = ("finished", "updated")
LATEST = datetime(9999, 12, 31, tzinfo=timezone.utc)
SeqRange = Tuple[int, int]  # inclusive bounds


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _stored_instant(value: Optional[datetime]) -> Optional[datetime]:
    """A bound as the store compares it: UTC, whole milliseconds (BSON dates drop the microseconds)."""
    if value is None:
        return None
    value = _utc(value).astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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

    @property
    def dated(self) -> bool:
        return bool(self.created_min or self.created_max)

    def undated(self) -> "JobFilters":
        return replace(self, created_min=None, created_max=None)

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

    def equalities(self) -> Dict[str, Any]:
        """The conditions that are plain equalities, each a candidate for an index prefix (status: a list)."""
        found: Dict[str, Any] = {}
        for name in ("access", "process"):
            if getattr(self, name):
                found[name] = getattr(self, name)
        if self.service:
            found["service"] = self.service
        elif self.job_type == "process":
            found["service"] = None
        if self.status:
            found["status"] = list(self.status)
        if self.tags:
            found["tags"] = self.tags[0]
        if self.user_id is not None:
            found["user_id"] = self.user_id
        return found

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
    def _duration_clause(op: str, seconds: Optional[float], at: Optional[datetime] = None
                         ) -> Optional[Dict[str, Any]]:
        """Finished jobs by their stored duration, running ones by their start time."""
        if seconds is None:
            return None
        started_op = "$lte" if op == "$gte" else "$gte"
        return {"$or": [{"duration": {op: seconds}},
                        {"finished": None,
                         "started": {"$ne": None, started_op: (at or now()) - timedelta(seconds=seconds)}}]}

    # ----- the same conditions, checked on a document read -----
    def matches(self, doc: Mapping[str, Any], at: datetime) -> bool:
        """Whether a stored job (with :data:`MATCH_FIELDS`) meets :meth:`query` as the store would decide it.

        ``at`` is the instant the running jobs' durations are taken at. Filters with ``extra`` are not checked
        here (callers send those to the store).
        """
        return self._matches_kind(doc) and self._matches_created(doc) and self._matches_durations(doc, at)

    def _matches_kind(self, doc: Mapping[str, Any]) -> bool:
        if self.access and doc.get("access") != self.access:
            return False
        if self.process and doc.get("process") != self.process:
            return False
        service = doc.get("service")
        if self.service:
            if service != self.service:
                return False
        elif self.job_type == "process" and service is not None:
            return False
        elif self.job_type == "provider" and service is None:
            return False
        if self.status and doc.get("status") not in self.status:
            return False
        if self.user_id is not None and doc.get("user_id") != self.user_id:
            return False
        if self.tags:
            tags = doc.get("tags")
            held = set(tags) if isinstance(tags, list) else {tags}
            if not set(self.tags) <= held:
                return False
        return True

    def _matches_created(self, doc: Mapping[str, Any]) -> bool:
        if not self.dated:
            return True
        created = doc.get("created")
        if not isinstance(created, datetime):
            return False
        created = _utc(created)
        low, high = _stored_instant(self.created_min), _stored_instant(self.created_max)
        return (low is None or created >= low) and (high is None or created <= high)

    def _matches_durations(self, doc: Mapping[str, Any], at: datetime) -> bool:
        for seconds, at_least in ((self.min_duration, True), (self.max_duration, False)):
            if seconds is not None and not _duration_meets(doc, seconds, at_least, at):
                return False
        return True


def _duration_meets(doc: Mapping[str, Any], seconds: float, at_least: bool, at: datetime) -> bool:
    duration = doc.get("duration")
    if _number(duration) and not math.isnan(duration):
        if duration >= seconds if at_least else duration <= seconds:
            return True
    started = doc.get("started")
    if doc.get("finished") is not None or not isinstance(started, datetime):
        return False
    cutoff = _stored_instant(at - timedelta(seconds=seconds))
    return _utc(started) <= cutoff if at_least else _utc(started) >= cutoff


# ----- sequence ranges -----
def _merge(ranges: Iterable[SeqRange]) -> List[SeqRange]:
    merged: List[SeqRange] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _size(ranges: Sequence[SeqRange]) -> int:
    return sum(high - low + 1 for low, high in ranges)


def _window(ranges: Sequence[SeqRange], skip: int, width: int, from_top: bool) -> List[SeqRange]:
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


def _seq_conditions(ranges: Sequence[SeqRange]) -> List[Dict[str, Any]]:
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

    def ranges(self, top: int, low: Optional[datetime], high: Optional[datetime], inside: bool,
               read_range) -> List[SeqRange]:
        """Sequence ranges that may hold jobs created in [low, high] (``inside``), or jobs outside it."""
        with self.lock:
            self._catch_up(top, read_range)
            out: List[SeqRange] = []
            last_block = top // BLOCK_SIZE
            for group in range(last_block // GROUP_BLOCKS + 1):
                span = self._group_span(group, last_block)
                if span is not None and (not span.overlaps(low, high) if inside else span.inside(low, high)):
                    continue
                for number in range(group * GROUP_BLOCKS, min(group * GROUP_BLOCKS + GROUP_BLOCKS, last_block + 1)):
                    block = self.blocks.get(number)
                    if block is None or (block.overlaps(low, high) if inside else not block.inside(low, high)):
                        out.append((max(1, number * BLOCK_SIZE), min(top, number * BLOCK_SIZE + BLOCK_SIZE - 1)))
            return _merge(out)

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
            times = [_utc(doc["created"]) for doc in docs if isinstance(doc.get("created"), datetime)]
            block = _Block(min(times, default=None), max(times, default=None), len(times) < len(docs))
            self.blocks[number] = block
            self.gaps_seen.pop(number, None)
            writes.setdefault(number // GROUP_BLOCKS, {})[f"blocks.{number}"] = {
                "earliest": block.earliest, "latest": block.latest, "undated": block.undated}
        for group, fields in writes.items():
            self.collection.update_one({"_id": group}, {"$set": fields}, upsert=True)


class JobQueryMixin:
    """Listing reads over ``self.collection`` (needs ``count_jobs`` and ``last_seq`` from the store)."""

    collection: pymongo.collection.Collection

    def count_jobs(self, filters: JobFilters) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def last_seq(self) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def count_matches(self, filters: JobFilters) -> int:
        """Total of a listing the tallies cannot give (time and duration filters, user)."""
        if filters.extra or self._access_values(filters) is None:
            return self.collection.count_documents(filters.query())
        return _Listing(self, filters, {"_id": False, "seq": True}).total()

    def find_jobs(self, filters: JobFilters, *, sort: str = "created", ascending: bool = False, page: int = 0,
                  limit: int = 10, fields: Sequence[str] = ()) -> Tuple[List[Job], int]:
        """One page of matching jobs and the total of matches (newest first unless ``ascending``)."""
        projection = {"_id": False, **{name: True for name in fields}} if fields else {"_id": False, "logs": False}
        offset = page * limit
        by = SORT_FIELDS.get(sort, sort)
        plain = filters.extra or self._access_values(filters) is None
        if not plain and by == "seq":
            listing = _Listing(self, filters, projection)
            total = listing.total()
            docs = listing.page(total, offset, limit, descending=not ascending) if offset < total else []
            return [Job(doc) for doc in docs], total
        if not plain and by in TALLY_SORTS and ascending and filters.countable:
            return self._find_by_tallied_value(filters, by, projection, offset, limit)
        if not plain and by in RECENT_SORTS and not ascending and filters.countable and self._leads_index(by):
            found = self._find_by_recent_value(filters, by, projection, offset, limit)
            if found is not None:
                return found
        total = self.count_jobs(filters)
        if offset >= total:
            return [], total
        direction = pymongo.ASCENDING if ascending else pymongo.DESCENDING
        cursor = (self.collection.find(filters.query(), projection)
                  .sort([(by, direction), ("seq", direction)]).skip(offset).limit(limit))
        return [Job(doc) for doc in cursor], total

    def _find_by_tallied_value(self, filters: JobFilters, by: str, projection: Dict[str, Any], offset: int,
                               limit: int) -> Tuple[List[Job], int]:
        """Ascending by status, process or provider (then oldest first): each value's part from seq windows."""
        counts = self._tallied_values(filters, by)
        total = sum(counts.values())
        if any(value is None for value in counts) and by != "service":
            return self._plain_sorted(filters, by, projection, offset, limit, total)
        docs: List[Dict[str, Any]] = []
        for value in sorted(counts, key=lambda item: (item is not None, item)):
            count = counts[value]
            if offset >= count:
                offset -= count
                continue
            part = _Listing(self, _narrowed(filters, by, value), projection)
            docs.extend(part.page(count, offset, min(limit - len(docs), count - offset), descending=False))
            offset = 0
            if len(docs) >= limit:
                break
        return [Job(doc) for doc in docs], total

    def _find_by_recent_value(self, filters: JobFilters, by: str, projection: Dict[str, Any], offset: int,
                              limit: int) -> Optional[Tuple[List[Job], int]]:
        """Newest first by a time that grows with ``seq`` (finished, updated), through an index on it.

        The newest matches by ``seq`` give a threshold: ``offset + limit`` of them are at or after it, so the
        page is among the jobs at or after it, read by a range of that index (the jobs that finished lately).
        None when the newest matches do not give one (too few with the field set).
        """
        total = self.count_jobs(filters)
        if offset >= total:
            return [], total
        wanted = offset + min(limit, total - offset)
        listing = _Listing(self, filters, projection, also=(by,))
        sample = listing.raw_page(total, 0, min(total, 2 * wanted + limit), descending=True)  # some unfinished
        values = sorted((_utc(doc[by]) for doc in sample if isinstance(doc.get(by), datetime)), reverse=True)
        if len(values) < wanted:
            return None
        docs = [doc for doc in self.collection.find({by: {"$gte": values[wanted - 1], "$lte": LATEST}},
                                                    listing.projection) if filters.matches(doc, listing.at)]
        docs.sort(key=lambda doc: (_utc(doc[by]), doc.get("seq") or 0), reverse=True)
        return [Job(listing.strip(doc)) for doc in docs[offset:wanted]], total

    def _plain_sorted(self, filters: JobFilters, by: str, projection: Dict[str, Any], offset: int, limit: int,
                      total: int) -> Tuple[List[Job], int]:
        cursor = (self.collection.find(filters.query(), projection)
                  .sort([(by, pymongo.ASCENDING), ("seq", pymongo.ASCENDING)]).skip(offset).limit(limit))
        return [Job(doc) for doc in cursor], total

    def _tallied_values(self, filters: JobFilters, by: str) -> Dict[Any, int]:
        """Matches per value of ``by`` (status, process or service), from the tallies."""
        counts: Dict[Any, int] = {}
        tallies = getattr(self, "tallies").collection
        for doc in tallies.find(filters.tally_selection(), {"_id": False, "n": True, "process": True,
                                                           "service": True}):
            for status, count in (doc.get("n") or {}).items():
                if not count or (filters.status and status not in filters.status):
                    continue
                value = status if by == "status" else doc.get(by)
                counts[value] = counts.get(value, 0) + int(count)
        return {value: count for value, count in counts.items() if count > 0}

    def _access_values(self, filters: JobFilters) -> Optional[List[Any]]:
        """The access values window queries pin (every one the tallies know when the filters give none)."""
        if filters.access:
            return [filters.access]
        tallies = getattr(self, "tallies", None)
        if tallies is None:
            return None
        return sorted(tallies.collection.distinct("access"), key=lambda value: (value is not None, str(value)))

    def _index_keys(self) -> List[Tuple[str, ...]]:
        """The fields of every index, read again after a while (an index created later is then used)."""
        cached = getattr(self, "_indexes_read", None)
        if cached is None or time.monotonic() - cached[0] > INDEXES_TTL:
            keys = [tuple(name for name, _ in spec["key"]) for spec in self.collection.index_information().values()]
            cached = self._indexes_read = (time.monotonic(), keys)
        return cached[1]

    def _index_prefixes(self) -> List[Tuple[str, ...]]:
        """The fields before ``seq`` of every index that ends with it."""
        return [keys[:-1] for keys in self._index_keys() if len(keys) > 1 and keys[-1] == "seq"]

    def _leads_index(self, name: str) -> bool:
        """Whether an index starts with ``name`` (a range on it then reads only the documents in the range)."""
        return any(keys and keys[0] == name for keys in self._index_keys())

    def _created_blocks(self) -> CreatedBlocks:
        blocks = getattr(self, "_blocks", None)
        if blocks is None:
            blocks = self._blocks = CreatedBlocks(self.collection.database["job_created_spans"])
        return blocks

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


def _narrowed(filters: JobFilters, by: str, value: Any) -> JobFilters:
    if by == "status":
        return replace(filters, status=[value])
    if by == "process":
        return replace(filters, process=value)
    if value is None:
        return replace(filters, service=None, job_type="process")
    return replace(filters, service=value)


class _Listing:
    """One listing's reads: sequence ranges that may hold its jobs, its total and its pages."""

    def __init__(self, store: JobQueryMixin, filters: JobFilters, projection: Dict[str, Any],
                 also: Sequence[str] = ()) -> None:
        self.store = store
        self.filters = filters
        self.at = now()
        self.top = store.last_seq()
        self.projection = projection
        self.added: Set[str] = set()
        if any(value for name, value in projection.items() if name != "_id"):  # inclusion: add what matching
            # reads, and remove it from the documents returned
            self.added = {name for name in MATCH_FIELDS + tuple(also) if not projection.get(name)}
            self.projection = dict(projection, **{name: True for name in self.added})
        self.queries = self._window_queries()
        self.ranges: List[SeqRange] = [(1, self.top)] if self.top else []
        self.read_all: Optional[List[Dict[str, Any]]] = None
        if filters.dated:
            self.ranges = self._dated_ranges(inside=True)

    # ----- window queries -----
    def _window_queries(self) -> List[Dict[str, Any]]:
        """Queries of equalities an index ``(..., seq)`` covers exactly (the store walks it for a seq range).

        Stores that scan for ``$in``/``$all``/``$ne`` but walk a compound index for equalities answer these
        fast; the union is merged by sequence number and the rest of the filters is checked on the documents.
        """
        equalities = self.filters.equalities()
        access_values = self.store._access_values(self.filters) or []
        pinned = set(equalities) | {"access"}  # every access value is listed when the filters give none
        best: Tuple[str, ...] = ()
        for prefix in self.store._index_prefixes():
            if set(prefix) <= pinned and len(prefix) > len(best):
                best = prefix
        queries: List[Dict[str, Any]] = [{}]
        for name in best:
            values = access_values if name == "access" else equalities[name]
            values = values if name in ("access", "status") else [values]
            queries = [dict(query, **{name: value}) for query in queries for value in values]
        return queries

    def _read(self, ranges: Sequence[SeqRange], projection: Optional[Dict[str, Any]] = None,
              filters: Optional[JobFilters] = None) -> Iterator[Dict[str, Any]]:
        filters = filters or self.filters
        for condition in _seq_conditions(ranges):
            for query in self.queries:
                for doc in self.store.collection.find(dict(query, seq=condition), projection or self.projection):
                    if filters.matches(doc, self.at):
                        yield doc

    def _read_range(self, low: int, high: int) -> List[Dict[str, Any]]:
        docs: List[Dict[str, Any]] = []
        for access in self.store._access_values(JobFilters()) or []:
            docs.extend(self.store.collection.find({"access": access, "seq": {"$gte": low, "$lte": high}},
                                                   {"_id": False, "seq": True, "created": True}))
        return docs

    def _dated_ranges(self, inside: bool) -> List[SeqRange]:
        if not self.top:
            return []
        return self.store._created_blocks().ranges(
            self.top, _stored_instant(self.filters.created_min), _stored_instant(self.filters.created_max),
            inside, self._read_range)

    def strip(self, doc: Dict[str, Any]) -> Dict[str, Any]:
        for name in self.added:
            doc.pop(name, None)
        return doc

    # ----- total -----
    def total(self) -> int:
        if self.filters.countable:
            return self.store.count_jobs(self.filters)
        if self.filters.dated and self.filters.undated().countable:
            outside = self._dated_ranges(inside=False)
            if _size(outside) < _size(self.ranges):
                undated = self.filters.undated()
                missed = sum(1 for doc in self._read(outside, filters=undated)
                             if not self.filters._matches_created(doc))
                return self.store.count_jobs(undated) - missed
        if self._durations_by_index():
            return self._duration_total()
        self.read_all = list(self._read(self.ranges))
        return len(self.read_all)

    def _durations_by_index(self) -> bool:
        undurated = replace(self.filters, min_duration=None, max_duration=None)
        return undurated != self.filters and undurated.countable and self.store._leads_index("duration")

    def _duration_total(self) -> int:
        """Duration filters: jobs of a duration inside the bounds, or the tallies less those outside them.

        Finished jobs are read by a range of an index on ``duration`` (running ones, without a duration, by its
        null entries), on the side of the bounds that holds fewer jobs, as the newest jobs suggest.
        """
        undurated = replace(self.filters, min_duration=None, max_duration=None)
        low = self.filters.min_duration if self.filters.min_duration is not None else -math.inf
        high = self.filters.max_duration if self.filters.max_duration is not None else math.inf
        sample = [doc.get("duration") for doc in self._read(_window(self.ranges, 0, 2 * BLOCK_SIZE, True),
                                                             filters=undurated)]
        numbers = [value for value in sample if _number(value)]
        inside_share = sum(1 for value in numbers if low <= value <= high) / max(1, len(numbers))
        unfinished = list(self._candidates({"duration": None}, undurated))
        if inside_share <= 0.5:
            inside = self._candidates({"duration": {"$gte": low, "$lte": high}}, undurated)
            self.read_all = [doc for doc in itertools.chain(inside, unfinished) if self.filters.matches(doc, self.at)]
            return len(self.read_all)
        outside: List[Dict[str, Any]] = []
        if low > -math.inf:
            outside.extend(self._candidates({"duration": {"$gte": -math.inf, "$lt": low}}, undurated))
        if high < math.inf:
            outside.extend(self._candidates({"duration": {"$gt": high, "$lte": math.inf}}, undurated))
        missed = sum(1 for doc in itertools.chain(outside, unfinished) if not self.filters.matches(doc, self.at))
        return self.store.count_jobs(undurated) - missed

    def _candidates(self, query: Dict[str, Any], filters: JobFilters) -> Iterator[Dict[str, Any]]:
        for doc in self.store.collection.find(query, self.projection):
            if filters.matches(doc, self.at):
                yield doc

    # ----- pages -----
    def page(self, total: int, offset: int, limit: int, descending: bool) -> List[Dict[str, Any]]:
        """Jobs ``offset`` to ``offset + limit`` by ``seq`` (newest first when ``descending``)."""
        return [self.strip(doc) for doc in self.raw_page(total, offset, limit, descending)]

    def raw_page(self, total: int, offset: int, limit: int, descending: bool) -> List[Dict[str, Any]]:
        """:meth:`page` with the fields matching read."""
        need = min(limit, total - offset)
        if need <= 0:
            return []
        wanted = offset + need
        if self.read_all is not None:
            found = {_key(doc): doc for doc in self.read_all}
        else:
            found = self._gather(total, wanted, limit, descending)
        if len(found) < wanted:  # short of what the total promised: jobs without sequence number, read them all
            for doc in self.store.collection.find(self.filters.query(), self.projection):
                found.setdefault(_key(doc), doc)
        docs = sorted(found.values(), key=lambda doc: doc.get("seq") or 0, reverse=descending)
        return docs[offset:offset + need]

    def _gather(self, total: int, wanted: int, limit: int, from_top: bool) -> Dict[Any, Dict[str, Any]]:
        size = _size(self.ranges)
        density = total / max(1, size)
        width = int(math.ceil(wanted / max(density, 1e-9) * WINDOW_MARGIN)) + limit
        found: Dict[Any, Dict[str, Any]] = {}
        done = 0
        while done < size:
            for doc in self._read(_window(self.ranges, done, width - done, from_top)):
                found[doc["seq"]] = doc
            done = width
            if len(found) >= wanted:
                break
            width *= WINDOW_GROWTH
        return found


def _key(doc: Mapping[str, Any]) -> Any:
    return doc["seq"] if doc.get("seq") is not None else doc.get("id")


def _group_value(doc: Dict[str, Any], name: str) -> Any:
    value = doc.get(SORT_FIELDS.get(name, name))
    return tuple(value) if isinstance(value, list) else value
