"""The MQTT event sink: publishes committed events and retained live counts per store."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Connection

from footfall.clock import now_ms
from footfall.db.engine import Database
from footfall.plugin_types import Batch, StoreOutcome
from footfall_mqtt.config import MqttSettings
from footfall_mqtt.counts import LiveCounts, read_all_live_counts, read_live_counts

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["MqttSink", "topic_level"]

logger = logging.getLogger(__name__)


def topic_level(name: str) -> str:
    """Escape a store or device name for use as one topic level.

    ``/`` separates levels and ``+`` and ``#`` are wildcards, so they and ``%`` are
    percent-encoded; ``Shop/1`` becomes ``Shop%2F1``.
    """
    return (
        name.replace("%", "%25").replace("/", "%2F").replace("+", "%2B").replace("#", "%23")
    )


class MqttSink:
    """Publishes each committed batch (or each event) and the store's live counts.

    The sink runs after the commit, delivered by the outbox, so ``write`` raises when the
    broker is unreachable or does not acknowledge in time, and the outbox retries the batch.
    A retried batch may be published twice: subscribers deduplicate on ``batch_id`` and
    ``seq``.
    """

    name = "mqtt"
    in_transaction = False

    def __init__(self, settings: MqttSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._connected = threading.Event()
        client_id = settings.client_id or f"footfall-{socket.gethostname()}-{os.getpid()}"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
        )
        if settings.username is not None:
            self.client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect

    def start(self) -> None:
        """Connect in the background; the client reconnects by itself after a failure."""
        self.client.connect_async(self.settings.host, self.settings.port, keepalive=60)
        self.client.loop_start()
        logger.info(
            "MQTT sink connecting to %s:%d (mode %s, QoS %d)",
            self.settings.host, self.settings.port, self.settings.mode, self.settings.qos,
        )

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()

    def write(self, batch: Batch, connection: Connection | None) -> StoreOutcome | None:
        """Publish the batch's events, then the store's retained live counts."""
        if not self._connected.wait(self.settings.timeout_s):
            raise ConnectionError(
                f"MQTT broker {self.settings.host}:{self.settings.port} is not connected after "
                f"{self.settings.timeout_s:g} s (FOOTFALL_MQTT_TIMEOUT_S); the batch "
                f"{batch.batch_id} will be retried"
            )

        store = topic_level(batch.device.store_name)
        device = topic_level(batch.device.name)
        topic = self.settings.events_topic.format(store=store, device=device)
        pending = [
            self._publish(topic, payload, retain=False) for payload in self._messages(batch)
        ]

        if self.settings.publish_counts:
            with self.db.read() as read_connection:
                counts = read_live_counts(read_connection, batch.device.store_name, now_ms())
            if counts is not None:
                pending.append(self._publish_counts(counts))

        for info in pending:
            self._wait(info)
        return None

    def _messages(self, batch: Batch) -> Iterator[dict[str, Any]]:
        header = {
            "batch_id": batch.batch_id,
            "store": batch.device.store_name,
            "device": batch.device.name,
            "received_ms": batch.received_ms,
        }
        events = [
            {"seq": event.seq, "time_ms": event.time_ms, "direction": event.direction}
            for event in batch.events
        ]
        if self.settings.mode == "batch":
            yield {**header, "events": events}
            return
        for event in events:
            yield {**header, **event}

    def _publish(self, topic: str, payload: dict[str, Any], retain: bool) -> mqtt.MQTTMessageInfo:
        body = json.dumps(payload, separators=(",", ":")).encode()
        info = self.client.publish(topic, body, qos=self.settings.qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(
                f"publishing to MQTT topic {topic!r} failed: {mqtt.error_string(info.rc)}"
            )
        return info

    def _publish_counts(self, counts: LiveCounts) -> mqtt.MQTTMessageInfo:
        topic = self.settings.counts_topic.format(store=topic_level(counts.store))
        return self._publish(topic, counts.to_json(), retain=True)

    def _wait(self, info: mqtt.MQTTMessageInfo) -> None:
        if self.settings.qos == 0:
            return
        try:
            info.wait_for_publish(self.settings.timeout_s)
        except (RuntimeError, ValueError) as error:
            raise ConnectionError(f"MQTT publish failed: {error}") from error
        if not info.is_published():
            raise TimeoutError(
                f"the MQTT broker {self.settings.host}:{self.settings.port} did not acknowledge "
                f"message {info.mid} within {self.settings.timeout_s:g} s"
            )

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        if reason_code.is_failure:
            logger.error(
                "MQTT broker %s:%d refused the connection: %s",
                self.settings.host, self.settings.port, reason_code,
            )
            return
        logger.info("MQTT sink connected to %s:%d", self.settings.host, self.settings.port)
        self._connected.set()
        if self.settings.publish_counts:
            self._republish_counts()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        self._connected.clear()
        if reason_code.is_failure:
            logger.warning(
                "MQTT sink lost the broker %s:%d (%s); reconnecting",
                self.settings.host, self.settings.port, reason_code,
            )

    def _republish_counts(self) -> None:
        # On every (re)connection, so that a retained value never outlives a restart or an
        # outage of this process: a subscriber always finds the counts as of now.
        try:
            with self.db.read() as connection:
                all_counts = read_all_live_counts(connection, now_ms())
        except Exception:
            logger.exception("MQTT sink failed to read the live counts to republish")
            return
        for counts in all_counts:
            self._publish_counts(counts)
        logger.info("MQTT sink republished the live counts of %d stores", len(all_counts))
