"""Analytics end to end: events posted by a device, read back through the HTTP API."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import Seeder

from .conftest import iso_ms


def post_events(
    client: TestClient[Litestar], key: str, events: list[tuple[int, bool]], first_seq: int = 0
) -> None:
    body = {
        "events": [
            {
                "seq": first_seq + index,
                "time": time_ms / 1000,
                "direction": "entry" if is_entry else "exit",
            }
            for index, (time_ms, is_entry) in enumerate(events)
        ]
    }
    response = client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(events), response.text


def test_hourly_over_spring_forward(client: TestClient[Litestar], seed: Seeder) -> None:
    store = seed.store("Berlin Shop", timezone="Europe/Berlin")
    device = seed.device("berlin-door", store)
    post_events(
        client,
        seed.key("device", device_id=device),
        [(iso_ms("2025-03-30T00:30:00+00:00"), True), (iso_ms("2025-03-30T01:30:00+00:00"), True)],
    )
    viewer = {"X-API-Key": seed.key("viewer", store_id=store)}

    response = client.get(
        "/api/v1/analytics/hourly",
        params={"store": "Berlin Shop", "start": "2025-03-30", "end": "2025-03-31"},
        headers=viewer,
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["zone"] == "Europe/Berlin"
    assert result["resolution"] == "hour"
    assert len(result["buckets"]) == 23
    counted = [(b["start"], b["offset"]) for b in result["buckets"] if b["entries"]]
    assert counted == [
        (iso_ms("2025-03-30T01:00:00+01:00"), "+01:00"),
        (iso_ms("2025-03-30T03:00:00+02:00"), "+02:00"),
    ]
    assert [b["watched"] for b in result["buckets"]].count(True) == 2


def test_dwell_reference_day(client: TestClient[Litestar], seed: Seeder) -> None:
    store = seed.store("UTC Shop", timezone="UTC", reset_hour=4)
    device = seed.device("utc-door", store)
    day = "2024-05-06"
    post_events(
        client,
        seed.key("device", device_id=device),
        [
            (iso_ms(f"{day}T09:00:00+00:00"), False),
            (iso_ms(f"{day}T09:10:00+00:00"), True),
            (iso_ms(f"{day}T09:20:00+00:00"), True),
            (iso_ms(f"{day}T09:40:00+00:00"), False),
            (iso_ms(f"{day}T09:40:00+00:00"), False),
            (iso_ms(f"{day}T14:00:00+00:00"), True),
            (iso_ms(f"{day}T15:10:00+00:00"), False),
        ],
    )
    viewer = {"X-API-Key": seed.key("viewer", store_id=store)}

    result = client.get(
        "/api/v1/analytics/dwell",
        params={"store": "UTC Shop", "start": f"{day}T00:00", "end": "2024-05-07T00:00", "k": "5"},
        headers=viewer,
    ).json()

    assert result["n"] == 3
    assert result["overall_mean_s"] == 2400
    assert abs(result["hours"][9]["smoothed_s"] - (2 * 25 + 5 * 40) / 7 * 60) < 1e-6
    assert abs(result["hours"][14]["smoothed_s"] - 45 * 60) < 1e-6
    assert result["unmatched_exits"] == 1
    assert len(result["hours"]) == 24


def test_occupancy_after_posted_events(client: TestClient[Litestar], seed: Seeder) -> None:
    # The business day of a UTC store that resets twelve hours from now began about twelve
    # hours ago, so events from the last hour all belong to it.
    reset_hour = (datetime.now(UTC).hour + 12) % 24
    store = seed.store("Occupancy Shop", timezone="UTC", reset_hour=reset_hour)
    device = seed.device("occupancy-door", store)
    now = int(time.time() * 1000)
    post_events(
        client,
        seed.key("device", device_id=device),
        [(now - 3_600_000, True), (now - 1_800_000, True), (now - 600_000, False)],
    )
    viewer = {"X-API-Key": seed.key("viewer", store_id=store)}

    result = client.get("/api/v1/stores/Occupancy Shop/occupancy", headers=viewer).json()

    assert result["entries"] == 2
    assert result["exits"] == 1
    assert result["occupancy"] == 1
    assert result["displayed"] == 1
    assert result["drift"] == 0
    assert result["since"] <= now - 3_600_000
