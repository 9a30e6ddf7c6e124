"""Rebuilding the derived analytics data from the events and heartbeats.

``quarter_counts`` is kept up to date by the ingest transaction; this module recomputes it
from scratch, for a store or for all, and drops the dwell cache so that business days are
matched again (after a store's time zone, reset hour or maximum dwell changed, or after
events were imported directly into the database).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Integer, cast, delete, func, insert, literal, select, union_all
from sqlalchemy.sql import Select

from footfall.analytics.dwell_cache import clear_dwell_cache
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
    event_rows = (
        select(
            Event.device_id.label("device_id"),
            (Event.time_ms // _QUARTER_MS).label("quarter"),
            func.sum(entry_flag).label("entries"),
            func.sum(1 - entry_flag).label("exits"),
            literal(0).label("heartbeats"),
        )
        .where(Event.device_id.in_(devices))
        .group_by(Event.device_id, Event.time_ms // _QUARTER_MS)
    )
    heartbeat_rows = (
        select(
            Heartbeat.device_id.label("device_id"),
            (Heartbeat.received_ms // _QUARTER_MS).label("quarter"),
            literal(0).label("entries"),
            literal(0).label("exits"),
            func.count().label("heartbeats"),
        )
        .where(Heartbeat.device_id.in_(devices))
        .group_by(Heartbeat.device_id, Heartbeat.received_ms // _QUARTER_MS)
    )
    both = union_all(event_rows, heartbeat_rows).subquery()
    merged = select(
        both.c.device_id,
        both.c.quarter,
        func.sum(both.c.entries),
        func.sum(both.c.exits),
        func.sum(both.c.heartbeats),
    ).group_by(both.c.device_id, both.c.quarter)

    result = connection.execute(
        insert(QuarterCount).from_select(
            ["device_id", "quarter", "entries", "exits", "heartbeats"], merged
        )
    )
    return int(result.rowcount)


def rebuild_rollups(db: Database, store_id: int | None = None) -> int:
    """Recompute ``quarter_counts`` of one store (or of all) and drop its dwell cache.

    Runs in one write transaction, so requests see the old rollups or the new ones, never a
    mix. Returns the number of quarter rows written. The dwell cache is refilled by the next
    dwell requests.
    """
    with db.write() as connection:
        written = _rebuild(connection, store_id)
        cleared = clear_dwell_cache(connection, store_id)

    logger.info(
        "Rebuilt %d quarter-hour rollup rows and cleared %d cached dwell days (%s)",
        written,
        cleared,
        "every store" if store_id is None else f"store id {store_id}",
    )
    return written
