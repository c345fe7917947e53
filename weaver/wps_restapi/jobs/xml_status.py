"""``GET /jobs/{id}`` as WPS XML: the WPS 1.0.0 ExecuteResponse of the job, for clients that ask for XML."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from pyramid.request import Request
from pyramid.response import Response

from weaver.datatype import Job
from weaver.owsexceptions import ows_exception_response
from weaver.status import Status, map_status
from weaver.wps.status_xml import wps_status_xml

XML_MEDIA_TYPES = ("application/xml", "text/xml")


def requested_xml_type(request: Request) -> Optional[str]:
    """The XML media type asked for explicitly (``?f=xml`` or an Accept preferring XML); None: JSON, the default."""
    fmt = (request.GET.get("f") or request.GET.get("format") or "").lower()
    if fmt:
        return "text/xml" if fmt == "xml" else fmt if fmt in XML_MEDIA_TYPES else None
    if not request.headers.get("Accept"):
        return None
    best = request.accept.best_match(["application/json", *XML_MEDIA_TYPES])
    return best if best in XML_MEDIA_TYPES else None


def job_status_xml_response(job: Job, settings: Mapping[str, Any], media_type: str = "text/xml") -> Response:
    """The job's WPS status document; 410 JobStatusGone once the job was dismissed (its documents are deleted)."""
    if map_status(job.status) == Status.DISMISSED:
        return ows_exception_response("JobStatusGone", f"Job {job.id} was dismissed: its status document is gone.",
                                      "JobID", 410)
    response = Response(body=wps_status_xml(job, settings).encode("utf-8"), status=200)
    response.content_type = media_type
    response.charset = "utf-8"
    return response
