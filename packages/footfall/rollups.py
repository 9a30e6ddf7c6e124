"""Rebuilding the derived analytics data from the events and heartbeats.

``quarter_counts`` is kept up to date by the ingest transaction. This module recomputes it
from scratch, for a store or for all, and then matches every finished business day again to
refill the dwell cache. Run it after a store's time zone, reset hour or maximum dwell
changed, or after events were imported directly into the database.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Integer, cast, delete, func, insert, literal, select, union_all
from sqlalchemy.sql import Select

from footfall import clock
from footfall.analytics.dwell_cache import clear_dwell_cache
from footfall.analytics.dwell_range import dwell_by_hour
from footfall.analytics.dwell_warmup import finished_days
from footfall.analytics.rollup_read import integer_constant
from footfall.db.engine import Database
from footfall.db.models import QUARTER_S, Device, Event, Heartbeat, QuarterCount

__all__ = ["rebuild_rollups"]

logger = logging.getLogger(__name__)

_QUARTER_MS = QUARTER_S * 1000


def _device_filter(store_id: int | None) -> Select[tuple[int]]:
    statement = select(Device.id)
    if store_id is not None:
        statement = statement.where(Device.store_id == store_id)
    return statement


def _rebuild(connection: Connection, store_id: int | None) -> int:
    devices = _device_filter(store_id).scalar_subquery()
    connection.execute(delete(QuarterCount).where(QuarterCount.device_id.in_(devices)))

    entry_flag = cast(Event.is_entry, Integer)
    event_quarter = Event.time_ms // integer_constant(_QUARTER_MS)
    heartbeat_quarter = Heartbeat.received_ms // integer_constant(_QUARTER_MS)
    event_rows = (
        select(
            Event.device_id.label("device_id"),
            event_quarter.label("quarter"),
            func.sum(entry_flag).label("entries"),
            func.sum(1 - entry_flag).label("exits"),
            literal(0).label("heartbeats"),
        )
        .where(Event.device_id.in_(devices))
        .group_by(Event.device_id, event_quarter)
    )
    heartbeat_rows = (
        select(
            Heartbeat.device_id.label("device_id"),
            heartbeat_quarter.label("quarter"),
            literal(0).label("entries"),
            literal(0).label("exits"),
            func.count().label("heartbeats"),
        )
        .where(Heartbeat.device_id.in_(devices))
        .group_by(Heartbeat.device_id, heartbeat_quarter)
    )
    both = union_all(event_rows, heartbeat_rows).subquery()
    merged = select(
        both.c.device_id,
        both.c.quarter,
        func.sum(both.c.entries),
        func.sum(both.c.exits),
        func.sum(both.c.heartbeats),
    ).group_by(both.c.device_id, both.c.quarter)

    connection.execute(
        insert(QuarterCount).from_select(
            ["device_id", "quarter", "entries", "exits", "heartbeats"], merged
        )
    )

    # Counted rather than taken from rowcount, because psycopg 3 returned -1 for this
    # INSERT ... SELECT in the PostgreSQL test run.
    written = connection.execute(
        select(func.count()).select_from(QuarterCount).where(QuarterCount.device_id.in_(devices))
    ).scalar_one()
    return int(written)


def _refill_dwell_cache(db: Database, store_id: int | None, now_ms: int) -> int:
    """Match every finished business day of the stores' events; return the days matched."""
    matched_days = 0
    for store_days in finished_days(db, now_ms, store_id):
        store = store_days.store
        # The range runs from the first business day to the current one, so every day in it
        # is whole and over, and dwell_by_hour caches each one.
        dwell_by_hour(
            db,
            store,
            list(store_days.device_ids),
            store_days.days[0][0],
            store_days.days[-1][1],
            ZoneInfo(store.timezone),
            now_ms=now_ms,
        )
        matched_days += len(store_days.days)
    return matched_days


def rebuild_rollups(db: Database, store_id: int | None = None) -> int:
    """Recompute ``quarter_counts`` of one store (or of all) and refill its dwell cache.

    The rollups are replaced in one write transaction, so requests see the old rollups or
    the new ones, never a mix. The dwell cache is cleared in the same transaction and then
    refilled day by day; a dwell request in between matches its days itself. Returns the
    number of quarter rows written.
    """
    with db.write() as connection:
        written = _rebuild(connection, store_id)
        cleared = clear_dwell_cache(connection, store_id)

    matched = _refill_dwell_cache(db, store_id, clock.now_ms())
    logger.info(
        "Rebuilt %d quarter-hour rollup rows, cleared %d cached dwell days and matched about "
        "%d business days again (%s)",
        written,
        cleared,
        matched,
        "every store" if store_id is None else f"store id {store_id}",
    )
    return written
