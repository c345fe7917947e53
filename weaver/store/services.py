"""Store of the remote WPS providers registered in weaver, on MongoDB."""
from __future__ import annotations

from typing import List, Optional

import pymongo
from pymongo.database import Database

from weaver.datatype.service import Service
from weaver.exceptions import ServiceNotFound, ServiceRegistrationError


class MongodbServiceStore:
    """Services collection: one document per provider, unique by ``name`` and by ``url``."""

    def __init__(self, database: Database) -> None:
        self.collection = database["services"]

    def create_indexes(self) -> None:
        self.collection.create_index([("name", pymongo.ASCENDING)], unique=True)
        self.collection.create_index([("url", pymongo.ASCENDING)], unique=True)

    def save_service(self, service: Service, overwrite: bool = False) -> Service:
        """Store a provider; a second one with the same name or URL is a conflict unless ``overwrite``."""
        doc = dict(service)
        if overwrite:
            self.collection.delete_many({"url": service.url, "name": {"$ne": service.name}})
            self.collection.replace_one({"name": service.name}, doc, upsert=True)
            return service
        try:
            self.collection.insert_one(doc)
        except pymongo.errors.DuplicateKeyError as exc:
            raise ServiceRegistrationError(
                f"Provider '{service.name}' or URL [{service.url}] is already registered.",
                cause={"name": service.name, "url": service.url}) from exc
        return service

    def fetch_by_name(self, name: str, visibility: Optional[bool] = None) -> Service:
        query = {"name": name}
        if visibility is not None:
            query["public"] = visibility
        doc = self.collection.find_one(query, {"_id": False})
        if not doc:
            raise ServiceNotFound(f"Provider '{name}' does not exist.",
                                  cause={"name": "provider_id", "in": "path", "value": name})
        return Service(doc)

    def list_services(self) -> List[Service]:
        return [Service(doc) for doc in self.collection.find({}, {"_id": False}).sort("name", pymongo.ASCENDING)]

    def delete_service(self, name: str) -> bool:
        return bool(self.collection.delete_one({"name": name}).deleted_count)

    def clear_services(self) -> None:
        self.collection.delete_many({})
