"""Heartbeats and counting settings of the v1 device protocol."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.db.models import Heartbeat, QuarterCount
from tests.helpers import Seeder

HEARTBEAT: dict[str, Any] = {
    "boot_id": "a1b2c3",
    "uptime_s": 3600,
    "firmware": "0.1.0",
    "fps": 7.1,
    "queue_depth": 3,
    "dropped": 0,
    "camera": "ok",
    "rssi_dbm": -61,
    "free_heap": 180_000,
    "last_seq": 42,
}


def _keys(seed: Seeder) -> tuple[str, str]:
    store = seed.store("Status Shop")
    device = seed.device("status-door", store)
    return seed.key("device", device_id=device), seed.key("admin")


def test_heartbeat_recorded_and_shown(client: TestClient[Litestar], seed: Seeder) -> None:
    device_key, admin_key = _keys(seed)

    answer = client.post(
        "/api/v1/devices/me/status", json=HEARTBEAT, headers={"X-API-Key": device_key}
    )
    stores = client.get("/api/v1/stores", headers={"X-API-Key": admin_key}).json()

    assert answer.status_code == 200
    device = stores["stores"][0]["devices"][0]
    assert device["status"]["camera"] == "ok"
    assert device["status"]["queue_depth"] == 3
    assert device["last_heartbeat_ms"] == answer.json()["received_ms"]
    assert device["silent"] is False
    with seed.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(Heartbeat)).scalar_one() == 1
        # The heartbeat marks its quarter hour as watched, with no entries or exits.
        assert connection.execute(select(QuarterCount.heartbeats, QuarterCount.entries)).one() == (
            1,
            0,
        )


def test_bad_heartbeat_names_the_field(client: TestClient[Litestar], seed: Seeder) -> None:
    device_key, _ = _keys(seed)
    cases = [
        ({**HEARTBEAT, "camera": "broken"}, "camera"),
        ({**HEARTBEAT, "fps": "fast"}, "fps"),
        ({key: value for key, value in HEARTBEAT.items() if key != "uptime_s"}, "uptime_s"),
        ({**HEARTBEAT, "queue_depth": True}, "queue_depth"),
    ]
    for body, field in cases:
        response = client.post(
            "/api/v1/devices/me/status", json=body, headers={"X-API-Key": device_key}
        )
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == field


def test_config_with_etag(client: TestClient[Litestar], seed: Seeder) -> None:
    device_key, admin_key = _keys(seed)
    headers = {"X-API-Key": device_key}

    first = client.get("/api/v1/devices/me/config", headers=headers)
    etag = first.headers["etag"]
    unchanged = client.get("/api/v1/devices/me/config", headers={**headers, "If-None-Match": etag})
    changed = client.patch(
        "/api/v1/admin/devices/status-door/settings",
        json={"line": {"start": [0.0, 0.6], "end": [1.0, 0.6], "inside": [0.5, 1.0]}},
        headers={"X-API-Key": admin_key},
    )
    after = client.get("/api/v1/devices/me/config", headers={**headers, "If-None-Match": etag})

    assert first.status_code == 200
    assert first.json()["line"]["inside"] == [0.5, 1.0]
    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert after.json()["line"]["start"] == [0.0, 0.6]


def test_invalid_settings_rejected(client: TestClient[Litestar], seed: Seeder) -> None:
    _, admin_key = _keys(seed)
    cases = [
        {"line": {"start": [0.5, 0.5], "end": [0.5, 0.5], "inside": [0.5, 1.0]}},
        {"line": {"start": [0.0, 0.5], "end": [1.0, 0.5], "inside": [0.3, 0.5]}},
        {"line": {"start": [0.0, 0.03], "end": [1.0, 0.03], "inside": [0.5, 1.0]}},
        {"band": -1},
        {"mode": "sometimes"},
    ]
    for body in cases:
        response = client.patch(
            "/api/v1/admin/devices/status-door/settings",
            json=body,
            headers={"X-API-Key": admin_key},
        )
        assert response.status_code == 400, body
        assert response.json()["errors"], body


def test_device_routes_need_device_key(client: TestClient[Litestar], seed: Seeder) -> None:
    _, admin_key = _keys(seed)

    status = client.post(
        "/api/v1/devices/me/status", json=HEARTBEAT, headers={"X-API-Key": admin_key}
    )
    config = client.get("/api/v1/devices/me/config")

    assert status.status_code == 403
    assert config.status_code == 401
