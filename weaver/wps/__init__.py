"""The WPS endpoint (pywps) at ``weaver.wps_path``."""
from pyramid.config import Configurator

from weaver.config import get_settings


def includeme(config: Configurator) -> None:
    from weaver.wps.views import wps_view  # the view pulls the execution stack; service.py stays light

    settings = get_settings(config.registry.settings)
    config.add_route("wps", settings["weaver.wps_path"], request_method=("GET", "POST"))
    config.add_view(wps_view, route_name="wps")
