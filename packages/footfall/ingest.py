"""Ingest: validate device events, store a batch in one transaction, then feed the sinks.

The storage sink and the outbox rows of the after-commit sinks are written in the same
transaction, so every acknowledged batch reaches each sink at least once (see
:mod:`footfall.outbox`).

Which faults reject what: a body that is not JSON or not of the documented shape rejects the
whole request (400), as does a batch over the event limit (413). An event with a missing,
mistyped or out-of-range field is rejected alone: it is kept in ``rejected_events`` with its
raw JSON and the reason, and the rest of its batch is stored.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import Connection, insert

from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import RejectedEvent
from footfall.metrics import record_batch
from footfall.outbox import enqueue
from footfall.plugin_types import Batch, DeviceRef, EventSink, IngestEvent, StoreOutcome
from footfall.problems import ProblemError

__all__ = [
    "MAX_SEQ",
    "Rejection",
    "SinkSet",
    "decode_json",
    "parse_legacy_events",
    "parse_v1_events",
    "store_batch",
    "store_batch_async",
]

logger = logging.getLogger(__name__)

#: Sequence numbers are below 2**53 so that every JSON parser reads them exactly.
MAX_SEQ = 2**53


@dataclass(frozen=True, slots=True)
class Rejection:
    """An event that failed validation, with the reason and its raw JSON."""

    index: int
    seq: int | None
    reason: str
    raw: Any


@dataclass(frozen=True, slots=True)
class SinkSet:
    """The installed event sinks, split by when they run."""

    in_transaction: tuple[EventSink, ...]
    after_commit: tuple[EventSink, ...]
    outbox_written: threading.Event = field(default_factory=threading.Event, compare=False)
    """Set after a commit that wrote outbox rows, to wake the delivery worker."""

    @classmethod
    def from_sinks(cls, sinks: Sequence[EventSink]) -> SinkSet:
        """Split the sinks; reject a set without a storage sink."""
        inside = tuple(sink for sink in sinks if sink.in_transaction)
        after = tuple(sink for sink in sinks if not sink.in_transaction)
        if not inside:
            raise RuntimeError(
                "no storage sink is loaded: the 'dbsink' plugin (or a replacement) must be "
                "installed and allowed by FOOTFALL_PLUGINS"
            )
        return cls(in_transaction=inside, after_commit=after)


def decode_json(body: bytes) -> Any:
    """Decode a request body, rejecting what is not strict JSON with a 400.

    msgspec decodes almost every body; integers beyond 64 bits make it fail, so such a body
    is decoded again with the standard library, which keeps them as Python integers and lets
    the event validation reject the one event instead of the whole request.
    """
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        first_error = str(error)
    except RecursionError:
        raise ProblemError(
            400,
            "the request body is JSON nested too deeply: send the documented shape",
            errors=[("body", "nested too deeply")],
        ) from None
    try:
        # Decoding to text first keeps the fallback to UTF-8, as msgspec is: json.loads would
        # also take UTF-16 and UTF-32 bytes.
        return json.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, parse_int=_parse_int
        )
    except (ValueError, RecursionError):
        raise ProblemError(
            400,
            f"the request body is not valid JSON ({first_error}): send UTF-8 encoded JSON",
            errors=[("body", first_error)],
        ) from None


#: Stands in for an integer of more than 100 digits, which no field accepts.
_TOO_LONG = 2**400


def _parse_int(text: str) -> int:
    # Python refuses to convert integers of more than 4300 digits; any integer that long is
    # out of every field's range, so a stand-in just as out of range rejects only its event.
    if len(text.lstrip("-")) > 100:
        return -_TOO_LONG if text.startswith("-") else _TOO_LONG
    return int(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _V1Event(msgspec.Struct):
    seq: Annotated[int, msgspec.Meta(ge=0, lt=MAX_SEQ)]
    time: float
    direction: Literal["entry", "exit"]


class _V1Body(msgspec.Struct):
    events: list[_V1Event]


class _LegacyMovement(msgspec.Struct):
    time: float
    form: bool


_decode_v1 = msgspec.json.Decoder(_V1Body).decode
_decode_legacy = msgspec.json.Decoder(list[_LegacyMovement]).decode


def parse_v1_events(
    body: bytes, settings: Settings, now_s: float
) -> tuple[list[IngestEvent | None], list[Rejection]]:
    """Validate a v1 body; return the events (``None`` where rejected) and the rejections."""
    fast = _parse_v1_valid(body, settings, now_s)
    if fast is not None:
        return fast, []
    return _parse_v1_each(body, settings, now_s)


def _parse_v1_each(
    body: bytes, settings: Settings, now_s: float
) -> tuple[list[IngestEvent | None], list[Rejection]]:
    # Validates event by event, so that each fault is named with its event.
    document = decode_json(body)
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise ProblemError(
            400,
            "the body must be a JSON object with an 'events' array: "
            '{"events": [{"seq": 1, "time": 1695650000.25, "direction": "entry"}]}',
            errors=[("events", "missing or not an array")],
        )
    raw_events: list[Any] = document["events"]
    _check_batch_size(len(raw_events), settings)

    events: list[IngestEvent | None] = []
    rejections: list[Rejection] = []
    for index, raw in enumerate(raw_events):
        result = _validate_v1_event(index, raw, settings, now_s)
        if isinstance(result, Rejection):
            rejections.append(result)
            events.append(None)
        else:
            events.append(result)
    return events, rejections


def _parse_v1_valid(
    body: bytes, settings: Settings, now_s: float
) -> list[IngestEvent | None] | None:
    # The fast path for a batch in which every event is valid: msgspec checks the shape and
    # the types in C while it decodes, and only the time range is left to check here. Any
    # fault sends the body to the event-by-event validation, which names each fault.
    try:
        events = _decode_v1(body).events
    except (msgspec.DecodeError, RecursionError):
        return None
    if not _acceptable_batch([event.time for event in events], settings, now_s):
        return None
    return [
        IngestEvent(
            seq=event.seq, time_ms=round(event.time * 1000), is_entry=event.direction == "entry"
        )
        for event in events
    ]


def _validate_v1_event(
    index: int, raw: Any, settings: Settings, now_s: float
) -> IngestEvent | Rejection:
    if not isinstance(raw, dict):
        return Rejection(index, None, "the event is not a JSON object", raw)

    seq = raw.get("seq")
    seq_ok = isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < MAX_SEQ
    if "seq" not in raw:
        return Rejection(index, None, "seq is missing", raw)
    if not seq_ok:
        return Rejection(
            index, None, f"seq must be an integer from 0 to 2^53-1, got {_show(seq)}", raw
        )

    time_problem = _check_time(raw, "time", settings, now_s)
    if time_problem is not None:
        return Rejection(index, seq, time_problem, raw)

    direction = raw.get("direction")
    if direction not in ("entry", "exit"):
        reason = (
            "direction is missing"
            if "direction" not in raw
            else f"direction must be 'entry' or 'exit', got {_show(direction)}"
        )
        return Rejection(index, seq, reason, raw)

    return IngestEvent(seq=seq, time_ms=_to_ms(raw["time"]), is_entry=direction == "entry")


def parse_legacy_events(
    body: bytes, settings: Settings, now_s: float
) -> tuple[list[IngestEvent | None], list[Rejection]]:
    """Validate a legacy body: a JSON array of ``{"time": epoch s, "form": bool}``."""
    fast = _parse_legacy_valid(body, settings, now_s)
    if fast is not None:
        return fast, []
    return _parse_legacy_each(body, settings, now_s)


def _parse_legacy_each(
    body: bytes, settings: Settings, now_s: float
) -> tuple[list[IngestEvent | None], list[Rejection]]:
    # Validates movement by movement, so that each fault is named with its movement.
    document = decode_json(body)
    if not isinstance(document, list):
        raise ProblemError(
            400,
            'the body must be a JSON array of movements: [{"time": 1695650000, "form": true}]',
            errors=[("body", "not an array")],
        )
    _check_batch_size(len(document), settings)

    events: list[IngestEvent | None] = []
    rejections: list[Rejection] = []
    for index, raw in enumerate(document):
        if not isinstance(raw, dict):
            rejections.append(Rejection(index, None, "the movement is not a JSON object", raw))
            events.append(None)
            continue
        problem = _check_time(raw, "time", settings, now_s)
        form = raw.get("form")
        if problem is None and not isinstance(form, bool):
            problem = (
                "form is missing"
                if "form" not in raw
                else f"form must be true (entry) or false (exit), got {_show(form)}"
            )
        if problem is not None:
            rejections.append(Rejection(index, None, problem, raw))
            events.append(None)
            continue
        events.append(IngestEvent(seq=None, time_ms=_to_ms(raw["time"]), is_entry=bool(form)))
    return events, rejections


def _acceptable_batch(times: list[float], settings: Settings, now_s: float) -> bool:
    # What the fast paths check beyond the types: a size the limit allows, and every time in
    # the accepted range. An empty batch takes the slower path, which handles it.
    return (
        0 < len(times) <= settings.max_batch_events
        and min(times) >= settings.earliest_event_time
        and max(times) <= now_s + settings.max_future_s
    )


def _parse_legacy_valid(
    body: bytes, settings: Settings, now_s: float
) -> list[IngestEvent | None] | None:
    # The fast path of parse_legacy_events, as _parse_v1_valid is of parse_v1_events.
    try:
        movements = _decode_legacy(body)
    except (msgspec.DecodeError, RecursionError):
        return None
    if not _acceptable_batch([movement.time for movement in movements], settings, now_s):
        return None
    return [
        IngestEvent(seq=None, time_ms=round(movement.time * 1000), is_entry=movement.form)
        for movement in movements
    ]


def _check_batch_size(count: int, settings: Settings) -> None:
    if count > settings.max_batch_events:
        raise ProblemError(
            413,
            f"the batch holds {count} events, more than the limit of "
            f"{settings.max_batch_events} (FOOTFALL_MAX_BATCH_EVENTS): send smaller batches",
            errors=[("events", f"{count} events, limit {settings.max_batch_events}")],
        )


def _check_time(raw: dict[str, Any], name: str, settings: Settings, now_s: float) -> str | None:
    if name not in raw:
        return f"{name} is missing"
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} must be a number of epoch seconds, got {_show(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name} must be a finite number of epoch seconds, got {_show(value)}"
    if value < settings.earliest_event_time:
        return (
            f"{name} {_show(value)} is before the earliest accepted time "
            f"{settings.earliest_event_time:.0f} (2020-01-01): check the device's clock"
        )
    if value > now_s + settings.max_future_s:
        return (
            f"{name} {_show(value)} is more than {settings.max_future_s:.0f} s ahead of the "
            "service's clock: check the device's clock"
        )
    return None


def _to_ms(seconds: float) -> int:
    return round(seconds * 1000)


def _show(value: Any) -> str:
    if isinstance(value, int) and abs(value) == _TOO_LONG:
        return "an integer of more than 100 digits"
    text = json.dumps(value, default=str) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def store_batch(
    db: Database,
    sinks: SinkSet,
    device: DeviceRef,
    events: Sequence[IngestEvent],
    dialect: Literal["v1", "legacy"],
    rejections: Sequence[Rejection] = (),
) -> StoreOutcome:
    """Store a batch, its rejections and its outbox rows in one transaction.

    The answer to the device is built from the returned outcome only after the commit. The
    after-commit sinks get the accepted events later, from the outbox worker, so a sink that
    fails or hangs never delays or fails the request.
    """
    write = _BatchWrite(sinks, device, events, dialect, rejections)
    # Concurrent batches may share one transaction and its commit (see Database.write_grouped).
    return write.finish(db.write_grouped(write))


async def store_batch_async(
    db: Database,
    sinks: SinkSet,
    device: DeviceRef,
    events: Sequence[IngestEvent],
    dialect: Literal["v1", "legacy"],
    rejections: Sequence[Rejection] = (),
) -> StoreOutcome:
    """Like :func:`store_batch`, awaited by a request handler on the event loop."""
    write = _BatchWrite(sinks, device, events, dialect, rejections)
    return write.finish(await db.write_grouped_async(write))


class _BatchWrite:
    """The transaction of one batch, as a work for ``Database.write_grouped``."""

    def __init__(
        self,
        sinks: SinkSet,
        device: DeviceRef,
        events: Sequence[IngestEvent],
        dialect: Literal["v1", "legacy"],
        rejections: Sequence[Rejection],
    ) -> None:
        self.sinks = sinks
        self.rejections = rejections
        self.batch = Batch(
            batch_id=uuid.uuid4().hex,
            device=device,
            events=tuple(events),
            received_ms=now_ms(),
            dialect=dialect,
        )

    def __call__(self, connection: Connection) -> tuple[StoreOutcome, int]:
        batch = self.batch
        outcome: StoreOutcome | None = None
        for sink in self.sinks.in_transaction:
            result = sink.write(batch, connection)
            if outcome is None and result is not None:
                outcome = result
        if outcome is None:
            raise RuntimeError("no in-transaction sink returned a storage outcome")

        if self.rejections:
            connection.execute(
                insert(RejectedEvent),
                [
                    {
                        "device_id": batch.device.id,
                        "dialect": batch.dialect,
                        "batch_index": rejection.index,
                        "seq": rejection.seq,
                        "reason": rejection.reason,
                        "raw_json": json.dumps(rejection.raw, default=str)[:10_000],
                        "received_ms": batch.received_ms,
                    }
                    for rejection in self.rejections
                ],
            )

        if not self.sinks.after_commit:
            return outcome, 0
        # Only the accepted events go to the other sinks: duplicates reached them before.
        accepted = Batch(
            batch_id=batch.batch_id,
            device=batch.device,
            events=outcome.accepted,
            received_ms=batch.received_ms,
            dialect=batch.dialect,
        )
        queued = enqueue(connection, self.sinks.after_commit, accepted, batch.received_ms)
        return outcome, queued

    def finish(self, written: tuple[StoreOutcome, int]) -> StoreOutcome:
        """Wake the outbox worker, log and count the committed batch; return its outcome."""
        outcome, queued = written
        batch = self.batch
        if queued:
            self.sinks.outbox_written.set()

        rejections = self.rejections
        if rejections:
            logger.warning(
                "Rejected %d of %d events from device %s (batch %s), first: %s",
                len(rejections),
                len(rejections) + len(batch.events),
                batch.device.name,
                batch.batch_id,
                rejections[0].reason,
            )
        logger.debug(
            "Stored batch %s from device %s: %d accepted, %d duplicates, %d outbox rows",
            batch.batch_id,
            batch.device.name,
            len(outcome.accepted),
            outcome.duplicates,
            queued,
        )
        record_batch(
            batch.device.store_name, len(outcome.accepted), outcome.duplicates, len(rejections)
        )
        return outcome
