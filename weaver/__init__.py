"""weaver: an OGC API - Processes and WPS execution server."""
from typing import Any, Dict

__version__ = "0.1.0"


def main(global_config: Dict[str, Any], **settings: Any) -> Any:
    """WSGI application factory used by ``pserve`` and by the Celery worker's ``--ini`` bootstrap."""
    from weaver.app import make_app  # keeps ``import weaver`` light for tools that only need the version

    return make_app(global_config, settings)
