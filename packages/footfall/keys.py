"""API keys: generation, hashing and look-up.

A key is shown once, when it is created; the database keeps only its SHA-256 hash. Keys are
high-entropy random strings, so a plain SHA-256 (no salt, no stretching) cannot be reversed,
and it lets a request's key be found by an indexed equality look-up on the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select, update

from footfall.clock import now_ms
from footfall.db.models import ApiKey, Device

__all__ = [
    "KEY_PREFIX",
    "MIN_KEY_LENGTH",
    "KeyRecord",
    "create_key",
    "find_key",
    "generate_key",
    "hash_key",
    "revoke_key",
    "touch_key",
    "touch_keys",
]

#: Generated keys start with this marker, so that a leaked key is recognisable in a scan.
KEY_PREFIX = "ff_"

#: Shortest key accepted when an administrator supplies one (legacy ``/createApiKey/``).
MIN_KEY_LENGTH = 16


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A stored key, without its secret."""

    id: int
    role: str
    store_id: int | None
    device_id: int | None
    revoked: bool
    device_store_id: int | None


def generate_key() -> str:
    """Return a new random key (32 bytes of entropy)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of the key's UTF-8 bytes."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(
    connection: Connection,
    *,
    role: str,
    store_id: int | None = None,
    device_id: int | None = None,
    label: str = "",
    key: str | None = None,
) -> tuple[int, str]:
    """Store a new key and return its id and the key itself, which is not stored."""
    secret = key if key is not None else generate_key()
    result = connection.execute(
        insert(ApiKey).values(
            key_hash=hash_key(secret),
            prefix=secret[:8],
            role=role,
            store_id=store_id,
            device_id=device_id,
            label=label,
            created_ms=now_ms(),
        )
    )
    key_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    if key_id is None:  # pragma: no cover - every supported driver returns the primary key
        raise RuntimeError("the database returned no id for the new key")
    return int(key_id), secret


# Built once: building the statement cost more CPU than running it, and a device's first
# request after a restart pays for this look-up.
_FIND_KEY = (
    select(
        ApiKey.id,
        ApiKey.key_hash,
        ApiKey.role,
        ApiKey.store_id,
        ApiKey.device_id,
        ApiKey.revoked_ms,
        Device.store_id,
    )
    .outerjoin(Device, Device.id == ApiKey.device_id)
    .where(ApiKey.key_hash == bindparam("digest"))
)


def find_key(connection: Connection, key: str) -> KeyRecord | None:
    """Return the stored key whose hash matches, or ``None``.

    The look-up is by the hash, and the stored hash is compared again in constant time, so
    the time taken does not depend on how much of a guessed key is right.
    """
    digest = hash_key(key)
    row = connection.execute(_FIND_KEY, {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row[1], digest):
        return None
    return KeyRecord(
        id=row[0],
        role=row[2],
        store_id=row[3],
        device_id=row[4],
        revoked=row[5] is not None,
        device_store_id=row[6],
    )


def touch_key(connection: Connection, key_id: int, at_ms: int) -> None:
    """Record when a key was last used."""
    touch_keys(connection, {key_id: at_ms})


_TOUCH_KEY = (
    update(ApiKey).where(ApiKey.id == bindparam("key_id")).values(last_used_ms=bindparam("at_ms"))
)


def touch_keys(connection: Connection, times: Mapping[int, int]) -> None:
    """Record when each key was last used, by key id, in one statement run for all."""
    if not times:
        return
    # In key order, so that two processes that write the same keys lock their rows in the
    # same order: in any other order PostgreSQL can abort one of them as a deadlock.
    connection.execute(
        _TOUCH_KEY,
        [{"key_id": key_id, "at_ms": at_ms} for key_id, at_ms in sorted(times.items())],
    )


def revoke_key(connection: Connection, key_id: int) -> bool:
    """Revoke a key; return whether a key that was not yet revoked was found."""
    result = connection.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_ms.is_(None))
        .values(revoked_ms=now_ms())
    )
    return result.rowcount > 0
