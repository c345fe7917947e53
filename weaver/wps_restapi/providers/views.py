"""Views of ``/providers``: register, list, describe and remove remote WPS services, describe and run their processes.

Only served when ``weaver.configuration`` is EMS or HYBRID; otherwise every route answers 403.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

from cornice import Service as CorniceService
from pyramid.request import Request
from pyramid.response import Response

from weaver.config import WEAVER_CONFIGURATION_EMS, WEAVER_CONFIGURATION_HYBRID, get_settings
from weaver.database import get_db
from weaver.datatype import Service
from weaver.exceptions import AccessForbidden, InvalidParameterValue, ServiceRegistrationError
from weaver.jobs.listing import list_jobs
from weaver.processes.convert import ows2ogc_process_description, ows2ogc_process_summary
from weaver.processes.execution import submit_job
from weaver.processes.remote import describe_remote_process, fetch_capabilities

REL_OGC = "http://www.opengis.net/def/rel/ogc/1.0/"
PROVIDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_][\w.-]*$")
PROVIDER_ENABLED_CONFIGURATIONS = (WEAVER_CONFIGURATION_EMS, WEAVER_CONFIGURATION_HYBRID)


class ProvidersContext:
    """Route factory of every ``/providers`` route: refuses them unless this instance is an EMS or HYBRID."""

    def __init__(self, request: Request) -> None:
        self.request = request
        configuration = get_settings(request.registry.settings)["weaver.configuration"]
        if configuration not in PROVIDER_ENABLED_CONFIGURATIONS:
            raise AccessForbidden(
                f"Remote providers are not available on a weaver configured as {configuration} "
                f"(requires one of {', '.join(PROVIDER_ENABLED_CONFIGURATIONS)}).",
                cause={"name": "weaver.configuration", "value": configuration})


class ProviderContext(ProvidersContext):
    """The provider named in the path, loaded (or 404) before the view runs."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.service: Service = get_db(request.registry.settings).services.fetch_by_name(
            request.matchdict["provider_id"])


providers_service = CorniceService(name="providers", path="/providers", factory=ProvidersContext,
                                   description="Remote WPS providers.")
provider_service = CorniceService(name="provider", path="/providers/{provider_id}", factory=ProviderContext,
                                  description="One remote WPS provider.")
provider_processes_service = CorniceService(name="provider_processes", path="/providers/{provider_id}/processes",
                                            factory=ProviderContext, description="Processes of a provider.")
provider_process_service = CorniceService(name="provider_process",
                                          path="/providers/{provider_id}/processes/{process_id}",
                                          factory=ProviderContext, description="Remote process description.")
provider_execution_service = CorniceService(name="provider_process_execution",
                                            path="/providers/{provider_id}/processes/{process_id}/execution",
                                            factory=ProviderContext, description="Execute a remote process.")
provider_jobs_service = CorniceService(name="provider_process_jobs",
                                       path="/providers/{provider_id}/processes/{process_id}/jobs",
                                       factory=ProviderContext, description="Jobs of a remote process; POST runs it.")
SERVICES = [providers_service, provider_service, provider_processes_service, provider_process_service,
            provider_execution_service, provider_jobs_service]


def _base(request: Request) -> str:
    return get_settings(request.registry.settings)["weaver.wps_restapi_url"]


def provider_summary(request: Request, service: Service) -> Dict[str, Any]:
    url = f"{_base(request)}/providers/{service.name}"
    summary = {
        "id": service.name,
        "title": service.get("title") or service.name,
        "description": service.get("description") or "",
        "url": service.url,
        "type": "wps",
        "public": bool(service.get("public")),
        "links": [
            {"href": url, "rel": "self", "type": "application/json", "title": "Provider description."},
            {"href": f"{url}/processes", "rel": REL_OGC + "processes", "type": "application/json",
             "title": "Processes offered by the provider."},
            {"href": service.url, "rel": "service", "type": "text/xml", "title": "WPS endpoint of the provider."},
            {"href": f"{_base(request)}/providers", "rel": "up", "type": "application/json",
             "title": "List of providers."},
        ],
    }
    return summary


def _process_links(request: Request, provider_id: str, process_id: str) -> List[Dict[str, str]]:
    url = f"{_base(request)}/providers/{provider_id}/processes/{process_id}"
    return [
        {"href": url, "rel": "self", "type": "application/json", "title": "Process description."},
        {"href": f"{url}/execution", "rel": REL_OGC + "execute", "type": "application/json",
         "title": "Process execution endpoint."},
        {"href": f"{url}/jobs", "rel": REL_OGC + "job-list", "type": "application/json", "title": "Process jobs."},
        {"href": f"{_base(request)}/providers/{provider_id}/processes", "rel": "up", "type": "application/json",
         "title": "Processes of the provider."},
    ]


def _registration_body(request: Request) -> Dict[str, Any]:
    try:
        body = request.json_body
    except ValueError as exc:
        raise InvalidParameterValue("Provider registration body must be a JSON object.",
                                    cause={"in": "body"}) from exc
    if not isinstance(body, dict):
        raise InvalidParameterValue("Provider registration body must be a JSON object.", cause={"in": "body"})
    provider_id, url = body.get("id"), body.get("url")
    if not isinstance(provider_id, str) or not PROVIDER_ID_PATTERN.match(provider_id):
        raise InvalidParameterValue("Provider 'id' must be a string of letters, digits, '_', '-' or '.'.",
                                    cause={"name": "id", "in": "body", "value": provider_id})
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidParameterValue("Provider 'url' must be an HTTP(S) URL of a WPS 1.0.0 endpoint.",
                                    cause={"name": "url", "in": "body", "value": url})
    public = body.get("public", True)
    if not isinstance(public, bool):
        raise InvalidParameterValue("Provider 'public' must be a boolean.",
                                    cause={"name": "public", "in": "body", "value": public})
    return {"id": provider_id, "url": url, "public": public}


@providers_service.post()
def register_provider(request: Request) -> Response:
    body = _registration_body(request)
    store = get_db(request.registry.settings).services
    if any(svc.name == body["id"] or svc.url == body["url"] for svc in store.list_services()):
        raise ServiceRegistrationError(f"Provider '{body['id']}' or URL [{body['url']}] is already registered.",
                                       cause={"id": body["id"], "url": body["url"]})
    client = fetch_capabilities(body["url"], request.registry.settings)
    identification = client.identification
    service = Service(name=body["id"], url=body["url"], public=body["public"], type="wps-remote",
                      title=getattr(identification, "title", None) or body["id"],
                      description=getattr(identification, "abstract", None) or "")
    store.save_service(service)
    response = Response(json_body=provider_summary(request, service), status=201)
    response.content_type = "application/json"
    response.headers["Location"] = f"{_base(request)}/providers/{service.name}"
    return response


@providers_service.get()
def get_providers(request: Request) -> Dict[str, Any]:
    services = get_db(request.registry.settings).services.list_services()
    detail = str(request.params.get("detail", "true")).lower() not in ("false", "0", "no")
    return {
        "providers": [provider_summary(request, svc) if detail else svc.name for svc in services],
        "links": [{"href": f"{_base(request)}/providers", "rel": "self", "type": "application/json",
                   "title": "List of providers."}],
    }


@provider_service.get()
def get_provider(request: Request) -> Dict[str, Any]:
    return provider_summary(request, request.context.service)


@provider_service.delete()
def delete_provider(request: Request) -> Response:
    get_db(request.registry.settings).services.delete_service(request.context.service.name)
    return Response(status=204)


@provider_processes_service.get()
def get_provider_processes(request: Request) -> Dict[str, Any]:
    service: Service = request.context.service
    client = fetch_capabilities(service.url, request.registry.settings)
    processes = []
    for process in client.processes:
        summary = ows2ogc_process_summary(process)
        summary["links"] = _process_links(request, service.name, process.identifier)
        processes.append(summary)
    return {"processes": processes, "providerID": service.name,
            "links": [{"href": f"{_base(request)}/providers/{service.name}/processes", "rel": "self",
                       "type": "application/json", "title": "Processes of the provider."}]}


@provider_process_service.get()
def describe_provider_process(request: Request) -> Dict[str, Any]:
    service: Service = request.context.service
    process_id = request.matchdict["process_id"]
    description = ows2ogc_process_description(
        describe_remote_process(service.url, process_id, request.registry.settings))
    description["links"] = _process_links(request, service.name, process_id)
    return description


def _execute(request: Request) -> Any:
    service: Service = request.context.service
    process_id = request.matchdict["process_id"]
    describe_remote_process(service.url, process_id, request.registry.settings)  # 404 before any job exists
    return submit_job(request, service, process_id=process_id)


@provider_execution_service.post()
def execute_provider_process(request: Request) -> Any:
    return _execute(request)


@provider_jobs_service.post()
def execute_provider_process_jobs(request: Request) -> Any:
    return _execute(request)


@provider_jobs_service.get()
def get_provider_process_jobs(request: Request) -> Dict[str, Any]:
    return list_jobs(request.registry.settings, request.params, process_id=request.matchdict["process_id"],
                     provider_id=request.context.service.name)
