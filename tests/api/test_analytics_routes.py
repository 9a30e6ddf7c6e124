"""The analytics routes: listing, parameter checks and the OpenAPI schema."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import Seeder


def _admin(seed: Seeder) -> dict[str, str]:
    store = seed.store("Range Shop", timezone="Europe/Berlin")
    seed.device("range-door", store)
    return {"X-API-Key": seed.key("admin")}


def test_analytics_listed_with_schemas(client: TestClient[Litestar], seed: Seeder) -> None:
    headers = _admin(seed)

    listed = client.get("/api/v1/analytics", headers=headers).json()

    by_name = {item["name"]: item for item in listed["analytics"]}
    assert {"hourly", "dwell"} <= set(by_name)
    assert by_name["dwell"]["parameters"]["properties"]["k"]["type"] == "number"
    assert {"store", "start", "end"} <= set(by_name["hourly"]["parameters"]["required"])
    assert by_name["hourly"]["chart"]["rows"] == "buckets"
    assert "buckets" in by_name["hourly"]["result"]["properties"]


def test_parameters_in_openapi(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()

    dwell = schema["paths"]["/api/v1/analytics/dwell"]["get"]["parameters"]
    names = {item["name"]: item for item in dwell}

    assert {"store", "start", "end", "device", "tz", "k"} <= set(names)
    assert names["store"]["required"] is True
    assert names["tz"]["required"] is False


def test_bad_parameters_are_400_naming_them(client: TestClient[Litestar], seed: Seeder) -> None:
    headers = _admin(seed)
    base = {"store": "Range Shop", "start": "2025-03-30", "end": "2025-03-31"}
    cases = [
        ({"start": "2025-03-30", "end": "2025-03-31"}, "store"),
        ({**base, "start": "yesterday"}, "start"),
        ({**base, "end": "2025-13-01"}, "end"),
        ({**base, "end": "2025-03-29"}, "end"),
        ({**base, "tz": "Mars/Olympus"}, "tz"),
        ({**base, "tz": "../../etc/passwd"}, "tz"),
        ({**base, "end": "2040-01-01"}, "end"),
    ]
    for params, field in cases:
        response = client.get("/api/v1/analytics/hourly", params=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["field"] == field, params

    bad_k = client.get("/api/v1/analytics/dwell", params={**base, "k": "-1"}, headers=headers)
    not_number = client.get(
        "/api/v1/analytics/dwell", params={**base, "k": "many"}, headers=headers
    )
    infinite = client.get("/api/v1/analytics/dwell", params={**base, "k": "inf"}, headers=headers)
    assert bad_k.status_code == 400
    assert not_number.status_code == 400
    assert infinite.status_code == 400


def test_unknown_store_device_and_analytic(client: TestClient[Litestar], seed: Seeder) -> None:
    headers = _admin(seed)
    base = {"store": "Range Shop", "start": "2025-03-30", "end": "2025-03-31"}

    store = client.get(
        "/api/v1/analytics/hourly", params={**base, "store": "Nowhere"}, headers=headers
    )
    device = client.get(
        "/api/v1/analytics/hourly", params={**base, "device": "back-door"}, headers=headers
    )
    analytic = client.get("/api/v1/analytics/conversion", params=base, headers=headers)

    assert store.status_code == 404
    assert device.status_code == 404
    assert device.json()["errors"][0]["field"] == "device"
    assert analytic.status_code == 404
    assert "hourly" in analytic.json()["detail"]


def test_local_time_range_uses_presentation_zone(
    client: TestClient[Litestar], seed: Seeder
) -> None:
    headers = _admin(seed)

    berlin = client.get(
        "/api/v1/analytics/hourly",
        params={"store": "Range Shop", "start": "2025-03-30", "end": "2025-03-31"},
        headers=headers,
    ).json()
    utc = client.get(
        "/api/v1/analytics/hourly",
        params={"store": "Range Shop", "start": "2025-03-30", "end": "2025-03-31", "tz": "UTC"},
        headers=headers,
    ).json()

    assert berlin["zone"] == "Europe/Berlin"
    assert len(berlin["buckets"]) == 23
    assert utc["zone"] == "UTC"
    assert len(utc["buckets"]) == 24
