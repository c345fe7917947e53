"""weaver on its embedded default (store, broker, one Celery worker, the web app), as the benchmark drives it."""
from __future__ import annotations

import os
from typing import Dict, List

import requests
from pymongo import ReturnDocument

from bench.common import LOOPBACK
from weaver.config import get_settings
from weaver.database import get_db
from weaver.datatype import Job
from weaver.runtime.embedded import start_broker, start_store, start_web, start_worker
from weaver.runtime.instance_ini import instance_settings, write_instance_ini
from weaver.runtime.processes import ManagedProcess, free_port
from weaver.status import Status

DB_NAME = "weaver-bench"
ECHO_BODY = {"inputs": {"stringInput": "hello"}}
class WeaverTarget:
    """Start/stop weaver and speak its REST and WPS interfaces."""

    name = "weaver"

    def __init__(self, root: str, worker_concurrency: int = 2) -> None:
        self.root = os.path.join(root, "weaver")
        self.concurrency = worker_concurrency
        self.children: List[ManagedProcess] = []
        self.url = ""
        self.ini_path = ""

    # ----- life cycle -----
    def start(self) -> None:
        logs = os.path.join(self.root, "logs")
        os.makedirs(logs, exist_ok=True)
        store_port, broker_port, web_port = free_port(), free_port(), free_port()
        try:
            self.children.append(start_store(os.path.join(self.root, "db"), store_port,
                                             os.path.join(logs, "store.log")))
            self.children.append(start_broker(os.path.join(self.root, "broker"), broker_port,
                                              os.path.join(logs, "broker.log")))
            self.ini_path = os.path.join(self.root, "weaver.ini")
            settings = instance_settings(LOOPBACK, web_port, self.root, f"mongodb://{LOOPBACK}:{store_port}/", DB_NAME,
                                         f"redis://{LOOPBACK}:{broker_port}/0",
                                         {"weaver.execute_sync_max_wait": "20"})
            write_instance_ini(self.ini_path, settings, listen=f"{LOOPBACK}:{web_port}")  # INFO logs, as shipped
            self.worker = start_worker(self.ini_path, self.concurrency, os.path.join(logs, "worker.log"))
            self.children.append(self.worker)
            self.web = start_web(self.ini_path, os.path.join(logs, "web.log"))
            self.children.append(self.web)
        except BaseException:
            self.stop()
            raise
        self.url = f"http://{LOOPBACK}:{web_port}"

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children = []

    def pids(self) -> Dict[str, int]:
        return {"web": self.web.pid, "worker": self.worker.pid}

    def cpu_pids(self) -> Dict[str, int]:
        store, broker = self.children[0], self.children[1]
        return {"web": self.web.pid, "worker": self.worker.pid, "store": store.pid, "broker": broker.pid}

    def log_dir(self) -> str:
        return os.path.join(self.root, "logs")

    # ----- requests -----
    def sync_rest(self, session: requests.Session) -> None:
        resp = session.post(f"{self.url}/processes/echo/execution", json=ECHO_BODY,
                            headers={"Prefer": "wait=20"}, timeout=60)
        if resp.status_code != 200 or "stringOutput" not in resp.text:
            raise RuntimeError(f"sync echo: {resp.status_code} {resp.text[:300]}")

    def sync_wps(self, session: requests.Session) -> None:
        resp = session.get(f"{self.url}/ows/wps", timeout=60, params={
            "service": "WPS", "request": "Execute", "version": "1.0.0", "identifier": "echo",
            "DataInputs": "stringInput=hello"})
        if resp.status_code != 200 or "ProcessSucceeded" not in resp.text:
            raise RuntimeError(f"WPS echo: {resp.status_code} {resp.text[:300]}")

    def submit_async(self, session: requests.Session) -> str:
        resp = session.post(f"{self.url}/processes/echo/execution", json=ECHO_BODY,
                            headers={"Prefer": "respond-async"}, timeout=60)
        if resp.status_code != 201:
            raise RuntimeError(f"async echo: {resp.status_code} {resp.text[:300]}")
        return resp.headers["Location"]

    def job_finished(self, session: requests.Session, location: str) -> bool:
        status = session.get(location, timeout=30).json().get("status")
        if status in ("failed", "dismissed"):
            raise RuntimeError(f"job {location} {status}")
        return status == "successful"

    def list_jobs(self, session: requests.Session) -> int:
        resp = session.get(f"{self.url}/jobs", params={"limit": 10}, timeout=60)
        if resp.status_code != 200:
            raise RuntimeError(f"GET /jobs: {resp.status_code} {resp.text[:300]}")
        return int(resp.json().get("total", 0))

    def preload(self, count: int, batch: int = 500) -> None:
        """Store ``count`` finished echo jobs straight into the job store (not over HTTP), as if they had run.

        Documents go in by batches, with a block of insertion sequence numbers taken at once and the listing
        tallies recounted after, the bookkeeping :meth:`MongodbJobStore.insert_job` does one job at a time.
        """
        store = get_db(get_settings({"mongodb.url": self._mongodb_url(), "mongodb.db_name": DB_NAME})).jobs
        block = store.meta.find_one_and_update({"_id": "jobs"}, {"$inc": {"seq": count}}, upsert=True,
                                               return_document=ReturnDocument.AFTER)
        first_seq = int(block["seq"]) - count + 1
        docs = []
        for index in range(count):
            job = Job(task_id=f"preloaded-{index}", process="echo", status=Status.SUCCESSFUL.value,
                      status_message="Job successful.", progress=100, access="public", is_local=True,
                      execution_mode="async", inputs=ECHO_BODY["inputs"], tags=["local", "async"],
                      results=[{"id": "stringOutput", "value": "hello"}])
            job.mark_finished()
            job["updated"] = job["finished"]
            job["seq"] = first_seq + index
            docs.append(job.params())
            if len(docs) >= batch:
                store.collection.insert_many(docs, ordered=False)
                docs = []
        if docs:
            store.collection.insert_many(docs, ordered=False)
        store.rebuild_tallies()

    def _mongodb_url(self) -> str:
        with open(self.ini_path, encoding="utf-8") as file:
            for line in file:
                if line.startswith("mongodb.url"):
                    return line.split("=", 1)[1].strip()
        raise RuntimeError("mongodb.url not in the ini")
