"""New versions of a deployed process: ``PUT`` replaces its package, ``PATCH`` changes its description.

The version being replaced stays reachable as ``{id}:{version}`` (description, package, execution); the latest
version keeps the plain id. A new version must be higher than every stored one: given in the body, or the next
major (replace) or patch (update) number.
"""
from __future__ import annotations

import copy
from typing import Any, List, Mapping, Tuple

from weaver.datatype import Process
from weaver.exceptions import AccessForbidden, InvalidParameterValue, ProcessRegistrationError
from weaver.processes.convert.cwl_ogc import CwlTypeError, merge_declared_io
from weaver.processes.deploy import CONTROL_OPTIONS, TRANSMISSION_MODES, build_process, parse_deploy_body
from weaver.store.processes import MongodbProcessStore
from weaver.visibility import Visibility

PATCH_FIELDS = ("title", "description", "keywords", "metadata", "jobControlOptions", "outputTransmission",
                "visibility", "version", "inputs", "outputs")


def _semver(version: str) -> Tuple[int, ...]:
    try:
        parts = tuple(int(part) for part in str(version).split("."))
    except ValueError:
        raise InvalidParameterValue(f"Version '{version}' is not of the form MAJOR.MINOR.PATCH.",
                                    cause={"name": "version", "in": "body", "value": version}) from None
    if not parts or len(parts) > 3:
        raise InvalidParameterValue(f"Version '{version}' is not of the form MAJOR.MINOR.PATCH.",
                                    cause={"name": "version", "in": "body", "value": version})
    return parts + (0,) * (3 - len(parts))


def next_version(versions: List[str], level: str) -> str:
    """The version after the highest of ``versions``, bumping ``major`` or ``patch``."""
    major, minor, patch = max(_semver(v) for v in versions)
    return f"{major + 1}.0.0" if level == "major" else f"{major}.{minor}.{patch + 1}"


def _check_new_version(version: str, versions: List[str], process_id: str) -> None:
    if version in versions:
        raise ProcessRegistrationError(f"Process '{process_id}' already has version '{version}'.",
                                       cause={"name": "version", "in": "body", "value": version})
    if _semver(version) <= max(_semver(v) for v in versions):
        raise InvalidParameterValue(f"Version '{version}' of process '{process_id}' must be higher than "
                                    f"{max(versions, key=_semver)}.",
                                    cause={"name": "version", "in": "body", "value": version})


def _check_revisable(process: Process) -> None:
    if process.is_builtin:
        raise AccessForbidden(f"Builtin process '{process.id}' cannot be changed.",
                              cause={"name": "process_id", "in": "path", "value": process.id})
    if ":" in process.id:
        raise InvalidParameterValue(f"'{process.id}' is an older revision: change the latest version instead.",
                                    cause={"name": "process_id", "in": "path", "value": process.id})


def _store_new_version(current: Process, new: Process, store: MongodbProcessStore) -> Process:
    store.save_revision(current)
    return store.save_process(new, overwrite=True)


def replace_process(current: Process, raw: bytes, content_type: str, store: MongodbProcessStore,
                    settings: Mapping[str, Any]) -> Process:
    """A new version of ``current`` from a whole deploy body (new package, description derived again)."""
    _check_revisable(current)
    description, package, body = parse_deploy_body(raw, content_type, settings)
    given_id = description.get("id") or description.get("identifier")
    if given_id and given_id != current.id:
        raise InvalidParameterValue(f"Body process id '{given_id}' differs from '{current.id}' in the path.",
                                    cause={"name": "id", "in": "body", "value": given_id})
    versions = store.list_versions(current.id)
    version = str(description.get("version") or next_version(versions, "major"))
    _check_new_version(version, versions, current.id)
    description = dict(description, id=current.id, version=version)
    description.setdefault("visibility", current.visibility)
    new = build_process(description, package, body, store, settings)
    return _store_new_version(current, new, store)


def patch_process(current: Process, body: Any, store: MongodbProcessStore) -> Process:
    """A new version of ``current`` with some description fields changed (same package)."""
    _check_revisable(current)
    if not isinstance(body, dict) or not body:
        raise InvalidParameterValue("PATCH body must be a JSON object with fields to change.",
                                    cause={"in": "body"})
    unknown = sorted(set(body) - set(PATCH_FIELDS))
    if unknown:
        raise InvalidParameterValue(f"Fields {unknown} cannot be changed by PATCH (allowed: {list(PATCH_FIELDS)}).",
                                    cause={"name": unknown[0], "in": "body"})
    versions = store.list_versions(current.id)
    version = str(body.get("version") or next_version(versions, "patch"))
    _check_new_version(version, versions, current.id)
    new = Process(copy.deepcopy(dict(current)))
    for key in ("title", "description", "keywords", "metadata"):
        if key in body:
            new[key] = body[key]
    for key, allowed in (("jobControlOptions", CONTROL_OPTIONS), ("outputTransmission", TRANSMISSION_MODES)):
        if key in body:
            if not isinstance(body[key], list) or not body[key] or any(v not in allowed for v in body[key]):
                raise InvalidParameterValue(f"'{key}' must be a non-empty list of {list(allowed)}.",
                                            cause={"name": key, "in": "body"})
            new[key] = list(body[key])
    if "visibility" in body:
        if body["visibility"] not in (Visibility.PUBLIC.value, Visibility.PRIVATE.value):
            raise InvalidParameterValue("'visibility' must be 'public' or 'private'.",
                                        cause={"name": "visibility", "in": "body"})
        new["visibility"] = body["visibility"]
    try:
        for key in ("inputs", "outputs"):
            if key in body:
                new[key] = merge_declared_io(new[key], _metadata_only(body[key]), key[:-1])
    except CwlTypeError as exc:
        raise InvalidParameterValue(str(exc), cause={"in": "body"}) from exc
    new["version"] = version
    return _store_new_version(current, new, store)


def _metadata_only(ios: Any) -> Any:
    """Input/output changes keep their schema and cardinality: those come from the package."""
    if isinstance(ios, dict):
        return {key: {k: v for k, v in (val or {}).items() if k in ("title", "description", "keywords", "metadata")}
                for key, val in ios.items()}
    if isinstance(ios, list):
        return [{k: v for k, v in item.items() if k in ("id", "title", "description", "keywords", "metadata")}
                for item in ios if isinstance(item, dict)]
    return ios


__all__: List[str] = ["next_version", "patch_process", "replace_process"]
