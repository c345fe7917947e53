"""Providers resource: remote WPS 1.0.0 services registered in weaver, their processes and their execution."""
from pyramid.config import Configurator

from weaver.wps_restapi.providers.views import SERVICES


def includeme(config: Configurator) -> None:
    for service in SERVICES:
        config.add_cornice_service(service)
