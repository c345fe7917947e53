"""The WPS 1.0.0 ExecuteResponse of a job, rendered from the Job itself (its status document as WPS clients see it)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Dict, Mapping
from xml.sax.saxutils import escape, quoteattr

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.jobs import urls
from weaver.jobs.results import parse_job_error, selected_results
from weaver.status import Status, map_status

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<wps:ExecuteResponse xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" '
         'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:schemaLocation="http://www.opengis.net/wps/1.0.0 '
         'http://schemas.opengis.net/wps/1.0.0/wpsExecute_response.xsd" service="WPS" version="1.0.0" '
         'xml:lang="en-US" serviceInstance={service} statusLocation={location}>\n')


def _status_element(job: Job) -> str:
    status = map_status(job.status)
    message = escape(job.status_message or "")
    stamp = (job.get("updated") or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if status == Status.SUCCESSFUL:
        inner = f"<wps:ProcessSucceeded>{message}</wps:ProcessSucceeded>"
    elif status in (Status.FAILED, Status.DISMISSED):
        code, text = parse_job_error(job)
        if status == Status.DISMISSED:
            code, text = "NoApplicableCode", "Job dismissed."
        inner = ("<wps:ProcessFailed><wps:ExceptionReport>"
                 f"<ows:Exception exceptionCode={quoteattr(code)}><ows:ExceptionText>{escape(text)}"
                 "</ows:ExceptionText></ows:Exception></wps:ExceptionReport></wps:ProcessFailed>")
    elif status == Status.RUNNING:
        inner = f'<wps:ProcessStarted percentCompleted="{job.progress}">{message}</wps:ProcessStarted>'
    else:
        inner = f"<wps:ProcessAccepted>{message}</wps:ProcessAccepted>"
    return f'  <wps:Status creationTime="{stamp}">{inner}</wps:Status>\n'


def _output_element(settings: Mapping[str, Any], result: Dict[str, Any]) -> str:
    ident = f"<ows:Identifier>{escape(result['id'])}</ows:Identifier><ows:Title>{escape(result['id'])}</ows:Title>"
    if "href" in result:
        href = result["href"]
        href = urls.output_file_url(settings, href) if href.startswith("/") else href
        return (f"<wps:Output>{ident}<wps:Reference href={quoteattr(href)} "
                f"mimeType={quoteattr(result.get('type') or 'application/octet-stream')}/></wps:Output>")
    if "bbox" in result:
        coords = result["bbox"]
        half = len(coords) // 2
        lower = " ".join(str(c) for c in coords[:half])
        upper = " ".join(str(c) for c in coords[half:])
        return (f"<wps:Output>{ident}<wps:Data><wps:BoundingBoxData crs={quoteattr(result.get('crs') or 'EPSG:4326')} "
                f'dimensions="{half}"><ows:LowerCorner>{lower}</ows:LowerCorner><ows:UpperCorner>{upper}'
                "</ows:UpperCorner></wps:BoundingBoxData></wps:Data></wps:Output>")
    value = result.get("value")
    if result.get("mediaType"):
        text = value if isinstance(value, str) else json.dumps(value)
        return (f"<wps:Output>{ident}<wps:Data><wps:ComplexData mimeType={quoteattr(result['mediaType'])}>"
                f"{escape(text)}</wps:ComplexData></wps:Data></wps:Output>")
    if isinstance(value, bool):
        text, data_type = ("true" if value else "false"), "boolean"
    elif isinstance(value, int):
        text, data_type = str(value), "integer"
    elif isinstance(value, float):
        text, data_type = repr(value), "float"
    elif isinstance(value, (list, dict)):
        text, data_type = json.dumps(value), "string"
    else:
        text, data_type = ("" if value is None else str(value)), "string"
    return (f"<wps:Output>{ident}<wps:Data><wps:LiteralData dataType={quoteattr(data_type)}>{escape(text)}"
            "</wps:LiteralData></wps:Data></wps:Output>")


def wps_status_xml(job: Job, settings: Mapping[str, Any]) -> str:
    """WPS-1 ExecuteResponse of the job: its status, and its outputs once successful."""
    settings = get_settings(settings)
    head = _HEAD.format(service=quoteattr(settings["weaver.wps_url"] + "?service=WPS&request=GetCapabilities"),
                        location=quoteattr(urls.wps_status_location(settings, job)))
    process = (f'  <wps:Process wps:processVersion="1.0.0"><ows:Identifier>{escape(job.process or "")}'
               f"</ows:Identifier><ows:Title>{escape(job.process or '')}</ows:Title></wps:Process>\n")
    outputs = ""
    if map_status(job.status) == Status.SUCCESSFUL and job.results:
        outputs = ("  <wps:ProcessOutputs>" + "".join(_output_element(settings, r) for r in selected_results(job))
                   + "</wps:ProcessOutputs>\n")
    return head + process + _status_element(job) + outputs + "</wps:ExecuteResponse>\n"


def write_wps_status(job: Job, settings: Mapping[str, Any]) -> str:
    """Write the job's status document where its ``statusLocation`` points; returns the file path."""
    settings = get_settings(settings)
    path = os.path.join(settings["weaver.wps_output_dir"], f"{job.result_path()}.xml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as file:
        file.write(wps_status_xml(job, settings))
    os.replace(tmp, path)  # readers never see a half-written document
    return path
