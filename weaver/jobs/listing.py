"""Job listings (``GET /jobs``): query parameters to store filters, and the listing document with its links."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode

from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job
from weaver.exceptions import AccessForbidden, JobInvalidParameter, UnprocessableEntity
from weaver.jobs import urls
from weaver.jobs.status_doc import job_status_document
from weaver.status import JOB_STATUS_CATEGORIES, Status, StatusCategory, map_status
from weaver.store.job_filters import JobFilters
from weaver.store.job_query import SORT_FIELDS
from weaver.visibility import Visibility

MAX_LIMIT = 1000
DEFAULT_LIMIT = 10
# what a status document needs: listings read nothing else (no logs, inputs, results)
DETAIL_FIELDS = ("id", "task_id", "process", "service", "title", "status", "status_message", "progress", "created",
                 "started",
                 "finished", "updated", "seq")
ID_FIELDS = ("id", "task_id", "seq")
GROUP_FIELDS = ("process", "provider", "service", "status", "access", "tags")
CATEGORY_NAMES = (StatusCategory.FINISHED.value, StatusCategory.SUCCESS.value)
DESCENDING_SORTS = ("created", "finished", "updated", "duration")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_OPEN = ("", "..")


def _int_param(params: Mapping[str, str], name: str, default: Optional[int], minimum: int) -> Optional[int]:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise JobInvalidParameter(f"Query parameter '{name}' must be an integer.",
                                  cause={"name": name, "in": "query", "value": raw}) from exc
    if value < minimum:
        raise JobInvalidParameter(f"Query parameter '{name}' is less than minimum {minimum}.",
                                  cause=f"{name}: {value} is less than minimum {minimum}",
                                  value={name: value})
    return value


def _list_param(params: Mapping[str, str], name: str) -> List[str]:
    return [part.strip() for part in str(params.get(name) or "").split(",") if part.strip()]


def parse_status(raw: Optional[str]) -> Optional[List[str]]:
    """Statuses (OGC or internal names, each with its aliases) and categories as stored values.

    ``finished`` and ``success`` are categories; ``running`` and ``failed`` are both a status and a category
    name, and mean the status (with its internal aliases such as ``started`` or ``error``).
    """
    names = [part.strip().lower() for part in str(raw or "").split(",") if part.strip()]
    if not names:
        return None
    statuses: List[str] = []
    for name in names:
        if name in CATEGORY_NAMES:
            statuses.extend(JOB_STATUS_CATEGORIES[StatusCategory(name)])
            continue
        try:
            ogc = map_status(Status(name))
        except ValueError as exc:
            raise JobInvalidParameter(f"Invalid status filter '{name}'.", cause={"name": "status", "in": "query"},
                                      value={"status": raw}) from exc
        statuses.extend(status.value for status in Status if map_status(status) == ogc)
    return sorted(set(statuses))


def _parse_instant(text: str) -> datetime:
    if not _RFC3339.match(text):
        raise JobInvalidParameter(f"Datetime '{text}' is not an RFC 3339 date-time (e.g. 2024-01-31T12:00:00Z).",
                                  cause={"name": "datetime", "in": "query", "value": text})
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace(" ", "T"))
    except ValueError as exc:
        raise JobInvalidParameter(f"Datetime '{text}' is not a valid date-time.",
                                  cause={"name": "datetime", "in": "query", "value": text}) from exc


def parse_datetime(raw: Optional[str]) -> Tuple[Optional[datetime], Optional[datetime]]:
    """An instant (exact) or an interval ``start/end`` with ``..`` or empty for an open end."""
    if raw in (None, ""):
        return None, None
    text = str(raw).strip()
    if "/" not in text:
        instant = _parse_instant(text)
        return instant, instant
    start_text, end_text = (part.strip() for part in text.split("/", 1))
    start = None if start_text in _OPEN else _parse_instant(start_text)
    end = None if end_text in _OPEN else _parse_instant(end_text)
    if start is None and end is None:
        raise JobInvalidParameter("Datetime interval must have at least one bound.",
                                  cause={"name": "datetime", "in": "query", "value": text})
    if start and end and start > end:
        raise UnprocessableEntity(f"Datetime interval '{text}' ends before it starts.",
                                  cause={"name": "datetime", "in": "query", "value": text})
    return start, end


def parse_filters(params: Mapping[str, str], process_id: Optional[str] = None,
                  provider_id: Optional[str] = None) -> JobFilters:
    """Store filters from the query (and the path's process or provider); raises the documented 4xx errors."""
    provider = provider_id or params.get("provider") or params.get("service") or None
    job_type = (params.get("type") or "").strip().lower() or None
    if job_type not in (None, "process", "provider"):
        raise JobInvalidParameter(f"Invalid type '{job_type}': expected 'process' or 'provider'.",
                                  cause={"name": "type", "in": "query", "value": job_type})
    if job_type == "process" and provider:
        raise JobInvalidParameter("Parameters 'type=process' and 'provider' are mutually exclusive.",
                                  cause={"name": "type", "in": "query", "value": job_type})
    tags = _list_param(params, "tags")
    visibilities = {vis.value for vis in Visibility}
    if any(tag.lower() in visibilities for tag in tags):
        raise JobInvalidParameter("Tags 'public' and 'private' are reserved: filter with 'access' instead.",
                                  cause={"name": "tags", "in": "query", "value": params.get("tags")})
    access = (params.get("access") or Visibility.PUBLIC.value).strip().lower()
    if access not in visibilities:
        raise JobInvalidParameter(f"Invalid access '{access}'.", cause={"name": "access", "in": "query",
                                                                       "value": access})
    if access != Visibility.PUBLIC.value:
        raise AccessForbidden("Only administrators may list jobs that are not public.",
                              cause={"name": "access", "in": "query", "value": access})
    created_min, created_max = parse_datetime(params.get("datetime"))
    min_duration = _int_param(params, "minDuration", None, 0)
    max_duration = _int_param(params, "maxDuration", None, 0)
    if min_duration is not None and max_duration is not None and min_duration >= max_duration:
        raise JobInvalidParameter(f"Duration 'minDuration' ({min_duration}) must be less than 'maxDuration' "
                                  f"({max_duration}).", cause={"name": "minDuration", "in": "query"},
                                  value={"minDuration": min_duration, "maxDuration": max_duration})
    process = process_id or params.get("process") or None
    if process and ":" in process:
        process = process.split(":", 1)[0]
    return JobFilters(process=process, service=provider, job_type=job_type, status=parse_status(params.get("status")),
                      tags=tags or None, access=access, created_min=created_min, created_max=created_max,
                      min_duration=min_duration, max_duration=max_duration)


def _parse_sort(params: Mapping[str, str]) -> Tuple[str, bool]:
    sort = (params.get("sort") or "created").strip()
    if sort not in SORT_FIELDS:
        raise JobInvalidParameter(f"Invalid sort '{sort}': expected one of {sorted(SORT_FIELDS)}.",
                                  cause={"name": "sort", "in": "query", "value": sort})
    return sort, sort not in DESCENDING_SORTS


def _parse_groups(params: Mapping[str, str]) -> List[str]:
    groups = _list_param(params, "groups")
    unknown = [name for name in groups if name not in GROUP_FIELDS]
    if unknown:
        raise JobInvalidParameter(f"Invalid groups {unknown}: expected any of {list(GROUP_FIELDS)}.",
                                  cause={"name": "groups", "in": "query", "value": params.get("groups")})
    if groups and str(params.get("f") or "").lower() == "html":
        raise JobInvalidParameter("Grouped listings are not available in HTML.",
                                  cause={"name": "groups", "in": "query", "value": params.get("groups")})
    return ["service" if name == "provider" else name for name in groups]


def _is_true(value: Any, default: bool) -> bool:
    if value in (None, ""):
        return default
    return str(value).lower() not in ("false", "0", "no", "off")


def list_jobs(settings: Mapping[str, Any], params: Mapping[str, str], process_id: Optional[str] = None,
              provider_id: Optional[str] = None) -> Dict[str, Any]:
    """``{jobs, page, limit, count, total, links}`` (or ``{groups, count, total, links}``) of ``GET /jobs``."""
    page = _int_param(params, "page", 0, 0) or 0
    limit = min(_int_param(params, "limit", DEFAULT_LIMIT, 1) or DEFAULT_LIMIT, MAX_LIMIT)
    detail = _is_true(params.get("detail"), True)
    filters = parse_filters(params, process_id, provider_id)
    sort, ascending = _parse_sort(params)
    groups = _parse_groups(params)
    settings = get_settings(settings)  # parsed once here, not once per link of every job rendered
    store = get_db(settings).jobs
    fields = DETAIL_FIELDS if detail else ID_FIELDS
    base = (urls.process_url(settings, process_id, provider_id) if process_id else urls.restapi_url(settings)) + "/jobs"

    def render(job: Job) -> Any:
        return job_status_document(job, settings) if detail else job.id

    if groups:
        grouped = store.group_jobs(filters, groups, fields=tuple(set(fields) | set(groups)))
        total = sum(group["count"] for group in grouped)
        items = [{"category": group["category"], "jobs": [render(job) for job in group["jobs"]],
                  "count": group["count"]} for group in grouped]
        self_link = {"href": f"{base}?{urlencode(dict(params))}" if params else base, "rel": "self",
                     "type": "application/json", "title": "Grouped jobs."}
        return {"groups": items, "count": len(items), "total": total, "links": [self_link]}
    jobs, total = store.find_jobs(filters, sort=sort, ascending=ascending, page=page, limit=limit, fields=fields)
    last_page = max(0, (total - 1) // limit)
    if page > last_page:
        raise JobInvalidParameter(f"Page index {page} is out of range from [0,{last_page}].", error="IndexError",
                                  value={"page": page, "limit": limit, "count": total},
                                  cause={"name": "page", "in": "query", "value": page})
    items = [render(job) for job in jobs]
    links = page_links(base, params, page, limit, last_page)
    return {"jobs": items, "page": page, "limit": limit, "count": len(items), "total": total, "links": links}


def page_links(base: str, params: Mapping[str, str], page: int, limit: int, last_page: int) -> List[Dict[str, str]]:
    """self, first, last, and prev/next when they exist; the other query parameters are kept."""
    query = {key: value for key, value in params.items() if key not in ("page", "limit")}

    def link(rel: str, number: int) -> Dict[str, str]:
        return {"href": f"{base}?{urlencode(dict(query, page=number, limit=limit))}", "rel": rel,
                "type": "application/json", "title": f"Jobs page {number}."}

    links = [link("self", page), link("first", 0), link("last", last_page)]
    if page > 0:
        links.append(link("prev", page - 1))
    if page < last_page:
        links.append(link("next", page + 1))
    return links


def link_headers(links: Sequence[Mapping[str, str]]) -> List[str]:
    return [f'<{link["href"]}>; rel="{link["rel"]}"; type="{link["type"]}"' for link in links]


def listing_response(settings: Mapping[str, Any], params: Mapping[str, str], process_id: Optional[str] = None,
                     provider_id: Optional[str] = None) -> Response:
    """The listing as a JSON response whose links are repeated as ``Link`` headers."""
    body = list_jobs(settings, params, process_id, provider_id)
    response = Response(json_body=body, content_type="application/json")
    for header in link_headers(body["links"]):
        response.headers.add("Link", header)
    return response
