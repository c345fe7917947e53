"""CWL packages as files: reading CWL text, writing a package and its workflow steps, validating with cwltool.

A workflow step refers to a deployed process by id or URL (``run: echo-tool``). When the workflow is deployed,
each reference is resolved to that process's CWL and kept with the workflow (``steps``: reference -> CWL), so a
run needs no lookup. To validate or run, the package and its steps are written as files and each ``run``
reference is replaced by the path of its step file.
"""
from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml
from cwltool.context import LoadingContext
from cwltool.load_tool import load_tool
from cwltool.workflow import default_make_tool
from schema_salad.exceptions import SchemaSaladException

from weaver.typedefs import JSON

CWL_CLASSES = ("CommandLineTool", "Workflow", "ExpressionTool")
MAX_STEP_DEPTH = 5
FORBIDDEN_DIRECTIVES = ("$import", "$include", "$mixin", "$schemas")
_VALIDATE_LOCK = threading.Lock()


class PackageError(ValueError):
    """A CWL package that cannot be read, resolved or validated; the message says why."""


def load_cwl_text(text: str) -> JSON:
    """A CWL document from its JSON or YAML text (YAML is a superset of JSON)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PackageError(f"CWL document is neither valid JSON nor YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise PackageError("CWL document must be an object with 'cwlVersion' and 'class'.")
    return document


def _directives(value: Any) -> List[str]:
    """Document directives found anywhere in the package (``$import``, ``$include``, ``$mixin``, ``$schemas``)."""
    found: List[str] = []
    if isinstance(value, dict):
        found.extend(key for key in value if key in FORBIDDEN_DIRECTIVES)
        for item in value.values():
            found.extend(_directives(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_directives(item))
    return found


def check_cwl_shape(package: Any) -> JSON:
    """The package itself, when it looks like a CWL document this server can run.

    Directives that pull other documents in are refused: the server would read them from its own disk or from
    anywhere on the network while validating (a package must be self-contained; steps name deployed processes).
    """
    if not isinstance(package, dict):
        raise PackageError("CWL package must be an object.")
    directives = sorted(set(_directives(package)))
    if directives:
        raise PackageError(f"CWL packages must be self-contained: {directives} are not accepted.")
    if "$graph" in package:
        raise PackageError("CWL packages with '$graph' are not supported: deploy each tool as a process.")
    if package.get("class") not in CWL_CLASSES:
        raise PackageError(f"CWL 'class' must be one of {list(CWL_CLASSES)}, got {package.get('class')!r}.")
    if not package.get("cwlVersion"):
        raise PackageError("CWL package requires 'cwlVersion'.")
    return package


def _steps(package: JSON) -> List[Tuple[str, JSON]]:
    steps = package.get("steps")
    if isinstance(steps, dict):
        return [(str(k), v) for k, v in steps.items() if isinstance(v, dict)]
    if isinstance(steps, list):
        return [(str(s.get("id", i)), s) for i, s in enumerate(steps) if isinstance(s, dict)]
    return []


def step_references(package: JSON) -> List[str]:
    """The ``run`` references (strings) of a workflow's steps, in order, without duplicates."""
    refs: List[str] = []
    for _, step in _steps(package):
        run = step.get("run")
        if isinstance(run, str) and run not in refs:
            refs.append(run)
        elif isinstance(run, dict):
            refs.extend(ref for ref in step_references(run) if ref not in refs)
    return refs


def step_ids(package: JSON) -> List[str]:
    """Ids of the top-level steps of a workflow (empty for a tool)."""
    return [step_id for step_id, _ in _steps(package)]


def _rewrite_runs(package: JSON, paths: Mapping[str, str]) -> JSON:
    rewritten = copy.deepcopy(package)
    for _, step in _steps(rewritten):
        run = step.get("run")
        if isinstance(run, str):
            if run not in paths:
                raise PackageError(f"Workflow step references '{run}', which was not resolved.")
            step["run"] = paths[run]
        elif isinstance(run, dict):
            step["run"] = _rewrite_runs(run, paths)
    return rewritten


def write_package(package: JSON, steps: Mapping[str, JSON], dest_dir: str) -> str:
    """Write the package and its step packages under ``dest_dir``; returns the path of the main file."""
    os.makedirs(dest_dir, exist_ok=True)
    paths: Dict[str, str] = {}
    for index, ref in enumerate(steps):
        paths[ref] = os.path.join(dest_dir, f"step-{index}.cwl")
    for ref, step_package in steps.items():
        with open(paths[ref], "w", encoding="utf-8") as file:
            json.dump(_rewrite_runs(step_package, paths), file)
    main = os.path.join(dest_dir, "package.cwl")
    with open(main, "w", encoding="utf-8") as file:
        json.dump(_rewrite_runs(package, paths), file)
    return main


def validate_package(package: JSON, steps: Mapping[str, JSON]) -> None:
    """Let cwltool load and validate the package (with its steps); raises :class:`PackageError` with its message."""
    check_cwl_shape(package)
    with tempfile.TemporaryDirectory(prefix="weaver-cwl-") as tmp, _VALIDATE_LOCK:
        path = write_package(package, steps, tmp)
        context = LoadingContext({"do_validate": True, "construct_tool_object": default_make_tool})
        try:
            load_tool("file://" + path, context)
        except (SchemaSaladException, ValueError, KeyError, TypeError) as exc:
            raise PackageError(f"Invalid CWL package: {_clean_message(str(exc))}") from exc


def _clean_message(message: str) -> str:
    """cwltool's message without the temporary paths and the deep indentation of its layout."""
    message = re.sub(r"\S*?((?:package|step-\d+)\.cwl)", r"\1", message)
    return re.sub(r"\n\s+", "\n  ", message).strip()


def iter_packages(package: JSON, steps: Mapping[str, JSON]) -> Iterator[JSON]:
    """The package, its inline step packages and its referenced step packages."""
    yield package
    for _, step in _steps(package):
        yield step
        if isinstance(step.get("run"), dict):
            yield from iter_packages(step["run"], {})
    for step_package in steps.values():
        yield from iter_packages(step_package, {})


def _named(entries: Any) -> Dict[str, JSON]:
    if isinstance(entries, dict):
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in entries.items()}
    if isinstance(entries, list):
        return {str(e.get("class")): e for e in entries if isinstance(e, dict) and e.get("class")}
    return {}


def requirements_of(package: JSON, steps: Optional[Mapping[str, JSON]] = None,
                    hints: bool = False) -> Dict[str, List[JSON]]:
    """Every requirement (or hint) class used by the package and its steps, with each definition found."""
    found: Dict[str, List[JSON]] = {}
    for part in iter_packages(package, steps or {}):
        for name, definition in _named(part.get("hints" if hints else "requirements")).items():
            found.setdefault(name, []).append(definition)
    return found
