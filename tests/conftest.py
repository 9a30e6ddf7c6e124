"""Fixtures shared by the service's tests: a migrated SQLite file, the app, a live server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import insert

from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.db.models import Device, Store
from footfall.keys import create_key

REPOSITORY = Path(__file__).resolve().parents[1]

DEFAULT_DEVICE_SETTINGS: dict[str, Any] = {
    "line": {"start": [0.0, 0.5], "end": [1.0, 0.5], "inside": [0.5, 1.0]},
    "band": 0.02,
    "confirm": 2,
    "mode": "immediate",
    "anchor": "center",
    "min_score": 0.7,
    "batch_interval_s": 5,
    "heartbeat_interval_s": 60,
}


def shared_data_dir() -> Path:
    """Return the folder of recorded pedestrian data (FOOTFALL_SHARED_DATA overrides it)."""
    configured = os.environ.get("FOOTFALL_SHARED_DATA")
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "data"


@dataclass
class Seeder:
    """Creates stores, devices and keys directly in a database, for test set-up."""

    db: Database
    keys: list[str] = field(default_factory=list)

    def store(self, name: str, timezone: str = "UTC", reset_hour: int = 4,
              max_dwell_s: int = 4 * 3600) -> int:
        with self.db.write() as connection:
            result = connection.execute(
                insert(Store).values(name=name, timezone=timezone, day_reset_hour=reset_hour,
                                     max_dwell_s=max_dwell_s, created_ms=now_ms())
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def device(self, name: str, store_id: int) -> int:
        with self.db.write() as connection:
            result = connection.execute(
                insert(Device).values(store_id=store_id, name=name,
                                      settings_json=json.dumps(DEFAULT_DEVICE_SETTINGS),
                                      settings_etag="initial", created_ms=now_ms())
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def key(self, role: str, store_id: int | None = None, device_id: int | None = None) -> str:
        with self.db.write() as connection:
            _, key = create_key(connection, role=role, store_id=store_id, device_id=device_id)
        self.keys.append(key)
        return key


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh SQLite file and no key cache, so revocation shows at once."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'footfall.db'}", key_cache_s=0.0)


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


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A real ``litestar run`` process on 127.0.0.1."""

    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log_path: Path

    def cli(self, *args: str) -> str:
        """Run ``litestar footfall ARGS`` on the server's database; return standard output."""
        result = subprocess.run(
            [sys.executable, "-m", "litestar", "footfall", *args],
            env=self.env, cwd=REPOSITORY, capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"litestar footfall {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_live_server(tmp_path: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    """Start ``litestar run`` on a free port and wait until it answers."""
    port = free_port()
    env = dict(os.environ)
    env.update({
        "FOOTFALL_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra_env or {})
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "litestar", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPOSITORY, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, env=env,
                        log_path=log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{server.url}/health/live", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise AssertionError(f"the server did not answer within 60 s:\n{log_path.read_text()}")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server on 127.0.0.1 with its own SQLite file."""
    server = start_live_server(tmp_path)
    yield server
    server.stop()
