"""The core's uplink and pipeline (C, through ctypes) against the real service on 127.0.0.1.

Only the network and the camera are faked. The transport forwards to the real
service unless the test has cut the link, and can lose a response after the
service has stored the batch. The camera is a list of captures, each a set of
detector boxes or a failure. Time is the core's injected uptime, so 37 s of
outage take no wall-clock time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from footfall.replay.core import CoreLibrary, Detection, load_core
from footfall.replay.device import SimulatedDevice
from footfall.replay.run import service_last_seq
from footfall.replay.uplink import (
    DeviceUplink,
    HttpAnswer,
    HttpExchange,
    UplinkResult,
    urllib_transport,
)

from .conftest import Service

# Each module starts the real service, which takes several seconds.
pytestmark = pytest.mark.slow

OUTAGE_MS = 37_000
FRAME_MS = 143


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


def _continue_numbering(uplink: DeviceUplink, service: Service) -> None:
    """Number new events after the device's stored ones, as a device with flash does.

    Every test here starts a new RAM queue for the same device, whose numbers
    would otherwise restart at 0 and be taken as duplicates.
    """
    send = urllib_transport(timeout_s=30.0)
    uplink.resume_after(service_last_seq(send, service.base_url, service.device_key))


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
    _continue_numbering(uplink, service)
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
    _continue_numbering(uplink, service)
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


class RecordingNetwork:
    """Forwards to the real service and keeps every heartbeat body sent."""

    def __init__(self) -> None:
        self._real = urllib_transport(timeout_s=30.0)
        self.heartbeats: list[dict[str, object]] = []

    def send(self, exchange: HttpExchange) -> HttpAnswer | None:
        if exchange.url.endswith("/api/v1/devices/me/status") and exchange.body is not None:
            self.heartbeats.append(json.loads(exchange.body))
        return self._real(exchange)


def _device_of(
    core: CoreLibrary, service: Service, network: RecordingNetwork, boot_id: str
) -> SimulatedDevice:
    """Return a simulated device of the service's test device, numbering after its events."""
    device = SimulatedDevice(
        core,
        base_url=service.base_url,
        api_key=service.device_key,
        transport=network.send,
        boot_id=boot_id,
    )
    _continue_numbering(device.uplink, service)
    return device


def _person(y: float) -> list[Detection]:
    return [Detection(x=0.45, y=y - 0.10, w=0.10, h=0.20, score=0.9)]


def test_camera_fault_heartbeat_and_reinit(core: CoreLibrary, service: Service) -> None:
    network = RecordingNetwork()
    device = _device_of(core, service, network, "camera-fault-test")
    device.set_clock(0, (int(time.time()) - 900) * 1000)
    now_ms = 0
    queued = 0

    def capture(boxes: list[Detection] | None) -> None:
        nonlocal now_ms, queued
        queued += device.capture(now_ms, boxes)
        # Run every uplink step due by now, as the uplink task would between frames.
        for _ in range(20):
            if device.uplink.next_due_ms() > now_ms:
                break
            device.uplink.step(now_ms)
        now_ms += FRAME_MS

    # Two good frames with a person outside the line, then the camera fails.
    capture(_person(0.30))
    capture(_person(0.35))
    for _ in range(12):
        capture(None)
    # The person crossed while the camera was blind, then frames return.
    for y in (0.70, 0.75, 0.80, 0.85, 0.90, 0.92):
        capture(_person(y))

    assert device.reinits == 1
    cameras = [heartbeat["camera"] for heartbeat in network.heartbeats]
    assert cameras.count("fault") == 1
    assert cameras[-1] == "ok"
    assert queued == 0
    assert device.uplink.depth() == 0

    status, body = service.request("GET", "/api/v1/stores", key=service.admin_key)
    assert status == 200, body
    devices = [item for store in body["stores"] for item in store["devices"]]
    reported = next(item for item in devices if item["name"] == service.device)
    assert reported["status"]["boot_id"] == "camera-fault-test"
    assert reported["status"]["camera"] == "ok"


def test_events_before_sntp_get_wall_time(core: CoreLibrary, service: Service) -> None:
    network = RecordingNetwork()
    device = _device_of(core, service, network, "clock-test")
    # A person walks in while the clock is still unknown (no SNTP yet).
    walk = [0.20, 0.30, 0.40, 0.48, 0.56, 0.64, 0.72, 0.80, 0.88]
    queued = 0
    for index, y in enumerate(walk):
        queued += device.capture(1_000 + index * FRAME_MS, _person(y))
    assert queued == 1

    # Unstamped events are not sent: there is no wall time to send yet.
    for now_ms in range(2_500, 20_000, 2_500):
        device.uplink.step(now_ms)
    assert device.uplink.depth() == 1

    # SNTP syncs at uptime 30 s; the entry happened at uptime 1 s + 4 frames.
    boot_epoch_ms = (int(time.time()) - 1_800) * 1000
    device.set_clock(30_000, boot_epoch_ms + 30_000)
    now_ms = 30_000
    for _ in range(20):
        if device.uplink.depth() == 0:
            break
        step = device.uplink.step(now_ms)
        now_ms = max(now_ms + 1, step.next_due_ms)
    assert device.uplink.depth() == 0

    status, body = service.request(
        "GET",
        f"/getMovements/?date={boot_epoch_ms // 1000 + 60}&count=10&api_key={service.device_key}",
    )
    assert status == 200, body
    entries = [item for item in body["movements"] if item["timestamp"] >= boot_epoch_ms / 1000]
    assert len(entries) == 1
    assert entries[0]["is_entry"] is True
    # Stamped from its own capture uptime, between the first and the last frame of the walk.
    offset_ms = entries[0]["timestamp"] * 1000 - boot_epoch_ms
    assert 1_000 <= offset_ms <= 1_000 + len(walk) * FRAME_MS


def test_legacy_protocol_stores_events(core: CoreLibrary, service: Service) -> None:
    network = FaultyNetwork()
    uplink = DeviceUplink(
        core,
        base_url=service.base_url,
        api_key=service.device_key,
        transport=network.send,
        protocol="legacy",
    )
    _continue_numbering(uplink, service)
    start_ms = (int(time.time()) - 1_200) * 1000
    uplink.push("entry", start_ms)
    uplink.push("exit", start_ms + 2_000)
    _run(uplink, network, until_ms=30_000)
    assert uplink.depth() == 0

    status, body = service.request(
        "GET", f"/getMovements/?date={start_ms // 1000 + 3}&count=10&api_key={service.device_key}"
    )
    assert status == 200, body
    legacy = [item for item in body["movements"] if item["timestamp"] >= start_ms / 1000]
    assert [item["is_entry"] for item in legacy] == [False, True]


def test_settings_fetched_stored_and_applied(core: CoreLibrary, service: Service) -> None:
    service.cli(
        "devices",
        "settings",
        service.device,
        "--line",
        "0.2,0.2,0.8,0.8",
        "--inside",
        "0.8,0.2",
        "--band",
        "0.03",
    )
    network = RecordingNetwork()
    device = _device_of(core, service, network, "settings-test")
    device.set_clock(0, (int(time.time()) - 2_400) * 1000)

    # The first steps send the heartbeat and fetch the config.
    actions = [device.uplink.step(now_ms).action for now_ms in (0, 1, 2)]
    assert "fetched_config" in actions
    applied = device.apply_new_settings()
    assert applied is not None
    assert applied.line_start.x == pytest.approx(0.2)
    assert applied.inside.y == pytest.approx(0.2)
    assert applied.band == pytest.approx(0.03)

    etag, stored_json, saves = device.uplink.stored_settings()
    assert saves == 1
    assert etag != ""
    assert json.loads(stored_json)["line"]["inside"] == [0.8, 0.2]

    # The next poll revalidates with If-None-Match and gets 304: nothing new.
    later = [device.uplink.step(now_ms).action for now_ms in (61_000, 61_001, 61_002)]
    assert "fetched_config" in later
    assert device.apply_new_settings() is None
    assert device.uplink.stored_settings()[2] == 1

    # The new diagonal line counts at once: a walk from its outside to its inside.
    queued = 0
    now_ms = 70_000
    for _ in range(3):
        queued += device.capture(now_ms, [])
        now_ms += FRAME_MS
    for x, y in [
        (0.30, 0.60),
        (0.40, 0.55),
        (0.50, 0.45),
        (0.60, 0.40),
        (0.70, 0.35),
        (0.75, 0.30),
    ]:
        queued += device.capture(
            now_ms, [Detection(x=x - 0.05, y=y - 0.1, w=0.1, h=0.2, score=0.9)]
        )
        now_ms += FRAME_MS
    assert queued == 1
