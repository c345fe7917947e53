"""OWS ExceptionReport XML, the error format of the WPS endpoint (OWS 1.1 for WPS 1.0.0, OWS 2.0 for WPS 2.0.0)."""
from __future__ import annotations

from typing import Optional
from xml.sax.saxutils import escape, quoteattr

from pyramid.response import Response

OWS_NAMESPACES = {
    "1.0.0": ("http://www.opengis.net/ows/1.1", "http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd"),
    "2.0.0": ("http://www.opengis.net/ows/2.0", "http://schemas.opengis.net/ows/2.0/owsExceptionReport.xsd"),
}
_TEMPLATE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ows:ExceptionReport xmlns:ows="{namespace}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="{version}" xml:lang="en-US" '
    'xsi:schemaLocation="{namespace} {location}">\n'
    '  <ows:Exception exceptionCode={code}{locator}>\n'
    '    <ows:ExceptionText>{text}</ows:ExceptionText>\n'
    '  </ows:Exception>\n'
    '</ows:ExceptionReport>\n'
)


def ows_exception_xml(code: str, text: str, locator: Optional[str] = None, version: Optional[str] = None) -> str:
    """The report of one exception; ``version`` is the WPS version of the request (1.0.0 when unknown)."""
    version = version if version in OWS_NAMESPACES else "1.0.0"
    namespace, location = OWS_NAMESPACES[version]
    locator_attr = f" locator={quoteattr(locator)}" if locator else ""
    return _TEMPLATE.format(namespace=namespace, location=location, version=version,
                            code=quoteattr(str(code or "NoApplicableCode")), locator=locator_attr,
                            text=escape(str(text or "")))


def ows_exception_response(code: str, text: str, locator: Optional[str] = None, status: int = 400,
                           version: Optional[str] = None) -> Response:
    response = Response(body=ows_exception_xml(code, text, locator, version).encode("utf-8"), status=status)
    response.content_type = "text/xml"
    response.charset = "utf-8"
    return response
