"""The peak occupancy plugin: daily peaks, its stored table and its migration branch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from footfall_peak_occupancy.table import peak_days
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, inspect, select

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import downgrade, upgrade
from footfall.plugins import create_plugin_manager
from tests.helpers import Seeder


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _ms(text: str) -> int:
    return int(_utc(text) * 1000)


def _post(client: TestClient[Litestar], key: str, events: list[tuple[str, str]],
          first_seq: int = 1) -> None:
    body = {"events": [
        {"seq": first_seq + index, "time": _utc(time_text), "direction": direction}
        for index, (time_text, direction) in enumerate(events)
    ]}
    response = client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == []


def _peaks(client: TestClient[Litestar], admin: str, **extra: str) -> Any:
    response = client.get(
        "/api/v1/analytics/peak_occupancy",
        params={"store": "Quay", "start": "2024-05-06T04:00:00", "end": "2024-05-08T04:00:00",
                **extra},
        headers={"X-API-Key": admin},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _stored_rows(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(peak_days)).scalar_one())


DAY_ONE = [
    ("2024-05-06T09:00:00", "entry"),
    ("2024-05-06T09:10:00", "entry"),
    ("2024-05-06T09:20:00", "entry"),
    ("2024-05-06T09:30:00", "exit"),
    ("2024-05-06T10:00:00", "entry"),
    ("2024-05-06T18:00:00", "exit"),
    # Before the 04:00 reset hour, so still the business day of 2024-05-06.
    ("2024-05-07T03:00:00", "exit"),
]
DAY_TWO = [("2024-05-07T12:00:00", "exit")]


def test_daily_peak_and_time(client: TestClient[Litestar], seed: Seeder) -> None:
    store = seed.store("Quay", "UTC", reset_hour=4)
    key = seed.key("device", device_id=seed.device("door", store))
    admin = seed.key("admin")
    _post(client, key, DAY_ONE + DAY_TWO)

    result = _peaks(client, admin)

    assert result["zone"] == "UTC"
    assert result["days"] == [
        {"start": _ms("2024-05-06T04:00:00"), "peak": 3, "peak_at": _ms("2024-05-06T09:20:00"),
         "entries": 4, "exits": 3},
        {"start": _ms("2024-05-07T04:00:00"), "peak": 0, "peak_at": None, "entries": 0,
         "exits": 1},
    ]


def test_late_event_replaces_stored_peak(
    client: TestClient[Litestar], seed: Seeder, db: Database
) -> None:
    store = seed.store("Quay", "UTC", reset_hour=4)
    key = seed.key("device", device_id=seed.device("door", store))
    admin = seed.key("admin")
    _post(client, key, DAY_ONE)
    first = _peaks(client, admin)
    assert _stored_rows(db) == 2

    # A late upload: two more people were inside at 09:25.
    _post(client, key, [("2024-05-06T09:24:00", "entry"), ("2024-05-06T09:25:00", "entry")],
          first_seq=100)
    second = _peaks(client, admin)

    assert first["days"][0]["peak"] == 3
    assert second["days"][0]["peak"] == 5
    assert second["days"][0]["peak_at"] == _ms("2024-05-06T09:25:00")
    assert _stored_rows(db) == 2


def test_one_device_is_not_stored(
    client: TestClient[Litestar], seed: Seeder, db: Database
) -> None:
    store = seed.store("Quay", "UTC", reset_hour=4)
    front = seed.key("device", device_id=seed.device("front", store))
    back = seed.key("device", device_id=seed.device("back", store))
    admin = seed.key("admin")
    _post(client, front, DAY_ONE)
    _post(client, back, [("2024-05-06T09:05:00", "entry")])

    front_only = _peaks(client, admin, device="front")
    both = _peaks(client, admin)

    assert front_only["days"][0]["peak"] == 3
    assert both["days"][0]["peak"] == 4
    assert _stored_rows(db) == 2


def test_listed_with_chart_hint(client: TestClient[Litestar], seed: Seeder) -> None:
    admin = seed.key("admin")

    listing = client.get("/api/v1/analytics", headers={"X-API-Key": admin}).json()

    (peak,) = [item for item in listing["analytics"] if item["name"] == "peak_occupancy"]
    assert peak["chart"]["rows"] == "days"
    assert peak["chart"]["x"] == "start"
    assert peak["chart"]["x_type"] == "time"
    assert [series["field"] for series in peak["chart"]["series"]] == ["peak"]


def test_migration_branch_up_and_down(settings: Settings) -> None:
    database = Database(settings)
    manager = create_plugin_manager(settings)
    try:
        upgrade(database, manager)
        assert "peak_occupancy_days" in inspect(database.engine).get_table_names()

        status = downgrade(database, manager, "peak_occupancy@base")

        assert "peak_occupancy_days" not in inspect(database.engine).get_table_names()
        assert "0001_peak_occupancy" not in status.current
        assert "stores" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def test_exit_with_nobody_inside_is_drift(client: TestClient[Litestar], seed: Seeder) -> None:
    store = seed.store("Quay", "UTC", reset_hour=4)
    key = seed.key("device", device_id=seed.device("door", store))
    admin = seed.key("admin")
    _post(client, key, [
        ("2024-05-06T09:00:00", "exit"),
        ("2024-05-06T09:10:00", "entry"),
        ("2024-05-06T09:20:00", "entry"),
        ("2024-05-06T09:40:00", "exit"),
    ])

    first_day = _peaks(client, admin)["days"][0]

    # The first exit had nobody to leave; the two who came in later were inside together.
    assert first_day["peak"] == 2
    assert first_day["peak_at"] == _ms("2024-05-06T09:20:00")
