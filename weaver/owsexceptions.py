"""OWS ExceptionReport XML (WPS 1.0.0 / OWS 1.1), the error format of the WPS endpoint."""
from __future__ import annotations

from typing import Optional
from xml.sax.saxutils import escape, quoteattr

from pyramid.response import Response

_TEMPLATE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.0.0" '
    'xsi:schemaLocation="http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd">\n'
    '  <ows:Exception exceptionCode={code}{locator}>\n'
    '    <ows:ExceptionText>{text}</ows:ExceptionText>\n'
    '  </ows:Exception>\n'
    '</ows:ExceptionReport>\n'
)


def ows_exception_xml(code: str, text: str, locator: Optional[str] = None) -> str:
    locator_attr = f" locator={quoteattr(locator)}" if locator else ""
    return _TEMPLATE.format(code=quoteattr(code or "NoApplicableCode"), locator=locator_attr, text=escape(text or ""))


def ows_exception_response(code: str, text: str, locator: Optional[str] = None, status: int = 400) -> Response:
    response = Response(body=ows_exception_xml(code, text, locator).encode("utf-8"), status=status)
    response.content_type = "text/xml"
    response.charset = "utf-8"
    return response
