"""One data set of store traffic for comparing back ends, and helpers to load and query it.

Four doors of one Berlin store over five days around the spring daylight-saving change of
2026-03-29, with people who enter and leave again, a few exits without an entry and a few
entries without an exit, so that every analytic has something to count, match and bucket.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.helpers import Seeder

__all__ = [
    "DEVICES",
    "QUERIES",
    "STORE",
    "ZONE",
    "assert_same_results",
    "batches",
    "dataset_events",
    "query_every_analytic",
    "seed_dataset",
]

STORE = "Alexanderplatz"
ZONE = "Europe/Berlin"
DEVICES = ("door-north", "door-south", "door-east", "door-west")

#: Analytics requests that every analytic answers: the whole data set in the store's zone,
#: the same in UTC, and one day that is 23 hours long in Berlin.
QUERIES: tuple[dict[str, str], ...] = (
    {"start": "2026-03-27T00:00:00", "end": "2026-04-01T00:00:00"},
    {"start": "2026-03-27T00:00:00", "end": "2026-04-01T00:00:00", "tz": "UTC"},
    {"start": "2026-03-29T00:00:00", "end": "2026-03-30T00:00:00"},
)


def dataset_events(device_index: int) -> list[dict[str, Any]]:
    """Return one door's events in v1 form, in sequence order, the same on every call."""
    rng = random.Random(1000 + device_index)
    zone = ZoneInfo(ZONE)
    times: list[tuple[float, str]] = []

    for day in range(27, 32):
        opening = datetime(2026, 3, day, 9, 0, tzinfo=zone).timestamp()
        closing = datetime(2026, 3, day, 20, 0, tzinfo=zone).timestamp()
        visitors = 60 + rng.randrange(40)
        for _ in range(visitors):
            arrival = rng.uniform(opening, closing - 600)
            stay = rng.expovariate(1 / 1500)
            times.append((round(arrival, 3), "entry"))
            if rng.random() < 0.95:
                times.append((round(min(arrival + 60 + stay, closing + 3600), 3), "exit"))
        for _ in range(3):
            times.append((round(rng.uniform(opening, closing), 3), "exit"))

    times.sort()
    return [
        {"seq": seq, "time": time_s, "direction": direction}
        for seq, (time_s, direction) in enumerate(times, start=1)
    ]


def batches(events: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """Split events into upload batches of ``size``."""
    return [events[index:index + size] for index in range(0, len(events), size)]


def seed_dataset(seed: Seeder) -> dict[str, str]:
    """Create the store and its doors; return each door's device key by name."""
    store_id = seed.store(STORE, ZONE, reset_hour=4)
    keys = {}
    for name in DEVICES:
        device_id = seed.device(name, store_id)
        keys[name] = seed.key("device", device_id=device_id)
    return keys


def query_every_analytic(
    get: Callable[[str, dict[str, str]], Any],
) -> dict[tuple[str, int], Any]:
    """Run each installed analytic on each of :data:`QUERIES`; key results by name and query."""
    listing = get("/api/v1/analytics", {})
    results: dict[tuple[str, int], Any] = {}
    for analytic in listing["analytics"]:
        for index, query in enumerate(QUERIES):
            params = {"store": STORE, **query}
            results[(analytic["name"], index)] = get(
                f"/api/v1/analytics/{analytic['name']}", params
            )
    return results


def assert_same_results(expected: Any, actual: Any, path: str = "result") -> None:
    """Compare two JSON documents; floats may differ in the last bits of their precision."""
    for difference in _differences(expected, actual, path):
        raise AssertionError(difference)


def _differences(expected: Any, actual: Any, path: str) -> Iterator[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            yield f"{path}: keys {sorted(expected)} != {sorted(actual)}"
            return
        for key in expected:
            yield from _differences(expected[key], actual[key], f"{path}.{key}")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: {len(expected)} items != {len(actual)} items"
            return
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            yield from _differences(left, right, f"{path}[{index}]")
        return
    if isinstance(expected, float) or isinstance(actual, float):
        numbers = isinstance(expected, int | float) and isinstance(actual, int | float)
        if numbers and math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9):
            return
        yield f"{path}: {expected!r} != {actual!r}"
        return
    if expected != actual:
        yield f"{path}: {expected!r} != {actual!r}"
