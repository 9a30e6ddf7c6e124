"""Migrations: empty to head, down to base and up again with rows, and models in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import MigrationError, downgrade, schema_status, upgrade
from footfall.db.models import Base, Event
from footfall.plugins import create_plugin_manager
from footfall.service import SchemaOutOfDate, ensure_schema
from tests.helpers import Seeder, fresh_database_url

TABLES = (
    "stores",
    "devices",
    "api_keys",
    "events",
    "rejected_events",
    "heartbeats",
    "quarter_counts",
)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES
        }


def _fill(db: Database) -> None:
    seed = Seeder(db)
    store = seed.store("Migration Shop", timezone="Europe/Berlin")
    device = seed.device("migration-door", store)
    seed.key("device", device_id=device)
    seed.key("viewer", store_id=store)
    with db.write() as connection:
        connection.execute(
            Event.__table__.insert(),
            [
                {
                    "device_id": device,
                    "seq": seq,
                    "time_ms": 1_700_000_000_000 + seq,
                    "is_entry": seq % 2 == 0,
                    "received_ms": now_ms(),
                }
                for seq in range(100)
            ],
        )
        connection.execute(
            text(
                "INSERT INTO rejected_events (device_id, dialect, batch_index, seq, reason, "
                "raw_json, received_ms) VALUES (:device, 'v1', 0, 5, 'seq is missing', :raw, 0)"
            ),
            {"device": device, "raw": json.dumps({"time": 1})},
        )
        connection.execute(
            text(
                "INSERT INTO heartbeats (device_id, received_ms, boot_id, uptime_s, firmware, fps, "
                "queue_depth, dropped, camera, rssi_dbm, free_heap, last_seq) VALUES "
                "(:device, 0, 'b', 1, '1.0', 7.0, 0, 0, 'ok', -60, 100000, 99)"
            ),
            {"device": device},
        )
        connection.execute(
            text(
                "INSERT INTO quarter_counts (device_id, quarter, entries, exits, heartbeats) "
                "VALUES (:device, 1888888, 50, 50, 1)"
            ),
            {"device": device},
        )


def test_upgrade_from_empty_reaches_head(tmp_path: Path) -> None:
    db = Database(Settings(database_url=fresh_database_url(tmp_path)))

    status = upgrade(db)

    assert status.up_to_date
    assert status.current == status.heads
    assert set(TABLES) <= set(Base.metadata.tables)
    db.dispose()


def test_down_and_up_keeps_rows(tmp_path: Path) -> None:
    db = Database(Settings(database_url=fresh_database_url(tmp_path)))
    upgrade(db)
    _fill(db)
    before = _counts(db)
    heads = schema_status(db).heads

    # Down to the first revision and back keeps the core tables and their rows.
    downgrade(db, None, "0001_core")
    upgrade(db)
    after = _counts(db)

    assert after == before
    assert schema_status(db).current == heads
    if db.is_sqlite:
        with db.read() as connection:
            assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    db.dispose()


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    db = Database(Settings(database_url=fresh_database_url(tmp_path)))
    upgrade(db)
    _fill(db)

    downgrade(db, None, "base")
    empty = schema_status(db)
    upgrade(db)

    assert empty.current == frozenset()
    with db.read() as connection:
        assert connection.execute(select(func.count()).select_from(Event)).scalar_one() == 0
    assert schema_status(db).up_to_date
    db.dispose()


def test_models_match_migrated_schema(tmp_path: Path) -> None:
    db = Database(Settings(database_url=fresh_database_url(tmp_path)))
    upgrade(db)

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []
    db.dispose()


def test_broken_foreign_keys_are_reported(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path)
    if not url.startswith("sqlite"):
        pytest.skip("foreign-key enforcement is switched off during migrations on SQLite only")
    db = Database(Settings(database_url=url))
    upgrade(db)
    downgrade(db, None, "0001_core")
    with db.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        driver.execute(
            "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms) "
            "VALUES (999, 1, 0, 1, 0)"
        )
        driver.execute("PRAGMA foreign_keys=ON")

    with pytest.raises(MigrationError) as error:
        upgrade(db)

    assert "foreign key" in str(error.value)
    db.dispose()


def test_old_schema_refused_without_auto_migrate(tmp_path: Path) -> None:
    settings = Settings(database_url=fresh_database_url(tmp_path), auto_migrate=False)
    db = Database(settings)
    manager = create_plugin_manager(settings)

    with pytest.raises(SchemaOutOfDate) as error:
        ensure_schema(db, manager, auto_migrate=False)

    assert "litestar footfall db upgrade" in str(error.value)
    db.dispose()
