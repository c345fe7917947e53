"""Celery wiring: one configuration for the web app and the worker, and a task base with settings access.

The broker and result URLs are weaver settings (``celery.broker_url``, ``celery.result_backend``, which may be
``embedded``); the ini's ``[celery]`` section holds Celery's own tuning. pyramid_celery loads the ``[celery]``
section, then :func:`apply_weaver_celery_settings` applies the resolved URLs and the safety defaults.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping

from celery import Task, signals
from pyramid.registry import Registry
from pyramid_celery import celery_app

from weaver.config import Settings, get_settings

CELERY_SAFE_DEFAULTS: Dict[str, Any] = {
    "task_serializer": "json",
    "result_serializer": "json",
    "accept_content": ["json"],
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "result_expires": 86400,
    "broker_connection_retry_on_startup": True,
    "broker_transport_options": {"visibility_timeout": 43200},
    "worker_hijack_root_logger": False,
    "task_track_started": False,
    "broker_connection_timeout": 5,
    "redis_socket_connect_timeout": 5,
}


def apply_weaver_celery_settings(settings: Mapping[str, Any]) -> None:
    """Apply the resolved broker/result URLs and json-only serialization on the shared Celery app."""
    settings = get_settings(settings)
    celery_app.conf.add_defaults(CELERY_SAFE_DEFAULTS)  # below the ini's [celery] values, above Celery's own
    celery_app.conf.update({
        "broker_url": settings["celery.broker_url"],
        "result_backend": settings["celery.result_backend"],
        "accept_content": ["json"],  # never pickle, whatever the ini says
        "task_serializer": "json",
        "result_serializer": "json",
    })


@signals.celeryd_init.connect
def _on_worker_init(**_: Any) -> None:
    """The worker CLI loaded the ini through pyramid_celery: re-apply weaver's URLs on top of it."""
    registry = celery_app.conf.get("PYRAMID_REGISTRY")
    if registry is not None:
        apply_weaver_celery_settings(registry.settings)


class WeaverTask(Task):
    """Task base giving tasks what views have: the registry and typed settings."""

    @property
    def registry(self) -> Registry:
        registry = self.app.conf.get("PYRAMID_REGISTRY")
        if registry is None:
            raise RuntimeError("Celery worker was started without a Pyramid registry (use --ini).")
        return registry

    @property
    def settings(self) -> Settings:
        return get_settings(self.registry.settings)
