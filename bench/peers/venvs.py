"""The peers' own virtual environments, created once under the cache directory and reused by later runs."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Dict, List

# what each peer needs; pywps is pinned to the series weaver itself builds on
REQUIREMENTS: Dict[str, List[str]] = {
    "pygeoapi": ["pygeoapi", "gunicorn"],
    "pywps": ["pywps==4.8.*", "gunicorn"],
}


def venv_bin(cache_dir: str, name: str, program: str) -> str:
    return os.path.join(cache_dir, "venvs", name, "bin", program)


def ensure_venv(cache_dir: str, name: str) -> str:
    """Create (or reuse) ``<cache_dir>/venvs/<name>`` with the peer installed; return its python."""
    root = os.path.join(cache_dir, "venvs", name)
    python = os.path.join(root, "bin", "python")
    marker = os.path.join(root, ".bench-installed")
    wanted = " ".join(REQUIREMENTS[name])
    if os.path.isfile(marker):
        with open(marker, encoding="utf-8") as file:
            if file.read().strip() == wanted:
                return python
    if not os.path.isfile(python):
        subprocess.run([_base_python(), "-m", "venv", root], check=True)
    log_path = os.path.join(cache_dir, f"install-{name}.log")
    with open(log_path, "w", encoding="utf-8") as log:
        result = subprocess.run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                                 *REQUIREMENTS[name]], stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"installing {name} failed, see {log_path}")
    with open(marker, "w", encoding="utf-8") as file:
        file.write(wanted)
    return python


def _base_python() -> str:
    """The interpreter the running venv was made from (a peer venv must not inherit weaver's packages)."""
    return getattr(sys, "_base_executable", None) or sys.executable
