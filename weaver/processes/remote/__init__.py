"""Executors of jobs whose process runs on another server: WPS 1.0.0 providers and OGC API processes."""
from weaver.processes.remote.ogcapi import execute_remote_ogcapi, fetch_remote_ogcapi_process
from weaver.processes.remote.wps1 import (
    describe_remote_process,
    execute_remote_wps1,
    fetch_capabilities,
)

__all__ = ["describe_remote_process", "execute_remote_ogcapi", "execute_remote_wps1", "fetch_capabilities",
           "fetch_remote_ogcapi_process"]
