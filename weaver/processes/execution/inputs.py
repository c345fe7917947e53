"""From a job's JSON inputs to the OWSLib inputs of a WPS execution, and the process description they need."""
from __future__ import annotations

import base64
import json
import logging
import threading
from typing import Any, Dict, List, Optional, Tuple, Union

from owslib.wps import BoundingBoxDataInput, ComplexDataInput, WebProcessingService

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job, Process
from weaver.exceptions import JobExecutionError
from weaver.processes.convert import OWS_Input_Type, ProcessOWS
from weaver.processes.execution.nested import resolve_nested_process
from weaver.processes.job_io import input_value_kind, normalize_inputs, unwrap_value
from weaver.processes.wps_process import pywps_process_for
from weaver.typedefs import JSON, AnyDatabaseContainer, AnyValueType, HeadersType, JobValueBbox, SettingsType
from weaver.wps.service import WorkerService, describe_ows_process, load_pywps_config

LOGGER = logging.getLogger(__name__)
_DESCRIPTIONS: Dict[Tuple[str, str, str, str], ProcessOWS] = {}
_DESCRIPTIONS_LOCK = threading.Lock()
_FORMAT_KEYS = ("mime_type", "mimeType", "mediaType", "media_type", "type")
_DROPPED_CLIENT_HEADERS = ("accept", "content-type", "content-length", "content-transfer-encoding")


def fetch_wps_process(job: Job, wps_url: str, headers: HeadersType, settings: SettingsType,
                      process: Optional[Process] = None) -> ProcessOWS:
    """Retrieves the WPS process description from the local or remote WPS reference URL.

    Local processes are described in-process (same document a WPS client would get, without HTTP to ourselves)
    and cached per version; remote ones are asked for with OWSLib, with a timeout. A caller that holds the
    local process already gives it as ``process`` (no second read of the store).
    """
    settings = get_settings(settings)
    if job.is_local:
        if process is None:
            process = get_db(settings).processes.fetch_by_id(job.process)
        key = (process.id, process.version, wps_url, str(process.get("revision", "")))
        with _DESCRIPTIONS_LOCK:
            cached = _DESCRIPTIONS.get(key)
        if cached is not None:
            return cached
        load_pywps_config(settings)
        service = WorkerService(processes=[pywps_process_for(process)])
        description = describe_ows_process(service, process.id, wps_url)
        with _DESCRIPTIONS_LOCK:
            _DESCRIPTIONS[key] = description
        return description
    ignored = {h.strip().lower() for h in settings["weaver.wps_client_headers_filter"].split(",") if h.strip()}
    client_headers = {k: v for k, v in (headers or {}).items()
                      if k.lower() not in ignored and k.lower() not in _DROPPED_CLIENT_HEADERS}
    try:
        client = WebProcessingService(wps_url, version="1.0.0", headers=client_headers, skip_caps=True,
                                      timeout=settings["weaver.wps_client_timeout"],
                                      language=job.accept_language)
    except Exception as exc:  # OWSLib raises anything from requests or lxml
        raise JobExecutionError(f"Failed to retrieve WPS capabilities from [{wps_url}]: {exc}") from exc
    try:
        return client.describeprocess(job.process)
    except Exception as exc:
        raise JobExecutionError(f"Failed to retrieve WPS process description of [{job.process}] from "
                                f"[{wps_url}]: {exc}") from exc


def parse_wps_input_format(input_info: JSON, type_field: str = "mime_type",
                           search_variations: bool = True) -> Tuple[Optional[str], Optional[str]]:
    """``(media_type, encoding)`` declared on a submitted input; ``charset`` parameters give the encoding."""
    candidates: List[Any] = [input_info.get(type_field)]
    if search_variations:
        candidates.extend(input_info.get(key) for key in _FORMAT_KEYS)
        fmt = input_info.get("format")
        if isinstance(fmt, dict):
            candidates.extend(fmt.get(key) for key in _FORMAT_KEYS)
    media_type = next((c for c in candidates if isinstance(c, str) and c), None)
    encoding = input_info.get("encoding")
    if isinstance(input_info.get("format"), dict) and not encoding:
        encoding = input_info["format"].get("encoding")
    if media_type and "charset=" in media_type:
        params = [p.strip() for p in media_type.split(";")]
        media_type = params[0]
        charset = next((p.split("=", 1)[1] for p in params[1:] if p.lower().startswith("charset=")), None)
        encoding = encoding or charset
    return media_type, encoding


def parse_wps_input_complex(input_value: Union[str, JSON], input_info: JSON) -> ComplexDataInput:
    """Parse the input data details into a complex input (a reference, or data embedded in the request)."""
    info = input_value if isinstance(input_value, dict) else input_info
    media_type, encoding = parse_wps_input_format(info or {})
    schema = (info or {}).get("schema")
    if isinstance(schema, dict):
        schema = schema.get("$ref")
    data: Any = input_value
    if isinstance(input_value, dict):
        for key in ("href", "reference", "value", "data"):
            if key in input_value:
                data = input_value[key]
                break
        else:  # a bare JSON object given as the value of a complex input
            data = input_value
            media_type = media_type or "application/json"
        if ("href" in input_value or "reference" in input_value) and isinstance(data, str) and "://" not in data:
            data = f"file://{data}"
    if encoding == "base64" and isinstance(data, str) and not (isinstance(input_value, dict) and (
            "href" in input_value or "reference" in input_value)):
        base64.b64decode(data, validate=True)  # reject corrupt base64 before it reaches the process
    if not isinstance(data, str):
        data = json.dumps(data)
        media_type = media_type or "application/json"
    return ComplexDataInput(data, mimeType=media_type, encoding=encoding, schema=schema)


OGC_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _default_bbox_crs(input_info: JSON) -> str:
    """A bounding box given without ``crs`` is in CRS84 (OGC API - Processes ``bbox.yaml``) when the process
    declares CRS84 among its supported CRS; otherwise in its default CRS (EPSG:4326 when unknown)."""
    supported = [crs for crs in input_info.get("crss") or [] if isinstance(crs, str)]
    if OGC_CRS84 in supported:
        return OGC_CRS84
    return input_info.get("crs") or "EPSG:4326"


def parse_wps_input_bbox(input_value: Union[str, JobValueBbox], input_info: JSON) -> BoundingBoxDataInput:
    """Parse the input data details into a bounding box input (``{"bbox": [...], "crs": ...}`` or CSV)."""
    crs = None
    if isinstance(input_value, dict):
        coords = input_value.get("bbox")
        crs = input_value.get("crs")
    else:
        coords = input_value
    if isinstance(coords, str):
        coords = coords.split(",")
    values = [float(v) for v in coords or []]
    if len(values) not in (4, 6):
        raise JobExecutionError(f"Bounding box requires 4 or 6 numbers, got {len(values)}.")
    crs = crs or _default_bbox_crs(input_info or {})
    return BoundingBoxDataInput(values, crs=crs, dimensions=len(values) // 2)


def parse_wps_input_literal(input_value: Union[AnyValueType, JSON]) -> Optional[str]:
    """Parse the input data details into a literal input (the string a WPS request carries)."""
    value = input_value
    if isinstance(value, dict):
        for key in ("value", "data", "measure"):
            if key in value:
                value = value[key]
                break
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def parse_wps_inputs(wps_process: ProcessOWS, job: Job, container: Optional[AnyDatabaseContainer] = None
                     ) -> List[Tuple[str, OWS_Input_Type]]:
    """Parses expected WPS process inputs against submitted job input values considering supported definitions.

    Arrays become repeated ``(id, value)`` entries; the kind of each input (literal, complex, bounding box)
    comes from the WPS description, as a WPS worker sees it.
    """
    submitted = normalize_inputs(job.inputs)
    wps_inputs: List[Tuple[str, OWS_Input_Type]] = []
    for description in wps_process.dataInputs:
        input_id = description.identifier
        values: List[Any] = []
        for value in submitted.get(input_id, []):
            if description.dataType not in ("ComplexData", "BoundingBoxData") and input_value_kind(value) == "value" \
                    and isinstance(unwrap_value(value), list):
                value = unwrap_value(value)  # a qualified array of literals repeats the literal input
            values.extend(value if isinstance(value, list) else [value])
        for value in values:
            if value is None:
                LOGGER.warning("Input '%s' of %s has a null value: it is dropped.", input_id, job)
                continue
            kind = input_value_kind(value)
            if kind == "process":
                value = resolve_nested_process(job, input_id, value, get_settings(container))
            elif kind == "collection":
                raise JobExecutionError(f"Input '{input_id}' uses a '{kind}' reference, which this server does "
                                        f"not resolve.")
            if description.dataType == "ComplexData":
                wps_inputs.append((input_id, parse_wps_input_complex(value, {})))
            elif description.dataType == "BoundingBoxData":
                crs = getattr(description, "supportedValues", None)
                info = {"crs": crs[0] if isinstance(crs, list) and crs and isinstance(crs[0], str) else None,
                        "crss": crs if isinstance(crs, list) else []}
                wps_inputs.append((input_id, parse_wps_input_bbox(value, info)))
            else:
                literal = parse_wps_input_literal(value)
                if literal is not None:
                    wps_inputs.append((input_id, literal))
    return wps_inputs
