"""Admin API: stores, devices, device settings, keys and rejected events (admin key)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Router, get, patch, post
from litestar.params import FromQuery, QueryParameter
from sqlalchemy import Connection, select

from footfall.admin import devices as device_admin
from footfall.admin import keys as key_admin
from footfall.admin import stores as store_admin
from footfall.admin.errors import AdminError
from footfall.api.deps import PrincipalDep, ServiceDep, admin_only
from footfall.auth import require_role
from footfall.clock import now_ms
from footfall.db.models import OUTBOX_STATES, Device, RejectedEvent
from footfall.outbox import list_outbox, retry_outbox
from footfall.problems import ProblemError

__all__ = ["routes"]

T = TypeVar("T")


class StoreCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new store."""

    name: str
    timezone: str = "UTC"
    day_reset_hour: int = 4
    max_dwell_s: int = 14_400


class StoreChange(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a store; absent fields stay as they are."""

    name: str | None = None
    timezone: str | None = None
    day_reset_hour: int | None = None
    max_dwell_s: int | None = None


class DeviceCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new device; ``settings`` merge onto the default counting settings."""

    name: str
    store: str
    settings: dict[str, Any] | None = None


class KeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new API key: admin (no scope), viewer (a store) or device (a device)."""

    role: str
    store: str | None = None
    device: str | None = None
    label: str = ""


class CreatedKey(msgspec.Struct):
    """A created key: ``key`` is shown only in this answer and never again."""

    key: str
    info: dict[str, Any]


@contextmanager
def _admin_errors() -> Iterator[None]:
    try:
        yield
    except AdminError as error:
        raise ProblemError(
            error.status, error.message, errors=[(error.field or "body", error.message)]
        ) from None


def _write(service: ServiceDep, action: Callable[[Connection], T]) -> T:
    with _admin_errors(), service.db.write() as connection:
        return action(connection)


def _read(service: ServiceDep, action: Callable[[Connection], T]) -> T:
    with _admin_errors(), service.db.read() as connection:
        return action(connection)


@get("/api/v1/admin/stores", sync_to_thread=True, tags=["admin"], summary="List stores")
def list_stores(service: ServiceDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Return every store."""
    require_role(principal, "admin")
    return [asdict(row) for row in _read(service, store_admin.list_stores)]


@post("/api/v1/admin/stores", sync_to_thread=True, tags=["admin"], summary="Create a store")
def create_store(service: ServiceDep, principal: PrincipalDep, data: StoreCreate) -> dict[str, Any]:
    """Create a store with its time zone and business-day rules."""
    require_role(principal, "admin")
    row = _write(
        service,
        lambda c: store_admin.create_store(
            c,
            name=data.name,
            timezone=data.timezone,
            day_reset_hour=data.day_reset_hour,
            max_dwell_s=data.max_dwell_s,
        ),
    )
    return asdict(row)


@patch(
    "/api/v1/admin/stores/{name:str}", sync_to_thread=True, tags=["admin"], summary="Change a store"
)
def update_store(
    service: ServiceDep, principal: PrincipalDep, name: str, data: StoreChange
) -> dict[str, Any]:
    """Change a store's name, time zone, reset hour or maximum dwell."""
    require_role(principal, "admin")
    row = _write(
        service,
        lambda c: store_admin.update_store(
            c,
            name,
            timezone=data.timezone,
            day_reset_hour=data.day_reset_hour,
            max_dwell_s=data.max_dwell_s,
            new_name=data.name,
        ),
    )
    return asdict(row)


@get("/api/v1/admin/devices", sync_to_thread=True, tags=["admin"], summary="List devices")
def list_devices(
    service: ServiceDep, principal: PrincipalDep, store: FromQuery[str | None] = None
) -> list[dict[str, Any]]:
    """Return every device, or those of one store."""
    require_role(principal, "admin")
    return [asdict(row) for row in _read(service, lambda c: device_admin.list_devices(c, store))]


@post("/api/v1/admin/devices", sync_to_thread=True, tags=["admin"], summary="Create a device")
def create_device(
    service: ServiceDep, principal: PrincipalDep, data: DeviceCreate
) -> dict[str, Any]:
    """Create a device in a store, with validated counting settings."""
    require_role(principal, "admin")
    row = _write(
        service,
        lambda c: device_admin.create_device(
            c, name=data.name, store=data.store, settings=data.settings
        ),
    )
    return asdict(row)


@get(
    "/api/v1/admin/devices/{name:str}", sync_to_thread=True, tags=["admin"], summary="Show a device"
)
def get_device(service: ServiceDep, principal: PrincipalDep, name: str) -> dict[str, Any]:
    """Return a device with its settings and latest status."""
    require_role(principal, "admin")
    return asdict(_read(service, lambda c: device_admin.get_device(c, name)))


@patch(
    "/api/v1/admin/devices/{name:str}/settings",
    sync_to_thread=True,
    tags=["admin"],
    summary="Change a device's counting settings",
)
def update_device_settings(
    service: ServiceDep, principal: PrincipalDep, name: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Validate and store new counting settings; the device fetches them by their ETag."""
    require_role(principal, "admin")
    row = _write(service, lambda c: device_admin.update_device_settings(c, name, data))
    return asdict(row)


@get("/api/v1/admin/keys", sync_to_thread=True, tags=["admin"], summary="List keys")
def list_keys(service: ServiceDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Return every key without its secret."""
    require_role(principal, "admin")
    return [asdict(row) for row in _read(service, key_admin.list_keys)]


@post("/api/v1/admin/keys", sync_to_thread=True, tags=["admin"], summary="Create a key")
def create_key(service: ServiceDep, principal: PrincipalDep, data: KeyCreate) -> CreatedKey:
    """Create a key; the answer holds the key, which is shown only once."""
    require_role(principal, "admin")
    row, secret = _write(
        service,
        lambda c: key_admin.create_api_key(
            c, role=data.role, store=data.store, device=data.device, label=data.label
        ),
    )
    return CreatedKey(key=secret, info=asdict(row))


@post(
    "/api/v1/admin/keys/{key_id:int}/revoke",
    sync_to_thread=True,
    status_code=200,
    tags=["admin"],
    summary="Revoke a key",
)
def revoke_key(service: ServiceDep, principal: PrincipalDep, key_id: int) -> dict[str, Any]:
    """Revoke a key; requests with it fail with 401 from then on."""
    require_role(principal, "admin")
    return asdict(_write(service, lambda c: key_admin.revoke(c, key_id)))


@get(
    "/api/v1/admin/rejected-events",
    sync_to_thread=True,
    tags=["admin"],
    summary="List rejected events",
)
def list_rejected(
    service: ServiceDep,
    principal: PrincipalDep,
    device: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    """Return the newest rejected events with their reason and raw JSON."""
    require_role(principal, "admin")
    query = (
        select(
            Device.name,
            RejectedEvent.dialect,
            RejectedEvent.batch_index,
            RejectedEvent.seq,
            RejectedEvent.reason,
            RejectedEvent.raw_json,
            RejectedEvent.received_ms,
        )
        .outerjoin(Device, Device.id == RejectedEvent.device_id)
        .order_by(RejectedEvent.id.desc())
        .limit(limit)
    )
    if device is not None:
        query = query.where(Device.name == device)
    with service.db.read() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "device": row.name,
            "dialect": row.dialect,
            "index": row.batch_index,
            "seq": row.seq,
            "reason": row.reason,
            # The raw JSON as the device sent it, as text: it may hold strings (lone
            # surrogates, for one) that are valid JSON escapes but cannot be encoded again.
            "raw_json": row.raw_json,
            "received_ms": row.received_ms,
        }
        for row in rows
    ]


class OutboxRetry(msgspec.Struct, forbid_unknown_fields=True):
    """Outbox rows to make due now; an empty list retries every dead row."""

    ids: list[Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]] = msgspec.field(
        default_factory=list
    )


class OutboxRetried(msgspec.Struct):
    """How many outbox rows were made due."""

    retried: int


@get("/api/v1/admin/outbox", sync_to_thread=True, tags=["admin"],
     summary="List batches waiting for event sinks")
def list_outbox_rows(
    service: ServiceDep,
    principal: PrincipalDep,
    # ``state`` is a reserved handler argument in Litestar, hence the other name.
    state_filter: Annotated[str | None, QueryParameter(query="state")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    """Return outbox rows, oldest first: batches not yet delivered to an after-commit sink."""
    require_role(principal, "admin")
    state = state_filter
    if state is not None and state not in OUTBOX_STATES:
        raise ProblemError(
            400,
            f"unknown outbox state {state!r}: use pending or dead",
            errors=[("state", "must be pending or dead")],
        )
    with service.db.read() as connection:
        return [asdict(row) for row in list_outbox(connection, state, limit)]


@post("/api/v1/admin/outbox/retry", sync_to_thread=True, status_code=200, tags=["admin"],
      summary="Retry batches for event sinks")
def retry_outbox_rows(
    service: ServiceDep, principal: PrincipalDep, data: OutboxRetry
) -> OutboxRetried:
    """Make the given outbox rows, or every dead row, due for delivery now."""
    require_role(principal, "admin")
    with service.db.write() as connection:
        retried = retry_outbox(connection, now_ms(), data.ids)
    service.outbox.wake()
    return OutboxRetried(retried=retried)


_handlers = [
    list_stores,
    create_store,
    update_store,
    list_devices,
    create_device,
    get_device,
    update_device_settings,
    list_keys,
    create_key,
    revoke_key,
    list_rejected,
    list_outbox_rows,
    retry_outbox_rows,
]

#: The admin routes behind one guard, which rejects other keys before any body is parsed.
routes = [Router(path="/", route_handlers=_handlers, guards=[admin_only])]
