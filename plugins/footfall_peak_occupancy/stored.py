"""Reading and writing the stored peaks of finished business days.

A stored day is used only while it still describes the events. Its end must be the day's end
now, and its entries and exits must equal the day's sums over the store's devices in
``quarter_counts``, which the ingest transaction keeps up to date. No code path updates or
deletes single events (deleting a device removes its events and its quarter rows together),
so equal sums mean the same events.

NOTE: a device moved from one store to another changes both stores' sums on the days it
counted, unless the devices that left and came in counted the same entries and exits on a
day. Such a day keeps its stored peak.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from footfall.db.engine import Database
from footfall.db.models import QUARTER_S, QuarterCount
from footfall_peak_occupancy.replay import DayPeak
from footfall_peak_occupancy.table import peak_days

__all__ = ["read_valid_days", "write_days"]

logger = logging.getLogger(__name__)

_QUARTER_MS = QUARTER_S * 1000

#: Days stored per write transaction, so that a long range never holds the write lock for
#: long and device posts keep getting through while it is filled.
_DAYS_PER_WRITE = 50


def read_valid_days(
    connection: Connection,
    store_id: int,
    device_ids: Sequence[int],
    days: Sequence[tuple[int, int]],
) -> dict[int, DayPeak]:
    """Return the stored peaks of ``days``, business days ``(start, end)``, that are valid.

    ``device_ids`` must be every device of the store. The result maps a day's start (ms) to
    its peak. One query checks every day, because the database sums each stored day's
    quarter rows itself.
    """
    if not days:
        return {}

    # Quarter bounds are exact: a business day starts at a local hour, and every UTC offset
    # in use is a whole number of quarter hours.
    day_quarters = [
        QuarterCount.device_id.in_(device_ids),
        QuarterCount.quarter >= peak_days.c.day_start_ms // _QUARTER_MS,
        QuarterCount.quarter < peak_days.c.day_end_ms // _QUARTER_MS,
    ]
    current_entries = (
        select(func.coalesce(func.sum(QuarterCount.entries), 0))
        .where(*day_quarters)
        .scalar_subquery()
    )
    current_exits = (
        select(func.coalesce(func.sum(QuarterCount.exits), 0))
        .where(*day_quarters)
        .scalar_subquery()
    )
    statement = select(
        peak_days.c.day_start_ms,
        peak_days.c.day_end_ms,
        peak_days.c.peak,
        peak_days.c.peak_ms,
        peak_days.c.entries,
        peak_days.c.exits,
        current_entries,
        current_exits,
    ).where(
        peak_days.c.store_id == store_id,
        peak_days.c.day_start_ms >= days[0][0],
        peak_days.c.day_start_ms <= days[-1][0],
    )

    expected_end = dict(days)
    valid = {}
    for start, end, peak, peak_ms, entries, exits, now_entries, now_exits in connection.execute(
        statement
    ):
        if expected_end.get(start) == end and (entries, exits) == (now_entries, now_exits):
            valid[start] = DayPeak(
                start_ms=start, end_ms=end, peak=peak, peak_ms=peak_ms, entries=entries,
                exits=exits,
            )
    return valid


def _replace_days(connection: Connection, store_id: int, days: Sequence[DayPeak],
                  now_ms: int) -> None:
    # Delete and insert instead of an upsert, because SQLite and PostgreSQL spell upserts
    # differently. Both run in one transaction, so a reader never sees a day missing.
    connection.execute(
        delete(peak_days).where(
            peak_days.c.store_id == store_id,
            peak_days.c.day_start_ms.in_([day.start_ms for day in days]),
        )
    )
    connection.execute(
        insert(peak_days),
        [
            {
                "store_id": store_id,
                "day_start_ms": day.start_ms,
                "day_end_ms": day.end_ms,
                "peak": day.peak,
                "peak_ms": day.peak_ms,
                "entries": day.entries,
                "exits": day.exits,
                "computed_ms": now_ms,
            }
            for day in days
        ],
    )


def write_days(db: Database, store_id: int, days: Sequence[DayPeak], now_ms: int) -> bool:
    """Store the peaks of finished business days, replacing older rows of the same days.

    Returns whether every day was written. The table only saves work, so a failed write is
    logged and the request goes on: the days are replayed again on the next request.
    """
    try:
        for first in range(0, len(days), _DAYS_PER_WRITE):
            with db.write() as connection:
                _replace_days(connection, store_id, days[first : first + _DAYS_PER_WRITE], now_ms)
    except IntegrityError:
        # Another process or thread, such as a request racing the start-up warm-up, stored the
        # same day between this delete and insert. Its row has the same numbers or newer ones,
        # so this copy is not needed.
        logger.debug("Peak occupancy of store %d was stored concurrently", store_id)
        return False
    except SQLAlchemyError as error:
        logger.warning(
            "Failed to store %d peak occupancy days of store %d, so the next request replays "
            "them again: %s",
            len(days),
            store_id,
            error,
        )
        return False
    return True
