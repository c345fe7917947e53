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
  the block tallies of the blocks wholly inside it (finished jobs), their unfinished jobs, and the matches read
  in the blocks that straddle its ends;
- a page sorted by status, process or provider walks the values in order with their counts from the tallies,
  and reads each value's part of the page from sequence windows;
- where an index leads with ``finished`` (or ``updated``), a page sorted by it newest first reads the range of
  it at or after the value the newest jobs by ``seq`` give; where one leads with ``duration``, the total of a
  duration filter adds the tallies' counts per range of durations wholly inside the bounds to the jobs read in
  the ranges a bound cuts and to the jobs without a duration (unfinished), and the first pages sorted by
  duration read the jobs above a threshold the same counts (or a sample of the newest matches) give.

What remains linear: totals of a ``created`` interval joined with duration or user filters (the jobs inside or
outside it, whichever are fewer), duration bounds that cut a range of durations (its jobs are read), the first
pages sorted by duration when the longest range is crowded (a part of the jobs), deeper pages sorted by duration,
sorts on user and id (and on finished or updated without an index), and groups (they return every match).
"""
from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import pymongo

from weaver.datatype.job import Job, now
from weaver.status import FINISHED_STATUSES
from weaver.store.job_filters import MATCH_FIELDS, JobFilters, as_utc, is_number, stored_instant
from weaver.store.job_spans import (CreatedBlocks, SeqRange, SplitBlocks, merge_ranges, ranges_size,
                                    seq_conditions, window_of)
from weaver.store.job_tallies import Tally, range_span

# standard deviations of the number of matches a window of sequence numbers spares (else it is widened)
WINDOW_SPARE_DEVIATIONS = 2.0
WINDOW_GROWTH = 4
SORT_FIELDS = {"created": "seq", "finished": "finished", "updated": "updated", "status": "status",
               "process": "process", "service": "service", "provider": "service", "user": "user_id",
               "duration": "duration", "id": "id"}
# sorts whose values (and their counts) the tallies give
TALLY_SORTS = ("status", "process", "service")
# index list read again after this many seconds
INDEXES_TTL = 60.0
# sorts on a time that grows with ``seq`` (read from the values at or after a threshold, when an index leads with it)
RECENT_SORTS = ("finished", "updated")
LATEST = datetime(9999, 12, 31, tzinfo=timezone.utc)
# newest matches sampled for the threshold of a page sorted by duration; pages deeper than a sample of this many
# times their end are sorted by the store instead (the range above the threshold would hold too many jobs)
DURATION_SAMPLE = 400
DURATION_SAMPLE_RATIO = 8


class JobQueryMixin:
    """Listing reads over ``self.collection`` (needs ``count_jobs``, ``last_seq`` and ``kind_tally`` from the store)."""

    collection: pymongo.collection.Collection

    def count_jobs(self, filters: JobFilters) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def last_seq(self) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def kind_tally(self, filters: JobFilters) -> Optional[Tally]:  # pragma: no cover - provided by the store
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
        if not plain and by == "duration" and not ascending and filters.countable and self._leads_index(by):
            found = self._find_by_largest_duration(filters, projection, offset, limit)
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
        listing = _Listing(self, filters, projection, also=(by,))
        total = listing.total()
        if offset >= total:
            return [], total
        wanted = offset + min(limit, total - offset)
        sample = listing.raw_page(total, 0, min(total, 2 * wanted + limit), descending=True)  # some unfinished
        values = sorted((as_utc(doc[by]) for doc in sample if isinstance(doc.get(by), datetime)), reverse=True)
        if len(values) < wanted:
            return None
        docs = [doc for doc in self.collection.find({by: {"$gte": values[wanted - 1], "$lte": LATEST}},
                                                    listing.projection) if filters.matches(doc, listing.at)]
        docs.sort(key=lambda doc: (as_utc(doc[by]), doc.get("seq") or 0), reverse=True)
        return [Job(listing.strip(doc)) for doc in docs[offset:wanted]], total

    def _find_by_largest_duration(self, filters: JobFilters, projection: Dict[str, Any], offset: int,
                                  limit: int) -> Optional[Tuple[List[Job], int]]:
        """Longest first, through the index on ``duration``, for the first pages.

        A threshold that ``offset + limit`` matches reach (:meth:`_duration_threshold`) puts the page among the
        jobs at or above it, read by a range of that index: a small part of the jobs, not every match. None when
        no threshold is found (deep pages, too few finished jobs).
        """
        listing = _Listing(self, filters, projection, also=("duration",))
        total = listing.total()
        if offset >= total:
            return [], total
        wanted = offset + min(limit, total - offset)
        threshold = self._duration_threshold(listing, wanted, total)
        if threshold is None:
            return None
        docs = [doc for doc in self.collection.find({"duration": {"$gte": threshold}}, listing.projection)
                if filters.matches(doc, listing.at)]
        docs.sort(key=lambda doc: (doc["duration"], doc.get("seq") or 0), reverse=True)
        return [Job(listing.strip(doc)) for doc in docs[offset:wanted]], total

    def _duration_threshold(self, listing: "_Listing", wanted: int, total: int) -> Optional[float]:
        """A duration that ``wanted`` matches reach, chosen to read few jobs above it (None: none found).

        The tallies count finished jobs per range of durations: the lowest bound of the longest ranges holding
        ``wanted`` matches is exact, and the jobs above it are known in number. When those are many (the
        longest range is crowded), a sample of the newest matches may give a higher threshold.
        """
        above = 0
        for name, count in sorted((listing.tally.by_duration if listing.tally else {}).items(),
                                  key=lambda item: range_span(item[0])[0], reverse=True):
            above += count
            if above >= wanted:
                if above <= DURATION_SAMPLE:
                    return range_span(name)[0]
                break
        if wanted > DURATION_SAMPLE // DURATION_SAMPLE_RATIO:
            return None
        sample = listing.raw_page(total, 0, min(total, DURATION_SAMPLE), descending=True)
        values = sorted((doc["duration"] for doc in sample if is_number(doc.get("duration"))), reverse=True)
        return values[wanted - 1] if len(values) >= wanted else None

    def _plain_sorted(self, filters: JobFilters, by: str, projection: Dict[str, Any], offset: int, limit: int,
                      total: int) -> Tuple[List[Job], int]:
        cursor = (self.collection.find(filters.query(), projection)
                  .sort([(by, pymongo.ASCENDING), ("seq", pymongo.ASCENDING)]).skip(offset).limit(limit))
        return [Job(doc) for doc in cursor], total

    def _tallied_values(self, filters: JobFilters, by: str) -> Dict[Any, int]:
        """Matches per value of ``by`` (status, process or service), from the tallies."""
        counts: Dict[Any, int] = {}
        tallies = getattr(self, "tallies")
        for doc in tallies.kinds(filters.tally_selection(), {"_id": False, "n": True, "process": True,
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
        return sorted(tallies.access_values(), key=lambda value: (value is not None, str(value)))

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
        self.tally = store.kind_tally(filters)
        self.top = self._top()
        self.projection = projection
        self.added: Set[str] = set()
        if any(value for name, value in projection.items() if name != "_id"):  # inclusion: add what matching
            # reads, and remove it from the documents returned
            self.added = {name for name in MATCH_FIELDS + tuple(also) if not projection.get(name)}
            self.projection = dict(projection, **{name: True for name in self.added})
        self.queries = self._window_queries()
        self.ranges: List[SeqRange] = [(1, self.top)] if self.top else []
        self.read_all: Optional[List[Dict[str, Any]]] = None
        self.split: Optional[SplitBlocks] = None
        if filters.dated:
            self.ranges = self._dated_ranges(inside=True)

    def _top(self) -> int:
        """The highest sequence number a match may have: the newest of the listing's kinds, else of every job.

        Dated listings take every job's: the spans of creation times are kept up to it.
        """
        if self.tally is None or self.filters.dated:
            return self.store.last_seq()
        if self.tally.count == 0:
            return 0
        return self.tally.top if self.tally.top is not None else self.store.last_seq()

    # ----- window queries -----
    def _window_queries(self, filters: Optional[JobFilters] = None, prefer: str = "") -> List[Dict[str, Any]]:
        """Queries of equalities an index ``(..., seq)`` covers exactly (the store walks it for a seq range).

        Stores that scan for ``$in``/``$all``/``$ne`` but walk a compound index for equalities answer these
        fast; the union is merged by sequence number and the rest of the filters is checked on the documents.
        Of indexes as long, one holding ``prefer`` is taken.
        """
        filters = filters or self.filters
        equalities = filters.equalities()
        access_values = self.store._access_values(filters) or []
        pinned = set(equalities) | {"access"}  # every access value is listed when the filters give none
        best: Tuple[str, ...] = ()
        for prefix in self.store._index_prefixes():
            if set(prefix) <= pinned and (len(prefix), prefer in prefix) > (len(best), prefer in best):
                best = prefix
        queries: List[Dict[str, Any]] = [{}]
        for name in best:
            values = access_values if name == "access" else equalities[name]
            values = values if name in ("access", "status") else [values]
            if name == "status" and self.tally is not None:  # a status no job of these kinds has: no query
                values = [value for value in values if self.tally.by_status.get(value)]
            queries = [dict(query, **{name: value}) for query in queries for value in values]
        return queries

    def _read(self, ranges: Sequence[SeqRange], projection: Optional[Dict[str, Any]] = None,
              filters: Optional[JobFilters] = None, queries: Optional[List[Dict[str, Any]]] = None
              ) -> Iterator[Dict[str, Any]]:
        filters = filters or self.filters
        for condition in seq_conditions(ranges):
            for query in self.queries if queries is None else queries:
                for doc in self.store.collection.find(dict(query, seq=condition), projection or self.projection):
                    if filters.matches(doc, self.at):
                        yield doc

    def _read_range(self, low: int, high: int) -> List[Dict[str, Any]]:
        docs: List[Dict[str, Any]] = []
        for access in self.store._access_values(JobFilters()) or []:
            docs.extend(self.store.collection.find({"access": access, "seq": {"$gte": low, "$lte": high}},
                                                   {"_id": False, "seq": True, "created": True}))
        return docs

    def _split(self) -> SplitBlocks:
        """The blocks of sequence numbers inside, outside and straddling the ``created`` interval (read once)."""
        if self.split is None:
            self.split = self.store._created_blocks().split(
                self.top, stored_instant(self.filters.created_min), stored_instant(self.filters.created_max),
                self._read_range) if self.top else SplitBlocks()
        return self.split

    def _dated_ranges(self, inside: bool) -> List[SeqRange]:
        split = self._split()
        return merge_ranges((split.inside_ranges(self.top) if inside else split.outside) + split.straddling)

    def strip(self, doc: Dict[str, Any]) -> Dict[str, Any]:
        for name in self.added:
            doc.pop(name, None)
        return doc

    # ----- total -----
    def total(self) -> int:
        if self.filters.countable and self.tally is not None:
            return self.tally.count
        if self.filters.dated and self.tally is not None and self.filters.undated().countable:
            return self._dated_total()
        if self.filters.dated and self.filters.undated().countable:
            outside = self._dated_ranges(inside=False)
            if ranges_size(outside) < ranges_size(self.ranges):
                undated = self.filters.undated()
                missed = sum(1 for doc in self._read(outside, filters=undated)
                             if not self.filters._matches_created(doc))
                return self.store.count_jobs(undated) - missed
        if self._durations_by_index():
            return self._duration_total()
        self.read_all = list(self._read(self.ranges))
        return len(self.read_all)

    def _dated_total(self) -> int:
        """A ``created`` interval: the tallies of the blocks wholly inside it (finished jobs), their unfinished
        jobs read through the status indexes, and the jobs of the blocks straddling its ends.

        The cost follows the jobs created around the ends of the interval and the jobs still unfinished, not
        the jobs inside it.
        """
        split = self._split()
        tallies = getattr(self.store, "tallies").blocks
        counted = tallies.count(self.tally.kinds, self.filters.status, split)
        unfinished = [status for status in self.filters.status or self.tally.by_status
                      if status not in FINISHED_STATUSES and self.tally.by_status.get(status)]
        if unfinished:
            filters = replace(self.filters, status=unfinished)
            queries = self._window_queries(filters, prefer="status")
            counted += sum(1 for _ in self._read(split.inside_ranges(self.top), filters=filters, queries=queries))
        return counted + sum(1 for _ in self._read(split.straddling))

    def _durations_by_index(self) -> bool:
        undurated = replace(self.filters, min_duration=None, max_duration=None)
        return (undurated != self.filters and undurated.countable and self.tally is not None
                and self.store._leads_index("duration"))

    def _duration_total(self) -> int:
        """Duration filters: finished jobs from the tallies of the ranges of durations wholly inside the bounds,
        plus the jobs read in the ranges a bound cuts (through an index on ``duration``) and those without a
        duration (unfinished: by their elapsed time).

        Bounds users give fall on the limits of the ranges (:data:`DURATION_BOUNDS`): then only the jobs without
        a duration are read.
        """
        if self.tally is None:
            raise RuntimeError("duration totals need the tallies of the listing's kinds")
        undurated = replace(self.filters, min_duration=None, max_duration=None)
        low = self.filters.min_duration if self.filters.min_duration is not None else -math.inf
        high = self.filters.max_duration if self.filters.max_duration is not None else math.inf
        total = 0
        for name, count in self.tally.by_duration.items():
            start, end = range_span(name)
            if start >= low and end <= high:
                total += count
            elif end > low and start <= high:
                cut: Dict[str, Any] = {"$gte": max(start, low)}
                cut.update({"$lt": end} if end <= high else {"$lte": high})
                total += sum(1 for doc in self._candidates({"duration": cut}, undurated)
                             if self.filters.matches(doc, self.at))
        unfinished = self._candidates({"duration": None}, undurated)
        return total + sum(1 for doc in unfinished if self.filters.matches(doc, self.at))

    def _duration_matches(self) -> List[Dict[str, Any]]:
        """Every match of duration filters, read through an index on ``duration`` (and its null entries)."""
        undurated = replace(self.filters, min_duration=None, max_duration=None)
        bounds: Dict[str, Any] = {}
        if self.filters.min_duration is not None:
            bounds["$gte"] = self.filters.min_duration
        if self.filters.max_duration is not None:
            bounds["$lte"] = self.filters.max_duration
        docs = list(self._candidates({"duration": bounds}, undurated))
        docs += self._candidates({"duration": None}, undurated)
        return [doc for doc in docs if self.filters.matches(doc, self.at)]

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
            found = self._gather(total, wanted, descending)
        if len(found) < wanted:  # short of what the total promised: jobs without sequence number, read them all
            for doc in self.store.collection.find(self.filters.query(), self.projection):
                found.setdefault(_key(doc), doc)
        docs = sorted(found.values(), key=lambda doc: doc.get("seq") or 0, reverse=descending)
        return docs[offset:offset + need]

    def _gather(self, total: int, wanted: int, from_top: bool) -> Dict[Any, Dict[str, Any]]:
        size = ranges_size(self.ranges)
        width = window_width(wanted, total / max(1, size))
        if width > total and not self.filters.dated and self._durations_by_index():
            # rare durations: the jobs within the bounds are fewer than a window would read
            return {_key(doc): doc for doc in self._duration_matches()}
        found: Dict[Any, Dict[str, Any]] = {}
        done = 0
        while done < size:
            for doc in self._read(window_of(self.ranges, done, width - done, from_top)):
                found[doc["seq"]] = doc
            done = width
            if len(found) >= wanted:
                break
            width *= WINDOW_GROWTH
        return found


def window_width(wanted: int, density: float) -> int:
    """Sequence numbers a window needs to hold ``wanted`` matches where a share ``density`` of them match.

    With matches spread at random, a window of ``w`` numbers holds ``w * p`` of them give or take
    ``sqrt(w * p * (1 - p))``: the width leaves :data:`WINDOW_SPARE_DEVIATIONS` of those to spare, so a window
    is rarely short (then it grows), and is exact where every number matches (the unfiltered newest page).
    """
    if density >= 1:
        return wanted
    density = max(density, 1e-9)
    miss = 1 - density
    spare = WINDOW_SPARE_DEVIATIONS / 2
    expected = (spare * math.sqrt(miss) + math.sqrt(spare * spare * miss + wanted)) ** 2
    return int(math.ceil(expected / density))


def _key(doc: Mapping[str, Any]) -> Any:
    return doc["seq"] if doc.get("seq") is not None else doc.get("id")


def _group_value(doc: Dict[str, Any], name: str) -> Any:
    value = doc.get(SORT_FIELDS.get(name, name))
    return tuple(value) if isinstance(value, list) else value
