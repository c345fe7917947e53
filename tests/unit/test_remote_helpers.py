"""Pure parts of the remote executors: back-off delays, deploy references, OGC results as job results."""
from __future__ import annotations

import json

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.processes.remote.monitor import RemoteMonitor
from weaver.processes.remote.ogcapi import ogc_results_to_job_results, remote_ogcapi_reference


def _monitor(**settings: str) -> RemoteMonitor:
    return RemoteMonitor(Job(task_id="accepted", process="p"), get_settings(settings), lambda m, p: None, "http://x")


def test_backoff_starts_short_and_grows_to_the_ceiling():
    monitor = _monitor()
    delays = []
    for step in range(12):
        monitor.step = step
        delays.append(round(monitor.delay(), 3))
    assert delays[0] == 0.2 and delays[1] == 0.3
    assert all(a <= b for a, b in zip(delays, delays[1:]))
    assert delays[-1] == 5.0 and max(delays) == 5.0


def test_backoff_ceiling_never_below_first_delay():
    monitor = _monitor(**{"weaver.remote_monitor_interval": "2", "weaver.remote_monitor_interval_max": "1"})
    assert monitor.delay() == 2.0


def test_deploy_reference_shapes():
    url = "http://other/processes/echo"
    assert remote_ogcapi_reference(json.dumps({"process": url}).encode(), "application/json") == (url, None)
    assert remote_ogcapi_reference(json.dumps({"process": url, "id": "e"}).encode(), None) == (url, "e")
    profile = {"processDescription": {"process": {"id": "p"}}, "executionUnit": [{"href": url}],
               "deploymentProfileName": "http://www.opengis.net/profiles/eoc/ogcapiApplication"}
    assert remote_ogcapi_reference(json.dumps(profile).encode(), "application/json") == (url, "p")
    cwl_by_href = {"processDescription": {"id": "p"}, "executionUnit": [{"href": "http://x/tool.cwl"}]}
    assert remote_ogcapi_reference(json.dumps(cwl_by_href).encode(), "application/json") is None
    assert remote_ogcapi_reference(b"cwlVersion: v1.2", "application/cwl+yaml") is None
    assert remote_ogcapi_reference(b"{not json", "application/json") is None


def test_ogc_results_become_job_results():
    document = {"lit": 3, "qualified": {"value": "a", "mediaType": "text/plain"}, "file": {"href": "http://r/f.nc",
                "type": "application/x-netcdf"}, "box": {"bbox": [1, 2, 3, 4], "crs": "EPSG:4326"}, "arr": [1, 2]}
    assert ogc_results_to_job_results(document) == [
        {"id": "lit", "value": 3},
        {"id": "qualified", "value": "a", "mediaType": "text/plain"},
        {"id": "file", "href": "http://r/f.nc", "type": "application/x-netcdf"},
        {"id": "box", "bbox": [1, 2, 3, 4], "crs": "EPSG:4326"},
        {"id": "arr", "value": [1, 2]},
    ]
    older = {"outputs": [{"id": "out", "href": "http://r/o.txt"}]}
    assert ogc_results_to_job_results(older) == [
        {"id": "out", "href": "http://r/o.txt", "type": "application/octet-stream"}]
