"""Webhook event sink: POSTs each committed batch as JSON signed with HMAC-SHA256.

Inert unless ``FOOTFALL_WEBHOOK_URL`` is set. ``FOOTFALL_WEBHOOK_SECRET`` (16 characters or
more) keys the signature and ``FOOTFALL_WEBHOOK_TIMEOUT_S`` bounds one request. Retries with
backoff come from the outbox, which calls the sink again after a failure.
"""

from __future__ import annotations

from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugin_types import EventSink
from footfall_webhook.sink import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    WebhookSettingsError,
    WebhookSink,
    sign,
    verify,
)

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookSettings",
    "WebhookSettingsError",
    "WebhookSink",
    "footfall_event_sinks",
    "sign",
    "verify",
]


@hookimpl
def footfall_event_sinks(settings: Settings) -> list[EventSink]:
    """Return the webhook sink when FOOTFALL_WEBHOOK_URL is set, else nothing."""
    webhook_settings = WebhookSettings.from_env()
    if webhook_settings is None:
        return []
    return [WebhookSink(webhook_settings)]
