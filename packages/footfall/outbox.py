"""The outbox: at-least-once delivery of stored batches to the after-commit event sinks.

The ingest transaction writes one outbox row per after-commit sink next to the events, so a
batch that the device saw acknowledged reaches every sink even if the process dies right after
the commit. :class:`footfall.outbox_worker.OutboxWorker` delivers the rows, and this module
contains the table operations that the worker, the admin API and the CLI share.

Delivery is at least once, not exactly once. If a process dies after its sink accepted a batch
but before it deleted the row, the batch is delivered again once the lease ends, so a sink
should treat a repeated ``batch_id`` as a duplicate. Batches reach a sink in no guaranteed
order.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from footfall.db.models import Device, OutboxEntry, Store
from footfall.plugin_types import Batch, DeviceRef, EventSink, IngestEvent

__all__ = [
    "ClaimedDelivery",
    "OutboxView",
    "backoff_ms",
    "batch_from_payload",
    "batch_payload",
    "claim_due",
    "enqueue",
    "find_due",
    "list_outbox",
    "mark_delivered",
    "mark_failed",
    "release",
    "retry_outbox",
]

#: Longest ``last_error`` kept per row, in characters.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """An outbox row that one worker holds until its lease ends."""

    id: int
    sink: str
    attempts: int
    batch: Batch


@dataclass(frozen=True, slots=True)
class OutboxView:
    """An outbox row as the admin API and the CLI list it."""

    id: int
    sink: str
    batch_id: str
    device: str
    store: str
    events: int
    created_ms: int
    attempts: int
    next_attempt_ms: int
    state: str
    last_error: str | None


def batch_payload(batch: Batch) -> str:
    """Serialise a batch with its device and store, so delivery needs no other table."""
    return json.dumps(
        {
            "batch_id": batch.batch_id,
            "dialect": batch.dialect,
            "received_ms": batch.received_ms,
            "device": {
                "id": batch.device.id,
                "name": batch.device.name,
                "store_id": batch.device.store_id,
                "store_name": batch.device.store_name,
            },
            "events": [
                {"seq": event.seq, "time_ms": event.time_ms, "direction": event.direction}
                for event in batch.events
            ],
        },
        separators=(",", ":"),
    )


def batch_from_payload(payload: str) -> Batch:
    """Rebuild the batch that :func:`batch_payload` serialised."""
    document: dict[str, Any] = json.loads(payload)
    device = document["device"]
    return Batch(
        batch_id=document["batch_id"],
        device=DeviceRef(
            id=device["id"],
            name=device["name"],
            store_id=device["store_id"],
            store_name=device["store_name"],
        ),
        events=tuple(
            IngestEvent(
                seq=event["seq"], time_ms=event["time_ms"], is_entry=event["direction"] == "entry"
            )
            for event in document["events"]
        ),
        received_ms=document["received_ms"],
        dialect=document["dialect"],
    )


def enqueue(
    connection: Connection, sinks: Sequence[EventSink], batch: Batch, now: int
) -> int:
    """Write one due outbox row per sink in the caller's transaction; return how many."""
    if not sinks or not batch.events:
        return 0

    payload = batch_payload(batch)
    connection.execute(
        insert(OutboxEntry),
        [
            {
                "sink": sink.name,
                "batch_id": batch.batch_id,
                "device_id": batch.device.id,
                "payload_json": payload,
                "created_ms": now,
                "attempts": 0,
                "next_attempt_ms": now,
                "state": "pending",
            }
            for sink in sinks
        ],
    )
    return len(sinks)


def find_due(connection: Connection, now: int, limit: int) -> list[tuple[int, int]]:
    """Return ``(id, next_attempt_ms)`` of up to ``limit`` pending rows due at ``now``."""
    rows = connection.execute(
        select(OutboxEntry.id, OutboxEntry.next_attempt_ms)
        .where(OutboxEntry.state == "pending", OutboxEntry.next_attempt_ms <= now)
        .order_by(OutboxEntry.next_attempt_ms, OutboxEntry.id)
        .limit(limit)
    ).all()
    return [(int(row[0]), int(row[1])) for row in rows]


def claim_due(
    connection: Connection,
    candidates: Sequence[tuple[int, int]],
    owner: str,
    now: int,
    lease_ms: int,
) -> list[ClaimedDelivery]:
    """Claim the rows that :func:`find_due` returned for ``owner`` until ``now + lease_ms``.

    A row is claimed by moving its due time to the end of the lease, on the condition that the
    due time is still the one read before. Of two processes that read the same row, only the
    first update matches, on SQLite and on PostgreSQL alike, so a row is never delivered by
    two workers at once while the lease lasts.
    """
    claimed_ids = []
    for row_id, seen_due in candidates:
        result = connection.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.id == row_id,
                OutboxEntry.state == "pending",
                OutboxEntry.next_attempt_ms == seen_due,
            )
            .values(next_attempt_ms=now + lease_ms, lease_owner=owner)
        )
        if result.rowcount == 1:
            claimed_ids.append(row_id)
    if not claimed_ids:
        return []

    rows = connection.execute(
        select(OutboxEntry.id, OutboxEntry.sink, OutboxEntry.attempts, OutboxEntry.payload_json)
        .where(OutboxEntry.id.in_(claimed_ids))
        .order_by(OutboxEntry.id)
    ).all()
    return [
        ClaimedDelivery(id=row[0], sink=row[1], attempts=row[2], batch=batch_from_payload(row[3]))
        for row in rows
    ]


def mark_delivered(connection: Connection, row_id: int, owner: str) -> bool:
    """Delete a delivered row; return ``False`` if another worker has taken it over."""
    result = connection.execute(
        delete(OutboxEntry).where(OutboxEntry.id == row_id, OutboxEntry.lease_owner == owner)
    )
    return result.rowcount == 1


def mark_failed(
    connection: Connection,
    row_id: int,
    owner: str,
    error: str,
    next_attempt_ms: int | None,
) -> bool:
    """Record a failed attempt: schedule the next one, or mark the row dead when ``None``."""
    values: dict[str, Any] = {
        "attempts": OutboxEntry.attempts + 1,
        "last_error": error[:MAX_ERROR_CHARS],
        "lease_owner": None,
    }
    if next_attempt_ms is None:
        values["state"] = "dead"
    else:
        values["next_attempt_ms"] = next_attempt_ms
    result = connection.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == row_id, OutboxEntry.lease_owner == owner)
        .values(**values)
    )
    return result.rowcount == 1


def release(connection: Connection, row_ids: Sequence[int], owner: str, now: int) -> int:
    """Make claimed rows that were not delivered due again at ``now``; return how many."""
    if not row_ids:
        return 0
    result = connection.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(list(row_ids)), OutboxEntry.lease_owner == owner)
        .values(next_attempt_ms=now, lease_owner=None)
    )
    return int(result.rowcount)


def backoff_ms(attempts: int, base_s: float, max_s: float) -> int:
    """Return the delay before retry number ``attempts`` (1 for the first retry).

    The delay doubles per attempt up to ``max_s`` and is drawn from its upper half, so that
    many batches that failed together do not all retry at the same instant.
    """
    ceiling = min(max_s, base_s * 2 ** min(attempts - 1, 30))
    return int(1000 * random.uniform(ceiling / 2, ceiling))


def list_outbox(
    connection: Connection, state: str | None = None, limit: int = 100
) -> list[OutboxView]:
    """Return outbox rows, oldest first, optionally of one state."""
    query = (
        select(
            OutboxEntry.id,
            OutboxEntry.sink,
            OutboxEntry.batch_id,
            Device.name,
            Store.name,
            OutboxEntry.payload_json,
            OutboxEntry.created_ms,
            OutboxEntry.attempts,
            OutboxEntry.next_attempt_ms,
            OutboxEntry.state,
            OutboxEntry.last_error,
        )
        .join(Device, Device.id == OutboxEntry.device_id)
        .join(Store, Store.id == Device.store_id)
        .order_by(OutboxEntry.id)
        .limit(limit)
    )
    if state is not None:
        query = query.where(OutboxEntry.state == state)

    return [
        OutboxView(
            id=row[0],
            sink=row[1],
            batch_id=row[2],
            device=row[3],
            store=row[4],
            events=len(json.loads(row[5])["events"]),
            created_ms=row[6],
            attempts=row[7],
            next_attempt_ms=row[8],
            state=row[9],
            last_error=row[10],
        )
        for row in connection.execute(query).all()
    ]


def retry_outbox(connection: Connection, now: int, ids: Sequence[int] = ()) -> int:
    """Make rows due now with a fresh count of attempts; return how many changed.

    Without ``ids`` every dead row is retried. Given ids are retried in any state, so an
    operator can also hurry a pending row that waits out a long backoff. The last error is
    kept until the next attempt replaces it.
    """
    statement = update(OutboxEntry).values(
        state="pending", attempts=0, next_attempt_ms=now, lease_owner=None
    )
    if ids:
        statement = statement.where(OutboxEntry.id.in_(list(ids)))
    else:
        statement = statement.where(OutboxEntry.state == "dead")
    return int(connection.execute(statement).rowcount)
