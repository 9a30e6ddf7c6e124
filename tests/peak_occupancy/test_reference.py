"""Peak occupancy against a straightforward replay, on daylight-saving days and late events.

The reference below shares no code with the plugin: it finds each business day's start by
trying local wall times, and replays the events of each day from a plain list.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from footfall_peak_occupancy.table import peak_days
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.db.engine import Database
from tests.helpers import Seeder

#: (time ms, is entry, device name); the list order is the order of arrival.
Events = list[tuple[int, bool, str]]

_BATCH = 100


def _reset_instant(zone: ZoneInfo, day: date, hour: int) -> datetime:
    """Return the start of the business day ``day``, found by trying local wall times."""
    wall = datetime(day.year, day.month, day.day, hour)
    instants = [
        wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)
    ]
    existing = [
        instant for instant in instants
        if instant.astimezone(zone).replace(tzinfo=None) == wall
    ]
    if existing:
        # A wall time that occurs twice starts the day at its first occurrence.
        return min(existing)

    # A wall time inside a gap starts the day at the first wall time after it that exists.
    while True:
        wall += timedelta(minutes=1)
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant


def _reference(
    events: Events, zone: ZoneInfo, reset_hour: int, start: datetime, end: datetime,
    devices: set[str],
) -> list[dict[str, Any]]:
    ordered = sorted(
        (time_ms, arrival, is_entry)
        for arrival, (time_ms, is_entry, device) in enumerate(events)
        if device in devices
    )
    days = []
    local_day = start.astimezone(zone).date() - timedelta(days=2)
    while local_day <= end.astimezone(zone).date() + timedelta(days=2):
        day_start = _reset_instant(zone, local_day, reset_hour)
        day_end = _reset_instant(zone, local_day + timedelta(days=1), reset_hour)
        local_day += timedelta(days=1)
        if day_end <= start or day_start >= end:
            continue

        start_ms = int(day_start.timestamp() * 1000)
        end_ms = int(day_end.timestamp() * 1000)
        inside = peak = entries = exits = 0
        peak_at = None
        for time_ms, _, is_entry in ordered:
            if not start_ms <= time_ms < end_ms:
                continue
            if is_entry:
                entries += 1
                inside += 1
            else:
                exits += 1
                inside = max(inside - 1, 0)
            if inside > peak:
                peak, peak_at = inside, time_ms
        days.append({"start": start_ms, "peak": peak, "peak_at": peak_at,
                     "entries": entries, "exits": exits})
    return days


def _random_events(rng: random.Random, around: list[datetime], count: int) -> Events:
    """Draw events near the given instants, many at the same millisecond as another."""
    events: Events = []
    for _ in range(count):
        centre = rng.choice(around)
        if events and rng.random() < 0.15:
            time_ms = rng.choice(events)[0]
        else:
            time_ms = int(centre.timestamp() * 1000) + rng.randrange(-5, 5) * 900_000 + rng.choice(
                [0, 0, rng.randrange(900_000)]
            )
        # More entries than exits, so the occupancy climbs, but exits come in runs too.
        events.append((time_ms, rng.random() < 0.55, rng.choice(["front", "back"])))
    return events


def _post(client: TestClient[Litestar], keys: dict[str, str], events: Events,
          next_seq: dict[str, int]) -> Events:
    """Post the events, one batch per device at a time; return them in order of arrival."""
    arrived: Events = []
    for first in range(0, len(events), _BATCH):
        for device, key in keys.items():
            batch = [event for event in events[first : first + _BATCH] if event[2] == device]
            body = {"events": [
                {"seq": next_seq[device] + index, "time": time_ms / 1000,
                 "direction": "entry" if is_entry else "exit"}
                for index, (time_ms, is_entry, _) in enumerate(batch)
            ]}
            next_seq[device] += len(batch)
            arrived.extend(batch)
            response = client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
            assert response.status_code == 200, response.text
            assert response.json()["rejected"] == []
    return arrived


def _stored_rows(db: Database, store_id: int) -> int:
    with db.read() as connection:
        return int(connection.execute(
            select(func.count()).select_from(peak_days).where(peak_days.c.store_id == store_id)
        ).scalar_one())


#: Zone, reset hour, and local days around a change to and from daylight-saving time. The
#: reset hour 2 lies in the spring gap of both zones; in autumn 02:00 occurs twice in Berlin
#: and 01:00 occurs twice in Chicago.
CASES = [
    ("Europe/Berlin", 2, [date(2024, 3, 31), date(2024, 10, 27)]),
    ("Europe/Berlin", 4, [date(2024, 3, 31), date(2024, 10, 27)]),
    ("America/Chicago", 2, [date(2024, 3, 10), date(2024, 11, 3)]),
    ("America/Chicago", 1, [date(2024, 3, 10), date(2024, 11, 3)]),
    ("America/Chicago", 0, [date(2024, 3, 10), date(2024, 11, 3)]),
]


@pytest.mark.parametrize(("zone_name", "reset_hour", "change_days"), CASES)
def test_matches_reference_replay(
    client: TestClient[Litestar], seed: Seeder, db: Database, zone_name: str, reset_hour: int,
    change_days: list[date],
) -> None:
    zone = ZoneInfo(zone_name)
    rng = random.Random(f"{zone_name}-{reset_hour}")
    store = seed.store("Quay", zone_name, reset_hour=reset_hour)
    keys = {name: seed.key("device", device_id=seed.device(name, store))
            for name in ("front", "back")}
    admin = seed.key("admin")
    next_seq = {name: 1 for name in keys}

    # Events cluster around the day starts next to each change, where a wrong day bound
    # moves events from one day to the other.
    around = [
        _reset_instant(zone, day + timedelta(days=offset), reset_hour)
        for day in change_days
        for offset in (-1, 0, 1, 2)
    ]
    events = _post(client, keys, _random_events(rng, around, 600), next_seq)

    def check(devices: set[str], **extra: str) -> None:
        for day in change_days:
            start = datetime(day.year, day.month, day.day, tzinfo=zone) - timedelta(days=2)
            end = start + timedelta(days=5)
            response = client.get(
                "/api/v1/analytics/peak_occupancy",
                params={"store": "Quay", "start": start.replace(tzinfo=None).isoformat(),
                        "end": end.replace(tzinfo=None).isoformat(), **extra},
                headers={"X-API-Key": admin},
            )
            assert response.status_code == 200, response.text
            expected = _reference(events, zone, reset_hour, start, end, devices)
            assert response.json()["days"] == expected, f"days around {day}"

    check({"front", "back"})
    stored = _stored_rows(db, store)
    assert stored > 0

    # The stored days are read now, and must match the reference too.
    check({"front", "back"})
    check({"front"}, device="front")

    # Late events, many of them into days that are already stored.
    events.extend(_post(client, keys, _random_events(rng, around, 200), next_seq))

    check({"front", "back"})
    check({"back"}, device="back")
    assert _stored_rows(db, store) == stored
