"""Execution modes, responses, return preferences and the parsing of the ``Prefer`` header."""
from __future__ import annotations

import re
from enum import Enum
from typing import Dict, Iterable, List, Literal, Optional, Tuple, Union

from weaver.exceptions import InvalidParameterValue


class ExecuteMode(str, Enum):
    AUTO = "auto"
    ASYNC = "async"
    SYNC = "sync"

    def __str__(self) -> str:
        return self.value


class ExecuteControlOption(str, Enum):
    ASYNC = "async-execute"
    SYNC = "sync-execute"

    def __str__(self) -> str:
        return self.value


class ExecuteReturnPreference(str, Enum):
    MINIMAL = "minimal"
    REPRESENTATION = "representation"

    def __str__(self) -> str:
        return self.value


class ExecuteResponse(str, Enum):
    RAW = "raw"
    DOCUMENT = "document"

    def __str__(self) -> str:
        return self.value


class ExecuteTransmissionMode(str, Enum):
    VALUE = "value"
    REFERENCE = "reference"

    def __str__(self) -> str:
        return self.value


AnyExecuteMode = Union[ExecuteMode, Literal["auto", "async", "sync"]]
AnyExecuteControlOption = Union[ExecuteControlOption, Literal["async-execute", "sync-execute"]]
AnyExecuteResponse = Union[ExecuteResponse, Literal["raw", "document"]]
AnyExecuteReturnPreference = Union[ExecuteReturnPreference, Literal["minimal", "representation"]]

DEFAULT_CONTROL_OPTIONS = [ExecuteControlOption.ASYNC.value, ExecuteControlOption.SYNC.value]
# tokens sent by some clients that carry no preference (accepted and ignored)
_IGNORED_TOKENS = {"respond-sync", ""}


def parse_prefer_tokens(headers: Optional[Dict[str, str]]) -> Dict[str, List[str]]:
    """Split every ``Prefer`` header into ``{token: [values]}``, tolerating spaces, commas and semicolons."""
    prefer = ""
    for key, value in (headers or {}).items():
        if key.lower() == "prefer" and value:
            prefer = f"{prefer},{value}" if prefer else str(value)
    tokens: Dict[str, List[str]] = {}
    for part in re.split(r"[;,]", prefer):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.partition("=")
        tokens.setdefault(name.strip().lower(), []).append(value.strip().strip('"'))
    return tokens


def _parse_wait(values: List[str]) -> int:
    invalid = InvalidParameterValue(
        "HTTP Prefer header contains invalid 'wait' definition.",
        code="InvalidParameterValue", cause={"name": "Prefer", "in": "headers"},
    )
    if len(values) != 1 or not re.fullmatch(r"\d+", values[0]):
        raise invalid
    return int(values[0])


def parse_prefer_header_execute_mode(
    headers: Optional[Dict[str, str]],
    supported_modes: Optional[Iterable[AnyExecuteControlOption]] = None,
    wait_max: int = 10,
    return_auto: bool = False,
) -> Tuple[ExecuteMode, Optional[int], Dict[str, str]]:
    """Resolve ``(mode, wait, applied_preferences)`` from ``Prefer`` against the process control options.

    ``applied`` holds the ``Preference-Applied`` header when some preference was honoured.
    A malformed ``wait`` raises :class:`InvalidParameterValue` (400).
    """
    modes = [str(m) for m in (DEFAULT_CONTROL_OPTIONS if supported_modes is None else supported_modes)]
    tokens = parse_prefer_tokens(headers)
    if "wait" in tokens:
        # "wait=1,2,3" or "wait=1;2;3" split into bare numbers: one wait with a list value, which is invalid
        stray = [name for name in tokens if re.fullmatch(r"[\d.\s\"-]+", name)]
        wait: Optional[int] = _parse_wait(tokens["wait"] + stray)
    else:
        wait = None
    want_async = "respond-async" in tokens
    if not modes:
        return ExecuteMode.ASYNC, None, {}
    if len(modes) == 1:
        if modes[0] == ExecuteControlOption.ASYNC:
            applied = {"Preference-Applied": "respond-async"} if want_async else {}
            return ExecuteMode.ASYNC, None, applied
        sync_wait = wait_max if wait is None or wait > wait_max else wait
        applied = {"Preference-Applied": f"wait={wait}"} if wait is not None and wait <= wait_max else {}
        return ExecuteMode.SYNC, sync_wait, applied
    if want_async:
        return ExecuteMode.ASYNC, None, {"Preference-Applied": "respond-async"}
    if wait is not None:
        if wait > wait_max:
            return ExecuteMode.ASYNC, None, {}
        return ExecuteMode.SYNC, wait, {"Preference-Applied": f"wait={wait}"}
    if return_auto:
        return ExecuteMode.AUTO, None, {}
    return ExecuteMode.SYNC, wait_max, {}


def parse_prefer_return(headers: Optional[Dict[str, str]]) -> Optional[ExecuteReturnPreference]:
    """``return=minimal|representation`` from ``Prefer``, or None."""
    values = parse_prefer_tokens(headers).get("return")
    if not values:
        return None
    try:
        return ExecuteReturnPreference(values[-1].lower())
    except ValueError:
        return None
