"""Online backup: ``litestar footfall db backup`` while the live server is under ingest.

The copy must be a consistent snapshot: every batch in it whole or absent, rollups that add
up to its events, a current schema. A server started on the restored copy must serve it, and
a backup taken once ingest has stopped must equal the live database row for row.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from tests.helpers import Seeder, start_live_server
from tests.reliability.devices import ServerAddress, SimulatedDevice

TABLES = ("stores", "devices", "api_keys", "events", "quarter_counts", "rejected_events")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("FOOTFALL_TEST_POSTGRES_URL")),
        reason="tests a SQLite file, which the SQLite test session already covers",
    ),
]


def _env(database: Path) -> dict[str, str]:
    return {
        "FOOTFALL_DATABASE_URL": f"sqlite:///{database}",
        "FOOTFALL_INGEST_RATE_PER_S": "0",
        "FOOTFALL_LOG_LEVEL": "WARNING",
    }


def test_backup_under_ingest_restores(tmp_path: Path) -> None:
    live_db = tmp_path / "live.db"
    db = Database(Settings(database_url=f"sqlite:///{live_db}"))
    upgrade(db)
    seeder = Seeder(db)
    store = seeder.store("Backup Row")
    admin = seeder.key("admin")
    keys = {f"shelf-{n}": seeder.key("device", device_id=seeder.device(f"shelf-{n}", store))
            for n in range(3)}
    db.dispose()

    server_dir = tmp_path / "server"
    server_dir.mkdir()
    server = start_live_server(server_dir, _env(live_db))
    address = ServerAddress()
    address.set(server.url)
    rng = random.Random(7)
    devices = [SimulatedDevice(name, key, address, random.Random(rng.random()))
               for name, key in keys.items()]
    try:
        for device in devices:
            device.start()
        _wait_for_events(devices, 50)
        backup = tmp_path / "during.db"
        during_output = server.cli("db", "backup", str(backup))
        acknowledged_after_backup = sum(len(device.log.acknowledged) for device in devices)
        _wait_for_events(devices, acknowledged_after_backup + 20)

        for device in devices:
            device.stop_producing()
        deadline = time.monotonic() + 30
        while not all(device.drained() for device in devices):
            assert time.monotonic() < deadline, "devices could not deliver their queues"
            time.sleep(0.05)
        idle_backup = tmp_path / "idle.db"
        server.cli("db", "backup", str(idle_backup))
        live_rows = _rows(live_db)
        status = server.cli("db", "status")
    finally:
        for device in devices:
            device.stop()
        server.stop()

    assert "Backed up" in during_output
    assert "up to date" in status
    assert _integrity(backup) == "ok"
    snapshot = _rows(backup)
    assert 0 < len(snapshot["events"]) < len(live_rows["events"])
    assert set(snapshot["events"]) <= set(live_rows["events"])
    _assert_whole_batches(backup, devices)
    _assert_rollups_match_events(backup)
    assert _rows(idle_backup) == live_rows

    restored = tmp_path / "restored.db"
    shutil.copyfile(backup, restored)
    restore_dir = tmp_path / "restore"
    restore_dir.mkdir()
    server = start_live_server(restore_dir, _env(restored))
    try:
        movements = httpx.get(
            f"{server.url}/getMovements/",
            params={"date": time.time() + 3600, "count": 10_000},
            headers={"Authorization": f"Bearer {admin}"},
        )
        ready = httpx.get(f"{server.url}/health/ready")
    finally:
        server.stop()

    assert ready.status_code == 200
    assert movements.status_code == 200
    # /getMovements/ returns at most 10,000 movements; a fast machine stores more than that.
    assert len(movements.json()["movements"]) == min(len(snapshot["events"]), 10_000)


def _wait_for_events(devices: list[SimulatedDevice], batches: int) -> None:
    deadline = time.monotonic() + 60
    while sum(len(device.log.acknowledged) for device in devices) < batches:
        assert time.monotonic() < deadline, f"fewer than {batches} batches stored in 60 s"
        assert all(device.log.server_errors == [] for device in devices)
        time.sleep(0.05)


def _rows(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(database) as connection:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall())
            for table in TABLES
        }


def _integrity(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def _assert_whole_batches(database: Path, devices: list[SimulatedDevice]) -> None:
    with sqlite3.connect(database) as connection:
        for device in devices:
            stored = {seq for (seq,) in connection.execute(
                "SELECT seq FROM events JOIN devices ON devices.id = events.device_id "
                "WHERE devices.name = ?", (device.log.name,))}
            for batch in device.log.acknowledged:
                present = [seq in stored for seq in batch]
                assert all(present) or not any(present), f"{device.log.name}: batch split"


def _assert_rollups_match_events(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        events = dict(connection.execute(
            "SELECT device_id, COUNT(*) FROM events GROUP BY device_id").fetchall())
        rollups = dict(connection.execute(
            "SELECT device_id, SUM(entries + exits) FROM quarter_counts GROUP BY device_id"
        ).fetchall())
    assert {device: int(total) for device, total in rollups.items() if total} == events
