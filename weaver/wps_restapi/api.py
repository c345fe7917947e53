"""Landing page, conformance, OpenAPI document and its Swagger UI page."""
from __future__ import annotations

from typing import Any, Dict, List

from cornice import Service
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from weaver import __version__
from weaver.config import get_settings
from weaver.wps_restapi.openapi import openapi_document

CONFORMANCE_CLASSES = [
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
    "http://www.opengis.net/spec/ogcapi-processes-4/1.0/conf/job-management",
]
REL_OGC = "http://www.opengis.net/def/rel/ogc/1.0/"

landing = Service(name="landing", path="/", description="Landing page of the API.")
conformance = Service(name="conformance", path="/conformance", description="Conformance classes.")
versions = Service(name="versions", path="/versions", description="Versions of the server.")
openapi_json = Service(name="openapi_json", path="/json", description="OpenAPI 3 document of the API.")
openapi_ui = Service(name="openapi_ui", path="/api", description="Swagger UI page of the API.")


def _link(href: str, rel: str, title: str, media_type: str = "application/json") -> Dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


@landing.get()
def get_landing(request: Request) -> Dict[str, Any]:
    settings = get_settings(request.registry.settings)
    base = settings["weaver.wps_restapi_url"]
    links: List[Dict[str, str]] = [
        _link(f"{base}/", "self", "This landing page."),
        _link(f"{base}/json", "service-desc", "OpenAPI definition of the API.",
              "application/vnd.oai.openapi+json;version=3.0"),
        _link(f"{base}/api", "service-doc", "Swagger UI of the API.", "text/html"),
        _link(f"{base}/conformance", REL_OGC + "conformance", "Conformance classes."),
        _link(f"{base}/processes", REL_OGC + "processes", "Processes offered."),
        _link(f"{base}/jobs", REL_OGC + "job-list", "Jobs."),
        _link(settings["weaver.wps_url"], "wps", "WPS endpoint.", "text/xml"),
        _link(f"{base}/versions", "version-history", "Versions."),
    ]
    return {
        "title": "Weaver",
        "message": "Weaver information",
        "description": "OGC API - Processes and WPS execution server.",
        "configuration": settings["weaver.configuration"],
        "attribution": "weaver",
        "parameters": [
            {"name": "api", "enabled": settings["weaver.wps_restapi"], "url": base},
            {"name": "wps", "enabled": settings["weaver.wps"], "url": settings["weaver.wps_url"]},
        ],
        "links": links,
    }


@conformance.get()
def get_conformance(request: Request) -> Dict[str, Any]:
    return {"conformsTo": CONFORMANCE_CLASSES}


@versions.get()
def get_versions(request: Request) -> Dict[str, Any]:
    return {"versions": [{"name": "weaver", "version": __version__, "type": "api"}]}


@openapi_json.get()
def get_openapi(request: Request) -> Dict[str, Any]:
    return openapi_document(request)


@openapi_ui.get()
def get_openapi_ui(request: Request) -> Response:
    settings = get_settings(request.registry.settings)
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Weaver REST API</title>
  <link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <noscript>The OpenAPI document is at <a href="{settings['weaver.wps_restapi_url']}/json">/json</a>.</noscript>
  <script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
  <script>SwaggerUIBundle({{url: "{settings['weaver.wps_restapi_url']}/json", dom_id: "#swagger-ui"}});</script>
</body>
</html>
"""
    return Response(body=html.encode("utf-8"), content_type="text/html", charset="utf-8")


def includeme(config: Configurator) -> None:
    for service in (landing, conformance, versions, openapi_json, openapi_ui):
        config.add_cornice_service(service)
