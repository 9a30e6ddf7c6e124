"""API keys: header forms, invalid and revoked keys, non-ASCII bytes, and scopes."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from footfall.db.models import ApiKey
from footfall.keys import revoke_key
from tests.helpers import Seeder


def test_key_header_forms(client: TestClient[Litestar], seed: Seeder) -> None:
    key = seed.key("admin")

    bearer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    x_api_key = client.get("/api/v1/me", headers={"X-API-Key": key})
    in_query = client.get(f"/api/v1/me?api_key={key}")

    assert bearer.status_code == 200
    assert x_api_key.status_code == 200
    assert in_query.status_code == 401


def test_wrong_and_revoked_keys(client: TestClient[Litestar], seed: Seeder) -> None:
    key = seed.key("admin")
    with seed.db.write() as connection:
        key_id = connection.execute(select(ApiKey.id)).scalar_one()
        revoke_key(connection, key_id)

    revoked = client.get("/api/v1/me", headers={"X-API-Key": key})
    wrong = client.get("/api/v1/me", headers={"X-API-Key": key + "x"})

    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]
    assert wrong.status_code == 401
    assert "not valid" in wrong.json()["detail"]
    assert revoked.headers["www-authenticate"] == "Bearer"


def test_non_ascii_key_is_401(client: TestClient[Litestar], seed: Seeder) -> None:
    seed.key("admin")

    response = client.get("/api/v1/me", headers=[(b"x-api-key", "clé-ünïcode".encode())])

    assert response.status_code == 401
    assert "malformed" in response.json()["detail"]


def test_key_never_logged(
    client: TestClient[Litestar], seed: Seeder, caplog: pytest.LogCaptureFixture
) -> None:
    device_key = seed.key("device", device_id=seed.device("door", seed.store("Shop")))
    revoked = seed.key("viewer", store_id=1)
    with seed.db.write() as connection:
        revoke_key(connection, 2)

    with caplog.at_level(logging.DEBUG):
        client.post(f"/movements/?api_key={device_key}", content=b"{broken")
        client.get(f"/getMovements/?count=5&api_key={device_key}")
        client.get("/api/v1/stores", headers={"X-API-Key": revoked})
        client.post(
            "/api/v1/events", json={"events": [{"seq": -5}]}, headers={"X-API-Key": device_key}
        )

    # The test client's own request log shows the URLs it sent; only the service's lines count.
    text = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("httpx")
    )
    assert "Rejected" in text
    assert device_key not in text
    assert revoked not in text


def test_viewer_sees_only_its_store(client: TestClient[Litestar], seed: Seeder) -> None:
    mine = seed.store("Mine")
    seed.store("Theirs")
    viewer = seed.key("viewer", store_id=mine)
    headers = {"X-API-Key": viewer}

    stores = client.get("/api/v1/stores", headers=headers).json()
    own = client.get("/api/v1/stores/Mine/occupancy", headers=headers)
    other = client.get("/api/v1/stores/Theirs/occupancy", headers=headers)
    other_hourly = client.get(
        "/api/v1/analytics/hourly",
        params={"store": "Theirs", "start": "2025-01-01", "end": "2025-01-02"},
        headers=headers,
    )

    assert [store["name"] for store in stores["stores"]] == ["Mine"]
    assert own.status_code == 200
    assert other.status_code == 403
    assert other_hourly.status_code == 403
