"""Reading and writing the dwell cache of matched business days.

A cached day is used only while it still describes the events. Its event count must equal
the day's count in ``quarter_counts``, and its maximum dwell must be the store's current one.
No code path updates or deletes single events (deleting a device removes its events and its
quarter rows together), so an equal count means the same events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from footfall.analytics.cache_tables import dwell_days, dwell_quarters
from footfall.analytics.dwell import DaySummary
from footfall.analytics.rollup_read import integer_constant, local_hour_expressions
from footfall.analytics.zones import OffsetSegment
from footfall.db.engine import Database
from footfall.db.models import QUARTER_S, QuarterCount

__all__ = [
    "CachedHours",
    "clear_dwell_cache",
    "read_cached_hours",
    "valid_cached_days",
    "write_cached_days",
]

logger = logging.getLogger(__name__)

_QUARTER_MS = QUARTER_S * 1000


@dataclass(slots=True)
class CachedHours:
    """Totals of the valid cached days, with the samples summed per clock hour."""

    samples: list[int]
    total_ms: list[int]
    excluded_long: int = 0
    unmatched_entries: int = 0
    unmatched_exits: int = 0


def valid_cached_days(
    connection: Connection,
    store_id: int,
    scope: int,
    device_ids: Sequence[int],
    days: Sequence[tuple[int, int]],
    max_dwell_s: int,
) -> tuple[set[int], set[int]]:
    """Check the cached rows of the span of ``days``, which are business days ``(start, end)``.

    Returns the starts (ms) of every cached row in the span, and of those rows that are
    still valid. A row is invalid when its day has other bounds (the store's zone or reset
    hour changed) or other events than now.
    """
    if not days:
        return set(), set()

    current_events = (
        select(func.coalesce(func.sum(QuarterCount.entries + QuarterCount.exits), 0))
        .where(
            QuarterCount.device_id.in_(device_ids),
            QuarterCount.quarter >= dwell_days.c.day_start_ms // _QUARTER_MS,
            QuarterCount.quarter < dwell_days.c.day_end_ms // _QUARTER_MS,
        )
        .scalar_subquery()
    )
    statement = select(
        dwell_days.c.day_start_ms,
        dwell_days.c.day_end_ms,
        dwell_days.c.events,
        dwell_days.c.max_dwell_s,
        current_events,
    ).where(
        dwell_days.c.store_id == store_id,
        dwell_days.c.scope == scope,
        dwell_days.c.day_start_ms >= days[0][0],
        dwell_days.c.day_start_ms <= days[-1][0],
    )

    expected_end = dict(days)
    present = set()
    valid = set()
    for day_start, day_end, events, row_max_dwell, current in connection.execute(statement):
        present.add(day_start)
        if (
            expected_end.get(day_start) == day_end
            and events == current
            and row_max_dwell == max_dwell_s
        ):
            valid.add(day_start)
    return present, valid


def read_cached_hours(
    connection: Connection,
    store_id: int,
    scope: int,
    first_day_ms: int,
    last_day_ms: int,
    skip_days: Sequence[int],
    segments: Sequence[OffsetSegment],
) -> CachedHours:
    """Sum the cached days starting in ``[first_day_ms, last_day_ms]`` except ``skip_days``.

    The database groups the samples by the clock hour of their entry in the zone whose
    offsets ``segments`` describe, so a year returns at most 24 rows.
    """
    result = CachedHours(samples=[0] * 24, total_ms=[0] * 24)
    day_filter = [
        dwell_days.c.store_id == store_id,
        dwell_days.c.scope == scope,
        dwell_days.c.day_start_ms >= first_day_ms,
        dwell_days.c.day_start_ms <= last_day_ms,
    ]
    if skip_days:
        day_filter.append(dwell_days.c.day_start_ms.not_in(skip_days))

    totals = connection.execute(
        select(
            func.coalesce(func.sum(dwell_days.c.excluded_long), 0),
            func.coalesce(func.sum(dwell_days.c.unmatched_entries), 0),
            func.coalesce(func.sum(dwell_days.c.unmatched_exits), 0),
        ).where(*day_filter)
    ).one()
    result.excluded_long, result.unmatched_entries, result.unmatched_exits = (
        int(value) for value in totals
    )

    quarter_filter = [
        dwell_quarters.c.store_id == store_id,
        dwell_quarters.c.scope == scope,
        dwell_quarters.c.day_start_ms >= first_day_ms,
        dwell_quarters.c.day_start_ms <= last_day_ms,
    ]
    if skip_days:
        quarter_filter.append(dwell_quarters.c.day_start_ms.not_in(skip_days))
    _, local_hour = local_hour_expressions(dwell_quarters.c.quarter, segments)
    clock_hour = local_hour % integer_constant(24)
    rows = connection.execute(
        select(clock_hour, func.sum(dwell_quarters.c.samples), func.sum(dwell_quarters.c.total_ms))
        .where(*quarter_filter)
        .group_by(clock_hour)
    )
    for hour, samples, total_ms in rows:
        result.samples[int(hour)] += int(samples)
        result.total_ms[int(hour)] += int(total_ms)
    return result


def _replace_days(
    connection: Connection,
    store_id: int,
    scope: int,
    summaries: Mapping[tuple[int, int], DaySummary],
    max_dwell_s: int,
) -> None:
    day_starts = [day_start for day_start, _ in summaries]
    for table in (dwell_quarters, dwell_days):
        connection.execute(
            delete(table).where(
                table.c.store_id == store_id,
                table.c.scope == scope,
                table.c.day_start_ms.in_(day_starts),
            )
        )

    day_rows = [
        {
            "store_id": store_id,
            "scope": scope,
            "day_start_ms": day_start,
            "day_end_ms": day_end,
            "events": summary.events,
            "excluded_long": summary.excluded_long,
            "unmatched_entries": summary.unmatched_entries,
            "unmatched_exits": summary.unmatched_exits,
            "max_dwell_s": max_dwell_s,
        }
        for (day_start, day_end), summary in summaries.items()
    ]
    quarter_rows = [
        {
            "store_id": store_id,
            "scope": scope,
            "day_start_ms": day_start,
            "quarter": quarter,
            "samples": entry_quarter.samples,
            "total_ms": entry_quarter.total_ms,
        }
        for (day_start, _), summary in summaries.items()
        for quarter, entry_quarter in summary.quarters.items()
    ]
    connection.execute(insert(dwell_days), day_rows)
    if quarter_rows:
        connection.execute(insert(dwell_quarters), quarter_rows)


def write_cached_days(
    db: Database,
    store_id: int,
    scope: int,
    summaries: Mapping[tuple[int, int], DaySummary],
    max_dwell_s: int,
) -> bool:
    """Store matched business days, replacing older rows; return whether it worked.

    The cache is an optimisation, so a failed write (a concurrent request that stored the
    same day first, a read-only database) is logged and the request goes on without it.
    """
    if not summaries:
        return True
    try:
        with db.write() as connection:
            _replace_days(connection, store_id, scope, summaries, max_dwell_s)
    except SQLAlchemyError as error:
        logger.warning(
            "Could not store %d matched business days of store %d (scope %d) in the dwell "
            "cache; they will be matched again on the next request: %s",
            len(summaries),
            store_id,
            scope,
            error,
        )
        return False
    return True


def clear_dwell_cache(connection: Connection, store_id: int | None = None) -> int:
    """Delete the cached days of one store, or of every store; return the days deleted."""
    delete_quarters = delete(dwell_quarters)
    delete_days = delete(dwell_days)
    if store_id is not None:
        delete_quarters = delete_quarters.where(dwell_quarters.c.store_id == store_id)
        delete_days = delete_days.where(dwell_days.c.store_id == store_id)

    connection.execute(delete_quarters)
    return int(connection.execute(delete_days).rowcount)
