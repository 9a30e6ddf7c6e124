"""A plugin distribution installed into the environment is found, listed and computed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import LiveServer, start_live_server

PLUGIN_SOURCE = Path(__file__).parent / "footfall_example_plugin"
DISTRIBUTION = "footfall-example-plugin"


def _installer(*args: str) -> list[str]:
    # nox creates its environments with uv, which installs no pip into them.
    uv = shutil.which("uv")
    if uv is not None:
        return [uv, "pip", *args, "--python", sys.executable]
    return [sys.executable, "-m", "pip", *args]


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[None]:
    """Install the example plugin distribution, and uninstall it afterwards."""
    build = tmp_path / "source"
    shutil.copytree(PLUGIN_SOURCE, build)
    subprocess.run(_installer("install", "--quiet", str(build)), check=True)
    yield
    uninstall = _installer("uninstall", DISTRIBUTION)
    if "uv" not in uninstall[0]:
        uninstall.append("--yes")
    subprocess.run(uninstall, check=True)


@pytest.fixture
def server_with_plugin(installed_plugin: None, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server started after the plugin was installed."""
    server = start_live_server(tmp_path)
    yield server
    server.stop()


def test_installed_plugin_analytic(server_with_plugin: LiveServer) -> None:
    server = server_with_plugin
    server.cli("stores", "create", "Plugin Shop", "--timezone", "Europe/Berlin")
    server.cli("devices", "create", "plugin-door", "--store", "Plugin Shop")
    device_key = server.cli("keys", "create", "--role", "device", "--device", "plugin-door")
    admin_key = server.cli("keys", "create", "--role", "admin")
    device_headers = {"X-API-Key": device_key.strip().splitlines()[-1]}
    admin_headers = {"X-API-Key": admin_key.strip().splitlines()[-1]}
    # 2025-06-02 is in summer time, UTC+2: 07:10Z and 07:40Z are 09:xx local, 12:05Z is 14:05.
    events = [
        {"seq": 1, "time": 1748848200, "direction": "entry"},
        {"seq": 2, "time": 1748850000, "direction": "entry"},
        {"seq": 3, "time": 1748865900, "direction": "entry"},
        {"seq": 4, "time": 1748866000, "direction": "exit"},
    ]

    with httpx.Client(base_url=server.url, timeout=10) as http:
        stored = http.post("/api/v1/events", json={"events": events}, headers=device_headers)
        listed = http.get("/api/v1/analytics", headers=admin_headers).json()
        plugins = http.get("/api/v1/plugins", headers=admin_headers).json()
        answer = http.get(
            "/api/v1/analytics/peak_hour",
            params={"store": "Plugin Shop", "start": "2025-06-02", "end": "2025-06-03"},
            headers=admin_headers,
        )
        invalid = http.get(
            "/api/v1/analytics/peak_hour",
            params={
                "store": "Plugin Shop",
                "start": "2025-06-02",
                "end": "2025-06-03",
                "min_entries": "-1",
            },
            headers=admin_headers,
        )
        schema = http.get("/schema/openapi.json").json()

    assert stored.json()["accepted"] == 4
    analytic = {item["name"]: item for item in listed["analytics"]}["peak_hour"]
    assert analytic["chart"]["rows"] == "hours"
    assert "min_entries" in analytic["parameters"]["properties"]
    plugin = {item["name"]: item for item in plugins["plugins"]}["peak_hour"]
    assert plugin["distribution"] == DISTRIBUTION
    assert plugin["version"] == "1.0.0"
    assert answer.status_code == 200
    result = answer.json()
    assert result["zone"] == "Europe/Berlin"
    assert result["peak_hour"] == 9
    assert result["hours"][9]["entries"] == 2
    assert result["hours"][14]["entries"] == 1
    assert invalid.status_code == 400
    parameters = schema["paths"]["/api/v1/analytics/peak_hour"]["get"]["parameters"]
    assert {"store", "start", "end", "min_entries"} <= {item["name"] for item in parameters}
