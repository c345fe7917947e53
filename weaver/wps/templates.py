"""One jinja2 Environment per process for pywps responses, so that each template is compiled once.

pywps builds a new Environment for every response it makes (``WPSResponse.__init__``), which throws away the
compiled templates: every status update of every job, and every DescribeProcess or GetCapabilities answer,
compiled the same XML templates again (about 5 ms each, three times per job). Responses made with the same
options now share one Environment and its template cache; the rendered documents are the same.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, Tuple

import pywps.response.basic as pywps_basic
from pywps.response import RelEnvironment

_ENVIRONMENTS: Dict[Tuple[Any, ...], RelEnvironment] = {}
_LOCK = threading.Lock()


def _key(options: Dict[str, Any]) -> Tuple[Any, ...]:
    loader = options.get("loader")
    loader_key = (type(loader).__name__, getattr(loader, "package_name", None),
                  getattr(loader, "package_path", None), getattr(loader, "searchpath", None) and
                  tuple(loader.searchpath))
    return (loader_key,) + tuple(sorted((name, value) for name, value in options.items() if name != "loader"))


def shared_environment(**options: Any) -> RelEnvironment:
    """The Environment made for these options the first time they were asked for (thread-safe)."""
    key = _key(options)
    env = _ENVIRONMENTS.get(key)
    if env is None:
        with _LOCK:
            env = _ENVIRONMENTS.get(key)
            if env is None:
                env = _ENVIRONMENTS[key] = RelEnvironment(**options)
    return env


def share_pywps_template_environments() -> None:
    """Make pywps responses take their Environment from :func:`shared_environment` (idempotent)."""
    pywps_basic.RelEnvironment = shared_environment
