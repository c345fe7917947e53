"""schemathesis against the official OGC API - Processes 1.0 OpenAPI document, on the running server.

The document's ``servers`` entry names a remote demo server, so the run is pointed at the test server with
``--url``; its relative ``$ref`` are resolved from the local files of /work/shared/ogcapi-processes-1.0 (nothing is
fetched from the network). The run is bounded (fixed seed, a fixed number of examples per operation) and must end
with zero server errors (5xx) and zero responses violating the official schemas.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import requests
from ogc_schemas import OPENAPI_PATH

MAX_EXAMPLES = 25
SEED = 7
# schemathesis' own response_schema_conformance reads the official oneOf strictly, which no server can pass (every
# bare string result matches two alternatives): ogc_response_schema (tests/schemathesis_hooks.py) checks the same
# schemas the way the official test suite does.
CHECKS = "not_a_server_error,ogc_response_schema"
TESTS_DIR = Path(__file__).resolve().parents[1]


def _seed_jobs(server) -> None:
    """Jobs of every outcome, so that the job and result operations are fuzzed on real jobs too."""
    submit = f"{server.url}/processes/echo/execution"
    requests.post(submit, json={"inputs": {"stringInput": "fuzz", "doubleInput": 1.5,
                                           "boundingBoxInput": {"bbox": [1, 2, 3, 4]}}}, timeout=60)
    requests.post(submit, json={"inputs": {"stringInput": "fuzz-async"}}, headers={"Prefer": "respond-async"},
                  timeout=60)


def test_official_openapi_fuzzing(server, tmp_path: Path):
    _seed_jobs(server)
    schemathesis = Path(sys.executable).with_name("schemathesis")
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.processID" = "echo"\n')  # else every generated process id is a 404
    command = [str(schemathesis), "--config-file", str(config), "run", str(OPENAPI_PATH), "--url", server.url, "--checks", CHECKS,
               "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--phases", "examples,coverage,fuzzing",
               "--request-timeout", "30", "--no-color"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", NO_COLOR="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])))
    run = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=tmp_path, env=env)
    output = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated", output)
    assert generated and int(generated.group(1)) > 100, output[-3000:]  # the run did exercise the API
    assert "Selected: 9/9" in output and "Tested: 9" in output, output[-3000:]
    assert "returned only 404" not in output, output[-3000:]  # execution and description reached a real process
    assert run.returncode == 0, output[-6000:]
    assert "Server error" not in output and "violates the official schema" not in output, output[-6000:]
