"""Processes resource: listing, descriptions, packages and execution."""
from pyramid.config import Configurator

from weaver.wps_restapi.processes.deploy_views import SERVICES as DEPLOY_SERVICES
from weaver.wps_restapi.processes.views import SERVICES


def includeme(config: Configurator) -> None:
    for service in SERVICES + DEPLOY_SERVICES:
        config.add_cornice_service(service)
