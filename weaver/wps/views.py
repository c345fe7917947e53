"""The WPS endpoint: WPS 1.0.0 and 2.0.0 operations, KVP (GET) or XML (POST), errors as OWS ExceptionReport.

GetCapabilities and WPS 1.0.0 DescribeProcess are pywps' own documents; Execute goes through weaver's job
submission; WPS 2.0.0 DescribeProcess, GetStatus, GetResult and Dismiss are rendered from weaver's processes and
jobs. Every request body is parsed safely first (see weaver.wps.request).
"""
from __future__ import annotations

import logging
from typing import Dict, Optional

import pywps
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pywps.app.WPSRequest import WPSRequest
from pywps.exceptions import NoApplicableCode as PywpsError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from weaver.config import get_settings
from weaver.database import get_db
from weaver.exceptions import AccessForbidden, InvalidParameterValue, WeaverError
from weaver.owsexceptions import ows_exception_response
from weaver.processes.wps_process import pywps_service_for
from weaver.visibility import Visibility
from weaver.wps import job_operations, wps2_xml
from weaver.wps.execute import fetch_wps_process, submit_wps_execute, wants_json, xml_response
from weaver.wps.request import WPS_VERSIONS, WpsRequestInfo, execute_v2_inputs, kvp_value, wps_request_info
from weaver.wps.service import call_pywps, load_pywps_config

LOGGER = logging.getLogger(__name__)


def _pyramid_response(body: bytes, content_type: str, status: int) -> Response:
    response = Response(body=body, status=status)
    response.headers["Content-Type"] = content_type
    return response


def _call_pywps(request: Request, service: pywps.Service, query: Dict[str, str]) -> Response:
    """Run a pywps operation from a KVP query we build ourselves (pywps never sees the client's body)."""
    environ = EnvironBuilder(path="/wps", query_string=query, headers={"Accept": "text/xml"}).get_environ()
    environ["HTTP_HOST"] = request.host
    return _pyramid_response(*call_pywps(service, WerkzeugRequest(environ)))


def _capabilities(request: Request, info: WpsRequestInfo) -> Response:
    settings = get_settings(request.registry.settings)
    if wants_json(request):
        raise HTTPSeeOther(location=f"{settings['weaver.wps_restapi_url']}/processes")
    processes, _ = get_db(settings).processes.list_processes(Visibility.PUBLIC.value)
    service = pywps_service_for(processes)
    response = _call_pywps(request, service, {"service": "WPS", "request": "GetCapabilities",
                                               "acceptversions": info.version})
    if info.version == "2.0.0" and response.status_code == 200:
        return xml_response(wps2_xml.complete_capabilities(response.body, service.processes.values()))
    return response


def _describe(request: Request, info: WpsRequestInfo) -> Response:
    settings = get_settings(request.registry.settings)
    if wants_json(request):
        raise HTTPSeeOther(location=f"{settings['weaver.wps_restapi_url']}/processes/{info.identifier}")
    if info.identifiers == ["all"]:
        processes, _ = get_db(settings).processes.list_processes(Visibility.PUBLIC.value)
    else:
        try:
            processes = [fetch_wps_process(settings, identifier) for identifier in info.identifiers]
        except AccessForbidden as exc:  # private processes are not described: they do not exist for WPS clients
            raise InvalidParameterValue(f"Unknown process '{info.identifier}'.", locator="identifier",
                                        value=info.identifiers) from exc
    if info.version == "2.0.0":
        service = pywps_service_for(processes)
        return xml_response(wps2_xml.process_offerings(service.processes.values()))
    return _call_pywps(request, pywps_service_for(processes), {
        "service": "WPS", "request": "DescribeProcess", "version": "1.0.0",
        "identifier": ",".join(p.id for p in processes)})


def _execute(request: Request, info: WpsRequestInfo) -> Response:
    if info.version == "2.0.0" and info.root is not None:
        inputs, outputs, mode, response_type = execute_v2_inputs(info.root)
        return submit_wps_execute(request, info.version, info.identifier or "", inputs, outputs, mode, response_type)
    environ = dict(request.environ)
    environ["wsgi.input"] = request.body_file_seekable
    request.body_file_seekable.seek(0)
    wps_request = WPSRequest(WerkzeugRequest(environ))  # pywps parses WPS 1.0.0 inputs (KVP and XML)
    is_async = wps_request.store_execute == "true" and wps_request.status == "true"
    if info.version == "2.0.0":  # KVP 2.0.0: mode as the WPS 2.0 KVP binding names it
        mode = (kvp_value(request.GET, "mode") or "auto").lower()
        is_async = is_async or mode == "async"
    return submit_wps_execute(request, info.version, info.identifier or "", wps_request.inputs or {},
                              wps_request.outputs or {}, "async" if is_async else "sync")


def _dispatch(request: Request) -> Response:
    settings = get_settings(request.registry.settings)
    load_pywps_config(settings)
    info = wps_request_info(request.method, request.GET, request.body or b"")
    request.environ["weaver.wps_version"] = info.version
    if info.operation == "getcapabilities":
        return _capabilities(request, info)
    if info.operation == "describeprocess":
        return _describe(request, info)
    if info.operation == "execute":
        return _execute(request, info)
    operation = {"getstatus": job_operations.get_status, "getresult": job_operations.get_result,
                 "dismiss": job_operations.dismiss}[info.operation]
    return operation(settings, info.job_id or "")


def wps_view(request: Request) -> Response:
    """Handle any WPS request (KVP GET or XML POST); every error becomes an OWS ExceptionReport."""
    try:
        return _dispatch(request)
    except HTTPSeeOther:
        raise
    except WeaverError as exc:
        if wants_json(request):  # JSON clients get the JSON error body (e.g. the offending identifiers as value)
            return Response(json_body=exc.json(), status=exc.status, content_type="application/json")
        return ows_exception_response(exc.code, exc.detail, exc.locator, exc.status, _error_version(request))
    except PywpsError as exc:
        return ows_exception_response(exc.name, str(exc.description or ""), exc.locator or None,
                                      int(exc.code) if str(exc.code).isdigit() else 400, _error_version(request))


def _error_version(request: Request) -> Optional[str]:
    """The WPS version to report an error in: the one identified, else the one the KVP query names."""
    version = request.environ.get("weaver.wps_version") or kvp_value(request.GET, "version")
    return version if version in WPS_VERSIONS else None
