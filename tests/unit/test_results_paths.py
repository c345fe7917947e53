"""Result references kept pseudo-relative, location links, statistics."""
import os

import psutil

from weaver.config import get_settings
from weaver.datatype import Job
from weaver.processes.execution import collect_statistics, make_results_relative, map_locations


def _settings(tmp_path):
    return get_settings({"weaver.url": "http://host:4001", "weaver.data_dir": str(tmp_path)})


def test_make_results_relative(tmp_path):
    settings = _settings(tmp_path)
    out_dir = settings["weaver.wps_output_dir"]
    results = [
        {"id": "a", "href": "http://host:4001/wpsoutputs/job1/a/file.txt"},
        {"id": "b", "href": f"file://{out_dir}/job1/b/x.json"},
        {"id": "c", "href": f"{out_dir}/job1/c/y.nc"},
        {"id": "d", "href": "https://elsewhere.org/data.nc"},
        {"id": "e", "value": "http://host:4001/wpsoutputs/not-a-reference"},
    ]
    relative = make_results_relative(results, settings)
    assert [r.get("href") for r in relative] == [
        "/job1/a/file.txt", "/job1/b/x.json", "/job1/c/y.nc", "https://elsewhere.org/data.nc", None]
    assert relative[4]["value"] == "http://host:4001/wpsoutputs/not-a-reference"


def test_map_locations_links_a_foreign_wps_id(tmp_path):
    settings = _settings(tmp_path)
    out_dir = settings["weaver.wps_output_dir"]
    os.makedirs(os.path.join(out_dir, "wps-uuid"))
    open(os.path.join(out_dir, "wps-uuid.xml"), "w").close()
    job = Job(task_id="x", status_location="http://host:4001/wpsoutputs/wps-uuid.xml")
    map_locations(job, settings)
    assert job["wps_id"] == "wps-uuid"
    assert os.path.islink(os.path.join(out_dir, job.id)) and os.path.islink(os.path.join(out_dir, f"{job.id}.xml"))
    same = Job(task_id="x")
    same["status_location"] = f"http://host:4001/wpsoutputs/{same.id}.xml"
    map_locations(same, settings)
    assert same["wps_id"] == same.id


def test_collect_statistics(tmp_path):
    settings = _settings(tmp_path)
    job = Job(task_id="x", results=[{"id": "out", "href": "/j/out/f.bin"}],
              logs=["[..] cwltool: Max memory used: 12.5MiB"])
    path = os.path.join(settings["weaver.wps_output_dir"], "j", "out")
    os.makedirs(path)
    with open(os.path.join(path, "f.bin"), "wb") as file:
        file.write(b"x" * 2048)
    stats = collect_statistics(psutil.Process(), settings, job, rss_start=0)
    assert stats is job["statistics"]
    assert stats["outputs"]["out"] == {"size": "2.00 KiB", "sizeBytes": 2048}
    assert stats["process"]["rssBytes"] > 0 and stats["process"]["usedMemoryBytes"] > 0
    assert stats["application"]["usedMemoryBytes"] == int(12.5 * 1024 ** 2)
    assert collect_statistics(None, None, None) is None
