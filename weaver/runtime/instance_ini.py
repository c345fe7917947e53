"""The ini of a self-contained weaver instance on loopback ports (tests, benchmarks, throw-away servers)."""
from __future__ import annotations

from typing import Dict, Mapping, Optional

_CELERY_AND_SERVER = """\
[celery]
task_serializer = json
accept_content = json
result_serializer = json
task_acks_late = true
task_reject_on_worker_lost = true
worker_prefetch_multiplier = 1

[server:main]
use = egg:waitress#main
listen = {listen}
threads = {threads}

[loggers]
keys = root, weaver

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = {level}
handlers = console

[logger_weaver]
level = {level}
handlers =
qualname = weaver

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s][%(threadName)s] %(message)s
"""


def instance_settings(host: str, port: int, data_dir: str, mongodb_url: str, db_name: str, broker_url: str,
                      extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """``[app:main]`` of an instance served at ``http://host:port`` with its own store database and broker."""
    settings = {
        "use": "egg:weaver",
        "weaver.url": f"http://{host}:{port}",
        "weaver.data_dir": data_dir,
        "mongodb.url": mongodb_url,
        "mongodb.db_name": db_name,
        "celery.broker_url": broker_url,
        "celery.result_backend": broker_url,
    }
    settings.update(extra or {})
    return settings


def write_instance_ini(path: str, app_settings: Mapping[str, str], listen: str, threads: int = 8,
                       level: str = "INFO") -> None:
    """Write a complete ini (app, Celery, waitress on ``listen``, logging to stderr) for pserve and celery."""
    app_section = "\n".join(f"{key} = {value}" for key, value in app_settings.items())
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"[app:main]\n{app_section}\n\n")
        file.write(_CELERY_AND_SERVER.format(listen=listen, threads=threads, level=level))
