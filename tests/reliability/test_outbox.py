"""The outbox: after-commit sinks get every acknowledged batch at least once, with retries."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import OutboxEntry
from footfall.outbox import claim_due, find_due, release
from footfall.service import Service
from tests.helpers import Seeder, start_live_server

FIXTURE_DIR = Path(__file__).parent / "sink_fixture"
T0 = 1_700_000_000.0


@pytest.fixture
def flaky_sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The folder of the flaky sink's state, with the fixture module importable."""
    folder = tmp_path / "sink"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(FIXTURE_DIR))
    monkeypatch.setenv("FLAKY_SINK_DIR", str(folder))
    monkeypatch.setenv("FLAKY_SINK_FAILURES", "2")
    yield folder
    sys.modules.pop("footfall_flaky_sink", None)


def _delivered(folder: Path) -> list[dict[str, Any]]:
    path = folder / "delivered.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _settings(settings: Settings, **changes: Any) -> Settings:
    values = {
        "database_url": settings.database_url,
        "key_cache_s": 0.0,
        "extra_plugins": ("footfall_flaky_sink",),
        "outbox_backoff_s": 0.0,
        "outbox_max_backoff_s": 0.0,
        "auth_failure_rate_per_min": 0.0,
    }
    values.update(changes)
    return Settings(**values)


def _batch(first: int, last: int) -> dict[str, Any]:
    return {
        "events": [
            {"seq": seq, "time": T0 + seq, "direction": "entry"} for seq in range(first, last + 1)
        ]
    }


def _outbox(db: Database) -> list[Any]:
    table = OutboxEntry.__table__
    with db.read() as connection:
        return list(connection.execute(select(table).order_by(table.c.id)).all())


def _device_key(seed: Seeder) -> str:
    store = seed.store("Harbour Road")
    device = seed.device("harbour-door", store)
    return seed.key("device", device_id=device)


def test_ingest_writes_one_row_per_sink(
    settings: Settings, db: Database, seed: Seeder, flaky_sink: Path
) -> None:
    key = _device_key(seed)
    app, service = _app(_settings(settings))

    with TestClient(app=app) as client:
        # The worker is stopped so that the rows stay for inspection.
        service.outbox.stop()
        first = client.post("/api/v1/events", json=_batch(1, 5), headers=_bearer(key))
        replay = client.post("/api/v1/events", json=_batch(1, 5), headers=_bearer(key))

    rows = _outbox(db)
    assert first.status_code == 200
    assert replay.json()["duplicates"] == 5
    assert len(rows) == 1
    assert rows[0].sink == "flaky"
    assert rows[0].state == "pending"
    assert [event["seq"] for event in json.loads(rows[0].payload_json)["events"]] == [1, 2, 3, 4, 5]


def test_failing_sink_retried_until_delivered(
    settings: Settings, db: Database, seed: Seeder, flaky_sink: Path
) -> None:
    key = _device_key(seed)
    app, service = _app(_settings(settings))

    with TestClient(app=app) as client:
        service.outbox.stop()
        answer = client.post("/api/v1/events", json=_batch(10, 12), headers=_bearer(key))
        outcomes = []
        for _ in range(3):
            service.outbox.deliver_due()
            outcomes.append([(row.attempts, row.state) for row in _outbox(db)])

    # The ingest request succeeded although the sink was down at the time.
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 3
    assert outcomes[0] == [(1, "pending")]
    assert outcomes[1] == [(2, "pending")]
    assert outcomes[2] == []
    assert [batch["seqs"] for batch in _delivered(flaky_sink)] == [[10, 11, 12]]


def test_sink_dead_after_max_attempts_then_retried(
    settings: Settings, db: Database, seed: Seeder, flaky_sink: Path
) -> None:
    key = _device_key(seed)
    admin = seed.key("admin")
    app, service = _app(_settings(settings, outbox_max_attempts=2))

    with TestClient(app=app) as client:
        service.outbox.stop()
        client.post("/api/v1/events", json=_batch(1, 2), headers=_bearer(key))
        service.outbox.deliver_due()
        service.outbox.deliver_due()
        service.outbox.deliver_due()
        dead = client.get("/api/v1/admin/outbox?state=dead", headers=_bearer(admin)).json()
        pending = client.get("/api/v1/admin/outbox?state=pending", headers=_bearer(admin)).json()
        retried = client.post("/api/v1/admin/outbox/retry", json={}, headers=_bearer(admin))
        service.outbox.deliver_due()
        after = client.get("/api/v1/admin/outbox", headers=_bearer(admin)).json()

    assert len(dead) == 1
    assert dead[0]["attempts"] == 2
    assert dead[0]["device"] == "harbour-door"
    assert dead[0]["events"] == 2
    assert "unreachable" in dead[0]["last_error"]
    assert pending == []
    assert retried.json() == {"retried": 1}
    assert after == []
    assert [batch["seqs"] for batch in _delivered(flaky_sink)] == [[1, 2]]


def test_outbox_state_filter_rejects_unknown(
    settings: Settings, db: Database, seed: Seeder, flaky_sink: Path
) -> None:
    admin = seed.key("admin")
    app, _ = _app(_settings(settings))

    with TestClient(app=app) as client:
        answer = client.get("/api/v1/admin/outbox?state=gone", headers=_bearer(admin))

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "state"


def _queue_one_batch(settings: Settings, seed: Seeder) -> int:
    """Post one event with the delivery worker stopped, so its outbox row stays due; return now."""
    key = _device_key(seed)
    app, service = _app(_settings(settings))
    with TestClient(app=app) as client:
        service.outbox.stop()
        client.post("/api/v1/events", json=_batch(1, 1), headers=_bearer(key))
    return int(time.time() * 1000)


def test_claimed_row_not_claimed_twice(
    settings: Settings, db: Database, seed: Seeder, flaky_sink: Path
) -> None:
    now = _queue_one_batch(settings, seed)

    # Two workers read the same due row before either claims it.
    with db.read() as connection:
        seen_by_first = find_due(connection, now, 10)
        seen_by_second = find_due(connection, now, 10)
    with db.write() as connection:
        first = claim_due(connection, seen_by_first, "worker-a", now, 60_000)
    with db.write() as connection:
        second = claim_due(connection, seen_by_second, "worker-b", now, 60_000)

    assert len(first) == 1
    assert second == []


def test_released_rows_due_again(
    settings: Settings, db: Database, seed: Seeder, flaky_sink: Path
) -> None:
    now = _queue_one_batch(settings, seed)
    with db.read() as connection:
        due = find_due(connection, now, 10)
    with db.write() as connection:
        claimed = claim_due(connection, due, "worker-a", now, 60_000)

    with db.write() as connection:
        by_other = release(connection, [row.id for row in claimed], "worker-b", now)
        by_owner = release(connection, [row.id for row in claimed], "worker-a", now)
    with db.read() as connection:
        due_again = find_due(connection, now, 10)

    assert by_other == 0
    assert by_owner == 1
    assert due_again == [(claimed[0].id, now)]


def test_outbox_cli_lists_and_retries(tmp_path: Path, flaky_sink: Path) -> None:
    env = {
        "FOOTFALL_EXTRA_PLUGINS": "footfall_flaky_sink",
        "PYTHONPATH": str(FIXTURE_DIR),
        "FLAKY_SINK_DIR": str(flaky_sink),
        "FLAKY_SINK_FAILURES": "1000",
        "FOOTFALL_OUTBOX_MAX_ATTEMPTS": "1",
        "FOOTFALL_OUTBOX_POLL_S": "0.2",
    }
    server = start_live_server(tmp_path, env)
    try:
        server.cli("stores", "create", "Quay", "--timezone", "UTC")
        server.cli("devices", "create", "quay-door", "--store", "Quay")
        key = server.cli("keys", "create", "--role", "device", "--device", "quay-door")
        key = key.strip().splitlines()[-1]
        answer = httpx.post(f"{server.url}/api/v1/events", json=_batch(1, 3), headers=_bearer(key))
        # The worker logs the dead row; waiting on the log spares repeated CLI start-ups.
        _wait_for(lambda: "dead until retried" in server.log_path.read_text())
        listing = _dead_rows(server.cli("outbox", "list", "--json"))
        retried = server.cli("outbox", "retry")
        table = server.cli("outbox", "list")
    finally:
        server.stop()

    assert answer.status_code == 200
    assert listing is not None
    assert listing[0]["sink"] == "flaky"
    assert listing[0]["events"] == 3
    assert "Retried 1 outbox rows" in retried
    assert "quay-door" in table


def test_delivery_survives_server_kill(tmp_path: Path, flaky_sink: Path) -> None:
    """Batches acknowledged just before a SIGKILL reach the sink after the restart."""
    env = {
        "FOOTFALL_EXTRA_PLUGINS": "footfall_flaky_sink",
        "PYTHONPATH": str(FIXTURE_DIR),
        "FLAKY_SINK_DIR": str(flaky_sink),
        "FLAKY_SINK_FAILURES": "1000",
        "FOOTFALL_DATABASE_URL": f"sqlite:///{tmp_path / 'outbox.db'}",
        "FOOTFALL_OUTBOX_POLL_S": "0.2",
        "FOOTFALL_OUTBOX_BACKOFF_S": "0.1",
        "FOOTFALL_OUTBOX_MAX_BACKOFF_S": "0.2",
        # A row claimed at the moment of the kill waits for its lease to end.
        "FOOTFALL_OUTBOX_LEASE_S": "1",
    }
    first_dir = tmp_path / "first"
    first_dir.mkdir()
    server = start_live_server(first_dir, env)
    server.cli("stores", "create", "Pier", "--timezone", "UTC")
    server.cli("devices", "create", "pier-door", "--store", "Pier")
    key = server.cli("keys", "create", "--role", "device", "--device", "pier-door")
    key = key.strip().splitlines()[-1]
    answers = [
        httpx.post(
            f"{server.url}/api/v1/events", json=_batch(start, start + 9), headers=_bearer(key)
        ).status_code
        for start in range(1, 50, 10)
    ]
    # The sink is failing, so every batch is still in the outbox when the process dies.
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    assert _delivered(flaky_sink) == []

    second_dir = tmp_path / "second"
    second_dir.mkdir()
    env["FLAKY_SINK_FAILURES"] = "0"
    (flaky_sink / "attempts").unlink(missing_ok=True)
    server = start_live_server(second_dir, env)
    try:
        delivered = _wait_for(lambda: _all_delivered(flaky_sink, 50))
        remaining = server.cli("outbox", "list", "--json")
    finally:
        server.stop()

    assert answers == [200] * 5
    seqs = sorted(seq for batch in delivered for seq in batch["seqs"])
    assert seqs == list(range(1, 51))
    assert json.loads(remaining) == []


def _all_delivered(folder: Path, count: int) -> list[dict[str, Any]] | None:
    batches = _delivered(folder)
    seqs = {seq for batch in batches for seq in batch["seqs"]}
    return batches if len(seqs) >= count else None


def _dead_rows(output: str) -> list[dict[str, Any]] | None:
    rows = [row for row in json.loads(output) if row["state"] == "dead"]
    return rows or None


def _wait_for(probe: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"the condition was not met within {timeout_s:.0f} s")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _app(settings: Settings) -> tuple[Litestar, Service]:
    from footfall.app import create_app

    app = create_app(settings)
    service: Service = app.state["footfall"]
    return app, service
