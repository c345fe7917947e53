"""Results of a job as clients get them: guards, the results document and the raw representation."""
from __future__ import annotations

import base64
import json
import os
import re
import uuid
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job
from weaver.exceptions import JobGone, JobResultsFailed, JobResultsNotReady, OutputNotFound, ProcessNotFound
from weaver.execute import ExecuteResponse, ExecuteReturnPreference, ExecuteTransmissionMode
from weaver.jobs import urls
from weaver.jobs.status_doc import job_links
from weaver.processes.convert.pywps_io import ogc_io_is_array
from weaver.processes.job_io import normalize_outputs
from weaver.status import Status, map_status

PROFILE_OGC_RESULTS = "https://www.opengis.net/def/profile/OGC/0/ogc-results"
_ERROR_PREFIX = re.compile(r"^(?:pywps|weaver|owslib)\.[\w.]*?\.?(\w+):\s*(.*)$", re.DOTALL)


def parse_job_error(job: Job) -> Tuple[str, str]:
    """``(code, text)`` of the last recorded exception of a failed job."""
    for error in reversed(job.get("exceptions") or []):
        if isinstance(error, dict) and (error.get("Code") or error.get("Text")):
            return str(error.get("Code") or "NoApplicableCode"), str(error.get("Text") or "unknown")
        if isinstance(error, str):
            match = _ERROR_PREFIX.match(error.strip())
            if match:
                return match.group(1), match.group(2).strip()
    return "NoApplicableCode", "unknown"


def raise_if_results_unavailable(job: Job, settings: Mapping[str, Any]) -> None:
    """410 dismissed, 400 failed (with the parsed error), 404 not finished yet."""
    status = map_status(job.status)
    links = job_links(job, settings)
    if status == Status.DISMISSED:
        raise JobGone(f"Job {job.id} was dismissed: its results are gone.", cause={"status": status.value},
                      links=links)
    if status == Status.FAILED:
        code, text = parse_job_error(job)
        raise JobResultsFailed(f"Job {job.id} failed: no results are available.", error=code, cause=text,
                               links=links, value={"status": status.value})
    if status != Status.SUCCESSFUL:
        raise JobResultsNotReady(f"Job {job.id} has not finished yet: results are not ready.",
                                 cause={"status": status.value}, links=links)


def local_result_path(settings: Mapping[str, Any], href: str) -> Optional[str]:
    """The file behind a pseudo-relative result reference, when it is one of ours and exists."""
    if not href.startswith("/"):
        return None
    root = get_settings(settings)["weaver.wps_output_dir"]
    path = os.path.realpath(os.path.join(root, href.lstrip("/")))
    if not path.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(path):
        return None
    return path


def _read_inline(settings: Mapping[str, Any], result: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """``{value, mediaType[, encoding]}`` of a local result file: JSON parsed, text as is, binary in base64."""
    path = local_result_path(settings, result.get("href", ""))
    if path is None:
        return None
    media_type = result.get("type") or "application/octet-stream"
    with open(path, "rb") as file:
        data = file.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"value": base64.b64encode(data).decode("ascii"), "mediaType": media_type, "encoding": "base64"}
    if media_type.split(";")[0].strip().endswith("json"):
        try:
            return {"value": json.loads(text), "mediaType": media_type}
        except ValueError:
            pass
    return {"value": text, "mediaType": media_type}


def array_output_ids(job: Job, settings: Mapping[str, Any]) -> Set[str]:
    """Outputs the process describes as arrays.

    A WPS output holds one value, so the worker receives an array literal as its JSON text; the process
    description says which outputs must be given back to clients as JSON arrays.
    """
    if not job.is_local or not job.process:
        return set()
    try:
        process = get_db(get_settings(settings)).processes.fetch_by_id(job.process)
    except ProcessNotFound:  # the process was undeployed since: results are shown as stored
        return set()
    return {out_id for out_id, desc in (process.outputs or {}).items()
            if isinstance(desc, dict) and ogc_io_is_array(desc)}


def _array_text(value: Any) -> bool:
    """Whether a literal output value may be a JSON array carried as text."""
    return isinstance(value, str) and value.lstrip().startswith("[")


def _as_array(value: Any) -> Any:
    """The JSON array carried as text by a literal output (unchanged when it is not one)."""
    if _array_text(value):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, list):
            return decoded
    return value


def _with_arrays(results: List[Dict[str, Any]], arrays: Set[str]) -> List[Dict[str, Any]]:
    return [dict(res, value=_as_array(res["value"])) if res.get("id") in arrays and "value" in res else res
            for res in results]


def _requested_mode(job: Job, output_id: str, result: Dict[str, Any]) -> str:
    selection = normalize_outputs(job.outputs) or {}
    mode = (selection.get(output_id) or {}).get("transmissionMode")
    if mode:
        return mode
    if "href" in result and job.execution_return != ExecuteReturnPreference.REPRESENTATION.value:
        return ExecuteTransmissionMode.REFERENCE.value
    return ExecuteTransmissionMode.VALUE.value


def _document_entry(job: Job, settings: Mapping[str, Any], result: Dict[str, Any]) -> Any:
    mode = _requested_mode(job, result["id"], result)
    if "href" in result:
        href = result["href"]
        public = urls.output_file_url(settings, href) if href.startswith("/") else href
        if mode == ExecuteTransmissionMode.VALUE.value:
            inline = _read_inline(settings, result)
            if inline is not None:
                return inline
        return {"href": public, "type": result.get("type") or "application/octet-stream"}
    if "bbox" in result:
        return {key: result[key] for key in ("bbox", "crs") if key in result}
    if result.get("mediaType"):
        return {"value": result.get("value"), "mediaType": result["mediaType"]}
    return result.get("value")


def literal_as_reference(job: Job, settings: Mapping[str, Any], result: Dict[str, Any]) -> Dict[str, Any]:
    """A value result asked for by reference: written once as ``{jobID}/{out}/{out}.txt`` (or ``.json``)."""
    value = {k: result[k] for k in ("bbox", "crs") if k in result} if "bbox" in result else result.get("value")
    structured = isinstance(value, (dict, list))
    media_type = "application/json" if structured else (result.get("mediaType") or "text/plain")
    relative = job.result_path(result["id"], f"{result['id']}.{'json' if structured else 'txt'}")
    path = os.path.join(get_settings(settings)["weaver.wps_output_dir"], relative)
    if not os.path.isfile(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = json.dumps(value) if structured else ("" if value is None else str(value))
        with open(f"{path}.{uuid.uuid4().hex}.tmp", "w", encoding="utf-8") as file:
            file.write(text)
            temp = file.name
        os.replace(temp, path)  # atomic: concurrent readers never see a partial file
    return {"id": result["id"], "href": f"/{relative}", "type": media_type}


def selected_results(job: Job, settings: Optional[Mapping[str, Any]] = None,
                     literal_references: bool = True) -> List[Dict[str, Any]]:
    """Results restricted to the outputs the request selected (all when none was), arrays decoded, and values
    asked for by reference written as files (unless ``literal_references`` is false)."""
    selection = normalize_outputs(job.outputs)
    results = [res for res in job.results if selection is None or res["id"] in selection]
    if settings is None:
        return results
    if any(_array_text(res.get("value")) for res in results):
        results = _with_arrays(results, array_output_ids(job, settings))  # only then is the description needed
    if not literal_references:
        return results
    return [literal_as_reference(job, settings, res)
            if "href" not in res and ((selection or {}).get(res["id"]) or {}).get("transmissionMode")
            == ExecuteTransmissionMode.REFERENCE.value else res
            for res in results]


def results_document(job: Job, settings: Mapping[str, Any]) -> Dict[str, Any]:
    """``{output_id: literal | {value, mediaType} | {href, type} | [..]}`` per OGC API - Processes."""
    document: Dict[str, Any] = {}
    for result in selected_results(job, settings):
        entry = _document_entry(job, settings, result)
        if result["id"] in document:  # several values of one output form an array
            previous = document[result["id"]]
            document[result["id"]] = (previous if isinstance(previous, list) else [previous]) + [entry]
        else:
            document[result["id"]] = entry
    return document


def _raw_part(job: Job, settings: Mapping[str, Any], result: Dict[str, Any]) -> Tuple[bytes, str]:
    if "href" in result:
        path = local_result_path(settings, result["href"])
        if path is not None:
            with open(path, "rb") as file:
                return file.read(), result.get("type") or "application/octet-stream"
        return b"", result.get("type") or "application/octet-stream"
    value = result.get("value")
    if isinstance(value, (dict, list)) or "bbox" in result:
        payload = value if "bbox" not in result else {k: result[k] for k in ("bbox", "crs") if k in result}
        return json.dumps(payload).encode("utf-8"), "application/json"
    return ("" if value is None else str(value)).encode("utf-8"), result.get("mediaType") or "text/plain"


def results_response(job: Job, settings: Mapping[str, Any], status: int = 200,
                     extra_headers: Optional[Dict[str, str]] = None) -> Response:
    """The response of ``GET /jobs/{id}/results`` (and of a finished sync execution)."""
    raise_if_results_unavailable(job, settings)
    headers = {"Content-Location": urls.results_url(settings, job)}
    headers.update(extra_headers or {})
    link_headers = [f'<{urls.status_url(settings, job)}>; rel="monitor"',
                    f'<{urls.status_url(settings, job)}>; rel="status"']
    if job.execution_response != ExecuteResponse.RAW.value:
        body = json.dumps(results_document(job, settings)).encode("utf-8")
        response = Response(body=body, status=status, headers=headers)
        response.content_type = "application/json"
        response.headers["Content-Profile"] = PROFILE_OGC_RESULTS
    else:
        response = _raw_response(job, settings, status, headers, link_headers)
    for link in link_headers:
        response.headers.add("Link", link)
    return response


def _raw_response(job: Job, settings: Mapping[str, Any], status: int, headers: Dict[str, str],
                  link_headers: List[str]) -> Response:
    # raw: literals stay in the body even when asked by reference, so that a raw response is never empty
    # while it has values to give (the OGC test suite expects 200 for "every output by reference")
    results = selected_results(job, settings, literal_references=False)
    by_value = [res for res in results if _requested_mode(job, res["id"], res) == "value" or "href" not in res]
    by_reference = [res for res in results if res not in by_value]
    for res in by_reference:
        link_headers.append(f'<{urls.output_file_url(settings, res["href"])}>; rel="{res["id"]}"; '
                            f'type="{res.get("type") or "application/octet-stream"}"')
    if not by_value:
        return Response(status=204, headers=headers)
    if len(by_value) == 1 and "multipart/" not in str(job.get("accept_type") or ""):
        body, media_type = _raw_part(job, settings, by_value[0])
        response = Response(body=body, status=status, headers=headers)
        response.content_type = media_type
        return response
    boundary = uuid.uuid4().hex
    chunks: List[bytes] = []
    for res in by_value:
        body, media_type = _raw_part(job, settings, res)
        location = (urls.output_file_url(settings, res["href"]) if str(res.get("href", "")).startswith("/")
                    else f"{urls.results_url(settings, job)}/{res['id']}")
        chunks.append(f"--{boundary}\r\nContent-Type: {media_type}\r\nContent-ID: <{res['id']}@{job.id}>\r\n"
                      f"Content-Location: {location}\r\n\r\n".encode("utf-8") + body + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("utf-8"))
    response = Response(body=b"".join(chunks), status=status, headers=headers)
    response.headers["Content-Type"] = f'multipart/mixed; boundary="{boundary}"'
    return response


def outputs_document(job: Job, settings: Mapping[str, Any]) -> Dict[str, Any]:
    """``/jobs/{id}/outputs``: every output as ``{href, type}`` or ``{value}``."""
    raise_if_results_unavailable(job, settings)
    outputs: Dict[str, Any] = {}
    for result in _with_arrays(job.results, array_output_ids(job, settings)):
        if "href" in result:
            href = result["href"]
            entry: Dict[str, Any] = {"href": urls.output_file_url(settings, href) if href.startswith("/") else href,
                                     "type": result.get("type") or "application/octet-stream"}
        elif "bbox" in result:
            entry = {"value": {k: result[k] for k in ("bbox", "crs") if k in result}}
        else:
            entry = {"value": result.get("value")}
            if result.get("mediaType"):
                entry["mediaType"] = result["mediaType"]
        outputs[result["id"]] = entry
    return {"outputs": outputs, "links": job_links(job, settings)}


def single_output_response(job: Job, settings: Mapping[str, Any], output_id: str) -> Response:
    """``/jobs/{id}/results/{output_id}``: the raw content of one output."""
    raise_if_results_unavailable(job, settings)
    matches = [res for res in _with_arrays(job.results, array_output_ids(job, settings)) if res["id"] == output_id]
    if not matches:
        raise OutputNotFound(f"Job {job.id} has no output '{output_id}'.",
                             cause={"name": "output_id", "in": "path", "value": output_id})
    body, media_type = _raw_part(job, settings, matches[0])
    response = Response(body=body)
    response.content_type = media_type
    return response
