"""Routes of the v1 device protocol: events, heartbeat and counting settings."""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import HeaderParameter
from sqlalchemy import insert, select, update

from footfall.api.body_docs import EVENTS_BODY, STATUS_BODY
from footfall.api.deps import PrincipalDep, ServiceDep, principal_of, service_of
from footfall.auth import require_role
from footfall.clock import now_ms
from footfall.db.models import QUARTER_S, Device, Heartbeat, QuarterCount
from footfall.db.upsert import dialect_insert
from footfall.ingest import decode_json, parse_v1_events, store_batch_async
from footfall.plugin_types import DeviceRef
from footfall.problems import ProblemError

__all__ = ["get_config", "post_events", "post_status"]


class RejectedItem(msgspec.Struct):
    """An event of the batch that was rejected and kept for inspection."""

    index: int
    seq: int | None
    reason: str


class EventsAnswer(msgspec.Struct):
    """The outcome of every event of a batch."""

    accepted: int
    duplicates: int
    rejected: list[RejectedItem]
    last_seq: int | None


class StatusAnswer(msgspec.Struct):
    """Acknowledgement of a heartbeat."""

    ok: bool
    received_ms: int


def _device(
    service: ServiceDep, principal: PrincipalDep, request: Request[Any, Any, Any]
) -> DeviceRef:
    principal = require_role(principal, "device")
    if principal.device_id is None:  # pragma: no cover - the key table's scope check forbids it
        raise ProblemError(403, "this device key is not bound to a device")
    device = service.device_ref(principal.device_id)
    request.state.device_name = device.name
    return device


@post(
    "/api/v1/events",
    status_code=200,
    operation_class=EVENTS_BODY,
    summary="Post a batch of events",
)
async def post_events(request: Request[Any, Any, Any], body: bytes) -> EventsAnswer:
    """Store a batch of entries and exits of the calling device (device key)."""
    # The busiest route takes the service and the principal itself rather than as
    # dependencies: Litestar resolves two or more dependencies in a task group, which cost
    # more CPU than the rest of a one-event request. Validation runs on the event loop, and
    # the request waits for the commit there too, so a batch costs no hand-over to a worker
    # thread (see Database.write_grouped_async).
    service = service_of(request.app.state)
    device = _device(service, principal_of(request), request)
    events, rejections = parse_v1_events(body, service.settings, now_ms() / 1000)
    valid = [event for event in events if event is not None]

    outcome = await store_batch_async(service.db, service.sinks, device, valid, "v1", rejections)
    return EventsAnswer(
        accepted=len(outcome.accepted),
        duplicates=outcome.duplicates,
        rejected=[RejectedItem(index=r.index, seq=r.seq, reason=r.reason) for r in rejections],
        last_seq=outcome.last_seq,
    )


_STATUS_FIELDS: dict[str, tuple[type, ...]] = {
    "boot_id": (str,),
    "uptime_s": (int,),
    "firmware": (str,),
    "fps": (int, float),
    "queue_depth": (int,),
    "dropped": (int,),
    "camera": (str,),
    "rssi_dbm": (int,),
    "free_heap": (int,),
    "last_seq": (int,),
}
_CAMERA_STATES = ("starting", "ok", "fault")

#: Fields stored in 32-bit integer columns.
_INT32_FIELDS = frozenset({"queue_depth", "rssi_dbm"})


def _validate_status(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ProblemError(
            400, "the heartbeat must be a JSON object", errors=[("body", "not an object")]
        )
    errors: list[tuple[str, str]] = []
    for name, kinds in _STATUS_FIELDS.items():
        value = document.get(name)
        if name not in document:
            errors.append((name, "missing"))
        elif isinstance(value, bool) or not isinstance(value, kinds):
            errors.append((name, f"must be {'a number' if float in kinds else kinds[0].__name__}"))
        elif isinstance(value, int) and not -(2**63) <= value < 2**63:
            errors.append((name, "out of range"))
        elif isinstance(value, int) and name in _INT32_FIELDS and not -(2**31) <= value < 2**31:
            errors.append((name, "out of range for a 32-bit integer"))
        elif isinstance(value, str) and len(value) > 64:
            errors.append((name, "longer than 64 characters"))
        elif isinstance(value, str) and not value.isprintable():
            # PostgreSQL text cannot hold NUL, and no device sends control characters.
            errors.append((name, "contains control characters"))
    if not errors and document["camera"] not in _CAMERA_STATES:
        errors.append(("camera", "must be 'starting', 'ok' or 'fault'"))
    if not errors and (document["fps"] != document["fps"] or abs(document["fps"]) > 1e6):
        errors.append(("fps", "must be a finite number"))
    if errors:
        field, message = errors[0]
        raise ProblemError(400, f"invalid heartbeat field {field!r}: {message}", errors=errors)
    return {name: document[name] for name in _STATUS_FIELDS}


@post(
    "/api/v1/devices/me/status",
    sync_to_thread=True,
    status_code=200,
    operation_class=STATUS_BODY,
    summary="Post a heartbeat",
)
def post_status(
    service: ServiceDep, principal: PrincipalDep, request: Request[Any, Any, Any], body: bytes
) -> StatusAnswer:
    """Record the calling device's status (device key)."""
    device = _device(service, principal, request)
    status = _validate_status(decode_json(body))
    received = now_ms()

    with service.db.write() as connection:
        connection.execute(
            insert(Heartbeat).values(device_id=device.id, received_ms=received, **status)
        )
        connection.execute(
            update(Device)
            .where(Device.id == device.id)
            .values(last_heartbeat_ms=received, last_status_json=json.dumps(status))
        )
        _mark_watched(connection, device.id, received)
    return StatusAnswer(ok=True, received_ms=received)


def _mark_watched(connection: Any, device_id: int, at_ms: int) -> None:
    # A heartbeat shows that the device was watching in this quarter hour, which the hourly
    # analytic needs to tell "no data" from "zero".
    statement = dialect_insert(connection, QuarterCount)
    statement = statement.on_conflict_do_update(
        index_elements=["device_id", "quarter"],
        set_={"heartbeats": QuarterCount.heartbeats + 1},
    )
    connection.execute(
        statement.values(
            device_id=device_id,
            quarter=at_ms // (QUARTER_S * 1000),
            entries=0,
            exits=0,
            heartbeats=1,
        )
    )


@get("/api/v1/devices/me/config", sync_to_thread=True, summary="Get the counting settings")
def get_config(
    service: ServiceDep,
    principal: PrincipalDep,
    request: Request[Any, Any, Any],
    if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
) -> Response[Any]:
    """Return the calling device's counting settings with an ETag (device key)."""
    device = _device(service, principal, request)
    with service.db.read() as connection:
        row = connection.execute(
            select(Device.settings_json, Device.settings_etag).where(Device.id == device.id)
        ).one()
    etag = f'"{row[1]}"'
    if if_none_match is not None and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(None, status_code=304, headers={"ETag": etag})
    return Response(json.loads(row[0]), headers={"ETag": etag, "Cache-Control": "no-cache"})
