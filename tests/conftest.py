"""Session fixtures: the real embedded store and broker, a real Celery worker and the app served over HTTP.

Everything runs on 127.0.0.1 on free ports, in a temporary directory, and is stopped at the end of the session.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional

import pymongo
import pytest
import requests

from weaver.runtime.embedded import start_broker, start_store, start_web, start_worker
from weaver.runtime.instance_ini import instance_settings, write_instance_ini
from weaver.runtime.processes import ManagedProcess, free_port

DB_NAME = "weaver-test"


@dataclass
class WeaverServer:
    """What tests need of the running service."""

    url: str
    ini_path: str
    data_dir: str
    mongodb_url: str
    broker_url: str

    @property
    def output_dir(self) -> str:
        return os.path.join(self.data_dir, "wps-outputs")

    def db(self) -> pymongo.database.Database:
        return pymongo.MongoClient(self.mongodb_url, tz_aware=True)[DB_NAME]

    def wait_job(self, location: str, statuses: tuple = ("successful", "failed", "dismissed"),
                 timeout: float = 30) -> Dict[str, Any]:
        """Poll a job status URL until it reaches one of ``statuses``."""
        return wait_job_status(location, statuses, timeout)


def wait_job_status(location: str, statuses: tuple, timeout: float = 30) -> Dict[str, Any]:
    """Poll a job status URL until it reaches one of ``statuses`` (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    body: Dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = requests.get(location, timeout=10).json()
        if body.get("status") in statuses:
            return body
        time.sleep(0.05)
    raise AssertionError(f"job at {location} did not reach {statuses} in {timeout}s: {body}")


def write_test_ini(path: str, web_port: int, data_dir: str, mongodb_url: str, broker_url: str,
                   extra: Optional[Dict[str, str]] = None) -> None:
    app_settings = instance_settings("127.0.0.1", web_port, data_dir, mongodb_url, DB_NAME, broker_url, {
        "weaver.execute_sync_max_wait": "10",
        "weaver.allowed_input_paths": os.path.join(data_dir, "inputs"),
        # orphaned jobs (worker killed) are found within seconds; notification emails go to a local SMTP port
        "weaver.job_reaper_interval": "2",
        "weaver.job_heartbeat_interval": "1",
        "weaver.wps_email_notify_smtp_host": "127.0.0.1",
        "weaver.wps_email_notify_port": str(free_port()),
        "weaver.wps_email_notify_ssl": "false",
        "weaver.notify_callback_backoff": "0.2",
        # a nested process input left queued (both worker slots busy) fails its parent within seconds
        "weaver.nested_process_queue_wait": "6",
        "weaver.wps_email_notify_template_dir": os.path.join(data_dir, "email-templates"),
    })
    app_settings.update(extra or {})
    write_instance_ini(path, app_settings, listen=f"127.0.0.1:{web_port}")


@pytest.fixture(scope="session")
def weaver_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeaverServer]:
    """The whole service on the embedded default: store, broker, one worker (2 processes) and the web app."""
    root = str(tmp_path_factory.mktemp("weaver"))
    logs = os.path.join(root, "logs")
    os.makedirs(logs)
    os.makedirs(os.path.join(root, "inputs"))
    children: list[ManagedProcess] = []
    try:
        store_port, broker_port, web_port = free_port(), free_port(), free_port()
        children.append(start_store(":memory:", store_port, os.path.join(logs, "store.log")))
        children.append(start_broker(os.path.join(root, "broker"), broker_port, os.path.join(logs, "broker.log")))
        mongodb_url = f"mongodb://127.0.0.1:{store_port}/"
        broker_url = f"redis://127.0.0.1:{broker_port}/0"
        ini_path = os.path.join(root, "weaver.ini")
        write_test_ini(ini_path, web_port, root, mongodb_url, broker_url)
        children.append(start_worker(ini_path, 2, os.path.join(logs, "worker.log")))
        children.append(start_web(ini_path, os.path.join(logs, "web.log")))
        yield WeaverServer(f"http://127.0.0.1:{web_port}", ini_path, root, mongodb_url, broker_url)
    finally:
        for child in reversed(children):
            child.stop()


@pytest.fixture()
def server(weaver_server: WeaverServer) -> WeaverServer:
    return weaver_server


@pytest.fixture()
def submit(server: WeaverServer) -> Callable[..., requests.Response]:
    """POST an execute request for a process, JSON by default."""

    def _submit(process_id: str, body: Any, headers: Optional[Dict[str, str]] = None,
                path: str = "execution") -> requests.Response:
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return requests.post(f"{server.url}/processes/{process_id}/{path}", json=body, headers=all_headers,
                             timeout=60)

    return _submit
