"""The v1 device protocol: batches, duplicates, rejections and limits."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.db.models import Event, QuarterCount, RejectedEvent
from tests.helpers import LiveServer, Seeder

T0 = 1_700_000_000.0


def _batch(first: int, last: int) -> dict[str, Any]:
    return {
        "events": [
            {"seq": seq, "time": T0 + seq, "direction": "entry" if seq % 2 else "exit"}
            for seq in range(first, last + 1)
        ]
    }


def _device_key(seed: Seeder) -> str:
    store = seed.store("Main Street")
    device = seed.device("front-door", store)
    return seed.key("device", device_id=device)


def _count(seed: Seeder, model: Any) -> int:
    with seed.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_retried_batch_is_stored_once(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    headers = {"Authorization": f"Bearer {key}"}

    first = client.post("/api/v1/events", json=_batch(101, 150), headers=headers).json()
    replay = client.post("/api/v1/events", json=_batch(101, 150), headers=headers).json()
    with seed.db.read() as connection:
        rollup_after_replay = connection.execute(
            select(func.sum(QuarterCount.entries), func.sum(QuarterCount.exits))
        ).one()
    overlap = client.post("/api/v1/events", json=_batch(141, 190), headers=headers).json()

    assert (first["accepted"], first["duplicates"]) == (50, 0)
    assert (replay["accepted"], replay["duplicates"]) == (0, 50)
    assert (overlap["accepted"], overlap["duplicates"]) == (40, 10)
    assert overlap["last_seq"] == 190
    assert _count(seed, Event) == 90
    assert tuple(rollup_after_replay) == (25, 25)


def test_same_time_different_seq_is_two_visitors(
    client: TestClient[Litestar], seed: Seeder
) -> None:
    key = _device_key(seed)
    body = {
        "events": [
            {"seq": 1, "time": T0, "direction": "entry"},
            {"seq": 2, "time": T0, "direction": "entry"},
        ]
    }

    answer = client.post("/api/v1/events", json=body, headers={"X-API-Key": key}).json()

    assert answer["accepted"] == 2
    assert _count(seed, Event) == 2


def test_bad_event_is_rejected_and_kept(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    body = {
        "events": [
            {"seq": 1, "time": T0, "direction": "entry"},
            {"seq": 2, "time": 1_000, "direction": "entry"},
            {"seq": 3, "time": T0, "direction": "sideways"},
            {"seq": -1, "time": T0, "direction": "exit"},
            {"seq": 2**53, "time": T0, "direction": "exit"},
            {"seq": 6, "time": "noon", "direction": "exit"},
            {"time": T0, "direction": "exit"},
            "not an object",
            {"seq": 9, "time": T0 + 1, "direction": "exit"},
        ]
    }

    response = client.post("/api/v1/events", json=body, headers={"X-API-Key": key})
    answer = response.json()

    assert response.status_code == 200
    assert answer["accepted"] == 2
    assert [item["index"] for item in answer["rejected"]] == [1, 2, 3, 4, 5, 6, 7]
    assert [item["seq"] for item in answer["rejected"]] == [2, 3, None, None, 6, None, None]
    assert "2020-01-01" in answer["rejected"][0]["reason"]
    assert "direction" in answer["rejected"][1]["reason"]
    assert _count(seed, RejectedEvent) == 7
    with seed.db.read() as connection:
        raw = connection.execute(
            select(RejectedEvent.raw_json).where(RejectedEvent.batch_index == 2)
        ).scalar_one()
    assert json.loads(raw)["direction"] == "sideways"


def test_huge_seq_rejects_only_its_event(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    body = (
        b'{"events": [{"seq": 123456789012345678901234567890, "time": 1700000000, '
        b'"direction": "entry"}, {"seq": 1, "time": 1700000000, "direction": "entry"}]}'
    )

    answer = client.post("/api/v1/events", content=body, headers={"X-API-Key": key}).json()

    assert answer["accepted"] == 1
    assert answer["rejected"][0]["index"] == 0


def test_whole_request_faults(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    headers = {"X-API-Key": key}
    cases = [
        (b"{not json", 400, "body"),
        (b'{"events": [', 400, "body"),
        (b'[{"seq": 1}]', 400, "events"),
        (b'{"events": {"seq": 1}}', 400, "events"),
        (b'{"events": [{"seq": 1, "time": NaN, "direction": "entry"}]}', 400, "body"),
    ]
    for body, status, field in cases:
        response = client.post("/api/v1/events", content=body, headers=headers)
        assert response.status_code == status, body
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["errors"][0]["field"] == field, body
    assert _count(seed, Event) == 0


def test_batch_over_limit_is_413(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    body = _batch(1, 1001)

    response = client.post("/api/v1/events", json=body, headers={"X-API-Key": key})

    assert response.status_code == 413
    assert "FOOTFALL_MAX_BATCH_EVENTS" in response.json()["detail"]
    assert _count(seed, Event) == 0


def test_body_over_limit_is_413(client: TestClient[Litestar], seed: Seeder) -> None:
    key = _device_key(seed)
    body = b'{"events": [' + b" " * 2_000_000 + b"]}"

    response = client.post("/api/v1/events", content=body, headers={"X-API-Key": key})

    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_two_devices_posting_at_once(live_server: LiveServer) -> None:
    live_server.cli("stores", "create", "Corner", "--timezone", "UTC")
    keys = []
    for name in ("door-a", "door-b"):
        live_server.cli("devices", "create", name, "--store", "Corner")
        output = live_server.cli("keys", "create", "--role", "device", "--device", name)
        keys.append(output.strip().splitlines()[-1])

    statuses: list[int] = []
    barrier = threading.Barrier(len(keys))

    def post(key: str) -> None:
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            barrier.wait()
            for round_number in range(20):
                first = round_number * 50 + 1
                response = http.post(
                    "/api/v1/events",
                    json=_batch(first, first + 49),
                    headers={"Authorization": f"Bearer {key}"},
                )
                statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 40
    log = live_server.log_path.read_text()
    assert "database is locked" not in log
