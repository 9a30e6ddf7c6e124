"""Default storage sink: writes each batch to the database inside the ingest transaction.

It inserts the events, skipping any ``(device, seq)`` already stored, so a retried batch is
stored once; adds the accepted events to the quarter-hour rollups, so that late events count
in the analytics; and records when the device last sent an event.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from footfall.config import Settings
from footfall.db.models import QUARTER_S
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
        statements = _statements(connection.dialect.paramstyle)
        device_id = batch.device.id

        # The statements run on the driver's cursor, inside the transaction that the
        # SQLAlchemy connection opened, because a SQLAlchemy execution cost about ten times
        # the SQLite work of these small statements (measured with cProfile).
        cursor: Any = connection.connection.cursor()
        try:
            accepted = _insert_events(cursor, statements, batch)
            if accepted:
                _add_to_rollups(cursor, statements, device_id, accepted)
                newest = max(event.time_ms for event in accepted)
                cursor.execute(statements.mark_last_event, (newest, device_id, newest))
            cursor.execute(statements.last_seq, (device_id,))
            (last_seq,) = cursor.fetchone()
        finally:
            cursor.close()

        return StoreOutcome(
            accepted=accepted,
            duplicates=len(batch.events) - len(accepted),
            last_seq=last_seq,
        )


def _insert_events(cursor: Any, statements: _Statements, batch: Batch) -> tuple[IngestEvent, ...]:
    device_id = batch.device.id
    received = batch.received_ms
    legacy = [event for event in batch.events if event.seq is None]
    sequenced = [event for event in batch.events if event.seq is not None]
    accepted: list[IngestEvent] = []

    if legacy:
        # Legacy events have no sequence number, so nothing identifies a retry: all are new.
        cursor.executemany(
            statements.insert_legacy,
            [(device_id, event.time_ms, event.is_entry, received) for event in legacy],
        )
        accepted.extend(legacy)

    if sequenced:
        # One multi-row INSERT; RETURNING yields only the rows that were new, so a repeated
        # (device, seq), in an earlier batch or earlier in this one, is a duplicate.
        parameters: list[Any] = []
        for event in sequenced:
            parameters.extend((device_id, event.seq, event.time_ms, event.is_entry, received))
        cursor.execute(statements.insert_sequenced(len(sequenced)), parameters)
        stored = cursor.fetchall()
        if len(stored) == len(sequenced):
            # Every event was new, the usual case: they are the batch's own events.
            accepted.extend(sequenced)
        else:
            accepted.extend(
                IngestEvent(seq=seq, time_ms=time_ms, is_entry=bool(is_entry))
                for seq, time_ms, is_entry in stored
            )
    return tuple(accepted)


def add_to_rollups(connection: Connection, device_id: int, events: tuple[IngestEvent, ...]) -> None:
    """Add events to the device's quarter-hour counts."""
    cursor = connection.connection.cursor()
    try:
        _add_to_rollups(cursor, _statements(connection.dialect.paramstyle), device_id, events)
    finally:
        cursor.close()


def _add_to_rollups(
    cursor: Any, statements: _Statements, device_id: int, events: tuple[IngestEvent, ...]
) -> None:
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for event in events:
        quarter = event.time_ms // (QUARTER_S * 1000)
        totals[quarter][0 if event.is_entry else 1] += 1
    if not totals:
        return
    cursor.executemany(
        statements.add_to_rollups,
        [(device_id, quarter, counts[0], counts[1]) for quarter, counts in sorted(totals.items())],
    )


class _Statements:
    """The sink's SQL, the same on SQLite and PostgreSQL but for the parameter marker.

    The SQL is written with ``?`` markers, which the sqlite3 module takes as they are;
    psycopg takes ``%s``. No statement contains a literal ``?`` or ``%``.
    """

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.insert_legacy = self._sql(
            "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms) "
            "VALUES (?, NULL, ?, ?, ?)"
        )
        self.add_to_rollups = self._sql(
            "INSERT INTO quarter_counts (device_id, quarter, entries, exits, heartbeats) "
            "VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT (device_id, quarter) DO UPDATE SET "
            "entries = quarter_counts.entries + excluded.entries, "
            "exits = quarter_counts.exits + excluded.exits"
        )
        self.mark_last_event = self._sql(
            "UPDATE devices SET last_event_ms = ? WHERE id = ? "
            "AND (last_event_ms IS NULL OR last_event_ms < ?)"
        )
        self.last_seq = self._sql("SELECT max(seq) FROM events WHERE device_id = ?")
        self._sequenced: dict[int, str] = {}

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.marker)

    def insert_sequenced(self, count: int) -> str:
        """Return an INSERT of ``count`` events that skips a stored (device, seq)."""
        statement = self._sequenced.get(count)
        if statement is None:
            rows = ", ".join(["(?, ?, ?, ?, ?)"] * count)
            # Only parameter markers are interpolated: every value is a bound parameter.
            statement = self._sql(
                "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms) "  # noqa: S608
                f"VALUES {rows} ON CONFLICT (device_id, seq) DO NOTHING "
                "RETURNING seq, time_ms, is_entry"
            )
            if len(self._sequenced) < _CACHED_SIZES:
                self._sequenced[count] = statement
        return statement


#: Batch sizes whose multi-row INSERT is kept for reuse.
_CACHED_SIZES = 64

_BY_PARAMSTYLE: dict[str, _Statements] = {}


def _statements(paramstyle: str) -> _Statements:
    statements = _BY_PARAMSTYLE.get(paramstyle)
    if statements is None:
        if paramstyle not in ("qmark", "format", "pyformat"):
            raise RuntimeError(
                f"the database sink supports drivers with the qmark, format or pyformat "
                f"parameter style (sqlite3, psycopg); this driver uses {paramstyle!r}: connect "
                "with sqlite:/// or postgresql+psycopg://"
            )
        statements = _Statements("?" if paramstyle == "qmark" else "%s")
        _BY_PARAMSTYLE[paramstyle] = statements
    return statements


@hookimpl
def footfall_event_sinks(settings: Settings) -> list[EventSink]:
    """Return the database sink."""
    return [DatabaseSink()]
