"""Default storage sink: writes each batch to the database inside the ingest transaction.

It inserts the events, skipping any ``(device, seq)`` already stored, so a retried batch is
stored once; adds the accepted events to the quarter-hour rollups, so that late events count
in the analytics; and records when the device last sent an event.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from footfall.config import Settings
from footfall.db.models import QUARTER_S, Device, Event, QuarterCount
from footfall.db.upsert import dialect_insert
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
            connection.execute(
                update(Device)
                .where(
                    Device.id == device_id,
                    or_(Device.last_event_ms.is_(None), Device.last_event_ms < newest),
                )
                .values(last_event_ms=newest)
            )

        last_seq = connection.execute(
            select(func.max(Event.seq)).where(Event.device_id == device_id)
        ).scalar()
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
        statement = (
            dialect_insert(connection, Event)
            .on_conflict_do_nothing(index_elements=["device_id", "seq"])
            .returning(Event.seq, Event.time_ms, Event.is_entry)
        )
        # One multi-row INSERT; RETURNING yields only the rows that were new, so a repeated
        # (device, seq), in an earlier batch or earlier in this one, is a duplicate.
        result = connection.execute(statement.values(sequenced))
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

    statement = dialect_insert(connection, QuarterCount)
    statement = statement.on_conflict_do_update(
        index_elements=["device_id", "quarter"],
        set_={
            "entries": QuarterCount.entries + statement.excluded.entries,
            "exits": QuarterCount.exits + statement.excluded.exits,
        },
    )
    connection.execute(
        statement,
        [
            {
                "device_id": device_id,
                "quarter": quarter,
                "entries": counts[0],
                "exits": counts[1],
                "heartbeats": 0,
            }
            for quarter, counts in sorted(totals.items())
        ],
    )


@hookimpl
def footfall_event_sinks(settings: Settings) -> list[EventSink]:
    """Return the database sink."""
    return [DatabaseSink()]
