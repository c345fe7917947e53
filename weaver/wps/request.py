"""What a WPS request asks for: operation, version, identifiers and job id, from KVP or from an XML body.

XML bodies are parsed here before anything else reads them, with a parser that never resolves entities, never
loads a DTD and never touches the network; a document declaring a DOCTYPE is refused outright.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from lxml import etree

from weaver.exceptions import InvalidParameterValue, MissingParameterValue, WeaverError

WPS_NAMESPACES = {"http://www.opengis.net/wps/1.0.0": "1.0.0", "http://www.opengis.net/wps/2.0": "2.0.0"}
OWS_NAMESPACES = {"1.0.0": "http://www.opengis.net/ows/1.1", "2.0.0": "http://www.opengis.net/ows/2.0"}
WPS_VERSIONS = ("1.0.0", "2.0.0")
OPERATIONS = ("getcapabilities", "describeprocess", "execute", "getstatus", "getresult", "dismiss")
IDENTIFIER_PATTERN = re.compile(r"^[\w.-]+(:[\w.+-]+)?$")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                              huge_tree=False, remove_comments=True, remove_pis=True)


class VersionNegotiationFailed(WeaverError):
    status = 400
    title = "VersionNegotiationFailed"
    type = "VersionNegotiationFailed"
    code = "VersionNegotiationFailed"


class OperationNotSupported(WeaverError):
    status = 501
    title = "OperationNotSupported"
    type = "OperationNotSupported"
    code = "OperationNotSupported"


@dataclass
class WpsRequestInfo:
    """The parts of a WPS request that decide how it is answered."""

    operation: str
    version: str
    identifiers: List[str] = field(default_factory=list)
    job_id: Optional[str] = None
    accept_versions: Optional[str] = None
    root: Optional[Any] = None  # the parsed XML body (lxml element) of a POST request

    @property
    def identifier(self) -> Optional[str]:
        return self.identifiers[0] if self.identifiers else None


def parse_xml(body: bytes) -> Any:
    """The root element of an XML request body, parsed safely (no entities, no DTD, no network)."""
    head = body[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in body.upper():
        raise InvalidParameterValue("XML documents declaring a DOCTYPE or entities are not accepted.",
                                    locator="request")
    try:
        return etree.fromstring(body, parser=SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidParameterValue(f"Request body is not well-formed XML: {exc}", locator="request") from exc


def kvp_value(params: Mapping[str, str], name: str) -> Optional[str]:
    """A KVP parameter, names being case-insensitive as OWS requires."""
    for key, value in params.items():
        if key.lower() == name:
            return value
    return None


def _check_version(version: Optional[str], operation: str) -> str:
    if not version:
        return "1.0.0"  # the version parameter is optional for clients of WPS 1.0.0 servers
    if version not in WPS_VERSIONS:
        raise InvalidParameterValue(f"Version '{version}' of operation {operation} is not supported "
                                    f"(supported: {', '.join(WPS_VERSIONS)}).", locator="version")
    return version


def _negotiate(accept_versions: Optional[str]) -> str:
    if not accept_versions:
        return "1.0.0"
    for version in (v.strip() for v in accept_versions.split(",")):
        if version in WPS_VERSIONS:
            return version
    raise VersionNegotiationFailed(f"None of the requested versions [{accept_versions}] is supported "
                                   f"(supported: {', '.join(WPS_VERSIONS)}).", locator="AcceptVersions")


def _operation(name: Optional[str]) -> str:
    if not name:
        raise MissingParameterValue("Missing parameter 'request' (the WPS operation).", locator="request")
    operation = name.lower()
    if operation not in OPERATIONS:
        raise OperationNotSupported(f"Operation '{name}' is not supported.", locator="request")
    return operation


def from_kvp(params: Mapping[str, str]) -> WpsRequestInfo:
    service = kvp_value(params, "service")
    if not service:
        raise MissingParameterValue("Missing parameter 'service' (must be 'WPS').", locator="service")
    if service.upper() != "WPS":
        raise InvalidParameterValue(f"Service '{service}' is not offered here (only 'WPS').", locator="service")
    operation = _operation(kvp_value(params, "request"))
    if operation == "getcapabilities":
        accept = kvp_value(params, "acceptversions") or kvp_value(params, "version")
        return WpsRequestInfo(operation, _negotiate(accept), accept_versions=accept)
    version = _check_version(kvp_value(params, "version"), operation)
    identifiers = [i for i in (kvp_value(params, "identifier") or "").split(",") if i]
    job_id = kvp_value(params, "jobid")
    info = WpsRequestInfo(operation, version, identifiers, job_id)
    _require(info)
    return info


def from_xml(root: Any) -> WpsRequestInfo:
    qname = etree.QName(root)
    version = WPS_NAMESPACES.get(qname.namespace or "")
    if version is None:
        raise InvalidParameterValue(f"Unknown request document <{qname.localname}> in namespace "
                                    f"'{qname.namespace}'.", locator="request")
    operation = _operation(qname.localname)
    ows = OWS_NAMESPACES[version]
    if operation == "getcapabilities":
        accepted = ",".join(v.text or "" for v in root.iter(f"{{{ows}}}Version")) or None
        return WpsRequestInfo(operation, _negotiate(accepted) if accepted else version, accept_versions=accepted,
                              root=root)
    version = _check_version(root.get("version") or version, operation)
    if WPS_NAMESPACES.get(qname.namespace or "") != version:
        raise InvalidParameterValue(f"Version '{version}' does not match the document namespace.", locator="version")
    identifiers = [(e.text or "").strip() for e in root.findall(f"{{{ows}}}Identifier")]
    job = root.find(f"{{{qname.namespace}}}JobID")
    info = WpsRequestInfo(operation, version, [i for i in identifiers if i],
                          (job.text or "").strip() if job is not None else None, root=root)
    _require(info)
    return info


def _require(info: WpsRequestInfo) -> None:
    if info.operation in ("describeprocess", "execute") and not info.identifiers:
        raise MissingParameterValue(f"Missing parameter 'identifier' of operation {info.operation}.",
                                    locator="identifier")
    invalid = [identifier for identifier in info.identifiers if not IDENTIFIER_PATTERN.match(identifier)]
    if invalid:
        raise InvalidParameterValue(f"Invalid process identifier(s) {invalid}.", locator="identifier",
                                    value=invalid)
    if info.operation in ("getstatus", "getresult", "dismiss"):
        if info.version != "2.0.0":
            raise OperationNotSupported(f"Operation {info.operation} exists in WPS 2.0.0 only.", locator="request")
        if not info.job_id:
            raise MissingParameterValue(f"Missing parameter 'jobId' of operation {info.operation}.",
                                        locator="jobId")


def wps_request_info(method: str, params: Mapping[str, str], body: bytes) -> WpsRequestInfo:
    """Identify a WPS request: the XML body of a POST, else its KVP query."""
    if method == "POST" and body.strip():
        return from_xml(parse_xml(body))
    return from_kvp(params)


def execute_v2_inputs(root: Any) -> Tuple[Dict[str, List[Dict[str, Any]]], Dict[str, Dict[str, Any]], str, str]:
    """Inputs, outputs, mode and response of a WPS 2.0 Execute document.

    Inputs come out in the shape pywps gives for WPS 1.0 requests (``{id: [{data|href, mimeType, crs}]}``), so both
    versions go through the same conversion to an OGC API execute body.
    """
    wps, ows = "http://www.opengis.net/wps/2.0", OWS_NAMESPACES["2.0.0"]
    mode = root.get("mode", "auto")
    if mode not in ("sync", "async", "auto"):
        raise InvalidParameterValue(f"Execution mode '{mode}' is not one of sync, async, auto.", locator="mode")
    response = root.get("response", "document")
    if response not in ("document", "raw"):
        raise InvalidParameterValue(f"Response '{response}' is not one of document, raw.", locator="response")
    inputs: Dict[str, List[Dict[str, Any]]] = {}
    for element in root.findall(f"{{{wps}}}Input"):
        input_id = element.get("id")
        if not input_id:
            raise MissingParameterValue("Every wps:Input needs an 'id' attribute.", locator="id")
        reference, data = element.find(f"{{{wps}}}Reference"), element.find(f"{{{wps}}}Data")
        if reference is not None:
            item = {"href": reference.get(XLINK_HREF), "mimeType": reference.get("mimeType")}
            if not item["href"]:
                raise MissingParameterValue(f"Input '{input_id}': wps:Reference without xlink:href.",
                                            locator=input_id)
        elif data is not None:
            item = _data_item(data, wps, ows)
        else:
            raise MissingParameterValue(f"Input '{input_id}' has neither wps:Data nor wps:Reference.",
                                        locator=input_id)
        inputs.setdefault(input_id, []).append(item)
    outputs: Dict[str, Dict[str, Any]] = {}
    for element in root.findall(f"{{{wps}}}Output"):
        output_id = element.get("id")
        if not output_id:
            raise MissingParameterValue("Every wps:Output needs an 'id' attribute.", locator="id")
        transmission = element.get("transmission", "value")
        if transmission not in ("value", "reference"):
            raise InvalidParameterValue(f"Output '{output_id}': transmission '{transmission}' is not one of value, "
                                        "reference.", locator=output_id)
        outputs[output_id] = {"asReference": "true" if transmission == "reference" else "false"}
    return inputs, outputs, mode, response


def _data_item(data: Any, wps: str, ows: str) -> Dict[str, Any]:
    mime_type = data.get("mimeType")
    literal = data.find(f"{{{wps}}}LiteralValue")
    bbox = data.find(f"{{{ows}}}BoundingBox")
    if literal is not None:
        return {"data": literal.text or ""}
    if bbox is not None:
        corners = [(bbox.findtext(f"{{{ows}}}{corner}") or "").split() for corner in ("LowerCorner", "UpperCorner")]
        try:
            coords = [float(value) for value in corners[0] + corners[1]]
        except ValueError as exc:
            raise InvalidParameterValue("Bounding box corners must be numbers.", locator="BoundingBox") from exc
        return {"data": coords, "crs": bbox.get("crs")}
    children = list(data)
    if children:  # inline XML content (GML, KML...)
        content = "".join(etree.tostring(child, encoding="unicode") for child in children)
        return {"data": content, "mimeType": mime_type or "text/xml"}
    item: Dict[str, Any] = {"data": data.text or ""}
    if mime_type and mime_type != "text/plain":
        item["mimeType"] = mime_type
    return item
