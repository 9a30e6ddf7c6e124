"""The plugin's own table: computed daily peaks, reused while a day's events are unchanged."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, Table

__all__ = ["metadata", "peak_days"]

#: Separate from the core's metadata, so the core's migrations never see this table.
metadata = MetaData()

peak_days = Table(
    "peak_occupancy_days",
    metadata,
    Column("store_id", Integer, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
    Column("day_start_ms", BigInteger, primary_key=True),
    Column("day_end_ms", BigInteger, nullable=False),
    Column("peak", Integer, nullable=False),
    Column("peak_ms", BigInteger, nullable=True),
    Column("entries", Integer, nullable=False),
    Column("exits", Integer, nullable=False),
    # The day's event count and highest event id when the peak was computed: a late event
    # changes one of them, which makes the stored peak stale.
    Column("event_count", Integer, nullable=False),
    Column("last_event_id", BigInteger, nullable=False),
    Column("computed_ms", BigInteger, nullable=False),
)
