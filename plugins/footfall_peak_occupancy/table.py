"""The plugin's own table: the peaks of finished business days, reused while still valid."""

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
    # A row whose end is not the day's end now was computed for other day bounds, because
    # the store's zone or reset hour changed since.
    Column("day_end_ms", BigInteger, nullable=False),
    Column("peak", Integer, nullable=False),
    Column("peak_ms", BigInteger, nullable=True),
    # The day's entries and exits when the peak was computed. A late event changes one of
    # them, and the request compares both with the day's sums in ``quarter_counts``.
    Column("entries", Integer, nullable=False),
    Column("exits", Integer, nullable=False),
    Column("computed_ms", BigInteger, nullable=False),
)
