"""Deploying a CWL application package as a process (OGC API - Processes - Part 2).

Accepted bodies: an OGC application package (``processDescription`` + ``executionUnit`` holding the CWL inline,
by ``href`` or as a ``value``) in JSON, or a bare CWL document (JSON, or YAML with ``application/cwl+yaml``).
The description is derived from the CWL and completed by what the body declares; a workflow's step references
are resolved to the CWL of deployed processes. Bad bodies raise 400, packages cwltool rejects raise 422.
"""
from __future__ import annotations

import json
import os
import re
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import unquote, urlparse

import requests

from weaver.config import get_settings
from weaver.datatype import Process
from weaver.datatype.process import PROCESS_TYPE_APPLICATION, PROCESS_TYPE_WORKFLOW
from weaver.exceptions import InvalidParameterValue, ProcessNotFound, UnprocessableEntity
from weaver.execute import DEFAULT_CONTROL_OPTIONS
from weaver.processes.convert.cwl_ogc import CwlTypeError, cwl2ogc_inputs, cwl2ogc_outputs, merge_declared_io
from weaver.processes.cwl_package import (
    MAX_STEP_DEPTH,
    PackageError,
    check_cwl_shape,
    load_cwl_text,
    step_references,
    validate_package,
)
from weaver.processes.registration import process_endpoints
from weaver.processes.remote.ogcapi import fetch_remote_ogcapi_process, remote_ogcapi_reference
from weaver.store.processes import MongodbProcessStore
from weaver.typedefs import JSON
from weaver.visibility import Visibility

CWL_MEDIA_TYPES = ("application/cwl", "application/cwl+json", "application/cwl+yaml", "application/x-yaml",
                   "application/yaml", "text/yaml", "text/x-yaml")
DEPLOY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_][\w.-]{0,127}$")
PROCESS_REF_PATTERN = re.compile(r"^[A-Za-z0-9_][\w.-]*(:[\w.+-]+)?$")
RUNNABLE_TYPES = (PROCESS_TYPE_APPLICATION, PROCESS_TYPE_WORKFLOW)
CONTROL_OPTIONS = ("sync-execute", "async-execute", "dismiss")
TRANSMISSION_MODES = ("value", "reference")
FETCH_TIMEOUT = 10
DESCRIPTION_KEYS = ("title", "description", "version", "keywords", "metadata")


def _invalid_package(detail: str) -> UnprocessableEntity:
    return UnprocessableEntity(detail, type="InvalidPackage", title="InvalidPackage",
                               cause={"name": "executionUnit", "in": "body"})


def _bad_body(detail: str, name: str = "body") -> InvalidParameterValue:
    return InvalidParameterValue(detail, cause={"name": name, "in": "body"})


def _fetch_text(href: str, settings: Mapping[str, Any]) -> str:
    """The text at ``href``: http(s), or a ``file://`` path inside the allowed input directories."""
    parsed = urlparse(href)
    if parsed.scheme in ("http", "https"):
        try:
            resp = requests.get(href, timeout=FETCH_TIMEOUT, headers={"Accept": "application/cwl+json, */*"})
            resp.raise_for_status()
        except requests.RequestException as exc:
            raise _invalid_package(f"Could not fetch the CWL package at [{href}]: {exc}") from exc
        return resp.text
    if parsed.scheme == "file":
        path = os.path.realpath(unquote(parsed.path))
        allowed = [os.path.realpath(p.strip()) for p in settings["weaver.allowed_input_paths"].split(",")
                   if p.strip()]
        if not any(path.startswith(root.rstrip(os.sep) + os.sep) for root in allowed) or not os.path.isfile(path):
            raise _invalid_package(f"CWL package reference [{href}] is not a file in an allowed directory.")
        with open(path, encoding="utf-8") as file:
            return file.read()
    raise _bad_body(f"CWL package reference [{href}] must be an http(s) or file URL.", "executionUnit")


def _cwl_of_unit(unit: Any, settings: Mapping[str, Any]) -> JSON:
    """The CWL document of one execution unit item, in any of its accepted shapes."""
    if isinstance(unit, str):
        return load_cwl_text(unit)
    if not isinstance(unit, dict):
        raise _bad_body("Each 'executionUnit' item must be an object.", "executionUnit")
    if "cwlVersion" in unit or "class" in unit:
        return unit
    for key in ("unit", "value"):
        if key in unit:
            return _cwl_of_unit(unit[key], settings)
    href = unit.get("href") or unit.get("reference")
    if isinstance(href, str):
        return load_cwl_text(_fetch_text(href, settings))
    raise _bad_body("An 'executionUnit' item needs 'unit', 'value' or 'href'.", "executionUnit")


def parse_deploy_body(raw: bytes, content_type: str, settings: Mapping[str, Any]) -> Tuple[JSON, JSON, JSON]:
    """``(process description, CWL package, whole body)`` of a deploy request."""
    media_type = (content_type or "application/json").split(";")[0].strip().lower()
    text = raw.decode("utf-8", errors="replace")
    try:
        if media_type in CWL_MEDIA_TYPES:
            return {}, load_cwl_text(text), {}
        body = json.loads(text) if text.strip() else None
    except PackageError as exc:
        raise _bad_body(str(exc)) from exc
    except ValueError as exc:
        raise _bad_body(f"Deploy body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _bad_body("Deploy body must be a JSON object (application package or CWL document).")
    if "cwlVersion" in body and "executionUnit" not in body:
        return {}, body, {}
    description = body.get("processDescription") or {}
    if isinstance(description, dict) and isinstance(description.get("process"), dict):
        description = {**description["process"], **{k: v for k, v in description.items() if k != "process"}}
    if not isinstance(description, dict):
        raise _bad_body("'processDescription' must be an object.", "processDescription")
    units = body.get("executionUnit")
    if units is None:
        raise _bad_body("Deploy body requires an 'executionUnit' (or a bare CWL document).", "executionUnit")
    units = units if isinstance(units, list) else [units]
    if len(units) != 1:
        raise _bad_body("Exactly one 'executionUnit' item is supported.", "executionUnit")
    try:
        package = _cwl_of_unit(units[0], settings)
    except PackageError as exc:
        raise _bad_body(str(exc), "executionUnit") from exc
    return description, package, body


def _local_process_id(ref: str, settings: Mapping[str, Any]) -> Optional[str]:
    """The process id named by a reference to this server (id, ``id:version`` or its own URL), else None."""
    if PROCESS_REF_PATTERN.match(ref):
        return ref
    base = settings["weaver.wps_restapi_url"].rstrip("/") + "/processes/"
    if ref.startswith(base):
        return ref[len(base):].split("?", 1)[0].split("/", 1)[0]
    return None


def resolve_steps(package: JSON, store: MongodbProcessStore, settings: Mapping[str, Any],
                  depth: int = 0) -> Dict[str, JSON]:
    """The CWL of every step reference of a workflow (and of its nested workflows), by reference."""
    if depth > MAX_STEP_DEPTH:
        raise _invalid_package(f"Workflow steps nest deeper than {MAX_STEP_DEPTH} levels.")
    resolved: Dict[str, JSON] = {}
    for ref in step_references(package):
        process_id = _local_process_id(ref, settings)
        if process_id is not None:
            try:
                step_process = store.fetch_by_id(process_id)
            except ProcessNotFound as exc:
                raise _invalid_package(f"Workflow step references process '{ref}', which is not deployed.") from exc
            if step_process.type not in RUNNABLE_TYPES:
                raise _invalid_package(f"Workflow step references process '{ref}' of type '{step_process.type}': "
                                       f"only deployed application packages can be workflow steps.")
            resolved[ref] = step_process.package
            resolved.update(step_process.get("steps") or {})
        elif urlparse(ref).scheme in ("http", "https"):
            url = ref if ref.rstrip("/").endswith("/package") or "/processes/" not in ref else ref + "/package"
            step_package = load_cwl_text(_fetch_text(url, settings))
            resolved[ref] = step_package
            resolved.update(resolve_steps(step_package, store, settings, depth + 1))
        else:
            raise _invalid_package(f"Workflow step 'run: {ref}' must be a deployed process id or URL "
                                   f"(or an inline CWL tool).")
    return resolved


def _text(value: Any) -> Optional[str]:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value) if value else None


def _options(description: JSON, key: str, allowed: Tuple[str, ...], default: List[str]) -> List[str]:
    values = description.get(key)
    if values is None:
        return list(default)
    if not isinstance(values, list) or not values or any(v not in allowed for v in values):
        raise _bad_body(f"'{key}' must be a non-empty list of {list(allowed)}.", key)
    return list(values)


def _process_id(description: JSON, package: JSON) -> str:
    process_id = description.get("id") or description.get("identifier") or package.get("id")
    if isinstance(process_id, str):
        process_id = process_id.rsplit("#", 1)[-1]
    if not process_id:
        raise InvalidParameterValue("The process needs an id: give 'processDescription.id' or the CWL 'id'.",
                                    cause={"name": "id", "in": "body"})
    if not DEPLOY_ID_PATTERN.match(str(process_id)):
        raise _bad_body(f"Invalid process id '{process_id}': letters, digits, '_', '-' and '.' only.", "id")
    return str(process_id)


def build_process(description: JSON, package: JSON, body: JSON, store: MongodbProcessStore,
                  settings: Mapping[str, Any]) -> Process:
    """A validated Process from a parsed deploy request (raises 400/422 domain errors)."""
    settings = get_settings(settings)
    try:
        check_cwl_shape(package)
    except PackageError as exc:
        raise _invalid_package(str(exc)) from exc
    process_id = _process_id(description, package)
    steps = resolve_steps(package, store, settings) if package.get("class") == "Workflow" else {}
    try:
        validate_package(package, steps)
        inputs = merge_declared_io(cwl2ogc_inputs(package), description.get("inputs"), "input")
        outputs = merge_declared_io(cwl2ogc_outputs(package), description.get("outputs"), "output")
    except (PackageError, CwlTypeError) as exc:
        raise _invalid_package(str(exc)) from exc
    visibility = description.get("visibility") or body.get("visibility") or Visibility.PUBLIC.value
    if visibility not in (Visibility.PUBLIC.value, Visibility.PRIVATE.value):
        raise _bad_body("'visibility' must be 'public' or 'private'.", "visibility")
    fields: JSON = {key: description[key] for key in DESCRIPTION_KEYS if description.get(key)}
    fields.setdefault("title", _text(package.get("label")) or process_id)
    if _text(package.get("doc")):
        fields.setdefault("description", _text(package.get("doc")))
    fields["version"] = str(fields.get("version") or "1.0.0")
    return Process(
        id=process_id, package=package, inputs=inputs, outputs=outputs, steps=steps, **fields,
        revision=uuid.uuid4().hex,  # tells cached runners apart when an id is deployed again
        type=PROCESS_TYPE_WORKFLOW if package.get("class") == "Workflow" else PROCESS_TYPE_APPLICATION,
        visibility=visibility,
        jobControlOptions=_options(description, "jobControlOptions", CONTROL_OPTIONS, DEFAULT_CONTROL_OPTIONS),
        outputTransmission=_options(description, "outputTransmission", TRANSMISSION_MODES, list(TRANSMISSION_MODES)),
        **process_endpoints(settings, process_id),
    )


def deploy_process(raw: bytes, content_type: str, store: MongodbProcessStore, settings: Mapping[str, Any]
                   ) -> Process:
    """Parse, validate and store a new process; 409 when the id is taken."""
    reference = remote_ogcapi_reference(raw, content_type)
    if reference is not None:  # a process of a remote OGC API server, run by reference
        return store.save_process(fetch_remote_ogcapi_process(reference[0], settings, reference[1]))
    description, package, body = parse_deploy_body(raw, content_type, settings)
    process = build_process(description, package, body, store, settings)
    return store.save_process(process)
