"""The access generation tracker: how often it reads, and what makes it read again."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from footfall.access_generation import AccessGenerationTracker, changes_access, tracker_for
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import AccessGeneration
from footfall.keys import revoke_key, touch_key
from tests.helpers import Seeder


@dataclass
class FakeClock:
    """A monotonic clock that advances only when a test advances it."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ReadCounter:
    """Counts the statements that read the access generation."""

    reads: int = 0

    def __call__(self, *arguments: Any) -> None:
        statement = arguments[2]
        if statement.lstrip().upper().startswith("SELECT") and "access_generation" in statement:
            self.reads += 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tracker(db: Database, clock: FakeClock) -> AccessGenerationTracker:
    tracker = tracker_for(db)
    tracker.clock = clock
    return tracker


@pytest.fixture
def counter(db: Database) -> Iterator[ReadCounter]:
    counter = ReadCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def _bump_elsewhere(other: Database) -> None:
    # Through another Database object, as another worker process would.
    with other.write() as connection:
        connection.execute(
            update(AccessGeneration).values(generation=AccessGeneration.generation + 1)
        )


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("SELECT * FROM api_keys", False),
        ("INSERT INTO api_keys (key_hash, role) VALUES (?, ?)", True),
        ("INSERT INTO devices (name, store_id) VALUES (?, ?)", False),
        ("INSERT INTO stores (name) VALUES (?)", False),
        ("INSERT INTO events (device_id, seq) VALUES (?, ?)", False),
        ("UPDATE api_keys SET last_used_ms=? WHERE api_keys.id = ?", False),
        ("UPDATE api_keys SET revoked_ms=? WHERE api_keys.id = ? AND revoked_ms IS NULL", True),
        (
            "UPDATE devices SET last_event_ms = ? WHERE id = ? "
            "AND (last_event_ms IS NULL OR last_event_ms < ?)",
            False,
        ),
        (
            "UPDATE devices SET last_heartbeat_ms=%(last_heartbeat_ms)s, "
            "last_status_json=%(last_status_json)s WHERE devices.id = %(id_1)s",
            False,
        ),
        ("UPDATE devices SET settings_json=?, settings_etag=? WHERE devices.id = ?", False),
        ("UPDATE devices SET store_id=? WHERE devices.id = ?", True),
        ('UPDATE "devices" SET "name"=%s WHERE "devices".id = %s', True),
        ("  \n update stores set timezone = 'UTC'", True),
        ("DELETE FROM stores WHERE id = 1", True),
        ("DELETE FROM devices WHERE id = 1", True),
        ("DELETE FROM events WHERE device_id = 1", False),
        (
            "INSERT INTO devices (name, store_id) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET store_id = excluded.store_id",
            True,
        ),
        ("INSERT OR REPLACE INTO devices (id, name) VALUES (?, ?)", True),
        ("UPDATE quarter_counts SET entries = entries + 1", False),
    ],
)
def test_changes_access_statements(statement: str, expected: bool) -> None:
    assert changes_access(statement) is expected


def test_reads_once_per_interval(
    tracker: AccessGenerationTracker, clock: FakeClock, counter: ReadCounter
) -> None:
    first = tracker.current_version(2.0)
    for _ in range(10):
        tracker.current_version(2.0)
    reads_within_interval = counter.reads
    clock.now += 2.0
    tracker.current_version(2.0)

    assert reads_within_interval == 1
    assert counter.reads == 2
    assert tracker.current_version(2.0) == first


def test_change_elsewhere_seen_after_interval(
    tracker: AccessGenerationTracker, clock: FakeClock, settings: Settings
) -> None:
    other = Database(settings)
    first = tracker.current_version(2.0)

    _bump_elsewhere(other)
    within_interval = tracker.current_version(2.0)
    clock.now += 2.0
    after_interval = tracker.current_version(2.0)
    other.dispose()

    assert within_interval == first
    assert after_interval != first


def test_local_commit_expires(
    db: Database, seed: Seeder, tracker: AccessGenerationTracker, counter: ReadCounter
) -> None:
    seed.key("admin")
    first = tracker.current_version(60.0)
    reads_before = counter.reads

    with db.write() as connection:
        revoke_key(connection, 1)
    after_commit = tracker.current_version(60.0)

    assert counter.reads == reads_before + 1
    assert after_commit != first


def test_rollback_does_not_expire(
    db: Database, seed: Seeder, tracker: AccessGenerationTracker, counter: ReadCounter
) -> None:
    seed.key("admin")
    tracker.current_version(60.0)
    reads_before = counter.reads

    with pytest.raises(RuntimeError), db.write() as connection:
        revoke_key(connection, 1)
        raise RuntimeError("abandon the transaction")
    tracker.current_version(60.0)

    assert counter.reads == reads_before


def test_bookkeeping_write_does_not_expire(
    db: Database, seed: Seeder, tracker: AccessGenerationTracker, counter: ReadCounter
) -> None:
    seed.key("admin")
    tracker.current_version(60.0)
    reads_before = counter.reads

    with db.write() as connection:
        touch_key(connection, 1, 123)
    tracker.current_version(60.0)

    assert counter.reads == reads_before


def test_expire_forces_read(
    tracker: AccessGenerationTracker, counter: ReadCounter
) -> None:
    tracker.current_version(60.0)

    tracker.expire()
    tracker.current_version(60.0)

    assert counter.reads == 2


def test_missing_row_counts_as_change(
    db: Database,
    tracker: AccessGenerationTracker,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM access_generation"))
    caplog.set_level(logging.ERROR, logger="footfall.access_generation")

    versions = []
    for _ in range(3):
        versions.append(tracker.current_version(2.0))
        clock.now += 2.0

    assert len(set(versions)) == 3
    errors = [record for record in caplog.records if "no row" in record.getMessage()]
    assert len(errors) == 1


def test_tracker_shared_per_database(db: Database, settings: Settings) -> None:
    other = Database(settings)

    same = tracker_for(db) is tracker_for(db)
    different = tracker_for(db) is not tracker_for(other)
    other.dispose()

    assert same
    assert different


def test_generation_row_after_upgrade(db: Database) -> None:
    with db.read() as connection:
        rows = connection.execute(select(AccessGeneration.id, AccessGeneration.generation)).all()

    assert [tuple(row) for row in rows] == [(1, 0)]
