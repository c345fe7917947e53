"""OWSLib objects <-> JSON: process descriptions and execution outputs as seen through a WPS client."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Union

from owslib.wps import BoundingBoxDataInput, ComplexDataInput, Output
from owslib.wps import Process as ProcessOWS

from weaver.typedefs import JSON

OWS_Input_Type = Union[str, ComplexDataInput, BoundingBoxDataInput]
_LITERAL_CASTS = {
    "integer": int, "int": int, "nonnegativeinteger": int, "positiveinteger": int,
    "float": float, "double": float, "decimal": float,
}


def _literal_type(data_type: Optional[str]) -> str:
    """``xs:double`` / ``http://www.w3.org/TR/xmlschema-2/#double`` / ``double`` -> ``double``."""
    text = (data_type or "string").split("#")[-1].split(":")[-1].lower()
    return text


def cast_literal(value: str, data_type: Optional[str]) -> Any:
    """A WPS literal string as the JSON value of its declared data type."""
    kind = _literal_type(data_type)
    if kind == "boolean":
        return str(value).strip().lower() in ("true", "1", "yes")
    cast = _LITERAL_CASTS.get(kind)
    if cast is None:
        return value
    try:
        return cast(value)
    except (TypeError, ValueError):
        return value


def ows2json_output_data(outputs: List[Output], process: Optional[ProcessOWS] = None) -> List[JSON]:
    """Results of an OWSLib execution as weaver job results ``[{"id", "value"|"href"|"bbox", ...}]``."""
    described = {out.identifier: out for out in (process.processOutputs if process is not None else [])}
    results: List[JSON] = []
    for output in outputs:
        result: JSON = {"id": output.identifier}
        data_type = output.dataType or getattr(described.get(output.identifier), "dataType", None)
        if output.reference:
            result["href"] = output.reference
            result["type"] = output.mimeType or "application/octet-stream"
        elif data_type == "ComplexData":
            raw = "".join(d.decode("utf-8") if isinstance(d, bytes) else str(d) for d in output.data)
            media_type = output.mimeType or "text/plain"
            value: Any = raw
            if "json" in media_type:
                try:
                    value = json.loads(raw)
                except ValueError:
                    value = raw
            result["value"] = value
            result["mediaType"] = media_type
        elif data_type == "BoundingBoxData" or getattr(output, "boundingBox", None) is not None:
            result.update(_bbox_of(output))
        else:
            values = [cast_literal(item, data_type) for item in output.data]
            # an empty <wps:LiteralData/> of a string output is the empty string, not a missing value
            empty = "" if _literal_type(data_type) in ("string", "literaldata") else None
            result["value"] = values[0] if len(values) == 1 else values if values else empty
        results.append(result)
    return results


def _crs_uri(crs: Any) -> Optional[str]:
    """``urn:ogc:def:crs:OGC:1.3:CRS84`` (as pywps writes it) -> the OGC URI; EPSG codes as ``EPSG:n``."""
    if not isinstance(crs, str) or not crs:
        return None
    parts = crs.split(":")
    if crs.lower().startswith("urn:ogc:def:crs:") and len(parts) >= 7:
        authority, version, code = parts[4], parts[5], parts[-1]
        if authority.upper() == "EPSG":
            return f"EPSG:{code}"
        return f"http://www.opengis.net/def/crs/{authority}/{version or '0'}/{code}"
    return crs


def _bbox_of(output: Output) -> Dict[str, Any]:
    bbox = getattr(output, "boundingBox", None) or (output.data[0] if output.data else None)
    if bbox is None:
        return {"bbox": []}
    coords = [float(c) for c in (bbox.minx, bbox.miny, bbox.maxx, bbox.maxy)] if hasattr(bbox, "minx") else []
    crs_obj = getattr(bbox, "crs", None)
    crs = _crs_uri(getattr(crs_obj, "id", None)) or getattr(crs_obj, "code", None) or crs_obj
    result: Dict[str, Any] = {"bbox": coords}
    if crs:
        result["crs"] = str(crs) if not isinstance(crs, int) else f"EPSG:{crs}"
    return result
