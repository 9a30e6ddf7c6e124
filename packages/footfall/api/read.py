"""Read routes for dashboards and scripts: who am I, stores with device status, occupancy."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar import get
from sqlalchemy import select

from footfall.api.deps import PrincipalDep, ServiceDep
from footfall.auth import require_role, require_store
from footfall.clock import now_ms
from footfall.db.models import Device, Store
from footfall.plugin_types import Principal, StoreRef
from footfall.problems import ProblemError

__all__ = ["get_me", "get_occupancy", "get_stores", "load_store"]


class Me(msgspec.Struct):
    """The calling key's role and scope."""

    role: str
    stores: list[str] | None
    device: str | None


class DeviceStatus(msgspec.Struct):
    """A device's latest heartbeat and activity."""

    name: str
    last_heartbeat_ms: int | None
    last_event_ms: int | None
    silent: bool
    status: dict[str, Any] | None


class StoreView(msgspec.Struct):
    """A store with its devices."""

    name: str
    timezone: str
    day_reset_hour: int
    max_dwell_s: int
    devices: list[DeviceStatus]


class StoresAnswer(msgspec.Struct):
    """The stores the key may see."""

    stores: list[StoreView]


class OccupancyAnswer(msgspec.Struct):
    """Entries minus exits since the start of the business day."""

    store: str
    zone: str
    since: int
    entries: int
    exits: int
    occupancy: int
    displayed: int
    drift: int


@get("/api/v1/me", sync_to_thread=True, summary="Describe the calling key")
def get_me(service: ServiceDep, principal: PrincipalDep) -> Me:
    """Return the key's role, its stores (``null`` for all) and its device."""
    principal = require_role(principal, "admin", "viewer", "device")
    with service.db.read() as connection:
        stores = None
        if principal.store_ids is not None:
            stores = list(
                connection.execute(
                    select(Store.name)
                    .where(Store.id.in_(sorted(principal.store_ids)))
                    .order_by(Store.name)
                ).scalars()
            )
        device = None
        if principal.device_id is not None:
            device = connection.execute(
                select(Device.name).where(Device.id == principal.device_id)
            ).scalar()
    return Me(role=principal.role, stores=stores, device=device)


@get("/api/v1/stores", sync_to_thread=True, summary="List stores with device status")
def get_stores(service: ServiceDep, principal: PrincipalDep) -> StoresAnswer:
    """Return the stores the key may see, each with its devices' latest status."""
    principal = require_role(principal, "admin", "viewer")
    query = select(
        Store.id, Store.name, Store.timezone, Store.day_reset_hour, Store.max_dwell_s
    ).order_by(Store.name)
    if principal.store_ids is not None:
        query = query.where(Store.id.in_(sorted(principal.store_ids)))
    silent_before = now_ms() - service.settings.device_silent_after_s * 1000

    with service.db.read() as connection:
        stores = connection.execute(query).all()
        devices = connection.execute(
            select(
                Device.store_id,
                Device.name,
                Device.last_heartbeat_ms,
                Device.last_event_ms,
                Device.last_status_json,
            )
            .where(Device.store_id.in_([store.id for store in stores]))
            .order_by(Device.name)
        ).all()

    by_store: dict[int, list[DeviceStatus]] = {store.id: [] for store in stores}
    for device in devices:
        last_seen = max(device.last_heartbeat_ms or 0, device.last_event_ms or 0)
        by_store[device.store_id].append(
            DeviceStatus(
                name=device.name,
                last_heartbeat_ms=device.last_heartbeat_ms,
                last_event_ms=device.last_event_ms,
                silent=last_seen < silent_before,
                status=json.loads(device.last_status_json) if device.last_status_json else None,
            )
        )
    return StoresAnswer(
        stores=[
            StoreView(
                name=store.name,
                timezone=store.timezone,
                day_reset_hour=store.day_reset_hour,
                max_dwell_s=store.max_dwell_s,
                devices=by_store[store.id],
            )
            for store in stores
        ]
    )


def load_store(service: ServiceDep, principal: Principal, name: str) -> StoreRef:
    """Return the named store, or raise 404; raise 403 if the key may not read it."""
    with service.db.read() as connection:
        store = connection.execute(
            select(
                Store.id, Store.name, Store.timezone, Store.day_reset_hour, Store.max_dwell_s
            ).where(Store.name == name)
        ).one_or_none()
    if store is None:
        raise ProblemError(
            404,
            f"store {name!r} not found: check the name (GET /api/v1/stores)",
            errors=[("store", "not found")],
        )
    require_store(principal, store.id, store.name)
    return StoreRef(
        id=store.id,
        name=store.name,
        timezone=store.timezone,
        day_reset_hour=store.day_reset_hour,
        max_dwell_s=store.max_dwell_s,
    )


@get("/api/v1/stores/{name:str}/occupancy", sync_to_thread=True, summary="Current occupancy")
def get_occupancy(service: ServiceDep, principal: PrincipalDep, name: str) -> OccupancyAnswer:
    """Return entries minus exits since the start of the store's business day."""
    principal = require_role(principal, "admin", "viewer")
    store = load_store(service, principal, name)

    # Imported here so that the read routes load even while analytics are being upgraded.
    from footfall.analytics.occupancy import current_occupancy  # noqa: PLC0415

    occupancy = current_occupancy(service.db, store, now_ms())
    return OccupancyAnswer(
        store=store.name,
        zone=occupancy.zone,
        since=occupancy.since,
        entries=occupancy.entries,
        exits=occupancy.exits,
        occupancy=occupancy.occupancy,
        displayed=occupancy.displayed,
        drift=occupancy.drift,
    )
