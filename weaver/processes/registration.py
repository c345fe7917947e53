"""Processes weaver offers from the start: the builtins, (re)registered at every start-up."""
from __future__ import annotations

from typing import Any, Mapping

from weaver.config import get_settings
from weaver.datatype import Process
from weaver.datatype.process import PROCESS_TYPE_BUILTIN
from weaver.processes.builtin import BUILTIN_PROCESSES
from weaver.store.processes import MongodbProcessStore
from weaver.visibility import Visibility


def process_endpoints(settings: Mapping[str, Any], process_id: str) -> dict:
    """The URLs a process description names: its description, execution and WPS endpoints."""
    settings = get_settings(settings)
    base = settings["weaver.wps_restapi_url"]
    return {
        "processDescriptionURL": f"{base}/processes/{process_id}",
        "executeEndpoint": f"{base}/processes/{process_id}/execution",
        "processEndpointWPS1": settings["weaver.wps_url"],
    }


def register_builtin_processes(store: MongodbProcessStore, settings: Mapping[str, Any]) -> None:
    """Upsert every builtin so that its stored description always matches the running code."""
    for builtin in BUILTIN_PROCESSES.values():
        process = Process(
            builtin.description, package=builtin.package, type=PROCESS_TYPE_BUILTIN,
            visibility=Visibility.PUBLIC.value, **process_endpoints(settings, builtin.id),
        )
        store.save_process(process, overwrite=True)
