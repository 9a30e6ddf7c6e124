"""Fixtures of the sink tests: a real Mosquitto broker and an MQTT subscriber on 127.0.0.1."""

from __future__ import annotations

import json
import queue
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port

paho = pytest.importorskip("paho.mqtt.client", reason="the mqtt extra (paho-mqtt) is missing")


@dataclass
class Broker:
    """A Mosquitto process listening on 127.0.0.1."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_broker(directory: Path, port: int | None = None) -> Broker:
    """Start Mosquitto with a configuration of its own and wait until it accepts connections."""
    executable = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(executable).exists():
        pytest.skip("mosquitto is not installed: install the Debian package mosquitto")

    port = port or free_port()
    config = directory / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        "persistence false\n"
        # As root, Mosquitto would switch to its own user, which cannot read the test folder.
        "user root\n"
    )
    log_path = directory / "mosquitto.log"
    process = subprocess.Popen(
        [executable, "-c", str(config), "-v"],
        stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
    )
    broker = Broker(port=port, process=process, log_path=log_path)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mosquitto exited early:\n{log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return broker
        except OSError:
            time.sleep(0.05)
    broker.stop()
    raise AssertionError(f"mosquitto did not listen within 20 s:\n{log_path.read_text()}")


@dataclass
class Message:
    """One received MQTT message."""

    topic: str
    payload: Any
    qos: int
    retain: bool


@dataclass
class Subscriber:
    """An MQTT client that queues every message of the topics it subscribed to."""

    client: Any
    messages: queue.Queue[Message] = field(default_factory=queue.Queue)

    def next(self, topic: str, timeout_s: float = 20.0) -> Message:
        """Return the next message on ``topic``, skipping others; fail after the timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no message on {topic!r} within {timeout_s} s")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message.topic == topic:
                return message

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def subscribe(broker: Broker, topic: str = "#", qos: int = 2) -> Subscriber:
    """Connect a subscriber to ``topic`` and wait until the broker confirmed it."""
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"test-{free_port()}")
    subscriber = Subscriber(client=client)
    subscribed = queue.Queue[bool]()

    def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        client.subscribe(topic, qos=qos)

    def on_subscribe(client: Any, userdata: Any, mid: Any, reasons: Any, props: Any) -> None:
        subscribed.put(True)

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        subscriber.messages.put(
            Message(
                topic=message.topic,
                payload=json.loads(message.payload),
                qos=message.qos,
                retain=bool(message.retain),
            )
        )

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    subscribed.get(timeout=10)
    return subscriber


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A Mosquitto broker of this test alone."""
    running = start_broker(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def subscriber(broker: Broker) -> Iterator[Subscriber]:
    """A subscriber to every topic of the broker."""
    client = subscribe(broker)
    yield client
    client.stop()
