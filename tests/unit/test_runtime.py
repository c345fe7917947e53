"""The runtime starts real servers: these tests run them and talk to them, with nothing mocked."""
from __future__ import annotations

import os
import signal
import socket
import time

import psutil
import pymongo
import pytest
import redis

from weaver.runtime import launcher
from weaver.runtime.embedded import start_broker, start_store
from weaver.runtime.processes import ManagedProcess, free_port, port_is_free, wait_for_port

pytestmark = pytest.mark.timeout(120)


def _gone(pid: int, within: float = 5) -> bool:
    """Whether ``pid`` has exited (a zombie has) by the end of ``within`` seconds: signals land asynchronously."""
    deadline = time.monotonic() + within
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_free_port_is_bindable():
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert not port_is_free("127.0.0.1", port)
    assert port_is_free("127.0.0.1", port)


def test_store_round_trip_then_stop(tmp_path):
    port = free_port()
    store = start_store(":memory:", port, str(tmp_path / "store.log"))
    try:
        assert store.alive
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", directConnection=True,
                                     serverSelectionTimeoutMS=5000)
        try:
            jobs = client["weaver-test"]["jobs"]
            inserted = jobs.insert_one({"status": "accepted", "inputs": [{"id": "x", "value": 1}]})
            found = jobs.find_one({"_id": inserted.inserted_id})
            assert found["status"] == "accepted"
            assert found["inputs"] == [{"id": "x", "value": 1}]
        finally:
            client.close()
    finally:
        store.stop()
    assert not store.alive
    assert _gone(store.pid)
    assert port_is_free("127.0.0.1", port)


def test_store_keeps_data_across_restart(tmp_path):
    port, storage, log = free_port(), str(tmp_path / "db"), str(tmp_path / "store.log")
    store = start_store(storage, port, log)
    try:
        with pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", directConnection=True) as client:
            client.weaver.jobs.insert_one({"_id": "job-1", "status": "running"})
    finally:
        store.stop()
    store = start_store(storage, port, log)
    try:
        with pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", directConnection=True) as client:
            assert client.weaver.jobs.find_one({"_id": "job-1"})["status"] == "running"
    finally:
        store.stop()


def test_broker_ping_then_stop(tmp_path):
    port = free_port()
    broker = start_broker(str(tmp_path / "broker"), port, str(tmp_path / "broker.log"))
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        try:
            assert client.ping() is True
            client.rpush("queue", "job")
            assert client.lpop("queue") == b"job"
        finally:
            client.close()
    finally:
        broker.stop()
    assert not broker.alive
    assert _gone(broker.pid)
    assert os.path.exists(tmp_path / "broker")


def test_wait_for_port_reports_child_exit_with_log(tmp_path):
    log = tmp_path / "child.log"
    child = ManagedProcess.start("fails", ["sh", "-c", "echo cannot bind; exit 3"], str(log))
    with pytest.raises(RuntimeError, match=r"(?s)fails.*code 3.*cannot bind"):
        wait_for_port("127.0.0.1", free_port(), timeout=10, proc=child)


def test_stop_kills_the_whole_group(tmp_path):
    child = ManagedProcess.start("sleeper", ["sh", "-c", "sleep 60 & sleep 60; wait"], str(tmp_path / "s.log"))
    time.sleep(0.3)
    members = psutil.Process(child.pid).children(recursive=True)
    assert members
    child.stop(timeout=5)
    assert all(_gone(member.pid) for member in members)


def test_stop_escalates_to_sigkill(tmp_path):
    child = ManagedProcess.start("stubborn", ["sh", "-c", "trap '' TERM; sleep 60"], str(tmp_path / "s.log"))
    time.sleep(0.3)
    started = time.monotonic()
    assert child.stop(timeout=1) == -signal.SIGKILL
    assert time.monotonic() - started < 10


def test_stop_when_not_running(tmp_path, capsys):
    ini = tmp_path / "weaver.ini"
    ini.write_text("[app:main]\nuse = egg:weaver\nweaver.data_dir = %(here)s/var\n"
                   "[server:main]\nuse = egg:waitress#main\nlisten = localhost:4001\n")
    assert launcher.stop(str(ini)) == 0
    assert "not running" in capsys.readouterr().out
