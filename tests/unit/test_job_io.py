"""Normal forms of execute inputs/outputs, and the parsing of KVP execution parameters."""
import pytest

from weaver.exceptions import InvalidParameterValue, WeaverError
from weaver.processes.execution.kvp import kvp_execution_request, parse_kvp_inputs_outputs, parse_kvp_value
from weaver.processes.job_io import input_value_kind, normalize_inputs, normalize_outputs, unwrap_value, \
    value_media_type


def test_mapping_inputs_become_lists():
    assert normalize_inputs({"a": 1, "b": [1, 2], "c": {"value": "x"}}) == {
        "a": [1], "b": [1, 2], "c": [{"value": "x"}]}


def test_listing_inputs_group_by_id_and_unwrap_plain_values():
    listing = [{"id": "a", "value": 1}, {"id": "a", "data": 2}, {"id": "b", "href": "http://x/y", "type": "t"},
               {"id": "c", "value": {"bbox": [1, 2, 3, 4]}}, {"id": "d", "value": {"k": 1}},
               {"id": "e", "value": "v", "mediaType": "text/plain"}]
    assert normalize_inputs(listing) == {
        "a": [1, 2], "b": [{"href": "http://x/y", "type": "t"}], "c": [{"bbox": [1, 2, 3, 4]}],
        "d": [{"value": {"k": 1}}], "e": [{"value": "v", "mediaType": "text/plain"}]}


@pytest.mark.parametrize("empty", [None, {}, []])
def test_empty_inputs_and_outputs(empty):
    assert normalize_inputs(empty) == {}
    assert normalize_outputs(empty) is None


def test_outputs_in_both_forms():
    assert normalize_outputs({"o": {"transmissionMode": "value"}, "p": None}) == {
        "o": {"transmissionMode": "value"}, "p": {}}
    assert normalize_outputs([{"id": "o", "format": {"mediaType": "a/b"}}]) == {"o": {"format": {"mediaType": "a/b"}}}


@pytest.mark.parametrize("value, kind", [
    ("x", "literal"), (1, "literal"), ({"href": "h"}, "href"), ({"reference": "h"}, "href"),
    ({"bbox": [1, 2, 3, 4]}, "bbox"), ({"process": "p"}, "process"), ({"collection": "c"}, "collection"),
    ({"value": 1}, "value"), ({"data": 1}, "value"), ({"k": 1}, "object"),
])
def test_input_value_kind(value, kind):
    assert input_value_kind(value) == kind


def test_unwrap_and_media_type():
    assert unwrap_value({"value": 3}) == 3
    assert unwrap_value({"measure": 2, "uom": "m"}) == 2
    assert unwrap_value(5) == 5
    assert value_media_type({"href": "h", "type": "a/b"}) == "a/b"
    assert value_media_type({"value": "v", "format": {"mediaType": "c/d"}}) == "c/d"
    assert value_media_type("plain") is None


@pytest.mark.parametrize("text, value", [
    ("abc", "abc"), ("12", 12), ("-3", -3), ("2.5", 2.5), ("1e3", 1000.0), ("1,2,3", [1, 2, 3]),
    ("1,2.5", [1.0, 2.5]), ("a,b", ["a", "b"]), ('{"k": [1]}', {"k": [1]}), ("[1, 2]", [1, 2]), ("", ""),
    ("{not", "{not"),
])
def test_kvp_values(text, value):
    assert parse_kvp_value(text) == value


def test_kvp_invalid_json_value():
    with pytest.raises(ValueError):
        parse_kvp_value("{bad}")


def test_kvp_inputs_outputs_and_reserved():
    body, reserved = parse_kvp_inputs_outputs([
        ("s", "x"), ("n", "1"), ("n", "2"), ("box", "1,2,3,4"), ("box[crs]", "EPSG:4326"),
        ("file[href]", "http://h/f.json"), ("file[type]", "application/json"), ("q", "v"), ("q[mediaType]", "text/plain"),
        ("o[include]", "true"), ("o[mediaType]", "application/json"), ("p[include]", "false"),
        ("response", "raw"), ("Prefer", "respond-async"), ("response[f]", "json"), ("version", "1.0.0"),
    ])
    assert body == {
        "inputs": {"s": "x", "n": [1, 2], "box": {"bbox": [1.0, 2.0, 3.0, 4.0], "crs": "EPSG:4326"},
                   "file": {"href": "http://h/f.json", "type": "application/json"},
                   "q": {"value": "v", "mediaType": "text/plain"}},
        "outputs": {"o": {"format": {"mediaType": "application/json"}}},
    }
    assert reserved == {"response": "raw", "prefer": "respond-async", "response[f]": "json", "version": "1.0.0"}


@pytest.mark.parametrize("params", [
    [("x[unknown]", "1")], [("bbox", "1,2,3")], [("b[crs]", "EPSG:4326")], [("a]b", "1")], [("x", "[1,]")],
])
def test_kvp_parse_errors(params):
    with pytest.raises(ValueError):
        parse_kvp_inputs_outputs(params)


def test_kvp_request_overrides_headers():
    body, headers = kvp_execution_request(
        [("s", "x"), ("f", "json"), ("prefer", "respond-async"), ("profile", "p"), ("response", "document")],
        {"accept": "text/html", "Prefer": "wait=3"})
    assert body == {"inputs": {"s": "x"}, "response": "document"}
    assert headers == {"Accept": "application/json", "Prefer": "respond-async", "Accept-Profile": "p"}


def test_kvp_request_errors():
    with pytest.raises(InvalidParameterValue) as error:
        kvp_execution_request([("x[bad]", "1")], {})
    assert error.value.status == 400 and error.value.title == "Invalid KVP parameters"
    with pytest.raises(WeaverError) as error:
        kvp_execution_request([("response", "collection")], {})
    assert error.value.status == 501
