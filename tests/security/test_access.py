"""Access control: every route against every kind of caller, and what viewers may see.

Callers: no key, a wrong key, a revoked key, the device key of store Alpha's device, the
device key of store Beta's device, a viewer of Alpha, a viewer of Beta, and an admin. Every
route that reads a store is asked about Alpha.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.security.conftest import T0, World

CALLERS = ("none", "wrong", "revoked", "device", "other_device", "viewer", "other_viewer",
           "admin")
UNAUTHENTICATED = {"none": 401, "wrong": 401, "revoked": 401}

RANGE = "start=2023-11-14T00:00:00Z&end=2023-11-16T00:00:00Z"


def _statuses(**by_caller: int) -> dict[str, int]:
    return {**UNAUTHENTICATED, **by_caller}


ANY_KEY = _statuses(device=200, other_device=200, viewer=200, other_viewer=200, admin=200)
READER = _statuses(device=403, other_device=403, viewer=200, other_viewer=200, admin=200)
ALPHA_READER = _statuses(device=403, other_device=403, viewer=200, other_viewer=403, admin=200)
DEVICE = _statuses(device=200, other_device=200, viewer=403, other_viewer=403, admin=403)
LEGACY_READER = _statuses(device=200, other_device=200, viewer=200, other_viewer=200,
                          admin=200)
PUBLIC = dict.fromkeys(CALLERS, 200)


def _admin_only(status: int) -> dict[str, int]:
    return _statuses(device=403, other_device=403, viewer=403, other_viewer=403, admin=status)


HEARTBEAT = {
    "boot_id": "b1", "uptime_s": 5, "firmware": "1.0.0", "fps": 7.0, "queue_depth": 0,
    "dropped": 0, "camera": "ok", "rssi_dbm": -60, "free_heap": 100_000, "last_seq": 0,
}


@dataclass(frozen=True)
class Route:
    """One request and the status each caller must get."""

    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    legacy: bool = False
    """Send the key as ``?api_key=`` as legacy devices and scripts do."""
    vary: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path.split('?')[0]}"


ROUTES = [
    Route("GET", "/api/v1/me", ANY_KEY),
    Route("GET", "/api/v1/stores", READER),
    Route("GET", "/api/v1/stores/Alpha/occupancy", ALPHA_READER),
    Route("GET", "/api/v1/analytics", READER),
    Route("GET", f"/api/v1/analytics/hourly?store=Alpha&{RANGE}", ALPHA_READER),
    Route("GET", f"/api/v1/analytics/dwell?store=Alpha&{RANGE}", ALPHA_READER),
    Route("GET", "/api/v1/plugins", READER),
    Route("POST", "/api/v1/events", DEVICE,
          body={"events": [{"seq": 500, "time": T0, "direction": "entry"}]}),
    Route("POST", "/api/v1/devices/me/status", DEVICE, body=HEARTBEAT),
    Route("GET", "/api/v1/devices/me/config", DEVICE),
    Route("POST", "/movements/", DEVICE, body=[{"time": T0, "form": True}], legacy=True),
    Route("GET", f"/getMovements/?date={T0 + 10_000}&count=100", LEGACY_READER, legacy=True),
    Route("POST", "/createApiKey/", _admin_only(200), body={"api_key": ""}, legacy=True),
    Route("GET", "/api/v1/admin/stores", _admin_only(200)),
    Route("POST", "/api/v1/admin/stores", _admin_only(201), body={"name": "Gamma"}),
    Route("PATCH", "/api/v1/admin/stores/Alpha", _admin_only(200), body={"max_dwell_s": 7200}),
    Route("GET", "/api/v1/admin/devices", _admin_only(200)),
    Route("POST", "/api/v1/admin/devices", _admin_only(201),
          body={"name": "alpha-side", "store": "Alpha"}),
    Route("GET", "/api/v1/admin/devices/alpha-door", _admin_only(200)),
    Route("PATCH", "/api/v1/admin/devices/alpha-door/settings", _admin_only(200),
          body={"confirm": 3}),
    Route("GET", "/api/v1/admin/keys", _admin_only(200)),
    Route("POST", "/api/v1/admin/keys", _admin_only(201), body={"role": "admin"}),
    Route("POST", "/api/v1/admin/keys/{spare}/revoke", _admin_only(200)),
    Route("GET", "/api/v1/admin/rejected-events", _admin_only(200)),
    Route("GET", "/api/v1/admin/outbox", _admin_only(200)),
    Route("POST", "/api/v1/admin/outbox/retry", _admin_only(200), body={}),
    Route("GET", "/health/live", PUBLIC),
    Route("GET", "/health/ready", PUBLIC),
    Route("GET", "/metrics", PUBLIC),
]


def _request(
    client: TestClient[Litestar], world: World, route: Route, caller: str
) -> Any:
    key = world.keys[caller]
    path = route.path.replace("{spare}", str(world.spare_key_id))
    headers = {}
    if key is not None and route.legacy:
        path += ("&" if "?" in path else "?") + f"api_key={key}"
    elif key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.request(route.method, path, json=route.body, headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.id)
def test_route_status_per_caller(
    client: TestClient[Litestar], world: World, route: Route
) -> None:
    got = {}
    for caller in CALLERS:
        answer = _request(client, world, route, caller)
        got[caller] = answer.status_code
        if answer.status_code >= 400:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["status"] == answer.status_code
        if answer.status_code == 201 and route.path == "/api/v1/admin/keys":
            world.keys["created"] = answer.json()["key"]
        if answer.status_code == 200 and route.path == "/createApiKey/":
            world.keys["created"] = answer.json()["api_key"]

    assert got == route.expected


def test_every_api_route_in_table(app: Litestar) -> None:
    covered = {(route.method, route.path.split("?")[0]) for route in ROUTES}
    covered = {(method, path.replace("{spare}", "{key_id:int}")) for method, path in covered}
    missing = []
    for app_route in app.routes:
        for method in getattr(app_route, "methods", ()):
            path = app_route.path
            if method in {"HEAD", "OPTIONS"} or not path.startswith(
                ("/api/", "/movements", "/getMovements", "/createApiKey", "/health", "/metrics")
            ):
                continue
            concrete = (path.replace("{name:str}/occupancy", "Alpha/occupancy")
                        .replace("stores/{name:str}", "stores/Alpha")
                        .replace("devices/{name:str}", "devices/alpha-door"))
            if not any(m == method and p.rstrip("/") == concrete.rstrip("/")
                       for m, p in covered) and "{name:str}" not in concrete:
                missing.append(f"{method} {path}")

    # Analytics of plugins are served under /api/v1/analytics/{name}; hourly and dwell
    # stand for them in the table.
    missing = [route for route in missing if not route.startswith("GET /api/v1/analytics/")]
    assert missing == []


def test_viewer_sees_only_its_store(client: TestClient[Litestar], world: World) -> None:
    headers = {"Authorization": f"Bearer {world.keys['viewer']}"}

    stores = client.get("/api/v1/stores", headers=headers).json()["stores"]
    me = client.get("/api/v1/me", headers=headers).json()
    movements = client.get(
        f"/getMovements/?date={T0 + 10_000}&count=1000&api_key={world.keys['viewer']}"
    ).json()["movements"]
    other = client.get(f"/api/v1/analytics/hourly?store=Beta&{RANGE}", headers=headers)
    unknown = client.get(f"/api/v1/analytics/hourly?store=Nowhere&{RANGE}", headers=headers)

    assert [store["name"] for store in stores] == ["Alpha"]
    assert [device["name"] for device in stores[0]["devices"]] == ["alpha-door"]
    assert me["stores"] == ["Alpha"]
    assert len(movements) == world.alpha_events
    assert other.status_code == 403
    assert "Beta" not in str(client.get("/api/v1/stores", headers=headers).json())
    assert unknown.status_code == 404


def test_device_reads_only_its_movements(client: TestClient[Litestar], world: World) -> None:
    own = client.get(
        f"/getMovements/?date={T0 + 10_000}&count=1000&api_key={world.keys['other_device']}"
    ).json()["movements"]
    admin = client.get(
        f"/getMovements/?date={T0 + 10_000}&count=1000&api_key={world.keys['admin']}"
    ).json()["movements"]

    assert len(own) == world.beta_events
    assert len(admin) == world.alpha_events + world.beta_events


def test_revoked_key_detail_names_revocation(
    client: TestClient[Litestar], world: World
) -> None:
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {world.keys['revoked']}"})

    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]
    assert answer.headers["www-authenticate"] == "Bearer"
