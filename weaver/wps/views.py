"""The WPS endpoint: GetCapabilities and DescribeProcess by pywps, Execute through weaver's job submission."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pywps.app.WPSRequest import WPSRequest
from pywps.exceptions import NoApplicableCode as PywpsError
from werkzeug.wrappers import Request as WerkzeugRequest

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Process
from weaver.exceptions import AccessForbidden, InvalidParameterValue, ProcessNotAccessible, ProcessNotFound
from weaver.processes.convert import cast_literal, ogc_io_kind
from weaver.processes.execution import submit_job_handler
from weaver.processes.wps_process import pywps_service_for
from weaver.owsexceptions import ows_exception_response
from weaver.visibility import Visibility
from weaver.wps.service import call_pywps, load_pywps_config
from weaver.wps.status_xml import wps_status_xml, write_wps_status

LOGGER = logging.getLogger(__name__)
_SCHEMA_LITERAL_TYPES = {"integer": "integer", "number": "double", "boolean": "boolean"}


def _pyramid_response(body: bytes, content_type: str, status: int) -> Response:
    response = Response(body=body, status=status)
    response.headers["Content-Type"] = content_type
    return response


def _wants_json(request: Request) -> bool:
    fmt = (request.params.get("f") or request.params.get("format") or "").lower()
    return fmt == "json" or request.accept.best_match(["text/xml", "application/json"]) == "application/json" \
        and "xml" not in (request.headers.get("Accept") or "xml")


def _literal_value(value: str, description: Dict[str, Any]) -> Any:
    schema = description.get("schema") or {}
    kind = schema.get("type")
    if kind == "array":
        kind = (schema.get("items") or {}).get("type")
    return cast_literal(value, _SCHEMA_LITERAL_TYPES.get(kind or "", "string"))


def wps_inputs_to_json(wps_inputs: Dict[str, List[Dict[str, Any]]], process: Process) -> List[Dict[str, Any]]:
    """pywps-parsed request inputs as the listing form of an OGC execute body."""
    inputs: List[Dict[str, Any]] = []
    for input_id, items in wps_inputs.items():
        description = process.inputs.get(input_id) or {}
        kind = ogc_io_kind(description) if description else "literal"
        for item in items:
            entry: Dict[str, Any] = {"id": input_id}
            if item.get("href"):
                entry["href"] = item["href"]
                if item.get("mimeType"):
                    entry["type"] = item["mimeType"]
            elif kind == "bbox" or "crs" in item and isinstance(item.get("data"), list):
                data = item.get("data")
                entry["bbox"] = [float(v) for v in (data.split(",") if isinstance(data, str) else data)][:6]
                crs = item.get("crs")
                if crs:
                    entry["crs"] = crs
            elif kind == "complex":
                entry["value"] = item.get("data", "")
                if item.get("mimeType"):
                    entry["mediaType"] = item["mimeType"]
            else:
                entry["value"] = _literal_value(item.get("data", ""), description)
            inputs.append(entry)
    return inputs


def _fetch_process(request: Request, identifier: Optional[str]) -> Process:
    try:
        return get_db(request.registry.settings).processes.fetch_by_id(identifier or "",
                                                                       visibility=Visibility.PUBLIC.value)
    except ProcessNotAccessible as exc:
        raise AccessForbidden(f"Process '{identifier}' is not accessible.", locator="service") from exc
    except ProcessNotFound as exc:
        raise InvalidParameterValue(f"Unknown process '{identifier}'.", locator="identifier",
                                    value=[identifier]) from exc


def _execute(request: Request, wps_request: WPSRequest) -> Response:
    settings = get_settings(request.registry.settings)
    process = _fetch_process(request, wps_request.identifier)
    is_async = wps_request.store_execute == "true" and wps_request.status == "true"
    outputs = {}
    for output_id, definition in (wps_request.outputs or {}).items():
        outputs[output_id] = {"transmissionMode": "reference" if definition.get("asReference") in ("true", True)
                              else "value"}
    payload = {"inputs": wps_inputs_to_json(wps_request.inputs or {}, process), "response": "document"}
    if outputs:
        payload["outputs"] = outputs
    prefer = "respond-async" if is_async else f"wait={settings['weaver.execute_sync_max_wait']}"
    response = submit_job_handler(
        payload, settings, settings["weaver.wps_url"], process=process, is_local=True,
        visibility=Visibility.PUBLIC, language=None, headers={"Prefer": prefer, "Content-Type": "application/json"},
        tags=["xml", f"wps-{wps_request.version or '1.0.0'}"], context=None,
    )
    job = get_db(settings).jobs.fetch_by_id(response.weaver_job_id)
    write_wps_status(job, settings)
    if _wants_json(request):
        return response
    body = wps_status_xml(job, settings).encode("utf-8")
    return Response(body=body, status=200, content_type="text/xml", charset="utf-8")


def wps_view(request: Request) -> Response:
    """Handle any WPS request (KVP GET or XML POST)."""
    settings = get_settings(request.registry.settings)
    load_pywps_config(settings)
    environ = dict(request.environ)
    environ["wsgi.input"] = request.body_file_seekable
    werkzeug_request = WerkzeugRequest(environ)
    try:
        wps_request = WPSRequest(werkzeug_request)
    except PywpsError as exc:
        return ows_exception_response(exc.code, exc.description, exc.locator, exc.code_status
                                      if hasattr(exc, "code_status") else 400)
    operation = (wps_request.operation or "").lower()
    base = settings["weaver.wps_restapi_url"]
    if operation == "getcapabilities" and _wants_json(request):
        raise HTTPSeeOther(location=f"{base}/processes")
    if operation == "describeprocess" and _wants_json(request):
        identifiers = wps_request.identifiers or []
        raise HTTPSeeOther(location=f"{base}/processes/{identifiers[0] if identifiers else ''}")
    if operation == "execute":
        return _execute(request, wps_request)
    processes, _ = get_db(settings).processes.list_processes(Visibility.PUBLIC.value)
    if operation == "describeprocess":
        known = {p.id for p in processes}
        for identifier in wps_request.identifiers or []:
            if identifier != "all" and identifier not in known:
                raise InvalidParameterValue(f"Unknown process '{identifier}'.", locator="identifier",
                                            value=[identifier])
    service = pywps_service_for(processes)
    environ["wsgi.input"] = request.body_file_seekable
    request.body_file_seekable.seek(0)
    return _pyramid_response(*call_pywps(service, WerkzeugRequest(environ)))
