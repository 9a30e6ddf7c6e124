"""Inputs that once broke or fooled the service, each kept as a regression test."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from footfall.app import redact_query_keys
from tests.helpers import Seeder

T0 = 1_700_000_000


def _keys(seed: Seeder) -> tuple[str, str]:
    store = seed.store("Hostile Shop", timezone="Europe/Berlin")
    return seed.key("device", device_id=seed.device("hostile-door", store)), seed.key("admin")


def test_lone_surrogate_kept_and_listed(client: TestClient[Litestar], seed: Seeder) -> None:
    device, admin = _keys(seed)
    body = b'{"events": [{"seq": 1, "time": 1700000000, "direction": "\\ud800"}]}'

    posted = client.post("/api/v1/events", content=body, headers={"X-API-Key": device})
    listed = client.get("/api/v1/admin/rejected-events", headers={"X-API-Key": admin})

    assert posted.json()["rejected"][0]["index"] == 0
    assert listed.status_code == 200
    assert '\\ud800' in listed.json()[0]["raw_json"]


def test_two_keys_rejected(client: TestClient[Litestar], seed: Seeder) -> None:
    device, admin = _keys(seed)
    body = {"events": [{"seq": 1, "time": T0, "direction": "entry"}]}

    two_headers = client.post(
        "/api/v1/events",
        json=body,
        headers=[
            (b"authorization", f"Bearer {device}".encode()),
            (b"authorization", b"Bearer junk"),
        ],
    )
    header_and_other = client.post(
        "/api/v1/events",
        json=body,
        headers={"Authorization": f"Bearer {device}", "X-API-Key": admin},
    )
    two_query_keys = client.post(
        f"/movements/?api_key=junk&api_key={device}", json=[{"time": T0, "form": True}]
    )

    for response in (two_headers, header_and_other, two_query_keys):
        assert response.status_code == 401
        assert "more than one API key" in response.json()["detail"]


def test_access_log_redaction() -> None:
    line = '"POST /movements/?api%5Fkey=SECRET1&x=1 HTTP/1.1" then ?API_KEY=SECRET2&api+key=S3'

    redacted = redact_query_keys(line)

    assert "SECRET1" not in redacted
    assert "SECRET2" not in redacted
    assert "S3" not in redacted
    assert "x=1" in redacted


def test_far_off_dates_are_400(client: TestClient[Litestar], seed: Seeder) -> None:
    _, admin = _keys(seed)
    for start, end in (("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")):
        for name in ("hourly", "dwell"):
            response = client.get(
                f"/api/v1/analytics/{name}",
                params={"store": "Hostile Shop", "start": start, "end": end},
                headers={"X-API-Key": admin},
            )
            assert response.status_code == 400, (name, start)
            assert response.json()["errors"][0]["field"] == "start"


def test_zone_files_that_are_not_zones(client: TestClient[Litestar], seed: Seeder) -> None:
    _, admin = _keys(seed)
    headers = {"X-API-Key": admin}

    store = client.post(
        "/api/v1/admin/stores", json={"name": "Odd", "timezone": "posixrules"}, headers=headers
    )
    dotted = client.post(
        "/api/v1/admin/stores", json={"name": "..", "timezone": "UTC"}, headers=headers
    )
    tz = client.get(
        "/api/v1/analytics/hourly",
        params={
            "store": "Hostile Shop",
            "start": "2025-01-01",
            "end": "2025-01-02",
            "tz": "posixrules",
        },
        headers=headers,
    )

    assert store.status_code == 400
    assert store.json()["errors"][0]["field"] == "timezone"
    assert dotted.status_code == 400
    assert tz.status_code == 400


def test_create_api_key_twice_names_api_key(client: TestClient[Litestar], seed: Seeder) -> None:
    _, admin = _keys(seed)
    body = {"api_key": "old-firmware-key-0042"}

    first = client.post(f"/createApiKey/?api_key={admin}", json=body)
    second = client.post(f"/createApiKey/?api_key={admin}", json=body)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["errors"][0]["field"] == "api_key"


def test_utf16_body_is_400(client: TestClient[Litestar], seed: Seeder) -> None:
    device, _ = _keys(seed)
    body = '{"events": [{"seq": 1, "time": 1700000000, "direction": "entry"}]}'

    response = client.post(
        "/api/v1/events", content=body.encode("utf-16"), headers={"X-API-Key": device}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_long_integer_rejects_only_its_event(client: TestClient[Litestar], seed: Seeder) -> None:
    device, _ = _keys(seed)
    body = (
        b'{"events": [{"seq": ' + b"9" * 5000 + b', "time": 1700000000, "direction": "entry"},'
        b' {"seq": 2, "time": 1700000000, "direction": "entry"}]}'
    )

    answer = client.post("/api/v1/events", content=body, headers={"X-API-Key": device}).json()

    assert answer["accepted"] == 1
    assert answer["rejected"][0]["index"] == 0


def test_admin_route_checks_role_before_body(client: TestClient[Litestar], seed: Seeder) -> None:
    device, admin = _keys(seed)

    as_device = client.post("/api/v1/admin/keys", headers={"X-API-Key": device})
    as_admin = client.post("/api/v1/admin/keys", content=b"{", headers={"X-API-Key": admin})

    assert as_device.status_code == 403
    assert as_admin.status_code == 400
    assert as_admin.json()["errors"][0]["field"] == "body"
