"""``GET /metrics``: parsed with prometheus-client's own text parser."""

from __future__ import annotations

import time
import uuid

from litestar import Litestar
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from footfall.db.engine import Database
from footfall.db.models import OutboxEntry
from tests.helpers import Seeder


def _samples(client: TestClient[Litestar]) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
           **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_ingest_counts_per_store(client: TestClient[Litestar], seed: Seeder) -> None:
    # Counters belong to the process and outlive one test, so the store name is unique.
    store_name = f"Store {uuid.uuid4().hex[:8]}"
    other_name = f"Other {uuid.uuid4().hex[:8]}"
    device = seed.device("door", seed.store(store_name))
    other = seed.device("other-door", seed.store(other_name))
    key = seed.key("device", device_id=device)
    other_key = seed.key("device", device_id=other)
    now = time.time()
    events = [
        {"seq": 1, "time": now - 30, "direction": "entry"},
        {"seq": 2, "time": now - 20, "direction": "exit"},
        {"seq": 3, "time": now - 10, "direction": "sideways"},
    ]

    first = client.post("/api/v1/events", json={"events": events}, headers={"X-API-Key": key})
    again = client.post("/api/v1/events", json={"events": events[:1]},
                        headers={"X-API-Key": key})
    elsewhere = client.post("/api/v1/events", json={"events": events[:1]},
                            headers={"X-API-Key": other_key})
    assert first.status_code == again.status_code == elsewhere.status_code == 200
    samples = _samples(client)

    assert _value(samples, "footfall_events_accepted_total", store=store_name) == 2
    assert _value(samples, "footfall_events_duplicate_total", store=store_name) == 1
    assert _value(samples, "footfall_events_rejected_total", store=store_name) == 1
    assert _value(samples, "footfall_events_accepted_total", store=other_name) == 1
    assert _value(samples, "footfall_events_duplicate_total", store=other_name) == 0


def test_request_latency_histogram(client: TestClient[Litestar], seed: Seeder) -> None:
    key = seed.key("admin")
    labels = {"method": "GET", "route": "/api/v1/me", "status": "200"}
    before = _value(_samples(client), "footfall_http_request_duration_seconds_count", **labels)

    for _ in range(3):
        assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    samples = _samples(client)

    count = _value(samples, "footfall_http_request_duration_seconds_count", **labels)
    assert count == before + 3
    infinite = _value(samples, "footfall_http_request_duration_seconds_bucket", le="+Inf",
                      **labels)
    assert infinite == count
    assert _value(samples, "footfall_http_request_duration_seconds_sum", **labels) > 0
    unauthorized = _value(samples, "footfall_http_request_duration_seconds_count",
                          method="GET", route="/api/v1/me", status="401")
    assert client.get("/api/v1/me", headers={"X-API-Key": "wrong"}).status_code == 401
    assert _value(_samples(client), "footfall_http_request_duration_seconds_count",
                  method="GET", route="/api/v1/me", status="401") == unauthorized + 1


def test_outbox_backlog_and_dead_letters(
    client: TestClient[Litestar], seed: Seeder, db: Database
) -> None:
    device = seed.device("door", seed.store("Quay"))
    row = {"batch_id": "b" * 32, "device_id": device, "payload_json": '{"events": []}',
           "created_ms": int(time.time() * 1000) - 60_000,
           "next_attempt_ms": int(time.time() * 1000) + 3_600_000, "attempts": 1}
    with db.write() as connection:
        connection.execute(insert(OutboxEntry), [
            {**row, "sink": "webhook", "state": "pending"},
            {**row, "sink": "webhook", "state": "pending"},
            {**row, "sink": "webhook", "state": "dead"},
            {**row, "sink": "mqtt", "state": "dead"},
        ])

    samples = _samples(client)

    assert _value(samples, "footfall_sink_backlog", sink="webhook") == 2
    assert _value(samples, "footfall_sink_dead_letters", sink="webhook") == 1
    assert _value(samples, "footfall_sink_backlog", sink="mqtt") == 0
    assert _value(samples, "footfall_sink_dead_letters", sink="mqtt") == 1
    assert _value(samples, "footfall_sink_oldest_pending_age_seconds", sink="webhook") >= 59
    assert _value(samples, "footfall_database_up") == 1


def test_database_size_is_reported(client: TestClient[Litestar], db: Database) -> None:
    samples = _samples(client)

    size = _value(samples, "footfall_database_size_bytes")
    # An empty migrated schema alone takes more than a few pages on SQLite and PostgreSQL.
    assert size > 16_384
