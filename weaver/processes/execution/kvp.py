"""KVP execution: ``GET /processes/{id}/execution?input=value&...`` turned into an execute request.

Query parameters name inputs (``k=v``, repeated or CSV for several values) and qualify them with bracketed
suffixes (``k[href]=``, ``k[type]=``, ``k[crs]=``...); ``k[include]=true`` selects an output. A few reserved
parameters (``f``, ``format``, ``prefer``, ``profile``, ``response``, ``response[...]``, ``version``, ``tags``)
adjust headers and the response instead.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List, Tuple

from weaver.exceptions import InvalidParameterValue, WeaverError
from weaver.typedefs import JSON

_KEY = re.compile(r"^(?P<name>[^\[\]]+)(?:\[(?P<qualifier>[^\[\]]*)\])?$")
RESERVED = {"f", "format", "prefer", "profile", "response", "version", "tags"}
INPUT_FIELDS = {"href", "type", "value", "crs"}
FORMAT_FIELDS = {"mediatype": "mediaType", "encoding": "encoding", "schema": "schema", "profile": "profile"}
FORMAT_ALIASES = {"json": "application/json", "xml": "application/xml", "text": "text/plain",
                  "txt": "text/plain", "html": "text/html", "yaml": "application/x-yaml"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_kvp_value(text: str) -> Any:
    """One query value: JSON when wrapped in ``{}``/``[]``, CSV as a list, then int, float, else the string."""
    stripped = text.strip()
    if stripped and stripped[0] in "{[" and stripped[-1] in "}]":
        try:
            return json.loads(stripped)
        except ValueError as exc:
            raise ValueError(f"value [{text}] is not valid JSON: {exc.msg}") from exc
    if "," in text:
        items = [item.strip() for item in text.split(",")]
        if items and all(_NUMBER.match(item) for item in items):
            if any(not re.fullmatch(r"[+-]?\d+", item) for item in items):
                return [float(item) for item in items]
            return [int(item) for item in items]
        return items
    if re.fullmatch(r"[+-]?\d+", stripped):
        return int(stripped)
    if _NUMBER.match(stripped):
        return float(stripped)
    return text


def _bbox(value: Any) -> List[float]:
    items = value if isinstance(value, list) else str(value).split(",")
    try:
        numbers = [float(item) for item in items]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bounding box [{value}] must be numbers") from exc
    if len(numbers) not in (4, 6):
        raise ValueError(f"bounding box [{value}] must have 4 or 6 numbers")
    return numbers


def _is_true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "")


def parse_kvp_inputs_outputs(params: Iterable[Tuple[str, str]]) -> Tuple[JSON, Dict[str, str]]:
    """``(execute body, response parameters)`` from query parameters; ValueError when one cannot be parsed.

    ``response parameters`` holds the reserved ones, lower-cased: ``f``, ``prefer``, ``profile``, ``response``
    and ``response[x]`` entries.
    """
    values: Dict[str, List[Any]] = {}
    qualifiers: Dict[str, Dict[str, Any]] = {}
    outputs: Dict[str, JSON] = {}
    response: Dict[str, str] = {}
    for key, raw in params:
        match = _KEY.match(key)
        if not match:
            raise ValueError(f"parameter name [{key}] is not understood")
        name, qualifier = match.group("name"), (match.group("qualifier") or "").lower() or None
        if name.lower() in RESERVED:
            response[f"{name.lower()}[{qualifier}]" if qualifier else name.lower()] = raw
            continue
        if qualifier is None:
            values.setdefault(name, []).append(parse_kvp_value(raw))
        elif qualifier == "include":
            if _is_true(raw):
                outputs.setdefault(name, {})
        elif qualifier == "transmissionmode":
            outputs.setdefault(name, {})["transmissionMode"] = raw
        elif qualifier in FORMAT_FIELDS:
            qualifiers.setdefault(name, {}).setdefault("format", {})[FORMAT_FIELDS[qualifier]] = raw
        elif qualifier in INPUT_FIELDS:
            qualifiers.setdefault(name, {})[qualifier] = raw
        else:
            raise ValueError(f"qualifier [{qualifier}] of [{name}] is not supported")
    for name, definition in outputs.items():  # format qualifiers of a selected output describe that output
        if name not in values and "format" in qualifiers.get(name, {}):
            definition["format"] = qualifiers[name].pop("format")
    inputs: Dict[str, Any] = {}
    for name in list(values) + [n for n in qualifiers if n not in values and qualifiers[n]]:
        given = values.get(name, [])
        quals = dict(qualifiers.get(name, {}))
        fmt = quals.pop("format", None)
        if name.lower() == "bbox" or "crs" in quals:
            entries = [{"bbox": _bbox(val), **({"crs": quals["crs"]} if "crs" in quals else {})}
                       for val in given or [None]]
            if not given:
                raise ValueError(f"bounding box [{name}] has no coordinates")
        elif quals or fmt:
            base = {k: v for k, v in quals.items() if k in ("href", "type")}
            if fmt:
                base.update(fmt)
            if "value" in quals:
                given = given + [parse_kvp_value(quals["value"])]
            entries = [dict(base, value=val) for val in given] or [base]
        else:
            entries = given
        if not entries:
            continue
        inputs[name] = entries[0] if len(entries) == 1 else entries
    body: JSON = {"inputs": inputs}
    if outputs:
        body["outputs"] = outputs
    return body, response


def kvp_execution_request(params: Iterable[Tuple[str, str]], headers: Dict[str, str]
                          ) -> Tuple[JSON, Dict[str, str]]:
    """``(execute body, headers)`` of a KVP execution: 400 on unparsable parameters, 501 for collections."""
    try:
        body, response = parse_kvp_inputs_outputs(params)
    except ValueError as exc:
        raise InvalidParameterValue(f"Invalid KVP parameters: {exc}.", title="Invalid KVP parameters",
                                    type="InvalidParameterValue",
                                    cause={"in": "query", "value": str(exc)}) from exc
    headers = dict(headers)
    mode = response.get("response")
    if mode and mode.lower() == "collection":
        raise WeaverError("KVP execution with 'response=collection' is not implemented.", status=501,
                          type="NotImplemented", title="NotImplemented", code="NotImplemented",
                          cause={"name": "response", "in": "query", "value": mode})
    if mode:
        body["response"] = mode.lower()
    accept = response.get("f") or response.get("format") or response.get("response[f]") \
        or response.get("response[format]")
    if accept:
        _set_header(headers, "Accept", FORMAT_ALIASES.get(accept.lower(), accept))
    prefer = response.get("prefer") or response.get("response[prefer]")
    if prefer:
        _set_header(headers, "Prefer", prefer)
    profile = response.get("profile") or response.get("response[profile]")
    if profile:
        _set_header(headers, "Accept-Profile", profile)
    return body, headers


def _set_header(headers: Dict[str, str], name: str, value: str) -> None:
    for key in [k for k in headers if k.lower() == name.lower()]:
        del headers[key]
    headers[name] = value

