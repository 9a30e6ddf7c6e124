"""Dwell over a range: business days matched from the events or taken from the cache.

The range ``[start, end)`` is cut into the store's business days. A business day that lies
wholly inside the range and has ended is matched once and cached. The parts of business days
cut by the range's ends, and the current day, are matched from their events on every
request. Only events with a time inside the range take part, so an exit just after the
range's start whose entry came before it is an unmatched exit.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from footfall.analytics.cache_tables import DWELL_STORE_SCOPE
from footfall.analytics.dwell import DaySummary, match_day
from footfall.analytics.dwell_cache import (
    read_cached_hours,
    valid_cached_days,
    write_cached_days,
)
from footfall.analytics.zones import OffsetSegment, business_days, offset_segments
from footfall.db.engine import Database
from footfall.db.models import QUARTER_S, Event
from footfall.db.rows import driver_rows
from footfall.plugin_types import StoreRef

__all__ = [
    "DAYS_PER_QUERY",
    "DwellByHour",
    "dwell_by_hour",
    "match_run",
    "read_day_events",
    "runs_of_days",
]

_HOUR_S = 3600

#: Business days whose events one query reads when days are matched afresh: a week of a busy
#: store is some 40,000 events, and empty days cost one query per week instead of one each.
DAYS_PER_QUERY = 7


@dataclass(slots=True)
class DwellByHour:
    """Dwell samples of a range summed per clock hour of the entry, and what was left over."""

    samples: list[int] = field(default_factory=lambda: [0] * 24)
    total_ms: list[int] = field(default_factory=lambda: [0] * 24)
    excluded_long: int = 0
    unmatched_entries: int = 0
    unmatched_exits: int = 0


#: Built once: constructing a statement costs more than running it on a quiet day.
_DAY_EVENTS = (
    select(Event.time_ms, Event.is_entry)
    .where(
        Event.device_id.in_(bindparam("device_ids", expanding=True)),
        Event.time_ms >= bindparam("start_ms"),
        Event.time_ms < bindparam("end_ms"),
    )
    .order_by(Event.time_ms, Event.is_entry.desc())
)


def read_day_events(
    connection: Connection, device_ids: Sequence[int], start_ms: int, end_ms: int
) -> list[tuple[int, bool]]:
    """Read ``(time_ms, is_entry)`` of the devices' events in ``[start_ms, end_ms)``.

    Events come in time order with entries first at equal times, the order
    :func:`~footfall.analytics.dwell.match_day` expects. ``is_entry`` is the driver's value:
    0 or 1 from SQLite, a bool from PostgreSQL, and the matching only tests its truth.
    """
    # The driver's own rows: SQLAlchemy would build a Row and convert is_entry to a bool for
    # each event, which took three quarters of the time of a week of 40,000 events.
    rows: list[tuple[int, bool]] = driver_rows(
        connection,
        _DAY_EVENTS,
        {"device_ids": list(device_ids), "start_ms": start_ms, "end_ms": end_ms},
    )
    return rows


def _add_summary(
    total: DwellByHour, summary: DaySummary, segments: Sequence[OffsetSegment]
) -> None:
    total.excluded_long += summary.excluded_long
    total.unmatched_entries += summary.unmatched_entries
    total.unmatched_exits += summary.unmatched_exits

    starts = [segment.start_s for segment in segments]
    for quarter, entry_quarter in summary.quarters.items():
        quarter_s = quarter * QUARTER_S
        index = max(bisect.bisect_right(starts, quarter_s) - 1, 0)
        hour = (quarter_s + segments[index].offset_s) // _HOUR_S % 24
        total.samples[hour] += entry_quarter.samples
        total.total_ms[hour] += entry_quarter.total_ms


def runs_of_days(days: Sequence[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Split business days into runs of consecutive days, at most ``DAYS_PER_QUERY`` long."""
    run: list[tuple[int, int]] = []
    for day in days:
        if run and (run[-1][1] != day[0] or len(run) == DAYS_PER_QUERY):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def match_run(
    connection: Connection,
    device_ids: Sequence[int],
    run: Sequence[tuple[int, int]],
    max_dwell_ms: int,
) -> dict[tuple[int, int], DaySummary]:
    """Match consecutive business days ``(start_ms, end_ms)`` with one query for their events."""
    events = read_day_events(connection, device_ids, run[0][0], run[-1][1])
    times = [time_ms for time_ms, _ in events]

    matched = {}
    for day_start, day_end in run:
        first = bisect.bisect_left(times, day_start)
        last = bisect.bisect_left(times, day_end)
        matched[(day_start, day_end)] = match_day(events[first:last], max_dwell_ms)
    return matched


def dwell_by_hour(
    db: Database,
    store: StoreRef,
    device_ids: Sequence[int],
    start_ms: int,
    end_ms: int,
    zone: ZoneInfo,
    now_ms: int,
    whole_store: bool = True,
) -> DwellByHour:
    """Match the range's events per business day and sum the samples per clock hour of ``zone``.

    ``whole_store`` means that ``device_ids`` are all devices of the store. Otherwise they
    are one device, and its events are matched on their own.
    """
    result = DwellByHour()
    if not device_ids:
        return result

    scope = DWELL_STORE_SCOPE if whole_store else device_ids[0]
    max_dwell_ms = store.max_dwell_s * 1000
    start_s = math.floor(start_ms / 1000)
    end_s = math.ceil(end_ms / 1000)
    segments = offset_segments(zone, start_s, end_s)

    days_ms = [
        (day_start * 1000, day_end * 1000)
        for day_start, day_end in business_days(
            ZoneInfo(store.timezone), store.day_reset_hour, start_s, end_s
        )
    ]
    # Only days that lie inside the range and are over can be cached: any other day is
    # cut by the range or may still receive events.
    cacheable = [
        (day_start, day_end)
        for day_start, day_end in days_ms
        if day_start >= start_ms and day_end <= end_ms and day_end <= now_ms
    ]
    cacheable_starts = {day_start for day_start, _ in cacheable}
    windows = [
        (max(day_start, start_ms), min(day_end, end_ms))
        for day_start, day_end in days_ms
        if day_start not in cacheable_starts
    ]

    newly_matched: dict[tuple[int, int], DaySummary] = {}
    with db.read() as connection:
        cached_rows, valid = valid_cached_days(
            connection, store.id, scope, device_ids, cacheable, store.max_dwell_s
        )

        missing = [day for day in cacheable if day[0] not in valid]
        for run in runs_of_days(missing):
            newly_matched.update(match_run(connection, device_ids, run, max_dwell_ms))

        for window_start, window_end in windows:
            events = read_day_events(connection, device_ids, window_start, window_end)
            _add_summary(result, match_day(events, max_dwell_ms), segments)

        if valid:
            cached = read_cached_hours(
                connection,
                store.id,
                scope,
                first_day_ms=min(valid),
                last_day_ms=max(valid),
                skip_days=sorted(cached_rows - valid),
                segments=segments,
            )
            for hour in range(24):
                result.samples[hour] += cached.samples[hour]
                result.total_ms[hour] += cached.total_ms[hour]
            result.excluded_long += cached.excluded_long
            result.unmatched_entries += cached.unmatched_entries
            result.unmatched_exits += cached.unmatched_exits

    for summary in newly_matched.values():
        _add_summary(result, summary, segments)
    write_cached_days(db, store.id, scope, newly_matched, store.max_dwell_s)
    return result
