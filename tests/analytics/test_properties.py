"""Properties of the analytics over random event sequences, stored through the real sink."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from footfall.analytics.zones import format_offset
from footfall.api.device import _mark_watched
from footfall.db.models import QuarterCount
from footfall.plugin_types import Batch, DeviceRef, IngestEvent, StoreRef
from footfall.rollups import rebuild_rollups
from footfall_dbsink import DatabaseSink
from footfall_dwell import DwellAnalytic, DwellParams
from footfall_hourly import HourlyAnalytic, HourlyParams, HourlyResult

from .conftest import AnalyticsDb, make_database

#: Zones with a daylight-saving change near the given instant, plus fractional offsets.
ZONES_AND_DAYS = [
    ("Europe/Berlin", "2025-03-30T00:00:00+00:00"),
    ("America/Chicago", "2022-11-06T00:00:00+00:00"),
    ("Australia/Lord_Howe", "2024-04-06T12:00:00+00:00"),
    ("Australia/Lord_Howe", "2024-10-05T12:00:00+00:00"),
    ("Asia/Kathmandu", "2024-05-01T00:00:00+00:00"),
    ("America/Santiago", "2024-09-07T12:00:00+00:00"),
    ("UTC", "2024-05-01T00:00:00+00:00"),
]
SPAN_MS = 3 * 86400 * 1000
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

events_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=SPAN_MS - 1), st.booleans()),
    max_size=120,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnalyticsDb]:
    directory: Path = tmp_path_factory.mktemp("analytics-properties")
    db = make_database(directory)
    yield AnalyticsDb(db, itertools.count())
    db.dispose()


_names = itertools.count()


def store_through_sink(
    adb: AnalyticsDb, zone: str, base_ms: int, offsets: list[tuple[int, bool]], devices: int = 1
) -> tuple[StoreRef, list[int], list[tuple[int, int, bool]]]:
    """Create a store and devices, and store events through the database sink.

    Events go round-robin to the devices in batches of up to 7, in random order of time, the
    way devices deliver late and out of order. Returns the store, the device ids and the
    events as ``(device_id, time_ms, is_entry)``.
    """
    number = next(_names)
    store = adb.add_store(f"store-{number}", zone, day_reset_hour=number % 24, max_dwell_s=3600)
    device_ids = [adb.add_device(store, f"device-{number}-{index}") for index in range(devices)]
    sink = DatabaseSink()

    stored = []
    per_device: dict[int, list[IngestEvent]] = {device_id: [] for device_id in device_ids}
    for index, (offset_ms, is_entry) in enumerate(offsets):
        device_id = device_ids[index % devices]
        seq = len(per_device[device_id])
        per_device[device_id].append(IngestEvent(seq, base_ms + offset_ms, is_entry))
        stored.append((device_id, base_ms + offset_ms, is_entry))

    for device_id, events in per_device.items():
        ref = DeviceRef(device_id, f"device-{device_id}", store.id, store.name)
        for start in range(0, len(events), 7):
            batch = Batch(f"b{start}", ref, tuple(events[start : start + 7]), 0, "v1")
            with adb.db.write() as connection:
                sink.write(batch, connection)
    return store, device_ids, stored


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def bucket_key(start_ms: int, offset: str) -> tuple[str, str]:
    sign = -1 if offset[0] == "-" else 1
    shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
    local = datetime.fromtimestamp(start_ms / 1000, UTC) + shift
    return offset, f"{local:%Y-%m-%d %H}"


def reference_hours(
    zone: ZoneInfo, events: list[tuple[int, int, bool]]
) -> Counter[tuple[str, str, bool]]:
    """Count events per wall-clock hour from the raw events, one zone lookup per event."""
    counts: Counter[tuple[str, str, bool]] = Counter()
    for _, time_ms, is_entry in events:
        local = datetime.fromtimestamp(time_ms / 1000, zone)
        offset = local.utcoffset()
        assert offset is not None
        counts[(format_offset(int(offset.total_seconds())), f"{local:%Y-%m-%d %H}", is_entry)] += 1
    return counts


def hourly(
    adb: AnalyticsDb, store: StoreRef, device_ids: list[int], start_ms: int, end_ms: int
) -> HourlyResult:
    query = adb.query(store, tuple(device_ids), iso(start_ms), iso(end_ms))
    return HourlyAnalytic().compute(query, HourlyParams(resolution="hour"))


@SETTINGS
@given(case=st.sampled_from(ZONES_AND_DAYS), events=events_strategy, devices=st.integers(1, 3))
def test_hourly_matches_raw_events(
    shared: AnalyticsDb, case: tuple[str, str], events: list[tuple[int, bool]], devices: int
) -> None:
    zone_name, base = case
    base_ms = int(datetime.fromisoformat(base).timestamp() * 1000)
    store, device_ids, stored = store_through_sink(shared, zone_name, base_ms, events, devices)

    result = hourly(shared, store, device_ids, base_ms, base_ms + SPAN_MS)

    from_rollups: Counter[tuple[str, str, bool]] = Counter()
    for bucket in result.buckets:
        offset, hour = bucket_key(bucket.start, bucket.offset)
        from_rollups[(offset, hour, True)] += bucket.entries
        from_rollups[(offset, hour, False)] += bucket.exits
        assert bucket.watched == (bucket.entries + bucket.exits > 0)
    assert +from_rollups == reference_hours(ZoneInfo(zone_name), stored)
    assert sum(b.entries for b in result.buckets) == sum(1 for *_, e in stored if e)
    assert sum(b.exits for b in result.buckets) == sum(1 for *_, e in stored if not e)
    assert sum(p.entries for p in result.profile) == sum(1 for *_, e in stored if e)
    assert sum(p.hours_observed for p in result.profile) == sum(b.watched for b in result.buckets)


@SETTINGS
@given(case=st.sampled_from(ZONES_AND_DAYS), events=events_strategy)
def test_day_buckets_sum_hour_buckets(
    shared: AnalyticsDb, case: tuple[str, str], events: list[tuple[int, bool]]
) -> None:
    zone_name, base = case
    base_ms = int(datetime.fromisoformat(base).timestamp() * 1000)
    store, device_ids, stored = store_through_sink(shared, zone_name, base_ms, events)
    query = shared.query(store, tuple(device_ids), iso(base_ms), iso(base_ms + SPAN_MS))

    days = HourlyAnalytic().compute(query, HourlyParams(resolution="day"))

    zone = ZoneInfo(zone_name)
    per_day: Counter[str] = Counter()
    for _, time_ms, _ in stored:
        per_day[f"{datetime.fromtimestamp(time_ms / 1000, zone):%Y-%m-%d}"] += 1
    from_days = Counter(
        {
            f"{datetime.fromtimestamp(b.start / 1000, zone):%Y-%m-%d}": b.entries + b.exits
            for b in days.buckets
        }
    )
    assert +from_days == per_day
    starts = [datetime.fromtimestamp(b.start / 1000, zone) for b in days.buckets]
    assert all(start.minute == 0 and start.hour in (0, 1) for start in starts)


@SETTINGS
@given(
    case=st.sampled_from(ZONES_AND_DAYS),
    events=events_strategy,
    devices=st.integers(1, 2),
    cut=st.tuples(st.integers(0, SPAN_MS // 2), st.integers(SPAN_MS // 2 + 1, SPAN_MS)),
)
def test_dwell_accounts_for_every_event(
    shared: AnalyticsDb,
    case: tuple[str, str],
    events: list[tuple[int, bool]],
    devices: int,
    cut: tuple[int, int],
) -> None:
    zone_name, base = case
    base_ms = int(datetime.fromisoformat(base).timestamp() * 1000)
    store, device_ids, stored = store_through_sink(shared, zone_name, base_ms, events, devices)
    start_ms, end_ms = base_ms + cut[0], base_ms + cut[1]
    query = shared.query(store, tuple(device_ids), iso(start_ms), iso(end_ms))

    first = DwellAnalytic().compute(query, DwellParams())
    second = DwellAnalytic().compute(query, DwellParams())

    inside = [is_entry for _, time_ms, is_entry in stored if start_ms <= time_ms < end_ms]
    entries = sum(inside)
    exits = len(inside) - entries
    assert first.n + first.excluded_long + first.unmatched_entries == entries
    assert first.n + first.excluded_long + first.unmatched_exits == exits
    assert sum(hour.n for hour in first.hours) == first.n
    assert second == first


@SETTINGS
@given(
    case=st.sampled_from(ZONES_AND_DAYS),
    events=events_strategy,
    heartbeats=st.lists(st.integers(0, SPAN_MS - 1), max_size=20),
)
def test_rebuild_reproduces_ingest_rollups(
    shared: AnalyticsDb,
    case: tuple[str, str],
    events: list[tuple[int, bool]],
    heartbeats: list[int],
) -> None:
    zone_name, base = case
    base_ms = int(datetime.fromisoformat(base).timestamp() * 1000)
    store, device_ids, _ = store_through_sink(shared, zone_name, base_ms, events, devices=2)
    heartbeat_times = [base_ms + offset for offset in heartbeats]
    shared.add_heartbeats(device_ids[0], heartbeat_times)
    # The heartbeat route counts each heartbeat in its quarter with this function.
    with shared.db.write() as connection:
        for time_ms in heartbeat_times:
            _mark_watched(connection, device_ids[0], time_ms)

    def rollups() -> list[tuple[int, ...]]:
        with shared.db.read() as connection:
            rows = connection.execute(
                select(
                    QuarterCount.device_id,
                    QuarterCount.quarter,
                    QuarterCount.entries,
                    QuarterCount.exits,
                    QuarterCount.heartbeats,
                )
                .where(QuarterCount.device_id.in_(device_ids))
                .order_by(QuarterCount.device_id, QuarterCount.quarter)
            )
            return [tuple(row) for row in rows]

    incremental = rollups()
    written = rebuild_rollups(shared.db, store.id)
    rebuilt = rollups()

    assert rebuilt == incremental
    assert written == len(incremental)
