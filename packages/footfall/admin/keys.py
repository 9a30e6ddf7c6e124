"""API keys: create them with a checked role and scope, list them and revoke them.

The secret of a key is returned once, by :func:`create_api_key`; nothing here stores, returns
or logs it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, select
from sqlalchemy.orm import aliased

from footfall.admin.devices import get_device
from footfall.admin.errors import MAX_NAME_LENGTH, AdminError
from footfall.admin.stores import get_store
from footfall.db.models import ROLES, ApiKey, Device, Store
from footfall.keys import MIN_KEY_LENGTH, create_key, find_key, revoke_key

__all__ = ["KeyRow", "create_api_key", "get_key", "list_keys", "revoke"]


@dataclass(frozen=True, slots=True)
class KeyRow:
    """A stored API key, without its secret.

    ``store`` is the viewer key's store, or the store of a device key's device.
    """

    id: int
    prefix: str
    role: str
    store: str | None
    device: str | None
    label: str
    created_ms: int
    last_used_ms: int | None
    revoked_ms: int | None


def create_api_key(
    conn: Connection,
    *,
    role: str,
    store: str | None = None,
    device: str | None = None,
    label: str = "",
    key: str | None = None,
) -> tuple[KeyRow, str]:
    """Store a new key and return it with its secret, which is not stored.

    An admin key has no scope, a viewer key needs ``store``, a device key needs ``device``
    (and ``store``, when given, must be that device's store). ``key`` registers a given
    secret instead of a generated one, for a device that already has a key from the earlier
    system. It must be at least :data:`~footfall.keys.MIN_KEY_LENGTH` characters long.
    """
    store_id, device_id = _check_scope(conn, role, store, device)
    _check_label(label)
    if key is not None:
        _check_given_key(conn, key)

    key_id, secret = create_key(
        conn, role=role, store_id=store_id, device_id=device_id, label=label, key=key
    )
    return get_key(conn, key_id), secret


def get_key(conn: Connection, key_id: int) -> KeyRow:
    """Return the key with this id; raise :class:`AdminError` (404) when there is none."""
    # An id beyond 64 bits cannot be stored, and the drivers fail on it instead of matching.
    in_range = -(2**63) <= key_id < 2**63
    row = conn.execute(_select_keys().where(ApiKey.id == key_id)).first() if in_range else None
    if row is None:
        raise AdminError(
            f"API key {key_id} not found: list the key ids with `litestar footfall keys list`",
            field="key_id",
            status=404,
        )
    return _to_key_row(row)


def list_keys(conn: Connection) -> list[KeyRow]:
    """Return every key, revoked ones included, oldest first."""
    return [_to_key_row(row) for row in conn.execute(_select_keys().order_by(ApiKey.id))]


def revoke(conn: Connection, key_id: int) -> KeyRow:
    """Revoke a key, so that requests with it get 401; raise 409 if it is already revoked."""
    key = get_key(conn, key_id)
    if not revoke_key(conn, key_id):
        raise AdminError(
            f"API key {key_id} (prefix {key.prefix}) is already revoked", field="key_id",
            status=409,
        )
    return get_key(conn, key_id)


def _check_scope(
    conn: Connection, role: str, store: str | None, device: str | None
) -> tuple[int | None, int | None]:
    if role not in ROLES:
        raise AdminError(
            f"role {role!r} is not a key role: use admin, viewer or device", field="role"
        )

    if role == "admin":
        if store is not None or device is not None:
            raise AdminError(
                "an admin key sees every store, so it takes no store or device: leave them out",
                field="store" if store is not None else "device",
            )
        return None, None

    if role == "viewer":
        if device is not None:
            raise AdminError(
                "a viewer key is scoped to a store, not a device: give only the store",
                field="device",
            )
        if store is None:
            raise AdminError(
                "a viewer key needs the store it may see: give the store name", field="store"
            )
        return get_store(conn, store).id, None

    if device is None:
        raise AdminError(
            "a device key needs the device it belongs to: give the device name", field="device"
        )
    device_row = get_device(conn, device)
    if store is not None and store != device_row.store_name:
        raise AdminError(
            f"device {device!r} belongs to store {device_row.store_name!r}, not {store!r}: "
            "give the device's own store or leave the store out",
            field="store",
        )
    # The store comes from the device, so that moving the device keeps its key valid.
    return None, device_row.id


def _check_label(label: object) -> None:
    if not isinstance(label, str) or len(label) > MAX_NAME_LENGTH or not label.isprintable():
        raise AdminError(
            f"key label {str(label)[:40]!r} is invalid: use at most {MAX_NAME_LENGTH} "
            "printable characters",
            field="label",
        )


def _check_given_key(conn: Connection, key: str) -> None:
    # The key itself never appears in these messages, because they may be logged.
    if len(key) < MIN_KEY_LENGTH or not key.isprintable() or key != key.strip():
        raise AdminError(
            f"the given key is {len(key)} characters long or contains spaces or control "
            f"characters: use at least {MIN_KEY_LENGTH} printable characters without spaces "
            "at either end",
            field="api_key",
        )
    if find_key(conn, key) is not None:
        raise AdminError(
            "the given key is already registered: list keys with `litestar footfall keys list`",
            field="api_key",
            status=409,
        )


def _select_keys() -> Select[Any]:
    key_store = aliased(Store)
    device_store = aliased(Store)
    return (
        select(
            ApiKey.id,
            ApiKey.prefix,
            ApiKey.role,
            key_store.name,
            device_store.name,
            Device.name,
            ApiKey.label,
            ApiKey.created_ms,
            ApiKey.last_used_ms,
            ApiKey.revoked_ms,
        )
        .outerjoin(key_store, key_store.id == ApiKey.store_id)
        .outerjoin(Device, Device.id == ApiKey.device_id)
        .outerjoin(device_store, device_store.id == Device.store_id)
    )


def _to_key_row(row: Row[Any]) -> KeyRow:
    return KeyRow(
        id=row[0],
        prefix=row[1],
        role=row[2],
        store=row[3] if row[3] is not None else row[4],
        device=row[5],
        label=row[6],
        created_ms=row[7],
        last_used_ms=row[8],
        revoked_ms=row[9],
    )
