"""OGC API - Processes Part 4 job management: create (``POST /jobs``), update (``PATCH``), trigger, inputs."""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

from lxml import etree
from pyramid.request import Request
from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job, Process
from weaver.exceptions import (
    OGC_EXCEPTION_BASE,
    InvalidParameterValue,
    JobGone,
    JobLocked,
    UnsupportedMediaType,
)
from weaver.execute import ExecuteMode
from weaver.jobs.status_doc import job_links
from weaver.processes.execution import (
    submit_job,
    submit_job_dispatch_task,
    submit_job_dispatch_wps,
    update_job_parameters,
    validate_job_json,
)
from weaver.status import Status, map_status
from weaver.visibility import Visibility

_PROCESS_URL = re.compile(r"/processes/(?P<id>[\w.-]+(:[\w.+-]+)?)/?$")
_OWS_IDENTIFIER = "{http://www.opengis.net/ows/1.1}Identifier"
# no entities, no network, no huge trees: the body comes from anyone
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, dtd_validation=False,
                              load_dtd=False)


def _no_such_process(detail: str, cause: Dict[str, Any]) -> InvalidParameterValue:
    return InvalidParameterValue(detail, title="NoSuchProcess", type=OGC_EXCEPTION_BASE + "no-such-process",
                                 code="NoSuchProcess", cause=cause)


def _public_process(request: Request, process_id: str) -> Process:
    return get_db(request.registry.settings).processes.fetch_by_id(process_id,
                                                                   visibility=Visibility.PUBLIC.value)


def _xml_identifier(body: bytes) -> Optional[str]:
    try:
        root = etree.fromstring(body, parser=_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidParameterValue(f"Execute XML body cannot be parsed: {exc}",
                                    cause={"in": "body", "ows:Identifier": None}) from exc
    node = root.find(_OWS_IDENTIFIER)
    text = (node.text or "").strip() if node is not None else ""
    return text or None


def create_job_view(request: Request) -> Response:
    """``POST /jobs``: execute the process named in the body (JSON ``process`` URL or XML ``ows:Identifier``)."""
    content_type = (request.content_type or "").lower()
    if "json" in content_type:
        body = validate_job_json(request)
        reference = body.get("process") if isinstance(body, dict) else None
        match = _PROCESS_URL.search(reference) if isinstance(reference, str) else None
        local_prefix = f"{get_settings(request.registry.settings)['weaver.wps_restapi_url']}/processes/"
        if not match or not reference.startswith(local_prefix):
            raise _no_such_process(f"Body 'process' must be the URL of a process of this server "
                                   f"('{local_prefix}{{processID}}').", cause={"in": "body", "process": reference})
        process = _public_process(request, match.group("id"))
        return submit_job(request, process, process_id=process.id)
    if "xml" in content_type:
        identifier = _xml_identifier(request.body or b"")
        if not identifier:
            raise _no_such_process("Execute XML body must name the process with 'ows:Identifier'.",
                                   cause={"in": "body", "ows:Identifier": identifier})
        if not _PROCESS_URL.search(f"/processes/{identifier}"):
            raise _no_such_process(f"Invalid process identifier '{identifier}'.",
                                   cause={"in": "body", "ows:Identifier": identifier})
        return submit_job_dispatch_wps(request, _public_process(request, identifier))
    raise UnsupportedMediaType(
        f"Job creation requires a JSON or XML execute request, not [{content_type}].",
        cause={"in": "headers", "name": "Content-Type", "value": content_type})


def update_job_view(request: Request) -> Response:
    """``PATCH /jobs/{id}``: change a ``created`` job before it is triggered."""
    update_job_parameters(request.context.job, request)
    return Response(status=204)


def trigger_job_view(request: Request) -> Response:
    """``POST /jobs/{id}/results``: start a ``created`` job (202)."""
    job: Job = request.context.job
    status = map_status(job.status)
    if status == Status.DISMISSED:
        raise JobGone(f"Job {job.id} was dismissed.", cause={"status": status.value})
    if status != Status.CREATED:
        raise JobLocked(f"Job {job.id} can only be triggered while in status 'created' (now '{status.value}').",
                        cause={"status": status.value})
    return submit_job_dispatch_task(job, container=request.registry.settings, force_submit=True)


def rebuild_prefer_header(job: Job) -> str:
    """The ``Prefer`` header equivalent to the job's parameters: ``return=X; wait=N; respond-async``."""
    parts = [f"return={job.execution_return}"]
    if job.execution_mode == ExecuteMode.SYNC.value and job.execution_wait:
        parts.append(f"wait={job.execution_wait}")
    if job.execution_mode == ExecuteMode.ASYNC.value:
        parts.append("respond-async")
    return "; ".join(parts)


def job_inputs_view(request: Request) -> Dict[str, Any]:
    """``GET /jobs/{id}/inputs``: what was submitted, as the parameters the job now holds (no subscribers)."""
    job: Job = request.context.job
    recorded = job.get("request_headers") or {}
    body = {
        "mode": job.execution_mode,
        "response": job.execution_response,
        "inputs": job.inputs,
        "outputs": job.outputs,
        "headers": {
            "Accept": job.get("accept_type"),
            "Accept-Language": job.accept_language,
            "Accept-Profile": job.get("accept_profile"),
            "Content-Type": recorded.get("Content-Type"),
            "Prefer": rebuild_prefer_header(job),
            "X-WPS-Output-Context": job.context,
        },
        "links": job_links(job, request.registry.settings),
    }
    if job.get("title"):
        body["title"] = job["title"]
    return body
