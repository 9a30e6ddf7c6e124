"""Cached API keys and devices: kept until an admin change, seen by other workers in time.

A second application on the same database stands for another worker process. Each
application's check interval runs on a fake clock, so no test waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event, select, text

from footfall.access_generation import tracker_for
from footfall.cli import footfall_group
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import AccessGeneration, ApiKey
from footfall.service import Service
from tests.api.test_device_routes import HEARTBEAT
from tests.helpers import Seeder, fresh_database_url

CHECK_INTERVAL_S = 5.0

T0 = 1_700_000_000.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the key cache on, and no rate limits."""
    return Settings(
        database_url=fresh_database_url(tmp_path),
        key_cache_s=CHECK_INTERVAL_S,
        ingest_rate_per_s=0.0,
        auth_failure_rate_per_min=0.0,
    )


class FakeClock:
    """A monotonic clock that advances only when a test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Worker:
    """One application with its client, its service and the clock of its check interval."""

    client: TestClient[Litestar]
    service: Service
    clock: FakeClock

    def me(self, key: str) -> Any:
        return self.client.get("/api/v1/me", headers={"X-API-Key": key})


def _worker(app: Litestar, client: TestClient[Litestar]) -> Worker:
    service = app.state["footfall"]
    clock = FakeClock()
    tracker_for(service.db).clock = clock
    return Worker(client=client, service=service, clock=clock)


@pytest.fixture
def worker(app: Litestar, client: TestClient[Litestar]) -> Worker:
    return _worker(app, client)


@pytest.fixture
def other_worker(settings: Settings, db: Database) -> Iterator[Worker]:
    from footfall.app import create_app

    app = create_app(settings)
    with TestClient(app=app) as client:
        yield _worker(app, client)


@dataclass
class Shop:
    store: int
    device: int
    device_key: str
    device_key_id: int
    admin_key: str

    @property
    def admin(self) -> dict[str, str]:
        return {"X-API-Key": self.admin_key}


@pytest.fixture
def shop(seed: Seeder) -> Shop:
    store = seed.store("North")
    seed.store("South")
    device = seed.device("door", store)
    device_key = seed.key("device", device_id=device)
    admin_key = seed.key("admin")
    with seed.db.read() as connection:
        device_key_id = connection.execute(
            select(ApiKey.id).where(ApiKey.role == "device")
        ).scalar_one()
    return Shop(store, device, device_key, device_key_id, admin_key)


@dataclass
class LookupCounter:
    """Counts the queries that look up a key by its hash, and a device with its store."""

    keys: int = 0
    devices: int = 0

    def __call__(self, *arguments: Any) -> None:
        statement = " ".join(str(arguments[2]).split())
        if not statement.upper().startswith("SELECT"):
            return
        if "api_keys.key_hash =" in statement:
            self.keys += 1
        if statement.startswith("SELECT devices.id, devices.name, stores.id AS id_1,"):
            self.devices += 1


@pytest.fixture
def lookups(worker: Worker) -> Iterator[LookupCounter]:
    counter = LookupCounter()
    engine = worker.service.db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def _generation(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(select(AccessGeneration.generation)).scalar_one())


def _run_cli(settings: Settings, *args: str) -> None:
    # In this process, but with a database engine of its own, as a separate command would.
    result = CliRunner().invoke(
        footfall_group, list(args), env={"FOOTFALL_DATABASE_URL": settings.database_url}
    )
    assert result.exit_code == 0, result.output


def test_admin_revocation_next_request(worker: Worker, shop: Shop) -> None:
    before = worker.me(shop.device_key)

    revoked = worker.client.post(
        f"/api/v1/admin/keys/{shop.device_key_id}/revoke", headers=shop.admin
    )
    after = worker.me(shop.device_key)

    assert before.status_code == 200
    assert revoked.status_code == 200
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]


def test_other_worker_sees_revocation(worker: Worker, other_worker: Worker, shop: Shop) -> None:
    before = other_worker.me(shop.device_key)

    worker.client.post(f"/api/v1/admin/keys/{shop.device_key_id}/revoke", headers=shop.admin)
    within_interval = other_worker.me(shop.device_key)
    other_worker.clock.now += CHECK_INTERVAL_S
    after_interval = other_worker.me(shop.device_key)

    assert before.status_code == 200
    # Until it next reads the generation, the other worker accepts the key from its cache.
    assert within_interval.status_code == 200
    assert after_interval.status_code == 401


def test_cli_revocation_seen(worker: Worker, shop: Shop, settings: Settings) -> None:
    before = worker.me(shop.device_key)

    _run_cli(settings, "keys", "revoke", str(shop.device_key_id))
    worker.clock.now += CHECK_INTERVAL_S
    after = worker.me(shop.device_key)

    assert before.status_code == 200
    assert after.status_code == 401


def test_sql_revocation_seen(worker: Worker, shop: Shop, db: Database) -> None:
    before = worker.me(shop.device_key)

    with db.write() as connection:
        connection.execute(
            text("UPDATE api_keys SET revoked_ms = 1 WHERE id = :id"), {"id": shop.device_key_id}
        )
    worker.clock.now += CHECK_INTERVAL_S
    after = worker.me(shop.device_key)

    assert before.status_code == 200
    assert after.status_code == 401


def test_device_move_and_rename_seen(worker: Worker, shop: Shop, settings: Settings) -> None:
    before = worker.me(shop.device_key).json()
    ref_before = worker.service.device_ref(shop.device)

    _run_cli(settings, "devices", "move", "door", "--store", "South")
    _run_cli(settings, "devices", "rename", "door", "gate")
    worker.clock.now += CHECK_INTERVAL_S
    after = worker.me(shop.device_key).json()
    ref_after = worker.service.device_ref(shop.device)

    assert before["stores"] == ["North"]
    assert after["stores"] == ["South"]
    assert (ref_before.name, ref_before.store_name) == ("door", "North")
    assert (ref_after.name, ref_after.store_name) == ("gate", "South")


def test_store_rename_seen_at_once(worker: Worker, shop: Shop) -> None:
    before = worker.service.device_ref(shop.device)

    renamed = worker.client.patch(
        "/api/v1/admin/stores/North", json={"name": "North Side"}, headers=shop.admin
    )
    after = worker.service.device_ref(shop.device)

    assert renamed.status_code == 200
    assert before.store_name == "North"
    assert after.store_name == "North Side"


def test_unknown_key_created_later(worker: Worker, other_worker: Worker, shop: Shop) -> None:
    legacy_key = "legacy-door-key-0123456789"
    unknown_here = worker.me(legacy_key)
    unknown_there = other_worker.me(legacy_key)

    created = worker.client.post(
        "/createApiKey/?store=North", json={"api_key": legacy_key}, headers=shop.admin
    )
    here = worker.me(legacy_key)
    there_within_interval = other_worker.me(legacy_key)
    other_worker.clock.now += CHECK_INTERVAL_S
    there_after_interval = other_worker.me(legacy_key)

    assert unknown_here.status_code == 401
    assert "not valid" in unknown_here.json()["detail"]
    assert unknown_there.status_code == 401
    assert created.status_code == 200
    assert here.status_code == 200
    assert there_within_interval.status_code == 401
    assert there_after_interval.status_code == 200


def _wait_for_last_used(db: Database, key_id: int) -> int | None:
    # The key's use is recorded by a background thread about a second later.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.read() as connection:
            last_used = connection.execute(
                select(ApiKey.last_used_ms).where(ApiKey.id == key_id)
            ).scalar_one()
        if last_used is not None:
            return int(last_used)
        time.sleep(0.05)
    return None


def test_bookkeeping_keeps_cache(
    worker: Worker, shop: Shop, db: Database, lookups: LookupCounter
) -> None:
    headers = {"X-API-Key": shop.device_key}
    generation_before = _generation(db)

    answers = []
    for seq in range(1, 6):
        batch = {"events": [{"seq": seq, "time": T0 + seq, "direction": "entry"}]}
        answers.append(worker.client.post("/api/v1/events", json=batch, headers=headers))
        answers.append(
            worker.client.post("/api/v1/devices/me/status", json=HEARTBEAT, headers=headers)
        )
        answers.append(
            worker.client.post(
                f"/movements/?api_key={shop.device_key}", json=[{"time": T0 + seq, "form": True}]
            )
        )
        worker.clock.now += CHECK_INTERVAL_S
    settings_changed = worker.client.patch(
        "/api/v1/admin/devices/door/settings", json={"band": 0.05}, headers=shop.admin
    )
    last_used = _wait_for_last_used(db, shop.device_key_id)
    worker.clock.now += CHECK_INTERVAL_S
    after = worker.client.post("/api/v1/devices/me/status", json=HEARTBEAT, headers=headers)

    assert [answer.status_code for answer in answers] == [200] * 15
    assert settings_changed.status_code == 200
    assert last_used is not None
    assert after.status_code == 200
    assert _generation(db) == generation_before
    # One look-up of the device key, one of the admin key, and one of the device.
    assert lookups.keys == 2
    assert lookups.devices == 1


def test_zero_interval_checks_every_request(
    tmp_path: Path, seed: Seeder, shop: Shop, settings: Settings
) -> None:
    from footfall.app import create_app

    uncached = Settings(
        database_url=settings.database_url,
        key_cache_s=0.0,
        ingest_rate_per_s=0.0,
        auth_failure_rate_per_min=0.0,
    )
    with TestClient(app=create_app(uncached)) as client:
        headers = {"X-API-Key": shop.device_key}
        before = client.get("/api/v1/me", headers=headers)
        with seed.db.write() as connection:
            connection.execute(
                text("UPDATE api_keys SET revoked_ms = 1 WHERE id = :id"),
                {"id": shop.device_key_id},
            )
        after = client.get("/api/v1/me", headers=headers)

    assert before.status_code == 200
    assert after.status_code == 401
