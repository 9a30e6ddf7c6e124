"""Settings of the MQTT sink, read from ``FOOTFALL_MQTT_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

__all__ = ["MqttSettings", "MqttSettingsError"]

DEFAULT_EVENTS_TOPIC = "footfall/{store}/{device}/events"
DEFAULT_COUNTS_TOPIC = "footfall/{store}/occupancy"


class MqttSettingsError(ValueError):
    """Raised when a ``FOOTFALL_MQTT_*`` variable contains a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class MqttSettings:
    """Broker address and publishing options of the MQTT sink."""

    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    events_topic: str
    """Topic template of event messages, with ``{store}`` and ``{device}`` placeholders."""
    counts_topic: str
    """Topic template of the retained live counts, with a ``{store}`` placeholder."""
    qos: Literal[0, 1, 2]
    mode: Literal["batch", "event"]
    """``batch``: one message per committed batch; ``event``: one message per event."""
    publish_counts: bool
    timeout_s: float
    """How long a delivery waits for the broker (connection and acknowledgement), in seconds."""
    client_id: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MqttSettings | None:
        """Read the settings; return ``None`` when FOOTFALL_MQTT_URL is unset (sink off)."""
        env = os.environ if environ is None else environ
        url = env.get("FOOTFALL_MQTT_URL", "").strip()
        if not url:
            return None

        parts = urlsplit(url)
        if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname:
            raise MqttSettingsError(
                f"FOOTFALL_MQTT_URL={parts.scheme}://{parts.hostname or ''}... is not a broker "
                "URL: use mqtt://HOST:PORT or mqtts://USER:PASSWORD@HOST:PORT"
            )
        tls = parts.scheme == "mqtts"

        qos_text = env.get("FOOTFALL_MQTT_QOS", "1").strip() or "1"
        if qos_text not in {"0", "1", "2"}:
            raise MqttSettingsError(f"FOOTFALL_MQTT_QOS={qos_text!r} is not a QoS: use 0, 1 or 2")
        qos_levels: dict[str, Literal[0, 1, 2]] = {"0": 0, "1": 1, "2": 2}
        qos = qos_levels[qos_text]

        mode_text = (env.get("FOOTFALL_MQTT_MODE", "batch").strip() or "batch").lower()
        if mode_text not in {"batch", "event"}:
            raise MqttSettingsError(
                f"FOOTFALL_MQTT_MODE={mode_text!r} is not a mode: use batch (one message per "
                "batch) or event (one message per event)"
            )
        mode: Literal["batch", "event"] = "batch" if mode_text == "batch" else "event"

        timeout_text = env.get("FOOTFALL_MQTT_TIMEOUT_S", "5").strip() or "5"
        try:
            timeout_s = float(timeout_text)
        except ValueError:
            timeout_s = -1.0
        if timeout_s <= 0:
            raise MqttSettingsError(
                f"FOOTFALL_MQTT_TIMEOUT_S={timeout_text!r} must be a positive number of seconds"
            )

        counts_text = env.get("FOOTFALL_MQTT_RETAIN_COUNTS", "1").strip().lower() or "1"
        if counts_text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise MqttSettingsError(
                f"FOOTFALL_MQTT_RETAIN_COUNTS={counts_text!r} is not a boolean: use 1 or 0"
            )

        events_topic = env.get("FOOTFALL_MQTT_TOPIC", "").strip() or DEFAULT_EVENTS_TOPIC
        counts_topic = env.get("FOOTFALL_MQTT_COUNTS_TOPIC", "").strip() or DEFAULT_COUNTS_TOPIC
        _check_template("FOOTFALL_MQTT_TOPIC", events_topic, {"store", "device"})
        _check_template("FOOTFALL_MQTT_COUNTS_TOPIC", counts_topic, {"store"})

        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            events_topic=events_topic,
            counts_topic=counts_topic,
            qos=qos,
            mode=mode,
            publish_counts=counts_text in {"1", "true", "yes", "on"},
            timeout_s=timeout_s,
            client_id=env.get("FOOTFALL_MQTT_CLIENT_ID", "").strip(),
        )


def _check_template(variable: str, template: str, allowed: set[str]) -> None:
    try:
        template.format(**{name: "x" for name in allowed})
    except (KeyError, IndexError, ValueError) as error:
        names = ", ".join("{" + name + "}" for name in sorted(allowed))
        raise MqttSettingsError(
            f"{variable}={template!r} is not a valid topic template ({error}): use only the "
            f"placeholders {names}"
        ) from None
    if "+" in template or "#" in template:
        raise MqttSettingsError(
            f"{variable}={template!r} contains an MQTT wildcard (+ or #), which a published "
            "topic may not contain"
        )
