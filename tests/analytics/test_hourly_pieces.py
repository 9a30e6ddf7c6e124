"""Hourly counts read in pieces: SQLite sums a long range with several queries."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Literal

import pytest

from footfall.analytics import rollup_read
from footfall.plugin_types import StoreRef
from footfall_hourly import HourlyAnalytic, HourlyParams, HourlyResult

from .conftest import AnalyticsDb
from .test_properties import ZONES_AND_DAYS, iso, store_through_sink

SPAN_MS = 5 * 86400 * 1000


def hourly(
    adb: AnalyticsDb,
    store: StoreRef,
    device_ids: list[int],
    start_ms: int,
    resolution: Literal["hour", "day"],
) -> HourlyResult:
    query = adb.query(store, tuple(device_ids), iso(start_ms), iso(start_ms + SPAN_MS))
    return HourlyAnalytic().compute(query, HourlyParams(resolution=resolution))


@pytest.mark.parametrize(("zone_name", "base"), ZONES_AND_DAYS)
@pytest.mark.parametrize("resolution", ["hour", "day"])
def test_pieces_match_one_query(
    adb: AnalyticsDb,
    monkeypatch: pytest.MonkeyPatch,
    zone_name: str,
    base: str,
    resolution: Literal["hour", "day"],
) -> None:
    # Start a day early so that the range contains the zone's offset change.
    base_ms = int(datetime.fromisoformat(base).timestamp() * 1000) - 86400 * 1000
    rng = random.Random(f"{zone_name} {base}")
    events = [(rng.randrange(SPAN_MS), rng.random() < 0.5) for _ in range(400)]
    store, device_ids, stored = store_through_sink(adb, zone_name, base_ms, events, devices=3)

    monkeypatch.setattr(rollup_read, "ROWS_PER_QUERY", 10**9)
    whole = hourly(adb, store, device_ids, base_ms, resolution)
    # Seven rows over three devices: pieces of two quarters, which cut most hours in two.
    monkeypatch.setattr(rollup_read, "ROWS_PER_QUERY", 7)
    cut = hourly(adb, store, device_ids, base_ms, resolution)
    monkeypatch.setattr(rollup_read, "ROWS_PER_QUERY", 1)
    single_quarters = hourly(adb, store, device_ids, base_ms, resolution)

    assert cut == whole
    assert single_quarters == whole
    assert sum(bucket.entries for bucket in whole.buckets) == sum(1 for *_, e in stored if e)
    assert sum(bucket.exits for bucket in whole.buckets) == sum(1 for *_, e in stored if not e)
