"""Read the deployment ini the way ``pserve`` does, so the launcher and its children agree on every value."""
from __future__ import annotations

import os
from typing import Dict, Tuple

import plaster

WAITRESS_DEFAULT_HOST = "0.0.0.0"
WAITRESS_DEFAULT_PORT = 8080


def read_section(ini_path: str, section: str) -> Dict[str, str]:
    """Raw string values of one section, ``%(here)s`` interpolated; empty when the section is absent."""
    if not os.path.isfile(ini_path):
        raise FileNotFoundError(f"configuration file not found: {ini_path}")
    # an explicit scheme, so that names such as weaver.ini.example load like pserve loads weaver.ini
    return dict(plaster.get_settings("file+ini://" + os.path.abspath(ini_path), section))


def server_address(ini_path: str) -> Tuple[str, int]:
    """``(host, port)`` the web server of ``[server:main]`` listens on (first ``listen`` entry wins)."""
    server = read_section(ini_path, "server:main")
    listen = server.get("listen", "").split()
    if listen:
        host, _, port = listen[0].rpartition(":")
        host = host.strip("[]") or WAITRESS_DEFAULT_HOST
        return host, int(port)
    return server.get("host", WAITRESS_DEFAULT_HOST), int(server.get("port", WAITRESS_DEFAULT_PORT))


def connect_host(host: str) -> str:
    """Address a local client uses to reach a server bound to ``host`` (wildcards mean loopback)."""
    if host in ("", "*", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host
