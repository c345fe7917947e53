"""WPS 1.0.0 descriptions (as OWSLib parses them) converted to OGC API - Processes descriptions."""
from __future__ import annotations

from owslib.wps import WebProcessingService

from weaver.processes.convert import ows2ogc_process_description, ows2ogc_process_summary

DESCRIBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<wps:ProcessDescriptions xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"
    xmlns:xlink="http://www.w3.org/1999/xlink" service="WPS" version="1.0.0" xml:lang="en-US">
  <ProcessDescription wps:processVersion="2.1" storeSupported="true" statusSupported="true">
    <ows:Identifier>subset</ows:Identifier>
    <ows:Title>Subset</ows:Title>
    <ows:Abstract>Cuts a region out of files.</ows:Abstract>
    <ows:Metadata xlink:href="https://example.org/doc" xlink:title="Documentation" />
    <DataInputs>
      <Input minOccurs="1" maxOccurs="1000000000">
        <ows:Identifier>files</ows:Identifier>
        <ows:Title>Files</ows:Title>
        <ComplexData maximumMegabytes="100">
          <Default><Format><MimeType>application/x-netcdf</MimeType></Format></Default>
          <Supported>
            <Format><MimeType>application/x-netcdf</MimeType></Format>
            <Format><MimeType>application/json</MimeType><Encoding>UTF-8</Encoding></Format>
          </Supported>
        </ComplexData>
      </Input>
      <Input minOccurs="0" maxOccurs="1">
        <ows:Identifier>method</ows:Identifier>
        <ows:Title>Method</ows:Title>
        <LiteralData>
          <ows:DataType ows:reference="http://www.w3.org/TR/xmlschema-2/#string">string</ows:DataType>
          <ows:AllowedValues><ows:Value>nearest</ows:Value><ows:Value>linear</ows:Value></ows:AllowedValues>
          <DefaultValue>nearest</DefaultValue>
        </LiteralData>
      </Input>
      <Input minOccurs="1" maxOccurs="3">
        <ows:Identifier>level</ows:Identifier>
        <ows:Title>Level</ows:Title>
        <LiteralData>
          <ows:DataType ows:reference="http://www.w3.org/TR/xmlschema-2/#integer">integer</ows:DataType>
          <ows:AnyValue />
        </LiteralData>
      </Input>
      <Input minOccurs="1" maxOccurs="1">
        <ows:Identifier>area</ows:Identifier>
        <ows:Title>Area</ows:Title>
        <BoundingBoxData>
          <Default><CRS>EPSG:4326</CRS></Default>
          <Supported><CRS>EPSG:4326</CRS><CRS>EPSG:3857</CRS></Supported>
        </BoundingBoxData>
      </Input>
    </DataInputs>
    <ProcessOutputs>
      <Output>
        <ows:Identifier>output</ows:Identifier>
        <ows:Title>Output</ows:Title>
        <ComplexOutput>
          <Default><Format><MimeType>application/x-netcdf</MimeType></Format></Default>
          <Supported><Format><MimeType>application/x-netcdf</MimeType></Format></Supported>
        </ComplexOutput>
      </Output>
      <Output>
        <ows:Identifier>count</ows:Identifier>
        <ows:Title>Count</ows:Title>
        <LiteralOutput><ows:DataType ows:reference="xs:double">double</ows:DataType></LiteralOutput>
      </Output>
    </ProcessOutputs>
  </ProcessDescription>
</wps:ProcessDescriptions>"""


def _described():
    return WebProcessingService("http://example.org/wps", skip_caps=True).describeprocess("subset", xml=DESCRIBE)


def test_summary_fields_and_control_options():
    summary = ows2ogc_process_summary(_described())
    assert summary["id"] == "subset" and summary["title"] == "Subset" and summary["version"] == "2.1"
    assert summary["description"] == "Cuts a region out of files."
    assert summary["jobControlOptions"] == ["async-execute", "sync-execute"]
    assert summary["metadata"] == [{"href": "https://example.org/doc", "title": "Documentation"}]
    assert "inputs" not in summary


def test_inputs_of_every_kind():
    inputs = ows2ogc_process_description(_described())["inputs"]
    assert list(inputs) == ["files", "method", "level", "area"]
    files = inputs["files"]
    assert files["minOccurs"] == 1 and files["maxOccurs"] == "unbounded"
    assert files["formats"] == [{"mediaType": "application/x-netcdf", "default": True},
                                {"mediaType": "application/json", "encoding": "UTF-8"}]
    assert {"type": "string", "contentMediaType": "application/x-netcdf"} in files["schema"]["oneOf"]
    assert {"type": "object"} in files["schema"]["oneOf"]
    assert inputs["method"]["minOccurs"] == 0
    assert inputs["method"]["schema"] == {"type": "string", "enum": ["nearest", "linear"], "default": "nearest"}
    assert inputs["level"]["schema"] == {"type": "integer"} and inputs["level"]["maxOccurs"] == 3
    assert inputs["area"]["schema"]["format"] == "ogc-bbox"
    assert inputs["area"]["supportedCRS"] == ["EPSG:4326", "EPSG:3857"]


def test_outputs_have_no_occurrences():
    outputs = ows2ogc_process_description(_described())["outputs"]
    assert outputs["output"]["schema"] == {"type": "string", "contentMediaType": "application/x-netcdf"}
    assert outputs["count"] == {"title": "Count", "schema": {"type": "number"}}


def test_process_without_status_support_is_sync_only():
    process = _described()
    process.statusSupported = False
    assert ows2ogc_process_summary(process)["jobControlOptions"] == ["sync-execute"]
