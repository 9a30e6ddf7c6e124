"""Peak occupancy per business day: the most people inside at once, and when."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from footfall.db.models import Event
from footfall.plugin_types import AnalyticParams, AnalyticQuery, ChartHint, ChartSeries
from footfall_peak_occupancy.table import peak_days

__all__ = [
    "PeakDay",
    "PeakOccupancy",
    "PeakOccupancyParams",
    "PeakOccupancyResult",
    "business_days",
]

logger = logging.getLogger(__name__)


class PeakOccupancyParams(AnalyticParams, kw_only=True, forbid_unknown_fields=True):
    """The analytic has no parameters beyond the common ones."""


class PeakDay(msgspec.Struct, frozen=True, kw_only=True):
    """One business day of the store."""

    start: int
    """Start of the business day (the store's reset hour), epoch milliseconds."""
    peak: int
    """Largest count of people inside: entries minus exits since the day's start, at least 0."""
    peak_at: int | None
    """When the peak was first reached, epoch milliseconds; ``None`` on a day without entries."""
    entries: int
    exits: int


class PeakOccupancyResult(msgspec.Struct, frozen=True, kw_only=True):
    """The business days that overlap the range, oldest first."""

    zone: str
    days: list[PeakDay]


@dataclass(frozen=True, slots=True)
class _Fingerprint:
    event_count: int
    last_event_id: int


class PeakOccupancy:
    """Replays each business day's events in time order and keeps the highest occupancy."""

    name = "peak_occupancy"
    title = "Peak occupancy per day"
    description = (
        "The most people inside the store at once on each business day, and when that was. "
        "The count starts at zero at the store's day reset hour."
    )
    parameters: type[AnalyticParams] = PeakOccupancyParams
    result: type[msgspec.Struct] = PeakOccupancyResult
    chart = ChartHint(
        rows="days",
        x="start",
        x_type="time",
        y_label="People inside",
        series=(ChartSeries(field="peak", label="Peak occupancy", type="bar"),),
    )

    def compute(self, query: AnalyticQuery, params: PeakOccupancyParams) -> PeakOccupancyResult:
        """Return each business day's peak, from the stored table where the day is unchanged."""
        store_zone = ZoneInfo(query.store.timezone)
        days = business_days(store_zone, query.store.day_reset_hour, query.start, query.end)
        # Stored peaks cover every device of the store; a one-device request is computed fresh.
        use_table = query.device is None

        results: list[PeakDay] = []
        computed: list[tuple[int, int, PeakDay, _Fingerprint]] = []
        with query.db.read() as connection:
            for day_start, day_end in days:
                fingerprint = _fingerprint(connection, query.device_ids, day_start, day_end)
                stored = _stored_day(connection, query.store.id, day_start, fingerprint)
                if use_table and stored is not None:
                    results.append(stored)
                    continue
                day = _replay_day(connection, query.device_ids, day_start, day_end)
                results.append(day)
                if use_table:
                    computed.append((day_start, day_end, day, fingerprint))

        if computed:
            _store_days(query, computed)
        return PeakOccupancyResult(zone=query.zone.key, days=results)


def business_days(
    zone: ZoneInfo, reset_hour: int, start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """List the business days ``(start_ms, end_ms)`` that overlap ``[start, end)``.

    A business day runs from the reset hour, local time, to the next day's reset hour. A
    reset hour inside a daylight-saving gap resolves to the instant after the gap.
    """
    def reset_instant(day: datetime) -> int:
        local = datetime(day.year, day.month, day.day, reset_hour, tzinfo=zone)
        # Round-tripping through UTC moves a nonexistent local time past the gap.
        return int(local.astimezone(ZoneInfo("UTC")).timestamp() * 1000)

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


def _fingerprint(
    connection: Connection, device_ids: tuple[int, ...], day_start: int, day_end: int
) -> _Fingerprint:
    count, last_id = connection.execute(
        select(func.count(), func.coalesce(func.max(Event.id), 0)).where(
            Event.device_id.in_(device_ids),
            Event.time_ms >= day_start,
            Event.time_ms < day_end,
        )
    ).one()
    return _Fingerprint(event_count=int(count), last_event_id=int(last_id))


def _stored_day(
    connection: Connection, store_id: int, day_start: int, fingerprint: _Fingerprint
) -> PeakDay | None:
    row = connection.execute(
        select(peak_days).where(
            peak_days.c.store_id == store_id, peak_days.c.day_start_ms == day_start
        )
    ).first()
    if row is None:
        return None
    if (row.event_count, row.last_event_id) != (
        fingerprint.event_count, fingerprint.last_event_id
    ):
        return None
    return PeakDay(
        start=row.day_start_ms, peak=row.peak, peak_at=row.peak_ms, entries=row.entries,
        exits=row.exits,
    )


def _replay_day(
    connection: Connection, device_ids: tuple[int, ...], day_start: int, day_end: int
) -> PeakDay:
    rows = connection.execute(
        select(Event.time_ms, Event.is_entry)
        .where(
            Event.device_id.in_(device_ids),
            Event.time_ms >= day_start,
            Event.time_ms < day_end,
        )
        # Ties in time are broken by arrival order, the same on SQLite and PostgreSQL.
        .order_by(Event.time_ms, Event.id)
    )
    inside = entries = exits = peak = 0
    peak_at: int | None = None
    for time_ms, is_entry in rows:
        if is_entry:
            entries += 1
            inside += 1
        else:
            exits += 1
            # An exit with nobody counted inside is drift (a missed entry): the people who
            # come in afterwards are inside all the same, so the count stays at zero.
            inside = max(0, inside - 1)
        if inside > peak:
            peak = inside
            peak_at = int(time_ms)
    return PeakDay(start=day_start, peak=peak, peak_at=peak_at, entries=entries, exits=exits)


def _store_days(
    query: AnalyticQuery, computed: list[tuple[int, int, PeakDay, _Fingerprint]]
) -> None:
    now_ms = int(datetime.now().timestamp() * 1000)
    try:
        _write_days(query, computed, now_ms)
    except IntegrityError:
        # Another process stored the same day between our delete and insert. Its row has
        # the same numbers or newer ones, so this request's copy is not needed.
        logger.debug("Peak occupancy of store %s was stored concurrently", query.store.name)


#: Days stored per write transaction, so that a long range never holds the write lock for
#: long and device posts keep getting through while it is filled.
_DAYS_PER_WRITE = 50


def _write_days(
    query: AnalyticQuery, computed: list[tuple[int, int, PeakDay, _Fingerprint]], now_ms: int
) -> None:
    for first in range(0, len(computed), _DAYS_PER_WRITE):
        _write_chunk(query, computed[first : first + _DAYS_PER_WRITE], now_ms)


def _write_chunk(
    query: AnalyticQuery, computed: list[tuple[int, int, PeakDay, _Fingerprint]], now_ms: int
) -> None:
    with query.db.write() as connection:
        for day_start, day_end, day, fingerprint in computed:
            # Delete and insert instead of an upsert, because SQLite and PostgreSQL spell upserts
            # differently. Both run in one transaction, so a reader never sees the day missing.
            connection.execute(
                delete(peak_days).where(
                    peak_days.c.store_id == query.store.id,
                    peak_days.c.day_start_ms == day_start,
                )
            )
            connection.execute(
                insert(peak_days).values(
                    store_id=query.store.id,
                    day_start_ms=day_start,
                    day_end_ms=day_end,
                    peak=day.peak,
                    peak_ms=day.peak_at,
                    entries=day.entries,
                    exits=day.exits,
                    event_count=fingerprint.event_count,
                    last_event_id=fingerprint.last_event_id,
                    computed_ms=now_ms,
                )
            )
