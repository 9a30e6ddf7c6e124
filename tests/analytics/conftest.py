"""Fixtures for the analytics tests: a migrated SQLite file and helpers to fill it."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, insert

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.db.models import QUARTER_S, Device, Event, Heartbeat, QuarterCount, Store
from footfall.db.upsert import dialect_insert
from footfall.plugin_types import AnalyticQuery, StoreRef
from tests.helpers import fresh_database_url


@dataclass
class AnalyticsDb:
    """A migrated database with helpers that insert stores, devices, events and heartbeats."""

    db: Database
    _seq: Iterator[int]

    def add_store(
        self,
        name: str,
        timezone: str,
        day_reset_hour: int = 4,
        max_dwell_s: int = 4 * 3600,
    ) -> StoreRef:
        with self.db.write() as connection:
            store_id = connection.execute(
                insert(Store).values(
                    name=name,
                    timezone=timezone,
                    day_reset_hour=day_reset_hour,
                    max_dwell_s=max_dwell_s,
                    created_ms=0,
                )
            ).inserted_primary_key[0]
        return StoreRef(store_id, name, timezone, day_reset_hour, max_dwell_s)

    def add_device(self, store: StoreRef, name: str) -> int:
        with self.db.write() as connection:
            return int(
                connection.execute(
                    insert(Device).values(
                        store_id=store.id,
                        name=name,
                        settings_json="{}",
                        settings_etag="none",
                        created_ms=0,
                    )
                ).inserted_primary_key[0]
            )

    def add_events(
        self, device_id: int, events: Iterable[tuple[int, bool]], update_rollups: bool = False
    ) -> None:
        """Insert ``(time_ms, is_entry)`` events.

        With ``update_rollups`` the events are added to ``quarter_counts`` in the same
        transaction, the way ingest does; otherwise the rollups are left alone.
        """
        rows = [
            {
                "device_id": device_id,
                "seq": next(self._seq),
                "time_ms": time_ms,
                "is_entry": is_entry,
                "received_ms": time_ms,
            }
            for time_ms, is_entry in events
        ]
        if not rows:
            return
        with self.db.write() as connection:
            connection.execute(insert(Event), rows)
            if update_rollups:
                for row in rows:
                    add_to_quarter(
                        connection, device_id, int(row["time_ms"]), bool(row["is_entry"])
                    )

    def add_heartbeats(self, device_id: int, times_ms: Iterable[int]) -> None:
        rows = [
            {
                "device_id": device_id,
                "received_ms": time_ms,
                "boot_id": "boot",
                "uptime_s": 1,
                "firmware": "test",
                "fps": 7.0,
                "queue_depth": 0,
                "dropped": 0,
                "camera": "ok",
                "rssi_dbm": -60,
                "free_heap": 100000,
                "last_seq": 0,
            }
            for time_ms in times_ms
        ]
        if rows:
            with self.db.write() as connection:
                connection.execute(insert(Heartbeat), rows)

    def query(
        self,
        store: StoreRef,
        device_ids: tuple[int, ...],
        start: str,
        end: str,
        zone: str | None = None,
        device: str | None = None,
    ) -> AnalyticQuery:
        """Build a query for ``[start, end)`` given as ISO 8601 times with offsets."""
        return AnalyticQuery(
            store=store,
            device_ids=device_ids,
            device=device,
            start=datetime.fromisoformat(start),
            end=datetime.fromisoformat(end),
            zone=ZoneInfo(zone or store.timezone),
            db=self.db,
        )


def add_to_quarter(connection: Connection, device_id: int, time_ms: int, is_entry: bool) -> None:
    """Count one event in its quarter row, creating the row when it is the first."""
    statement = dialect_insert(connection, QuarterCount).values(
        device_id=device_id,
        quarter=time_ms // (QUARTER_S * 1000),
        entries=int(is_entry),
        exits=int(not is_entry),
        heartbeats=0,
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["device_id", "quarter"],
            set_={
                "entries": QuarterCount.entries + statement.excluded.entries,
                "exits": QuarterCount.exits + statement.excluded.exits,
            },
        )
    )


def iso_ms(text: str) -> int:
    """Return epoch milliseconds of an ISO 8601 time with an offset."""
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def make_database(directory: Path) -> Database:
    """Create a migrated database: a SQLite file, or PostgreSQL when the tests run on it."""
    db = Database(Settings(database_url=fresh_database_url(directory, "analytics")))
    upgrade(db)
    return db


@pytest.fixture
def adb(tmp_path: Path) -> Iterator[AnalyticsDb]:
    db = make_database(tmp_path)
    yield AnalyticsDb(db, itertools.count())
    db.dispose()
