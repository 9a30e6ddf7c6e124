"""Live counts of a store: entries and exits since the start of its business day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, func, select

from footfall.analytics.zones import business_day_start
from footfall.db.models import Device, Event, Store

__all__ = ["LiveCounts", "read_all_live_counts", "read_live_counts"]


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """The retained message of one store, in the shape of the occupancy API's response."""

    store: str
    zone: str
    since: int
    """Start of the current business day, epoch milliseconds."""
    entries: int
    exits: int
    as_of: int
    """When the counts were read, epoch milliseconds."""

    def to_json(self) -> dict[str, Any]:
        """Return the message body."""
        occupancy = self.entries - self.exits
        return {
            "store": self.store,
            "zone": self.zone,
            "since": self.since,
            "entries": self.entries,
            "exits": self.exits,
            "occupancy": occupancy,
            "displayed": max(occupancy, 0),
            "drift": max(-occupancy, 0),
            "as_of": self.as_of,
        }


def read_live_counts(connection: Connection, store_name: str, now_ms: int) -> LiveCounts | None:
    """Count the store's events since the start of its business day; ``None`` if it is gone."""
    row = connection.execute(
        select(Store.id, Store.timezone, Store.day_reset_hour).where(Store.name == store_name)
    ).first()
    if row is None:
        return None
    return _count(connection, store_name, row[0], row[1], row[2], now_ms)


def read_all_live_counts(connection: Connection, now_ms: int) -> list[LiveCounts]:
    """Count every store, for the retained messages republished when the client connects."""
    stores = connection.execute(
        select(Store.id, Store.name, Store.timezone, Store.day_reset_hour).order_by(Store.name)
    ).all()
    return [
        _count(connection, name, store_id, zone, reset_hour, now_ms)
        for store_id, name, zone, reset_hour in stores
    ]


def _count(
    connection: Connection, name: str, store_id: int, zone: str, reset_hour: int, now_ms: int
) -> LiveCounts:
    since_ms = business_day_start(ZoneInfo(zone), reset_hour, now_ms // 1000) * 1000
    entries, exits = connection.execute(
        select(
            func.coalesce(func.sum(case((Event.is_entry, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Event.is_entry, 0), else_=1)), 0),
        )
        .join(Device, Device.id == Event.device_id)
        .where(Device.store_id == store_id, Event.time_ms >= since_ms)
    ).one()
    return LiveCounts(
        store=name, zone=zone, since=since_ms, entries=int(entries), exits=int(exits),
        as_of=now_ms,
    )
