"""Hostile requests against every write route and every query parameter.

A fault of the whole request must get a 4xx problem that names the faulty field. A faulty
event must be listed as rejected and kept in ``rejected_events``, and the rest of its batch
stored. No request may get a 5xx.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.db.models import Event, RejectedEvent
from tests.security.conftest import T0, SharedWorld, World

# --- Whole-body faults, sent to every write route ---------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
BODIES: dict[str, bytes] = {
    "empty": b"",
    "truncated object": b'{"events": [{"seq": 1, "time": 17',
    "truncated string": b'{"name": "Gam',
    "not JSON": b"hello there",
    "non-UTF-8": b'{"events": ["\xff\xfe\xfd"], "name": "\xc3\x28"}',
    "NaN constant": b'{"events": [{"seq": 1, "time": NaN, "direction": "entry"}]}',
    "Infinity constant": b'{"events": [{"seq": 1, "time": -Infinity, "direction": "entry"}]}',
    "deeply nested array": DEEP,
    "deeply nested value": b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "JSON null": b"null",
    "JSON number": b"12345678901234567890123456789012345678901234567890",
    "JSON string": b'"events"',
    "trailing garbage": b'{"events": []} {"events": []}',
}

# Write routes: method, path, the caller's key, whether a bare JSON array is the documented
# shape (legacy movements) and whether an empty object is valid (then it is not a fault).
WRITE_ROUTES = [
    ("POST", "/api/v1/events", "device"),
    ("POST", "/api/v1/devices/me/status", "device"),
    ("POST", "/movements/", "device"),
    ("POST", "/createApiKey/", "admin"),
    ("POST", "/api/v1/admin/stores", "admin"),
    ("PATCH", "/api/v1/admin/stores/Alpha", "admin"),
    ("POST", "/api/v1/admin/devices", "admin"),
    ("PATCH", "/api/v1/admin/devices/alpha-door/settings", "admin"),
    ("POST", "/api/v1/admin/keys", "admin"),
    ("POST", "/api/v1/admin/outbox/retry", "admin"),
]


def _send(
    client: TestClient[Litestar], world: World, method: str, path: str, caller: str,
    body: bytes, headers: dict[str, str] | None = None,
) -> Any:
    all_headers = {"Authorization": f"Bearer {world.keys[caller]}",
                   "Content-Type": "application/json", **(headers or {})}
    return client.request(method, path, content=body, headers=all_headers)


def _assert_problem(answer: Any, statuses: set[int], field: str | None = None) -> None:
    assert answer.status_code in statuses, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == answer.status_code
    assert problem["detail"]
    if field is not None:
        # "start|end" accepts either name, where both fields are at fault.
        fields = [error["field"] for error in problem["errors"]]
        choices = field.split("|")
        assert any(choice in name for choice in choices for name in fields), fields


@pytest.mark.parametrize(("method", "path", "caller"), WRITE_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in WRITE_ROUTES])
def test_malformed_bodies_get_400(
    shared_world: SharedWorld, method: str, path: str, caller: str
) -> None:
    client, world = shared_world.client, shared_world.world
    for name, body in BODIES.items():
        answer = _send(client, world, method, path, caller, body)
        assert answer.status_code < 500, f"{name}: {answer.status_code} {answer.text[:200]}"
        _assert_problem(answer, {400, 413, 415, 422})


@pytest.mark.parametrize(("method", "path", "caller"), WRITE_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in WRITE_ROUTES])
def test_ten_megabyte_body_gets_413(
    shared_world: SharedWorld, method: str, path: str, caller: str
) -> None:
    client, world = shared_world.client, shared_world.world
    body = b'{"events": [' + b" " * (10 * 1024 * 1024) + b"]}"

    answer = _send(client, world, method, path, caller, body)

    _assert_problem(answer, {413})


# --- Event-level faults: rejected and kept, the rest stored ------------------------------

BAD_EVENTS: dict[str, Any] = {
    "seq missing": {"time": T0, "direction": "entry"},
    "seq negative": {"seq": -1, "time": T0, "direction": "entry"},
    "seq 2^53": {"seq": 2**53, "time": T0, "direction": "entry"},
    "seq 2^63": {"seq": 2**63, "time": T0, "direction": "entry"},
    "seq huge": {"seq": 10**40, "time": T0, "direction": "entry"},
    "seq float": {"seq": 1.5, "time": T0, "direction": "entry"},
    "seq string": {"seq": "7", "time": T0, "direction": "entry"},
    "seq bool": {"seq": True, "time": T0, "direction": "entry"},
    "seq nested": {"seq": [[[[1]]]], "time": T0, "direction": "entry"},
    "time before 2020": {"seq": 9001, "time": 1_500_000_000, "direction": "entry"},
    "time negative": {"seq": 9002, "time": -1e18, "direction": "entry"},
    "time years ahead": {"seq": 9003, "time": time.time() + 3 * 365 * 86400, "direction": "entry"},
    "time huge integer": {"seq": 9004, "time": 10**400, "direction": "entry"},
    "time string": {"seq": 9005, "time": "2023-11-14T00:00:00Z", "direction": "entry"},
    "time null": {"seq": 9006, "time": None, "direction": "entry"},
    "direction unknown": {"seq": 9007, "time": T0, "direction": "sideways"},
    "direction non-ASCII": {"seq": 9008, "time": T0, "direction": "entr\u00e9e \u2603"},
    "direction missing": {"seq": 9009, "time": T0},
    "event is a number": 42,
    "event is null": None,
    "event is a list": [1, 2, 3],
}


def test_bad_events_rejected_rest_stored(
    shared_world: SharedWorld
) -> None:
    client, world = shared_world.client, shared_world.world
    good = [{"seq": 100 + n, "time": T0 + n, "direction": "exit"} for n in range(3)]
    events = [*good[:2], *BAD_EVENTS.values(), good[2]]
    # 1e400 is not representable as a Python float literal in JSON built by json.dumps.
    body = json.dumps({"events": events}).replace('"time": 1' + "0" * 400, '"time": 1e400')

    kept_before = _count_rejected(shared_world)

    answer = _send(client, world, "POST", "/api/v1/events", "device", body.encode())

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["accepted"] == 3
    rejected = {item["index"]: item for item in result["rejected"]}
    assert sorted(rejected) == list(range(2, 2 + len(BAD_EVENTS)))
    for index, name in enumerate(BAD_EVENTS, start=2):
        assert rejected[index]["reason"], name
    kept = _count_rejected(shared_world) - kept_before
    with shared_world.seed.db.read() as connection:
        stored = connection.execute(
            select(Event.seq).where(Event.seq >= 100, Event.seq < 200).order_by(Event.seq)
        ).scalars().all()
    assert kept == len(BAD_EVENTS)
    assert stored == [100, 101, 102]


def _count_rejected(shared_world: SharedWorld) -> int:
    with shared_world.seed.db.read() as connection:
        return int(
            connection.execute(select(func.count()).select_from(RejectedEvent)).scalar_one()
        )


def test_float_overflow_time_rejected(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    body = b'{"events": [{"seq": 300, "time": 1e400, "direction": "entry"}]}'

    answer = _send(client, world, "POST", "/api/v1/events", "device", body)

    assert answer.status_code == 200
    assert answer.json()["rejected"][0]["seq"] == 300


def test_unknown_fields_ignored_in_events(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    body = {"events": [{"seq": 400, "time": T0, "direction": "entry", "colour": "red"}],
            "firmware": "2.0"}

    answer = _send(client, world, "POST", "/api/v1/events", "device", json.dumps(body).encode())

    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1


def test_legacy_bad_movements_rejected_rest_stored(
    shared_world: SharedWorld
) -> None:
    client, world = shared_world.client, shared_world.world
    movements = [{"time": T0, "form": True}, {"time": "soon", "form": True},
                 {"time": T0, "form": "yes"}, {"time": 1e18, "form": False}, 7,
                 {"time": T0 + 1, "form": False}]
    answer = client.post(f"/movements/?api_key={world.keys['device']}", json=movements)

    assert answer.status_code == 200
    assert answer.json() == {"stored": 2, "rejected": 4}


@pytest.mark.parametrize("events", [{"events": {}}, {"events": "all"}, {"evts": []}, [1, 2]])
def test_events_shape_fault_names_field(
    shared_world: SharedWorld, events: Any
) -> None:
    client, world = shared_world.client, shared_world.world
    answer = _send(client, world, "POST", "/api/v1/events", "device",
                   json.dumps(events).encode())

    _assert_problem(answer, {400}, "events")


def test_batch_over_limit_gets_413(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    events = [{"seq": n, "time": T0, "direction": "entry"} for n in range(1001)]

    answer = _send(client, world, "POST", "/api/v1/events", "device",
                   json.dumps({"events": events}).encode())

    _assert_problem(answer, {413}, "events")


# --- Heartbeats and admin bodies: field faults --------------------------------------------

HEARTBEAT = {
    "boot_id": "b1", "uptime_s": 5, "firmware": "1.0.0", "fps": 7.0, "queue_depth": 0,
    "dropped": 0, "camera": "ok", "rssi_dbm": -60, "free_heap": 100_000, "last_seq": 0,
}

HEARTBEAT_FAULTS = [
    ("uptime_s", 2**63), ("uptime_s", "5"), ("fps", None), ("queue_depth", 2**40),
    ("rssi_dbm", 2**31), ("camera", "on fire"), ("boot_id", "a\x00b"), ("firmware", "x" * 65),
    ("last_seq", 10**30), ("free_heap", True),
]


@pytest.mark.parametrize(("field", "value"), HEARTBEAT_FAULTS,
                         ids=[f"{f}={str(v)[:12]!r}" for f, v in HEARTBEAT_FAULTS])
def test_heartbeat_fault_names_field(
    shared_world: SharedWorld, field: str, value: Any
) -> None:
    client, world = shared_world.client, shared_world.world
    body = json.dumps({**HEARTBEAT, field: value}).encode()

    answer = _send(client, world, "POST", "/api/v1/devices/me/status", "device", body)

    _assert_problem(answer, {400}, field)


ADMIN_FAULTS = [
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "timezone": "Mars/Olympus"}, "timezone"),
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "timezone": "x" * 1000}, "timezone"),
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "timezone": "../../etc/passwd"},
     "timezone"),
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "timezone": ""}, "timezone"),
    ("POST", "/api/v1/admin/stores", {"name": "a\x00b"}, "name"),
    ("POST", "/api/v1/admin/stores", {"name": "x" * 5000}, "name"),
    ("POST", "/api/v1/admin/stores", {"name": ""}, "name"),
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "day_reset_hour": 2**63}, "reset"),
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "max_dwell_s": -5}, "dwell"),
    ("POST", "/api/v1/admin/stores", {"name": "Gamma", "colour": "red"}, "colour"),
    ("POST", "/api/v1/admin/stores", {"name": 5}, "name"),
    ("PATCH", "/api/v1/admin/stores/Alpha", {"timezone": "Nowhere/City"}, "timezone"),
    ("POST", "/api/v1/admin/devices", {"name": "door\u2603", "store": "Nowhere"}, "store"),
    ("POST", "/api/v1/admin/devices", {"name": "x/y", "store": "Alpha"}, "name"),
    ("PATCH", "/api/v1/admin/devices/alpha-door/settings", {"confirm": 10**30}, "confirm"),
    ("PATCH", "/api/v1/admin/devices/alpha-door/settings", {"band": "wide"}, "band"),
    ("PATCH", "/api/v1/admin/devices/alpha-door/settings", {"shape": 1}, "shape"),
    ("POST", "/api/v1/admin/keys", {"role": "root"}, "role"),
    ("POST", "/api/v1/admin/keys", {"role": "viewer", "store": "Nowhere"}, "store"),
    ("POST", "/api/v1/admin/keys", {"role": "device", "device": "alpha-door",
                                    "label": "x" * 100_000}, "label"),
    ("POST", "/api/v1/admin/outbox/retry", {"ids": [2**70]}, "ids"),
    ("POST", "/api/v1/admin/outbox/retry", {"ids": "all"}, "ids"),
    ("POST", "/createApiKey/", {"api_key": "short"}, "api_key"),
    ("POST", "/createApiKey/", {"api_key": "k" * 100_000}, "api_key"),
    ("POST", "/createApiKey/", {"api_key": "\u00e9" * 20}, "api_key"),
    ("POST", "/createApiKey/", {"api_key": 12345}, "api_key"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), ADMIN_FAULTS,
                         ids=[f"{m} {p} {f}" for m, p, _, f in ADMIN_FAULTS])
def test_admin_fault_names_field(
    shared_world: SharedWorld, method: str, path: str, body: Any, field: str
) -> None:
    client, world = shared_world.client, shared_world.world
    answer = _send(client, world, method, path, "admin", json.dumps(body).encode())

    _assert_problem(answer, {400, 404}, field)


def test_huge_key_id_not_found(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    answer = _send(client, world, "POST", f"/api/v1/admin/keys/{2**70}/revoke", "admin", b"")

    _assert_problem(answer, {404}, "key_id")


def test_non_ascii_names_round_trip(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    created = _send(client, world, "POST", "/api/v1/admin/stores", "admin",
                    json.dumps({"name": "Caf\u00e9 \u2615 \u5e97", "timezone": "Asia/Tokyo"})
                    .encode())
    occupancy = client.get("/api/v1/stores/Caf%C3%A9%20%E2%98%95%20%E5%BA%97/occupancy",
                           headers={"Authorization": f"Bearer {world.keys['admin']}"})

    assert created.status_code == 201
    assert occupancy.status_code == 200
    assert occupancy.json()["store"] == "Caf\u00e9 \u2615 \u5e97"


# --- Headers ------------------------------------------------------------------------------

HEADER_FAULTS = [
    [(b"authorization", b"Bearer \xff\xfe\xfd")],
    [(b"authorization", b"Bearer \xc3\xa9t\xc3\xa9")],
    [(b"x-api-key", b"\x00\x01\x02")],
    [(b"x-api-key", b"k" * 8000)],
    [(b"authorization", b"Bearer")],
    [(b"authorization", b"Bearer " + b" " * 100)],
]


@pytest.mark.parametrize("headers", HEADER_FAULTS, ids=lambda h: repr(h[0][1][:16]))
def test_bad_key_headers_get_401(
    shared_world: SharedWorld, headers: list[tuple[bytes, bytes]]
) -> None:
    client = shared_world.client
    for path in ("/api/v1/me", "/api/v1/events"):
        answer = client.request("POST" if path.endswith("events") else "GET", path,
                                headers=headers, content=b'{"events": []}')

        _assert_problem(answer, {401})


def test_garbage_if_none_match_ignored(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    headers = [(b"authorization", f"Bearer {world.keys['device']}".encode()),
               (b"if-none-match", b"\xff" * 4000)]

    answer = client.get("/api/v1/devices/me/config", headers=headers)

    assert answer.status_code == 200
    assert answer.headers["etag"]


NUL_PATHS = [
    ("/api/v1/stores/a%00b/occupancy", "path"),
    ("/api/v1/analytics/hourly?store=a%00b&start=2023-11-14&end=2023-11-15", "store"),
    ("/api/v1/analytics/dwell?store=Alpha&start=2023-11-14&end=2023-11-15&device=a%00b",
     "device"),
    ("/api/v1/admin/rejected-events?device=a%00b", "device"),
    ("/api/v1/admin/devices?store=a%00b", "store"),
    ("/api/v1/admin/devices/a%00b", "path"),
    ("/api/v1/admin/stores/a%00b", "path"),
    ("/getMovements/?date=1&count=1&api_key=a%00b", "api_key"),
]


@pytest.mark.parametrize(("path", "field"), NUL_PATHS, ids=[p for p, _ in NUL_PATHS])
def test_nul_byte_in_name_gets_400(shared_world: SharedWorld, path: str, field: str) -> None:
    client, world = shared_world.client, shared_world.world
    method = "PATCH" if path.startswith("/api/v1/admin/stores/") else "GET"

    answer = _send(client, world, method, path, "admin", b"{}")

    # PostgreSQL text cannot contain NUL, so such a name must never reach a query.
    _assert_problem(answer, {400}, field)


def test_non_utf8_store_in_path_not_found(shared_world: SharedWorld) -> None:
    client, world = shared_world.client, shared_world.world
    answer = client.get("/api/v1/stores/%FF%FE/occupancy",
                        headers={"Authorization": f"Bearer {world.keys['admin']}"})

    _assert_problem(answer, {404}, "store")


# --- Query parameters ---------------------------------------------------------------------

RANGE = "start=2023-11-14T00:00:00Z&end=2023-11-16T00:00:00Z"

QUERY_FAULTS = [
    # (query, field named in the problem, allowed statuses)
    # Without any parameter the first missing one is named, whichever it is.
    ("", "", {400}),
    (f"store=&{RANGE}", "store", {400, 404}),
    ("store=Alpha", "", {400}),
    ("store=Alpha&start=&end=", "start", {400}),
    ("store=Alpha&start=2023-11-14T00:00:00Z", "end", {400}),
    ("store=Alpha&start=yesterday&end=2023-11-16", "start", {400}),
    ("store=Alpha&start=2023-13-45&end=2023-11-16", "start", {400}),
    ("store=Alpha&start=2023-11-14T00:00:00%2B25:00&end=2023-11-16", "start", {400}),
    ("store=Alpha&start=2023-11-16T00:00:00Z&end=2023-11-14T00:00:00Z", "end", {400}),
    ("store=Alpha&start=2023-11-14T00:00:00Z&end=2023-11-14T00:00:00Z", "end", {400}),
    ("store=Alpha&start=0001-01-01T00:00:00Z&end=9999-12-31T23:59:59Z", "start|end", {400}),
    (f"store=Alpha&{RANGE}&tz=Mars/Olympus", "tz", {400}),
    (f"store=Alpha&{RANGE}&tz=../../etc/passwd", "tz", {400}),
    (f"store=Alpha&{RANGE}&tz=%00", "tz", {400}),
    (f"store=Alpha&{RANGE}&tz={'x' * 1000}", "tz", {400}),
    (f"store=Alpha&{RANGE}&device=nope", "device", {404}),
    (f"store=Nowhere&{RANGE}", "store", {404}),
    (f"store=%FF%FE&{RANGE}", "store", {404}),
]

HOURLY_FAULTS = [
    (f"store=Alpha&{RANGE}&resolution=minute", "resolution", {400}),
]

DWELL_FAULTS = [
    (f"store=Alpha&{RANGE}&k=-1", "k", {400}),
    (f"store=Alpha&{RANGE}&k=NaN", "k", {400}),
    (f"store=Alpha&{RANGE}&k=1e400", "k", {400}),
    (f"store=Alpha&{RANGE}&k=lots", "k", {400}),
]


@pytest.mark.parametrize("analytic", ["hourly", "dwell"])
def test_analytics_query_faults_name_field(
    shared_world: SharedWorld, analytic: str
) -> None:
    client, world = shared_world.client, shared_world.world
    faults = QUERY_FAULTS + (DWELL_FAULTS if analytic == "dwell" else HOURLY_FAULTS)
    headers = {"Authorization": f"Bearer {world.keys['admin']}"}
    for query, field, statuses in faults:
        answer = client.get(f"/api/v1/analytics/{analytic}?{query}", headers=headers)

        assert answer.status_code in statuses, f"{query}: {answer.status_code} {answer.text}"
        _assert_problem(answer, statuses, field)


MOVEMENT_FAULTS = [
    ("", ""),
    ("date=&count=5", "date"),
    ("date=1700000000", "count"),
    ("date=NaN&count=5", "date"),
    ("date=inf&count=5", "date"),
    ("date=1e400&count=5", "date"),
    ("date=soon&count=5", "date"),
    ("date=1700000000&count=0", "count"),
    ("date=1700000000&count=-3", "count"),
    ("date=1700000000&count=99999999999999999999999", "count"),
]


def test_get_movements_query_faults_name_field(
    shared_world: SharedWorld
) -> None:
    client, world = shared_world.client, shared_world.world
    for query, field in MOVEMENT_FAULTS:
        answer = client.get(f"/getMovements/?{query}&api_key={world.keys['admin']}")

        _assert_problem(answer, {400}, field)


@pytest.mark.parametrize(
    "date", ["-1e300", "1e300", "-1.7976931348623157e308", "-9223372036854775808", "0"]
)
def test_get_movements_extreme_dates_answer(
    shared_world: SharedWorld, date: str
) -> None:
    client, world = shared_world.client, shared_world.world
    answer = client.get(f"/getMovements/?date={date}&count=5&api_key={world.keys['admin']}")

    assert answer.status_code == 200
    assert isinstance(answer.json()["movements"], list)


ADMIN_QUERY_FAULTS = [
    ("/api/v1/admin/rejected-events?limit=0", "limit", {400}),
    ("/api/v1/admin/rejected-events?limit=lots", "limit", {400}),
    ("/api/v1/admin/rejected-events?limit=99999999999999999999999", "limit", {400}),
    ("/api/v1/admin/outbox?limit=-1", "limit", {400}),
    ("/api/v1/admin/outbox?state=gone", "state", {400}),
    ("/api/v1/admin/devices?store=Nowhere", "store", {404}),
    ("/createApiKey/?store=Nowhere", "store", {404}),
]


@pytest.mark.parametrize(("path", "field", "statuses"), ADMIN_QUERY_FAULTS,
                         ids=[p for p, _, _ in ADMIN_QUERY_FAULTS])
def test_admin_query_faults_name_field(
    shared_world: SharedWorld, path: str, field: str, statuses: set[int]
) -> None:
    client, world = shared_world.client, shared_world.world
    method = "POST" if path.startswith("/createApiKey/") else "GET"

    answer = _send(client, world, method, path, "admin", b'{"api_key": ""}')

    _assert_problem(answer, statuses, field)
