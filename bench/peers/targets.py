"""pygeoapi and a standalone pywps server, each served by gunicorn from its own virtual environment."""
from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from typing import Dict, Optional

import requests

from bench.common import LOOPBACK
from bench.peers.venvs import venv_bin
from weaver.runtime.processes import ManagedProcess, free_port, wait_for_port

HERE = os.path.dirname(os.path.abspath(__file__))
# both peers get what a 2-core machine would give them: two gunicorn processes of four threads each
GUNICORN_OPTIONS = ["--workers", "2", "--threads", "4", "--timeout", "120", "--log-level", "warning"]
STATUS_LOCATION = re.compile(r'statusLocation="([^"]+)"')


class _GunicornTarget:
    name = ""

    def __init__(self, root: str, cache_dir: str) -> None:
        self.root = os.path.join(root, self.name)
        self.cache_dir = cache_dir
        self.port = 0
        self.url = ""
        self.proc: Optional[ManagedProcess] = None

    gunicorn_options = GUNICORN_OPTIONS

    def _serve(self, app: str, env: Dict[str, str]) -> None:
        """Run ``app`` under gunicorn on ``self.port`` (chosen by ``start``, since the config names it)."""
        argv = [venv_bin(self.cache_dir, self.name, "gunicorn"), *self.gunicorn_options,
                "--bind", f"{LOOPBACK}:{self.port}", app]
        child_env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        child_env.update(env)
        self.proc = ManagedProcess.start(self.name, argv, os.path.join(self.root, "logs", "gunicorn.log"),
                                         env=child_env, cwd=self.root)
        try:
            wait_for_port(LOOPBACK, self.port, 60, self.proc)
        except BaseException:
            self.stop()
            raise
        self.url = f"http://{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def pids(self) -> Dict[str, int]:
        """One gunicorn tree both answers HTTP and runs the jobs."""
        return {"web": self.proc.pid} if self.proc else {}

    def cpu_pids(self) -> Dict[str, int]:
        return self.pids()

    def log_dir(self) -> str:
        return os.path.join(self.root, "logs")


class PygeoapiTarget(_GunicornTarget):
    """pygeoapi with its TinyDB process manager and its hello-world process."""

    name = "pygeoapi"

    def start(self) -> None:
        os.makedirs(os.path.join(self.root, "logs"), exist_ok=True)
        os.makedirs(os.path.join(self.root, "outputs"), exist_ok=True)
        self.port = free_port()
        self.db_path = os.path.join(self.root, "jobs.tinydb.json")
        config = {
            "server": {
                "bind": {"host": LOOPBACK, "port": self.port}, "url": f"http://{LOOPBACK}:{self.port}",
                "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                "pretty_print": False, "limits": {"default_items": 10, "max_items": 50},
                "map": {"url": "https://tile.example.org/{z}/{x}/{y}.png", "attribution": "none"},
                "manager": {"name": "TinyDB", "connection": self.db_path,
                            "output_dir": os.path.join(self.root, "outputs")},
            },
            "logging": {"level": "ERROR"},
            "metadata": {
                "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                   "keywords_type": "theme", "terms_of_service": "https://example.org",
                                   "url": "https://example.org"},
                "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                "provider": {"name": "bench", "url": "https://example.org"},
                "contact": {"name": "bench", "email": "bench@example.org", "url": "https://example.org",
                            "role": "pointOfContact"},
            },
            "resources": {"hello-world": {"type": "process", "processor": {"name": "HelloWorld"}}},
        }
        config_path = os.path.join(self.root, "pygeoapi-config.yml")
        openapi_path = os.path.join(self.root, "pygeoapi-openapi.yml")
        with open(config_path, "w", encoding="utf-8") as file:
            json.dump(config, file, indent=1)  # JSON is YAML
        env = {"PYGEOAPI_CONFIG": config_path, "PYGEOAPI_OPENAPI": openapi_path}
        with open(os.path.join(self.root, "logs", "openapi.log"), "w", encoding="utf-8") as log:
            subprocess.run([venv_bin(self.cache_dir, self.name, "pygeoapi"), "openapi", "generate", config_path,
                            "--output-file", openapi_path], check=True, stdout=log, stderr=subprocess.STDOUT,
                           env={**os.environ, **env}, cwd=self.root, timeout=120)
        self._serve("pygeoapi.flask_app:APP", env)

    def sync_rest(self, session: requests.Session) -> None:
        resp = session.post(f"{self.url}/processes/hello-world/execution", timeout=60,
                            json={"inputs": {"name": "hello", "message": "hi"}})
        if resp.status_code != 200 or "Hello hello" not in resp.text:
            raise RuntimeError(f"sync hello-world: {resp.status_code} {resp.text[:300]}")

    sync_wps = None

    def submit_async(self, session: requests.Session) -> str:
        resp = session.post(f"{self.url}/processes/hello-world/execution", timeout=60,
                            json={"inputs": {"name": "hello", "message": "hi"}},
                            headers={"Prefer": "respond-async"})
        if resp.status_code != 201:
            raise RuntimeError(f"async hello-world: {resp.status_code} {resp.text[:300]}")
        location = resp.headers["Location"]
        return location if location.startswith("http") else f"{self.url}{location}"

    def job_finished(self, session: requests.Session, location: str) -> bool:
        status = session.get(location, params={"f": "json"}, timeout=30).json().get("status")
        if status in ("failed", "dismissed"):
            raise RuntimeError(f"job {location} {status}")
        return status == "successful"

    def list_jobs(self, session: requests.Session) -> int:
        resp = session.get(f"{self.url}/jobs", params={"f": "json", "limit": 10}, timeout=120)
        if resp.status_code != 200:
            raise RuntimeError(f"GET /jobs: {resp.status_code} {resp.text[:300]}")
        return int(resp.json().get("numberMatched", len(resp.json().get("jobs", []))))

    def preload(self, count: int) -> None:
        """Copy the stored document of a finished job ``count`` times straight into the TinyDB file."""
        with open(self.db_path, encoding="utf-8") as file:
            data = json.load(file)
        table = data["_default"]
        template = next(iter(table.values()))
        next_id = max(int(key) for key in table) + 1
        for index in range(count):
            doc = dict(template, identifier=str(uuid.uuid4()))
            table[str(next_id + index)] = doc
        with open(self.db_path, "w", encoding="utf-8") as file:
            json.dump(data, file)


class PywpsTarget(_GunicornTarget):
    """A pywps 4.8 server with an echo process (bench/peers/pywps_echo.py), async through its own job store."""

    name = "pywps"
    # one process of eight threads: with two, concurrent writes to pywps's SQLite job store fail ("database is
    # locked") and most asynchronous requests are answered with a 500
    gunicorn_options = ["--workers", "1", "--threads", "8", "--timeout", "120", "--log-level", "warning"]
    sync_rest = None
    list_jobs = None
    preload = None

    def start(self) -> None:
        for sub in ("logs", "outputs", "work"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        self.port = free_port()
        base = f"http://{LOOPBACK}:{self.port}"
        cfg_path = os.path.join(self.root, "pywps.cfg")
        with open(cfg_path, "w", encoding="utf-8") as file:
            file.write(f"""[server]
url = {base}/wps
outputurl = {base}/outputs/
outputpath = {os.path.join(self.root, "outputs")}
workdir = {os.path.join(self.root, "work")}
parallelprocesses = 2
maxprocesses = 1000
maxrequestsize = 10mb

[processing]
mode = default

[logging]
level = WARNING
file = {os.path.join(self.root, "logs", "pywps.log")}
database = sqlite:///{os.path.join(self.root, "pywps-jobs.sqlite3")}
""")
        self._serve("pywps_echo:application", {"PYWPS_CFG": cfg_path, "PYTHONPATH": HERE})

    def _execute(self, session: requests.Session, stored: bool) -> requests.Response:
        params = {"service": "WPS", "request": "Execute", "version": "1.0.0", "identifier": "echo",
                  "DataInputs": "message=hello"}
        if stored:
            params.update({"storeExecuteResponse": "true", "status": "true"})
        return session.get(f"{self.url}/wps", params=params, timeout=60)

    def sync_wps(self, session: requests.Session) -> None:
        resp = self._execute(session, False)
        if resp.status_code != 200 or "ProcessSucceeded" not in resp.text:
            raise RuntimeError(f"WPS echo: {resp.status_code} {resp.text[:300]}")

    def submit_async(self, session: requests.Session) -> str:
        resp = self._execute(session, True)
        match = STATUS_LOCATION.search(resp.text)
        if resp.status_code != 200 or not match:
            raise RuntimeError(f"WPS async echo: {resp.status_code} {resp.text[:300]}")
        return match.group(1)

    def job_finished(self, session: requests.Session, location: str) -> bool:
        resp = session.get(location, timeout=30)
        if resp.status_code == 404:  # the status document is written by the job's own process
            return False
        if "ProcessFailed" in resp.text:
            raise RuntimeError(f"job {location} failed: {resp.text[:300]}")
        return "ProcessSucceeded" in resp.text
