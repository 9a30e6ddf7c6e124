"""The core's uplink (C, through ctypes) against the real service on 127.0.0.1.

Only the network is faked: a transport that forwards to the real service
unless the test has cut the link, and that can lose a response after the
service has stored the batch. Time is the uplink's injected uptime, so 37 s of
outage take no wall-clock time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from footfall.replay.core import CoreLibrary, load_core
from footfall.replay.uplink import (
    DeviceUplink,
    HttpAnswer,
    HttpExchange,
    UplinkResult,
    urllib_transport,
)

from .conftest import Service

OUTAGE_MS = 37_000


@dataclass
class FaultyNetwork:
    """Forwards to the real service, except while down or when a response is to be lost."""

    now_ms: int = 0
    down_until_ms: int = -1
    lose_next_batch_response: bool = False
    batches_delivered: list[list[dict[str, Any]]] = field(default_factory=list)
    refused: int = 0
    lost_responses: int = 0

    def __post_init__(self) -> None:
        self._real = urllib_transport(timeout_s=30.0)

    def send(self, exchange: HttpExchange) -> HttpAnswer | None:
        if self.now_ms < self.down_until_ms:
            self.refused += 1
            return None

        answer = self._real(exchange)
        is_batch = exchange.url.endswith("/api/v1/events") and exchange.body is not None
        events = json.loads(exchange.body)["events"] if is_batch and exchange.body else []
        if events and answer is not None and answer.status == 200:
            self.batches_delivered.append(events)
            if self.lose_next_batch_response:
                # The service stored the batch, but the device never hears back,
                # and the link then stays down for the outage.
                self.lose_next_batch_response = False
                self.lost_responses += 1
                self.down_until_ms = self.now_ms + OUTAGE_MS
                return None
        return answer


def _run(uplink: DeviceUplink, network: FaultyNetwork, until_ms: int) -> list[UplinkResult]:
    """Step the uplink on its own schedule until `until_ms` of uptime."""
    steps = []
    for _ in range(500):
        if network.now_ms >= until_ms:
            break
        step = uplink.step(network.now_ms)
        steps.append(step)
        network.now_ms = min(until_ms, max(network.now_ms + 1, step.next_due_ms))
    return steps


@pytest.fixture(scope="module")
def core() -> CoreLibrary:
    """Return the core library, built from firmware/lib/footfall_core on first use."""
    return load_core()


def test_uplink_outage_and_lost_response(core: CoreLibrary, service: Service) -> None:
    network = FaultyNetwork(lose_next_batch_response=True)
    uplink = DeviceUplink(
        core,
        base_url=service.base_url,
        api_key=service.device_key,
        transport=network.send,
        boot_id="outage-test",
        seed=7,
    )
    # Device times a few minutes in the past, with millisecond fractions.
    start_ms = (int(time.time()) - 600) * 1000 + 250
    device_times_ms = [start_ms, start_ms + 1_500, start_ms + 12_125, start_ms + 30_999]
    directions = ["entry", "entry", "exit", "entry"]

    uplink.push(directions[0], device_times_ms[0])
    first = _run(uplink, network, until_ms=20_000)
    assert network.lost_responses == 1
    assert len(network.batches_delivered) == 1
    assert uplink.depth() == 1, "a batch whose response was lost must stay queued"

    # Three more visitors while the link is down.
    outage_end_ms = network.down_until_ms
    for direction, time_ms in zip(directions[1:], device_times_ms[1:], strict=True):
        uplink.push(direction, time_ms)
    during = _run(uplink, network, until_ms=outage_end_ms)
    assert network.refused >= 2
    failed = [step for step in first + during if step.action == "failed"]
    # Exponential backoff from 1 s: at most a handful of attempts in 37 s.
    assert 2 <= len(failed) <= 10
    assert uplink.depth() == 4

    after = _run(uplink, network, until_ms=outage_end_ms + 120_000)
    assert uplink.depth() == 0
    sent = [step for step in after if step.action == "sent_batch"]
    assert sum(step.accepted for step in sent) == 3
    assert sum(step.duplicates for step in sent) == 1

    newest_s = device_times_ms[-1] // 1000 + 5
    status, body = service.request(
        "GET", f"/getMovements/?date={newest_s}&count=100&api_key={service.device_key}"
    )
    assert status == 200, body
    movements = body["movements"]
    assert len(movements) == 4
    stored = sorted((round(item["timestamp"] * 1000), item["is_entry"]) for item in movements)
    expected = sorted(
        (time_ms, direction == "entry")
        for time_ms, direction in zip(device_times_ms, directions, strict=True)
    )
    assert stored == expected


def test_uplink_heartbeat_reaches_service(core: CoreLibrary, service: Service) -> None:
    network = FaultyNetwork()
    uplink = DeviceUplink(
        core,
        base_url=service.base_url,
        api_key=service.device_key,
        transport=network.send,
        boot_id="heartbeat-test",
        firmware="9.9.9",
    )
    uplink.set_status(fps=6.5, camera="fault", rssi_dbm=-61, free_heap=123456)
    steps = _run(uplink, network, until_ms=3_000)
    assert any(step.action == "sent_heartbeat" for step in steps)

    status, body = service.request("GET", "/api/v1/stores", key=service.admin_key)
    assert status == 200, body
    devices = [device for store in body["stores"] for device in store["devices"]]
    reported = next(device for device in devices if device["name"] == service.device)
    assert reported["status"]["boot_id"] == "heartbeat-test"
    assert reported["status"]["camera"] == "fault"
    assert reported["status"]["firmware"] == "9.9.9"
    assert reported["status"]["rssi_dbm"] == -61
