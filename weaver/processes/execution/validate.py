"""Checks made on an execute request before any job exists: a bad request never creates a job."""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
from typing import Any, Dict, List, Mapping, Optional, Type, Union
from urllib.parse import unquote, urlparse

import colander
import jsonschema
from pyramid.request import Request

from weaver.datatype import Process
from weaver.exceptions import (
    InvalidParameterValue,
    InvalidSchema,
    NotAcceptable,
    UnprocessableEntity,
    UnsupportedMediaType,
)
from weaver.execute import AnyExecuteControlOption, AnyExecuteMode, ExecuteMode
from weaver.processes.convert import ogc_io_kind
from weaver.processes.execution.nested import is_process_url
from weaver.processes.job_io import input_value_kind, normalize_inputs, normalize_outputs, unwrap_value, \
    value_media_type
from weaver.typedefs import JSON, AnyHeadersContainer, ProcessExecution
from weaver.wps_restapi import swagger_definitions as sd

PROFILE_OGC_RESULTS = "https://www.opengis.net/def/profile/OGC/0/ogc-results"
PROFILE_JOB_DESCRIPTION = "https://www.opengis.net/def/profile/OGC/0/job-description"
PROFILE_WPS_RESPONSE = "https://schemas.opengis.net/wps/1.0.0/wpsExecute_response.xsd"
PROFILE_OPENEO_JOB = "https://openeo.org/documentation/1.0/developers/api/reference.html#tag/Batch-Jobs"
_SYNC_PROFILES = [PROFILE_OGC_RESULTS, "[ogc-results]", "ogc-results"]
_ASYNC_PROFILES = [PROFILE_JOB_DESCRIPTION, "[job-description]", "job-description", PROFILE_WPS_RESPONSE,
                   PROFILE_OPENEO_JOB]
_ALWAYS_ACCEPTED_MEDIA_TYPES = ("*/*", "text/plain")
OUTPUT_CONTEXT_PATTERN = re.compile(r"^[\w-]+(/[\w-]+)*/?$")


def _header(headers: AnyHeadersContainer, name: str) -> Optional[str]:
    items = headers.items() if hasattr(headers, "items") else (headers or [])
    for key, value in items:
        if key.lower() == name.lower():
            return value
    return None


def validate_job_json(request: Request) -> JSON:
    """Validates that the request contains valid JSON contents, but not necessary valid against the schema."""
    content_type = request.content_type or ""
    if "json" not in content_type:
        raise UnsupportedMediaType(
            f"Request 'Content-Type' header other than 'application/json' not supported: [{content_type}]",
            name="Content-Type", value=content_type, cause={"name": "Content-Type", "in": "headers",
                                                            "value": content_type})
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsupportedMediaType(f"Invalid JSON body cannot be decoded for job submission: {exc}",
                                   status=400, name="Content-Type", value=content_type) from exc
    if not isinstance(body, dict):
        raise InvalidParameterValue("Job submission body must be a JSON object.", status=400,
                                    cause={"in": "body", "value": body})
    return body


def validate_job_schema(payload: Any,
                        body_schema: Union[Type[sd.Execute], Type[sd.PatchJobBodySchema]] = sd.Execute,
                        *, headers: AnyHeadersContainer = None) -> ProcessExecution:
    """Validates that the input job payload is a valid JSON execution request (structure, enums)."""
    content_schema = _header(headers, "Content-Schema")
    if content_schema and content_schema != sd.EXECUTE_CONTENT_SCHEMA:
        raise UnprocessableEntity(
            f"Unsupported execution request 'Content-Schema' header [{content_schema}].",
            type="http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/unsupported-schema",
            title="Unsupported Schema",
            cause={"name": "Content-Schema", "in": "headers", "schema": {"const": sd.EXECUTE_CONTENT_SCHEMA}},
        )
    try:
        return body_schema(unknown="ignore").deserialize(payload)
    except colander.Invalid as exc:
        raise InvalidSchema("Invalid schema for job execution request.", error=type(exc).__name__,
                            cause=exc.asdict(), value=payload) from exc


def validate_job_accept_header(headers: AnyHeadersContainer, execution_mode: AnyExecuteMode) -> Optional[str]:
    """Validate that the submitted ``Accept`` header is permitted, returning the media type to respond with."""
    accept = _header(headers, "Accept")
    if not accept:
        return None
    if "application/json" in accept:
        return "application/json"
    if str(execution_mode) in (ExecuteMode.SYNC.value, ExecuteMode.AUTO.value):
        return accept
    if "*/*" in accept:
        return None
    raise NotAcceptable(
        f"Execution mode [{execution_mode}] returns a JSON job status; 'Accept' [{accept}] cannot be satisfied.",
        cause={"name": "Accept", "in": "headers", "value": accept},
    )


def validate_job_accept_profile(headers: AnyHeadersContainer, execution_mode: AnyExecuteMode) -> Optional[str]:
    """Validate ``Accept-Profile`` against what the execution mode can return."""
    profile = _header(headers, "Accept-Profile")
    if not profile:
        return None
    sync = str(execution_mode) in (ExecuteMode.SYNC.value, ExecuteMode.AUTO.value)
    allowed = _SYNC_PROFILES if sync else _ASYNC_PROFILES
    if profile.strip() in allowed:
        return profile.strip()
    raise NotAcceptable(
        f"Execution mode [{execution_mode}] does not support 'Accept-Profile' [{profile}].",
        cause={"name": "Accept-Profile", "in": "headers", "schema": {"type": "string", "enum": allowed}},
    )


def validate_process_exec_mode(job_control_options: List[AnyExecuteControlOption],
                               execution_mode: Optional[AnyExecuteMode]) -> None:
    """Verify that the execution mode is permitted by the process ``jobControlOptions`` (422 otherwise)."""
    if execution_mode is None or str(execution_mode) == ExecuteMode.AUTO.value:
        return
    required = f"{execution_mode}-execute"
    if required not in [str(opt) for opt in job_control_options]:
        raise UnprocessableEntity(
            f"Execution mode '{execution_mode}' is not permitted by the process job control options.",
            type="InvalidJobControlOptions", title="InvalidJobControlOptions",
            cause={"name": "mode", "in": "body", "value": str(execution_mode),
                   "jobControlOptions": [str(opt) for opt in job_control_options]},
        )


def validate_process_id(job_process: Process, payload: ProcessExecution) -> None:
    """If the body names a ``process``, it must be the URL of the process the request is addressed to."""
    body_process = payload.get("process")
    if not body_process:
        return
    process_url = job_process.get("processDescriptionURL") or ""
    if not str(body_process).rstrip("/").endswith(f"/processes/{job_process.id}") or (
            process_url and str(body_process).rstrip("/") != process_url.rstrip("/")):
        raise InvalidParameterValue(
            "Execution body 'process' does not match the process referenced by the request.",
            type="InvalidJobUpdate", title="InvalidJobUpdate",
            cause={"name": "process", "in": "body"},
            value={"body.process": body_process, "job.process": process_url or job_process.id},
        )


def _check_schema(input_id: str, value: Any, schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    try:
        # process descriptions carry OpenAPI 3.0 schemas: boolean exclusiveMinimum/Maximum, as in draft 4
        jsonschema.Draft4Validator(schema).validate(value)
    except jsonschema.ValidationError as exc:
        raise InvalidParameterValue(
            f"Input '{input_id}' value does not match its schema: {exc.message}",
            cause={"name": input_id, "in": "body", "value": value},
        ) from exc
    except (jsonschema.SchemaError, jsonschema.exceptions._RefResolutionError):  # type: ignore[attr-defined]
        return  # a schema we cannot resolve offline is not held against the client


def _supported_media_types(schema: Any) -> List[str]:
    found: List[str] = []
    if isinstance(schema, dict):
        if isinstance(schema.get("contentMediaType"), str):
            found.append(schema["contentMediaType"].split(";")[0].strip())
        for key in ("oneOf", "anyOf", "allOf"):
            for sub in schema.get(key) or []:
                found.extend(_supported_media_types(sub))
    return found



def _constrains(supported: List[str]) -> bool:
    """Whether declared media types restrict the submitted one (``*/*`` declares any media type)."""
    return bool(supported) and "*/*" not in supported


def _check_base64(input_id: str, value: Any) -> None:
    """A value declared ``encoding: base64`` must decode, or the worker would fail on it."""
    if not isinstance(value, dict) or "value" not in value:
        return
    fmt = value.get("format") if isinstance(value.get("format"), dict) else {}
    if str(value.get("encoding") or fmt.get("encoding") or "").lower() != "base64":
        return
    try:
        base64.b64decode(value["value"], validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise InvalidParameterValue(f"Input '{input_id}' value is declared base64 but does not decode: {exc}",
                                    cause={"name": input_id, "in": "body", "value": "encoding"}) from exc


def _check_media_type(input_id: str, value: Any, schema: Any) -> List[str]:
    """400 when the media type a value declares is not one the input accepts; returns the accepted ones."""
    media_type = value_media_type(value)
    supported = _supported_media_types(schema)
    if media_type and _constrains(supported) and media_type.split(";")[0].strip() not in supported + list(
            _ALWAYS_ACCEPTED_MEDIA_TYPES):
        raise InvalidParameterValue(
            f"Input '{input_id}' media type '{media_type}' is not supported (expected one of {supported}).",
            cause={"name": input_id, "in": "body", "value": value})
    return supported


def _check_input_value(input_id: str, value: Any, description: JSON) -> None:
    _check_base64(input_id, value)
    kind = ogc_io_kind(description)
    schema = description.get("schema")
    value_kind = input_value_kind(value)
    if kind == "bbox":
        bbox = value.get("bbox") if isinstance(value, dict) else value
        if isinstance(bbox, str):
            bbox = bbox.split(",")
        try:
            numbers = [float(v) for v in bbox]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            numbers = []
        if len(numbers) not in (4, 6):
            raise InvalidParameterValue(f"Input '{input_id}' must be a bounding box of 4 or 6 numbers.",
                                        cause={"name": input_id, "in": "body", "value": value})
        return
    if value_kind in ("href", "process", "collection"):
        if kind == "literal" and value_kind == "href":
            raise InvalidParameterValue(f"Input '{input_id}' is a literal and cannot be given by reference.",
                                        cause={"name": input_id, "in": "body", "value": value})
        _check_media_type(input_id, value, schema)
        return
    if kind == "complex":
        supported = _check_media_type(input_id, value, schema)
        if not supported:  # JSON objects, geometries: check the value itself
            _check_schema(input_id, unwrap_value(value) if value_kind == "value" else value, schema)
        return
    _check_schema(input_id, unwrap_value(value), schema)


def _is_array_schema(description: JSON) -> bool:
    schema = description.get("schema")
    return isinstance(schema, dict) and schema.get("type") == "array"


def validate_process_io(process: Process, payload: ProcessExecution) -> None:
    """Preemptively verify submitted inputs and outputs against the process description.

    Catches unknown identifiers, cardinality, unsupported media types and literal values that cannot match the
    input schema, so that a job certain to fail is never queued. Values are not otherwise resolved here.
    """
    described_inputs: Dict[str, JSON] = process.inputs or {}
    submitted = normalize_inputs(payload.get("inputs"))
    unknown = sorted(set(submitted) - set(described_inputs))
    if unknown:
        raise InvalidParameterValue(f"Unknown input identifiers {unknown} for process '{process.id}'.",
                                    name="inputs", cause={"name": "inputs", "in": "body", "value": unknown})
    for input_id, description in described_inputs.items():
        values = [v for v in submitted.get(input_id, []) if v is not None]
        raw_inputs = payload.get("inputs")
        if _is_array_schema(description) and isinstance(raw_inputs, dict) and raw_inputs.get(input_id) is not None:
            values = [raw_inputs[input_id]]  # in the mapping form, a JSON array is the one value of an array input
        count = len(values)
        min_occurs = int(description.get("minOccurs", 1))
        max_occurs = description.get("maxOccurs", 1)
        max_occurs = None if max_occurs in ("unbounded", None) else int(max_occurs)
        if count < min_occurs or (max_occurs is not None and count > max_occurs):
            raise InvalidParameterValue(
                f"Input '{input_id}' with {count} value(s) does not respect process description cardinality "
                f"[{min_occurs}, {max_occurs if max_occurs is not None else 'unbounded'}].",
                cause={"name": input_id, "in": "body", "minOccurs": min_occurs, "maxOccurs": max_occurs})
        for value in values:
            _check_input_value(input_id, value, description)
    outputs = normalize_outputs(payload.get("outputs")) or {}
    unknown = sorted(set(outputs) - set(process.outputs or {}))
    if unknown:
        raise InvalidParameterValue(f"Unknown output identifiers {unknown} for process '{process.id}'.",
                                    name="outputs", cause={"name": "outputs", "in": "body", "value": unknown})
    for output_id, definition in outputs.items():
        media_type = value_media_type(definition)
        supported = _supported_media_types((process.outputs[output_id] or {}).get("schema"))
        if media_type and _constrains(supported) and media_type.split(";")[0].strip() not in supported + list(
                _ALWAYS_ACCEPTED_MEDIA_TYPES) + ["application/json"]:
            raise InvalidParameterValue(
                f"Output '{output_id}' media type '{media_type}' is not supported (expected one of {supported}).",
                cause={"name": output_id, "in": "body", "value": definition})


def allowed_input_dirs(settings: Mapping[str, Any]) -> List[str]:
    """Directories ``file://`` inputs may come from: the configured ones, the outputs and the work directory."""
    configured = [path.strip() for path in str(settings["weaver.allowed_input_paths"]).split(",") if path.strip()]
    return [os.path.realpath(path) for path in configured + [settings["weaver.wps_output_dir"],
                                                           settings["weaver.wps_workdir"]] if path]


def _reference_error(input_id: str, href: Any, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Input '{input_id}' reference [{href}] is not allowed: {reason}",
                                 cause={"name": input_id, "in": "body", "value": href})


def validate_input_reference(input_id: str, href: Any, settings: Mapping[str, Any]) -> None:
    """An ``href`` input must be ``http(s)://host/...`` or a ``file://`` path inside an allowed directory.

    Anything else (other schemes, paths escaping the allowed directories through ``..`` or symbolic links) is
    refused before a job exists, rather than failing in the worker.
    """
    if not isinstance(href, str) or not href.strip():
        raise _reference_error(input_id, href, "a reference must be a non-empty string.")
    parsed = urlparse(href.strip())
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        if not parsed.netloc:
            raise _reference_error(input_id, href, "the URL has no host.")
        return
    if scheme not in ("file", ""):
        raise _reference_error(input_id, href, f"scheme '{scheme}' is not supported (http, https or file).")
    if scheme == "file" and parsed.netloc not in ("", "localhost"):
        raise _reference_error(input_id, href, "a file reference cannot name a remote host.")
    path = unquote(parsed.path if scheme == "file" else href.strip())
    if not os.path.isabs(path):
        raise _reference_error(input_id, href, "a file reference must be an absolute path.")
    real = os.path.realpath(path)
    if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in allowed_input_dirs(settings)):
        raise _reference_error(input_id, href, "the file is outside the directories inputs may be read from.")


def validate_input_references(payload: ProcessExecution, settings: Mapping[str, Any]) -> None:
    """Check every ``href`` of the submitted inputs (see :func:`validate_input_reference`).

    A nested ``process`` must name a process by URL (its own inputs are checked the same way); ``collection``
    inputs are refused: the worker does not resolve them, and a request is better refused than turned into a
    job certain to fail.
    """
    for input_id, values in normalize_inputs(payload.get("inputs")).items():
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                kind = input_value_kind(item)
                if kind == "href":
                    validate_input_reference(input_id, item.get("href", item.get("reference")), settings)
                elif kind == "process":
                    if not is_process_url(item.get("process")):
                        raise InvalidParameterValue(
                            f"Input '{input_id}' nested 'process' must be the http(s) URL of a process "
                            f"description ('.../processes/{{processID}}').",
                            cause={"name": input_id, "in": "body", "value": item.get("process")})
                    validate_input_references(item, settings)  # the nested process's own inputs
                elif kind == "collection":
                    raise InvalidParameterValue(
                        f"Input '{input_id}' is a nested '{kind}' input, which this server does not resolve: "
                        f"give its value or a reference to its data instead.",
                        cause={"name": input_id, "in": "body", "value": item})


def get_wps_output_context(headers: AnyHeadersContainer, default_context: str) -> Optional[str]:
    """Sub-directory of outputs requested by ``X-WPS-Output-Context`` (or the configured default)."""
    context = _header(headers, "X-WPS-Output-Context") or default_context or None
    if context is None:
        return None
    if not OUTPUT_CONTEXT_PATTERN.match(context) or ".." in context:
        raise UnprocessableEntity(
            "Invalid header 'X-WPS-Output-Context' value: expected a relative directory path.",
            type="InvalidHeaderValue", title="InvalidHeaderValue",
            cause={"name": "X-WPS-Output-Context", "in": "headers", "value": context})
    return context.rstrip("/")


def get_header(headers: AnyHeadersContainer, name: str) -> Optional[str]:
    """A header value by case-insensitive name from any headers container."""
    return _header(headers, name)
