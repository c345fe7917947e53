"""Normal forms of the inputs and outputs of an execute request.

Clients send inputs as the OGC mapping ``{id: value | [values]}`` or as the listing ``[{"id": id, ...}]``;
outputs as ``{id: {...}}`` or ``[{"id": id, ...}]``. Everything after validation works on one form.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from weaver.typedefs import JSON

REFERENCE_KEYS = ("href", "reference")
VALUE_KEYS = ("value", "data")


def normalize_inputs(inputs: Any) -> Dict[str, List[Any]]:
    """``{id: [value, ...]}`` whatever form the inputs came in (a listing item keeps its qualifiers)."""
    result: Dict[str, List[Any]] = {}
    if not inputs:
        return result
    if isinstance(inputs, dict):
        for input_id, value in inputs.items():
            result[input_id] = list(value) if isinstance(value, list) else [value]
        return result
    for item in inputs:
        item = dict(item)
        input_id = item.pop("id")
        value: Any = item
        if len(item) == 1 and next(iter(item)) in VALUE_KEYS:
            inner = item[next(iter(item))]
            if not isinstance(inner, dict) or "bbox" in inner:
                value = inner  # {"id": x, "data": v} is the plain value v (a bbox object stays one)
        result.setdefault(input_id, []).append(value)
    return result


def normalize_outputs(outputs: Any) -> Optional[Dict[str, JSON]]:
    """``{id: definition}``, or None when the request selects every output (omitted, ``{}`` or ``[]``)."""
    if not outputs:
        return None
    if isinstance(outputs, dict):
        return {out_id: dict(definition or {}) for out_id, definition in outputs.items()}
    return {item["id"]: {k: v for k, v in item.items() if k != "id"} for item in outputs}


def input_value_kind(value: Any) -> str:
    """What a submitted value holds: ``href``, ``bbox``, ``value`` (qualified), ``process``, ``collection``
    or ``literal``."""
    if isinstance(value, dict):
        for key in ("href", "reference"):
            if key in value:
                return "href"
        for key in ("bbox", "process", "collection"):
            if key in value:
                return key
        if "value" in value or "data" in value:
            return "value"
        return "object"
    return "literal"


def unwrap_value(value: Any) -> Any:
    """The bare value of a literal or qualified value (``{"value": v}`` -> v)."""
    if isinstance(value, dict):
        for key in VALUE_KEYS:
            if key in value:
                return value[key]
        if "measure" in value:
            return value["measure"]
    return value


def value_media_type(value: Any) -> Optional[str]:
    """The media type a client declared on a qualified value or reference."""
    if isinstance(value, dict):
        for key in ("type", "mediaType", "mimeType"):
            if isinstance(value.get(key), str):
                return value[key]
        fmt = value.get("format")
        if isinstance(fmt, dict):
            for key in ("mediaType", "mimeType", "type"):
                if isinstance(fmt.get(key), str):
                    return fmt[key]
    return None
