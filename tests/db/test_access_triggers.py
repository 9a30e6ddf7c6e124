"""Access generation triggers: which inserts, updates and deletes raise the counter.

Run on SQLite, and on PostgreSQL when FOOTFALL_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, select, text

from footfall.access_generation import ACCESS_COLUMNS, INSERT_COUNTS, changes_access
from footfall.db.engine import Database
from footfall.db.migrate import downgrade, upgrade
from footfall.db.models import AccessGeneration, ApiKey, Base
from tests.helpers import Seeder

#: Columns whose update must leave the counter alone, because ingest, heartbeats and the
#: record of key use write them all the time, or because they change no key's access.
NOT_ACCESS_COLUMNS = {
    "api_keys": {"last_used_ms"},
    "devices": {
        "settings_json",
        "settings_etag",
        "created_ms",
        "last_event_ms",
        "last_heartbeat_ms",
        "last_status_json",
    },
    "stores": set(),
}


def generation(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(select(AccessGeneration.generation)).scalar_one())


def _world(seed: Seeder) -> tuple[int, int, int]:
    store = seed.store("Trigger Shop")
    device = seed.device("trigger-door", store)
    seed.key("device", device_id=device)
    with seed.db.read() as connection:
        key_id = connection.execute(select(ApiKey.id)).scalar_one()
    return store, device, key_id


def _execute(db: Database, sql: str, **parameters: object) -> None:
    with db.write() as connection:
        connection.execute(text(sql), parameters)


def test_every_column_classified() -> None:
    for table, access_columns in ACCESS_COLUMNS.items():
        model_columns = {column.name for column in Base.metadata.tables[table].columns}
        classified = access_columns | NOT_ACCESS_COLUMNS[table]

        assert model_columns - classified == set(), table
        assert classified - model_columns == set(), table
        assert access_columns & NOT_ACCESS_COLUMNS[table] == set(), table


@pytest.mark.parametrize(
    ("table", "column"),
    sorted(
        (table, column)
        for table, columns in {
            name: ACCESS_COLUMNS[name] | NOT_ACCESS_COLUMNS[name] for name in ACCESS_COLUMNS
        }.items()
        for column in columns
    ),
)
def test_update_of_column(db: Database, seed: Seeder, table: str, column: str) -> None:
    ids = dict(zip(("stores", "devices", "api_keys"), _world(seed), strict=True))
    before = generation(db)
    statement = f"UPDATE {table} SET {column} = {column} WHERE id = :id"

    _execute(db, statement, id=ids[table])

    expected = column in ACCESS_COLUMNS[table]
    assert (generation(db) > before) is expected
    assert changes_access(statement) is expected


def test_key_insert_and_delete(db: Database, seed: Seeder) -> None:
    _, device, key_id = _world(seed)

    before_insert = generation(db)
    seed.key("device", device_id=device)
    after_insert = generation(db)
    _execute(db, "DELETE FROM api_keys WHERE id = :id", id=key_id)
    after_delete = generation(db)

    assert "api_keys" in INSERT_COUNTS
    assert after_insert > before_insert
    assert after_delete > after_insert


def test_device_and_store_insert_ignored(db: Database, seed: Seeder) -> None:
    before = generation(db)

    store = seed.store("Quiet Shop")
    seed.device("quiet-door", store)

    assert generation(db) == before


def test_device_and_store_delete(db: Database, seed: Seeder) -> None:
    store, device, _ = _world(seed)

    before = generation(db)
    _execute(db, "DELETE FROM devices WHERE id = :id", id=device)
    after_device = generation(db)
    _execute(db, "DELETE FROM stores WHERE id = :id", id=store)
    after_store = generation(db)

    assert after_device > before
    assert after_store > after_device


def test_statement_without_rows_on_sqlite(db: Database, seed: Seeder) -> None:
    # SQLite's triggers run per row, PostgreSQL's per statement, so only SQLite leaves the
    # counter alone when no row matches.
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's statement-level triggers fire for a statement without rows")
    _world(seed)
    before = generation(db)

    _execute(db, "UPDATE api_keys SET revoked_ms = 1 WHERE id = -1")

    assert generation(db) == before


def _trigger_names(connection: Connection, is_sqlite: bool) -> set[str]:
    if is_sqlite:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return {str(name) for name in connection.execute(text(query)).scalars()}


def test_triggers_exist_at_head(db: Database) -> None:
    with db.read() as connection:
        names = _trigger_names(connection, db.is_sqlite)

    if db.is_sqlite:
        expected = {
            "access_generation_api_keys_insert",
            "access_generation_api_keys_update",
            "access_generation_api_keys_delete",
            "access_generation_devices_update",
            "access_generation_devices_delete",
            "access_generation_stores_update",
            "access_generation_stores_delete",
        }
    else:
        expected = {
            "access_generation_api_keys",
            "access_generation_devices",
            "access_generation_stores",
        }
    assert expected <= names


def test_downgrade_removes_triggers(db: Database) -> None:
    downgrade(db, None, "0003_dwell_cache")
    with db.read() as connection:
        after_downgrade = _trigger_names(connection, db.is_sqlite)
    upgrade(db)
    with db.read() as connection:
        after_upgrade = _trigger_names(connection, db.is_sqlite)

    assert not any(name.startswith("access_generation") for name in after_downgrade)
    assert any(name.startswith("access_generation") for name in after_upgrade)
