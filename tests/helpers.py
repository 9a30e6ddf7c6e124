"""Helpers shared by the tests: seeding a database, and a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import insert

from footfall.clock import now_ms
from footfall.db.engine import Database
from footfall.db.models import Device, Store
from footfall.keys import create_key

_T = TypeVar("_T")

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


#: A PostgreSQL server URL (``postgresql+psycopg://user@127.0.0.1:PORT/postgres``). When set,
#: every test database is a fresh database on that server instead of a SQLite file.
POSTGRES_URL_VARIABLE = "FOOTFALL_TEST_POSTGRES_URL"


def fresh_database_url(tmp_path: Path, name: str = "footfall") -> str:
    """Return the URL of an empty database for one test: a SQLite file, or a new PostgreSQL
    database when FOOTFALL_TEST_POSTGRES_URL is set (dropped at the end of the session)."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        return f"sqlite:///{tmp_path / (name + '.db')}"

    return _create_postgres_database(server_url)


_CREATED_POSTGRES_DATABASES: list[str] = []


def _create_postgres_database(server_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"footfall_test_{uuid.uuid4().hex[:16]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    _CREATED_POSTGRES_DATABASES.append(name)
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_created_postgres_databases() -> None:
    """Drop the PostgreSQL databases that this session's tests created."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url or not _CREATED_POSTGRES_DATABASES:
        return
    # Each DROP DATABASE forces a checkpoint, which takes most of a second; the test script
    # sets this variable because it removes the whole throw-away server afterwards.
    if os.environ.get("FOOTFALL_TEST_POSTGRES_KEEP_DATABASES") == "1":
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for name in _CREATED_POSTGRES_DATABASES:
            # FORCE ends the connections of servers that a test left running.
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
    _CREATED_POSTGRES_DATABASES.clear()


def shared_data_dir() -> Path:
    """Return the folder of recorded pedestrian data (FOOTFALL_SHARED_DATA overrides it)."""
    configured = os.environ.get("FOOTFALL_SHARED_DATA")
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "data"


@dataclass
class Seeder:
    """Creates stores, devices and keys directly in a database, for test set-up."""

    db: Database
    keys: list[str] = field(default_factory=list)

    def store(
        self, name: str, timezone: str = "UTC", reset_hour: int = 4, max_dwell_s: int = 4 * 3600
    ) -> int:
        with self.db.write() as connection:
            result = connection.execute(
                insert(Store).values(
                    name=name,
                    timezone=timezone,
                    day_reset_hour=reset_hour,
                    max_dwell_s=max_dwell_s,
                    created_ms=now_ms(),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def device(self, name: str, store_id: int) -> int:
        with self.db.write() as connection:
            result = connection.execute(
                insert(Device).values(
                    store_id=store_id,
                    name=name,
                    settings_json=json.dumps(DEFAULT_DEVICE_SETTINGS),
                    settings_etag="initial",
                    created_ms=now_ms(),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def key(self, role: str, store_id: int | None = None, device_id: int | None = None) -> str:
        with self.db.write() as connection:
            _, key = create_key(connection, role=role, store_id=store_id, device_id=device_id)
        self.keys.append(key)
        return key


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
            env=self.env,
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=False,
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
    """Start ``litestar run`` on a free port and wait until it responds."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "FOOTFALL_DATABASE_URL": fresh_database_url(tmp_path, "live"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra_env or {})
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "litestar", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPOSITORY,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, env=env, log_path=log_path)
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


def run_coroutine(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion in a new event loop on a thread of its own.

    The Playwright tests leave an event loop running in the main thread, and
    ``asyncio.run`` refuses to start inside a running loop, so tests run later in the same
    process must not start theirs there.
    """
    results: list[_T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(asyncio.run(coroutine))
        except BaseException as error:  # handed to the calling thread, which raises it
            errors.append(error)

    thread = threading.Thread(target=run, name="test-event-loop")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
