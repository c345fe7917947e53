"""The REST API (OGC API - Processes): cornice services by resource."""
from pyramid.config import Configurator

from weaver.config import get_settings


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry.settings)
    if not settings["weaver.wps_restapi"]:
        return
    prefix = settings["weaver.wps_restapi_path"].strip("/") or None
    config.include("weaver.wps_restapi.api", route_prefix=prefix)
    config.include("weaver.wps_restapi.processes", route_prefix=prefix)
    config.include("weaver.wps_restapi.jobs", route_prefix=prefix)
    config.include("weaver.wps_restapi.providers", route_prefix=prefix)
