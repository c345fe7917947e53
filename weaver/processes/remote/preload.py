"""Providers and remote OGC API processes registered at start from the ``weaver.wps_processes_file`` YAML file.

Format::

    providers:                 # remote WPS 1.0.0 services (GET /providers)
      - name: hummingbird
        url: https://example.org/wps
        public: true
    processes:                 # remote OGC API processes, run by reference (type "ogcapi")
      - url: https://example.org/ogcapi/processes/echo
        id: remote-echo        # local id (default: the remote one)

Providers are stored as given (the remote server may be down at start); a remote process whose description
cannot be fetched is skipped with a warning. Registration overwrites, so restarting is idempotent.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Mapping

import yaml

from weaver.config import get_settings
from weaver.database import WeaverDB
from weaver.datatype import Service
from weaver.exceptions import WeaverError
from weaver.processes.remote.ogcapi import fetch_remote_ogcapi_process

LOGGER = logging.getLogger(__name__)


def read_processes_file(path: str) -> Dict[str, List[Any]]:
    """The ``providers`` and ``processes`` lists of the file; a clear error when it is not that shape."""
    if not os.path.isfile(path):
        raise ValueError(f"weaver.wps_processes_file [{path}] does not exist.")
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file) or {}
    if not isinstance(data, dict):
        raise ValueError(f"weaver.wps_processes_file [{path}] must hold a mapping with 'providers'/'processes'.")
    lists = {key: data.get(key) or [] for key in ("providers", "processes")}
    for key, items in lists.items():
        if not isinstance(items, list):
            raise ValueError(f"'{key}' of [{path}] must be a list.")
    return lists


def register_from_config_file(database: WeaverDB, settings: Mapping[str, Any]) -> None:
    settings = get_settings(settings)
    path = settings["weaver.wps_processes_file"]
    if not path:
        return
    lists = read_processes_file(path)
    for entry in lists["providers"]:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("url"):
            raise ValueError(f"Provider entries of [{path}] need a 'name' and a 'url': {entry!r}")
        service = Service(name=str(entry["name"]), url=str(entry["url"]), public=bool(entry.get("public", True)),
                          type="wps-remote", title=entry.get("title") or str(entry["name"]),
                          description=entry.get("description") or "")
        database.services.save_service(service, overwrite=True)
        LOGGER.info("Provider '%s' [%s] registered from %s.", service.name, service.url, path)
    for entry in lists["processes"]:
        url = entry if isinstance(entry, str) else (entry or {}).get("url")
        local_id = None if isinstance(entry, str) else entry.get("id")
        if not url:
            raise ValueError(f"Process entries of [{path}] need a 'url': {entry!r}")
        try:
            process = fetch_remote_ogcapi_process(url, settings, local_id)
        except WeaverError as exc:
            LOGGER.warning("Remote process [%s] of %s skipped: %s", url, path, exc.detail)
            continue
        database.processes.save_process(process, overwrite=True)
        LOGGER.info("Remote process '%s' [%s] registered from %s.", process.id, url, path)
