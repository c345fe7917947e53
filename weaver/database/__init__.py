"""Access to the MongoDB database: one client per process, recreated after a fork."""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Dict, Tuple

from pymongo import MongoClient
from pymongo.database import Database

from weaver.config import Settings, get_settings
from weaver.store.jobs import MongodbJobStore
from weaver.store.processes import MongodbProcessStore
from weaver.store.services import MongodbServiceStore

if TYPE_CHECKING:
    from weaver.typedefs import AnyDatabaseContainer

_CLIENTS: Dict[Tuple[int, str, str], "WeaverDB"] = {}
_LOCK = threading.Lock()


class WeaverDB:
    """The database handle with its stores, built once per process and per URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: MongoClient = MongoClient(
            settings["mongodb.url"], tz_aware=True, connect=False, serverSelectionTimeoutMS=10000,
            uuidRepresentation="standard",
        )
        self.database: Database = self.client[settings["mongodb.db_name"]]
        self.jobs: MongodbJobStore = MongodbJobStore(self.database)
        self.processes: MongodbProcessStore = MongodbProcessStore(self.database)
        self.services: MongodbServiceStore = MongodbServiceStore(self.database)

    def create_indexes(self) -> None:
        self.jobs.create_indexes()
        self.processes.create_indexes()
        self.services.create_indexes()

    def close(self) -> None:
        self.client.close()


def get_settings_from_container(container: "AnyDatabaseContainer") -> Settings:
    """Settings of a registry, a request or a mapping."""
    registry = getattr(container, "registry", container)
    raw: Any = getattr(registry, "settings", registry)
    return get_settings(raw)


def get_db(container: "AnyDatabaseContainer", reset_connection: bool = False) -> WeaverDB:
    """The process-wide database handle for these settings (cheap: never opens a new client when one exists)."""
    settings = get_settings_from_container(container)
    key = (os.getpid(), settings["mongodb.url"], settings["mongodb.db_name"])
    with _LOCK:
        db = _CLIENTS.get(key)
        if db is not None and reset_connection:
            db.close()
            db = None
        if db is None:
            for stale in [k for k in _CLIENTS if k[0] != key[0]]:
                _CLIENTS.pop(stale, None)  # inherited from a parent process: never reuse across fork
            db = _CLIENTS[key] = WeaverDB(settings)
        return db
