"""Processes shipped with weaver, run in-process by their Python handler through pywps.

Each module defines ``DESCRIPTION`` (the OGC process description), ``PACKAGE`` (its CWL) and ``handler``; this
package indexes them by process id.
"""
from __future__ import annotations

from types import ModuleType
from typing import Dict

from weaver.processes.builtin import echo, file2string_array, file_index_selector, jsonarray2netcdf, metalink2netcdf
from weaver.processes.builtin.base import BuiltinProcess


def _builtin(module: ModuleType) -> BuiltinProcess:
    return BuiltinProcess(id=module.PROCESS_ID, description=module.DESCRIPTION, package=module.PACKAGE,
                          handler=module.handler)


BUILTIN_PROCESSES: Dict[str, BuiltinProcess] = {
    builtin.id: builtin
    for builtin in map(_builtin, (echo, file2string_array, file_index_selector, jsonarray2netcdf, metalink2netcdf))
}


def get_builtin(process_id: str) -> BuiltinProcess:
    """The builtin process of that id; ``KeyError`` when there is none."""
    try:
        return BUILTIN_PROCESSES[process_id]
    except KeyError:
        raise KeyError(f"No builtin process '{process_id}'.") from None


__all__ = ["BUILTIN_PROCESSES", "BuiltinProcess", "get_builtin"]
