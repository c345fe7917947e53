"""Conversions between the shapes a process and its data take: OGC JSON, pywps, OWSLib and CWL."""
from owslib.wps import Process as ProcessOWS

from weaver.processes.convert.ows_json import OWS_Input_Type, cast_literal, ows2json_output_data
from weaver.processes.convert.ows_ogc import (
    ows2ogc_io,
    ows2ogc_process_description,
    ows2ogc_process_summary,
)
from weaver.processes.convert.pywps_io import (
    make_pywps_process,
    ogc2pywps_inputs,
    ogc2pywps_outputs,
    ogc_io_kind,
)

__all__ = ["OWS_Input_Type", "ProcessOWS", "cast_literal", "make_pywps_process", "ogc2pywps_inputs",
           "ogc2pywps_outputs", "ogc_io_kind", "ows2json_output_data", "ows2ogc_io",
           "ows2ogc_process_description", "ows2ogc_process_summary"]
