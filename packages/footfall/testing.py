"""Pytest fixtures for plugin authors: a migrated database, a seeder and the running app.

Enable them in a plugin's ``tests/conftest.py`` with ``pytest_plugins = ["footfall.testing"]``.
Every fixture works on a fresh SQLite file in the test's ``tmp_path`` and loads every
installed plugin, so a plugin's own migrations run and its analytics are served.

- ``footfall_settings``: the :class:`~footfall.config.Settings` of the test.
- ``footfall_db``: the :class:`~footfall.db.engine.Database`, upgraded to every head.
- ``footfall_seed``: a :class:`FootfallSeeder` that creates stores, devices and keys.
- ``footfall_client``: a Litestar ``TestClient`` of the whole service.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from footfall.admin.devices import create_device
from footfall.admin.stores import create_store
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.db.models import Store
from footfall.keys import create_key
from footfall.plugins import create_plugin_manager

__all__ = [
    "FootfallSeeder",
    "footfall_client",
    "footfall_db",
    "footfall_seed",
    "footfall_settings",
    "post_events",
]


@dataclass
class FootfallSeeder:
    """Creates stores, devices and API keys directly in the test database."""

    db: Database

    def store(self, name: str, timezone: str = "UTC", reset_hour: int = 4,
              max_dwell_s: int = 4 * 3600) -> int:
        """Create a store; return its id."""
        with self.db.write() as connection:
            row = create_store(connection, name=name, timezone=timezone,
                               day_reset_hour=reset_hour, max_dwell_s=max_dwell_s)
        return row.id

    def device(self, name: str, store_id: int) -> int:
        """Create a device with default settings in the store; return its id."""
        with self.db.write() as connection:
            store_name = connection.execute(
                select(Store.name).where(Store.id == store_id)
            ).scalar_one()
            row = create_device(connection, name=name, store=store_name)
        return row.id

    def key(self, role: str, store_id: int | None = None, device_id: int | None = None) -> str:
        """Create an API key (admin, viewer or device); return the key itself."""
        with self.db.write() as connection:
            _, key = create_key(connection, role=role, store_id=store_id, device_id=device_id)
        return key


def post_events(
    client: TestClient[Litestar], device_key: str, events: Sequence[tuple[float, str]],
    first_seq: int = 1,
) -> dict[str, Any]:
    """Upload ``(epoch seconds, "entry" | "exit")`` events as one batch; return the JSON body."""
    body = {
        "events": [
            {"seq": first_seq + index, "time": time_s, "direction": direction}
            for index, (time_s, direction) in enumerate(events)
        ]
    }
    response = client.post("/api/v1/events", json=body, headers={"X-API-Key": device_key})
    if response.status_code != 200:
        raise AssertionError(f"uploading events failed with {response.status_code}: "
                             f"{response.text}")
    answer: dict[str, Any] = response.json()
    if answer["rejected"]:
        raise AssertionError(f"the service rejected events: {answer['rejected']}")
    return answer


@pytest.fixture
def footfall_settings(tmp_path: Path) -> Settings:
    """Settings on a fresh SQLite file, with no key cache and no ingest rate limit."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'footfall.db'}",
        key_cache_s=0.0,
        ingest_rate_per_s=0.0,
    )


@pytest.fixture
def footfall_db(footfall_settings: Settings) -> Iterator[Database]:
    """The test database, migrated with the core's and every installed plugin's migrations."""
    database = Database(footfall_settings)
    upgrade(database, create_plugin_manager(footfall_settings))
    yield database
    database.dispose()


@pytest.fixture
def footfall_seed(footfall_db: Database) -> FootfallSeeder:
    """A seeder of stores, devices and keys."""
    return FootfallSeeder(footfall_db)


@pytest.fixture
def footfall_client(
    footfall_settings: Settings, footfall_db: Database
) -> Iterator[TestClient[Litestar]]:
    """An in-process HTTP client of the service with every installed plugin."""
    from footfall.app import create_app  # noqa: PLC0415 - the app imports every route module

    with TestClient(app=create_app(footfall_settings)) as client:
        yield client
