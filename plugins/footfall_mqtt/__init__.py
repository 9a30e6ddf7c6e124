"""MQTT event sink: publishes committed events and retained live counts per store.

Inert unless ``FOOTFALL_MQTT_URL`` is set, so a service without the ``mqtt`` extra starts.
Settings (see ``docs/deployment.md``): ``FOOTFALL_MQTT_URL`` (``mqtt://HOST:PORT``,
``mqtts://USER:PASSWORD@HOST:PORT``), ``FOOTFALL_MQTT_TOPIC``, ``FOOTFALL_MQTT_COUNTS_TOPIC``,
``FOOTFALL_MQTT_QOS``, ``FOOTFALL_MQTT_MODE`` (``batch`` or ``event``),
``FOOTFALL_MQTT_RETAIN_COUNTS``, ``FOOTFALL_MQTT_TIMEOUT_S`` and ``FOOTFALL_MQTT_CLIENT_ID``.
"""

from __future__ import annotations

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.hookspecs import hookimpl
from footfall.plugin_types import EventSink
from footfall.plugins import PluginLoadError
from footfall_mqtt.config import MqttSettings, MqttSettingsError

__all__ = ["MqttSettings", "MqttSettingsError", "footfall_event_sinks"]


@hookimpl
def footfall_event_sinks(settings: Settings) -> list[EventSink]:
    """Return the MQTT sink when FOOTFALL_MQTT_URL is set, else nothing."""
    mqtt_settings = MqttSettings.from_env()
    if mqtt_settings is None:
        return []

    try:
        # Imported here, so that the service starts without paho-mqtt when MQTT is off.
        from footfall_mqtt.sink import MqttSink  # noqa: PLC0415
    except ImportError as error:
        raise PluginLoadError(
            f"FOOTFALL_MQTT_URL is set but the MQTT client library is missing ({error}): "
            "install the extra with `pip install 'footfall[mqtt]'`, or unset FOOTFALL_MQTT_URL"
        ) from error

    sink = MqttSink(mqtt_settings, Database(settings))
    sink.start()
    return [sink]
