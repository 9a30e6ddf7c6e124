"""Business days of a store, and the replay of their events into daily peaks."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from footfall.db.models import Event
from footfall.db.rows import driver_rows

__all__ = [
    "DAYS_PER_QUERY",
    "DayPeak",
    "business_days",
    "read_events",
    "replay_day",
    "replay_run",
    "runs_of_days",
]

#: Business days whose events one query reads. A week of a busy store is about 40,000 events,
#: few enough that the database sorts them in memory, and empty days cost one query a week.
DAYS_PER_QUERY = 7


@dataclass(frozen=True, slots=True)
class DayPeak:
    """The replay of one business day: its peak occupancy, when, and its event counts."""

    start_ms: int
    end_ms: int
    peak: int
    peak_ms: int | None
    entries: int
    exits: int


def business_days(
    zone: ZoneInfo, reset_hour: int, start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """List the business days ``(start_ms, end_ms)`` that overlap ``[start, end)``.

    A business day runs from the reset hour, local time, to the next day's reset hour. A
    reset hour inside a daylight-saving gap resolves to the instant after the gap, and one
    that occurs twice to its first occurrence.
    """

    def reset_instant(day: datetime) -> int:
        local = datetime(day.year, day.month, day.day, reset_hour, tzinfo=zone)
        # Round-tripping through UTC moves a nonexistent local time past the gap.
        return int(local.astimezone(UTC).timestamp() * 1000)

    start_ms = int(start.timestamp() * 1000)
    end_ms = int(end.timestamp() * 1000)
    local_day = start.astimezone(zone) - timedelta(days=1)
    days: list[tuple[int, int]] = []
    while True:
        day_start = reset_instant(local_day)
        day_end = reset_instant(local_day + timedelta(days=1))
        if day_start >= end_ms:
            return days
        if day_end > start_ms:
            days.append((day_start, day_end))
        local_day += timedelta(days=1)


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


#: Built once, not per run of days. Ties in time are broken by arrival order (the event id),
#: the same on SQLite and PostgreSQL.
_EVENTS = (
    select(Event.time_ms, Event.is_entry)
    .where(
        Event.device_id.in_(bindparam("device_ids", expanding=True)),
        Event.time_ms >= bindparam("start_ms"),
        Event.time_ms < bindparam("end_ms"),
    )
    .order_by(Event.time_ms, Event.id)
)


def read_events(
    connection: Connection, device_ids: Sequence[int], start_ms: int, end_ms: int
) -> list[tuple[int, bool]]:
    """Read ``(time_ms, is_entry)`` of the devices' events in ``[start_ms, end_ms)`` in order.

    ``is_entry`` is the driver's value: 0 or 1 from SQLite, a bool from PostgreSQL.
    """
    # The driver's own rows: SQLAlchemy would build a Row and convert is_entry for each
    # event, which took half the replay time of a year (two million events) under cProfile.
    rows: list[tuple[int, bool]] = driver_rows(
        connection,
        _EVENTS,
        {"device_ids": list(device_ids), "start_ms": start_ms, "end_ms": end_ms},
    )
    return rows


def replay_day(events: Sequence[tuple[int, bool]], start_ms: int, end_ms: int) -> DayPeak:
    """Replay one business day's events, which must be in time order, into its peak."""
    inside = peak = entries = 0
    peak_ms: int | None = None
    for time_ms, is_entry in events:
        if is_entry:
            entries += 1
            inside += 1
            if inside > peak:
                peak = inside
                peak_ms = int(time_ms)
        elif inside:
            inside -= 1
        # An exit with no one counted inside is drift (a missed entry): the people who come
        # in afterwards are inside all the same, so the count stays at zero.

    return DayPeak(
        start_ms=start_ms,
        end_ms=end_ms,
        peak=peak,
        peak_ms=peak_ms,
        entries=entries,
        exits=len(events) - entries,
    )


_event_time = itemgetter(0)


def replay_run(
    connection: Connection, device_ids: Sequence[int], run: Sequence[tuple[int, int]]
) -> list[DayPeak]:
    """Replay consecutive business days ``(start_ms, end_ms)`` with one query for their events."""
    events = read_events(connection, device_ids, run[0][0], run[-1][1])

    peaks = []
    for day_start, day_end in run:
        first = bisect.bisect_left(events, day_start, key=_event_time)
        last = bisect.bisect_left(events, day_end, key=_event_time)
        peaks.append(replay_day(events[first:last], day_start, day_end))
    return peaks
