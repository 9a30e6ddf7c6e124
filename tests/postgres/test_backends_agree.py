"""SQLite and PostgreSQL give the same analytics for the same events."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.plugins import create_plugin_manager
from tests.helpers import POSTGRES_URL_VARIABLE, Seeder, fresh_database_url
from tests.postgres.dataset import (
    DEVICES,
    assert_same_results,
    batches,
    dataset_events,
    query_every_analytic,
    seed_dataset,
)

pytestmark = pytest.mark.postgres


def _loaded_client(database_url: str) -> Iterator[TestClient[Litestar]]:
    from footfall.app import create_app

    settings = Settings(database_url=database_url, key_cache_s=0.0, ingest_rate_per_s=0.0)
    database = Database(settings)
    upgrade(database, create_plugin_manager(settings))
    seeder = Seeder(database)
    keys = seed_dataset(seeder)
    admin_key = seeder.key("admin")

    with TestClient(app=create_app(settings)) as client:
        for index, device in enumerate(DEVICES):
            for batch in batches(dataset_events(index), 50):
                response = client.post(
                    "/api/v1/events", json={"events": batch},
                    headers={"X-API-Key": keys[device]},
                )
                assert response.status_code == 200, response.text
                assert response.json()["rejected"] == []
        client.headers["X-API-Key"] = admin_key
        yield client
    database.dispose()


def _getter(client: TestClient[Litestar]) -> Any:
    def get(path: str, params: dict[str, str]) -> Any:
        response = client.get(path, params=params)
        assert response.status_code == 200, f"{path} {params}: {response.text}"
        return response.json()

    return get


def test_analytics_agree_on_both_databases(tmp_path: Path) -> None:
    if not os.environ.get(POSTGRES_URL_VARIABLE):
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: run tests/postgres/run_postgres_tests.sh")
    sqlite_url = f"sqlite:///{tmp_path / 'reference.db'}"
    postgres_url = fresh_database_url(tmp_path)
    assert postgres_url.startswith("postgresql")

    for sqlite_client in _loaded_client(sqlite_url):
        expected = query_every_analytic(_getter(sqlite_client))
        expected_occupancy = sqlite_client.get("/api/v1/stores").json()
    for postgres_client in _loaded_client(postgres_url):
        actual = query_every_analytic(_getter(postgres_client))
        actual_occupancy = postgres_client.get("/api/v1/stores").json()

    assert {name for name, _ in expected} >= {"peak_occupancy"}
    assert expected.keys() == actual.keys()
    for key, result in expected.items():
        assert_same_results(result, actual[key], path=f"{key[0]} query {key[1]}")
    assert len(expected_occupancy["stores"][0]["devices"]) == len(DEVICES)
    assert [device["last_event_ms"] for device in expected_occupancy["stores"][0]["devices"]] == [
        device["last_event_ms"] for device in actual_occupancy["stores"][0]["devices"]
    ]


def test_dataset_is_not_trivial() -> None:
    events = [event for index in range(len(DEVICES)) for event in dataset_events(index)]
    entries = sum(1 for event in events if event["direction"] == "entry")
    exits = len(events) - entries

    assert entries > 1000
    assert exits > 900
    assert entries != exits
