"""Jobs resource: listing, status, results, outputs, inputs, logs, exceptions, statistics and dismissal."""
from pyramid.config import Configurator

from weaver.wps_restapi.jobs.views import SERVICES


def includeme(config: Configurator) -> None:
    for service in SERVICES:
        config.add_cornice_service(service)
