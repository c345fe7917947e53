"""Settings table: defaults, derived values, aliases and environment overrides."""
import pytest

from weaver.config import get_settings


def test_defaults_and_derived_values(tmp_path):
    settings = get_settings({"weaver.url": "http://example.org:4001/", "weaver.data_dir": str(tmp_path)})
    assert settings["weaver.wps_url"] == "http://example.org:4001/ows/wps"
    assert settings["weaver.wps_output_url"] == "http://example.org:4001/wpsoutputs"
    assert settings["weaver.wps_output_dir"] == str(tmp_path / "wps-outputs")
    assert settings["weaver.execute_sync_max_wait"] == 20
    assert settings["mongodb.url"] == "mongodb://127.0.0.1:27018/"
    assert settings["celery.broker_url"] == "redis://127.0.0.1:6380/0"
    assert get_settings(settings) is settings  # parsed once


def test_alias_types_and_env_override(monkeypatch):
    monkeypatch.setenv("WEAVER_SETTING_WEAVER_WPS_PATH", "/wps")
    settings = get_settings({"weaver.exec_sync_max_wait": "7", "weaver.wps_max_request_size": "2MB"})
    assert settings["weaver.execute_sync_max_wait"] == 7
    assert settings["weaver.wps_max_request_size"] == 2 * 1024 ** 2
    assert settings["weaver.wps_url"].endswith("/wps")


def test_invalid_values_are_named():
    with pytest.raises(ValueError, match="weaver.execute_sync_max_wait"):
        get_settings({"weaver.execute_sync_max_wait": "soon"})
    with pytest.raises(ValueError, match="weaver.configuration"):
        get_settings({"weaver.configuration": "galaxy"})


def test_settings_of_a_registry_are_parsed_once_and_again_when_they_change(monkeypatch):
    raw = {"weaver.url": "http://example.org"}
    first = get_settings(raw)
    assert get_settings(raw) is first
    raw["weaver.wps_path"] = "/other"
    changed = get_settings(raw)
    assert changed is not first and changed["weaver.wps_url"] == "http://example.org/other"
    monkeypatch.setenv("WEAVER_SETTING_WEAVER_URL", "http://override.org")
    monkeypatch.setenv("WEAVER_SETTING_NO_SUCH_SETTING", "ignored")
    assert get_settings(raw)["weaver.url"] == "http://override.org"
    monkeypatch.delenv("WEAVER_SETTING_WEAVER_URL")
    assert get_settings(raw)["weaver.url"] == "http://example.org"
