"""One place renders every error: OGC exception JSON on REST routes, OWS ExceptionReport XML on the WPS path."""
from __future__ import annotations

import logging

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPException
from pyramid.request import Request
from pyramid.response import Response

from weaver.config import get_settings
from weaver.exceptions import WeaverError
from weaver.owsexceptions import ows_exception_response

LOGGER = logging.getLogger(__name__)
_HTTP_TYPES = {
    404: "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/not-found",
    405: "MethodNotAllowed",
}


def _is_wps_request(request: Request) -> bool:
    settings = get_settings(request.registry.settings)
    return request.path.startswith(settings["weaver.wps_path"])


def json_error_response(error: WeaverError) -> Response:
    response = Response(json_body=error.json(), status=error.status)
    response.content_type = "application/json"
    return response


def weaver_error_view(error: WeaverError, request: Request) -> Response:
    if _is_wps_request(request):
        return ows_exception_response(error.code, error.detail, error.locator, error.status)
    return json_error_response(error)


def http_error_view(error: HTTPException, request: Request) -> Response:
    """Pyramid's own HTTP errors (unknown path, wrong method...) in the same formats."""
    if error.status_code < 400:
        return error
    if _is_wps_request(request):
        return ows_exception_response("NoApplicableCode", error.detail or error.title, None, error.status_code)
    wrapped = WeaverError(str(error.detail or error.explanation or error.title), status=error.status_code,
                          type=_HTTP_TYPES.get(error.status_code, error.title.replace(" ", "")),
                          title=error.title, code=error.title.replace(" ", ""))
    response = json_error_response(wrapped)
    if error.status_code == 405 and "Allow" in error.headers:
        response.headers["Allow"] = error.headers["Allow"]
    return response


def unexpected_error_view(error: Exception, request: Request) -> Response:
    """Anything else is a bug: log it fully, answer a 500 that says nothing internal."""
    LOGGER.exception("Unhandled error on %s %s", request.method, request.path)
    wrapped = WeaverError("Unhandled internal error; see the server logs.", status=500)
    return weaver_error_view(wrapped, request)


def includeme(config: Configurator) -> None:
    config.add_view(weaver_error_view, context=WeaverError)
    config.add_view(http_error_view, context=HTTPException)
    config.add_view(unexpected_error_view, context=Exception)
    config.add_notfound_view(http_error_view)
    config.add_forbidden_view(http_error_view)
