"""The real server's log: start, stop and rejected requests, and never a key."""

from __future__ import annotations

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
