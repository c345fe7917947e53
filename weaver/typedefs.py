"""Type aliases named in the public API."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple, Union

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request
    from pyramid.response import Response

    from weaver.datatype import Process, Service

JSON = Dict[str, Any]
Number = Union[int, float]
AnyValueType = Union[str, int, float, bool, None]
SettingsType = Mapping[str, Any]
HeadersType = Dict[str, str]
HeaderCookiesType = Union[Dict[str, str], List[Tuple[str, str]]]
AnyHeadersContainer = Union[Mapping[str, str], List[Tuple[str, str]], None]
AnySettingsContainer = Union["Registry", "Request", SettingsType]
AnyDatabaseContainer = Union["Registry", "Request", SettingsType]
AnyViewResponse = Union["Response", JSON]
AnyResponseType = Union["Response", JSON]
AnyServiceRef = Union[str, "Service"]
AnyProcessRef = Union[str, "Process"]
ProcessExecution = JSON
JobValueBbox = Dict[str, Any]
Statistics = Dict[str, Any]


class UpdateStatusPartialFunction(Protocol):
    def __call__(self, message: str, progress: Optional[Number] = None, status: Optional[str] = None,
                 **kwargs: Any) -> None: ...


UpdateStatusFunction = Callable[..., Any]
