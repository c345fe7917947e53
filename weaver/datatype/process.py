"""The Process: an OGC process description plus what weaver needs to run it."""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

from weaver.execute import DEFAULT_CONTROL_OPTIONS
from weaver.visibility import Visibility

PROCESS_TYPE_BUILTIN = "builtin"
PROCESS_TYPE_APPLICATION = "application"
PROCESS_TYPE_WORKFLOW = "workflow"
PROCESS_TYPE_WPS_REMOTE = "wps-remote"
PROCESS_TYPE_OGCAPI = "ogcapi"
DESCRIPTION_FIELDS = ("id", "title", "description", "version", "keywords", "metadata", "jobControlOptions",
                      "outputTransmission", "inputs", "outputs")


def _encode_keys(value: Any) -> Any:
    """MongoDB forbids ``$`` and ``.`` in keys: encode them (``%24``, ``%2E``) recursively."""
    if isinstance(value, dict):
        return {str(k).replace("$", "%24").replace(".", "%2E"): _encode_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode_keys(v) for v in value]
    return value


def _decode_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).replace("%24", "$").replace("%2E", "."): _decode_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_keys(v) for v in value]
    return value


# stored beside the document: whether any key was encoded (else a read skips the walk of the whole description)
KEYS_ENCODED_FIELD = "keys_encoded"


class Process(dict):
    """A process definition. Requires ``id`` and ``package`` (its CWL document)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pop("_id", None)
        if "identifier" in self and "id" not in self:
            self["id"] = self.pop("identifier")
        self.pop("identifier", None)
        if not self.get("id"):
            raise TypeError("Process requires an 'id'.")
        if "package" not in self:
            raise TypeError("Process requires a 'package'.")
        self.setdefault("title", self["id"])
        self.setdefault("version", "1.0.0")
        self.setdefault("keywords", [])
        self.setdefault("inputs", {})
        self.setdefault("outputs", {})
        self.setdefault("jobControlOptions", list(DEFAULT_CONTROL_OPTIONS))
        self.setdefault("outputTransmission", ["value", "reference"])
        self.setdefault("type", PROCESS_TYPE_APPLICATION)
        self.setdefault("visibility", Visibility.PUBLIC.value)

    @property
    def id(self) -> str:
        return self["id"]

    @property
    def type(self) -> str:
        return self["type"]

    @property
    def version(self) -> str:
        return self["version"]

    @property
    def tag(self) -> str:
        return f"{self.id}:{self.version}"

    @property
    def visibility(self) -> str:
        return self["visibility"]

    @property
    def package(self) -> Dict[str, Any]:
        return self["package"]

    @property
    def inputs(self) -> Dict[str, Any]:
        return self["inputs"]

    @property
    def outputs(self) -> Dict[str, Any]:
        return self["outputs"]

    @property
    def job_control_options(self) -> List[str]:
        return list(self["jobControlOptions"])

    @property
    def service(self) -> Optional[str]:
        return self.get("service")

    @property
    def is_builtin(self) -> bool:
        return self.type == PROCESS_TYPE_BUILTIN

    @property
    def is_workflow(self) -> bool:
        return self.type == PROCESS_TYPE_WORKFLOW

    def description(self) -> Dict[str, Any]:
        """The OGC process description fields (without links)."""
        desc = {key: copy.deepcopy(self[key]) for key in DESCRIPTION_FIELDS if self.get(key) not in (None, "")}
        return desc

    def params(self) -> Dict[str, Any]:
        """The document as stored (``identifier`` is the unique key, keys encoded for MongoDB)."""
        plain = {key: value for key, value in self.items() if key != "id"}
        doc = _encode_keys(plain)
        doc[KEYS_ENCODED_FIELD] = doc != plain
        doc["identifier"] = self.id
        return doc

    @classmethod
    def from_stored(cls, doc: Dict[str, Any]) -> "Process":
        fields = {key: value for key, value in doc.items() if key not in ("_id", KEYS_ENCODED_FIELD)}
        # documents stored without the marker may hold encoded keys
        return cls(_decode_keys(fields) if doc.get(KEYS_ENCODED_FIELD, True) else fields)

    def __str__(self) -> str:
        return f"Process <{self.id}>"
