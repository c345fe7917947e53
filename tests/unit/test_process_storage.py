"""Process documents as stored: keys MongoDB forbids are encoded, and decoded when read back."""
from __future__ import annotations

from weaver.datatype import Process
from weaver.datatype.process import KEYS_ENCODED_FIELD


def _package_with_dollar_keys() -> dict:
    return {"cwlVersion": "v1.2", "class": "CommandLineTool", "$namespaces": {"edam": "http://edamontology.org/"},
            "inputs": {"a.b": {"type": "string"}}, "outputs": {}}


def test_keys_with_dollar_or_dot_survive_a_round_trip():
    process = Process(id="encoded", package=_package_with_dollar_keys())
    stored = process.params()
    assert stored[KEYS_ENCODED_FIELD] is True
    assert "%24namespaces" in stored["package"] and "a%2Eb" in stored["package"]["inputs"]
    assert Process.from_stored(dict(stored, _id="x")) == process


def test_plain_documents_are_marked_and_read_as_they_are():
    process = Process(id="plain", package={"class": "CommandLineTool", "inputs": {"x": {"type": "string"}}})
    stored = process.params()
    assert stored[KEYS_ENCODED_FIELD] is False
    read = Process.from_stored(stored)
    assert read == process and KEYS_ENCODED_FIELD not in read


def test_documents_stored_without_the_marker_are_decoded():
    process = Process(id="older", package=_package_with_dollar_keys())
    stored = process.params()
    del stored[KEYS_ENCODED_FIELD]
    assert Process.from_stored(stored)["package"]["$namespaces"] == {"edam": "http://edamontology.org/"}
