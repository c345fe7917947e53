"""Assembly of the Pyramid application: one function builds it for pserve, the worker and the tests."""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Dict, Mapping

from pyramid.config import Configurator
from pyramid_celery import celery_app

from weaver.config import get_settings
from weaver.database import get_db
from weaver.processes import execution  # noqa: F401  # registers the Celery task on the shared app
from weaver.processes.registration import register_builtin_processes
from weaver.processes.remote.preload import register_from_config_file
from weaver.tasks import apply_weaver_celery_settings

LOGGER = logging.getLogger(__name__)


def is_celery_worker() -> bool:
    return os.path.basename(sys.argv[0] if sys.argv else "") == "celery"


def make_app(global_config: Mapping[str, Any], raw_settings: Dict[str, Any]) -> Any:
    """Build the WSGI app: settings, database, Celery, REST API, WPS endpoint and output files."""
    settings = get_settings(raw_settings)
    settings["weaver.celery"] = is_celery_worker()
    config = Configurator(settings=settings)
    config.include("pyramid_celery")
    ini_file = global_config.get("__file__")
    if ini_file:
        config.configure_celery(ini_file)
    apply_weaver_celery_settings(settings)
    celery_app.conf.update({"PYRAMID_REGISTRY": config.registry})
    database = get_db(settings)
    database.create_indexes()
    register_builtin_processes(database.processes, settings)
    register_from_config_file(database, settings)
    config.include("cornice")
    config.commit()  # cornice's own error views first, so that weaver's below replace them
    config.include("weaver.wps_restapi")
    if settings["weaver.wps"]:
        config.include("weaver.wps.routes")
    config.include("weaver.wps_restapi.outputs")
    config.include("weaver.wps_restapi.errors")
    return config.make_wsgi_app()
