"""HTTPS: the uplink verifies the service's certificate before it sends anything."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from footfall.replay.command import replay
from footfall.replay.core import CoreLibrary, load_core
from footfall.replay.uplink import DeviceUplink, urllib_transport

from .conftest import Service

# Each module starts the real service, which takes several seconds.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def core() -> CoreLibrary:
    """Return the core library, built from firmware/lib/footfall_core on first use."""
    return load_core()


def _stored_count(service: Service, newest_s: int) -> int:
    status, body = service.request(
        "GET", f"/getMovements/?date={newest_s}&count=100&api_key={service.device_key}"
    )
    assert status == 200, body
    return len(body["movements"])


def _deliver(uplink: DeviceUplink) -> list[str]:
    actions = []
    now_ms = 0
    for _ in range(6):
        step = uplink.step(now_ms)
        actions.append(step.action)
        now_ms = max(now_ms + 1, step.next_due_ms)
    return actions


def test_untrusted_certificate_sends_nothing(core: CoreLibrary, tls_service: Service) -> None:
    event_ms = (int(time.time()) - 300) * 1000
    uplink = DeviceUplink(
        core,
        base_url=tls_service.base_url,
        api_key=tls_service.device_key,
        transport=urllib_transport(timeout_s=10.0),
    )
    uplink.push("entry", event_ms)

    actions = _deliver(uplink)
    assert set(actions) == {"failed"}
    assert uplink.depth() == 1
    assert _stored_count(tls_service, event_ms // 1000 + 5) == 0


def test_trusted_certificate_delivers(core: CoreLibrary, tls_service: Service) -> None:
    assert tls_service.certificate is not None
    event_ms = (int(time.time()) - 200) * 1000
    uplink = DeviceUplink(
        core,
        base_url=tls_service.base_url,
        api_key=tls_service.device_key,
        transport=urllib_transport(timeout_s=10.0, ca_file=tls_service.certificate),
    )
    uplink.push("exit", event_ms)

    actions = _deliver(uplink)
    assert "sent_batch" in actions
    assert uplink.depth() == 0
    assert _stored_count(tls_service, event_ms // 1000 + 5) == 1


def test_replay_post_over_https(mot_dir: Path, tls_service: Service) -> None:
    assert tls_service.certificate is not None
    arguments = [
        str(mot_dir / "TUD-Stadtmitte"),
        "--line",
        "0.5,0,0.5,1",
        "--inside",
        "1,0.5",
        "--post",
        tls_service.base_url,
        "--key",
        tls_service.device_key,
        "--start",
        "2024-05-06T09:00:00+02:00",
    ]
    refused = CliRunner().invoke(replay, arguments)
    assert refused.exit_code == 1
    assert "certificate is trusted" in refused.output

    accepted = CliRunner().invoke(replay, [*arguments, "--ca-file", str(tls_service.certificate)])
    assert accepted.exit_code == 0, accepted.output
    assert "posted to https://127.0.0.1" in accepted.output
