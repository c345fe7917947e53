"""OWSLib process descriptions (from a WPS 1.0.0 DescribeProcess) as OGC API - Processes JSON descriptions.

Pure functions: the providers API shows a remote WPS process the same way as a local one, so clients need
no knowledge of WPS to read or execute it.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from owslib.wps import Process as ProcessOWS

from weaver.typedefs import JSON

# maxOccurs at or above this count means "no limit" for the OGC form
UNBOUNDED_THRESHOLD = 1_000_000_000
_LITERAL_SCHEMAS: Dict[str, JSON] = {
    "string": {"type": "string"},
    "anyuri": {"type": "string", "format": "uri"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "time": {"type": "string", "format": "time"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "int": {"type": "integer"},
    "long": {"type": "integer"},
    "nonnegativeinteger": {"type": "integer", "minimum": 0},
    "positiveinteger": {"type": "integer", "minimum": 1},
    "float": {"type": "number"},
    "double": {"type": "number"},
    "decimal": {"type": "number"},
}
BBOX_SCHEMA: JSON = {
    "type": "object",
    "format": "ogc-bbox",
    "required": ["bbox"],
    "properties": {
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6},
        "crs": {"type": "string"},
    },
}


def _literal_kind(data_type: Optional[str]) -> str:
    """``xs:double`` / ``http://www.w3.org/TR/xmlschema-2/#double`` / ``double`` -> ``double``."""
    return (data_type or "string").split("#")[-1].split(":")[-1].lower()


def _text(value: Any) -> Optional[str]:
    text = str(value).strip() if value is not None else ""
    return text or None


def _formats(io_desc: Any) -> List[JSON]:
    """``[{mediaType, encoding?, schema?, default?}]`` of a complex input or output (default first)."""
    default = getattr(io_desc, "defaultValue", None)
    default_type = getattr(default, "mimeType", None)
    formats: List[JSON] = []
    seen = set()
    for fmt in [default] + list(getattr(io_desc, "supportedValues", None) or []):
        media_type = getattr(fmt, "mimeType", None)
        if not media_type:
            continue
        key = (media_type, getattr(fmt, "encoding", None), getattr(fmt, "schema", None))
        if key in seen:
            continue
        seen.add(key)
        entry: JSON = {"mediaType": media_type}
        if _text(getattr(fmt, "encoding", None)):
            entry["encoding"] = fmt.encoding
        if _text(getattr(fmt, "schema", None)):
            entry["schema"] = fmt.schema
        if media_type == default_type and not any(f.get("default") for f in formats):
            entry["default"] = True
        formats.append(entry)
    return formats or [{"mediaType": "text/plain", "default": True}]


def _complex_schema(formats: List[JSON]) -> JSON:
    choices: List[JSON] = []
    for fmt in formats:
        choice: JSON = {"type": "string", "contentMediaType": fmt["mediaType"]}
        if fmt.get("encoding") == "base64":
            choice["contentEncoding"] = "base64"
        if fmt.get("schema"):
            choice["contentSchema"] = fmt["schema"]
        choices.append(choice)
        if "json" in fmt["mediaType"]:
            choices.append({"type": "object"})
    return choices[0] if len(choices) == 1 else {"oneOf": choices}


def _literal_schema(io_desc: Any) -> JSON:
    kind = _literal_kind(getattr(io_desc, "dataType", None))
    schema = dict(_LITERAL_SCHEMAS.get(kind, {"type": "string"}))
    allowed = [v for v in (getattr(io_desc, "allowedValues", None) or []) if v is not None]
    if allowed:
        schema["enum"] = allowed
    default = getattr(io_desc, "defaultValue", None)
    if default is not None and not hasattr(default, "mimeType"):
        schema["default"] = default
    return schema


def ows2ogc_io(io_desc: Any, is_input: bool) -> JSON:
    """One WPS input or output as its OGC description ``{title, description, schema, ...}``."""
    desc: JSON = {"title": _text(io_desc.title) or io_desc.identifier}
    if _text(getattr(io_desc, "abstract", None)):
        desc["description"] = io_desc.abstract
    if io_desc.dataType == "ComplexData":
        formats = _formats(io_desc)
        desc["formats"] = formats
        desc["schema"] = _complex_schema(formats)
    elif io_desc.dataType == "BoundingBoxData":
        desc["schema"] = BBOX_SCHEMA
        crs = [c for c in (getattr(io_desc, "supportedValues", None) or []) if isinstance(c, str)]
        if crs:
            desc["supportedCRS"] = crs
    else:
        desc["schema"] = _literal_schema(io_desc)
    if is_input:
        min_occurs = getattr(io_desc, "minOccurs", 1)
        max_occurs = getattr(io_desc, "maxOccurs", 1)
        desc["minOccurs"] = int(min_occurs) if min_occurs is not None and int(min_occurs) >= 0 else 1
        if max_occurs is None or int(max_occurs) < 0:
            max_occurs = 1
        desc["maxOccurs"] = "unbounded" if int(max_occurs) >= UNBOUNDED_THRESHOLD else int(max_occurs)
    return desc


def ows2ogc_metadata(process: ProcessOWS) -> List[JSON]:
    metadata = []
    for meta in getattr(process, "metadata", None) or []:
        entry = {key: getattr(meta, attr) for key, attr in (("href", "url"), ("title", "title"), ("role", "role"))
                 if _text(getattr(meta, attr, None))}
        if entry:
            metadata.append(entry)
    return metadata


def ows2ogc_job_control_options(process: ProcessOWS) -> List[str]:
    """WPS 1.0.0 runs a process asynchronously only when it declares both status and store support."""
    if getattr(process, "statusSupported", False) and getattr(process, "storeSupported", False):
        return ["async-execute", "sync-execute"]
    return ["sync-execute"]


def ows2ogc_process_summary(process: ProcessOWS) -> JSON:
    """Summary of a process as listed in GetCapabilities (no inputs or outputs there)."""
    summary: JSON = {
        "id": process.identifier,
        "title": _text(process.title) or process.identifier,
        "version": _text(getattr(process, "processVersion", None)) or "1.0.0",
        "keywords": [],
        "jobControlOptions": ows2ogc_job_control_options(process),
        "outputTransmission": ["value", "reference"],
    }
    if _text(getattr(process, "abstract", None)):
        summary["description"] = process.abstract
    metadata = ows2ogc_metadata(process)
    if metadata:
        summary["metadata"] = metadata
    return summary


def ows2ogc_process_description(process: ProcessOWS) -> JSON:
    """Full OGC process description of a described WPS process (inputs and outputs keyed by id)."""
    description = ows2ogc_process_summary(process)
    description["inputs"] = {inp.identifier: ows2ogc_io(inp, True) for inp in process.dataInputs}
    description["outputs"] = {out.identifier: ows2ogc_io(out, False) for out in process.processOutputs}
    return description
