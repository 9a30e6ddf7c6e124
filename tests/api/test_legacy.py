"""The legacy protocol of the earlier Retail Analytics ESP32 system."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.db.models import ApiKey, Device, RejectedEvent
from footfall.keys import hash_key
from tests.helpers import Seeder

T0 = 1_700_000_000


def _device_key(seed: Seeder, store: str = "Old Shop", device: str = "old-door") -> str:
    store_id = seed.store(store)
    return seed.key("device", device_id=seed.device(device, store_id))


def test_movements_stored_and_rejected(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    body = [
        {"time": T0, "form": True},
        {"time": T0 + 5, "form": False},
        {"time": 12, "form": True},
        {"time": T0, "form": "yes"},
        {"form": True},
    ]

    response = client.post(f"/movements/?api_key={key}", json=body)

    assert response.status_code == 200
    assert response.json() == {"stored": 2, "rejected": 3}
    with seed.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(RejectedEvent)).scalar_one() == 3


def test_retried_legacy_batch_is_stored_twice(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    body = [{"time": T0, "form": True}]

    client.post(f"/movements/?api_key={key}", json=body)
    client.post(f"/movements/?api_key={key}", json=body)
    movements = client.get(f"/getMovements/?date={T0}&count=10&api_key={key}").json()

    # Legacy events carry no sequence number: at-least-once delivery, as in the old system.
    assert len(movements["movements"]) == 2


def test_get_movements_newest_first_at_or_before_date(
    client: TestClient[Litestar], seed: Seeder
) -> None:
    key = _device_key(seed)
    body = [{"time": T0 + offset, "form": offset % 2 == 0} for offset in range(10)]
    client.post(f"/movements/?api_key={key}", json=body)

    answer = client.get(f"/getMovements/?date={T0 + 6}&count=3&api_key={key}").json()

    assert answer == {
        "movements": [
            {"timestamp": T0 + 6, "is_entry": True},
            {"timestamp": T0 + 5, "is_entry": False},
            {"timestamp": T0 + 4, "is_entry": True},
        ]
    }


def test_get_movements_scope_by_role(client: TestClient[Litestar], seed: Seeder) -> None:
    key_a = _device_key(seed, "Shop A", "door-a")
    key_b = _device_key(seed, "Shop B", "door-b")
    client.post(f"/movements/?api_key={key_a}", json=[{"time": T0, "form": True}])
    client.post(f"/movements/?api_key={key_b}", json=[{"time": T0 + 1, "form": False}])
    with seed.db.read() as connection:
        store_a = connection.execute(
            select(Device.store_id).where(Device.name == "door-a")
        ).scalar_one()
    viewer_a = seed.key("viewer", store_id=store_a)
    admin = seed.key("admin")

    def count(key: str) -> int:
        answer = client.get(f"/getMovements/?date={T0 + 10}&count=100&api_key={key}").json()
        return len(answer["movements"])

    assert count(key_a) == 1
    assert count(key_b) == 1
    assert count(viewer_a) == 1
    assert count(admin) == 2


def test_get_movements_parameters_checked(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)

    missing = client.get(f"/getMovements/?count=3&api_key={key}")
    zero = client.get(f"/getMovements/?date={T0}&count=0&api_key={key}")
    text = client.get(f"/getMovements/?date=noon&count=3&api_key={key}")

    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "date"
    assert zero.status_code == 400
    assert zero.json()["errors"][0]["field"] == "count"
    assert text.status_code == 400


def test_key_in_query_only_on_legacy_routes(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)

    response = client.post(f"/api/v1/events?api_key={key}", json={"events": []})

    assert response.status_code == 401


def test_create_api_key_needs_admin(client: TestClient[Litestar], seed: Seeder) -> None:
    device_key = _device_key(seed)

    anonymous = client.post("/createApiKey/", json={"api_key": ""})
    as_device = client.post(f"/createApiKey/?api_key={device_key}", json={"api_key": ""})

    assert anonymous.status_code == 401
    assert as_device.status_code == 403


def test_create_api_key_generated_and_given(client: TestClient[Litestar], seed: Seeder) -> None:
    seed.store("First Shop")
    seed.store("Second Shop")
    admin = seed.key("admin")

    generated = client.post(f"/createApiKey/?api_key={admin}", json={"api_key": ""})
    given = client.post(
        f"/createApiKey/?api_key={admin}&store=Second Shop",
        json={"api_key": "old-firmware-key-0001"},
    )
    too_short = client.post(f"/createApiKey/?api_key={admin}", json={"api_key": "short"})
    taken = client.post(
        f"/createApiKey/?api_key={admin}", json={"api_key": "old-firmware-key-0001"}
    )
    new_key = generated.json()["api_key"]
    posted = client.post(f"/movements/?api_key={new_key}", json=[{"time": T0, "form": True}])
    posted_old = client.post(
        "/movements/?api_key=old-firmware-key-0001", json=[{"time": T0, "form": True}]
    )

    assert generated.status_code == 200
    assert given.json() == {"api_key": "old-firmware-key-0001"}
    assert too_short.status_code == 400
    assert taken.status_code == 409
    assert posted.json() == {"stored": 1, "rejected": 0}
    assert posted_old.json() == {"stored": 1, "rejected": 0}
    with seed.db.read() as connection:
        stored_hash = connection.execute(
            select(ApiKey.key_hash).where(ApiKey.key_hash == hash_key("old-firmware-key-0001"))
        ).scalar_one()
        store_of_given = connection.execute(
            select(Device.store_id)
            .join(ApiKey, ApiKey.device_id == Device.id)
            .where(ApiKey.key_hash == stored_hash)
        ).scalar_one()
    assert store_of_given == 2
