"""WPS 2.0.0 documents of weaver's jobs and processes: StatusInfo, Result and ProcessOfferings.

They are rendered from the Job (the one store of truth) and from the pywps processes, never from files on disk,
so GetStatus, GetResult and Dismiss answer for the same jobs the REST API shows.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping

import pywps
from lxml import etree
from lxml.builder import ElementMaker

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.jobs import urls
from weaver.jobs.results import selected_results
from weaver.status import Status, map_status

WPS_NS = "http://www.opengis.net/wps/2.0"
OWS_NS = "http://www.opengis.net/ows/2.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"wps": WPS_NS, "ows": OWS_NS, "xlink": XLINK_NS, "xsi": XSI_NS}
WPS = ElementMaker(namespace=WPS_NS, nsmap=NSMAP)
OWS = ElementMaker(namespace=OWS_NS, nsmap=NSMAP)
SCHEMA_LOCATION = f"{WPS_NS} http://schemas.opengis.net/wps/2.0/wps.xsd"
WPS2_STATUS = {Status.ACCEPTED: "Accepted", Status.CREATED: "Accepted", Status.RUNNING: "Running",
               Status.SUCCESSFUL: "Succeeded", Status.FAILED: "Failed", Status.DISMISSED: "Dismissed"}
_LITERAL_TYPES = {"string": "string", "integer": "integer", "float": "double", "boolean": "boolean",
                  "dateTime": "dateTime", "date": "date", "time": "time", "anyURI": "anyURI",
                  "positiveInteger": "positiveInteger", "nonNegativeInteger": "nonNegativeInteger"}


def to_bytes(root: Any) -> bytes:
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _stamp(value: Any) -> str:
    value = value or datetime.now(timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_info(job: Job) -> bytes:
    """``wps:StatusInfo`` of the job (GetStatus, Dismiss and asynchronous Execute)."""
    status = map_status(job.status)
    root = WPS.StatusInfo(WPS.JobID(str(job.id)), WPS.Status(WPS2_STATUS.get(status, "Accepted")))
    if status == Status.RUNNING:
        root.append(WPS.PercentCompleted(str(int(job.progress or 0))))
    if status in (Status.ACCEPTED, Status.RUNNING, Status.CREATED):
        root.append(WPS.NextPoll(_stamp(None)))
    return to_bytes(root)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def _output(settings: Mapping[str, Any], result: Dict[str, Any]) -> Any:
    output = WPS.Output(id=str(result["id"]))
    if "href" in result:
        href = result["href"]
        href = urls.output_file_url(settings, href) if href.startswith("/") else href
        reference = WPS.Reference()
        reference.set(f"{{{XLINK_NS}}}href", href)
        reference.set("mimeType", result.get("type") or "application/octet-stream")
        output.append(reference)
    elif "bbox" in result:
        coords = [str(c) for c in result["bbox"]]
        half = len(coords) // 2
        box = OWS.BoundingBox(OWS.LowerCorner(" ".join(coords[:half])), OWS.UpperCorner(" ".join(coords[half:])),
                              crs=result.get("crs") or "EPSG:4326", dimensions=str(half))
        output.append(WPS.Data(box, mimeType="text/xml"))
    else:
        data = WPS.Data(_value_text(result.get("value")), mimeType=result.get("mediaType") or "text/plain")
        if result.get("encoding"):
            data.set("encoding", result["encoding"])
        output.append(data)
    return output


def result_document(job: Job, settings: Mapping[str, Any]) -> bytes:
    """``wps:Result`` of a successful job: every output, by value or by reference as stored."""
    settings = get_settings(settings)
    root = WPS.Result(WPS.JobID(str(job.id)))
    for result in selected_results(job):
        root.append(_output(settings, result))
    return to_bytes(root)


def _formats(description: Dict[str, Any]) -> List[Any]:
    formats = description.get("supported_formats") or [{"mime_type": "text/plain"}]
    elements = []
    for index, fmt in enumerate(formats):
        element = WPS.Format(mimeType=fmt.get("mime_type") or "text/plain")
        if fmt.get("encoding"):
            element.set("encoding", fmt["encoding"])
        if fmt.get("schema"):
            element.set("schema", fmt["schema"])
        if index == 0:
            element.set("default", "true")
        elements.append(element)
    return elements


def _data_description(description: Dict[str, Any]) -> Any:
    kind = description.get("type")
    if kind == "complex":
        return WPS.ComplexData(*_formats(description))
    if kind == "bbox":
        crss = description.get("crss") or [description.get("crs") or "EPSG:4326"]
        supported = [WPS.SupportedCRS(crs, **({"default": "true"} if i == 0 else {})) for i, crs in enumerate(crss)]
        return WPS.BoundingBoxData(WPS.Format(mimeType="text/plain", default="true"), *supported)
    data_type = _LITERAL_TYPES.get(description.get("data_type") or "string", "string")
    domain = WPS.LiteralDataDomain(OWS.AnyValue(), OWS.DataType(data_type, {
        f"{{{OWS_NS}}}reference": f"http://www.w3.org/2001/XMLSchema#{data_type}"}), default="true")
    return WPS.LiteralData(WPS.Format(mimeType="text/plain", default="true"), domain)


def _described_io(tag: str, description: Dict[str, Any]) -> Any:
    element = getattr(WPS, tag)(OWS.Title(description.get("title") or description["identifier"]))
    if description.get("abstract"):
        element.append(OWS.Abstract(description["abstract"]))
    element.append(OWS.Identifier(description["identifier"]))
    element.append(_data_description(description))
    if tag == "Input":
        element.set("minOccurs", str(description.get("min_occurs", 1)))
        max_occurs = description.get("max_occurs", 1)
        element.set("maxOccurs", "unbounded" if max_occurs in (None, "unbounded") or int(max_occurs) > 10 ** 6
                    else str(max_occurs))
    return element


def process_offerings(processes: Iterable[pywps.Process]) -> bytes:
    """``wps:ProcessOfferings`` (DescribeProcess 2.0.0) of pywps processes."""
    root = WPS.ProcessOfferings()
    for process in processes:
        description = process.json
        body = WPS.Process(OWS.Title(description.get("title") or process.identifier))
        if description.get("abstract"):
            body.append(OWS.Abstract(description["abstract"]))
        body.append(OWS.Identifier(process.identifier))
        for item in description.get("inputs", []):
            body.append(_described_io("Input", item))
        for item in description.get("outputs", []):
            body.append(_described_io("Output", item))
        root.append(WPS.ProcessOffering(body, jobControlOptions="sync-execute async-execute dismiss",
                                        outputTransmission="value reference",
                                        processVersion=str(description.get("version") or "1.0.0")))
    return to_bytes(root)


def complete_capabilities(body: bytes, processes: Iterable[pywps.Process]) -> bytes:
    """Fill in the process summaries of pywps' WPS 2.0.0 Capabilities (its template leaves the titles and
    identifiers as literal placeholders) and declare the dismiss job control option."""
    root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    summaries = root.findall(f"{{{WPS_NS}}}Contents/{{{WPS_NS}}}ProcessSummary")
    for summary, process in zip(summaries, processes):  # pywps renders them in the order of its processes
        summary.set("jobControlOptions", "sync-execute async-execute dismiss")
        summary.set("outputTransmission", "value reference")
        summary.find(f"{{{OWS_NS}}}Title").text = process.title or process.identifier
        summary.find(f"{{{OWS_NS}}}Identifier").text = process.identifier
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
