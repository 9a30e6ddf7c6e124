"""The real server's log: start, stop and rejected requests, and never a key."""

from __future__ import annotations

import socket
import time

import httpx

from tests.helpers import LiveServer


def test_log_lines_and_no_key(live_server: LiveServer) -> None:
    live_server.cli("stores", "create", "Log Shop", "--timezone", "UTC")
    live_server.cli("devices", "create", "log-door", "--store", "Log Shop")
    output = live_server.cli("keys", "create", "--role", "device", "--device", "log-door")
    key = output.strip().splitlines()[-1]

    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        stored = http.post(f"/movements/?api_key={key}", json=[{"time": 1.7e9, "form": True}])
        read = http.get(f"/getMovements/?date=1800000000&count=5&api_key={key}")
        bad = http.post("/api/v1/events", content=b"{oops", headers={"X-API-Key": key})
    live_server.stop()
    log = live_server.log_path.read_text()

    assert stored.status_code == 200
    assert read.status_code == 200
    assert bad.status_code == 400
    assert key not in log
    assert "api_key=[redacted]" in log
    assert "Footfall 0.1.0 started" in log
    assert "Footfall stopped" in log
    assert "Rejected POST /api/v1/events with 400" in log
    assert "(device log-door)" in log


def test_body_cut_off_logs_one_line(live_server: LiveServer) -> None:
    live_server.cli("stores", "create", "Cut Shop", "--timezone", "UTC")
    live_server.cli("devices", "create", "cut-door", "--store", "Cut Shop")
    output = live_server.cli("keys", "create", "--role", "device", "--device", "cut-door")
    key = output.strip().splitlines()[-1]
    host, port = live_server.url.removeprefix("http://").split(":")

    # The headers promise 1,000 bytes; the connection closes after 40 of them.
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /api/v1/events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: 1000\r\n\r\n".encode()
            + b'{"events": [{"seq": 1, "time": 17000000'
        )
    _wait_for_log(live_server, "disconnected before sending the whole body")
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        after = http.post(
            "/api/v1/events",
            json={"events": [{"seq": 1, "time": 1.7e9, "direction": "entry"}]},
            headers={"Authorization": f"Bearer {key}"},
        )
    live_server.stop()
    log = live_server.log_path.read_text()

    assert after.status_code == 200
    assert after.json()["accepted"] == 1
    assert "Unhandled error" not in log
    assert "Traceback" not in log


def _wait_for_log(live_server: LiveServer, text: str) -> None:
    for _ in range(500):
        if text in live_server.log_path.read_text():
            return
        time.sleep(0.02)
    raise AssertionError(f"the server log never contained {text!r}")
