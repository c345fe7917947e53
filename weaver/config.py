"""Every setting weaver reads, with its type and default, declared once.

Code never calls ``settings.get("weaver.x", default)``: it calls :func:`get_settings` (or reads the typed
mapping it returns, as stored in the Pyramid registry) so that defaults and derived values live here only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, MutableMapping, Optional, Tuple

WEAVER_CONFIGURATION_DEFAULT = "DEFAULT"
WEAVER_CONFIGURATION_ADES = "ADES"
WEAVER_CONFIGURATION_EMS = "EMS"
WEAVER_CONFIGURATION_HYBRID = "HYBRID"
WEAVER_CONFIGURATIONS = frozenset([
    WEAVER_CONFIGURATION_DEFAULT, WEAVER_CONFIGURATION_ADES, WEAVER_CONFIGURATION_EMS, WEAVER_CONFIGURATION_HYBRID,
])

EMBEDDED = "embedded"


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y", "t")


def _as_int(value: Any) -> int:
    return int(str(value).strip())


def _as_float(value: Any) -> float:
    return float(str(value).strip())


def _as_str(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _as_size(value: Any) -> int:
    """Parse sizes such as ``30MB``, ``3GB``, ``512k`` or plain bytes."""
    text = str(value).strip().upper().replace("IB", "B")
    units = {"KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "B": 1}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(float(text))


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    parse: Callable[[Any], Any]
    doc: str


SETTINGS_TABLE = [
    Setting("weaver.url", "http://localhost:4001", _as_str, "Public base URL of the service."),
    Setting("weaver.configuration", WEAVER_CONFIGURATION_DEFAULT, lambda v: _as_str(v).upper() or "DEFAULT",
            "DEFAULT, ADES, EMS or HYBRID: which routes (providers) are enabled."),
    Setting("weaver.data_dir", "./var", _as_str, "Root of local data: embedded store, broker, outputs, workdir."),
    Setting("weaver.execute_sync_max_wait", 20, _as_int, "Longest time (s) a sync execution waits before async."),
    Setting("weaver.wps", True, _as_bool, "Serve the WPS endpoint."),
    Setting("weaver.wps_path", "/ows/wps", _as_str, "Path of the WPS endpoint."),
    Setting("weaver.wps_url", "", _as_str, "Full WPS URL (default: weaver.url + weaver.wps_path)."),
    Setting("weaver.wps_output_dir", "", _as_str, "Where job outputs are written (default: <data_dir>/wps-outputs)."),
    Setting("weaver.wps_output_path", "/wpsoutputs", _as_str, "Path under which the app serves job outputs."),
    Setting("weaver.wps_output_url", "", _as_str, "Public URL of outputs (default: weaver.url + wps_output_path)."),
    Setting("weaver.wps_output_context", "", _as_str, "Default sub-directory of outputs for every job."),
    Setting("weaver.wps_workdir", "", _as_str, "Working directory of executions (default: <data_dir>/workdir)."),
    Setting("weaver.wps_max_request_size", "30MB", _as_size, "Largest request body accepted."),
    Setting("weaver.wps_max_single_input_size", "3GB", _as_size, "Largest single input accepted."),
    Setting("weaver.wps_client_headers_filter", "Host,", _as_str, "Headers never forwarded to WPS clients."),
    Setting("weaver.wps_client_timeout", 5, _as_float, "Timeout (s) of requests to remote WPS servers."),
    Setting("weaver.wps_processes_file", "", _as_str,
            "YAML file of remote providers (and remote OGC API processes) registered at start (empty: none)."),
    Setting("weaver.remote_monitor_interval", 0.2, _as_float,
            "First delay (s) between status checks of a remote job; it grows while the remote job runs."),
    Setting("weaver.remote_monitor_interval_max", 5.0, _as_float, "Longest delay (s) between those checks."),
    Setting("weaver.remote_request_retries", 5, _as_int,
            "Consecutive failed requests to a remote server (HTTP 5xx, timeout, refused) before the job fails."),
    Setting("weaver.nested_process_queue_wait", 120.0, _as_float,
            "Seconds a nested process input may stay queued before it is dismissed and its parent job fails."),
    Setting("weaver.wps_metadata_identification_title", "Weaver", _as_str, "WPS capabilities title."),
    Setting("weaver.wps_metadata_identification_abstract", "OGC API - Processes and WPS execution server.", _as_str,
            "WPS capabilities abstract."),
    Setting("weaver.wps_metadata_provider_name", "weaver", _as_str, "WPS capabilities provider name."),
    Setting("weaver.wps_restapi", True, _as_bool, "Serve the REST API."),
    Setting("weaver.wps_restapi_path", "/", _as_str, "Path prefix of the REST API."),
    Setting("weaver.allowed_input_paths", "", _as_str,
            "Comma-separated directories from which file:// inputs are accepted (outputs and workdir always are)."),
    Setting("weaver.max_body_size", "30MB", _as_size, "Largest JSON/XML body accepted by the REST API."),
    Setting("weaver.job_reaper_interval", 30, _as_int, "Seconds between checks for jobs orphaned by a dead worker."),
    Setting("weaver.job_heartbeat_interval", 10, _as_float,
            "Seconds between heartbeats of a running job; a job silent for 3 heartbeats is orphaned."),
    Setting("weaver.job_running_write_delay", 0.2, _as_float,
            "Seconds a local process runs before its job is written 'running' (a faster one goes straight to its end)."),
    Setting("weaver.notify_callback_retries", 3, _as_int, "Attempts of a subscriber callback POST before giving up."),
    Setting("weaver.notify_callback_backoff", 1.0, _as_float, "First delay (s) between callback attempts, doubled each time."),
    Setting("weaver.notify_callback_timeout", 5.0, _as_float, "Timeout (s) of one subscriber callback POST."),
    Setting("weaver.wps_email_encrypt_salt", "weaver", _as_str, "Salt of the key encrypting subscriber emails at rest."),
    Setting("weaver.wps_email_encrypt_rounds", 100000, _as_int, "PBKDF2-SHA256 rounds deriving that key."),
    Setting("weaver.wps_email_notify_smtp_host", "", _as_str, "SMTP server of notification emails (empty: no emails)."),
    Setting("weaver.wps_email_notify_port", 25, _as_int, "SMTP port."),
    Setting("weaver.wps_email_notify_ssl", True, _as_bool, "SMTP over SSL (else STARTTLS when the server offers it)."),
    Setting("weaver.wps_email_notify_from_addr", "weaver@localhost", _as_str, "Sender address of notification emails."),
    Setting("weaver.wps_email_notify_password", "", _as_str, "SMTP password of the sender (empty: no login)."),
    Setting("weaver.wps_email_notify_timeout", 10, _as_float, "SMTP timeout (s)."),
    Setting("weaver.wps_email_notify_template_dir", "", _as_str,
            "Directory of email templates: <process>/<status>.tmpl, <process>.tmpl, then the default."),
    Setting("weaver.wps_email_notify_template_default", "", _as_str,
            "Template file used when no process template matches (empty: the bundled one)."),
    Setting("weaver.embedded.mongodb_port", 27018, _as_int, "Loopback port of the embedded store."),
    Setting("weaver.embedded.redis_port", 6380, _as_int, "Loopback port of the embedded broker."),
    Setting("weaver.embedded.workers", 1, _as_int, "Celery workers started by `weaver start`."),
    Setting("weaver.embedded.worker_concurrency", 2, _as_int, "Processes of each embedded worker."),
    Setting("mongodb.url", EMBEDDED, _as_str, "MongoDB URL, or 'embedded' for the store started by weaver."),
    Setting("mongodb.db_name", "weaver", _as_str, "Database name."),
    Setting("celery.broker_url", EMBEDDED, _as_str, "Celery broker URL, or 'embedded' for the bundled redis-server."),
    Setting("celery.result_backend", EMBEDDED, _as_str, "Celery result backend URL, or 'embedded'."),
]
SETTINGS_BY_KEY: Dict[str, Setting] = {setting.key: setting for setting in SETTINGS_TABLE}
ALIASES = {"weaver.exec_sync_max_wait": "weaver.execute_sync_max_wait"}


class Settings(dict):
    """Typed settings: every known key is present with its parsed value; unknown keys are kept as given."""

    @property
    def base_url(self) -> str:
        return self["weaver.url"].rstrip("/")

    @property
    def wps_url(self) -> str:
        return self["weaver.wps_url"]

    @property
    def wps_output_dir(self) -> str:
        return self["weaver.wps_output_dir"]

    @property
    def wps_output_url(self) -> str:
        return self["weaver.wps_output_url"]

    @property
    def restapi_url(self) -> str:
        return self["weaver.wps_restapi_url"]


def _derive(settings: Settings) -> None:
    """Fill the values that default to a combination of others."""
    base = settings["weaver.url"].rstrip("/")
    data_dir = os.path.abspath(settings["weaver.data_dir"])
    settings["weaver.data_dir"] = data_dir
    if not settings["weaver.wps_url"]:
        settings["weaver.wps_url"] = base + settings["weaver.wps_path"]
    if not settings["weaver.wps_output_dir"]:
        settings["weaver.wps_output_dir"] = os.path.join(data_dir, "wps-outputs")
    settings["weaver.wps_output_dir"] = os.path.abspath(settings["weaver.wps_output_dir"])
    if not settings["weaver.wps_output_url"]:
        settings["weaver.wps_output_url"] = base + settings["weaver.wps_output_path"]
    settings["weaver.wps_output_url"] = settings["weaver.wps_output_url"].rstrip("/")
    if not settings["weaver.wps_workdir"]:
        settings["weaver.wps_workdir"] = os.path.join(data_dir, "workdir")
    restapi_path = settings["weaver.wps_restapi_path"].rstrip("/")
    settings["weaver.wps_restapi_url"] = base + restapi_path
    if settings["weaver.configuration"] not in WEAVER_CONFIGURATIONS:
        raise ValueError(f"Unknown weaver.configuration [{settings['weaver.configuration']}], "
                         f"expected one of {sorted(WEAVER_CONFIGURATIONS)}.")
    settings["mongodb.url"] = resolve_embedded_url(settings, "mongodb.url")
    settings["celery.broker_url"] = resolve_embedded_url(settings, "celery.broker_url")
    settings["celery.result_backend"] = resolve_embedded_url(settings, "celery.result_backend")


def resolve_embedded_url(settings: Mapping[str, Any], key: str) -> str:
    """Turn the word ``embedded`` into the loopback URL of the server weaver starts itself."""
    value = str(settings.get(key) or EMBEDDED)
    if value != EMBEDDED:
        return value
    if key == "mongodb.url":
        return f"mongodb://127.0.0.1:{settings['weaver.embedded.mongodb_port']}/"
    return f"redis://127.0.0.1:{settings['weaver.embedded.redis_port']}/0"


_PARSED: Dict[int, Tuple[Dict[str, Any], Dict[str, str], "Settings"]] = {}
_PARSED_MAX = 64
_ENVIRONMENT_NAMES = {"WEAVER_SETTING_" + key.upper().replace(".", "_"): key for key in SETTINGS_BY_KEY}


def get_settings(raw: Optional[Mapping[str, Any]] = None) -> Settings:
    """Parse raw ini settings (strings) into typed settings with every default applied.

    Already parsed settings are returned as they are, so the function is cheap to call on a registry.
    """
    if isinstance(raw, Settings):
        return raw
    # a registry's settings are parsed on every request otherwise: keep the result while they hold the same values
    environment = _environment_overrides()
    cached = _PARSED.get(id(raw))
    if cached is not None and cached[0] == raw and cached[1] == environment:
        return cached[2]
    settings = _parse_settings(raw)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[id(raw)] = (dict(raw or {}), environment, settings)
    return settings


def _environment_overrides() -> Dict[str, str]:
    """``WEAVER_SETTING_<KEY>`` variables, by setting key.

    Checked on every ``get_settings`` call: the names are matched as bytes where the platform keeps them so
    (``os.environ`` decodes every name and value it iterates, which cost more than the rest of the call).
    """
    if not os.supports_bytes_environ:
        return {_ENVIRONMENT_NAMES[name]: value for name, value in os.environ.items()
                if name.startswith("WEAVER_SETTING_") and name in _ENVIRONMENT_NAMES}
    names = [name for name in os.environb if name.startswith(b"WEAVER_SETTING_")]
    overrides = {}
    for name in names:
        key = _ENVIRONMENT_NAMES.get(os.fsdecode(name))
        if key is not None:
            overrides[key] = os.environ[os.fsdecode(name)]
    return overrides


def _parse_settings(raw: Optional[Mapping[str, Any]]) -> Settings:
    given: MutableMapping[str, Any] = dict(raw or {})
    for alias, key in ALIASES.items():
        if alias in given and key not in given:
            given[key] = given.pop(alias)
    given.update(_environment_overrides())
    settings = Settings(given)
    for setting in SETTINGS_TABLE:
        value = given.get(setting.key)
        if value is None or (isinstance(value, str) and value.strip() == "" and setting.default != ""):
            value = setting.default
        try:
            settings[setting.key] = setting.parse(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Invalid value [{value}] for setting [{setting.key}]: {exc}") from exc
    _derive(settings)
    return settings


def describe_settings() -> str:
    """Human-readable table of settings, used to document config/weaver.ini.example."""
    return "\n".join(f"{s.key} = {s.default!s:<24} ; {s.doc}" for s in SETTINGS_TABLE)
