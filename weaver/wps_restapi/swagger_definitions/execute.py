"""Colander schemas of execution request bodies (OGC API - Processes Part 1 execute, Part 4 job update)."""
from __future__ import annotations

from typing import Any

import colander

from weaver.execute import ExecuteMode, ExecuteResponse, ExecuteTransmissionMode

EXECUTE_CONTENT_SCHEMA = "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/execute.yaml"


class _JSONValue(colander.SchemaType):
    """Any JSON value, kept as given (inputs are checked against the process description later)."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return appstruct

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null:
            return colander.null
        return cstruct


class ExecuteInputs(colander.SchemaType):
    """Inputs as the OGC mapping ``{id: value}`` or the listing form ``[{"id": ..., ...}]``."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return appstruct

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null or cstruct is None:
            return colander.null
        if isinstance(cstruct, dict):
            for key in cstruct:
                if not isinstance(key, str) or not key:
                    raise colander.Invalid(node, "Input identifiers must be non-empty strings.")
            return cstruct
        if isinstance(cstruct, list):
            for index, item in enumerate(cstruct):
                if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                    raise colander.Invalid(node, f"Input at index {index} of the listing must be an object with "
                                                 f"a string 'id'.")
            return cstruct
        raise colander.Invalid(node, "Inputs must be a mapping of identifiers to values or a list of inputs.")


class OutputFormat(colander.MappingSchema):
    mediaType = colander.SchemaNode(colander.String(), missing=colander.drop)
    encoding = colander.SchemaNode(colander.String(), missing=colander.drop)
    schema = colander.SchemaNode(_JSONValue(), missing=colander.drop)


class OutputDefinition(colander.MappingSchema):
    transmissionMode = colander.SchemaNode(
        colander.String(), missing=colander.drop,
        validator=colander.OneOf([mode.value for mode in ExecuteTransmissionMode]))
    format = OutputFormat(missing=colander.drop)
    # accepted at the top of the output definition too (legacy shape)
    mediaType = colander.SchemaNode(colander.String(), missing=colander.drop)


class ExecuteOutputs(colander.SchemaType):
    """Outputs as ``{id: {transmissionMode, format}}`` or ``[{"id": ..., ...}]``; each definition is validated."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return appstruct

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null or cstruct is None:
            return colander.null
        definition = OutputDefinition(unknown="preserve")
        if isinstance(cstruct, dict):
            result = {}
            for key, value in cstruct.items():
                if not isinstance(value, dict):
                    raise colander.Invalid(node, f"Output '{key}' definition must be an object.")
                try:
                    result[key] = definition.deserialize(value)
                except colander.Invalid as exc:
                    raise colander.Invalid(node, f"Invalid output '{key}': {exc.asdict()}") from exc
            return result
        if isinstance(cstruct, list):
            result_list = []
            for index, item in enumerate(cstruct):
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    raise colander.Invalid(node, f"Output at index {index} must be an object with a string 'id'.")
                try:
                    result_list.append({**definition.deserialize(item), "id": item["id"]})
                except colander.Invalid as exc:
                    raise colander.Invalid(node, f"Invalid output '{item['id']}': {exc.asdict()}") from exc
            return result_list
        raise colander.Invalid(node, "Outputs must be a mapping of identifiers to definitions or a list.")


class Subscribers(colander.MappingSchema):
    successUri = colander.SchemaNode(colander.String(), validator=colander.url, missing=colander.drop)
    failedUri = colander.SchemaNode(colander.String(), validator=colander.url, missing=colander.drop)
    inProgressUri = colander.SchemaNode(colander.String(), validator=colander.url, missing=colander.drop)
    successEmail = colander.SchemaNode(colander.String(), validator=colander.Email(), missing=colander.drop)
    failedEmail = colander.SchemaNode(colander.String(), validator=colander.Email(), missing=colander.drop)
    inProgressEmail = colander.SchemaNode(colander.String(), validator=colander.Email(), missing=colander.drop)


class JobTitle(colander.SchemaNode):
    schema_type = colander.String
    validator = colander.Length(min=1)


class Execute(colander.MappingSchema):
    """Body of ``POST /processes/{id}/execution`` (and ``/jobs``)."""

    title = JobTitle(missing=colander.drop)
    status = colander.SchemaNode(colander.String(), validator=colander.OneOf(["create"]), missing=colander.drop)
    process = colander.SchemaNode(colander.String(), validator=colander.url, missing=colander.drop)
    inputs = colander.SchemaNode(ExecuteInputs(), missing=colander.drop)
    outputs = colander.SchemaNode(ExecuteOutputs(), missing=colander.drop)
    mode = colander.SchemaNode(colander.String(), missing=colander.drop,
                               validator=colander.OneOf([mode.value for mode in ExecuteMode]))
    response = colander.SchemaNode(colander.String(), missing=colander.drop,
                                   validator=colander.OneOf([resp.value for resp in ExecuteResponse]))
    notification_email = colander.SchemaNode(colander.String(), validator=colander.Email(), missing=colander.drop)
    subscribers = Subscribers(missing=colander.drop)


class PatchJobBodySchema(Execute):
    """Body of ``PATCH /jobs/{id}``: the same fields, all optional (``title: null`` is handled before)."""
