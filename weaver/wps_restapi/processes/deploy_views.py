"""Views that change the set of processes: deploy (``POST /processes``), new versions, undeploy, visibility.

Deploy accepts an OGC application package or a bare CWL document (see :mod:`weaver.processes.deploy`).
Builtin processes can be neither undeployed nor hidden; a process with unfinished jobs cannot be undeployed.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict

from cornice import Service
from pyramid.request import Request
from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Process
from weaver.exceptions import AccessForbidden, InvalidParameterValue, ProcessRegistrationError, WeaverError
from weaver.processes.deploy import deploy_process
from weaver.processes.revise import patch_process, replace_process
from weaver.status import Status
from weaver.visibility import Visibility
from weaver.wps_restapi.processes.views import PROCESS_ID_PATTERN, process_service, process_summary, processes_service

UNFINISHED_STATUSES = [Status.CREATED.value, Status.ACCEPTED.value, Status.QUEUED.value, Status.STARTED.value,
                       Status.RUNNING.value, Status.PAUSED.value]


class AnyVisibilityProcessContext:
    """Route factory: the process named in the path, whatever its visibility (for changing it)."""

    def __init__(self, request: Request) -> None:
        process_id = request.matchdict["process_id"]
        if not re.match(PROCESS_ID_PATTERN, process_id):
            raise InvalidParameterValue(f"Invalid process identifier '{process_id}'.",
                                        cause={"name": "process_id", "in": "path", "value": process_id})
        self.process = get_db(request.registry.settings).processes.fetch_by_id(process_id)


visibility_service = Service(name="process_visibility", path="/processes/{process_id}/visibility",
                             factory=AnyVisibilityProcessContext, description="Visibility of a process.")
SERVICES = [visibility_service]


def _description_body(request: Request, process: Process) -> Dict[str, Any]:
    body = process_summary(request, process)
    body["inputs"] = process.inputs
    body["outputs"] = process.outputs
    body["type"] = process.type
    return body


@processes_service.post()
def deploy_process_view(request: Request) -> Response:
    """Deploy a CWL application package as a new process: 201 with its description."""
    settings = get_settings(request.registry.settings)
    if (request.content_length or 0) > settings["weaver.max_body_size"]:
        raise WeaverError("Deploy body is larger than the server accepts.", status=413, type="PayloadTooLarge",
                          title="PayloadTooLarge", code="PayloadTooLarge")
    store = get_db(settings).processes
    process = deploy_process(request.body, request.content_type, store, settings)
    body = _description_body(request, process)
    response = Response(json.dumps(body), status=201, content_type="application/json", charset="utf-8")
    response.headers["Location"] = f"{settings['weaver.wps_restapi_url']}/processes/{process.id}"
    return response


def _check_changeable(process: Process, action: str) -> None:
    if process.is_builtin:
        raise AccessForbidden(f"Builtin process '{process.id}' cannot be {action}.",
                              cause={"name": "process_id", "in": "path", "value": process.id})


@process_service.delete()
def undeploy_process_view(request: Request) -> Response:
    """Remove a deployed process; 409 while one of its jobs is unfinished."""
    process: Process = request.context.process
    _check_changeable(process, "undeployed")
    settings = request.registry.settings
    unfinished = get_db(settings).jobs.collection.count_documents(
        {"process": process.id, "status": {"$in": UNFINISHED_STATUSES}}, limit=1)
    if unfinished:
        raise ProcessRegistrationError(
            f"Process '{process.id}' has unfinished jobs: wait for them or dismiss them first.",
            cause={"name": "process_id", "in": "path", "value": process.id})
    store = get_db(settings).processes
    store.delete_process(process.id)
    if ":" not in process.id:  # undeploying the latest version removes the older ones too
        store.delete_revisions(process.id)
    return Response(status=204)


def _new_version_response(request: Request, process: Process) -> Response:
    body = _description_body(request, process)
    return Response(json.dumps(body), status=200, content_type="application/json", charset="utf-8")


@process_service.put()
def replace_process_view(request: Request) -> Response:
    """Deploy a new version of the process (new package); the previous one stays as ``id:version``."""
    settings = get_settings(request.registry.settings)
    process = replace_process(request.context.process, request.body, request.content_type,
                              get_db(settings).processes, settings)
    return _new_version_response(request, process)


@process_service.patch()
def update_process_view(request: Request) -> Response:
    """A new version of the process with description changes; the previous one stays as ``id:version``."""
    try:
        body = request.json_body
    except ValueError as exc:
        raise InvalidParameterValue("PATCH body must be JSON.", cause={"in": "body"}) from exc
    process = patch_process(request.context.process, body, get_db(request.registry.settings).processes)
    return _new_version_response(request, process)


@visibility_service.get()
def get_visibility_view(request: Request) -> Dict[str, str]:
    return {"value": request.context.process.visibility}


@visibility_service.put()
def set_visibility_view(request: Request) -> Dict[str, str]:
    """Make a deployed process public (listed, executable) or private (hidden)."""
    process: Process = request.context.process
    try:
        value = request.json_body.get("value")
    except (ValueError, AttributeError):
        value = None
    if value not in (Visibility.PUBLIC.value, Visibility.PRIVATE.value):
        raise InvalidParameterValue("Body must be {\"value\": \"public\"} or {\"value\": \"private\"}.",
                                    cause={"name": "value", "in": "body", "value": value})
    _check_changeable(process, "made private" if value == Visibility.PRIVATE.value else "changed")
    process["visibility"] = value
    get_db(request.registry.settings).processes.save_process(process, overwrite=True)
    return {"value": value}
