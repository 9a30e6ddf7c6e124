"""Fixtures shared by the service's tests: a migrated SQLite file, the app, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from tests.helpers import (
    LiveServer,
    Seeder,
    drop_created_postgres_databases,
    fresh_database_url,
    start_live_server,
)

#: Fails the run if an API key created during it appears in a log (see the module).
pytest_plugins = ["tests.security.key_leaks"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh SQLite file and no key cache, so revocation shows at once."""
    return Settings(database_url=fresh_database_url(tmp_path), key_cache_s=0.0)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A migrated database."""
    database = Database(settings)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def seed(db: Database) -> Seeder:
    """A seeder for stores, devices and keys."""
    return Seeder(db)


@pytest.fixture
def app(settings: Settings, db: Database) -> Litestar:
    """The application on the test database."""
    from footfall.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """An in-process HTTP client of the application."""
    with TestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server on 127.0.0.1 with its own SQLite file."""
    server = start_live_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases that the session's tests created."""
    yield
    drop_created_postgres_databases()
