"""Fixtures of the security tests: settings without rate limits, and a world of two stores.

The access and hostile-input tests send many requests with invalid keys from one client
address, so the failed-authentication limit would reject them with 429. The rate limits have
tests of their own in ``test_ratelimit.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Connection, select, update

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.db.models import ApiKey
from footfall.keys import hash_key
from tests.helpers import Seeder, fresh_database_url

T0 = 1_700_000_000.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh database, no key cache and no rate limits."""
    return Settings(
        database_url=fresh_database_url(tmp_path),
        key_cache_s=0.0,
        ingest_rate_per_s=0.0,
        auth_failure_rate_per_min=0.0,
    )


@dataclass
class World:
    """Two stores with one device each, and a key for every kind of caller."""

    keys: dict[str, str | None]
    """Caller name to the key it sends; ``None`` for a request without a key."""
    revoked_key_id: int
    spare_key_id: int
    """A viewer key that no caller uses, for the revocation route."""
    alpha_events: int
    beta_events: int


@pytest.fixture
def world(seed: Seeder, client: TestClient[Litestar]) -> World:
    """Stores Alpha and Beta, devices alpha-door and beta-door, keys and some events."""
    return build_world(seed, client)


@dataclass
class SharedWorld:
    """A world, its client and its seeder, shared by the tests of one module."""

    client: TestClient[Litestar]
    world: World
    seed: Seeder


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedWorld]:
    """One world for a module whose tests only read or are rejected, to save start-ups."""
    from footfall.app import create_app

    folder = tmp_path_factory.mktemp("shared-world")
    module_settings = Settings(
        database_url=fresh_database_url(folder),
        key_cache_s=0.0,
        ingest_rate_per_s=0.0,
        auth_failure_rate_per_min=0.0,
    )
    database = Database(module_settings)
    upgrade(database)
    seeder = Seeder(database)
    with TestClient(app=create_app(module_settings)) as client:
        yield SharedWorld(client=client, world=build_world(seeder, client), seed=seeder)
    database.dispose()


def build_world(seed: Seeder, client: TestClient[Litestar]) -> World:
    """Create the stores, devices, keys and events of a :class:`World`."""
    alpha = seed.store("Alpha", "Europe/Berlin")
    beta = seed.store("Beta", "America/New_York")
    alpha_door = seed.device("alpha-door", alpha)
    beta_door = seed.device("beta-door", beta)
    keys: dict[str, str | None] = {
        "none": None,
        "wrong": "ff_" + "x" * 43,
        "revoked": seed.key("viewer", store_id=alpha),
        "device": seed.key("device", device_id=alpha_door),
        "other_device": seed.key("device", device_id=beta_door),
        "viewer": seed.key("viewer", store_id=alpha),
        "other_viewer": seed.key("viewer", store_id=beta),
        "admin": seed.key("admin"),
    }
    spare = seed.key("viewer", store_id=beta)
    with seed.db.write() as connection:
        connection.execute(
            update(ApiKey)
            .where(ApiKey.key_hash == hash_key(str(keys["revoked"])))
            .values(revoked_ms=1)
        )
        revoked_id = _key_id(connection, str(keys["revoked"]))
        spare_id = _key_id(connection, spare)

    for caller, first, count in (("device", 1, 7), ("other_device", 1, 3)):
        events = [
            {"seq": seq, "time": T0 + seq * 60, "direction": "entry" if seq % 3 else "exit"}
            for seq in range(first, first + count)
        ]
        answer = client.post(
            "/api/v1/events", json={"events": events},
            headers={"Authorization": f"Bearer {keys[caller]}"},
        )
        assert answer.status_code == 200, answer.text
    return World(keys=keys, revoked_key_id=revoked_id, spare_key_id=spare_id, alpha_events=7,
                 beta_events=3)


def _key_id(connection: Connection, key: str) -> int:
    return int(connection.execute(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key)))
               .scalar_one())
