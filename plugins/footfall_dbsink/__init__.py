"""Default storage sink: writes each batch to the database inside the ingest transaction.

It inserts the events, skipping any ``(device, seq)`` already stored, so a retried batch is
stored once; adds the accepted events to the quarter-hour rollups, so that late events count
in the analytics; and records when the device last sent an event.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, insert, text

from footfall.config import Settings
from footfall.db.models import QUARTER_S, Event
from footfall.hookspecs import hookimpl
from footfall.plugin_types import Batch, EventSink, IngestEvent, StoreOutcome

__all__ = ["DatabaseSink", "add_to_rollups", "footfall_event_sinks"]


class DatabaseSink:
    """Stores events, rollups and the device's last-event time in the ingest transaction."""

    name = "database"
    in_transaction = True

    def write(self, batch: Batch, connection: Connection | None) -> StoreOutcome:
        """Store the batch; return the accepted events, the duplicates and ``last_seq``."""
        if connection is None:
            raise RuntimeError("the database sink must run inside the ingest transaction")
        device_id = batch.device.id
        rows = [
            {
                "device_id": device_id,
                "seq": event.seq,
                "time_ms": event.time_ms,
                "is_entry": event.is_entry,
                "received_ms": batch.received_ms,
            }
            for event in batch.events
        ]

        accepted: tuple[IngestEvent, ...] = ()
        if rows:
            accepted = _insert_events(connection, rows)
            add_to_rollups(connection, device_id, accepted)

        if accepted:
            newest = max(event.time_ms for event in accepted)
            connection.execute(_MARK_LAST_EVENT, {"device_id": device_id, "newest": newest})

        last_seq = connection.execute(_LAST_SEQ, {"device_id": device_id}).scalar()
        return StoreOutcome(
            accepted=accepted,
            duplicates=len(rows) - len(accepted),
            last_seq=last_seq,
        )


def _insert_events(connection: Connection, rows: list[dict[str, Any]]) -> tuple[IngestEvent, ...]:
    legacy = [row for row in rows if row["seq"] is None]
    sequenced = [row for row in rows if row["seq"] is not None]
    accepted: list[IngestEvent] = []

    if legacy:
        # Legacy events have no sequence number, so nothing identifies a retry: all are new.
        connection.execute(insert(Event), legacy)
        accepted.extend(
            IngestEvent(seq=None, time_ms=row["time_ms"], is_entry=row["is_entry"])
            for row in legacy
        )

    if sequenced:
        # One multi-row INSERT; RETURNING yields only the rows that were new, so a repeated
        # (device, seq), in an earlier batch or earlier in this one, is a duplicate.
        parameters: dict[str, Any] = {
            "device_id": sequenced[0]["device_id"],
            "received_ms": sequenced[0]["received_ms"],
        }
        for index, row in enumerate(sequenced):
            parameters[f"seq{index}"] = row["seq"]
            parameters[f"time_ms{index}"] = row["time_ms"]
            parameters[f"is_entry{index}"] = row["is_entry"]
        result = connection.execute(_insert_sequenced(len(sequenced)), parameters)
        accepted.extend(
            IngestEvent(seq=seq, time_ms=time_ms, is_entry=bool(is_entry))
            for seq, time_ms, is_entry in result
        )
    return tuple(accepted)


def add_to_rollups(connection: Connection, device_id: int, events: tuple[IngestEvent, ...]) -> None:
    """Add events to the device's quarter-hour counts."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for event in events:
        quarter = event.time_ms // (QUARTER_S * 1000)
        totals[quarter][0 if event.is_entry else 1] += 1
    if not totals:
        return

    connection.execute(
        _ADD_TO_ROLLUPS,
        [
            {
                "device_id": device_id,
                "quarter": quarter,
                "entries": counts[0],
                "exits": counts[1],
            }
            for quarter, counts in sorted(totals.items())
        ],
    )


# The statements are SQL text, the same on SQLite and PostgreSQL: SQLAlchemy cannot cache the
# compiled form of a dialect INSERT with an ON CONFLICT clause, and compiling it again for
# every batch cost more CPU than the rest of the ingest transaction. Text statements also
# skip the cache-key walk that Core statements take on every execution.
_ADD_TO_ROLLUPS = text(
    "INSERT INTO quarter_counts (device_id, quarter, entries, exits, heartbeats) "
    "VALUES (:device_id, :quarter, :entries, :exits, 0) "
    "ON CONFLICT (device_id, quarter) DO UPDATE SET "
    "entries = quarter_counts.entries + excluded.entries, "
    "exits = quarter_counts.exits + excluded.exits"
)

_MARK_LAST_EVENT = text(
    "UPDATE devices SET last_event_ms = :newest WHERE id = :device_id "
    "AND (last_event_ms IS NULL OR last_event_ms < :newest)"
)

_LAST_SEQ = text("SELECT max(seq) FROM events WHERE device_id = :device_id")

#: Batch sizes whose multi-row INSERT is kept, compiled, for reuse.
_CACHED_SIZES = 64


@lru_cache(maxsize=_CACHED_SIZES)
def _insert_sequenced(count: int) -> TextClause:
    """Return an INSERT of ``count`` events that skips a stored (device, seq)."""
    rows = ", ".join(
        f"(:device_id, :seq{index}, :time_ms{index}, :is_entry{index}, :received_ms)"
        for index in range(count)
    )
    # Only generated placeholder names are interpolated: every value is a bound parameter.
    return text(
        "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms) "  # noqa: S608
        f"VALUES {rows} ON CONFLICT (device_id, seq) DO NOTHING "
        "RETURNING seq, time_ms, is_entry"
    )


@hookimpl
def footfall_event_sinks(settings: Settings) -> list[EventSink]:
    """Return the database sink."""
    return [DatabaseSink()]
