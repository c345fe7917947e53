"""WPS 2.0.0 on /ows/wps: capabilities, descriptions, execution (KVP and XML), GetStatus, GetResult and Dismiss on
the same jobs as the REST API, and OWS exception reports for every error."""
from __future__ import annotations

import re
import time
from typing import Any, Dict

import pytest
import requests
from lxml import etree

WPS2 = "http://www.opengis.net/wps/2.0"
OWS2 = "http://www.opengis.net/ows/2.0"
OWS11 = "http://www.opengis.net/ows/1.1"
NS = {"wps": WPS2, "ows": OWS2, "ows11": OWS11, "xlink": "http://www.w3.org/1999/xlink"}

EXECUTE_ASYNC = f"""<wps:Execute xmlns:wps="{WPS2}" xmlns:ows="{OWS2}" xmlns:xlink="http://www.w3.org/1999/xlink"
    service="WPS" version="2.0.0" response="document" mode="{{mode}}">
  <ows:Identifier>echo</ows:Identifier>
  <wps:Input id="stringInput"><wps:Data><wps:LiteralValue>{{text}}</wps:LiteralValue></wps:Data></wps:Input>
  <wps:Input id="doubleInput"><wps:Data>2.5</wps:Data></wps:Input>
  <wps:Input id="boundingBoxInput"><wps:Data><ows:BoundingBox crs="EPSG:4326">
    <ows:LowerCorner>1 2</ows:LowerCorner><ows:UpperCorner>3 4</ows:UpperCorner></ows:BoundingBox></wps:Data>
  </wps:Input>
  {{extra}}
  <wps:Output id="stringOutput" transmission="value"/>
  <wps:Output id="doubleOutput" transmission="value"/>
  <wps:Output id="boundingBoxOutput" transmission="value"/>
</wps:Execute>"""


def wps_get(server, **params: Any) -> requests.Response:
    return requests.get(f"{server.url}/ows/wps", params=dict({"service": "WPS"}, **params), timeout=30)


def wps_post(server, body: str, path: str = "/ows/wps") -> requests.Response:
    return requests.post(f"{server.url}{path}", data=body.encode("utf-8"), headers={"Content-Type": "text/xml"},
                         timeout=30)


def xml(response: requests.Response) -> Any:
    assert response.headers["Content-Type"].startswith("text/xml"), response.headers
    return etree.fromstring(response.content)


def exception_of(response: requests.Response, status: int, ows: str = OWS11) -> Dict[str, str]:
    assert response.status_code == status, response.text
    root = xml(response)
    assert root.tag == f"{{{ows}}}ExceptionReport", response.text
    exc = root.find(f"{{{ows}}}Exception")
    return {"code": exc.get("exceptionCode"), "locator": exc.get("locator") or "",
            "text": exc.findtext(f"{{{ows}}}ExceptionText")}


def outputs_of(result: Any) -> Dict[str, str]:
    return {out.get("id"): "".join(out.find("wps:Data", NS).itertext()).strip()
            for out in result.findall("wps:Output", NS)}


def wait_wps2(server, job_id: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = xml(wps_get(server, version="2.0.0", request="GetStatus", jobId=job_id)).findtext("wps:Status",
                                                                                                     namespaces=NS)
        if status in ("Succeeded", "Failed", "Dismissed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_capabilities_2_0_lists_job_operations(server):
    for params in ({"acceptversions": "2.0.0"}, {"version": "2.0.0"}, {"AcceptVersions": "3.0.0,2.0.0"}):
        root = xml(wps_get(server, request="GetCapabilities", **params))
        assert root.tag == f"{{{WPS2}}}Capabilities" and root.get("version") == "2.0.0"
        operations = {op.get("name") for op in root.iter(f"{{{OWS2}}}Operation")}
        assert {"GetStatus", "GetResult", "Dismiss", "Execute"} <= operations
        assert "echo" in {e.text for e in root.iter(f"{{{OWS2}}}Identifier")}


def test_describe_process_2_0(server):
    root = xml(wps_get(server, version="2.0.0", request="DescribeProcess", identifier="echo"))
    offering = root.find("wps:ProcessOffering", NS)
    assert "async-execute" in offering.get("jobControlOptions").split()
    process = offering.find("wps:Process", NS)
    assert process.findtext("ows:Identifier", namespaces=NS) == "echo"
    inputs = {i.findtext("ows:Identifier", namespaces=NS): i for i in process.findall("wps:Input", NS)}
    assert inputs["stringInput"].find("wps:LiteralData", NS) is not None
    assert inputs["stringInput"].get("minOccurs") == "1"
    assert inputs["boundingBoxInput"].find("wps:BoundingBoxData", NS) is not None
    formats = {f.get("mimeType") for f in inputs["imagesInput"].iter(f"{{{WPS2}}}Format")}
    assert "image/tiff; application=geotiff" in formats
    assert inputs["imagesInput"].get("maxOccurs") == "150"


def test_capabilities_and_describe_2_0_by_xml_post(server):
    caps = wps_post(server, f'<wps:GetCapabilities xmlns:wps="{WPS2}" xmlns:ows="{OWS2}" service="WPS">'
                            "<ows:AcceptVersions><ows:Version>2.0.0</ows:Version></ows:AcceptVersions>"
                            "</wps:GetCapabilities>")
    assert xml(caps).tag == f"{{{WPS2}}}Capabilities"
    describe = wps_post(server, f'<wps:DescribeProcess xmlns:wps="{WPS2}" xmlns:ows="{OWS2}" service="WPS" '
                                'version="2.0.0"><ows:Identifier>echo</ows:Identifier></wps:DescribeProcess>')
    assert xml(describe).find("wps:ProcessOffering/wps:Process/ows:Identifier", NS).text == "echo"
    legacy = wps_post(server, '<wps:DescribeProcess xmlns:wps="http://www.opengis.net/wps/1.0.0" '
                              f'xmlns:ows="{OWS11}" service="WPS" version="1.0.0">'
                              "<ows:Identifier>echo</ows:Identifier></wps:DescribeProcess>")
    assert legacy.status_code == 200 and "<ows:Identifier>stringInput</ows:Identifier>" in legacy.text


def test_execute_2_0_sync_xml_gives_result(server):
    root = xml(wps_post(server, EXECUTE_ASYNC.format(mode="sync", text="sync2", extra="")))
    assert root.tag == f"{{{WPS2}}}Result"
    outputs = outputs_of(root)
    assert outputs["stringOutput"] == "sync2" and float(outputs["doubleOutput"]) == 2.5
    bbox = root.find(".//ows:BoundingBox", NS)
    assert bbox.findtext("ows:LowerCorner", namespaces=NS).split() == ["1.0", "2.0"]
    job = server.db().jobs.find_one({"id": root.findtext("wps:JobID", namespaces=NS)})
    assert job is not None and "wps-2.0.0" in job["tags"]


def test_execute_2_0_async_then_get_status_result_and_job_json(server):
    accepted = xml(wps_post(server, EXECUTE_ASYNC.format(mode="async", text="async2", extra="")))
    assert accepted.tag == f"{{{WPS2}}}StatusInfo"
    assert accepted.findtext("wps:Status", namespaces=NS) in ("Accepted", "Running", "Succeeded")
    job_id = accepted.findtext("wps:JobID", namespaces=NS)
    assert wait_wps2(server, job_id) == "Succeeded"
    result = xml(wps_get(server, version="2.0.0", request="GetResult", jobId=job_id))
    assert outputs_of(result)["stringOutput"] == "async2"
    rest = requests.get(f"{server.url}/jobs/{job_id}/results", timeout=10).json()  # the same job over REST
    assert rest["stringOutput"] in ("async2", {"value": "async2"}) or rest["stringOutput"].get("value") == "async2"


def test_execute_2_0_kvp(server):
    root = xml(wps_get(server, version="2.0.0", request="Execute", identifier="echo", datainputs="stringInput=kvp2"))
    assert root.tag == f"{{{WPS2}}}Result"
    assert outputs_of(root)["stringOutput"] == "kvp2"


def test_execute_2_0_xml_on_rest_execution_endpoint(server):
    root = xml(wps_post(server, EXECUTE_ASYNC.format(mode="sync", text="rest2", extra=""),
                        path="/processes/echo/execution"))
    assert root.tag == f"{{{WPS2}}}Result"
    assert outputs_of(root)["stringOutput"] == "rest2"


def test_dismiss_2_0_stops_running_job(server):
    extra = '<wps:Input id="pause"><wps:Data>30</wps:Data></wps:Input>'
    accepted = xml(wps_post(server, EXECUTE_ASYNC.format(mode="async", text="dismiss2", extra=extra)))
    job_id = accepted.findtext("wps:JobID", namespaces=NS)
    not_ready = exception_of(wps_get(server, version="2.0.0", request="GetResult", jobId=job_id), 400, OWS2)
    assert not_ready["code"] == "ResultNotReady"
    dismissed = xml(wps_get(server, version="2.0.0", request="Dismiss", jobId=job_id))
    assert dismissed.findtext("wps:Status", namespaces=NS) == "Dismissed"
    assert requests.get(f"{server.url}/jobs/{job_id}", timeout=10).json()["status"] == "dismissed"
    again = exception_of(wps_get(server, version="2.0.0", request="Dismiss", jobId=job_id), 410, OWS2)
    assert again["code"] == "JobDismissed"
    gone = exception_of(wps_get(server, version="2.0.0", request="GetResult", jobId=job_id), 400, OWS2)
    assert gone["code"] == "NoSuchJob"


def test_job_status_as_wps_xml_on_rest(server, submit):
    created = submit("echo", {"inputs": {"stringInput": "as-xml"}}, headers={"Prefer": "respond-async"})
    location = created.headers["Location"]
    server.wait_job(location)
    for accept in ("application/xml", "text/xml"):
        response = requests.get(location, headers={"Accept": accept}, timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
        root = etree.fromstring(response.content)
        assert root.tag == "{http://www.opengis.net/wps/1.0.0}ExecuteResponse"
        assert root.find(".//{http://www.opengis.net/wps/1.0.0}ProcessSucceeded") is not None
        assert "as-xml" in response.text
    assert requests.get(location, timeout=10).headers["Content-Type"].startswith("application/json")
    requests.delete(location, timeout=10)
    gone = exception_of(requests.get(location, headers={"Accept": "text/xml"}, timeout=10), 410)
    assert gone["code"] == "JobStatusGone"


@pytest.mark.parametrize("params, status, code, locator", [
    ({"request": "DescribeProcess", "version": "1.0.0", "identifier": "nope"}, 400, "InvalidParameterValue",
     "identifier"),
    ({"request": "DescribeProcess", "version": "1.0.0"}, 400, "MissingParameterValue", "identifier"),
    ({"request": "DescribeProcess", "version": "9.9.9", "identifier": "echo"}, 400, "InvalidParameterValue",
     "version"),
    ({"request": "GetCapabilities", "acceptversions": "3.0.0"}, 400, "VersionNegotiationFailed", "AcceptVersions"),
    ({"request": "Execute", "version": "1.0.0", "identifier": "nope", "datainputs": "a=1"}, 400,
     "InvalidParameterValue", "identifier"),
    ({"request": "Execute", "version": "1.0.0"}, 400, "MissingParameterValue", "identifier"),
    ({"request": "Frobnicate", "version": "1.0.0"}, 501, "OperationNotSupported", "request"),
    ({"version": "1.0.0"}, 400, "MissingParameterValue", "request"),
    ({"request": "GetStatus", "version": "1.0.0", "jobId": "x"}, 501, "OperationNotSupported", "request"),
])
def test_errors_are_exception_reports(server, params, status, code, locator):
    error = exception_of(wps_get(server, **params), status)
    assert (error["code"], error["locator"]) == (code, locator), error


def test_errors_2_0_use_ows_2_0(server):
    error = exception_of(wps_get(server, version="2.0.0", request="GetStatus"), 400, OWS2)
    assert (error["code"], error["locator"]) == ("MissingParameterValue", "jobId")
    error = exception_of(wps_get(server, version="2.0.0", request="GetStatus", jobId="not-a-job"), 400, OWS2)
    assert error["code"] == "NoSuchJob"
    error = exception_of(wps_get(server, version="2.0.0", request="DescribeProcess", identifier="nope"), 400, OWS2)
    assert (error["code"], error["locator"]) == ("InvalidParameterValue", "identifier")
    missing_service = requests.get(f"{server.url}/ows/wps", params={"request": "GetCapabilities"}, timeout=10)
    assert exception_of(missing_service, 400)["locator"] == "service"


def test_private_process(server):
    """Private processes do not exist for WPS descriptions, and cannot be executed (403)."""
    db = server.db()
    original = db.processes.find_one({"id": "echo"}) or db.processes.find_one({"identifier": "echo"})
    assert original is not None
    private = {key: value for key, value in original.items() if key != "_id"}
    private["id"] = private["identifier"] = "echo-private-wps"
    private["visibility"] = "private"
    db.processes.delete_many({"id": "echo-private-wps"})
    db.processes.insert_one(private)
    try:
        described = exception_of(wps_get(server, request="DescribeProcess", version="1.0.0",
                                         identifier="echo-private-wps"), 400)
        assert described["code"] == "InvalidParameterValue" and "Unknown process" in described["text"]
        executed = exception_of(wps_get(server, request="Execute", version="1.0.0", identifier="echo-private-wps",
                                        datainputs="stringInput=x"), 403)
        assert (executed["code"], executed["locator"]) == ("AccessForbidden", "service")
        caps = wps_get(server, request="GetCapabilities")
        assert "echo-private-wps" not in caps.text
    finally:
        db.processes.delete_many({"id": "echo-private-wps"})


def test_xml_entities_are_never_resolved(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            f'<wps:Execute xmlns:wps="{WPS2}" xmlns:ows="{OWS2}" service="WPS" version="2.0.0">'
            '<ows:Identifier>echo</ows:Identifier><wps:Input id="stringInput"><wps:Data>&xxe;</wps:Data></wps:Input>'
            '</wps:Execute>')
    response = wps_post(server, body)
    error = exception_of(response, 400)
    assert error["code"] == "InvalidParameterValue" and "TOP-SECRET" not in response.text
    malformed = exception_of(wps_post(server, "<wps:Execute"), 400)
    assert malformed["locator"] == "request"


def test_bad_identifier_and_json_redirects(server):
    """Black-box items 29-30: invalid identifiers (JSON asked), JSON redirections, empty literal kept as ""."""
    bad = requests.get(f"{server.url}/ows/wps", params={"service": "WPS", "request": "DescribeProcess",
                                                        "version": "1.0.0", "identifier": "$ohNoYouDont!"},
                       headers={"Accept": "application/json"}, timeout=10)
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("application/json")
    assert bad.json()["code"] == "InvalidParameterValue" and bad.json()["value"] == ["$ohNoYouDont!"]
    as_xml = exception_of(wps_get(server, request="DescribeProcess", version="1.0.0", identifier="$ohNoYouDont!"),
                          400)
    assert as_xml["locator"] == "identifier"
    for params, target in (({"request": "DescribeProcess", "version": "1.0.0", "identifier": "echo", "f": "json"},
                            "/processes/echo"),
                           ({"request": "GetCapabilities", "f": "json"}, "/processes")):
        redirect = requests.get(f"{server.url}/ows/wps", params=dict({"service": "WPS"}, **params), timeout=10,
                                allow_redirects=False)
        assert redirect.status_code == 303 and redirect.headers["Location"] == server.url + target
    empty = wps_get(server, request="Execute", version="1.0.0", identifier="echo", datainputs="stringInput=")
    assert empty.status_code == 200 and "<wps:ExecuteResponse" in empty.text
    job_id = re.search(r"/wpsoutputs/([0-9a-f-]{36})\.xml", empty.text).group(1)
    assert server.db().jobs.find_one({"id": job_id})["inputs"] in ([{"id": "stringInput", "value": ""}],
                                                                  {"stringInput": ""})
