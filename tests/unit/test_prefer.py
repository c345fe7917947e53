"""Prefer header parsing: modes, waits and what is applied, against the process job control options."""
import pytest

from weaver.exceptions import InvalidParameterValue
from weaver.execute import (
    ExecuteMode,
    ExecuteReturnPreference,
    parse_prefer_header_execute_mode,
    parse_prefer_return,
    parse_prefer_tokens,
)

BOTH = ["async-execute", "sync-execute"]


def _parse(prefer, modes=BOTH, wait_max=10, return_auto=False):
    headers = {"Prefer": prefer} if prefer is not None else {}
    return parse_prefer_header_execute_mode(headers, modes, wait_max, return_auto=return_auto)


def test_tokens_tolerate_spaces_commas_semicolons_and_quotes():
    tokens = parse_prefer_tokens({"prefer": ' respond-async ;  return = "minimal" , wait=3'})
    assert tokens == {"respond-async": [""], "return": ["minimal"], "wait": ["3"]}


def test_several_prefer_headers_are_merged():
    assert parse_prefer_tokens({"Prefer": "wait=3", "PREFER": "return=minimal"}) == {
        "wait": ["3"], "return": ["minimal"]}


@pytest.mark.parametrize("prefer, expected", [
    (None, (ExecuteMode.SYNC, 10, {})),
    ("", (ExecuteMode.SYNC, 10, {})),
    ("respond-async", (ExecuteMode.ASYNC, None, {"Preference-Applied": "respond-async"})),
    ("wait=4", (ExecuteMode.SYNC, 4, {"Preference-Applied": "wait=4"})),
    ("wait=0", (ExecuteMode.SYNC, 0, {"Preference-Applied": "wait=0"})),
    ("respond-async, wait=4", (ExecuteMode.ASYNC, None, {"Preference-Applied": "respond-async"})),
    ("wait=11", (ExecuteMode.ASYNC, None, {})),
    ("respond-sync", (ExecuteMode.SYNC, 10, {})),
    ("return=minimal", (ExecuteMode.SYNC, 10, {})),
])
def test_both_modes(prefer, expected):
    assert _parse(prefer) == expected


def test_return_auto_when_nothing_decides():
    assert _parse(None, return_auto=True) == (ExecuteMode.AUTO, None, {})
    assert _parse("return=representation", return_auto=True) == (ExecuteMode.AUTO, None, {})
    assert _parse("wait=2", return_auto=True) == (ExecuteMode.SYNC, 2, {"Preference-Applied": "wait=2"})


@pytest.mark.parametrize("prefer, expected", [
    (None, (ExecuteMode.ASYNC, None, {})),
    ("respond-async", (ExecuteMode.ASYNC, None, {"Preference-Applied": "respond-async"})),
    ("wait=4", (ExecuteMode.ASYNC, None, {})),
])
def test_async_only_process(prefer, expected):
    assert _parse(prefer, modes=["async-execute"]) == expected


@pytest.mark.parametrize("prefer, expected", [
    (None, (ExecuteMode.SYNC, 10, {})),
    ("respond-async", (ExecuteMode.SYNC, 10, {})),
    ("wait=4", (ExecuteMode.SYNC, 4, {"Preference-Applied": "wait=4"})),
    ("wait=40", (ExecuteMode.SYNC, 10, {})),
])
def test_sync_only_process(prefer, expected):
    assert _parse(prefer, modes=["sync-execute"]) == expected


def test_no_control_options_is_async():
    assert _parse("wait=3", modes=[]) == (ExecuteMode.ASYNC, None, {})


@pytest.mark.parametrize("prefer", ["wait=10s", "wait=3.1416", "wait=yes", "wait=1,2,3", "wait=1;2;3",
                                    "wait=1, wait=2", "wait=", "wait=-2"])
def test_malformed_wait(prefer):
    with pytest.raises(InvalidParameterValue) as error:
        _parse(prefer)
    assert error.value.status == 400
    assert error.value.json()["description"] == "HTTP Prefer header contains invalid 'wait' definition."


@pytest.mark.parametrize("prefer, expected", [
    ("return=minimal", ExecuteReturnPreference.MINIMAL),
    ("respond-async; return=Representation", ExecuteReturnPreference.REPRESENTATION),
    ("return=other", None),
    ("respond-async", None),
])
def test_return_preference(prefer, expected):
    assert parse_prefer_return({"Prefer": prefer}) == expected
