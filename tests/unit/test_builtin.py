"""Builtin processes run through real pywps WPS 1.0.0 Execute requests (weaver.processes.builtin)."""
from __future__ import annotations

import base64
import functools
import json
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
import requests
import yaml
from jsonschema import Draft4Validator
from lxml import etree
from owslib.ows import BoundingBox
from owslib.wps import BoundingBoxDataInput, WPSDescribeProcessReader
from owslib.wps import Process as OWSProcess
from pywps import Service, configuration, get_ElementMakerForVersion, namespaces100
from pywps.inout.inputs import BoundingBoxInput, ComplexInput
from pywps.inout.outputs import BoundingBoxOutput, ComplexOutput
from pywps.tests import assert_process_exception, assert_response_success, client_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from weaver.processes.builtin import BUILTIN_PROCESSES, BuiltinProcess, get_builtin
from weaver.processes.builtin.fetch import fetch_reference
from weaver.processes.convert.pywps_io import ogc2pywps_inputs, ogc_io_is_array, ogc_io_kind

SCHEMAS = Path("/work/shared/ogcapi-processes-1.0/core/openapi/schemas")
GEOTIFF = Path("/work/shared/data/testgeotiff.tiff")
WPS, OWS = get_ElementMakerForVersion("1.0.0")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
METALINK = "urn:ietf:params:xml:ns:metalink"
CWL_TYPES = {"string": "string", "dateTime": "string", "date": "string", "integer": "int", "float": "double",
             "boolean": "boolean"}


# ---- fixtures and helpers ----------------------------------------------------------------------------------------

@pytest.fixture
def wps_dirs(tmp_path: Path) -> Iterator[Dict[str, Path]]:
    """pywps writing into this test's tmp_path; file:// inputs allowed from tmp_path/inputs only."""
    dirs = {name: tmp_path / name for name in ("outputs", "work", "inputs", "private")}
    for path in dirs.values():
        path.mkdir()
    settings = {"outputpath": str(dirs["outputs"]), "outputurl": dirs["outputs"].as_uri(),
                "workdir": str(dirs["work"]), "allowedinputpaths": f"{dirs['inputs']}:{dirs['outputs']}"}
    configuration.get_config_value("server", "url")  # loads the defaults when nothing is loaded yet
    previous = {key: configuration.CONFIG.get("server", key, raw=True) for key in settings}
    for key, value in settings.items():
        configuration.CONFIG.set("server", key, value)
    yield dirs
    for key, value in previous.items():
        configuration.CONFIG.set("server", key, value)


class _QuietHandler(SimpleHTTPRequestHandler):
    served: List[str] = []

    def log_message(self, *args: Any) -> None:
        self.served.append(self.path)


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[Tuple[str, Path, List[str]]]:
    """A local HTTP server (base URL, served folder, paths requested so far)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_QuietHandler,), {"served": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, handler.served
    server.shutdown()
    server.server_close()


def client(process_id: str) -> Any:
    return client_for(Service(processes=[get_builtin(process_id).pywps_process()]))


def literal(io_id: str, value: Any) -> Any:
    return WPS.Input(OWS.Identifier(io_id), WPS.Data(WPS.LiteralData(str(value))))


def inline(io_id: str, content: Any, mime_type: str, encoding: Optional[str] = None) -> Any:
    attrs = {"mimeType": mime_type, **({"encoding": encoding} if encoding else {})}
    return WPS.Input(OWS.Identifier(io_id), WPS.Data(WPS.ComplexData(content, attrs)))


def reference(io_id: str, href: str, mime_type: Optional[str] = None) -> Any:
    attrs = {XLINK_HREF: href, **({"mimeType": mime_type} if mime_type else {})}
    return WPS.Input(OWS.Identifier(io_id), WPS.Reference(attrs))


def bbox(io_id: str, coords: Sequence[float], crs: str = "EPSG:4326") -> Any:
    lower, upper = " ".join(map(str, coords[:2])), " ".join(map(str, coords[2:]))
    return WPS.Input(OWS.Identifier(io_id), WPS.Data(WPS.BoundingBoxData(
        OWS.LowerCorner(lower), OWS.UpperCorner(upper), crs=crs, dimensions="2")))


def execute(process_id: str, inputs: List[Any], as_reference: Sequence[str] = ()) -> Any:
    """POST a WPS 1.0.0 Execute; outputs listed in ``as_reference`` are asked for by reference."""
    form = [WPS.ResponseForm(WPS.ResponseDocument(*[
        WPS.Output(OWS.Identifier(out_id), asReference="true") for out_id in as_reference]))] if as_reference else []
    doc = WPS.Execute(OWS.Identifier(process_id), WPS.DataInputs(*inputs), *form, service="WPS", version="1.0.0")
    return client(process_id).post_xml(doc=doc)


def outputs_of(resp: Any) -> Dict[str, Any]:
    assert_response_success(resp)
    found = {}
    for output in resp.xpath("/wps:ExecuteResponse/wps:ProcessOutputs/wps:Output"):
        [identifier] = output.xpath("ows:Identifier/text()", namespaces=namespaces100)
        found[identifier] = output
    return found


def text_of(output: Any, path: str) -> str:
    return "".join(output.xpath(path + "/text()", namespaces=namespaces100)).strip()


def referenced_path(output: Any) -> Path:
    [href] = output.xpath("wps:Reference/@href", namespaces=namespaces100)
    return Path(url2pathname(urlparse(href).path))


def failure_text(resp: Any) -> str:
    assert resp.status_code == 200
    return text_of(resp.xml, "/wps:ExecuteResponse/wps:Status/wps:ProcessFailed//ows:ExceptionText")


# ---- descriptions and packages -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def process_validator() -> Draft4Validator:
    """The official process.yaml, its relative $refs resolved to the sibling yaml files (OpenAPI 3.0 ~ draft 4)."""
    resources = [(path.as_uri(), Resource.from_contents(yaml.safe_load(path.read_text()), DRAFT4))
                 for path in SCHEMAS.glob("*.yaml")]
    return Draft4Validator({"$ref": (SCHEMAS / "process.yaml").as_uri()}, registry=Registry().with_resources(resources))


@pytest.mark.parametrize("process_id", sorted(BUILTIN_PROCESSES))
def test_description_is_valid_ogc(process_id: str, process_validator: Draft4Validator) -> None:
    builtin = get_builtin(process_id)
    errors = [f"{list(err.absolute_path)}: {err.message}" for err in process_validator.iter_errors(builtin.description)]
    assert errors == []
    description = builtin.description
    assert description["id"] == builtin.id == process_id and "type" not in description and "links" not in description
    assert description["jobControlOptions"] == ["sync-execute", "async-execute"]
    assert description["outputTransmission"] == ["value", "reference"]
    assert description["version"] == "1.0.0"


def test_validator_rejects_an_invalid_description(process_validator: Draft4Validator) -> None:
    assert list(process_validator.iter_errors({"id": "x", "version": "1", "inputs": {"a": {"title": "no schema"}}}))


def test_registry() -> None:
    assert sorted(BUILTIN_PROCESSES) == ["echo", "file2string_array", "file_index_selector", "jsonarray2netcdf",
                                         "metalink2netcdf"]
    assert isinstance(get_builtin("echo"), BuiltinProcess)
    with pytest.raises(KeyError):
        get_builtin("nope")
    first, second = get_builtin("echo").pywps_process(), get_builtin("echo").pywps_process()
    assert first is not second and first.identifier == "echo"


def _cwl_type(io: Any, description: Dict[str, Any], optional: bool) -> str:
    """The CWL type a builtin's I/O should have, from its pywps form and its OGC schema."""
    if isinstance(io, (ComplexInput, ComplexOutput)):
        base = "File"
    elif isinstance(io, (BoundingBoxInput, BoundingBoxOutput)):
        return "double[]" + ("?" if optional else "")
    elif ogc_io_is_array(description):
        base = CWL_TYPES[ogc2pywps_inputs({"x": {"schema": description["schema"]}})[0].data_type]
    else:
        base = CWL_TYPES[io.data_type]
    repeated = ogc_io_is_array(description) or getattr(io, "max_occurs", 1) > 1
    return base + ("[]" if repeated else "") + ("?" if optional else "")


@pytest.mark.parametrize("process_id", sorted(BUILTIN_PROCESSES))
def test_package_matches_description(process_id: str) -> None:
    builtin = get_builtin(process_id)
    package, process, description = builtin.package, builtin.pywps_process(), builtin.description
    assert (package["cwlVersion"], package["class"]) == ("v1.2", "CommandLineTool")
    assert package["hints"] == {"BuiltinRequirement": {"process": process_id}}
    assert "baseCommand" not in package
    assert list(package["inputs"]) == list(description["inputs"])
    assert list(package["outputs"]) == list(description["outputs"])
    for inp in process.inputs:
        expected = _cwl_type(inp, description["inputs"][inp.identifier], optional=inp.min_occurs == 0)
        assert package["inputs"][inp.identifier]["type"] == expected, inp.identifier
    for out in process.outputs:
        optional = process_id == "echo"  # echo produces only the outputs of the inputs it was given
        expected = _cwl_type(out, description["outputs"][out.identifier], optional)
        assert package["outputs"][out.identifier]["type"] == expected, out.identifier


@pytest.mark.parametrize("process_id", sorted(BUILTIN_PROCESSES))
def test_wps_description_reads_with_owslib(process_id: str) -> None:
    """The worker describes local processes through OWSLib: identifiers and kinds must come through."""
    resp = client(process_id).get(f"?service=WPS&request=DescribeProcess&version=1.0.0&identifier={process_id}")
    assert resp.status_code == 200
    described = OWSProcess(WPSDescribeProcessReader().readFromString(resp.get_data()).find("ProcessDescription"))
    description = get_builtin(process_id).description
    assert [inp.identifier for inp in described.dataInputs] == list(description["inputs"])
    assert [out.identifier for out in described.processOutputs] == list(description["outputs"])
    for inp in described.dataInputs:
        kind = ogc_io_kind(description["inputs"][inp.identifier])
        expected = {"complex": "ComplexData", "bbox": "BoundingBoxData"}.get(kind, inp.dataType)
        assert inp.dataType == expected, inp.identifier


# ---- echo --------------------------------------------------------------------------------------------------------

def test_echo_kvp_string_only(wps_dirs: Dict[str, Path]) -> None:
    resp = client("echo").get("?service=WPS&request=Execute&version=1.0.0&identifier=echo&datainputs=stringInput=hello")
    outputs = outputs_of(resp)
    assert list(outputs) == ["stringOutput"]  # nothing for the inputs that were not given
    assert text_of(outputs["stringOutput"], "wps:Data/wps:LiteralData") == "hello"
    assert b"None" not in resp.get_data()


def test_echo_raw_output(wps_dirs: Dict[str, Path]) -> None:
    resp = client("echo").get("?service=WPS&request=Execute&version=1.0.0&identifier=echo"
                              "&datainputs=stringInput=teststring&RawDataOutput=stringOutput")
    assert resp.status_code == 200 and resp.get_data() == b"teststring"
    resp = client("echo").get("?service=WPS&request=Execute&version=1.0.0&identifier=echo"
                              "&datainputs=stringInput=teststring&RawDataOutput=doubleOutput")
    assert_process_exception(resp, code="NoApplicableCode")
    assert "Expected output was not generated" in resp.get_data(as_text=True)


def test_echo_every_input(wps_dirs: Dict[str, Path]) -> None:
    measure = {"measurement": 1.5, "uom": "m"}
    obj = {"property1": "a", "property5": True}
    collection = {"type": "FeatureCollection", "features": []}
    gml = '<gml:Point xmlns:gml="http://www.opengis.net/gml/3.2"><gml:pos>1 2</gml:pos></gml:Point>'
    tiff = GEOTIFF.read_bytes()
    resp = execute("echo", [
        literal("stringInput", "teststring"), literal("doubleInput", 2.5),
        literal("arrayInput", 1), literal("arrayInput", 2), literal("arrayInput", 3),
        bbox("boundingBoxInput", [1, 2, 3, 4], "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
        inline("imagesInput", base64.b64encode(tiff).decode(), "image/tiff; application=geotiff", "base64"),
        inline("measureInput", json.dumps(measure), "application/json"),
        literal("dateInput", "2024-01-02T03:04:05Z"),
        inline("complexObjectInput", json.dumps(obj), "application/json"),
        inline("geometryInput", etree.fromstring(gml), "application/gml+xml; version=3.2"),
        inline("featureCollectionInput", json.dumps(collection), "application/geo+json"),
    ])
    outputs = outputs_of(resp)
    assert set(outputs) == {"stringOutput", "doubleOutput", "arrayOutput", "boundingBoxOutput", "imagesOutput",
                            "measureOutput", "dateOutput", "complexObjectOutput", "geometryOutput",
                            "featureCollectionOutput"}
    data = {out_id: text_of(out, "wps:Data/*") for out_id, out in outputs.items()}
    assert data["stringOutput"] == "teststring" and float(data["doubleOutput"]) == 2.5
    assert json.loads(data["arrayOutput"]) == [1, 2, 3]
    assert data["dateOutput"] == "2024-01-02T03:04:05+00:00"
    assert json.loads(data["measureOutput"]) == measure and json.loads(data["complexObjectOutput"]) == obj
    assert json.loads(data["featureCollectionOutput"]) == collection
    assert "gml:pos" in data["geometryOutput"]
    [image] = outputs["imagesOutput"].xpath("wps:Data/wps:ComplexData", namespaces=namespaces100)
    assert (image.get("mimeType"), image.get("encoding")) == ("image/tiff; application=geotiff", "base64")
    assert base64.b64decode(image.text) == tiff
    [box] = outputs["boundingBoxOutput"].xpath("wps:Data/wps:BoundingBoxData", namespaces=namespaces100)
    corners = [float(v) for path in ("ows:LowerCorner", "ows:UpperCorner") for v in text_of(box, path).split()]
    assert corners == [1, 2, 3, 4] and box.get("crs") == "urn:ogc:def:crs:OGC:1.3:CRS84"


def test_echo_bbox_round_trips_through_owslib(wps_dirs: Dict[str, Path]) -> None:
    """An OWSLib client gets back the bounding box it sent, whatever the axis order of the CRS."""
    for crs in ("EPSG:4326", "urn:ogc:def:crs:EPSG::3857"):
        sent = BoundingBoxDataInput([10.0, 50.0, 20.0, 60.0], crs=crs)
        box_input = WPS.Input(OWS.Identifier("boundingBoxInput"), sent.get_xml())
        outputs = outputs_of(execute("echo", [literal("stringInput", "x"), box_input]))
        [box] = outputs["boundingBoxOutput"].xpath("wps:Data/wps:BoundingBoxData", namespaces=namespaces100)
        received = BoundingBox(box, namespaces100["ows"])
        assert [received.minx, received.miny, received.maxx, received.maxy] == ["10.0", "50.0", "20.0", "60.0"]


def test_echo_reference_is_not_downloaded(wps_dirs: Dict[str, Path], http_root: Tuple[str, Path, List[str]]) -> None:
    base_url, root, served = http_root
    (root / "image.tif").write_bytes(GEOTIFF.read_bytes())
    resp = execute("echo", [literal("stringInput", "x"),
                            reference("imagesInput", f"{base_url}/image.tif", "image/tiff; application=geotiff")],
                   as_reference=["imagesOutput"])
    [href] = outputs_of(resp)["imagesOutput"].xpath("wps:Reference/@href", namespaces=namespaces100)
    assert href == f"{base_url}/image.tif"
    assert served == []


def test_echo_validates_what_its_description_constrains(wps_dirs: Dict[str, Path]) -> None:
    resp = client("echo").get("?service=WPS&request=Execute&version=1.0.0&identifier=echo"
                              "&datainputs=stringInput=x;doubleInput=0")
    assert_process_exception(resp, code="InvalidParameterValue")


def test_echo_is_cheap(wps_dirs: Dict[str, Path]) -> None:
    echo_client = client("echo")
    url = "?service=WPS&request=Execute&version=1.0.0&identifier=echo&datainputs=stringInput=hello"
    echo_client.get(url)
    start = time.perf_counter()
    for _ in range(5):
        assert_response_success(echo_client.get(url))
    assert (time.perf_counter() - start) / 5 < 0.5


def test_echo_pause(wps_dirs: Dict[str, Path]) -> None:
    start = time.monotonic()
    resp = client("echo").get("?service=WPS&request=Execute&version=1.0.0&identifier=echo"
                              "&datainputs=stringInput=hello;pause=1")
    assert time.monotonic() - start >= 1
    assert list(outputs_of(resp)) == ["stringOutput"]


def test_echo_pause_is_observable(wps_dirs: Dict[str, Path]) -> None:
    """Asynchronous run: the status document shows the job running with progress while it pauses."""
    resp = client("echo").get("?service=WPS&request=Execute&version=1.0.0&identifier=echo"
                              "&datainputs=stringInput=hello;pause=2&storeExecuteResponse=true&status=true")
    assert resp.status_code == 200 and resp.xpath("/wps:ExecuteResponse/wps:Status/wps:ProcessAccepted")
    status_file = Path(url2pathname(urlparse(resp.xml.get("statusLocation")).path))
    seen = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "ProcessSucceeded" not in seen:
        if status_file.exists():
            try:
                status = etree.fromstring(status_file.read_bytes())
            except etree.XMLSyntaxError:  # caught while being written
                continue
            [state] = status.xpath("/wps:ExecuteResponse/wps:Status/*", namespaces=namespaces100)
            name = etree.QName(state).localname
            if name == "ProcessStarted" and "Pausing" in (state.text or ""):
                name = "Pausing"
            seen.add(name)
        time.sleep(0.05)
    assert {"Pausing", "ProcessSucceeded"} <= seen


# ---- file2string_array / file_index_selector ---------------------------------------------------------------------

def test_file2string_array(wps_dirs: Dict[str, Path], http_root: Tuple[str, Path, List[str]]) -> None:
    local = wps_dirs["inputs"] / "data.txt"
    local.write_text("content")
    for href in (local.as_uri(), f"{http_root[0]}/remote.nc"):
        outputs = outputs_of(execute("file2string_array", [reference("input", href, "text/plain")]))
        [data] = outputs["output"].xpath("wps:Data/wps:ComplexData", namespaces=namespaces100)
        assert data.get("mimeType") == "application/json"
        assert json.loads(data.text) == [href]
    outputs = outputs_of(execute("file2string_array", [inline("input", "inline", "text/plain")]))
    [path] = json.loads(text_of(outputs["output"], "wps:Data/wps:ComplexData"))
    assert path.startswith(str(wps_dirs["work"]))


def test_file_index_selector(wps_dirs: Dict[str, Path]) -> None:
    files = []
    for index in range(3):
        files.append(wps_dirs["inputs"] / f"file{index}.csv")
        files[-1].write_text(f"content {index}")
    inputs = [reference("files", path.as_uri(), "text/csv") for path in files]
    outputs = outputs_of(execute("file_index_selector", [*inputs, literal("index", 1)], as_reference=["output"]))
    [selected] = outputs["output"].xpath("wps:Reference", namespaces=namespaces100)
    assert selected.get("mimeType") == "text/csv"
    assert referenced_path(outputs["output"]).read_text() == "content 1"
    message = failure_text(execute("file_index_selector", [*inputs, literal("index", 3)]))
    assert "Index 3 is out of range: 3 files were given, valid indexes are 0 to 2." in message
    assert_process_exception(execute("file_index_selector", [*inputs, literal("index", -1)]),
                             code="InvalidParameterValue")


# ---- jsonarray2netcdf / metalink2netcdf --------------------------------------------------------------------------

def _netcdf_files(wps_dirs: Dict[str, Path], http_root: Tuple[str, Path, List[str]]) -> List[Tuple[str, bytes]]:
    local, remote = wps_dirs["inputs"] / "a.nc", http_root[1] / "b.nc"
    local.write_bytes(b"CDF\x01local")
    remote.write_bytes(b"CDF\x01remote")
    return [(local.as_uri(), local.read_bytes()), (f"{http_root[0]}/b.nc", remote.read_bytes())]


def test_jsonarray2netcdf(wps_dirs: Dict[str, Path], http_root: Tuple[str, Path, List[str]]) -> None:
    files = _netcdf_files(wps_dirs, http_root)
    outputs = outputs_of(execute("jsonarray2netcdf", [inline("input", json.dumps([h for h, _ in files]),
                                                             "application/json")], as_reference=["output"]))
    [ref] = outputs["output"].xpath("wps:Reference", namespaces=namespaces100)
    assert ref.get("mimeType") == "application/metalink4+xml"
    metalink_path = referenced_path(outputs["output"])
    metalink = etree.fromstring(metalink_path.read_bytes())
    entries = metalink.findall(f"{{{METALINK}}}file")
    assert len(entries) == 2
    for entry, (_, content) in zip(entries, files):
        [url] = entry.findall(f"{{{METALINK}}}metaurl")
        assert url.get("mediatype") == "application/x-netcdf"
        staged = Path(url2pathname(urlparse(url.text).path))
        assert staged.read_bytes() == content and staged.parent == metalink_path.parent
        assert entry.findtext(f"{{{METALINK}}}size") == str(len(content))


@pytest.mark.parametrize("content, message", [
    ('{"not": "an array"}', "Input must be a JSON array of strings"),
    ("[1, 2]", "Input must be a JSON array of strings"),
    ("not json", "Input is not valid JSON"),
    ('["http://example.com/data.txt"]', "Reference 0 is not a NetCDF file, its path does not end with .nc"),
    ('["ftp://example.com/data.nc"]', "unsupported scheme ftp"),
])
def test_jsonarray2netcdf_invalid(wps_dirs: Dict[str, Path], content: str, message: str) -> None:
    assert message in failure_text(execute("jsonarray2netcdf", [inline("input", content, "application/json")]))


def test_jsonarray2netcdf_local_files_only_from_allowed_dirs(wps_dirs: Dict[str, Path]) -> None:
    private = wps_dirs["private"] / "secret.nc"
    private.write_bytes(b"CDF\x01")
    content = json.dumps([private.as_uri()])
    message = failure_text(execute("jsonarray2netcdf", [inline("input", content, "application/json")]))
    assert "outside the directories allowed" in message


def _metalink(urls: List[str], doctype: str = "") -> str:
    files = "".join(f'<file name="f{i}"><url>{url}</url></file>' for i, url in enumerate(urls))
    return f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<metalink xmlns="{METALINK}">{files}</metalink>'


def test_metalink2netcdf(wps_dirs: Dict[str, Path], http_root: Tuple[str, Path, List[str]]) -> None:
    files = _netcdf_files(wps_dirs, http_root)
    metalink = wps_dirs["inputs"] / "files.meta4"
    metalink.write_text(_metalink([href for href, _ in files]))
    for index, (_, content) in enumerate(files, start=1):
        outputs = outputs_of(execute("metalink2netcdf", [
            reference("input", metalink.as_uri(), "application/metalink4+xml"), literal("index", index)],
            as_reference=["output"]))
        [ref] = outputs["output"].xpath("wps:Reference", namespaces=namespaces100)
        assert ref.get("mimeType") == "application/x-netcdf"
        assert referenced_path(outputs["output"]).read_bytes() == content
    inputs = [inline("input", metalink.read_text(), "application/metalink4+xml"), literal("index", 3)]
    message = failure_text(execute("metalink2netcdf", inputs))
    assert "Index 3 is out of range: the Metalink document lists 2 files, valid indexes are 1 to 2." in message


def test_metalink2netcdf_reads_the_jsonarray2netcdf_output(wps_dirs: Dict[str, Path],
                                                          http_root: Tuple[str, Path, List[str]]) -> None:
    files = _netcdf_files(wps_dirs, http_root)
    outputs = outputs_of(execute("jsonarray2netcdf", [inline("input", json.dumps([h for h, _ in files]),
                                                             "application/json")], as_reference=["output"]))
    metalink_uri = referenced_path(outputs["output"]).as_uri()
    outputs = outputs_of(execute("metalink2netcdf", [reference("input", metalink_uri, "application/metalink4+xml"),
                                                     literal("index", 2)], as_reference=["output"]))
    assert referenced_path(outputs["output"]).read_bytes() == files[1][1]


def test_metalink2netcdf_does_not_resolve_entities(wps_dirs: Dict[str, Path]) -> None:
    target = wps_dirs["inputs"] / "a.nc"
    target.write_bytes(b"CDF\x01")
    pointer = wps_dirs["inputs"] / "pointer.txt"
    pointer.write_text(target.as_uri())  # what the URL would be, were the external entity resolved
    doctype = f'<!DOCTYPE metalink [<!ENTITY ext SYSTEM "{pointer.as_uri()}">]>'
    content = _metalink(["&ext;"], doctype)
    message = failure_text(execute("metalink2netcdf", [inline("input", content, "application/metalink4+xml"),
                                                       literal("index", 1)]))
    assert "File 1 of the Metalink document has no URL." in message
    for bad, expected in (("<not-closed>", "not a valid XML"), ("<other/>", "not a Metalink 4 document")):
        message = failure_text(execute("metalink2netcdf", [inline("input", bad, "application/metalink4+xml"),
                                                           literal("index", 1)]))
        assert expected in message


# ---- fetch_reference ---------------------------------------------------------------------------------------------

def test_fetch_reference(tmp_path: Path, http_root: Tuple[str, Path, List[str]]) -> None:
    base_url, root, served = http_root
    (root / "remote.nc").write_bytes(b"remote")
    source = tmp_path / "local.nc"
    source.write_bytes(b"local")
    dest = tmp_path / "dest"
    assert Path(fetch_reference(f"{base_url}/remote.nc", str(dest))).read_bytes() == b"remote"
    assert served == ["/remote.nc"]
    with pytest.raises(requests.HTTPError):
        fetch_reference(f"{base_url}/missing.nc", str(dest))
    assert Path(fetch_reference(source.as_uri(), str(dest / "a"))).read_bytes() == b"local"
    assert Path(fetch_reference(str(source), str(dest / "b"), allowed_dirs=[str(tmp_path)])).read_bytes() == b"local"
    for bad in ("ftp://host/x.nc", "s3://bucket/x.nc", str(tmp_path / "missing.nc"), "file://otherhost/x.nc"):
        with pytest.raises(ValueError):
            fetch_reference(bad, str(dest))
    with pytest.raises(ValueError):
        fetch_reference(source.as_uri(), str(dest), allowed_dirs=[str(root)])
