"""Hourly counts: wall-clock buckets across daylight-saving changes, gaps and profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from footfall.rollups import rebuild_rollups
from footfall_hourly import HourlyAnalytic, HourlyParams, HourlyResult

from .conftest import AnalyticsDb, iso_ms


def compute(
    adb: AnalyticsDb, query_args: dict[str, object], resolution: str = "auto"
) -> HourlyResult:
    query = adb.query(**query_args)  # type: ignore[arg-type]
    return HourlyAnalytic().compute(query, HourlyParams(resolution=resolution))  # type: ignore[arg-type]


def local_label(start_ms: int, offset: str) -> str:
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    shift = timedelta(hours=hours, minutes=minutes) * sign
    local = datetime.fromtimestamp(start_ms / 1000, UTC) + shift
    return f"{local:%H:%M}{offset}"


def test_spring_forward_day_has_23_buckets(adb: AnalyticsDb) -> None:
    store = adb.add_store("berlin", "Europe/Berlin")
    device = adb.add_device(store, "door")
    adb.add_events(
        device,
        [(iso_ms("2025-03-30T00:30:00+00:00"), True), (iso_ms("2025-03-30T01:30:00+00:00"), True)],
    )
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2025-03-30T00:00:00+01:00",
            "end": "2025-03-31T00:00:00+02:00",
        },
    )

    assert result.resolution == "hour"
    assert len(result.buckets) == 23
    labels = [local_label(b.start, b.offset) for b in result.buckets]
    assert "02:00+01:00" not in labels
    assert "02:00+02:00" not in labels
    counted = {local_label(b.start, b.offset): b.entries for b in result.buckets if b.entries}
    assert counted == {"01:00+01:00": 1, "03:00+02:00": 1}
    assert result.profile[2].hours_observed == 0
    assert result.profile[1].entries == 1
    assert result.profile[3].entries == 1


def test_fall_back_hour_appears_twice(adb: AnalyticsDb) -> None:
    store = adb.add_store("chicago", "America/Chicago")
    device = adb.add_device(store, "door")
    first = iso_ms("2022-11-06T05:00:00+00:00")
    adb.add_events(device, [(first + minute * 60_000, True) for minute in range(240)])
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2022-11-06T00:00:00-05:00",
            "end": "2022-11-07T00:00:00-06:00",
        },
    )

    assert len(result.buckets) == 25
    counted = [(local_label(b.start, b.offset), b.entries) for b in result.buckets if b.entries]
    assert counted == [
        ("00:00-05:00", 60),
        ("01:00-05:00", 60),
        ("01:00-06:00", 60),
        ("02:00-06:00", 60),
    ]
    assert result.profile[1].entries == 120
    assert result.profile[1].hours_observed == 2
    assert result.profile[0].hours_observed == 1


def test_unwatched_hours_are_not_zero(adb: AnalyticsDb) -> None:
    store = adb.add_store("lisbon", "Europe/Lisbon")
    device = adb.add_device(store, "door")
    adb.add_heartbeats(device, [iso_ms("2024-06-03T10:05:00+00:00")])
    adb.add_events(device, [(iso_ms("2024-06-03T12:40:00+00:00"), False)])
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2024-06-03T00:00:00+01:00",
            "end": "2024-06-04T00:00:00+01:00",
        },
    )

    watched = {
        local_label(b.start, b.offset): (b.watched, b.exits) for b in result.buckets if b.watched
    }
    assert watched == {"11:00+01:00": (True, 0), "13:00+01:00": (True, 1)}
    assert sum(profile.hours_observed for profile in result.profile) == 2
    assert result.profile[11].hours_observed == 1


def test_day_resolution_follows_local_midnight(adb: AnalyticsDb) -> None:
    store = adb.add_store("chicago", "America/Chicago")
    device = adb.add_device(store, "door")
    # One entry at 23:30 local on each day of November 2022, across the fall-back change.
    times = [
        iso_ms(
            f"2022-11-{day:02d}T23:30:00-05:00" if day < 6 else f"2022-11-{day:02d}T23:30:00-06:00"
        )
        for day in range(1, 31)
    ]
    adb.add_events(device, [(t, True) for t in times])
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2022-11-01T00:00:00-05:00",
            "end": "2022-12-01T00:00:00-06:00",
        },
        resolution="day",
    )

    assert result.resolution == "day"
    assert len(result.buckets) == 30
    assert all(bucket.entries == 1 for bucket in result.buckets)
    assert result.buckets[5].offset == "-05:00"
    assert result.buckets[6].offset == "-06:00"
    assert result.buckets[6].start - result.buckets[5].start == 25 * 3600 * 1000
    assert result.profile[23].entries == 30


def test_auto_resolution_switches_after_31_days(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    rebuild_rollups(adb.db)
    base = {"store": store, "device_ids": (device,), "start": "2024-01-01T00:00:00+00:00"}

    month = compute(adb, {**base, "end": "2024-02-01T00:00:00+00:00"})
    longer = compute(adb, {**base, "end": "2024-02-01T00:00:01+00:00"})

    assert month.resolution == "hour"
    assert len(month.buckets) == 31 * 24
    assert longer.resolution == "day"
    assert len(longer.buckets) == 32
    assert not any(bucket.watched for bucket in longer.buckets)


def test_presentation_zone_differs_from_store(adb: AnalyticsDb) -> None:
    store = adb.add_store("kathmandu", "Asia/Kathmandu")
    device = adb.add_device(store, "door")
    adb.add_events(device, [(iso_ms("2024-05-01T06:20:00+00:00"), True)])
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2024-05-01T00:00:00+05:45",
            "end": "2024-05-02T00:00:00+05:45",
        },
    )
    in_utc = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2024-05-01T00:00:00+00:00",
            "end": "2024-05-02T00:00:00+00:00",
            "zone": "UTC",
        },
    )

    assert [local_label(b.start, b.offset) for b in result.buckets if b.entries] == ["12:00+05:45"]
    assert result.zone == "Asia/Kathmandu"
    assert [local_label(b.start, b.offset) for b in in_utc.buckets if b.entries] == ["06:00+00:00"]
    assert in_utc.zone == "UTC"


def test_range_widens_to_whole_hours(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    adb.add_events(device, [(iso_ms("2024-05-01T10:05:00+00:00"), True)])
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2024-05-01T10:30:00+00:00",
            "end": "2024-05-01T11:30:00+00:00",
        },
    )

    assert [b.start for b in result.buckets] == [
        iso_ms("2024-05-01T10:00:00+00:00"),
        iso_ms("2024-05-01T11:00:00+00:00"),
    ]
    assert result.buckets[0].entries == 1


def test_device_filter_counts_one_device(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    front = adb.add_device(store, "front")
    back = adb.add_device(store, "back")
    adb.add_events(front, [(iso_ms("2024-05-01T10:05:00+00:00"), True)])
    adb.add_events(back, [(iso_ms("2024-05-01T10:06:00+00:00"), True)])
    rebuild_rollups(adb.db)
    base = {
        "store": store,
        "start": "2024-05-01T00:00:00+00:00",
        "end": "2024-05-02T00:00:00+00:00",
    }

    both = compute(adb, {**base, "device_ids": (front, back)})
    back_only = compute(adb, {**base, "device_ids": (back,), "device": "back"})

    assert sum(b.entries for b in both.buckets) == 2
    assert sum(b.entries for b in back_only.buckets) == 1


def test_result_encodes_to_contract_json(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    result = compute(
        adb,
        {
            "store": store,
            "device_ids": (device,),
            "start": "2024-05-01T00:00:00+00:00",
            "end": "2024-05-01T02:00:00+00:00",
        },
    )

    encoded = msgspec.json.decode(msgspec.json.encode(result))

    assert set(encoded) == {"zone", "resolution", "buckets", "profile"}
    assert set(encoded["buckets"][0]) == {"start", "offset", "entries", "exits", "watched"}
    assert set(encoded["profile"][0]) == {"hour", "entries", "exits", "hours_observed"}
    assert [p["hour"] for p in encoded["profile"]] == list(range(24))


def test_unknown_resolution_is_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="resolution"):
        msgspec.convert({"resolution": "week"}, HourlyParams)
