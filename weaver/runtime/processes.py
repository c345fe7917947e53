"""Child processes owned by the launcher: start them isolated, wait for them, stop them for sure.

Each child runs in its own session (so a Ctrl-C in the terminal reaches only the supervisor, which then stops
the children in a chosen order) and asks the kernel to signal it when the supervisor dies (so no child outlives
its parent, even when the supervisor is killed without a chance to clean up).
"""
from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Callable, Mapping, Optional, Sequence

import psutil

_PR_SET_PDEATHSIG = 1
# the C library's symbols, loaded before any fork so that the child only makes a plain call
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel just handed out as free; good enough for tests and throwaway servers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (every address the host name resolves to)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    for family, kind, proto, _, address in infos:
        try:
            sock = socket.socket(family, kind, proto)
        except OSError:  # e.g. IPv6 disabled: a server would skip that address too
            continue
        with sock:
            # same option servers use, so that sockets left in TIME_WAIT by a previous run do not count as taken
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    return False
    return True


def port_owner(port: int) -> str:
    """Best-effort ``pid N (name)`` of the process listening on ``port``, for error messages."""
    try:
        for conn in psutil.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
    except (psutil.Error, OSError):
        pass
    return "another program"


def _death_signal_setter(sig: int, parent_pid: int) -> Callable[[], None]:
    """Return a ``preexec_fn`` asking Linux to send ``sig`` to the child when its parent dies."""

    def _set() -> None:
        if _LIBC is None:
            return
        _LIBC.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before the request took effect
            os._exit(1)

    return _set


class ManagedProcess:
    """A named child process with its own process group and log file."""

    def __init__(self, name: str, popen: subprocess.Popen, log_path: str, log_offset: int = 0) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self.log_offset = log_offset  # where this run's output starts in an appended log

    @classmethod
    def start(cls, name: str, argv: Sequence[str], log_path: str, *, env: Optional[Mapping[str, str]] = None,
              cwd: Optional[str] = None, death_signal: int = signal.SIGTERM) -> "ManagedProcess":
        """Start ``argv`` with stdout and stderr appended to ``log_path``."""
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        with open(log_path, "ab") as log:
            offset = log.tell()
            popen = subprocess.Popen(  # argv is built by the launcher, never from user input
                list(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None, cwd=cwd, start_new_session=True,
                # the launcher starts children from its main thread only, where preexec_fn is safe
                preexec_fn=_death_signal_setter(death_signal, os.getpid()),
            )
        return cls(name, popen, log_path, offset)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    @property
    def returncode(self) -> Optional[int]:
        return self.popen.poll()

    def log_text(self) -> str:
        """What this run wrote to its log so far."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_offset)
                return log.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"(log {self.log_path} unreadable: {exc})"

    def log_tail(self, lines: int = 30) -> str:
        """Last lines this run wrote to its log, to explain a failure."""
        return "\n".join(self.log_text().rstrip().splitlines()[-lines:])

    def describe_exit(self) -> str:
        """One paragraph saying that the child exited, with which code, and the end of its log."""
        return (f"{self.name} (pid {self.pid}) exited with code {self.returncode}; "
                f"last lines of {self.log_path}:\n{self.log_tail()}")

    def stop(self, timeout: float = 10) -> Optional[int]:
        """SIGTERM the whole group, SIGKILL it after ``timeout`` seconds; return the exit code."""
        if self.alive:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.popen.wait()
        # grandchildren (e.g. a worker's pool) may have stayed behind their leader: none must survive it
        _signal_group(self.pid, signal.SIGKILL)
        return self.popen.returncode

    def __repr__(self) -> str:
        state = "alive" if self.alive else f"exited {self.returncode}"
        return f"<ManagedProcess {self.name} pid={self.pid} {state}>"


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_for_port(host: str, port: int, timeout: float, proc: Optional[ManagedProcess] = None) -> None:
    """Block until something accepts TCP connections on ``host:port``.

    Raises ``RuntimeError`` (with the end of the child's log) if ``proc`` exits first or ``timeout`` passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        check_alive(proc)
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise RuntimeError(_timeout_message(f"nothing listens on {host}:{port}", timeout, proc))
        time.sleep(0.1)


def check_alive(proc: Optional[ManagedProcess]) -> None:
    """Raise ``RuntimeError`` explaining the exit when ``proc`` has already exited."""
    if proc is not None and not proc.alive:
        raise RuntimeError(proc.describe_exit())


def _timeout_message(what: str, timeout: float, proc: Optional[ManagedProcess]) -> str:
    if proc is None:
        return f"{what} after {timeout:g} s"
    return f"{proc.name} (pid {proc.pid}) not ready: {what} after {timeout:g} s; " \
           f"last lines of {proc.log_path}:\n{proc.log_tail()}"


def wait_until(check: Callable[[], bool], timeout: float, proc: ManagedProcess, what: str,
               interval: float = 0.2) -> None:
    """Poll ``check()`` until true; fail like :func:`wait_for_port` when ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        check_alive(proc)
        if check():
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(_timeout_message(what, timeout, proc))
        time.sleep(interval)
