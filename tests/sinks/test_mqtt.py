"""The MQTT sink against a real Mosquitto broker: messages, QoS, retained live counts."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.plugins import PluginLoadError
from tests.helpers import Seeder
from tests.sinks.conftest import Broker, Subscriber, subscribe


def _now_s() -> float:
    return time.time()


@dataclasses.dataclass
class Shop:
    store_id: int
    device_id: int
    key: str


@pytest.fixture
def shop(seed: Seeder) -> Shop:
    store_id = seed.store("Main/Street", "Europe/Berlin", reset_hour=0)
    device_id = seed.device("front-door", store_id)
    return Shop(store_id, device_id, seed.key("device", device_id=device_id))


def _start(settings: Settings, monkeypatch: pytest.MonkeyPatch, broker: Broker,
           **env: str) -> Iterator[TestClient[Litestar]]:
    from footfall.app import create_app

    monkeypatch.setenv("FOOTFALL_MQTT_URL", broker.url)
    monkeypatch.setenv("FOOTFALL_MQTT_TIMEOUT_S", "5")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(dataclasses.replace(settings, outbox_poll_s=0.1))
    with TestClient(app=app) as client:
        yield client
    for sink in app.state["footfall"].sinks.after_commit:
        if sink.name == "mqtt":
            sink.stop()


def _post(client: TestClient[Litestar], key: str, events: list[dict[str, Any]]) -> None:
    response = client.post(
        "/api/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text


def _events(directions: str, first_seq: int = 1) -> list[dict[str, Any]]:
    now = _now_s()
    return [
        {"seq": first_seq + index, "time": now - 60 + index, "direction":
         "entry" if letter == "e" else "exit"}
        for index, letter in enumerate(directions)
    ]


EVENTS_TOPIC = "footfall/Main%2FStreet/front-door/events"
COUNTS_TOPIC = "footfall/Main%2FStreet/occupancy"


def test_batch_mode_one_message_per_batch(
    settings: Settings, db: Database, shop: Shop, broker: Broker, subscriber: Subscriber,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for client in _start(settings, monkeypatch, broker):
        _post(client, shop.key, _events("eex"))
        message = subscriber.next(EVENTS_TOPIC)

    assert message.payload["store"] == "Main/Street"
    assert message.payload["device"] == "front-door"
    assert [event["seq"] for event in message.payload["events"]] == [1, 2, 3]
    assert [event["direction"] for event in message.payload["events"]] == [
        "entry", "entry", "exit"
    ]
    assert message.qos == 1
    assert not message.retain
    assert len(message.payload["batch_id"]) == 32


def test_event_mode_one_message_per_event(
    settings: Settings, db: Database, shop: Shop, broker: Broker, subscriber: Subscriber,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for client in _start(settings, monkeypatch, broker, FOOTFALL_MQTT_MODE="event",
                         FOOTFALL_MQTT_QOS="2", FOOTFALL_MQTT_TOPIC="shops/{store}/{device}"):
        _post(client, shop.key, _events("exe"))
        messages = [subscriber.next("shops/Main%2FStreet/front-door") for _ in range(3)]

    assert [message.payload["seq"] for message in messages] == [1, 2, 3]
    assert [message.payload["direction"] for message in messages] == ["entry", "exit", "entry"]
    assert {message.qos for message in messages} == {2}
    assert len({message.payload["batch_id"] for message in messages}) == 1


def test_live_counts_are_retained(
    settings: Settings, db: Database, shop: Shop, broker: Broker, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for client in _start(settings, monkeypatch, broker):
        early = subscribe(broker, COUNTS_TOPIC)
        early.next(COUNTS_TOPIC)  # the value published at connection, before any event
        _post(client, shop.key, _events("eeex"))
        live = early.next(COUNTS_TOPIC)
        early.stop()

    assert live.payload["entries"] == 3
    assert live.payload["exits"] == 1
    assert live.payload["occupancy"] == 2

    # A subscriber that arrives later gets the last value from the broker alone.
    late = subscribe(broker, COUNTS_TOPIC)
    retained = late.next(COUNTS_TOPIC)
    late.stop()
    assert retained.retain
    assert retained.payload["entries"] == 3
    assert retained.payload["exits"] == 1
    assert retained.payload["zone"] == "Europe/Berlin"


def test_restart_replaces_stale_retained_counts(
    settings: Settings, db: Database, shop: Shop, broker: Broker, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first run stores two entries; then, while the service is down, a stale retained
    # value is left on the broker, as after a crash between commit and publish.
    for client in _start(settings, monkeypatch, broker):
        _post(client, shop.key, _events("ee"))
        subscriber = subscribe(broker, COUNTS_TOPIC)
        while subscriber.next(COUNTS_TOPIC).payload["entries"] != 2:
            pass
        subscriber.stop()

    import paho.mqtt.client as mqtt

    stale = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    stale.connect("127.0.0.1", broker.port)
    stale.loop_start()
    stale_value = b'{"entries": 99, "exits": 0}'
    stale.publish(COUNTS_TOPIC, stale_value, qos=1, retain=True).wait_for_publish(5)
    stale.disconnect()
    stale.loop_stop()

    for _client in _start(settings, monkeypatch, broker):
        subscriber = subscribe(broker, COUNTS_TOPIC)
        values = [subscriber.next(COUNTS_TOPIC).payload["entries"]]
        if values[0] == 99:
            values.append(subscriber.next(COUNTS_TOPIC).payload["entries"])
        subscriber.stop()

    assert values[-1] == 2


def test_unreachable_broker_raises_for_retry(
    settings: Settings, db: Database, shop: Shop, broker: Broker,
) -> None:
    from footfall_mqtt.config import MqttSettings
    from footfall_mqtt.sink import MqttSink

    from footfall.plugin_types import Batch, DeviceRef, IngestEvent

    port = broker.port
    broker.stop()
    sink = MqttSink(
        MqttSettings.from_env({"FOOTFALL_MQTT_URL": f"mqtt://127.0.0.1:{port}",
                               "FOOTFALL_MQTT_TIMEOUT_S": "0.5"}),  # type: ignore[arg-type]
        db,
    )
    sink.start()
    batch = Batch(
        batch_id="b" * 32,
        device=DeviceRef(id=shop.device_id, name="front-door", store_id=shop.store_id,
                         store_name="Main/Street"),
        events=(IngestEvent(seq=1, time_ms=int(_now_s() * 1000), is_entry=True),),
        received_ms=int(_now_s() * 1000),
        dialect="v1",
    )
    try:
        with pytest.raises(ConnectionError, match="not connected"):
            sink.write(batch, None)
    finally:
        sink.stop()


def test_unset_url_loads_no_sink(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    import footfall_mqtt

    monkeypatch.delenv("FOOTFALL_MQTT_URL", raising=False)
    assert footfall_mqtt.footfall_event_sinks(settings=settings) == []


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    import footfall_mqtt

    monkeypatch.setenv("FOOTFALL_MQTT_URL", "mqtt://127.0.0.1:1")
    # A None entry in sys.modules makes the import fail as if paho-mqtt were not installed.
    for name in ("paho", "paho.mqtt", "paho.mqtt.client", "footfall_mqtt.sink"):
        monkeypatch.setitem(sys.modules, name, None)

    with pytest.raises(PluginLoadError, match=r"footfall\[mqtt\]"):
        footfall_mqtt.footfall_event_sinks(settings=settings)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FOOTFALL_MQTT_URL", "http://127.0.0.1:1883", "not a broker URL"),
        ("FOOTFALL_MQTT_QOS", "3", "not a QoS"),
        ("FOOTFALL_MQTT_MODE", "stream", "not a mode"),
        ("FOOTFALL_MQTT_TOPIC", "shops/{shop}", "not a valid topic template"),
        ("FOOTFALL_MQTT_COUNTS_TOPIC", "shops/+/{store}", "wildcard"),
        ("FOOTFALL_MQTT_TIMEOUT_S", "0", "positive number"),
    ],
)
def test_invalid_settings_are_rejected(variable: str, value: str, message: str) -> None:
    from footfall_mqtt.config import MqttSettings, MqttSettingsError

    environ = {"FOOTFALL_MQTT_URL": "mqtt://127.0.0.1:1883", variable: value}
    with pytest.raises(MqttSettingsError, match=message):
        MqttSettings.from_env(environ)
