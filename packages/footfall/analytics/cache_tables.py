"""Tables of the dwell cache: per business day matching results, derived from the events.

Matching exits to entries needs every event of a business day, so a year of dwell would read
millions of events per request. Finished business days are therefore matched once and kept
here; the rows are derived data, checked against ``quarter_counts`` on every read and
rebuilt by ``litestar footfall rollups rebuild``. The Alembic revision ``0003_dwell_cache``
creates them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Table

from footfall.db.models import Base

__all__ = ["DWELL_STORE_SCOPE", "dwell_days", "dwell_quarters"]

#: ``scope`` of rows that match the events of every device of a store together. Any other
#: value is the id of the one device whose events were matched.
DWELL_STORE_SCOPE = 0

dwell_days = Table(
    "dwell_days",
    Base.metadata,
    Column("store_id", Integer, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
    Column("scope", Integer, primary_key=True),
    Column("day_start_ms", BigInteger, primary_key=True),
    Column("day_end_ms", BigInteger, nullable=False),
    Column("events", Integer, nullable=False),
    Column("excluded_long", Integer, nullable=False),
    Column("unmatched_entries", Integer, nullable=False),
    Column("unmatched_exits", Integer, nullable=False),
    Column("max_dwell_s", Integer, nullable=False),
)
"""One matched business day: how many events it had and what did not become a sample.

``events`` is compared with the day's ``quarter_counts`` on read; a difference means late
events arrived and the day is matched again. ``max_dwell_s`` is the store's maximum dwell the
day was matched with, so changing it invalidates the row too.
"""

dwell_quarters = Table(
    "dwell_quarters",
    Base.metadata,
    Column("store_id", Integer, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
    Column("scope", Integer, primary_key=True),
    Column("day_start_ms", BigInteger, primary_key=True),
    Column("quarter", BigInteger, primary_key=True),
    Column("samples", Integer, nullable=False),
    Column("total_ms", BigInteger, nullable=False),
)
"""Dwell samples of a matched business day, by the UTC quarter hour of their entry."""
