"""Rate limits: ingest requests per API key, failed authentications per client address.

Both are token buckets held in memory, so each service process limits on its own. Ingest
requests (events, heartbeats and legacy movements) take one token from the bucket of the key
they carry, before the handler runs. A request whose response is 401 takes one token from the
bucket of its client address. While that bucket is empty, every API request from the address
gets 429 before its key is checked, which makes guessing keys slow. A limited request gets a
problem-details 429 with ``Retry-After`` in whole seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from footfall.config import Settings

__all__ = ["INGEST_PATHS", "RateLimitMiddleware", "RateLimiter", "RateLimits", "TokenBucket"]

logger = logging.getLogger(__name__)

#: Routes whose requests count against the per-key ingest limit.
INGEST_PATHS = frozenset({"/api/v1/events", "/api/v1/devices/me/status", "/movements"})

#: Paths that stay open to an address that failed authentication too often: health checks
#: for load balancers and the dashboard's static files, which carry no key.
_OPEN_PREFIXES = ("/health/", "/dashboard")

#: Buckets kept per limiter before idle ones are dropped.
_MAX_BUCKETS = 10_000


@dataclass(slots=True)
class TokenBucket:
    """Holds up to ``capacity`` tokens and gains ``rate`` tokens a second."""

    capacity: float
    rate: float
    tokens: float
    updated: float
    limited: bool = False
    """Whether the last request was limited; used to log only the start of a limited spell."""

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last update."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_s(self) -> float:
        """Return how long until one whole token is available, in seconds."""
        return max(0.0, (1.0 - self.tokens) / self.rate)


class RateLimiter:
    """Token buckets by an identifier (a key's hash or a client address)."""

    def __init__(self, name: str, capacity: float, rate_per_s: float) -> None:
        self.name = name
        self.capacity = capacity
        self.rate_per_s = rate_per_s
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether the limit applies; a rate of 0 turns it off."""
        return self.rate_per_s > 0 and self.capacity >= 1

    def take(self, identifier: str) -> float | None:
        """Take a token; return ``None`` if one was taken, else the seconds to wait."""
        with self._lock:
            bucket = self._bucket(identifier)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                bucket.limited = False
                return None
            return self._limited(identifier, bucket)

    def check(self, identifier: str) -> float | None:
        """Return the seconds to wait if the bucket is empty, ``None`` otherwise; take nothing."""
        with self._lock:
            bucket = self._buckets.get(identifier)
            if bucket is None:
                return None
            bucket.refill(time.monotonic())
            if bucket.tokens >= 1:
                return None
            return self._limited(identifier, bucket)

    def charge(self, identifier: str) -> None:
        """Take a token if there is one, as the cost of a failed request."""
        with self._lock:
            bucket = self._bucket(identifier)
            bucket.tokens = max(0.0, bucket.tokens - 1)

    def _bucket(self, identifier: str) -> TokenBucket:
        now = time.monotonic()
        bucket = self._buckets.get(identifier)
        if bucket is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._drop_idle(now)
            bucket = TokenBucket(self.capacity, self.rate_per_s, self.capacity, now)
            self._buckets[identifier] = bucket
        else:
            bucket.refill(now)
        return bucket

    def _drop_idle(self, now: float) -> None:
        # A bucket that has refilled completely behaves like a new one, so dropping it
        # changes nothing. If every bucket is busy, the table is cleared, which errs on the
        # side of letting requests through.
        full_after_s = self.capacity / self.rate_per_s
        idle = [key for key, bucket in self._buckets.items() if now - bucket.updated > full_after_s]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= _MAX_BUCKETS:
            self._buckets.clear()

    def _limited(self, identifier: str, bucket: TokenBucket) -> float:
        if not bucket.limited:
            logger.warning(
                "Rate limit %s reached for %s: requests get 429 for the next %.1f s",
                self.name,
                identifier,
                bucket.wait_s(),
            )
        bucket.limited = True
        return bucket.wait_s()


class RateLimits:
    """The limiters of one application, shared by the middleware of all its routes.

    Litestar builds a middleware instance per route, so the buckets live here and not in
    the middleware, or each route would count on its own.
    """

    def __init__(self, settings: Settings) -> None:
        self.ingest = RateLimiter(
            "ingest per key", settings.ingest_burst, settings.ingest_rate_per_s
        )
        per_minute = settings.auth_failure_rate_per_min
        self.auth_failures = RateLimiter(
            "failed authentication per address", per_minute, per_minute / 60
        )


class RateLimitMiddleware:
    """ASGI middleware that applies the ingest and failed-authentication limits."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.ingest = limits.ingest
        self.auth_failures = limits.auth_failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        # Litestar routes "/movements/" and "/movements" alike, so compare without the slash.
        path: str = scope["path"].rstrip("/") or "/"
        address = _client_address(scope)
        guarded = self.auth_failures.enabled and not path.startswith(_OPEN_PREFIXES)
        if guarded:
            wait = self.auth_failures.check(f"address {address}")
            if wait is not None:
                await _send_429(
                    send,
                    wait,
                    f"too many failed authentications from {address}: wait before trying "
                    "again, and check the API key",
                )
                return

        if self.ingest.enabled and path in INGEST_PATHS:
            credential = _credential(scope)
            if credential is not None:
                wait = self.ingest.take(f"key {_fingerprint(credential)}")
                if wait is not None:
                    await _send_429(
                        send,
                        wait,
                        "this key sent more ingest requests than FOOTFALL_INGEST_RATE_PER_S "
                        "allows: wait, then send the queued events in larger batches",
                    )
                    return

        if not guarded:
            await self.app(scope, receive, send)
            return

        async def watch_status(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.auth_failures.charge(f"address {address}")
            await send(message)

        await self.app(scope, receive, watch_status)


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _credential(scope: Scope) -> str | None:
    # The same order as the API-key scheme: Authorization first, then X-API-Key, then the
    # legacy query parameter.
    headers = {name: value for name, value in scope.get("headers", ())}
    authorization = headers.get(b"authorization")
    if authorization is not None:
        scheme, _, credential = authorization.decode("latin-1").strip().partition(" ")
        if scheme.lower() == "bearer":
            return credential.strip()
    header_key = headers.get(b"x-api-key")
    if header_key is not None:
        return header_key.decode("latin-1").strip()
    if scope["path"].rstrip("/") == "/movements":
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("api_key"):
            return query["api_key"][0].strip()
    return None


def _fingerprint(credential: str) -> str:
    # Buckets are named by a short hash so that no key sits in memory or in a log line.
    return hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()[:16]


async def _send_429(send: Send, wait_s: float, detail: str) -> None:
    retry_after = str(max(1, math.ceil(wait_s)))
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Too many requests",
            "status": 429,
            "detail": detail,
            "errors": [{"field": "rate", "message": f"retry after {retry_after} s"}],
        }
    ).encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", retry_after.encode()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
