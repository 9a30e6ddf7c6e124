"""The webhook sink against a local HTTP receiver: signature, retries through the outbox."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from footfall_webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    WebhookSettingsError,
    sign,
    verify,
)
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import OutboxEntry
from tests.helpers import Seeder

SECRET = "a-shared-secret-of-some-length"


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that responds with the queued statuses, then 204."""

    statuses: list[int]
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"the receiver got {len(self.received)} requests, not {count}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(statuses=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.received.append(Received(body, dict(self.headers.items())))
                status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()


def _run_app(settings: Settings, monkeypatch: pytest.MonkeyPatch, receiver: Receiver,
             **overrides: Any) -> Iterator[TestClient[Litestar]]:
    from footfall.app import create_app

    monkeypatch.setenv("FOOTFALL_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("FOOTFALL_WEBHOOK_SECRET", SECRET)
    fast = dataclasses.replace(
        settings, outbox_poll_s=0.05, outbox_backoff_s=0.05, outbox_max_backoff_s=0.2,
        **overrides,
    )
    with TestClient(app=create_app(fast)) as client:
        yield client


def _post_events(client: TestClient[Litestar], seed: Seeder) -> str:
    store = seed.store("Harbour Road", "Europe/London")
    device = seed.device("door-1", store)
    key = seed.key("device", device_id=device)
    now = time.time()
    events = [
        {"seq": 1, "time": now - 10, "direction": "entry"},
        {"seq": 2, "time": now - 5, "direction": "exit"},
    ]
    response = client.post(
        "/api/v1/events", json={"events": events}, headers={"X-API-Key": key}
    )
    assert response.status_code == 200, response.text
    return key


def _outbox_rows(db: Database) -> list[tuple[str, str, int]]:
    with db.read() as connection:
        rows = connection.execute(
            select(OutboxEntry.sink, OutboxEntry.state, OutboxEntry.attempts)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_delivery_is_signed_json(
    settings: Settings, db: Database, seed: Seeder, receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for client in _run_app(settings, monkeypatch, receiver):
        _post_events(client, seed)
        (request,) = receiver.wait_for(1)

    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json"
    signature = headers[SIGNATURE_HEADER.lower()]
    timestamp = headers[TIMESTAMP_HEADER.lower()]
    assert verify(SECRET.encode(), timestamp, request.body, signature)
    assert not verify(SECRET.encode(), timestamp, request.body + b" ", signature)
    assert abs(int(timestamp) - time.time()) < 600

    payload = json.loads(request.body)
    assert payload["store"] == "Harbour Road"
    assert payload["device"] == "door-1"
    assert [event["direction"] for event in payload["events"]] == ["entry", "exit"]
    assert headers["x-footfall-batch-id"] == payload["batch_id"]


def test_failed_delivery_is_retried(
    settings: Settings, db: Database, seed: Seeder, receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receiver.statuses = [500, 503]
    for client in _run_app(settings, monkeypatch, receiver):
        _post_events(client, seed)
        requests = receiver.wait_for(3)
        deadline = time.monotonic() + 10
        while _outbox_rows(db) and time.monotonic() < deadline:
            time.sleep(0.05)

    batch_ids = {json.loads(request.body)["batch_id"] for request in requests}
    assert len(batch_ids) == 1
    assert _outbox_rows(db) == []


def test_exhausted_retries_leave_dead_letter(
    settings: Settings, db: Database, seed: Seeder, receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receiver.statuses = [500] * 10
    for client in _run_app(settings, monkeypatch, receiver, outbox_max_attempts=3):
        _post_events(client, seed)
        receiver.wait_for(3)
        deadline = time.monotonic() + 10
        while _outbox_rows(db) != [("webhook", "dead", 3)] and time.monotonic() < deadline:
            time.sleep(0.05)

    assert _outbox_rows(db) == [("webhook", "dead", 3)]


def test_signature_matches_reference_hmac() -> None:
    import hashlib
    import hmac

    body = b'{"events":[]}'
    expected = hmac.new(b"k" * 16, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(b"k" * 16, "1700000000", body) == f"sha256={expected}"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"FOOTFALL_WEBHOOK_URL": "ftp://example.test/x", "FOOTFALL_WEBHOOK_SECRET": SECRET},
         "not an http"),
        ({"FOOTFALL_WEBHOOK_URL": "http://127.0.0.1:9/x"}, "missing"),
        ({"FOOTFALL_WEBHOOK_URL": "http://127.0.0.1:9/x", "FOOTFALL_WEBHOOK_SECRET": "short"},
         "too short"),
    ],
)
def test_invalid_settings_are_rejected(environ: dict[str, str], message: str) -> None:
    with pytest.raises(WebhookSettingsError, match=message):
        WebhookSettings.from_env(environ)


def test_unset_url_loads_no_sink() -> None:
    assert WebhookSettings.from_env({}) is None
