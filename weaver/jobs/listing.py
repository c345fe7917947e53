"""Job listings: query parameters to store query, and the listing document."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlencode

from weaver.database import get_db
from weaver.exceptions import JobInvalidParameter
from weaver.jobs import urls
from weaver.jobs.status_doc import job_status_document
from weaver.status import JOB_STATUS_CATEGORIES, Status, StatusCategory
from weaver.visibility import Visibility

MAX_LIMIT = 1000


def _int_param(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
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


def _status_filter(raw: Optional[str]) -> Optional[List[str]]:
    if not raw:
        return None
    statuses: List[str] = []
    for name in (part.strip().lower() for part in raw.split(",") if part.strip()):
        if name in {cat.value for cat in StatusCategory}:
            statuses.extend(JOB_STATUS_CATEGORIES[StatusCategory(name)])
            continue
        try:
            statuses.append(Status(name).value)
        except ValueError as exc:
            raise JobInvalidParameter(f"Invalid status filter '{name}'.", cause={"name": "status", "in": "query"},
                                      value={"status": raw}) from exc
    return sorted(set(statuses))


def list_jobs(settings: Mapping[str, Any], params: Mapping[str, str], process_id: Optional[str] = None
              ) -> Dict[str, Any]:
    """``{jobs, page, limit, count, total, links}`` for ``GET /jobs`` (public jobs only)."""
    page = _int_param(params, "page", 0, 0)
    limit = min(_int_param(params, "limit", 10, 1), MAX_LIMIT)
    detail = str(params.get("detail", "true")).lower() not in ("false", "0", "no")
    statuses = _status_filter(params.get("status"))
    process = process_id or params.get("process") or None
    tags = [tag.strip() for tag in params.get("tags", "").split(",") if tag.strip()] or None
    jobs, total = get_db(settings).jobs.find_jobs(process=process, status=statuses, tags=tags,
                                                  access=Visibility.PUBLIC.value, page=page, limit=limit)
    if page > 0 and page * limit >= total:
        raise JobInvalidParameter(f"Page index {page} is out of range from [0,{max(0, (total - 1) // limit)}].",
                                  error="IndexError", value={"page": page, "limit": limit, "count": total})
    base = (urls.process_url(settings, process_id) if process_id else urls.restapi_url(settings)) + "/jobs"
    query = {key: value for key, value in params.items() if key not in ("page", "limit")}

    def page_link(rel: str, number: int) -> Dict[str, str]:
        return {"href": f"{base}?{urlencode(dict(query, page=number, limit=limit))}", "rel": rel,
                "type": "application/json", "title": f"Jobs page {number}."}

    last_page = max(0, (total - 1) // limit)
    links = [page_link("self", page), page_link("first", 0), page_link("last", last_page)]
    if page > 0:
        links.append(page_link("prev", page - 1))
    if page < last_page:
        links.append(page_link("next", page + 1))
    items = [job_status_document(job, settings) if detail else job.id for job in jobs]
    return {"jobs": items, "page": page, "limit": limit, "count": len(items), "total": total, "links": links}
