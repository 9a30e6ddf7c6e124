"""Dwell: first-in-first-out matching per business day, exclusions, smoothing and the cache."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import func, select, update

from footfall.analytics.cache_tables import dwell_days
from footfall.analytics.dwell import match_day
from footfall.analytics.dwell_cache import clear_dwell_cache
from footfall.db.models import Store
from footfall.rollups import rebuild_rollups
from footfall_dwell import DwellAnalytic, DwellParams, DwellResult

from .conftest import AnalyticsDb, iso_ms

MINUTE_S = 60.0


def compute(adb: AnalyticsDb, k: float = 5.0, **query_args: object) -> DwellResult:
    query = adb.query(**query_args)  # type: ignore[arg-type]
    return DwellAnalytic().compute(query, DwellParams(k=k))


def utc(hhmm: str, day: str = "2024-05-06") -> int:
    return iso_ms(f"{day}T{hhmm}:00+00:00")


def add_reference_day(adb: AnalyticsDb, device: int, day: str = "2024-05-06") -> None:
    adb.add_events(
        device,
        [
            (utc("09:00", day), False),
            (utc("09:10", day), True),
            (utc("09:20", day), True),
            (utc("09:40", day), False),
            (utc("09:40", day), False),
            (utc("14:00", day), True),
            (utc("15:10", day), False),
        ],
    )


def test_reference_day_in_utc(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC", day_reset_hour=4)
    device = adb.add_device(store, "door")
    add_reference_day(adb, device)
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+00:00",
        end="2024-05-07T00:00:00+00:00",
    )

    assert result.n == 3
    assert result.overall_mean_s == pytest.approx(40 * MINUTE_S)
    assert result.hours[9].n == 2
    assert result.hours[9].mean_s == pytest.approx(25 * MINUTE_S)
    assert result.hours[9].smoothed_s == pytest.approx((2 * 25 + 5 * 40) / 7 * MINUTE_S)
    assert result.hours[9].smoothed_s == pytest.approx(35.714 * MINUTE_S, abs=0.1)
    assert result.hours[14].n == 1
    assert result.hours[14].mean_s == pytest.approx(70 * MINUTE_S)
    assert result.hours[14].smoothed_s == pytest.approx(45 * MINUTE_S)
    assert result.unmatched_exits == 1
    assert result.unmatched_entries == 0
    assert result.excluded_long == 0


def test_hours_without_samples_take_overall_mean(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    add_reference_day(adb, device)
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+00:00",
        end="2024-05-07T00:00:00+00:00",
    )

    assert [hour.hour for hour in result.hours] == list(range(24))
    assert result.hours[3].n == 0
    assert result.hours[3].mean_s is None
    assert result.hours[3].smoothed_s == pytest.approx(40 * MINUTE_S)


def test_no_samples_gives_nulls(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    adb.add_events(device, [(utc("10:00"), True)])
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+00:00",
        end="2024-05-07T00:00:00+00:00",
    )

    assert result.n == 0
    assert result.overall_mean_s is None
    assert all(hour.smoothed_s is None and hour.mean_s is None for hour in result.hours)
    assert result.unmatched_entries == 1


def test_k_zero_keeps_raw_means(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    add_reference_day(adb, device)
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        k=0,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+00:00",
        end="2024-05-07T00:00:00+00:00",
    )

    assert result.hours[9].smoothed_s == pytest.approx(25 * MINUTE_S)
    assert result.hours[3].smoothed_s == pytest.approx(40 * MINUTE_S)


def test_negative_k_is_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="k"):
        msgspec.convert({"k": -1}, DwellParams)


def test_long_pairs_are_excluded(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC", max_dwell_s=3600)
    device = adb.add_device(store, "door")
    adb.add_events(
        device,
        [(utc("09:00"), True), (utc("10:30"), False), (utc("11:00"), True), (utc("11:20"), False)],
    )
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+00:00",
        end="2024-05-07T00:00:00+00:00",
    )

    assert result.excluded_long == 1
    assert result.n == 1
    assert result.hours[11].mean_s == pytest.approx(20 * MINUTE_S)


def test_matching_stops_at_business_day_reset(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC", day_reset_hour=4)
    device = adb.add_device(store, "door")
    # An entry late on the 6th and its exit after the 04:00 reset belong to two business days.
    adb.add_events(
        device, [(utc("03:30", "2024-05-07"), True), (utc("04:10", "2024-05-07"), False)]
    )
    rebuild_rollups(adb.db)

    result = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+00:00",
        end="2024-05-08T00:00:00+00:00",
    )

    assert result.n == 0
    assert result.unmatched_entries == 1
    assert result.unmatched_exits == 1


def test_store_matching_spans_devices(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    front = adb.add_device(store, "front")
    back = adb.add_device(store, "back")
    adb.add_events(front, [(utc("10:00"), True)])
    adb.add_events(back, [(utc("10:30"), False)])
    rebuild_rollups(adb.db)
    base = {
        "store": store,
        "start": "2024-05-06T00:00:00+00:00",
        "end": "2024-05-07T00:00:00+00:00",
    }

    whole = compute(adb, **base, device_ids=(front, back))
    front_only = compute(adb, **base, device_ids=(front,), device="front")

    assert whole.n == 1
    assert whole.hours[10].mean_s == pytest.approx(30 * MINUTE_S)
    assert front_only.n == 0
    assert front_only.unmatched_entries == 1


def test_entry_hour_uses_presentation_zone(adb: AnalyticsDb) -> None:
    store = adb.add_store("berlin", "Europe/Berlin")
    device = adb.add_device(store, "door")
    adb.add_events(device, [(utc("09:10"), True), (utc("09:40"), False)])
    rebuild_rollups(adb.db)

    local = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+02:00",
        end="2024-05-07T00:00:00+02:00",
    )
    in_utc = compute(
        adb,
        store=store,
        device_ids=(device,),
        start="2024-05-06T00:00:00+02:00",
        end="2024-05-07T00:00:00+02:00",
        zone="UTC",
    )

    assert local.hours[11].n == 1
    assert in_utc.hours[9].n == 1
    assert in_utc.zone == "UTC"


def test_cached_days_match_fresh_matching(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    for day in ("2024-05-06", "2024-05-07", "2024-05-08"):
        add_reference_day(adb, device, day)
    rebuild_rollups(adb.db)
    args = {
        "store": store,
        "device_ids": (device,),
        "start": "2024-05-06T04:00:00+00:00",
        "end": "2024-05-09T04:00:00+00:00",
    }

    with adb.db.write() as connection:
        clear_dwell_cache(connection)

    cold = compute(adb, **args)
    with adb.db.read() as connection:
        cached_days = connection.execute(select(func.count()).select_from(dwell_days)).scalar_one()
    warm = compute(adb, **args)

    assert cached_days == 3
    assert warm == cold
    assert warm.n == 9
    assert warm.unmatched_exits == 3


def test_late_event_invalidates_cached_day(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    add_reference_day(adb, device)
    rebuild_rollups(adb.db)
    args = {
        "store": store,
        "device_ids": (device,),
        "start": "2024-05-06T04:00:00+00:00",
        "end": "2024-05-07T04:00:00+00:00",
    }
    before = compute(adb, **args)

    # An entry that arrives late: it pairs with the 09:00 exit that had no entry.
    adb.add_events(device, [(utc("08:50"), True)])
    rebuild_rollups(adb.db)
    compute(adb, **args)
    adb.add_events(device, [(utc("16:00"), True), (utc("16:30"), False)], update_rollups=True)
    after = compute(adb, **args)

    assert before.unmatched_exits == 1
    assert after.unmatched_exits == 0
    assert after.n == 5
    assert after.hours[16].n == 1


def test_max_dwell_change_invalidates_cache(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC")
    device = adb.add_device(store, "door")
    add_reference_day(adb, device)
    rebuild_rollups(adb.db)
    args = {
        "store": store,
        "device_ids": (device,),
        "start": "2024-05-06T04:00:00+00:00",
        "end": "2024-05-07T04:00:00+00:00",
    }
    compute(adb, **args)

    with adb.db.write() as connection:
        connection.execute(update(Store).where(Store.id == store.id).values(max_dwell_s=3600))
    shorter = type(store)(store.id, store.name, store.timezone, store.day_reset_hour, 3600)
    result = compute(adb, **{**args, "store": shorter})

    assert result.excluded_long == 1
    assert result.n == 2


def test_every_event_is_accounted_for_in_match_day() -> None:
    events = [(0, False), (10, True), (20, True), (30, False), (5000, False), (6000, True)]

    summary = match_day(events, max_dwell_ms=1000)

    entries = sum(1 for _, is_entry in events if is_entry)
    exits = len(events) - entries
    assert summary.samples + summary.excluded_long + summary.unmatched_entries == entries
    assert summary.samples + summary.excluded_long + summary.unmatched_exits == exits
    assert summary.excluded_long == 1


def test_rebuild_refills_dwell_cache(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC", day_reset_hour=4)
    device = adb.add_device(store, "door")
    for day in ("2024-05-06", "2024-05-07"):
        add_reference_day(adb, device, day)
    args = {
        "store": store,
        "device_ids": (device,),
        "start": "2024-05-06T04:00:00+00:00",
        "end": "2024-05-08T04:00:00+00:00",
    }

    rebuild_rollups(adb.db)
    with adb.db.read() as connection:
        refilled = connection.execute(
            select(dwell_days.c.day_start_ms, dwell_days.c.events).where(
                dwell_days.c.day_start_ms < iso_ms("2024-05-08T04:00:00+00:00")
            )
        ).all()
    from_cache = compute(adb, **args)
    with adb.db.write() as connection:
        clear_dwell_cache(connection)
    fresh = compute(adb, **args)

    assert sorted(refilled) == [
        (iso_ms("2024-05-06T04:00:00+00:00"), 7),
        (iso_ms("2024-05-07T04:00:00+00:00"), 7),
    ]
    assert from_cache == fresh
    assert from_cache.n == 6


def test_device_and_store_caches_stay_apart(adb: AnalyticsDb) -> None:
    store = adb.add_store("utc", "UTC", day_reset_hour=4)
    front = adb.add_device(store, "front")
    back = adb.add_device(store, "back")
    adb.add_events(front, [(utc("10:00"), True), (utc("11:00"), True)])
    adb.add_events(back, [(utc("10:30"), False), (utc("11:10"), False)])
    rebuild_rollups(adb.db)
    base = {
        "store": store,
        "start": "2024-05-06T04:00:00+00:00",
        "end": "2024-05-07T04:00:00+00:00",
    }

    whole = compute(adb, **base, device_ids=(front, back))
    front_only = compute(adb, **base, device_ids=(front,), device="front")
    whole_again = compute(adb, **base, device_ids=(front, back))
    front_again = compute(adb, **base, device_ids=(front,), device="front")

    assert whole.n == 2
    assert front_only.n == 0
    assert front_only.unmatched_entries == 2
    assert whole_again == whole
    assert front_again == front_only
