"""The WPS endpoint, used as a real WPS client (OWSLib) uses it."""
from __future__ import annotations

import requests
from owslib.wps import WebProcessingService, monitorExecution

WPS_NS = "http://www.opengis.net/wps/1.0.0"


def test_capabilities_and_describe(server):
    caps = requests.get(f"{server.url}/ows/wps", params={"service": "WPS", "request": "GetCapabilities"},
                        timeout=10)
    assert caps.status_code == 200 and "</wps:Capabilities>" in caps.text
    wps = WebProcessingService(f"{server.url}/ows/wps", version="1.0.0")
    assert "echo" in {p.identifier for p in wps.processes}
    echo = wps.describeprocess("echo")
    assert "stringInput" in {i.identifier for i in echo.dataInputs}
    unknown = requests.get(f"{server.url}/ows/wps", params={"service": "WPS", "request": "DescribeProcess",
                                                              "version": "1.0.0", "identifier": "nope"}, timeout=10)
    assert unknown.status_code == 400 and "ExceptionReport" in unknown.text


def test_owslib_sync_execute(server):
    wps = WebProcessingService(f"{server.url}/ows/wps", version="1.0.0", skip_caps=True)
    execution = wps.execute("echo", [("stringInput", "from-owslib"), ("doubleInput", "2.5")],
                            output=[("stringOutput", False), ("doubleOutput", False)], mode="sync")
    assert execution.isSucceded(), execution.errors
    values = {out.identifier: out.data for out in execution.processOutputs}
    assert values["stringOutput"] == ["from-owslib"]
    assert values["doubleOutput"] == ["2.5"]
    jobs = server.db().jobs.find({"tags": "xml"})
    assert any(job["inputs"] for job in jobs)


def test_owslib_async_execute_polled_until_success(server):
    wps = WebProcessingService(f"{server.url}/ows/wps", version="1.0.0", skip_caps=True)
    execution = wps.execute("echo", [("stringInput", "async-owslib"), ("pause", "1")],
                            output=[("stringOutput", False)], mode="async")
    assert execution.status in ("ProcessAccepted", "ProcessStarted"), execution.status
    assert execution.statusLocation.startswith(server.url + "/wpsoutputs/")
    monitorExecution(execution, sleepSecs=0.2)
    assert execution.isSucceded(), execution.errors
    assert execution.processOutputs[0].data == ["async-owslib"]


def test_kvp_execute_and_xml_on_rest_endpoint(server):
    kvp = requests.get(f"{server.url}/ows/wps", params={
        "service": "WPS", "request": "Execute", "version": "1.0.0", "identifier": "echo",
        "datainputs": "stringInput=tux"}, timeout=30)
    assert kvp.status_code == 200 and "<wps:ExecuteResponse" in kvp.text and "tux" in kvp.text
    wps = WebProcessingService(f"{server.url}/ows/wps", version="1.0.0", skip_caps=True)
    from owslib.wps import WPSExecution

    request_xml = WPSExecution().buildRequest("echo", [("stringInput", "xml-rest")],
                                              output=[("stringOutput", False)], mode="sync")
    from lxml import etree

    resp = requests.post(f"{server.url}/processes/echo/execution", data=etree.tostring(request_xml),
                         headers={"Content-Type": "text/xml"}, timeout=30)
    assert resp.status_code == 200 and "xml-rest" in resp.text, resp.text
    assert wps.url
