"""Colander schemas of the REST API, split by resource and re-exported here."""
from weaver.wps_restapi.swagger_definitions.execute import (
    EXECUTE_CONTENT_SCHEMA,
    Execute,
    ExecuteInputs,
    ExecuteOutputs,
    JobTitle,
    PatchJobBodySchema,
    Subscribers,
)

__all__ = ["EXECUTE_CONTENT_SCHEMA", "Execute", "ExecuteInputs", "ExecuteOutputs", "JobTitle",
           "PatchJobBodySchema", "Subscribers"]
