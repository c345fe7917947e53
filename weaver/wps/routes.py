"""Route of the WPS endpoint (pywps) at ``weaver.wps_path``."""
from pyramid.config import Configurator

from weaver.config import get_settings
from weaver.wps.views import wps_view


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry.settings)
    config.add_route("wps", settings["weaver.wps_path"], request_method=("GET", "POST"))
    config.add_view(wps_view, route_name="wps")
