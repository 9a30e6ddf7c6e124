"""Rate limits: ingest requests per key, failed authentications per client address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.ratelimit import RateLimiter
from tests.helpers import Seeder, fresh_database_url

T0 = 1_700_000_000.0


def _client(tmp_path: Path, **limits: float) -> Iterator[tuple[TestClient[Litestar], Seeder]]:
    from footfall.app import create_app

    settings = Settings(database_url=fresh_database_url(tmp_path), key_cache_s=0.0, **limits)
    database = Database(settings)
    upgrade(database)
    with TestClient(app=create_app(settings)) as client:
        yield client, Seeder(database)
    database.dispose()


@pytest.fixture
def ingest_limited(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], Seeder]]:
    """An app that allows a burst of 3 ingest requests per key, then 1 every 100 s."""
    yield from _client(tmp_path, ingest_rate_per_s=0.01, ingest_burst=3,
                       auth_failure_rate_per_min=0.0)


@pytest.fixture
def auth_limited(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], Seeder]]:
    """An app that allows 3 failed authentications per client address per minute."""
    yield from _client(tmp_path, auth_failure_rate_per_min=3.0, ingest_rate_per_s=0.0)


def _batch(seq: int) -> dict[str, object]:
    return {"events": [{"seq": seq, "time": T0 + seq, "direction": "entry"}]}


def test_ingest_over_burst_gets_429(ingest_limited: tuple[TestClient[Litestar], Seeder]) -> None:
    client, seed = ingest_limited
    store = seed.store("Limits")
    first = seed.key("device", device_id=seed.device("limit-1", store))
    second = seed.key("device", device_id=seed.device("limit-2", store))

    statuses = [
        client.post("/api/v1/events", json=_batch(n),
                    headers={"Authorization": f"Bearer {first}"}).status_code
        for n in range(4)
    ]
    limited = client.post("/api/v1/events", json=_batch(9), headers={"X-API-Key": first})
    legacy = client.post(f"/movements/?api_key={first}", json=[{"time": T0, "form": True}])
    other_key = client.post("/api/v1/events", json=_batch(1),
                            headers={"Authorization": f"Bearer {second}"})
    reads = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})

    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["status"] == 429
    assert "FOOTFALL_INGEST_RATE_PER_S" in limited.json()["detail"]
    assert legacy.status_code == 429
    assert other_key.status_code == 200
    assert reads.status_code == 200


def test_failed_auth_over_limit_gets_429(
    auth_limited: tuple[TestClient[Litestar], Seeder]
) -> None:
    client, seed = auth_limited
    admin = seed.key("admin")

    failures = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer ff_wrong{n}"}).status_code
        for n in range(3)
    ]
    blocked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {admin}"})
    blocked_no_key = client.get("/api/v1/stores")
    health = client.get("/health/live")

    assert failures == [401, 401, 401]
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["errors"][0]["field"] == "rate"
    assert admin not in blocked.text
    assert blocked_no_key.status_code == 429
    assert health.status_code == 200


def test_successful_auth_not_counted(auth_limited: tuple[TestClient[Litestar], Seeder]) -> None:
    client, seed = auth_limited
    viewer = seed.key("viewer", store_id=seed.store("Counted"))

    statuses = {
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {viewer}"}).status_code
        for _ in range(10)
    }

    assert statuses == {200}


def test_zero_rate_turns_limits_off(tmp_path: Path) -> None:
    for client, seed in _client(tmp_path, auth_failure_rate_per_min=0.0,
                                ingest_rate_per_s=0.0, ingest_burst=1):
        key = seed.key("device", device_id=seed.device("free", seed.store("Free")))
        wrong = {client.get("/api/v1/me", headers={"X-API-Key": "ff_wrong"}).status_code
                 for _ in range(40)}
        ingest = {client.post("/api/v1/events", json=_batch(n),
                              headers={"X-API-Key": key}).status_code for n in range(20)}

        assert wrong == {401}
        assert ingest == {200}


def test_bucket_waits_for_one_token() -> None:
    limiter = RateLimiter("test", capacity=2, rate_per_s=0.5)

    taken = [limiter.take("a"), limiter.take("a")]
    wait = limiter.take("a")
    other = limiter.take("b")

    assert taken == [None, None]
    assert wait is not None
    assert 0 < wait <= 2.0
    assert other is None
