"""Each hook of the plugin system, exercised through a small plugin of its own."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import inspect

from footfall.app import create_app
from footfall.cli import footfall_group, register_plugin_commands
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import downgrade, upgrade
from footfall.plugins import create_plugin_manager
from tests.helpers import Seeder
from tests.plugins.fixtures import sink_plugin

FIXTURES = "tests.plugins.fixtures"


def _with_plugin(settings: Settings, module: str) -> Settings:
    return replace(settings, extra_plugins=(f"{FIXTURES}.{module}",))


def test_hook_footfall_auth_schemes(settings: Settings, seed: Seeder) -> None:
    seed.store("Token Shop")
    seed.store("Other Shop")
    app = create_app(_with_plugin(settings, "auth_plugin"))

    with TestClient(app=app) as client:
        me = client.get("/api/v1/me", headers={"X-Shop-Token": "shop-token-1234"})
        wrong = client.get("/api/v1/me", headers={"X-Shop-Token": "guess"})
        other = client.get(
            "/api/v1/stores/Other Shop/occupancy", headers={"X-Shop-Token": "shop-token-1234"}
        )
        anonymous = client.get("/api/v1/me")

    assert me.status_code == 200
    assert me.json() == {"role": "viewer", "stores": ["Token Shop"], "device": None}
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "the shop token is not valid"
    assert other.status_code == 403
    assert anonymous.status_code == 401


def test_hook_footfall_event_sinks(settings: Settings, seed: Seeder) -> None:
    store = seed.store("Sink Shop")
    key = seed.key("device", device_id=seed.device("sink-door", store))
    sink_plugin.RECEIVED.clear()
    app = create_app(_with_plugin(settings, "sink_plugin"))
    body = {
        "events": [
            {"seq": 1, "time": 1_700_000_000, "direction": "entry"},
            {"seq": 2, "time": 1_700_000_001, "direction": "exit"},
        ]
    }

    with TestClient(app=app) as client:
        client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
        client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
        deadline = time.monotonic() + 20
        while not sink_plugin.RECEIVED and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)

    # The retried batch added nothing, so the sink saw the two events once.
    assert len(sink_plugin.RECEIVED) == 1
    batch = sink_plugin.RECEIVED[0]
    assert batch.device.name == "sink-door"
    assert batch.device.store_name == "Sink Shop"
    assert [(event.seq, event.direction) for event in batch.events] == [(1, "entry"), (2, "exit")]


def test_hook_footfall_analytics(settings: Settings, seed: Seeder) -> None:
    seed.store("Override Shop")
    key = seed.key("admin")
    app = create_app(_with_plugin(settings, "override_plugin"))

    with TestClient(app=app) as client:
        listed = client.get("/api/v1/analytics", headers={"X-API-Key": key}).json()
        answer = client.get(
            "/api/v1/analytics/hourly",
            params={"store": "Override Shop", "start": "2025-01-01", "end": "2025-01-02"},
            headers={"X-API-Key": key},
        )

    titles = {item["name"]: item["title"] for item in listed["analytics"]}
    assert titles["hourly"] == "Replacement"
    assert answer.status_code == 200
    assert answer.json() == {"replaced": True, "rows": []}


def test_hook_footfall_migration_locations(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'plugin.db'}",
        extra_plugins=(f"{FIXTURES}.migration_plugin",),
    )
    manager = create_plugin_manager(settings)
    db = Database(settings)

    status = upgrade(db, manager)
    tables_after_upgrade = set(inspect(db.engine).get_table_names())
    downgrade(db, manager, "example_notes@base")
    tables_after_downgrade = set(inspect(db.engine).get_table_names())
    db.dispose()

    assert "e1_example_notes" in status.current
    assert "example_notes" in tables_after_upgrade
    assert "example_notes" not in tables_after_downgrade
    assert "events" in tables_after_downgrade


def test_hook_footfall_cli_commands(tmp_path: Path) -> None:
    settings = Settings(extra_plugins=(f"{FIXTURES}.cli_plugin",))
    manager = create_plugin_manager(settings)
    group = type(footfall_group)(name="footfall", commands=dict(footfall_group.commands))

    added = register_plugin_commands(group, manager)
    result = CliRunner().invoke(
        group, ["greet", "Ada"], env={"FOOTFALL_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    )

    assert added == ["greet"]
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Hello from a plugin, Ada"
