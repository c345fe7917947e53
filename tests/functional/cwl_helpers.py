"""Helpers of the CWL tests: the test packages, deploying them, and a local HTTP server for file references."""
from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, Optional

import pytest
import requests
import yaml

CWL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "cwl")


def read_cwl(name: str) -> Dict[str, Any]:
    """A test package of tests/data/cwl as a dict."""
    with open(os.path.join(CWL_DIR, name), encoding="utf-8") as file:
        return yaml.safe_load(file)


def deploy(server: Any, cwl: Dict[str, Any], description: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Deploy a package as an OGC application package; the test fails unless the server answers 201."""
    body = {"processDescription": description or {}, "executionUnit": [{"unit": cwl}]}
    resp = requests.post(f"{server.url}/processes", json=body, timeout=60)
    assert resp.status_code == 201, resp.text
    return resp.json()


@dataclass
class FileServer:
    url: str
    root: str


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    """Files served over HTTP on 127.0.0.1, to give inputs by http reference."""
    root = str(tmp_path_factory.mktemp("served"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=root))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield FileServer(f"http://127.0.0.1:{httpd.server_address[1]}", root)
    finally:
        httpd.shutdown()
        httpd.server_close()
