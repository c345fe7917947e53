"""Serves job output files under ``weaver.wps_output_path``: read-only, no listing, no path traversal."""
from __future__ import annotations

import mimetypes
import os

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import FileResponse, Response

from weaver.config import get_settings
from weaver.exceptions import WeaverError


class OutputNotFoundError(WeaverError):
    status = 404
    type = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/not-found"
    title = "NotFound"
    code = "NotFound"


def serve_output_file(request: Request) -> Response:
    settings = get_settings(request.registry.settings)
    root = os.path.realpath(settings["weaver.wps_output_dir"])
    relative = "/".join(request.matchdict.get("subpath") or ())
    path = os.path.realpath(os.path.join(root, relative))
    if not relative or not path.startswith(root + os.sep) or not os.path.isfile(path):
        raise OutputNotFoundError(f"No output file at '{relative}'.")
    media_type, encoding = mimetypes.guess_type(path)
    if path.endswith(".xml"):
        media_type = "text/xml"
    return FileResponse(path, request=request, content_type=media_type or "application/octet-stream",
                        cache_max_age=None)


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry.settings)
    path = settings["weaver.wps_output_path"].rstrip("/")
    config.add_route("wps_outputs", f"{path}/*subpath", request_method=("GET", "HEAD"))
    config.add_view(serve_output_file, route_name="wps_outputs")
