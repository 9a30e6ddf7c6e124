"""No API key in error bodies or metrics, and the session's log check finds a planted key."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from tests.security.conftest import World
from tests.security.key_leaks import WATCH, find_leaks


def test_log_check_finds_planted_key() -> None:
    key = "ff_" + "A" * 43
    lines = [("logger footfall", "Rejected GET /api/v1/me with 401"),
             ("server.log", f"GET /getMovements/?api_key={key} 200")]

    leaks = find_leaks([key], lines)

    assert leaks == [("server.log", "ff_AAAAA...")]


def test_created_keys_are_watched(world: World) -> None:
    assert world.keys["admin"] in WATCH.keys
    assert world.keys["device"] in WATCH.keys


def test_error_bodies_never_echo_keys(client: TestClient[Litestar], world: World) -> None:
    revoked = str(world.keys["revoked"])
    device = str(world.keys["device"])
    answers = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {revoked}"}),
        client.get("/api/v1/stores", headers={"Authorization": f"Bearer {device}"}),
        client.get(f"/getMovements/?date=oops&count=1&api_key={device}"),
        client.post(f"/movements/?api_key={device}", content=b"{broken"),
        client.post("/api/v1/events", content=b"[", headers={"X-API-Key": device}),
        client.get(f"/api/v1/me?api_key={device}"),
    ]

    for answer in answers:
        assert answer.status_code >= 400
        assert revoked not in answer.text
        assert device not in answer.text
        assert revoked[:12] not in answer.text


def test_metrics_never_show_keys(client: TestClient[Litestar], world: World) -> None:
    device = str(world.keys["device"])
    client.get(f"/getMovements/?date=1&count=1&api_key={device}")
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {world.keys['revoked']}"})

    metrics = client.get("/metrics")

    assert metrics.status_code == 200
    for key in world.keys.values():
        if key is not None:
            assert key not in metrics.text
