"""Domain errors of weaver.

They are plain exceptions (no web framework inside) carrying what the REST renderer needs to build the OGC
exception JSON ``{type, title, detail, status, cause?, ...}`` and what the WPS renderer needs to build an OWS
ExceptionReport (``code``, ``locator``). Views raise them; one exception view per wire format renders them.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

OGC_EXCEPTION_BASE = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
OGC_PART4_EXCEPTION_BASE = "http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/"


class WeaverError(Exception):
    """Base error: an HTTP status, an OGC type URI, a title and an OWS code."""

    status: int = 500
    type: str = "NoApplicableCode"
    title: str = "Internal Server Error"
    code: str = "NoApplicableCode"

    def __init__(self, detail: str = "", *, status: Optional[int] = None, type: Optional[str] = None,
                 title: Optional[str] = None, code: Optional[str] = None, cause: Any = None,
                 locator: Optional[str] = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if status is not None:
            self.status = status
        if type is not None:
            self.type = type
        if title is not None:
            self.title = title
        if code is not None:
            self.code = code
        self.cause = cause
        self.locator = locator
        self.extra = extra

    def json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "detail": self.detail,
            "status": self.status,
            "code": self.code,
            "description": self.detail,
        }
        if self.cause is not None:
            body["cause"] = self.cause
        body.update({key: val for key, val in self.extra.items() if val is not None})
        return body


class InvalidParameterValue(WeaverError):
    status = 400
    type = OGC_EXCEPTION_BASE + "invalid-parameter"
    title = "InvalidParameterValue"
    code = "InvalidParameterValue"


class MissingParameterValue(InvalidParameterValue):
    title = "MissingParameterValue"
    code = "MissingParameterValue"


class UnsupportedMediaType(WeaverError):
    status = 415
    type = OGC_PART4_EXCEPTION_BASE + "unsupported-media-type"
    title = "Unsupported Media-Type"
    code = "InvalidHeaderValue"


class InvalidSchema(WeaverError):
    status = 422
    type = "InvalidSchema"
    title = "Invalid Job Execution Schema"
    code = "InvalidSchema"


class NotAcceptable(WeaverError):
    status = 406
    type = "NotAcceptable"
    title = "NotAcceptable"
    code = "NotAcceptable"


class UnprocessableEntity(WeaverError):
    status = 422
    type = "UnprocessableEntity"
    title = "UnprocessableEntity"
    code = "UnprocessableEntity"


class ProcessNotFound(WeaverError):
    status = 404
    type = OGC_EXCEPTION_BASE + "no-such-process"
    title = "NoSuchProcess"
    code = "NoSuchProcess"


class ProcessNotAccessible(WeaverError):
    status = 403
    type = "ProcessNotAccessible"
    title = "ProcessNotAccessible"
    code = "AccessForbidden"


class ProcessRegistrationError(WeaverError):
    status = 409
    type = "ProcessRegistrationError"
    title = "ProcessRegistrationError"
    code = "ProcessRegistrationError"


class JobNotFound(WeaverError):
    status = 404
    type = OGC_EXCEPTION_BASE + "no-such-job"
    title = "NoSuchJob"
    code = "NoSuchJob"


class JobInvalidParameter(WeaverError):
    status = 400
    type = OGC_EXCEPTION_BASE + "invalid-parameter"
    title = "JobInvalidParameter"
    code = "JobInvalidParameter"


class JobGone(WeaverError):
    status = 410
    type = OGC_EXCEPTION_BASE + "result-not-available"
    title = "JobDismissed"
    code = "JobDismissed"


class JobResultsNotReady(WeaverError):
    status = 404
    type = OGC_EXCEPTION_BASE + "result-not-ready"
    title = "JobResultsNotReady"
    code = "JobResultsNotReady"


class JobResultsFailed(WeaverError):
    status = 400
    type = OGC_EXCEPTION_BASE + "result-not-available"
    title = "JobResultsFailed"
    code = "JobResultsFailed"


class OutputNotFound(WeaverError):
    status = 404
    type = OGC_EXCEPTION_BASE + "no-such-output"
    title = "NoSuchOutput"
    code = "NoSuchOutput"


class JobLocked(WeaverError):
    status = 423
    type = OGC_PART4_EXCEPTION_BASE + "locked"
    title = "JobLocked"
    code = "JobLocked"


class JobRegistrationError(WeaverError):
    status = 500
    type = "JobRegistrationError"
    title = "JobRegistrationError"
    code = "JobRegistrationError"


class JobExecutionError(WeaverError):
    status = 500
    type = "JobExecutionError"
    title = "JobExecutionError"
    code = "NoApplicableCode"


class AccessForbidden(WeaverError):
    status = 403
    type = "AccessForbidden"
    title = "AccessForbidden"
    code = "AccessForbidden"


class ServiceUnavailable(WeaverError):
    status = 503
    type = "ServiceUnavailable"
    title = "ServiceUnavailable"
    code = "ServerBusy"


class ServiceNotFound(WeaverError):
    status = 404
    type = "NoSuchProvider"
    title = "NoSuchProvider"
    code = "NoSuchProvider"


class ServiceRegistrationError(WeaverError):
    status = 409
    type = "ProviderConflict"
    title = "ProviderConflict"
    code = "ProviderConflict"


class ServiceUnreachable(WeaverError):
    """A provider URL that does not answer as a WPS 1.0.0 server (registration refused)."""

    status = 422
    type = "ProviderUnreachable"
    title = "ProviderUnreachable"
    code = "InvalidParameterValue"
