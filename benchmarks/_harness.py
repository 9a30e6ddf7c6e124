"""Shared parts of the service benchmarks: a real server on 127.0.0.1, fast seeding, probes.

The server is the deployment the README documents: ``litestar run`` (uvicorn, one process)
on a SQLite file with the default settings, except the ingest and failed-authentication rate
limits, which are switched off (``RATE_LIMIT_ENV``) so that the benchmark measures the
service and not its limiter. Stores, devices and keys are written straight into the migrated
database through SQLAlchemy Core before the server starts, so seeding costs no HTTP.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from footfall.admin.device_settings import DEFAULT_DEVICE_SETTINGS
from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.db.models import ApiKey, Device, Store
from footfall.keys import generate_key, hash_key
from footfall.plugins import create_plugin_manager

__all__ = [
    "RATE_LIMIT_ENV",
    "REPO",
    "Fleet",
    "Server",
    "cpu_seconds",
    "database_url",
    "free_port",
    "migrated_database",
    "resident_kib",
    "running_server",
    "seed_fleet",
    "start_server",
    "stop_server",
]

REPO = Path(__file__).resolve().parents[1]

#: Rate limits off: 0 turns each limit off (see ``footfall.config.Settings``).
RATE_LIMIT_ENV = {
    "FOOTFALL_INGEST_RATE_PER_S": "0",
    "FOOTFALL_AUTH_FAILURE_RATE_PER_MIN": "0",
}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def migrated_database(path: Path) -> Database:
    """Create a SQLite file at ``path`` with the newest schema of every installed plugin."""
    settings = Settings(database_url=database_url(path))
    db = Database(settings)
    upgrade(db, create_plugin_manager(settings))
    return db


@dataclass
class Fleet:
    """Seeded devices: ``keys[i]`` is the device key of ``device_ids[i]``."""

    store_ids: list[int] = field(default_factory=list)
    device_ids: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    viewer_key: str = ""


def seed_fleet(db: Database, stores: int, devices_per_store: int, zone: str = "UTC") -> Fleet:
    """Create stores, their devices, one device key each and one admin key, in bulk."""
    fleet = Fleet()
    created = now_ms()
    settings_json = json.dumps(DEFAULT_DEVICE_SETTINGS)

    with db.write() as connection:
        first_store = len(connection.execute(select(Store.id)).all())
        connection.execute(
            insert(Store),
            [
                {
                    "name": f"store-{first_store + index:05d}",
                    "timezone": zone,
                    "day_reset_hour": 4,
                    "max_dwell_s": 4 * 3600,
                    "created_ms": created,
                }
                for index in range(stores)
            ],
        )
        fleet.store_ids = list(connection.execute(select(Store.id).order_by(Store.id)).scalars())[
            first_store:
        ]

        connection.execute(
            insert(Device),
            [
                {
                    "store_id": store_id,
                    "name": f"door-{store_id:05d}-{door}",
                    "settings_json": settings_json,
                    "settings_etag": "initial",
                    "created_ms": created,
                }
                for store_id in fleet.store_ids
                for door in range(devices_per_store)
            ],
        )
        fleet.device_ids = list(
            connection.execute(
                select(Device.id).where(Device.store_id.in_(fleet.store_ids)).order_by(Device.id)
            ).scalars()
        )

        fleet.keys = [generate_key() for _ in fleet.device_ids]
        admin_key = generate_key()
        rows = [
            {
                "key_hash": hash_key(key),
                "prefix": key[:8],
                "role": "device",
                "device_id": device_id,
                "label": "benchmark",
                "created_ms": created,
            }
            for key, device_id in zip(fleet.keys, fleet.device_ids, strict=True)
        ]
        rows.append(
            {
                "key_hash": hash_key(admin_key),
                "prefix": admin_key[:8],
                "role": "admin",
                "device_id": None,
                "label": "benchmark",
                "created_ms": created,
            }
        )
        connection.execute(insert(ApiKey), rows)
        fleet.viewer_key = admin_key
    return fleet


def resident_kib(pid: int) -> int:
    """Return the resident set size of a process in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"process {pid} has no VmRSS line in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """Return the user plus system CPU time a process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    # Fields 14 and 15 of /proc/PID/stat (utime, stime) are the 12th and 13th after ")".
    return (int(fields[11]) + int(fields[12])) / ticks


@dataclass
class Server:
    """A running ``litestar run`` process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str]

    @property
    def pid(self) -> int:
        """Process id of the server (``litestar run`` runs uvicorn in its own process)."""
        return self.process.pid

    def get(self, path: str, key: str | None = None, gzip: bool = False) -> tuple[int, bytes]:
        """Send a GET and return the status and the body as received on the wire."""
        headers = {}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if gzip:
            headers["Accept-Encoding"] = "gzip"
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def start_server(
    database: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> tuple[Server, float]:
    """Start ``litestar run`` and wait for its first response; return it and the seconds taken."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "FOOTFALL_DATABASE_URL": database_url(database),
            "FOOTFALL_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **RATE_LIMIT_ENV,
        }
    )
    env.update(extra_env or {})
    command = [sys.executable, "-m", "litestar", "run", "--host", "127.0.0.1", "--port", str(port)]

    log = log_path.open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", port, process, log_path, env)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited during start-up:\n{log_path.read_text()}")
        try:
            status, _ = server.get("/health/live")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.005)
            continue
        if status == 200:
            return server, time.perf_counter() - started
        time.sleep(0.005)
    stop_server(server)
    raise RuntimeError(f"the server did not respond within 60 s; its log:\n{log_path.read_text()}")


def stop_server(server: Server) -> None:
    """Stop the server with SIGTERM and wait for it."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextmanager
def running_server(
    database: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run a server for the duration of the block."""
    server, _ = start_server(database, log_path, extra_env)
    try:
        yield server
    finally:
        stop_server(server)
