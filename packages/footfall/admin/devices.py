"""Devices: the counting cameras of a store and their counting settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update

from footfall.admin.device_settings import (
    DEFAULT_DEVICE_SETTINGS,
    settings_etag,
    validate_device_settings,
)
from footfall.admin.errors import AdminError, check_name
from footfall.admin.stores import get_store
from footfall.clock import now_ms
from footfall.db.models import Device, Store

__all__ = [
    "DEFAULT_DEVICE_SETTINGS",
    "DeviceRow",
    "create_device",
    "get_device",
    "list_devices",
    "move_device",
    "rename_device",
    "settings_etag",
    "update_device_settings",
    "validate_device_settings",
]


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """A stored device with its settings and what it last reported."""

    id: int
    name: str
    store_id: int
    store_name: str
    settings: dict[str, Any]
    settings_etag: str
    last_event_ms: int | None
    last_heartbeat_ms: int | None
    status: dict[str, Any] | None
    """The body of the device's last heartbeat, or ``None`` before the first one."""


def create_device(
    conn: Connection,
    *,
    name: str,
    store: str,
    settings: Mapping[str, Any] | None = None,
) -> DeviceRow:
    """Insert a device in ``store``; ``settings`` merge onto the defaults."""
    check_name(name, field="name", kind="device")
    store_row = get_store(conn, store)
    _check_name_free(conn, name)
    checked = validate_device_settings(settings or {})

    conn.execute(
        insert(Device).values(
            store_id=store_row.id,
            name=name,
            settings_json=json.dumps(checked, sort_keys=True),
            settings_etag=settings_etag(checked),
            created_ms=now_ms(),
        )
    )
    return get_device(conn, name)


def get_device(conn: Connection, name: str) -> DeviceRow:
    """Return the device called ``name``; raise :class:`AdminError` (404) when there is none."""
    row = conn.execute(_select_devices().where(Device.name == name)).first()
    if row is None:
        raise AdminError(
            f"device {name!r} not found: check the name with `litestar footfall devices list`",
            field="device",
            status=404,
        )
    return _to_device_row(row)


def list_devices(conn: Connection, store: str | None = None) -> list[DeviceRow]:
    """Return the devices ordered by store and name, of one store when ``store`` is given."""
    query = _select_devices().order_by(Store.name, Device.name)
    if store is not None:
        query = query.where(Device.store_id == get_store(conn, store).id)
    return [_to_device_row(row) for row in conn.execute(query)]


def update_device_settings(
    conn: Connection, name: str, changes: Mapping[str, Any]
) -> DeviceRow:
    """Merge ``changes`` onto the device's current settings, check them and store them.

    The ETag changes with the settings, so the device fetches them on its next poll.
    """
    device = get_device(conn, name)
    checked = validate_device_settings(changes, base=device.settings)
    conn.execute(
        update(Device)
        .where(Device.id == device.id)
        .values(
            settings_json=json.dumps(checked, sort_keys=True),
            settings_etag=settings_etag(checked),
        )
    )
    return get_device(conn, name)


def move_device(conn: Connection, name: str, store: str) -> DeviceRow:
    """Assign the device to another store; its past events move with it."""
    device = get_device(conn, name)
    store_row = get_store(conn, store)
    conn.execute(update(Device).where(Device.id == device.id).values(store_id=store_row.id))
    return get_device(conn, name)


def rename_device(conn: Connection, name: str, new_name: str) -> DeviceRow:
    """Rename a device; its keys, events and settings stay with it."""
    device = get_device(conn, name)
    if new_name == name:
        return device
    check_name(new_name, field="new_name", kind="device")
    _check_name_free(conn, new_name)
    conn.execute(update(Device).where(Device.id == device.id).values(name=new_name))
    return get_device(conn, new_name)


_DeviceColumns = tuple[int, str, int, str, str, str, int | None, int | None, str | None]


def _select_devices() -> Select[_DeviceColumns]:
    return select(
        Device.id,
        Device.name,
        Device.store_id,
        Store.name,
        Device.settings_json,
        Device.settings_etag,
        Device.last_event_ms,
        Device.last_heartbeat_ms,
        Device.last_status_json,
    ).join(Store, Store.id == Device.store_id)


def _to_device_row(row: Row[_DeviceColumns]) -> DeviceRow:
    status = json.loads(row[8]) if row[8] else None
    return DeviceRow(
        id=row[0],
        name=row[1],
        store_id=row[2],
        store_name=row[3],
        settings=json.loads(row[4]),
        settings_etag=row[5],
        last_event_ms=row[6],
        last_heartbeat_ms=row[7],
        status=status,
    )


def _check_name_free(conn: Connection, name: str) -> None:
    if conn.execute(select(Device.id).where(Device.name == name)).first() is not None:
        raise AdminError(
            f"a device called {name!r} already exists: choose another name",
            field="name",
            status=409,
        )
