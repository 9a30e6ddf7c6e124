"""Current occupancy: entries minus exits since the start of the business day."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import Connection, case, func, select

from footfall.analytics.zones import business_day_start
from footfall.db.engine import Database
from footfall.db.models import Device, Event
from footfall.plugin_types import StoreRef

__all__ = ["Occupancy", "current_occupancy"]


class Occupancy(msgspec.Struct, kw_only=True):
    """People in a store now, as counted since the business day began."""

    store: str
    zone: str
    """The store's time zone, in which the business day is reckoned."""
    since: int
    """Start of the current business day, epoch milliseconds."""
    entries: int
    exits: int
    occupancy: int
    """Entries minus exits; negative when exits were counted that had no entry (drift)."""
    displayed: int
    """``max(occupancy, 0)``: what a display shows."""
    drift: int
    """``max(-occupancy, 0)``: exits in excess of entries."""


def _count_since(
    connection: Connection, store_id: int, since_ms: int, now_ms: int
) -> tuple[int, int]:
    device_ids = select(Device.id).where(Device.store_id == store_id).scalar_subquery()
    entries = func.coalesce(func.sum(case((Event.is_entry, 1), else_=0)), 0)
    exits = func.coalesce(func.sum(case((Event.is_entry, 0), else_=1)), 0)
    row = connection.execute(
        select(entries, exits).where(
            Event.device_id.in_(device_ids),
            Event.time_ms >= since_ms,
            Event.time_ms <= now_ms,
        )
    ).one()
    return int(row[0]), int(row[1])


def current_occupancy(db: Database, store: StoreRef, now_ms: int) -> Occupancy:
    """Count the store's entries and exits from the start of its business day up to now.

    An event stamped after ``now_ms`` (a device clock running ahead) counts once its time has
    come.
    """
    zone = ZoneInfo(store.timezone)
    since_ms = business_day_start(zone, store.day_reset_hour, now_ms // 1000) * 1000

    with db.read() as connection:
        entries, exits = _count_since(connection, store.id, since_ms, now_ms)

    occupancy = entries - exits
    return Occupancy(
        store=store.name,
        zone=store.timezone,
        since=since_ms,
        entries=entries,
        exits=exits,
        occupancy=occupancy,
        displayed=max(occupancy, 0),
        drift=max(-occupancy, 0),
    )
