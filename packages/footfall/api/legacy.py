"""The legacy protocol of the earlier Retail Analytics ESP32 system, kept unchanged.

Devices flashed with that firmware, and scripts written for it, send their key as
``?api_key=KEY`` and send no sequence numbers. A retried legacy batch is therefore stored
twice, which the v1 protocol fixes.
"""

from __future__ import annotations

import math
import secrets
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from footfall.admin.devices import create_device
from footfall.admin.errors import AdminError
from footfall.api.body_docs import CREATE_KEY_BODY, MOVEMENTS_BODY
from footfall.api.deps import PrincipalDep, ServiceDep, principal_of, service_of
from footfall.auth import LEGACY_QUERY_KEY, require_role
from footfall.clock import now_ms
from footfall.db.models import Device, Event, Store
from footfall.ingest import decode_json, parse_legacy_events, store_batch_async
from footfall.keys import MIN_KEY_LENGTH, create_key, find_key, hash_key
from footfall.problems import ProblemError

__all__ = ["create_api_key", "get_movements", "post_movements"]

_LEGACY = {LEGACY_QUERY_KEY: True}

#: Maximum length of a key that ``/createApiKey/`` stores, because the API-key scheme reads
#: no longer keys.
MAX_LEGACY_KEY_LENGTH = 256

#: Most movements one ``/getMovements/`` call returns.
MAX_MOVEMENTS = 10_000


class MovementsStored(msgspec.Struct):
    """How many movements of the batch were stored and how many rejected."""

    stored: int
    rejected: int


class Movement(msgspec.Struct):
    """One stored movement: its time in epoch seconds and whether it was an entry."""

    timestamp: float
    """Whole seconds are sent as a JSON integer, as the earlier system did; the schema
    type is "number", which covers both (``float | int`` made an ambiguous ``oneOf``)."""
    is_entry: bool


class Movements(msgspec.Struct):
    """Movements, newest first."""

    movements: list[Movement]


class LegacyKey(msgspec.Struct):
    """The device key that ``/createApiKey/`` created."""

    api_key: str


@post(
    "/movements/",
    status_code=200,
    opt=_LEGACY,
    operation_class=MOVEMENTS_BODY,
    summary="Post movements (legacy)",
)
async def post_movements(request: Request[Any, Any, Any], body: bytes) -> MovementsStored:
    """Store ``[{"time": epoch s, "form": true|false}]`` for the key's device."""
    # No dependencies, for the reason given at the v1 route post_events.
    service = service_of(request.app.state)
    principal = require_role(principal_of(request), "device")
    assert principal.device_id is not None
    device = service.device_ref(principal.device_id)
    request.state.device_name = device.name

    events, rejections = parse_legacy_events(body, service.settings, now_ms() / 1000)
    valid = [event for event in events if event is not None]
    outcome = await store_batch_async(
        service.db, service.sinks, device, valid, "legacy", rejections
    )
    return MovementsStored(stored=len(outcome.accepted), rejected=len(rejections))


@get("/getMovements/", sync_to_thread=True, opt=_LEGACY, summary="Read movements (legacy)")
def get_movements(
    service: ServiceDep,
    principal: PrincipalDep,
    date: Annotated[float, QueryParameter(description="Newest time to return, epoch seconds")],
    count: Annotated[
        int, QueryParameter(description="How many movements to return", ge=1, le=MAX_MOVEMENTS)
    ],
) -> Movements:
    """Return the newest ``count`` movements at or before ``date`` that the key may read."""
    principal = require_role(principal, "device", "viewer", "admin")
    if not math.isfinite(date):
        raise ProblemError(
            400, "date must be a finite number of epoch seconds", errors=[("date", "not finite")]
        )

    # Clamped to about 30 million years either way, so that a date near the float maximum
    # neither overflows to infinity when scaled nor exceeds the 64-bit column.
    newest_ms = int(max(-1e15, min(date, 1e15)) * 1000)
    query = select(Event.time_ms, Event.is_entry).where(Event.time_ms <= newest_ms)
    if principal.role == "device":
        query = query.where(Event.device_id == principal.device_id)
    elif principal.role == "viewer":
        store_ids = sorted(principal.store_ids or ())
        query = query.join(Device, Device.id == Event.device_id).where(
            Device.store_id.in_(store_ids)
        )
    query = query.order_by(Event.time_ms.desc(), Event.id.desc()).limit(count)

    with service.db.read() as connection:
        rows = connection.execute(query).all()
    return Movements(
        movements=[
            Movement(timestamp=_seconds(time_ms), is_entry=bool(is_entry))
            for time_ms, is_entry in rows
        ]
    )


def _seconds(time_ms: int) -> float | int:
    return time_ms // 1000 if time_ms % 1000 == 0 else time_ms / 1000


@post(
    "/createApiKey/",
    sync_to_thread=True,
    status_code=200,
    opt=_LEGACY,
    operation_class=CREATE_KEY_BODY,
    summary="Create a device and its key (legacy, admin key)",
)
def create_api_key(
    service: ServiceDep,
    principal: PrincipalDep,
    body: bytes,
    store: Annotated[str | None, QueryParameter(description="Store of the new device")] = None,
) -> LegacyKey:
    """Create a device with a device key; the body's ``api_key`` or a generated one."""
    require_role(principal, "admin")
    document = decode_json(body)
    if not isinstance(document, dict) or not isinstance(document.get("api_key", ""), str):
        raise ProblemError(
            400,
            'the body must be {"api_key": ""} or {"api_key": "<key>"}',
            errors=[("api_key", "missing or not a string")],
        )
    requested = document.get("api_key", "")
    if requested and (
        len(requested) < MIN_KEY_LENGTH
        or len(requested) > MAX_LEGACY_KEY_LENGTH
        or not requested.isascii()
        or not requested.isprintable()
        or " " in requested
    ):
        raise ProblemError(
            400,
            f"api_key must be {MIN_KEY_LENGTH} to {MAX_LEGACY_KEY_LENGTH} printable ASCII "
            "characters without spaces, or empty to have one generated",
            errors=[("api_key", "too short, too long or not printable ASCII")],
        )

    with service.db.write() as connection:
        if store is None:
            store_name = connection.execute(select(Store.name).order_by(Store.id).limit(1)).scalar()
            if store_name is None:
                raise ProblemError(
                    409,
                    "there is no store yet: create one with "
                    "`litestar footfall stores create NAME --timezone ZONE`",
                )
        else:
            store_name = store
        if requested and find_key(connection, requested) is not None:
            raise ProblemError(
                409,
                "that api_key is already in use: choose another or send an empty one",
                errors=[("api_key", "in use")],
            )
        name = f"legacy-{hash_key(requested)[:8] if requested else secrets.token_hex(4)}"
        try:
            device = create_device(connection, name=name, store=store_name)
            _, key = create_key(
                connection,
                role="device",
                device_id=device.id,
                key=requested or None,
                label="created by /createApiKey/",
            )
        except AdminError as error:
            raise ProblemError(
                error.status, error.message, errors=[(error.field or "store", error.message)]
            ) from None
        except IntegrityError:
            raise ProblemError(
                409,
                "that api_key is already in use: choose another or send an empty one",
                errors=[("api_key", "in use")],
            ) from None
    return LegacyKey(api_key=key)
