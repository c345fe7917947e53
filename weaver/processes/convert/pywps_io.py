"""OGC API - Processes descriptions (JSON) turned into pywps inputs, outputs and processes.

The REST side stores and serves the OGC description; the WPS endpoint and the worker build their pywps objects
from that same document, so both sides agree on identifiers, kinds, media types and cardinality.

Where pywps cannot say what the JSON schema says, these are the choices made:

- Literal inputs keep pywps' ``MODE.SIMPLE``: an ``enum`` or a ``minimum``/``maximum`` written in the description
  is enforced, nothing else is added (without them the input is ``AnyValue``, so a description is lenient by
  simply not constraining). Complex and bounding box inputs keep pywps' ``MODE.NONE``: the media type is matched
  against the declared formats, the content is not parsed.
- An optional array (``minOccurs: 0``) stays optional: ``min_occurs = max(minOccurs, minItems)`` applies only to a
  required input, because pywps cannot express "absent, or at least N values".
- A one-sided range gets its open side at the data type's extreme, because pywps compares both bounds.
- An array *output* is a string ``LiteralOutput`` holding the JSON array (see :func:`ogc_io_is_array`), because a
  pywps output holds a single value.
- ``contentMediaType: "*/*"`` declares a complex input or output that takes any media type.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from pywps import Process
from pywps.app.Common import Metadata
from pywps.inout.formats import Format
from pywps.inout.inputs import BoundingBoxInput, ComplexInput, LiteralInput
from pywps.inout.literaltypes import AllowedValue, AnyValue, convert
from pywps.inout.outputs import BoundingBoxOutput, ComplexOutput, LiteralOutput
from pywps.validator.allowed_value import ALLOWEDVALUETYPE, RANGECLOSURETYPE
from pywps.validator.mode import MODE

from weaver.typedefs import JSON

PywpsInput = Union[LiteralInput, ComplexInput, BoundingBoxInput]
PywpsOutput = Union[LiteralOutput, ComplexOutput, BoundingBoxOutput]

UNBOUNDED_OCCURS = 2 ** 31 - 1
"""``maxOccurs: "unbounded"`` in pywps terms (an int that WPS clients still parse as a 32-bit integer)."""
ANY_MEDIA_TYPE = "*/*"
BBOX_CRSS = ["EPSG:4326", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
BBOX_DIMENSIONS = 2
GEOJSON_FORMATS = ("geojson-geometry", "geojson-feature-collection", "geojson-feature", "geojson")
BINARY_ENCODINGS = ("base64", "binary")

_LITERAL_TYPES = {"number": "float", "integer": "integer", "boolean": "boolean", "string": "string"}
_STRING_FORMATS = {"date-time": "dateTime", "date": "date", "time": "time"}
_EXTENSIONS = {  # fixed here rather than taken from the host's mime.types, so that file names do not vary
    "application/json": ".json", "application/geo+json": ".geojson", "application/gml+xml": ".gml",
    "application/vnd.google-earth.kml+xml": ".kml", "application/x-netcdf": ".nc",
    "application/metalink4+xml": ".meta4",
    "image/tiff": ".tif", "image/jp2": ".jp2", "image/png": ".png", "image/jpeg": ".jpg", "text/plain": ".txt",
    "text/csv": ".csv", "application/xml": ".xml", "text/xml": ".xml", "application/zip": ".zip",
}
_RANGE_EXTREMES = {"integer": sys.maxsize, "float": sys.float_info.max}
_CLOSURES = {
    (False, False): RANGECLOSURETYPE.CLOSED,
    (True, True): RANGECLOSURETYPE.OPEN,
    (True, False): RANGECLOSURETYPE.OPENCLOSED,
    (False, True): RANGECLOSURETYPE.CLOSEDOPEN,
}


class _AnyFormatMixin:
    """Complex I/O declared with ``*/*``: whatever media type is submitted or produced is taken as is."""

    def get_format(self, mime_type: str) -> Optional[Format]:
        found = super().get_format(mime_type)  # type: ignore[misc]
        return found if found is not None else Format(mime_type)

    def _is_supported(self, data_format: Format) -> bool:
        return isinstance(data_format, Format)


class AnyFormatComplexInput(_AnyFormatMixin, ComplexInput):
    """A pywps ComplexInput accepting any media type (declared ``contentMediaType: "*/*"``)."""


class AnyFormatComplexOutput(_AnyFormatMixin, ComplexOutput):
    """A pywps ComplexOutput accepting any media type (declared ``contentMediaType: "*/*"``)."""


# ---- reading the JSON schema ---------------------------------------------------------------------------------

def _merge(first: JSON, second: JSON) -> JSON:
    merged = {**first, **second}
    merged["$refs"] = first.get("$refs", []) + second.get("$refs", [])
    return merged


def _variants(schema: Any) -> List[JSON]:
    """The alternatives a schema allows, with ``allOf`` parts and sibling keywords merged into each one."""
    if not isinstance(schema, dict):
        return [{"$refs": []}]
    base = {key: val for key, val in schema.items() if key not in ("oneOf", "anyOf", "allOf", "$ref")}
    base["$refs"] = [schema["$ref"]] if isinstance(schema.get("$ref"), str) else []
    variants = [base]
    for part in schema.get("allOf") or []:
        variants = [_merge(var, sub) for var in variants for sub in _variants(part)]
    alternatives = [sub for alt in (schema.get("oneOf") or []) + (schema.get("anyOf") or []) for sub in _variants(alt)]
    if alternatives:
        variants = [_merge(var, alt) for var in variants for alt in alternatives]
    return variants


def _is_bbox(variant: JSON) -> bool:
    if variant.get("format") == "ogc-bbox":
        return True
    return any(ref.rsplit("/", 1)[-1].lower().startswith("bbox") for ref in variant["$refs"])


def _is_complex(variant: JSON) -> bool:
    return ("contentMediaType" in variant or variant.get("type") == "object"
            or variant.get("format") in GEOJSON_FORMATS or bool(variant["$refs"]))


def _is_array(variant: JSON) -> bool:
    return variant.get("type") == "array" and not _is_complex(variant) and not _is_bbox(variant)


def _flat_variants(schema: Any) -> List[JSON]:
    """Variants with literal arrays replaced by the variants of their items (a WPS input repeats instead)."""
    flat: List[JSON] = []
    for variant in _variants(schema):
        flat.extend(_variants(variant.get("items", {})) if _is_array(variant) else [variant])
    return flat


def _variant_kind(variant: JSON) -> str:
    if _is_bbox(variant):
        return "bbox"
    if _is_complex(variant):
        return "complex"
    return "literal"


def ogc_io_kind(io_description: JSON) -> str:
    """``"literal"``, ``"complex"`` or ``"bbox"``: the kind of WPS I/O an OGC input or output maps to.

    A complex alternative wins (its formats can carry the others), then a bounding box, else a literal.
    """
    kinds = {_variant_kind(var) for var in _flat_variants(io_description.get("schema", {}))}
    if "complex" in kinds:
        return "complex"
    if "bbox" in kinds:
        return "bbox"
    return "literal"


def ogc_io_is_array(io_description: JSON) -> bool:
    """Whether the schema is an array of values (a literal output then carries the JSON array as text)."""
    return any(_is_array(var) for var in _variants(io_description.get("schema", {})))


def _occurs(io_description: JSON) -> Tuple[int, int]:
    min_occurs = int(io_description.get("minOccurs", 1))
    max_raw = io_description.get("maxOccurs", 1)
    max_occurs = UNBOUNDED_OCCURS if max_raw == "unbounded" else int(max_raw)
    for variant in _variants(io_description.get("schema", {})):
        if not _is_array(variant):
            continue
        if min_occurs > 0:
            min_occurs = max(min_occurs, int(variant.get("minItems", 0)))
        max_items = variant.get("maxItems")
        max_occurs = max(max_occurs, UNBOUNDED_OCCURS if max_items is None else int(max_items))
        break
    return min_occurs, min(max_occurs, UNBOUNDED_OCCURS)


# ---- literals ------------------------------------------------------------------------------------------------

def _literal_type(variant: JSON) -> str:
    json_type = variant.get("type")
    if json_type is None and variant.get("enum"):
        sample = variant["enum"][0]
        json_type = ("boolean" if isinstance(sample, bool) else "integer" if isinstance(sample, int)
                     else "number" if isinstance(sample, float) else "string")
    if json_type in (None, "string"):
        return _STRING_FORMATS.get(variant.get("format", ""), "string")
    return _LITERAL_TYPES.get(json_type, "string")


def _common_type(types: Iterable[str]) -> str:
    found = set(types)
    if len(found) == 1:
        return found.pop()
    if found <= {"integer", "float"}:
        return "float"
    return "string"


def _bound(variant: JSON, inclusive_key: str, exclusive_key: str) -> Tuple[Optional[float], bool]:
    value = variant.get(inclusive_key)
    exclusive = variant.get(exclusive_key)
    if isinstance(exclusive, bool):
        return value, exclusive and value is not None
    if isinstance(exclusive, (int, float)):  # JSON schema 2019+: the exclusive bound itself
        return exclusive, True
    return value, False


def _range(variant: JSON, data_type: str) -> Optional[AllowedValue]:
    if data_type not in _RANGE_EXTREMES:
        return None
    low, low_open = _bound(variant, "minimum", "exclusiveMinimum")
    high, high_open = _bound(variant, "maximum", "exclusiveMaximum")
    if low is None and high is None:
        return None
    extreme = _RANGE_EXTREMES[data_type]
    return AllowedValue(
        allowed_type=ALLOWEDVALUETYPE.RANGE,
        minval=-extreme if low is None else low,
        maxval=extreme if high is None else high,
        range_closure=_CLOSURES[(low_open, high_open)],
    )


def _allowed_values(variants: List[JSON], data_type: str) -> List[Any]:
    """Enumerations and ranges of every alternative; an unconstrained alternative makes it AnyValue."""
    allowed: List[Any] = []
    for variant in variants:
        if variant.get("enum"):
            allowed.extend(AllowedValue(allowed_type=ALLOWEDVALUETYPE.VALUE, value=convert(data_type, val))
                           for val in variant["enum"])
            continue
        value_range = _range(variant, data_type)
        if value_range is None:
            return [AnyValue()]
        allowed.append(value_range)
    return allowed or [AnyValue()]


def _literal_default(schema: Any) -> Any:
    default = schema.get("default") if isinstance(schema, dict) else None
    return None if isinstance(default, (list, dict)) else default


# ---- complex formats -----------------------------------------------------------------------------------------

def _media_format(media_type: str, encoding: Optional[str] = None, schema: Any = None) -> Format:
    """A pywps Format, with a file extension so that stored outputs get a meaningful file name."""
    extension = _EXTENSIONS.get(media_type.split(";")[0].strip().lower(), "")
    return Format(media_type, encoding=encoding if encoding in BINARY_ENCODINGS else None,
                  schema=schema if isinstance(schema, str) else None, extension=extension)


def _format_of(variant: JSON) -> List[Format]:
    formats: List[Format] = []
    media_type = variant.get("contentMediaType")
    if media_type:
        formats.append(_media_format(media_type, variant.get("contentEncoding"), variant.get("contentSchema")))
    if variant.get("format") in GEOJSON_FORMATS:
        formats.extend([_media_format("application/geo+json"), _media_format("application/json")])
    if formats:
        return formats
    if variant.get("type") == "object" or variant["$refs"] or _is_bbox(variant):
        return [_media_format("application/json")]
    return [_media_format("text/plain")]


def _formats(schema: Any) -> List[Format]:
    formats: List[Format] = []
    for variant in _flat_variants(schema):
        for fmt in _format_of(variant):
            if not any(fmt.same_as(known) for known in formats):
                formats.append(fmt)
    return formats


def _any_format(formats: List[Format]) -> bool:
    return any(fmt.mime_type == ANY_MEDIA_TYPE for fmt in formats)


# ---- builders ------------------------------------------------------------------------------------------------

def _metadata(io_description: JSON) -> List[Metadata]:
    return [Metadata(item["title"], href=item.get("href"), role=item.get("role"))
            for item in io_description.get("metadata") or [] if isinstance(item, dict) and item.get("title")]


def _common(io_id: str, io_description: JSON) -> Dict[str, Any]:
    return {
        "identifier": io_id,
        "title": io_description.get("title") or io_id,
        "abstract": io_description.get("description", ""),
        "keywords": list(io_description.get("keywords") or []),
        "metadata": _metadata(io_description),
    }


def _make_input(io_id: str, io_description: JSON) -> PywpsInput:
    kind = ogc_io_kind(io_description)
    schema = io_description.get("schema", {})
    min_occurs, max_occurs = _occurs(io_description)
    common = {**_common(io_id, io_description), "min_occurs": min_occurs, "max_occurs": max_occurs}
    if kind == "bbox":
        return BoundingBoxInput(crss=list(BBOX_CRSS), dimensions=BBOX_DIMENSIONS, mode=MODE.NONE, **common)
    if kind == "complex":
        formats = _formats(schema)
        cls = AnyFormatComplexInput if _any_format(formats) else ComplexInput
        return cls(supported_formats=formats, mode=MODE.NONE, **common)
    variants = _flat_variants(schema)
    data_type = _common_type(_literal_type(var) for var in variants)
    return LiteralInput(data_type=data_type, allowed_values=_allowed_values(variants, data_type),
                        default=_literal_default(schema), mode=MODE.SIMPLE, **common)


def _make_output(io_id: str, io_description: JSON) -> PywpsOutput:
    kind = ogc_io_kind(io_description)
    schema = io_description.get("schema", {})
    common = _common(io_id, io_description)
    if kind == "bbox":
        return BoundingBoxOutput(crss=list(BBOX_CRSS), dimensions=BBOX_DIMENSIONS, **common)
    if kind == "complex":
        formats = _formats(schema)
        cls = AnyFormatComplexOutput if _any_format(formats) else ComplexOutput
        return cls(supported_formats=formats, **common)
    if ogc_io_is_array(io_description):
        return LiteralOutput(data_type="string", **common)
    data_type = _common_type(_literal_type(var) for var in _flat_variants(schema))
    return LiteralOutput(data_type=data_type, **common)


def _items(ios: Union[Dict[str, JSON], List[JSON], None]) -> List[Tuple[str, JSON]]:
    """``{id: description}`` or the listing form ``[{"id": id, ...}]`` as ``(id, description)`` pairs."""
    if not ios:
        return []
    if isinstance(ios, dict):
        return list(ios.items())
    return [(item["id"], item) for item in ios]


def ogc2pywps_inputs(inputs: Union[Dict[str, JSON], List[JSON], None]) -> List[PywpsInput]:
    """pywps inputs (Literal, Complex or BoundingBox) of the OGC ``inputs`` of a process description."""
    return [_make_input(io_id, desc) for io_id, desc in _items(inputs)]


def ogc2pywps_outputs(outputs: Union[Dict[str, JSON], List[JSON], None]) -> List[PywpsOutput]:
    """pywps outputs (Literal, Complex or BoundingBox) of the OGC ``outputs`` of a process description."""
    return [_make_output(io_id, desc) for io_id, desc in _items(outputs)]


def make_pywps_process(description: JSON, handler: Callable[..., Any]) -> Process:
    """The pywps process of an OGC description, running ``handler(request, response)``."""
    process_id = description["id"]
    return Process(
        handler,
        identifier=process_id,
        title=description.get("title") or process_id,
        abstract=description.get("description", ""),
        keywords=list(description.get("keywords") or []),
        metadata=_metadata(description),
        version=str(description.get("version") or "1.0.0"),
        inputs=ogc2pywps_inputs(description.get("inputs")),
        outputs=ogc2pywps_outputs(description.get("outputs")),
        store_supported=True,
        status_supported=True,
    )
