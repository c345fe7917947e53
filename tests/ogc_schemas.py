"""The official OGC API - Processes 1.0 OpenAPI document and schemas, loaded offline for response validation.

Every yaml file of the official tree is registered under its ``file://`` URI, so the relative ``$ref`` of the
schemas (``../schemas/statusInfo.yaml``, ``link.yaml``...) resolve locally: no network access is ever needed.
OpenAPI 3.0 schema objects are close to JSON Schema draft 4, which is what they are validated with.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import yaml
from jsonschema import Draft4Validator, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(os.environ.get("OGCAPI_PROCESSES_SPEC_DIR",
                               Path(__file__).resolve().parents[2] / "shared" / "ogcapi-processes-1.0"))
OPENAPI_PATH = SPEC_DIR / "openapi.yaml"
SCHEMAS_DIR = SPEC_DIR / "core" / "openapi" / "schemas"
# The official suite ignores "more than one schema is valid" outcomes of ``oneOf`` (opengeospatial/ogcapi-processes
# issue 350): a bare string result matches both ``type: string`` and ``binaryInputValue``. This validator does the
# same by reading ``oneOf`` as ``anyOf``; everything else is checked as written.
EtsValidator = validators.extend(Draft4Validator, {"oneOf": Draft4Validator.VALIDATORS["anyOf"]})


@functools.lru_cache(maxsize=1)
def registry() -> Registry:
    """Every yaml document of the official tree, keyed by its file URI."""
    resources = [(path.as_uri(), Resource.from_contents(yaml.safe_load(path.read_text()), DRAFT4))
                 for path in sorted(SPEC_DIR.rglob("*.yaml"))]
    return Registry().with_resources(resources)


@functools.lru_cache(maxsize=1)
def openapi() -> Dict[str, Any]:
    return yaml.safe_load(OPENAPI_PATH.read_text())


def _pointer(*parts: Union[str, int]) -> str:
    return "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def schema_validator(name: str) -> Draft4Validator:
    """Validator of one schema file of ``core/openapi/schemas`` (``statusInfo``, ``exception``...)."""
    uri = (SCHEMAS_DIR / f"{name}.yaml").as_uri()
    return Draft4Validator({"$ref": uri}, registry=registry(), format_checker=Draft4Validator.FORMAT_CHECKER)


def find_operation(operation_id: str) -> Dict[str, Any]:
    for path_item in openapi()["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise KeyError(operation_id)


def response_validator(operation_id: str, status: int, media_type: str = "application/json",
                       cls: Any = Draft4Validator) -> Draft4Validator:
    """Validator of the body the official OpenAPI declares for ``operation_id`` answering ``status``.

    A status the operation does not declare (e.g. a 400 of ``execute``) is an error document: ``exception.yaml``.
    """
    responses = find_operation(operation_id)["responses"]
    response = responses.get(status, responses.get(str(status)))
    if response is None:
        return cls({"$ref": (SCHEMAS_DIR / "exception.yaml").as_uri()}, registry=registry(),
                   format_checker=Draft4Validator.FORMAT_CHECKER)
    if "$ref" not in response:  # inline response: its relative refs are relative to openapi.yaml
        schema = dict(_media_content(response.get("content") or {}, media_type)["schema"])
        schema["id"] = OPENAPI_PATH.as_uri()
        return cls(schema, registry=registry(), format_checker=Draft4Validator.FORMAT_CHECKER)
    path = (OPENAPI_PATH.parent / response["$ref"]).resolve()
    content = yaml.safe_load(path.read_text()).get("content") or {}
    key = media_type if media_type in content else next(iter(content))
    ref = f"{path.as_uri()}#/{_pointer('content', key, 'schema')}"
    return cls({"$ref": ref}, registry=registry(), format_checker=Draft4Validator.FORMAT_CHECKER)


def _media_content(content: Dict[str, Any], media_type: str) -> Dict[str, Any]:
    return content[media_type] if media_type in content else next(iter(content.values()))


def errors_of(validator: Draft4Validator, body: Any) -> List[str]:
    """Readable validation errors (empty when the body is valid)."""
    return [f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
            for err in validator.iter_errors(body)]


def validate_response(operation_id: str, status: int, body: Any, media_type: Optional[str] = None,
                      cls: Any = Draft4Validator) -> List[str]:
    return errors_of(response_validator(operation_id, status, media_type or "application/json", cls), body)
