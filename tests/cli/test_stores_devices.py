"""``litestar footfall stores`` and ``devices`` run through click on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

from footfall.admin.devices import get_device
from footfall.admin.stores import get_store
from footfall.config import Settings
from footfall.db.engine import Database

RunCli = Callable[..., Result]


def test_stores_create_and_list(run_cli: RunCli) -> None:
    created = run_cli("stores", "create", "Main St", "--timezone", "Europe/Berlin",
                      "--reset-hour", "5", "--max-dwell-minutes", "90")
    assert created.exit_code == 0, created.output
    assert "Created store 'Main St'" in created.stdout

    listed = run_cli("stores", "list", "--json")
    assert listed.exit_code == 0, listed.output
    stores = json.loads(listed.stdout)["stores"]
    assert stores == [
        {"id": 1, "name": "Main St", "timezone": "Europe/Berlin", "day_reset_hour": 5,
         "max_dwell_s": 5400}
    ]

    table = run_cli("stores", "list")
    assert table.stdout.splitlines()[0].split()[:3] == ["ID", "NAME", "TIME"]
    assert "Europe/Berlin" in table.stdout


def test_stores_create_migrates_empty_database(run_cli: RunCli, settings: Settings) -> None:
    # The fixture's file is already migrated; a fresh file must be created by the CLI.
    fresh_url = settings.database_url.replace("footfall.db", "fresh.db")
    result = run_cli("stores", "create", "A", "--timezone", "UTC",
                     env={"FOOTFALL_DATABASE_URL": fresh_url})
    assert result.exit_code == 0, result.output

    fresh = Database(Settings(database_url=fresh_url))
    with fresh.read() as conn:
        assert get_store(conn, "A").timezone == "UTC"
    fresh.dispose()


def test_stores_create_errors(run_cli: RunCli) -> None:
    bad_zone = run_cli("stores", "create", "A", "--timezone", "Mars/Base")
    assert bad_zone.exit_code == 1
    assert "time zone 'Mars/Base' is not an IANA time zone name" in bad_zone.output

    missing_zone = run_cli("stores", "create", "A")
    assert missing_zone.exit_code == 2
    assert "--timezone" in missing_zone.output

    bad_hour = run_cli("stores", "create", "A", "--timezone", "UTC", "--reset-hour", "24")
    assert bad_hour.exit_code == 2
    assert "--reset-hour" in bad_hour.output

    assert run_cli("stores", "create", "A", "--timezone", "UTC").exit_code == 0
    duplicate = run_cli("stores", "create", "A", "--timezone", "UTC")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert "Traceback" not in duplicate.output


def test_stores_update(run_cli: RunCli, db: Database) -> None:
    run_cli("stores", "create", "A", "--timezone", "UTC")

    result = run_cli("stores", "update", "A", "--timezone", "Asia/Tokyo", "--rename", "B",
                     "--max-dwell-minutes", "30")
    assert result.exit_code == 0, result.output
    with db.read() as conn:
        store = get_store(conn, "B")
    assert (store.timezone, store.max_dwell_s, store.day_reset_hour) == ("Asia/Tokyo", 1800, 4)

    nothing = run_cli("stores", "update", "B")
    assert nothing.exit_code == 2
    assert "nothing to change" in nothing.output

    missing = run_cli("stores", "update", "Z", "--reset-hour", "3")
    assert missing.exit_code == 1
    assert "store 'Z' not found" in missing.output


def test_devices_create_and_list(run_cli: RunCli) -> None:
    run_cli("stores", "create", "North", "--timezone", "UTC")
    run_cli("stores", "create", "South", "--timezone", "UTC")
    assert run_cli("devices", "create", "door-1", "--store", "North").exit_code == 0
    assert run_cli("devices", "create", "door-2", "--store", "South").exit_code == 0

    listed = run_cli("devices", "list", "--store", "South", "--json")
    assert listed.exit_code == 0, listed.output
    devices = json.loads(listed.stdout)["devices"]
    assert [(d["name"], d["store"]) for d in devices] == [("door-2", "South")]
    assert devices[0]["settings"]["band"] == 0.02

    table = run_cli("devices", "list")
    assert "door-1" in table.stdout
    assert "door-2" in table.stdout

    unknown_store = run_cli("devices", "create", "door-3", "--store", "West")
    assert unknown_store.exit_code == 1
    assert "store 'West' not found" in unknown_store.output

    duplicate = run_cli("devices", "create", "door-1", "--store", "South")
    assert duplicate.exit_code == 1
    assert "device called 'door-1' already exists" in duplicate.output


def test_devices_settings_show_and_change(run_cli: RunCli, db: Database) -> None:
    run_cli("stores", "create", "North", "--timezone", "UTC")
    run_cli("devices", "create", "door-1", "--store", "North")

    shown = run_cli("devices", "settings", "door-1")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["line"]["inside"] == [0.5, 1.0]

    changed = run_cli("devices", "settings", "door-1", "--line", "0,0.4,1,0.6",
                      "--inside", "0.5,0", "--band", "0.03", "--confirm", "3",
                      "--mode", "deferred", "--anchor", "bottom_center", "--min-score", "0.5",
                      "--batch-interval", "10", "--heartbeat-interval", "30")
    assert changed.exit_code == 0, changed.output
    with db.read() as conn:
        settings = get_device(conn, "door-1").settings
    assert settings == {
        "line": {"start": [0.0, 0.4], "end": [1.0, 0.6], "inside": [0.5, 0.0]},
        "band": 0.03, "confirm": 3, "mode": "deferred", "anchor": "bottom_center",
        "min_score": 0.5, "batch_interval_s": 10, "heartbeat_interval_s": 30,
    }
    assert json.loads(changed.stdout) == settings


def test_devices_settings_errors(run_cli: RunCli, db: Database) -> None:
    run_cli("stores", "create", "North", "--timezone", "UTC")
    run_cli("devices", "create", "door-1", "--store", "North")

    edge = run_cli("devices", "settings", "door-1", "--line", "0,0.03,1,0.03")
    assert edge.exit_code == 1
    assert "outside side of the line reaches only 0.030" in edge.output

    malformed = run_cli("devices", "settings", "door-1", "--line", "0,0.5,1")
    assert malformed.exit_code == 2
    assert "'0,0.5,1' is not 4 comma-separated numbers" in malformed.output

    bad_mode = run_cli("devices", "settings", "door-1", "--mode", "sometimes")
    assert bad_mode.exit_code == 2

    missing = run_cli("devices", "settings", "door-9")
    assert missing.exit_code == 1
    assert "device 'door-9' not found" in missing.output

    with db.read() as conn:
        assert get_device(conn, "door-1").settings["line"]["start"] == [0.0, 0.5]


def test_devices_move_and_rename(run_cli: RunCli, db: Database) -> None:
    run_cli("stores", "create", "North", "--timezone", "UTC")
    run_cli("stores", "create", "South", "--timezone", "UTC")
    run_cli("devices", "create", "door-1", "--store", "North")

    assert run_cli("devices", "move", "door-1", "--store", "South").exit_code == 0
    assert run_cli("devices", "rename", "door-1", "front").exit_code == 0
    with db.read() as conn:
        assert get_device(conn, "front").store_name == "South"
