"""CWL input and output declarations turned into OGC process description inputs and outputs.

A CWL type is read into a :class:`CwlType` (base type, array, optional, enum symbols, formats); the same reading
serves the description (JSON schemas, cardinality) and the runner (how a submitted value becomes a CWL value),
so both agree.

Choices: a ``File`` without ``format`` takes any media type (``contentMediaType: "*/*"``); a ``Directory`` is a
complex value of media type ``application/directory`` given by reference; an array repeats its input
(``maxOccurs: "unbounded"``) and keeps ``type: array`` in its schema, except an array of files or directories,
whose schema is the one of an item (each one is a reference); an input with a default or a ``null``
alternative is optional (``minOccurs: 0``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from weaver.typedefs import JSON

ANY_MEDIA_TYPE = "*/*"
DIRECTORY_MEDIA_TYPE = "application/directory"
IANA_NAMESPACE = "https://www.iana.org/assignments/media-types/"
EDAM_NAMESPACE = "http://edamontology.org/"
EDAM_MEDIA_TYPES = {
    "format_3464": "application/json", "format_2330": "text/plain", "format_3752": "text/csv",
    "format_3591": "image/tiff", "format_3603": "image/png", "format_3579": "image/jpeg",
    "format_2332": "application/xml", "format_3650": "application/x-netcdf",
}
LITERAL_SCHEMAS = {
    "string": {"type": "string"}, "int": {"type": "integer"}, "long": {"type": "integer"},
    "float": {"type": "number"}, "double": {"type": "number"}, "boolean": {"type": "boolean"},
}
FILE_TYPES = ("File", "Directory")
STD_STREAM_TYPES = ("stdout", "stderr")


class CwlTypeError(ValueError):
    """A CWL type that cannot be offered as a process input or output."""


@dataclass
class CwlType:
    """What a CWL type means for a process: its base kind, cardinality and constraints."""

    base: str  # string, int, long, float, double, boolean, File, Directory, enum, record, Any
    array: bool = False
    optional: bool = False
    symbols: List[str] = field(default_factory=list)
    formats: List[str] = field(default_factory=list)  # format URIs as written (possibly prefixed)

    @property
    def is_file(self) -> bool:
        return self.base in FILE_TYPES


def _symbol_name(symbol: str) -> str:
    """Symbols may come fully qualified (``file.cwl#input/value``): keep the value only."""
    text = str(symbol)
    return text.rsplit("/", 1)[-1] if "#" in text else text


def parse_cwl_type(cwl_type: Any) -> CwlType:
    """Read a CWL type in any of its spellings (``int?``, ``File[]``, ``["null", T]``, ``{type: array}``...)."""
    if isinstance(cwl_type, str):
        text = cwl_type.strip()
        if text.endswith("?"):
            parsed = parse_cwl_type(text[:-1])
            parsed.optional = True
            return parsed
        if text.endswith("[]"):
            parsed = parse_cwl_type(text[:-2])
            if parsed.array:
                raise CwlTypeError(f"Nested array type '{cwl_type}' is not supported.")
            parsed.array = True
            return parsed
        if text in STD_STREAM_TYPES:
            return CwlType("File")
        if text in LITERAL_SCHEMAS or text in FILE_TYPES or text == "Any":
            return CwlType(text)
        raise CwlTypeError(f"Unknown CWL type '{cwl_type}'.")
    if isinstance(cwl_type, list):
        types = [t for t in cwl_type if t != "null"]
        if len(types) != 1:
            raise CwlTypeError(f"Union type {cwl_type} is not supported (only one type, optionally with null).")
        parsed = parse_cwl_type(types[0])
        parsed.optional = parsed.optional or len(types) != len(cwl_type)
        return parsed
    if isinstance(cwl_type, dict):
        kind = cwl_type.get("type")
        if kind == "array":
            parsed = parse_cwl_type(cwl_type.get("items"))
            if parsed.array:
                raise CwlTypeError("Nested array types are not supported.")
            parsed.array = True
            return parsed
        if kind == "enum":
            return CwlType("enum", symbols=[_symbol_name(s) for s in cwl_type.get("symbols") or []])
        if kind == "record":
            return CwlType("record")
        return parse_cwl_type(kind)
    raise CwlTypeError(f"Unknown CWL type {cwl_type!r}.")


def cwl_io_items(ios: Any) -> List[Tuple[str, JSON]]:
    """CWL ``inputs``/``outputs`` (map or list form) as ``(id, definition)``, with shorthand types expanded."""
    items: List[Tuple[str, JSON]] = []
    if isinstance(ios, dict):
        pairs = list(ios.items())
    elif isinstance(ios, list):
        pairs = [(str(item.get("id", "")), item) for item in ios if isinstance(item, dict)]
    else:
        pairs = []
    for io_id, definition in pairs:
        if not isinstance(definition, dict) or ("type" not in definition and "outputSource" not in definition):
            definition = {"type": definition}
        clean_id = io_id.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        items.append((clean_id, definition))
    return items


def expand_format(fmt: str, namespaces: Dict[str, str]) -> str:
    """A format as a full URI, with its namespace prefix (``iana:``, ``edam:``) resolved."""
    prefix, sep, rest = fmt.partition(":")
    if sep and prefix in namespaces and not rest.startswith("//"):
        return namespaces[prefix] + rest
    return fmt


def format_media_type(fmt: str, namespaces: Dict[str, str]) -> Optional[str]:
    """The media type a CWL format names, when it names one (IANA, or a few well-known EDAM formats)."""
    uri = expand_format(fmt, namespaces)
    if uri.startswith(IANA_NAMESPACE):
        return uri[len(IANA_NAMESPACE):]
    if uri.startswith(EDAM_NAMESPACE):
        return EDAM_MEDIA_TYPES.get(uri[len(EDAM_NAMESPACE):])
    if "/" in uri and ":" not in uri:  # already a media type
        return uri
    return None


def _formats_of(definition: JSON) -> List[str]:
    fmt = definition.get("format")
    if isinstance(fmt, str):
        return [fmt]
    if isinstance(fmt, list):
        return [f for f in fmt if isinstance(f, str)]
    return []


def _file_schema(parsed: CwlType, namespaces: Dict[str, str]) -> JSON:
    if parsed.base == "Directory":
        return {"type": "string", "contentMediaType": DIRECTORY_MEDIA_TYPE}
    media_types: List[str] = []
    for fmt in parsed.formats:
        media_type = format_media_type(fmt, namespaces) or ANY_MEDIA_TYPE
        if media_type not in media_types:
            media_types.append(media_type)
    if not media_types or ANY_MEDIA_TYPE in media_types:
        media_types = [ANY_MEDIA_TYPE]
    schemas = [{"type": "string", "contentMediaType": media_type} for media_type in media_types]
    return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}


def _item_schema(parsed: CwlType, namespaces: Dict[str, str]) -> JSON:
    if parsed.is_file:
        return _file_schema(parsed, namespaces)
    if parsed.base == "enum":
        return {"type": "string", "enum": list(parsed.symbols)}
    if parsed.base == "record":
        return {"type": "object", "contentMediaType": "application/json"}
    if parsed.base == "Any":
        return {"type": "string"}
    return dict(LITERAL_SCHEMAS[parsed.base])


def _describe(io_id: str, definition: JSON, namespaces: Dict[str, str], is_input: bool) -> Tuple[JSON, CwlType]:
    try:
        parsed = parse_cwl_type(definition.get("type"))
    except CwlTypeError as exc:
        raise CwlTypeError(f"{'Input' if is_input else 'Output'} '{io_id}': {exc}") from None
    parsed.formats = _formats_of(definition)
    schema = _item_schema(parsed, namespaces)
    if parsed.array and not parsed.is_file:  # files repeat by reference: the schema stays the one of an item
        schema = {"type": "array", "items": schema}
    description: JSON = {"title": definition.get("label") or io_id}
    doc = definition.get("doc")
    if doc:
        description["description"] = "\n".join(doc) if isinstance(doc, list) else str(doc)
    if is_input:
        default = definition.get("default")
        if default is not None and not parsed.is_file:
            schema["default"] = default
        optional = parsed.optional or default is not None
        description["minOccurs"] = 0 if optional else 1
        description["maxOccurs"] = "unbounded" if parsed.array else 1
    description["schema"] = schema
    return description, parsed


def cwl_namespaces(package: JSON) -> Dict[str, str]:
    namespaces = package.get("$namespaces")
    return dict(namespaces) if isinstance(namespaces, dict) else {}


def _described(package: JSON, section: str) -> Dict[str, Tuple[JSON, CwlType]]:
    """OGC description and parsed type of every input (``section="inputs"``) or output of a CWL package."""
    namespaces = cwl_namespaces(package)
    is_input = section == "inputs"
    described: Dict[str, Tuple[JSON, CwlType]] = {}
    for io_id, definition in cwl_io_items(package.get(section)):
        if not is_input and "type" not in definition:
            raise CwlTypeError(f"Output '{io_id}' has no type.")
        described[io_id] = _describe(io_id, definition, namespaces, is_input)
    return described


def cwl2ogc_inputs(package: JSON) -> Dict[str, JSON]:
    """OGC ``inputs`` of a CWL package (raises :class:`CwlTypeError` on a type it cannot offer)."""
    return {io_id: description for io_id, (description, _) in _described(package, "inputs").items()}


def cwl2ogc_outputs(package: JSON) -> Dict[str, JSON]:
    """OGC ``outputs`` of a CWL package (raises :class:`CwlTypeError` on a type it cannot offer)."""
    return {io_id: description for io_id, (description, _) in _described(package, "outputs").items()}


def cwl_input_types(package: JSON) -> Dict[str, CwlType]:
    """The parsed type of every input of a CWL package, by input id."""
    return {io_id: parsed for io_id, (_, parsed) in _described(package, "inputs").items()}


def merge_declared_io(derived: Dict[str, JSON], declared: Any, kind: str) -> Dict[str, JSON]:
    """The derived descriptions completed by what the deploy body declares (the body wins field by field)."""
    if not declared:
        return derived
    if isinstance(declared, list):
        declared = {item.get("id"): item for item in declared if isinstance(item, dict)}
    if not isinstance(declared, dict):
        raise CwlTypeError(f"Declared {kind}s must be a mapping or a list of objects with 'id'.")
    merged = {io_id: dict(desc) for io_id, desc in derived.items()}
    for io_id, description in declared.items():
        if io_id not in merged:
            raise CwlTypeError(f"Declared {kind} '{io_id}' is not in the CWL package {kind}s {sorted(merged)}.")
        if isinstance(description, dict):
            merged[io_id].update({key: value for key, value in description.items() if key != "id"})
    return merged
