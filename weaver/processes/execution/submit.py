"""Job submission: from a validated request to a stored Job and a dispatched Celery task."""
from __future__ import annotations

import logging
from typing import Dict, List, Optional, Tuple, Union

from celery.exceptions import TimeoutError as CeleryTimeoutError
from kombu.exceptions import OperationalError
from pyramid.request import Request
from pyramid.response import Response

from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job, Process, Service
from weaver.exceptions import InvalidParameterValue, JobLocked, NotAcceptable, ServiceUnavailable, UnprocessableEntity
from weaver.execute import (
    DEFAULT_CONTROL_OPTIONS,
    ExecuteMode,
    ExecuteResponse,
    ExecuteReturnPreference,
    parse_prefer_header_execute_mode,
    parse_prefer_return,
    parse_prefer_tokens,
)
from weaver.jobs import urls
from weaver.jobs.results import results_response
from weaver.jobs.status_doc import JOB_STATUS_CONTENT_TYPE, job_status_document
from weaver.notify import encrypt_subscribers
from weaver.processes.execution.kvp import kvp_execution_request
from weaver.processes.execution.task import execute_process
from weaver.processes.execution.validate import (
    get_header,
    get_wps_output_context,
    validate_job_accept_header,
    validate_job_accept_profile,
    validate_job_json,
    validate_input_references,
    validate_job_schema,
    validate_process_exec_mode,
    validate_process_id,
    validate_process_io,
)
from weaver.status import Status
from weaver.typedefs import (
    AnyHeadersContainer,
    AnyProcessRef,
    AnyResponseType,
    AnyServiceRef,
    AnySettingsContainer,
    HeaderCookiesType,
    ProcessExecution,
    SettingsType,
)
from weaver.visibility import AnyVisibility, Visibility
from weaver.wps_restapi import swagger_definitions as sd

LOGGER = logging.getLogger(__name__)
SUPPORTED_LANGUAGES = ["en-CA", "fr-CA", "en-US", "en", "fr"]
# headers shown by /jobs/{id}/inputs (never credentials: those only travel with the task)
RECORDED_HEADERS = ("Accept", "Accept-Language", "Accept-Profile", "Content-Type", "Prefer", "X-WPS-Output-Context")
FORWARDED_HEADERS = ("Authorization", "Proxy-Authorization", "X-Auth", "Cookie", "X-Auth-Vault")


def _headers_dict(headers: AnyHeadersContainer) -> Dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else (headers or [])
    return {str(key): str(value) for key, value in items}


def match_accept_language(header: Optional[str]) -> Optional[str]:
    """The supported language best matching ``Accept-Language`` (None when absent; 406 when none matches)."""
    if not header or header.strip() in ("*", ""):
        return None
    candidates: List[Tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        lang, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if lang.strip():
            candidates.append((-quality, index, lang.strip()))
    for _, _, lang in sorted(candidates):
        if lang == "*":
            return None
        for supported in SUPPORTED_LANGUAGES:
            if supported.lower() == lang.lower():
                return supported
        prefix = lang.split("-")[0].lower()
        for supported in SUPPORTED_LANGUAGES:
            if supported.lower() == prefix:
                return supported
    raise NotAcceptable(
        f"Requested language [{header}] not in supported languages [{', '.join(SUPPORTED_LANGUAGES)}].",
        cause={"name": "Accept-Language", "in": "headers", "value": header})


def resolve_execution_mode(payload: ProcessExecution, headers: Dict[str, str], control_options: List[str],
                           max_wait: int) -> Tuple[ExecuteMode, Optional[int], Dict[str, str]]:
    """``(mode, wait, Preference-Applied)`` from Prefer, then the legacy body ``mode``, then the defaults."""
    tokens = parse_prefer_tokens(headers)
    mode, wait, applied = parse_prefer_header_execute_mode(headers, control_options, max_wait, return_auto=True)
    if "respond-async" in tokens or "wait" in tokens:
        return mode, wait, applied
    body_mode = payload.get("mode")
    if body_mode and body_mode != ExecuteMode.AUTO.value:
        validate_process_exec_mode(control_options, body_mode)
        return ExecuteMode(body_mode), (max_wait if body_mode == ExecuteMode.SYNC.value else None), {}
    if ExecuteMode(mode) == ExecuteMode.ASYNC:
        return ExecuteMode.ASYNC, None, {}
    if ExecuteMode(mode) == ExecuteMode.SYNC and len(control_options) == 1:
        return ExecuteMode.SYNC, wait or max_wait, {}
    return ExecuteMode.AUTO, max_wait, {}


def resolve_job_return(payload: ProcessExecution, headers: Dict[str, str]) -> Tuple[str, str]:
    """``(execution_response, execution_return)`` from the body ``response`` or ``Prefer: return=``."""
    if payload.get("response"):
        return payload["response"], ExecuteReturnPreference.MINIMAL.value
    preference = parse_prefer_return(headers)
    if preference == ExecuteReturnPreference.REPRESENTATION:
        return ExecuteResponse.RAW.value, ExecuteReturnPreference.REPRESENTATION.value
    return ExecuteResponse.DOCUMENT.value, ExecuteReturnPreference.MINIMAL.value


def submit_job(request: Request, reference: Union[Service, Process], tags: Optional[List[str]] = None,
               process_id: Optional[str] = None) -> AnyResponseType:
    """Generates the job submission from details retrieved in the request."""
    body = validate_job_json(request)
    return _submit_request_job(request, reference, body, _headers_dict(request.headers), tags, process_id)


def submit_job_from_kvp(request: Request, process: Process) -> AnyResponseType:
    """Execute a process from the query parameters of ``GET /processes/{id}/execution``."""
    body, headers = kvp_execution_request(list(request.GET.items()), _headers_dict(request.headers))
    return _submit_request_job(request, process, body, headers, ["kvp"], process.id)


def _submit_request_job(request: Request, reference: Union[Service, Process], body: ProcessExecution,
                        headers: Dict[str, str], tags: Optional[List[str]], process_id: Optional[str]
                        ) -> AnyResponseType:
    settings = get_settings(request.registry.settings)
    context = get_wps_output_context(headers, settings["weaver.wps_output_context"])
    tags = list(tags or [])
    tags.extend(tag.strip() for tag in request.GET.get("tags", "").split(",") if tag.strip())
    language = match_accept_language(get_header(headers, "Accept-Language"))
    if isinstance(reference, Service):
        return submit_job_handler(body, settings, reference.url, provider=reference, process=process_id,
                                  is_local=False, visibility=Visibility.PUBLIC, language=language,
                                  headers=headers, tags=tags + ["remote"], user=request.authenticated_userid,
                                  context=context)
    return submit_job_handler(body, settings, settings["weaver.wps_url"], process=reference,
                              is_workflow=reference.is_workflow, is_local=True, visibility=Visibility.PUBLIC,
                              language=language, headers=headers, tags=tags + ["local"],
                              user=request.authenticated_userid, context=context)


def submit_job_handler(payload: ProcessExecution, settings: SettingsType, wps_url: str,
                       provider: Optional[AnyServiceRef] = None, process: AnyProcessRef = None,
                       is_workflow: bool = False, is_local: bool = True,
                       visibility: Optional[AnyVisibility] = None, language: Optional[str] = None,
                       headers: Optional[HeaderCookiesType] = None, tags: Optional[List[str]] = None,
                       user: Optional[int] = None, context: Optional[str] = None) -> AnyResponseType:
    """Validate the payload against the process, store the job, dispatch it and answer per the execution mode."""
    settings = get_settings(settings)
    headers = _headers_dict(headers)
    payload = validate_job_schema(payload, sd.Execute, headers=headers)
    process_obj = process if isinstance(process, Process) else None
    if is_local and process_obj is not None:
        validate_process_io(process_obj, payload)
        validate_process_id(process_obj, payload)
    validate_input_references(payload, settings)
    control_options = process_obj.job_control_options if process_obj is not None and is_local \
        else list(DEFAULT_CONTROL_OPTIONS)
    max_wait = settings["weaver.execute_sync_max_wait"]
    mode, wait, applied = resolve_execution_mode(payload, headers, control_options, max_wait)
    validate_process_exec_mode(control_options, mode)
    accept_type = validate_job_accept_header(headers, mode)
    accept_profile = validate_job_accept_profile(headers, mode)
    response, return_pref = resolve_job_return(payload, headers)
    created = payload.get("status") == "create"
    status = Status.CREATED if created else Status.ACCEPTED
    provider_id = provider.id if isinstance(provider, Service) else provider
    process_id = process_obj.id if process_obj is not None else str(process)
    visibility_value = str(visibility.value if isinstance(visibility, Visibility) else visibility or "private")
    job = Job(
        task_id=status.value, process=process_id, service=provider_id, title=payload.get("title"),
        inputs=payload.get("inputs", {}), outputs=payload.get("outputs"), status=status.value,
        execution_mode=mode.value, execution_wait=wait if mode != ExecuteMode.ASYNC else None,
        execution_response=response, execution_return=return_pref, access=visibility_value,
        tags=list(dict.fromkeys((tags or []) + ["workflow" if is_workflow else "application", mode.value])),
        user_id=user, context=context, accept_language=language, accept_type=accept_type,
        accept_profile=accept_profile, is_workflow=is_workflow, is_local=is_local, wps_url=wps_url,
        subscribers=encrypt_subscribers(map_job_subscribers(payload), settings),
        request_headers={name: get_header(headers, name) for name in RECORDED_HEADERS},
    )
    job.status_message = ("Job created with pending trigger." if created
                          else "Job task submitted for execution.")
    job.save_log(job.status_message, progress=0)
    get_db(settings).jobs.insert_job(job)
    forwarded = {name: value for name, value in headers.items() if name.title() in FORWARDED_HEADERS
                 or name.lower() == "prefer"}
    result = submit_job_dispatch_task(job, container=settings, headers=forwarded)
    if applied and isinstance(result, Response):
        result.headers.setdefault("Preference-Applied", applied["Preference-Applied"])
    result.weaver_job_id = job.id  # lets the WPS endpoint render the same job as XML
    return result


def map_job_subscribers(payload: ProcessExecution) -> Optional[Dict[str, Dict[str, str]]]:
    """``{"emails": {status: address}, "callbacks": {status: url}}`` from ``subscribers``/``notification_email``."""
    subscribers = dict(payload.get("subscribers") or {})
    if payload.get("notification_email"):
        subscribers.setdefault("successEmail", payload["notification_email"])
        subscribers.setdefault("failedEmail", payload["notification_email"])
    mapping = {"emails": {}, "callbacks": {}}  # type: Dict[str, Dict[str, str]]
    for field, (kind, category) in {
        "successEmail": ("emails", "success"), "failedEmail": ("emails", "failed"),
        "inProgressEmail": ("emails", "running"), "successUri": ("callbacks", "success"),
        "failedUri": ("callbacks", "failed"), "inProgressUri": ("callbacks", "running"),
    }.items():
        if subscribers.get(field):
            mapping[kind][category] = subscribers[field]
    mapping = {kind: values for kind, values in mapping.items() if values}
    return mapping or None


def _status_response(job: Job, settings: SettingsType, status: int) -> Response:
    body = job_status_document(job, settings)
    body["location"] = urls.status_url(settings, job)
    body["description"] = ("Job successfully submitted for creation. Waiting on trigger request to being "
                           "execution." if job.status == Status.CREATED.value else
                           "Job successfully submitted to processing queue. Execution should begin when "
                           "resources are available.")
    response = Response(json_body=body, status=status)
    response.content_type = "application/json"
    response.headers["Content-Type"] = JOB_STATUS_CONTENT_TYPE
    response.headers["Location"] = body["location"]
    return response


def submit_job_dispatch_task(job: Job, *, container: AnySettingsContainer, headers: AnyHeadersContainer = None,
                             force_submit: bool = False) -> AnyResponseType:
    """Submits the job to the Celery worker, then waits for it when the execution mode asks for it."""
    settings = get_settings(getattr(getattr(container, "registry", container), "settings", container))
    store = get_db(settings).jobs
    if job.status == Status.CREATED.value and not force_submit:
        return _status_response(job, settings, 201)
    status_code = 201
    if job.status == Status.CREATED.value and force_submit:
        job.status = Status.ACCEPTED
        job.status_message = "Job task submitted for execution."
        job.save_log(job.status_message, progress=0)
        store.update_job(job)
        status_code = 202
    try:
        # only a request waiting for the job reads the task's result: others spare its store and publication
        waits = job.execution_mode != ExecuteMode.ASYNC.value and status_code == 201
        result = execute_process.apply_async(args=(job.id,), kwargs={"wps_url": job.wps_url,
                                                                      "headers": _headers_dict(headers)},
                                             ignore_result=not waits)
    except OperationalError as exc:
        job.status = Status.FAILED
        job.status_message = "Job could not be queued: the task broker is unavailable."
        job.save_log(job.status_message, level=logging.ERROR, errors=[f"{type(exc).__name__}: {exc}"])
        job.mark_finished()
        store.update_job(job)
        raise ServiceUnavailable("The task broker is unavailable: the job could not be queued.") from exc
    preference_applied = {}
    if waits:
        wait = job.execution_wait if job.execution_wait is not None \
            else get_settings(settings)["weaver.execute_sync_max_wait"]
        try:
            result.get(timeout=wait, propagate=False, disable_sync_subtasks=False)
        except CeleryTimeoutError:
            LOGGER.warning("%s took too long (> %ss): resume with asynchronous execution.", job, wait)
        else:
            job = store.fetch_by_id(job.id)
            if job.execution_wait and job.execution_mode == ExecuteMode.SYNC.value \
                    and "wait" in parse_prefer_tokens(_headers_dict(headers)):
                preference_applied["Preference-Applied"] = f"wait={job.execution_wait}"
            if job.success:
                return results_response(job, settings, extra_headers=preference_applied)
            return _status_response(job, settings, 400 if job.is_finished else 201)
    response = _status_response(job, settings, status_code)
    if job.execution_mode == ExecuteMode.ASYNC.value and "respond-async" in parse_prefer_tokens(
            _headers_dict(headers)):
        applied = "respond-async"
        prefer_return = parse_prefer_return(_headers_dict(headers))
        if prefer_return and prefer_return.value == job.execution_return:
            applied = f"return={prefer_return.value}; {applied}"
        response.headers["Preference-Applied"] = applied
    return response


def submit_job_dispatch_wps(request: Request, process: Process) -> AnyResponseType:
    """Dispatch an XML execute request on a REST execution endpoint to the WPS endpoint, which parses it."""
    settings = get_settings(request.registry.settings)
    query = f"service=WPS&request=Execute&version=1.0.0&identifier={process.id}"
    subrequest = Request.blank(f"{settings['weaver.wps_path']}?{query}", method="POST", body=request.body,
                               headers={"Content-Type": request.content_type or "text/xml",
                                        "Accept": request.headers.get("Accept", "text/xml")})
    return request.invoke_subrequest(subrequest, use_tweens=True)


def update_job_parameters(job: Job, request: Request) -> None:
    """Updates an existing job, still ``created``, with new request parameters (``PATCH /jobs/{id}``)."""
    if job.status != Status.CREATED.value:
        raise JobLocked(f"Job {job.id} can only be updated while in status 'created' (now '{job.status}').",
                        cause={"status": job.status})
    body = validate_job_json(request)
    title_given = "title" in body
    title = body.pop("title", None)
    if title_given and title is not None and not title:
        raise UnprocessableEntity("Invalid job title: must be a non-empty string or null.",
                                  cause={"title.JobTitle": "Shorter than minimum length 1"})
    payload = validate_job_schema(body, sd.PatchJobBodySchema, headers=request.headers)
    process = get_db(request.registry.settings).processes.fetch_by_id(job.process)
    validate_process_id(process, payload)
    if title_given:
        job["title"] = title
    if "inputs" in payload or "outputs" in payload:
        merged = {"inputs": payload.get("inputs", job.inputs), "outputs": payload.get("outputs", job.outputs)}
        validate_process_io(process, merged)
        validate_input_references(merged, get_settings(request.registry.settings))
        job["inputs"], job["outputs"] = merged["inputs"], merged["outputs"]
    headers = _headers_dict(request.headers)
    max_wait = get_settings(request.registry.settings)["weaver.execute_sync_max_wait"]
    body_mode = payload.get("mode")
    if body_mode and body_mode != ExecuteMode.AUTO.value \
            and f"{body_mode}-execute" not in process.job_control_options:
        raise InvalidParameterValue(
            f"Execution mode '{body_mode}' is not permitted by the process job control options.",
            type="InvalidJobUpdate", title="InvalidJobUpdate",
            cause={"name": "mode", "in": "body", "value": body_mode},
            value={"body.mode": body_mode, "process.jobControlOptions": process.job_control_options})
    mode, wait, _ = resolve_execution_mode(payload, headers, process.job_control_options, max_wait)
    validate_process_exec_mode(process.job_control_options, mode)
    job["execution_mode"], job["execution_wait"] = mode.value, wait if mode != ExecuteMode.ASYNC else None
    if "response" in payload or parse_prefer_return(headers):
        job["execution_response"], job["execution_return"] = resolve_job_return(payload, headers)
    if "subscribers" in payload or "notification_email" in payload:
        job["subscribers"] = encrypt_subscribers(map_job_subscribers(payload), request.registry.settings)
    job.save_log("Job parameters updated.")
    get_db(request.registry.settings).jobs.update_job(job)
