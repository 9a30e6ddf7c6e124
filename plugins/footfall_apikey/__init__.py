"""Default auth scheme: API keys in a header, or in the query string on the legacy routes.

Keys are looked up by their SHA-256 hash (see :mod:`footfall.keys`). Each answer, a verified
key or an unknown one, stays cached until the access generation changes (see
:mod:`footfall.access_generation`): at once for a change committed by this process, and
within ``FOOTFALL_KEY_CACHE_S`` seconds for a change made by another process or by hand in
the database. So a device that posts every few seconds costs no look-up, and a revoked key
stops working within that time. ``FOOTFALL_KEY_CACHE_S=0`` looks every key up.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from footfall.access_cache import AccessCache
from footfall.access_generation import tracker_for
from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.hookspecs import hookimpl
from footfall.keys import find_key, hash_key, touch_keys
from footfall.plugin_types import AuthFailure, AuthRequest, AuthScheme, Principal

__all__ = ["ApiKeyScheme", "footfall_auth_schemes"]

logger = logging.getLogger(__name__)

#: Maximum key length accepted in a header; no key of this service is longer.
_MAX_KEY_LENGTH = 256

#: ``last_used`` is written at most this often per key, so reads never queue for the write lock.
_TOUCH_INTERVAL_MS = 60_000

#: Pending ``last_used`` times are written this often, in seconds, by a background thread.
_TOUCH_FLUSH_S = 1.0

#: Unknown keys remembered per process. They have a cache of their own, so that a client that
#: sends many made-up keys cannot push the fleet's real keys out.
_MAX_UNKNOWN_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class _CachedKey:
    principal: Principal | None
    revoked: bool


_UNKNOWN = _CachedKey(principal=None, revoked=False)


@dataclass(slots=True)
class _KeyCaches:
    """Known keys (valid or revoked) and unknown keys, by SHA-256 hash."""

    known: AccessCache[str, _CachedKey]
    unknown: AccessCache[str, _CachedKey]


class ApiKeyScheme:
    """Recognises ``Authorization: Bearer KEY``, ``X-API-Key: KEY`` and legacy ``?api_key=``."""

    name = "api-key"

    def __init__(self, cache_seconds: float) -> None:
        self.cache_seconds = cache_seconds
        self._caches: tuple[Database, _KeyCaches] | None = None
        self._touched: dict[int, int] = {}
        self._lock = threading.Lock()
        self._pending_touches: dict[int, int] = {}
        self._flusher: threading.Thread | None = None

    def authenticate(self, request: AuthRequest, db: Database) -> Principal | None:
        """Return the key's principal, ``None`` when the request has no key, or fail."""
        key = self._extract(request)
        if key is None:
            return None
        if len(key) > _MAX_KEY_LENGTH:
            raise AuthFailure(
                f"the API key is {len(key)} characters long; keys have at most {_MAX_KEY_LENGTH}"
            )
        if not key or not key.isascii() or not key.isprintable():
            raise AuthFailure("the API key is malformed: keys are printable ASCII text")

        digest = hash_key(key)
        if self.cache_seconds <= 0:
            entry = self._look_up(db, key)
            principal = self._decide(entry)
            self._touch(db, principal)
            return principal

        caches = self._caches_for(db)
        # Both caches share the tracker, so one read of the generation serves both.
        version = caches.known.current_version()
        caches.unknown.current_version()
        cached = caches.known.get(digest) or caches.unknown.get(digest)
        if cached is not None:
            principal = self._decide(cached)
            self._touch(db, principal)
            return principal

        entry = self._look_up(db, key)
        target = caches.unknown if entry is _UNKNOWN else caches.known
        target.put(digest, entry, version)

        principal = self._decide(entry)
        self._touch(db, principal)
        return principal

    def _caches_for(self, db: Database) -> _KeyCaches:
        current = self._caches
        if current is not None and current[0] is db:
            return current[1]

        tracker = tracker_for(db)
        caches = _KeyCaches(
            known=AccessCache(tracker, self.cache_seconds),
            unknown=AccessCache(tracker, self.cache_seconds, max_entries=_MAX_UNKNOWN_KEYS),
        )
        self._caches = (db, caches)
        return caches

    def _look_up(self, db: Database, key: str) -> _CachedKey:
        with db.read() as connection:
            record = find_key(connection, key)
        if record is None:
            return _UNKNOWN

        store_ids = None
        if record.role == "viewer" and record.store_id is not None:
            store_ids = frozenset({record.store_id})
        if record.role == "device" and record.device_store_id is not None:
            store_ids = frozenset({record.device_store_id})
        principal = Principal(
            role=record.role,  # type: ignore[arg-type]
            scheme=self.name,
            key_id=record.id,
            store_ids=store_ids,
            device_id=record.device_id,
        )
        return _CachedKey(principal=principal, revoked=record.revoked)

    def _extract(self, request: AuthRequest) -> str | None:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, credential = authorization.strip().partition(" ")
            if scheme.lower() == "bearer":
                return credential.strip()
        header_key = request.headers.get("x-api-key")
        if header_key is not None:
            return header_key.strip()
        if request.allow_query_key and "api_key" in request.query:
            return request.query["api_key"].strip()
        return None

    @staticmethod
    def _decide(entry: _CachedKey) -> Principal:
        if entry.principal is None:
            raise AuthFailure("the API key is not valid: check it, or ask an admin for a new one")
        if entry.revoked:
            raise AuthFailure("the API key has been revoked: ask an admin for a new one")
        return entry.principal

    def _touch(self, db: Database, principal: Principal) -> None:
        # Authentication runs on the event loop, so it must not wait for the write lock: the
        # time is queued and a background thread writes it within about a second.
        # NOTE: times still queued when the process stops are not written.
        if principal.key_id is None:
            return
        at_ms = now_ms()
        if at_ms - self._touched.get(principal.key_id, 0) < _TOUCH_INTERVAL_MS:
            return
        self._touched[principal.key_id] = at_ms
        with self._lock:
            self._pending_touches[principal.key_id] = at_ms
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_touches, args=(db,), name="footfall-key-touch", daemon=True
                )
                self._flusher.start()

    def _flush_touches(self, db: Database) -> None:
        while True:
            time.sleep(_TOUCH_FLUSH_S)
            with self._lock:
                pending = self._pending_touches
                self._pending_touches = {}
                if not pending:
                    # The thread ends when idle; the next touch starts a new one.
                    self._flusher = None
                    return

            try:
                db.write_grouped(partial(_write_touches, pending))
            except SQLAlchemyError:
                logger.exception("Failed to record when %d API keys were last used", len(pending))


def _write_touches(pending: dict[int, int], connection: Connection) -> None:
    touch_keys(connection, pending)


@hookimpl
def footfall_auth_schemes(settings: Settings) -> list[AuthScheme]:
    """Return the API-key scheme."""
    return [ApiKeyScheme(cache_seconds=settings.key_cache_s)]
