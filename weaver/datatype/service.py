"""A remote WPS provider registered in weaver."""
from __future__ import annotations

from typing import Any


class Service(dict):
    """``{name, url, type, public, auth}``: a remote WPS service jobs may run on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pop("_id", None)
        if not self.get("name") or not self.get("url"):
            raise TypeError("Service requires 'name' and 'url'.")
        self.setdefault("type", "wps-remote")
        self.setdefault("public", False)
        self.setdefault("auth", "token")

    @property
    def id(self) -> str:
        return self["name"]

    @property
    def name(self) -> str:
        return self["name"]

    @property
    def url(self) -> str:
        return self["url"]
