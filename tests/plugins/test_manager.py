"""The plugin manager: discovery, the allow list, precedence, listing and tracing."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from footfall.app import create_app
from footfall.config import Settings
from footfall.plugins import PluginLoadError, create_plugin_manager, list_plugins
from tests.helpers import Seeder

DEFAULTS = {"apikey", "dbsink", "hourly", "dwell"}


def test_default_plugins_come_from_entry_points() -> None:
    manager = create_plugin_manager(Settings())

    infos = {info.name: info for info in list_plugins(manager)}

    assert set(infos) >= DEFAULTS
    assert infos["apikey"].distribution == "footfall"
    assert infos["apikey"].hooks == ("footfall_auth_schemes",)
    assert infos["dbsink"].hooks == ("footfall_event_sinks",)
    assert "footfall_analytics" in infos["hourly"].hooks


def test_allow_list_limits_plugins() -> None:
    manager = create_plugin_manager(Settings(plugins=("apikey", "dbsink")))

    names = {info.name for info in list_plugins(manager)}

    assert names == {"apikey", "dbsink"}


def test_allow_list_names_unknown_plugin() -> None:
    with pytest.raises(PluginLoadError) as error:
        create_plugin_manager(Settings(plugins=("apikey", "no-such-plugin")))

    assert "no-such-plugin" in str(error.value)
    assert "apikey" in str(error.value)


def test_missing_extra_module_is_named() -> None:
    with pytest.raises(PluginLoadError) as error:
        create_plugin_manager(Settings(extra_plugins=("footfall_no_such_module",)))

    assert "footfall_no_such_module" in str(error.value)


def test_trace_logs_each_hook_call(caplog: pytest.LogCaptureFixture) -> None:
    manager = create_plugin_manager(Settings(trace_plugins=True))

    with caplog.at_level(logging.INFO, logger="footfall.plugins.trace"):
        manager.hook.footfall_analytics(settings=Settings())

    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("hook footfall_analytics called") for message in messages)
    assert any(message.startswith("hook footfall_analytics returned") for message in messages)


def test_plugins_endpoint(settings: Settings, seed: Seeder) -> None:
    key = seed.key("admin")
    app = create_app(replace(settings, plugins=()))

    with TestClient(app=app) as client:
        anonymous = client.get("/api/v1/plugins")
        listed = client.get("/api/v1/plugins", headers={"X-API-Key": key}).json()

    names = {plugin["name"]: plugin for plugin in listed["plugins"]}
    assert anonymous.status_code == 401
    assert set(names) >= DEFAULTS
    assert names["dbsink"]["version"] == "0.1.0"
    assert names["dbsink"]["hooks"] == ["footfall_event_sinks"]
