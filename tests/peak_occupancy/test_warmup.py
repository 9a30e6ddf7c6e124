"""The start-up warm-up of the peak occupancy plugin: what it stores, and how it stops."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import footfall_peak_occupancy.warmup as warmup_module
import pytest
from footfall_peak_occupancy import warmup_of
from footfall_peak_occupancy.replay import business_days, replay_run
from footfall_peak_occupancy.table import peak_days
from footfall_peak_occupancy.warmup import WARMUP_VARIABLE, PeakWarmup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from footfall.app import create_app
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import Device
from footfall.service import Service
from tests.helpers import Seeder

#: Days of history before today, so that the warm-up has several weeks of each store.
HISTORY_DAYS = 20

#: (name, time zone, day reset hour) of the seeded stores.
STORES = [("Quay", "UTC", 4), ("Harbour", "Europe/Berlin", 6)]


def _service(app: Litestar) -> Service:
    service = app.state.footfall
    assert isinstance(service, Service)
    return service


def _warmup(app: Litestar) -> PeakWarmup:
    warmup = warmup_of(_service(app))
    assert warmup is not None, "footfall_startup started no peak occupancy warm-up"
    return warmup


def _history(day_offset: int) -> list[dict[str, Any]]:
    """Events of one day ``day_offset`` days before today (UTC): a few visitors around noon."""
    day = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
    noon = (day - timedelta(days=day_offset)).timestamp()
    visitors = day_offset % 4 + 1
    events = []
    for visitor in range(visitors):
        events.append({"time": noon + visitor * 60, "direction": "entry"})
        events.append({"time": noon + 3600 + visitor * 60, "direction": "exit"})
    return events


def _post(
    client: TestClient[Litestar], key: str, events: list[dict[str, Any]], first_seq: int
) -> None:
    body = {"events": [{"seq": first_seq + index, **event} for index, event in enumerate(events)]}
    response = client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(events)


def _seed_history(
    settings: Settings, seed: Seeder, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, str]]:
    """Store HISTORY_DAYS days of events in every store, with the warm-up off.

    Returns an admin key and each store's device key by store name.
    """
    monkeypatch.setenv(WARMUP_VARIABLE, "0")
    device_keys = {}
    for name, zone, reset_hour in STORES:
        store = seed.store(name, zone, reset_hour=reset_hour)
        device_keys[name] = seed.key("device", device_id=seed.device(f"{name}-door", store))
    admin = seed.key("admin")

    with TestClient(app=create_app(settings)) as client:
        for key in device_keys.values():
            events = [event for offset in range(HISTORY_DAYS, 0, -1) for event in _history(offset)]
            _post(client, key, events, first_seq=1)

    monkeypatch.delenv(WARMUP_VARIABLE)
    return admin, device_keys


def _finished_days(now: datetime) -> set[tuple[str, int]]:
    """Every store's finished business days from its first event's day up to ``now``."""
    first_event = datetime.fromtimestamp(_history(HISTORY_DAYS)[0]["time"], UTC)
    days = set()
    for name, zone, reset_hour in STORES:
        for start_ms, end_ms in business_days(ZoneInfo(zone), reset_hour, first_event, now):
            if end_ms <= now.timestamp() * 1000:
                days.add((name, start_ms))
    return days


def _stored(db: Database) -> dict[tuple[str, int], tuple[Any, ...]]:
    names = {index + 1: name for index, (name, _, _) in enumerate(STORES)}
    with db.read() as connection:
        rows = connection.execute(select(peak_days)).all()
    return {(names[row.store_id], row.day_start_ms): tuple(row) for row in rows}


def _wait_for(condition: Any, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def _peaks(client: TestClient[Litestar], admin: str, store: str, **extra: str) -> Any:
    today = datetime.now(UTC).date()
    response = client.get(
        "/api/v1/analytics/peak_occupancy",
        params={
            "store": store,
            "start": (today - timedelta(days=HISTORY_DAYS + 1)).isoformat(),
            "end": (today + timedelta(days=1)).isoformat(),
            **extra,
        },
        headers={"X-API-Key": admin},
    )
    assert response.status_code == 200, response.text
    return response.json()["days"]


def test_warmup_stores_every_finished_day(
    settings: Settings,
    seed: Seeder,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin, _ = _seed_history(settings, seed, monkeypatch)
    expected_before = _finished_days(datetime.now(UTC))
    app = create_app(settings)

    with (
        caplog.at_level(logging.INFO, logger="footfall.peak_occupancy"),
        TestClient(app=app) as client,
    ):
        warmup = _warmup(app)
        finished = warmup.finished.wait(60)
        stored = _stored(db)
        answers = {name: _peaks(client, admin, name) for name, _, _ in STORES}
        replays = {
            name: _peaks(client, admin, name, device=f"{name}-door") for name, _, _ in STORES
        }
        stored_after_requests = _stored(db)
    expected_after = _finished_days(datetime.now(UTC))

    assert finished
    assert expected_before <= set(stored) <= expected_after
    assert warmup.days_replayed == len(stored)
    # One-device requests replay every day afresh, and the whole store's reads the stored days.
    assert answers == replays
    # The requests found every day the warm-up stored valid, so they replaced none of them.
    # They stored the empty days of the range before the first event themselves.
    assert {day: stored_after_requests.get(day) for day in stored} == stored
    messages = [record.getMessage() for record in caplog.records]
    assert any(text.startswith("Peak occupancy warm-up started: ") for text in messages)
    assert any(
        text.startswith(f"Peak occupancy warm-up finished: replayed {len(stored)} of ")
        and f"of {len(STORES)} stores" in text
        for text in messages
    )


def test_stored_days_equal_replay(
    settings: Settings, seed: Seeder, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_history(settings, seed, monkeypatch)
    app = create_app(settings)

    with TestClient(app=app):
        assert _warmup(app).finished.wait(60)
        stored = _stored(db)

    assert stored
    with db.read() as connection:
        devices = connection.execute(select(Device.store_id, Device.id)).all()
        for (_, start_ms), row in stored.items():
            store_id, _, end_ms, peak, peak_ms, entries, exits, _ = row
            device_ids = [device_id for owner, device_id in devices if owner == store_id]
            (replayed,) = replay_run(connection, device_ids, [(start_ms, end_ms)])
            assert (peak, peak_ms, entries, exits) == (
                replayed.peak,
                replayed.peak_ms,
                replayed.entries,
                replayed.exits,
            ), start_ms


def test_shutdown_stops_warmup(
    settings: Settings, seed: Seeder, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, device_keys = _seed_history(settings, seed, monkeypatch)
    # After its first week the thread waits an hour, unless shutdown ends the wait.
    monkeypatch.setattr(warmup_module, "PAUSE_S", 3600.0)
    app = create_app(settings)

    with TestClient(app=app) as client:
        warmup = _warmup(app)
        first_week_done = _wait_for(lambda: warmup.days_replayed > 0)
        running_in_pause = warmup.running
        # An event posted while the warm-up runs is stored, and the day it lands on, already
        # stored by the warm-up, is replayed again by the next request.
        _post(client, device_keys["Quay"], _history(1)[:1], first_seq=10_000)
        answer = _peaks(client, admin, "Quay")
        replay = _peaks(client, admin, "Quay", device="Quay-door")

    assert first_week_done
    assert running_in_pause
    assert not warmup.running
    assert warmup.finished.is_set()
    assert warmup.days_replayed == 7
    assert warmup_of(_service(app)) is None
    assert answer == replay


def test_warmup_off(
    settings: Settings, seed: Seeder, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_history(settings, seed, monkeypatch)
    monkeypatch.setenv(WARMUP_VARIABLE, "0")
    app = create_app(settings)

    with TestClient(app=app) as client:
        started = warmup_of(_service(app))
        live = client.get("/health/live")

    assert live.status_code == 200
    assert started is None
    assert _stored(db) == {}


def test_invalid_switch_is_logged(
    settings: Settings,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(WARMUP_VARIABLE, "sometimes")
    app = create_app(settings)

    with caplog.at_level(logging.ERROR, logger="footfall.service"), TestClient(app=app) as client:
        live = client.get("/health/live")

    errors = [record for record in caplog.records if record.name == "footfall.service"]
    assert live.status_code == 200
    assert warmup_of(_service(app)) is None
    assert any(
        record.getMessage().startswith("Plugin peak_occupancy failed in footfall_startup")
        for record in errors
    )
    raised = [str(record.exc_info[1]) for record in errors if record.exc_info]
    assert any(f"{WARMUP_VARIABLE}='sometimes' is not a valid switch" in text for text in raised)
