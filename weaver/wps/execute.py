"""WPS Execute (1.0.0 and 2.0.0, KVP or XML): the same job submission as the REST API, answered in WPS XML."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from pyramid.request import Request
from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job, Process
from weaver.exceptions import AccessForbidden, InvalidParameterValue, ProcessNotAccessible, ProcessNotFound
from weaver.jobs.results import parse_job_error
from weaver.owsexceptions import ows_exception_response
from weaver.processes.convert import cast_literal, ogc_io_kind
from weaver.processes.execution import submit_job_handler
from weaver.status import Status, map_status
from weaver.visibility import Visibility
from weaver.wps import wps2_xml
from weaver.wps.status_xml import wps_status_xml, write_wps_status

_SCHEMA_LITERAL_TYPES = {"integer": "integer", "number": "double", "boolean": "boolean"}


def _literal_value(value: str, description: Dict[str, Any]) -> Any:
    schema = description.get("schema") or {}
    kind = schema.get("type")
    if kind == "array":
        kind = (schema.get("items") or {}).get("type")
    return cast_literal(value, _SCHEMA_LITERAL_TYPES.get(kind or "", "string"))


def wps_inputs_to_json(wps_inputs: Dict[str, List[Dict[str, Any]]], process: Process) -> List[Dict[str, Any]]:
    """WPS request inputs (as pywps parses them) as the listing form of an OGC execute body."""
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
                if item.get("crs"):
                    entry["crs"] = item["crs"]
            elif kind == "complex":
                entry["value"] = item.get("data", "")
                if item.get("mimeType"):
                    entry["mediaType"] = item["mimeType"]
            else:
                entry["value"] = _literal_value(item.get("data", ""), description)
            inputs.append(entry)
    return inputs


def fetch_wps_process(settings: Mapping[str, Any], identifier: Optional[str]) -> Process:
    """The public process a WPS request names: 400 InvalidParameterValue when unknown, 403 when private."""
    try:
        return get_db(settings).processes.fetch_by_id(identifier or "", visibility=Visibility.PUBLIC.value)
    except ProcessNotAccessible as exc:
        raise AccessForbidden(f"Process '{identifier}' is not accessible.", locator="service") from exc
    except (ProcessNotFound, InvalidParameterValue) as exc:
        raise InvalidParameterValue(f"Unknown process '{identifier}'.", locator="identifier",
                                    value=[identifier]) from exc


def submit_wps_execute(request: Request, version: str, identifier: str, wps_inputs: Dict[str, List[Dict[str, Any]]],
                       wps_outputs: Dict[str, Dict[str, Any]], mode: str, response_type: str = "document") -> Response:
    """Submit the job; answer as the WPS version asks (``mode`` is sync, async or auto)."""
    settings = get_settings(request.registry.settings)
    process = fetch_wps_process(settings, identifier)
    outputs = {output_id: {"transmissionMode": "reference" if definition.get("asReference") in ("true", True)
                           else "value"} for output_id, definition in (wps_outputs or {}).items()}
    payload: Dict[str, Any] = {"inputs": wps_inputs_to_json(wps_inputs or {}, process), "response": response_type}
    if outputs:
        payload["outputs"] = outputs
    max_wait = settings["weaver.execute_sync_max_wait"]
    prefer = "respond-async" if mode == "async" else f"wait={max_wait}"
    response = submit_job_handler(
        payload, settings, settings["weaver.wps_url"], process=process, is_local=True,
        visibility=Visibility.PUBLIC, language=None,
        headers={"Prefer": prefer, "Content-Type": "application/json"},
        tags=["xml", f"wps-{version}"], context=None,
    )
    job = get_db(settings).jobs.fetch_by_id(response.weaver_job_id)
    write_wps_status(job, settings)
    if wants_json(request):
        return response
    if version == "2.0.0":
        return _v2_execute_response(job, settings, mode, response_type, response)
    return Response(body=wps_status_xml(job, settings).encode("utf-8"), status=200, content_type="text/xml",
                    charset="utf-8")


def _v2_execute_response(job: Job, settings: Mapping[str, Any], mode: str, response_type: str,
                         submitted: Response) -> Response:
    status = map_status(job.status)
    if mode != "async" and status == Status.SUCCESSFUL:
        if response_type == "raw":
            return submitted
        return xml_response(wps2_xml.result_document(job, settings))
    if mode == "sync" and status == Status.FAILED:
        code, text = parse_job_error(job)
        return ows_exception_response(code, text, None, 500 if code == "NoApplicableCode" else 400, "2.0.0")
    return xml_response(wps2_xml.status_info(job))


def xml_response(body: bytes, status: int = 200) -> Response:
    return Response(body=body, status=status, content_type="text/xml", charset="utf-8")


def wants_json(request: Request) -> bool:
    fmt = (request.GET.get("f") or request.GET.get("format") or "").lower()
    if fmt:
        return fmt == "json"
    accept = request.headers.get("Accept") or ""
    return "json" in accept and "xml" not in accept
