"""Occupancy and business days: reset hours, daylight-saving gaps and folds, drift."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec
import pytest

from footfall.analytics.occupancy import current_occupancy
from footfall.analytics.zones import business_day_start, business_days

from .conftest import AnalyticsDb, iso_ms


def seconds(text: str) -> int:
    return iso_ms(text) // 1000


@pytest.mark.parametrize(
    ("zone", "reset_hour", "now", "expected_start"),
    [
        # An ordinary day: the business day began at the reset hour.
        ("UTC", 4, "2024-05-06T12:00:00+00:00", "2024-05-06T04:00:00+00:00"),
        # Before the reset hour the business day is still yesterday's.
        ("UTC", 4, "2024-05-06T03:59:59+00:00", "2024-05-05T04:00:00+00:00"),
        # 02:00 does not exist in Berlin on 2025-03-30: the day starts at 03:00 CEST.
        ("Europe/Berlin", 2, "2025-03-30T05:00:00+00:00", "2025-03-30T03:00:00+02:00"),
        ("Europe/Berlin", 2, "2025-03-30T00:30:00+00:00", "2025-03-29T02:00:00+01:00"),
        # 01:00 occurs twice in Chicago on 2022-11-06: the day starts at the first one.
        ("America/Chicago", 1, "2022-11-06T07:30:00+00:00", "2022-11-06T01:00:00-05:00"),
        # Midnight does not exist in Santiago on 2024-09-08: the day starts at 01:00.
        ("America/Santiago", 0, "2024-09-08T12:00:00+00:00", "2024-09-08T01:00:00-03:00"),
    ],
)
def test_business_day_start(zone: str, reset_hour: int, now: str, expected_start: str) -> None:
    start = business_day_start(ZoneInfo(zone), reset_hour, seconds(now))

    assert start == seconds(expected_start)


def test_business_days_across_spring_forward() -> None:
    days = business_days(
        ZoneInfo("Europe/Berlin"),
        4,
        seconds("2025-03-29T12:00:00+01:00"),
        seconds("2025-03-31T12:00:00+02:00"),
    )

    # The business day of the 29th runs to 04:00 on the 30th, across the 02:00 jump.
    assert [end - start for start, end in days] == [23 * 3600, 86400, 86400]
    assert days[0][0] == seconds("2025-03-29T04:00:00+01:00")
    assert days[-1][1] == seconds("2025-04-01T04:00:00+02:00")
    assert all(days[i][1] == days[i + 1][0] for i in range(len(days) - 1))


def test_occupancy_counts_since_reset(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC", day_reset_hour=4)
    device = adb.add_device(store, "door")
    adb.add_events(
        device,
        [
            (iso_ms("2024-05-06T03:50:00+00:00"), True),
            (iso_ms("2024-05-06T04:00:00+00:00"), True),
            (iso_ms("2024-05-06T09:00:00+00:00"), True),
            (iso_ms("2024-05-06T10:00:00+00:00"), False),
            (iso_ms("2024-05-06T12:00:01+00:00"), True),
        ],
    )

    occupancy = current_occupancy(adb.db, store, iso_ms("2024-05-06T12:00:00+00:00"))

    assert occupancy.since == iso_ms("2024-05-06T04:00:00+00:00")
    assert occupancy.entries == 2
    assert occupancy.exits == 1
    assert occupancy.occupancy == 1
    assert occupancy.displayed == 1
    assert occupancy.drift == 0
    assert occupancy.zone == "UTC"


def test_negative_occupancy_is_drift(adb: AnalyticsDb) -> None:
    store = adb.add_store("berlin", "Europe/Berlin", day_reset_hour=4)
    front = adb.add_device(store, "front")
    back = adb.add_device(store, "back")
    adb.add_events(front, [(iso_ms("2024-05-06T09:00:00+02:00"), True)])
    adb.add_events(back, [(iso_ms(f"2024-05-06T10:0{i}:00+02:00"), False) for i in range(4)])

    occupancy = current_occupancy(adb.db, store, iso_ms("2024-05-06T18:00:00+02:00"))

    assert occupancy.occupancy == -3
    assert occupancy.displayed == 0
    assert occupancy.drift == 3
    assert occupancy.since == iso_ms("2024-05-06T04:00:00+02:00")


def test_occupancy_ignores_other_stores(adb: AnalyticsDb) -> None:
    store = adb.add_store("one", "UTC")
    other = adb.add_store("two", "UTC")
    adb.add_events(
        adb.add_device(other, "other-door"), [(iso_ms("2024-05-06T09:00:00+00:00"), True)]
    )
    adb.add_device(store, "door")

    occupancy = current_occupancy(adb.db, store, iso_ms("2024-05-06T12:00:00+00:00"))

    assert occupancy.entries == 0
    assert occupancy.occupancy == 0


def test_occupancy_encodes_contract_fields(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")

    encoded = msgspec.to_builtins(
        current_occupancy(adb.db, store, iso_ms("2024-05-06T12:00:00+00:00"))
    )

    assert set(encoded) == {
        "store",
        "zone",
        "since",
        "entries",
        "exits",
        "occupancy",
        "displayed",
        "drift",
    }
