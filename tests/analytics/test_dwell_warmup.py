"""Dwell cache warm-up: the background thread that matches finished business days at start-up."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.analytics.cache_tables import dwell_days, dwell_quarters
from footfall.analytics.dwell_cache import clear_dwell_cache
from footfall.analytics.dwell_warmup import (
    DwellWarmup,
    StoreDays,
    finished_days,
    newest_runs_first,
)
from footfall.app import create_app
from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.plugin_types import StoreRef
from footfall.service import Service
from footfall_dwell import DwellAnalytic, DwellParams, DwellResult
from tests.helpers import Seeder

from .conftest import AnalyticsDb

DAYS = 20
STORES = (("Berlin", "Europe/Berlin"), ("New York", "America/New_York"))


def add_visits(adb: AnalyticsDb, zone_name: str, devices: list[int], seed: int) -> None:
    """Store DAYS local days of visits before today, with long stays and stray exits."""
    zone = ZoneInfo(zone_name)
    rng = random.Random(seed)
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    events: dict[int, list[tuple[int, bool]]] = {device: [] for device in devices}

    # The newest visits are two days old, so their business day is over at any hour.
    for back in range(DAYS + 1, 1, -1):
        opening = (today - timedelta(days=back)).replace(hour=9).timestamp()
        for _ in range(25):
            entry_s = opening + rng.uniform(0, 9 * 3600)
            # One visit in ten stays five hours: longer than the maximum dwell of four.
            stay_s = 5 * 3600 if rng.random() < 0.1 else rng.uniform(60, 90 * 60)
            events[rng.choice(devices)].append((int(entry_s * 1000), True))
            events[rng.choice(devices)].append((int((entry_s + stay_s) * 1000), False))
        events[devices[0]].append((int((opening + 60) * 1000), False))

    for device, device_events in events.items():
        adb.add_events(device, sorted(device_events), update_rollups=True)


def seed_stores(adb: AnalyticsDb) -> list[tuple[StoreRef, list[int]]]:
    stores = []
    for index, (name, zone) in enumerate(STORES):
        store = adb.add_store(name, zone)
        devices = [adb.add_device(store, f"{name} door {door}") for door in (1, 2)]
        add_visits(adb, zone, devices, seed=index)
        stores.append((store, devices))
    return stores


def cache_rows(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with db.read() as connection:
        days = connection.execute(select(dwell_days).order_by(*dwell_days.primary_key)).all()
        quarters = connection.execute(
            select(dwell_quarters).order_by(*dwell_quarters.primary_key)
        ).all()
    return [tuple(row) for row in days], [tuple(row) for row in quarters]


def cached_day_count(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(dwell_days)).scalar_one())


def wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def dwell_over(adb: AnalyticsDb, store_days: StoreDays) -> DwellResult:
    """Compute dwell over exactly the business days that the warm-up fills."""
    start_ms = store_days.days[0][0]
    end_ms = store_days.days[-1][1]
    query = adb.query(
        store_days.store,
        store_days.device_ids,
        datetime.fromtimestamp(start_ms / 1000, UTC).isoformat(),
        datetime.fromtimestamp(end_ms / 1000, UTC).isoformat(),
    )
    return DwellAnalytic().compute(query, DwellParams())


def app_settings(adb: AnalyticsDb, dwell_warmup: bool) -> Settings:
    return Settings(
        database_url=adb.db.settings.database_url, key_cache_s=0.0, dwell_warmup=dwell_warmup
    )


def test_runs_are_newest_first_across_stores(adb: AnalyticsDb) -> None:
    seed_stores(adb)

    stores = finished_days(adb.db, now_ms())
    runs = newest_runs_first(stores)

    starts = [run[0][0] for _, run in runs]
    # DAYS days with visits, and yesterday's business day too once today's has begun.
    assert all(len(store_days.days) in {DAYS, DAYS + 1} for store_days in stores)
    assert all(store_days.days[-1][1] <= now_ms() for store_days in stores)
    assert starts == sorted(starts, reverse=True)
    assert sum(len(run) for _, run in runs) == sum(len(s.days) for s in stores)
    for store_days in stores:
        own = [run for owner, run in runs if owner is store_days]
        assert own[0][-1] == store_days.days[-1]
        assert all(len(run) == 7 for run in own[:-1])


def test_startup_fills_cache_like_requests(adb: AnalyticsDb) -> None:
    seed_stores(adb)
    stores = finished_days(adb.db, now_ms())
    total_days = sum(len(store_days.days) for store_days in stores)
    app = create_app(app_settings(adb, dwell_warmup=True))
    service: Service = app.state["footfall"]

    with TestClient(app=app):
        filled = service.dwell_warmup.finished.wait(60)
        warm_rows = cache_rows(adb.db)
        from_cache = [dwell_over(adb, store_days) for store_days in stores]
        rows_after_requests = cache_rows(adb.db)

    with adb.db.write() as connection:
        clear_dwell_cache(connection)
    uncached = [dwell_over(adb, store_days) for store_days in stores]
    request_rows = cache_rows(adb.db)

    assert filled
    assert total_days >= 2 * DAYS
    assert service.dwell_warmup.days_matched == total_days
    assert len(warm_rows[0]) == total_days
    assert rows_after_requests == warm_rows
    assert warm_rows == request_rows
    assert from_cache == uncached
    assert all(result.excluded_long > 0 for result in uncached)
    assert all(result.unmatched_exits > 0 for result in uncached)


def test_warmup_off_leaves_cache_empty(adb: AnalyticsDb) -> None:
    seed_stores(adb)
    app = create_app(app_settings(adb, dwell_warmup=False))
    service: Service = app.state["footfall"]

    with TestClient(app=app) as client:
        assert client.get("/health/ready").status_code == 200
        running = service.dwell_warmup.running
        days = cached_day_count(adb.db)

    assert not running
    assert not service.dwell_warmup.finished.is_set()
    assert days == 0


def test_close_stops_warmup_thread(adb: AnalyticsDb) -> None:
    seed_stores(adb)
    service = Service.create(app_settings(adb, dwell_warmup=True))
    service.prepare()
    # A pause far longer than the test: the thread can only end early through close().
    service.dwell_warmup = DwellWarmup(service.db, pause_s=3600.0)
    service.dwell_warmup.start()
    first_run_written = wait_for(lambda: cached_day_count(adb.db) > 0)

    service.close()

    assert first_run_written
    assert not service.dwell_warmup.running
    assert service.dwell_warmup.finished.is_set()
    assert service.dwell_warmup.days_matched == 7


def test_ingest_succeeds_during_warmup(adb: AnalyticsDb) -> None:
    stores = seed_stores(adb)
    app = create_app(app_settings(adb, dwell_warmup=True))
    service: Service = app.state["footfall"]
    # A second between weeks keeps the warm-up busy while the batches arrive.
    service.dwell_warmup.pause_s = 1.0
    _, devices = stores[0]
    device_key = Seeder(adb.db).key("device", device_id=devices[0])
    base_s = time.time() - 3600

    with TestClient(app=app) as client:
        running_before = wait_for(lambda: cached_day_count(adb.db) > 0) and (
            service.dwell_warmup.running
        )
        statuses = []
        for batch in range(10):
            # Sequence numbers above those of the seeded events, so none is a duplicate.
            numbers = range(batch * 5, batch * 5 + 5)
            events = [
                {"seq": 10_000 + number, "time": base_s + number, "direction": "entry"}
                for number in numbers
            ]
            body = {"events": events}
            response = client.post("/api/v1/events", json=body, headers={"X-API-Key": device_key})
            statuses.append((response.status_code, response.json().get("accepted")))
        running_after = service.dwell_warmup.running

    assert running_before
    assert running_after
    assert statuses == [(200, 5)] * 10


def test_failed_warmup_is_logged(adb: AnalyticsDb, caplog: pytest.LogCaptureFixture) -> None:
    # Stored without the checks of the admin API, as an old or hand-edited database may be.
    store = adb.add_store("Nowhere", "Mars/Olympus_Mons")
    device = adb.add_device(store, "door")
    adb.add_events(device, [(now_ms() - 3 * 86400 * 1000, True)], update_rollups=True)
    warmup = DwellWarmup(adb.db)

    with caplog.at_level(logging.ERROR, logger="footfall.analytics.dwell_warmup"):
        warmup.start()
        finished = warmup.finished.wait(60)
        warmup.stop()

    assert finished
    assert not warmup.running
    assert "Dwell cache warm-up failed" in caplog.text
    assert "Mars/Olympus_Mons" in caplog.text
