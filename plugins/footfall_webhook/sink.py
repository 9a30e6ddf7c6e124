"""The webhook event sink: POSTs each committed batch as signed JSON."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from footfall import __version__
from footfall.clock import now_ms
from footfall.plugin_types import Batch, StoreOutcome

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookSettings",
    "WebhookSettingsError",
    "WebhookSink",
    "sign",
    "verify",
]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Footfall-Signature"
TIMESTAMP_HEADER = "X-Footfall-Timestamp"
BATCH_HEADER = "X-Footfall-Batch-Id"


class WebhookSettingsError(ValueError):
    """Raised when a ``FOOTFALL_WEBHOOK_*`` variable contains a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Receiver URL, signing secret and timeout of the webhook sink."""

    url: str
    secret: bytes
    timeout_s: float

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebhookSettings | None:
        """Read the settings; return ``None`` when FOOTFALL_WEBHOOK_URL is unset (sink off)."""
        env = os.environ if environ is None else environ
        url = env.get("FOOTFALL_WEBHOOK_URL", "").strip()
        if not url:
            return None

        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise WebhookSettingsError(
                f"FOOTFALL_WEBHOOK_URL={url!r} is not an http(s) URL: use "
                "https://HOST/PATH (or http:// on a private network)"
            )
        secret = env.get("FOOTFALL_WEBHOOK_SECRET", "")
        if len(secret) < 16:
            raise WebhookSettingsError(
                f"FOOTFALL_WEBHOOK_SECRET is {'missing' if not secret else 'too short'}: set "
                "at least 16 characters, shared with the receiver, to sign each request"
            )
        timeout_text = env.get("FOOTFALL_WEBHOOK_TIMEOUT_S", "10").strip() or "10"
        try:
            timeout_s = float(timeout_text)
        except ValueError:
            timeout_s = -1.0
        if timeout_s <= 0:
            raise WebhookSettingsError(
                f"FOOTFALL_WEBHOOK_TIMEOUT_S={timeout_text!r} must be a positive number of seconds"
            )
        return cls(url=url, secret=secret.encode(), timeout_s=timeout_s)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """Return the signature header value: ``sha256=`` and the hex HMAC of ``TIMESTAMP.BODY``.

    The timestamp is signed with the body so that a receiver can reject an old request that
    someone recorded and sends again.
    """
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """Check a signature in constant time, as a receiver does."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookSink:
    """POSTs each committed batch; any response other than 2xx raises, so the outbox retries.

    A retried batch reaches the receiver again with the same ``batch_id`` (also in the
    ``X-Footfall-Batch-Id`` header), which receivers use to deduplicate.
    """

    name = "webhook"
    in_transaction = False

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings

    def write(self, batch: Batch, connection: Connection | None) -> StoreOutcome | None:
        """Deliver the batch to the receiver."""
        body = json.dumps(_payload(batch), separators=(",", ":")).encode()
        timestamp = str(now_ms() // 1000)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in from_env
            self.settings.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"footfall-webhook/{__version__}",
                SIGNATURE_HEADER: sign(self.settings.secret, timestamp, body),
                TIMESTAMP_HEADER: timestamp,
                BATCH_HEADER: batch.batch_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise ConnectionError(
                f"webhook {self.settings.url} returned HTTP {error.code} for batch "
                f"{batch.batch_id}; it will be retried"
            ) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ConnectionError(
                f"webhook {self.settings.url} is unreachable for batch {batch.batch_id}: "
                f"{error}; it will be retried"
            ) from error
        if not 200 <= status < 300:
            raise ConnectionError(
                f"webhook {self.settings.url} returned HTTP {status} for batch "
                f"{batch.batch_id}; it will be retried"
            )
        return None


def _payload(batch: Batch) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "store": batch.device.store_name,
        "device": batch.device.name,
        "received_ms": batch.received_ms,
        "events": [
            {"seq": event.seq, "time_ms": event.time_ms, "direction": event.direction}
            for event in batch.events
        ],
    }
