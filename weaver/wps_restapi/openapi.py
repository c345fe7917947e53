"""OpenAPI 3 document generated from the cornice services and their colander schemas."""
from __future__ import annotations

import re
from typing import Any, Dict

import colander
from cornice.service import get_services
from pyramid.request import Request

from weaver import __version__
from weaver.config import get_settings

_TYPES = {
    colander.String: {"type": "string"},
    colander.Integer: {"type": "integer"},
    colander.Float: {"type": "number"},
    colander.Boolean: {"type": "boolean"},
    colander.DateTime: {"type": "string", "format": "date-time"},
}
# query parameters of listings, declared as OGC API - Processes declares them (clients and test suites read them)
_LIMIT = {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
          "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}}
_QUERY_PARAMETERS = {"/processes": [_LIMIT], "/jobs": [_LIMIT]}
_DEFAULT_RESPONSES = {
    "400": {"description": "Invalid request."},
    "404": {"description": "Resource not found."},
    "500": {"description": "Internal error."},
}


def colander_to_json_schema(node: colander.SchemaNode) -> Dict[str, Any]:
    """JSON schema of a colander node (mappings, sequences, scalars; custom types as free JSON)."""
    schema_type = node.typ
    if isinstance(schema_type, colander.Mapping):
        properties = {child.name: colander_to_json_schema(child) for child in node.children}
        required = [child.name for child in node.children if child.required]
        schema: Dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
    elif isinstance(schema_type, colander.Sequence):
        schema = {"type": "array", "items": colander_to_json_schema(node.children[0])}
    else:
        schema = dict(next((v for k, v in _TYPES.items() if isinstance(schema_type, k)), {}))
    validator = node.validator
    if isinstance(validator, colander.OneOf):
        schema["enum"] = list(validator.choices)
    if node.description:
        schema["description"] = node.description
    elif (node.__class__.__doc__ or "").strip() and node.__class__.__module__ != "colander":
        schema["description"] = node.__class__.__doc__.strip().splitlines()[0]
    return schema


def openapi_document(request: Request) -> Dict[str, Any]:
    settings = get_settings(request.registry.settings)
    paths: Dict[str, Any] = {}
    for service in get_services():
        path = service.path if service.path.startswith("/") else "/" + service.path
        operations = paths.setdefault(path, {})
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in re.findall(r"{(\w+)(?::[^}]*)?}", path)]
        for method, _view, args in service.definitions:
            if method == "HEAD":
                continue
            operation: Dict[str, Any] = {
                "summary": service.description or service.name,
                "operationId": f"{method.lower()}_{service.name}",
                "tags": [path.strip("/").split("/")[0] or "api"],
                "responses": dict({"200": {"description": "Success."}}, **_DEFAULT_RESPONSES),
            }
            query = _QUERY_PARAMETERS.get(path, []) if method == "GET" else []
            if parameters or query:
                operation["parameters"] = parameters + query
            schema = args.get("schema")
            if schema is not None:
                node = schema() if isinstance(schema, type) else schema
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": colander_to_json_schema(node)}}}
            operations[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Weaver REST API", "version": __version__,
                 "description": "OGC API - Processes and WPS execution server."},
        "servers": [{"url": settings["weaver.wps_restapi_url"]}],
        "paths": paths,
        "tags": [{"name": name} for name in sorted({op["tags"][0] for ops in paths.values() for op in ops.values()})],
    }
