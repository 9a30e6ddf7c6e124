"""Deterministic test data for the dashboard tests, sent through the service's own API.

Stores, devices and keys are created with the ``litestar footfall`` command line. Events and
heartbeats go through ``POST /api/v1/events`` and ``POST /api/v1/devices/me/status`` with
device keys, as a real device sends them.
"""

from __future__ import annotations

import json
import random
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DeviceLog",
    "Visit",
    "day_visits",
    "events_of",
    "post_json",
    "recent_visits",
    "send_events",
    "send_heartbeat",
]

# Largest batch the service accepts by default (FOOTFALL_MAX_BATCH_EVENTS).
BATCH_EVENTS = 1000


@dataclass(frozen=True)
class Visit:
    """One visitor: an entry and, dwell seconds later, an exit."""

    entry_s: float
    dwell_s: float


@dataclass
class DeviceLog:
    """Events sent by one device, with its next sequence number."""

    key: str
    next_seq: int = 0
    sent: list[dict[str, object]] = field(default_factory=list)


def post_json(url: str, key: str, body: object) -> dict[str, object]:
    """POST a JSON body with a bearer key and return the decoded JSON response."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, object] = json.loads(response.read())
    return result


def day_visits(
    rng: random.Random, day: str, zone: str, hours: range, per_hour: tuple[int, int]
) -> list[Visit]:
    """Visits on one local day, a random number in each local hour of ``hours``."""
    tz = ZoneInfo(zone)
    midnight = datetime.fromisoformat(day).replace(tzinfo=tz)
    visits = []

    for hour in hours:
        # Wall-clock hour, so a skipped hour (spring forward) is moved by zoneinfo and a
        # repeated one (fall back) takes its first occurrence.
        start = midnight.replace(hour=hour).timestamp()
        for _ in range(rng.randint(*per_hour)):
            visits.append(
                Visit(entry_s=start + rng.uniform(0, 3500), dwell_s=rng.uniform(300, 2400))
            )
    return visits


def recent_visits(rng: random.Random, zone: str, days: int, now_s: float) -> list[Visit]:
    """Visits in opening hours (08:00 to 20:00 local) of the last ``days`` days, up to now."""
    tz = ZoneInfo(zone)
    today = datetime.fromtimestamp(now_s, tz).date()
    visits = []

    for back in range(days - 1, -1, -1):
        day = (today - timedelta(days=back)).isoformat()
        for visit in day_visits(rng, day, zone, range(8, 20), (4, 14)):
            # Events must not lie in the future: the exit is the later of the two.
            if visit.entry_s + visit.dwell_s < now_s - 60:
                visits.append(visit)
    return visits


def events_of(visits: list[Visit]) -> list[tuple[float, str]]:
    """Entry and exit events of visits, in time order."""
    events = []
    for visit in visits:
        events.append((visit.entry_s, "entry"))
        events.append((visit.entry_s + visit.dwell_s, "exit"))
    return sorted(events)


def send_events(base_url: str, log: DeviceLog, events: list[tuple[float, str]]) -> None:
    """Send events in batches as one device, checking that the service stored every one."""
    for first in range(0, len(events), BATCH_EVENTS):
        batch = []
        for time_s, direction in events[first : first + BATCH_EVENTS]:
            batch.append({"seq": log.next_seq, "time": round(time_s, 3), "direction": direction})
            log.next_seq += 1

        result = post_json(f"{base_url}/api/v1/events", log.key, {"events": batch})
        if result.get("accepted") != len(batch) or result.get("rejected"):
            raise RuntimeError(
                f"The service did not store a seed batch of {len(batch)} events: {result}. "
                "Check the ingest endpoint against the documented request body."
            )
        log.sent.extend(batch)


def send_heartbeat(base_url: str, log: DeviceLog, camera: str) -> None:
    """Send one heartbeat as the device, with the given camera state."""
    body = {
        "boot_id": "test-boot-1",
        "uptime_s": 3600,
        "firmware": "1.2.3",
        "fps": 7.0,
        "queue_depth": 2,
        "dropped": 1,
        "camera": camera,
        "rssi_dbm": -61,
        "free_heap": 180000,
        "last_seq": max(log.next_seq - 1, 0),
    }
    post_json(f"{base_url}/api/v1/devices/me/status", log.key, body)
