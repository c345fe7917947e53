"""The foreground supervisor behind ``weaver start`` / ``weaver stop``.

One command gives a working service on a bare machine: it starts the embedded store and broker when the
configuration asks for them, the Celery workers and the web app, watches them, and takes them all down together
(web first, store last) on Ctrl-C, SIGTERM or the unexpected death of any of them.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import psutil

from weaver.config import EMBEDDED, Settings, get_settings
from weaver.runtime import embedded
from weaver.runtime.ini import read_section, server_address
from weaver.runtime.processes import ManagedProcess, port_is_free, port_owner

WATCH_INTERVAL = 0.5
STOP_TIMEOUT = 30


class ShutdownRequested(Exception):
    """Raised from the signal handler so that any wait in progress unwinds into the common cleanup."""


@dataclass(frozen=True)
class RuntimePaths:
    """Where the launcher keeps data, logs and its own state under ``weaver.data_dir``."""

    data_dir: str

    @property
    def db(self) -> str:
        return os.path.join(self.data_dir, "db")

    @property
    def broker(self) -> str:
        return os.path.join(self.data_dir, "broker")

    @property
    def logs(self) -> str:
        return os.path.join(self.data_dir, "logs")

    @property
    def run(self) -> str:
        return os.path.join(self.data_dir, "run")

    @property
    def pid_file(self) -> str:
        return os.path.join(self.run, "weaver.pid")

    @property
    def children_file(self) -> str:
        return os.path.join(self.run, "children.json")

    def log(self, name: str) -> str:
        return os.path.join(self.logs, f"{name}.log")

    def make(self) -> None:
        for path in (self.db, self.broker, self.logs, self.run):
            os.makedirs(path, exist_ok=True)


def load_settings(ini_path: str) -> Tuple[Settings, Dict[str, str]]:
    """Typed settings of ``[app:main]`` and the raw strings they came from."""
    raw = read_section(ini_path, "app:main")
    return get_settings(raw), raw


def is_embedded(raw: Dict[str, str], key: str) -> bool:
    """Whether ``key`` asks for the embedded server, judged on the value before it became a URL."""
    # same override rule as weaver.config.get_settings: WEAVER_SETTING_<KEY, dots as underscores>
    value = os.environ.get("WEAVER_SETTING_" + key.upper().replace(".", "_"), raw.get(key, ""))
    return value.strip() in ("", EMBEDDED)


def _say(message: str) -> None:
    print(f"weaver: {message}", flush=True)


def _complain(message: str) -> None:
    print(f"weaver: {message}", file=sys.stderr, flush=True)


# --- state files: the pid of the supervisor and of every child, so `stop` can finish the job of a dead one ---

def _identity(pid: int) -> Dict[str, Any]:
    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def _write_state(paths: RuntimePaths, children: List[ManagedProcess]) -> None:
    state = {"supervisor": _identity(os.getpid()),
             "children": [dict(_identity(child.pid), name=child.name) for child in children if child.alive]}
    tmp = paths.children_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=1)
    os.replace(tmp, paths.children_file)


def _read_state(paths: RuntimePaths) -> Dict[str, Any]:
    try:
        with open(paths.children_file, encoding="utf-8") as src:
            return json.load(src)
    except (OSError, ValueError):
        return {}


def _clear_state(paths: RuntimePaths) -> None:
    for path in (paths.pid_file, paths.children_file):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def _same_process(pid: int, started: Optional[float]) -> Optional[psutil.Process]:
    """The live process ``pid`` if it is still the one recorded (pids get reused), else ``None``."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        if started is not None and abs(proc.create_time() - started) > 1:
            return None
        return proc
    except psutil.Error:
        return None


def running_supervisor(paths: RuntimePaths) -> Optional[psutil.Process]:
    """The supervisor recorded in the run dir, if it is still alive."""
    try:
        with open(paths.pid_file, encoding="utf-8") as src:
            pid = int(src.read().strip())
    except (OSError, ValueError):
        return None
    recorded = _read_state(paths).get("supervisor", {})
    started = recorded.get("started") if recorded.get("pid") == pid else None
    proc = _same_process(pid, started)
    if proc is None or proc.pid == os.getpid():
        return None
    if started is None and not any("weaver" in part for part in _cmdline(proc)):
        return None
    return proc


def _cmdline(proc: psutil.Process) -> List[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def kill_leftovers(paths: RuntimePaths) -> int:
    """SIGKILL every process group of a recorded child that still exists; return how many processes died."""
    killed = 0
    for child in _read_state(paths).get("children", []):
        pgid, started = int(child["pid"]), float(child["started"])
        for proc in psutil.process_iter():
            try:
                if os.getpgid(proc.pid) == pgid and proc.create_time() >= started - 1:
                    proc.kill()
                    killed += 1
            except (psutil.Error, ProcessLookupError, PermissionError):
                continue
    return killed


# --- start ---

def _port_problems(settings: Settings, raw: Dict[str, str], ini_path: str) -> List[str]:
    """Every port the launcher is about to use that something else already holds."""
    wanted = []
    if is_embedded(raw, "mongodb.url"):
        wanted.append((embedded.LOOPBACK, settings["weaver.embedded.mongodb_port"],
                       "embedded store (weaver.embedded.mongodb_port)"))
    if is_embedded(raw, "celery.broker_url") or is_embedded(raw, "celery.result_backend"):
        wanted.append((embedded.LOOPBACK, settings["weaver.embedded.redis_port"],
                       "embedded broker (weaver.embedded.redis_port)"))
    host, port = server_address(ini_path)
    wanted.append((host, port, "web app ([server:main] listen)"))
    return [f"port {port} on {host} for the {what} is already in use by {port_owner(port)}; "
            f"stop it or choose another port in {ini_path}"
            for host, port, what in wanted if not port_is_free(host, port)]


def _start_all(settings: Settings, raw: Dict[str, str], ini_path: str, paths: RuntimePaths,
               children: List[ManagedProcess]) -> None:
    """Start store, broker, workers and web in that order, appending each to ``children`` once ready."""
    def started(proc: ManagedProcess, what: str) -> None:
        children.append(proc)
        _write_state(paths, children)
        _say(f"{proc.name} ready: {what} (pid {proc.pid}, log {proc.log_path})")

    if is_embedded(raw, "mongodb.url"):
        port = settings["weaver.embedded.mongodb_port"]
        started(embedded.start_store(paths.db, port, paths.log("store")), f"{settings['mongodb.url']} data {paths.db}")
    if is_embedded(raw, "celery.broker_url") or is_embedded(raw, "celery.result_backend"):
        port = settings["weaver.embedded.redis_port"]
        started(embedded.start_broker(paths.broker, port, paths.log("broker")), f"redis://127.0.0.1:{port}")
    workers, concurrency = settings["weaver.embedded.workers"], settings["weaver.embedded.worker_concurrency"]
    for index in range(1, workers + 1):
        name = f"worker-{index}" if workers > 1 else "worker"
        proc = embedded.start_worker(ini_path, concurrency, paths.log(name), name=name)
        started(proc, f"{concurrency} processes")
    host, port = server_address(ini_path)
    started(embedded.start_web(ini_path, paths.log("web")), f"listening on {host}:{port}")


def _watch(children: List[ManagedProcess]) -> int:
    """Wait for a signal; if a child dies first, say which one and why, and return non-zero."""
    while True:
        for child in children:
            if not child.alive:
                _complain(f"{child.describe_exit()}\nweaver: stopping everything")
                return 1
        time.sleep(WATCH_INTERVAL)


def _stop_all(children: List[ManagedProcess]) -> None:
    """Stop in reverse start order: web, workers, broker, store."""
    for child in reversed(children):
        if child.alive:
            _say(f"stopping {child.name} (pid {child.pid})")
        child.stop()


def _raise_shutdown(signum: int, _frame: Any) -> None:
    raise ShutdownRequested(signal.Signals(signum).name)


def run(ini_path: str) -> int:
    """Start everything the configuration asks for and supervise it in the foreground until told to stop."""
    try:
        settings, raw = load_settings(ini_path)
    except (OSError, ValueError) as exc:
        _complain(str(exc))
        return 2
    paths = RuntimePaths(settings["weaver.data_dir"])
    paths.make()
    other = running_supervisor(paths)
    if other is not None:
        _complain(f"already running (pid {other.pid}) with data in {paths.data_dir}; "
                  f"stop it first: weaver stop --ini {ini_path}")
        return 1
    kill_leftovers(paths)  # of a supervisor that was killed before it could clean up
    _clear_state(paths)
    problems = _port_problems(settings, raw, ini_path)
    if problems:
        for problem in problems:
            _complain(problem)
        return 1

    with open(paths.pid_file, "w", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\n")
    children: List[ManagedProcess] = []
    _write_state(paths, children)
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _raise_shutdown) for sig in handled}
    code = 1
    try:
        _say(f"data in {paths.data_dir}, logs in {paths.logs}")
        _start_all(settings, raw, ini_path, paths, children)
        _say(f"serving {settings.base_url} (Ctrl-C or `weaver stop --ini {ini_path}` to stop)")
        code = _watch(children)
    except ShutdownRequested as exc:
        _say(f"{exc} received, shutting down")
        code = 0
    except (RuntimeError, OSError) as exc:
        _complain(f"failed to start: {exc}")
        code = 1
    finally:
        for sig in handled:  # a second Ctrl-C must not interrupt the orderly stop
            signal.signal(sig, signal.SIG_IGN)
        try:
            _stop_all(children)
            _clear_state(paths)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    _say("stopped")
    return code


# --- stop ---

def _gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def stop(ini_path: str, timeout: float = STOP_TIMEOUT) -> int:
    """Ask the supervisor of this configuration to stop and make sure none of its children remain."""
    try:
        settings, _ = load_settings(ini_path)
    except (OSError, ValueError) as exc:
        _complain(str(exc))
        return 2
    paths = RuntimePaths(settings["weaver.data_dir"])
    supervisor = running_supervisor(paths)
    if supervisor is None:
        leftovers = kill_leftovers(paths)
        _clear_state(paths)
        _say("not running" + (f" (killed {leftovers} leftover processes)" if leftovers else ""))
        return 0
    _say(f"stopping supervisor (pid {supervisor.pid})")
    try:
        supervisor.terminate()
    except psutil.NoSuchProcess:
        pass
    deadline = time.monotonic() + timeout
    while not _gone(supervisor) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _gone(supervisor):
        _complain(f"supervisor did not stop within {timeout:g} s, killing it")
        try:
            supervisor.kill()
        except psutil.NoSuchProcess:
            pass
    leftovers = kill_leftovers(paths)
    if leftovers:
        _complain(f"killed {leftovers} leftover processes")
    _clear_state(paths)
    _say("stopped")
    return 0
