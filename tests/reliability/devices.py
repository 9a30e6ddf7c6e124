"""Simulated counting devices that post v1 batches and retry until each is acknowledged.

Each device thread keeps its unacknowledged batch, as the firmware's queue does, and sends
the same batch again after any failure: a refused connection, a reset, a timeout or a 5xx.
A batch counts as acknowledged only when the service responded with 200.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


class ServerAddress:
    """The URL of the running server, or ``None`` while it is down."""

    def __init__(self) -> None:
        self._url: str | None = None
        self._lock = threading.Lock()

    def set(self, url: str | None) -> None:
        with self._lock:
            self._url = url

    def get(self) -> str | None:
        with self._lock:
            return self._url


@dataclass
class DeviceLog:
    """What one device sent and which of its batches the service acknowledged."""

    name: str
    generated: list[int] = field(default_factory=list)
    acknowledged: list[list[int]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0
    server_errors: list[str] = field(default_factory=list)


class SimulatedDevice(threading.Thread):
    """Posts batches of 1 to ``max_batch`` events with growing sequence numbers."""

    def __init__(
        self,
        name: str,
        key: str,
        address: ServerAddress,
        rng: random.Random,
        max_batch: int = 20,
    ) -> None:
        super().__init__(name=f"device-{name}", daemon=True)
        self.key = key
        self.address = address
        self.rng = rng
        self.max_batch = max_batch
        self.log = DeviceLog(name)
        self.pending: list[dict[str, Any]] = []
        self._next_seq = 1
        self._producing = threading.Event()
        self._producing.set()
        self._stopped = threading.Event()

    def stop_producing(self) -> None:
        """Make no new events; keep sending the unacknowledged batch."""
        self._producing.clear()

    def drained(self) -> bool:
        """Whether every generated event has been acknowledged."""
        return not self.pending and not self._producing.is_set()

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while not self._stopped.is_set():
                if not self.pending and self._producing.is_set():
                    self.pending = self._make_batch()
                if not self.pending:
                    time.sleep(0.02)
                    continue
                self._send(client)

    def _make_batch(self) -> list[dict[str, Any]]:
        size = self.rng.randint(1, self.max_batch)
        now = time.time()
        batch = []
        for _ in range(size):
            seq = self._next_seq
            self._next_seq += 1
            self.log.generated.append(seq)
            batch.append(
                {
                    "seq": seq,
                    "time": round(now - self.rng.uniform(0, 600), 3),
                    "direction": self.rng.choice(["entry", "exit"]),
                }
            )
        return batch

    def _send(self, client: httpx.Client) -> None:
        url = self.address.get()
        if url is None:
            time.sleep(0.02)
            return
        try:
            answer = client.post(
                f"{url}/api/v1/events",
                json={"events": self.pending},
                headers={"Authorization": f"Bearer {self.key}"},
            )
        except httpx.HTTPError:
            self.log.failures += 1
            time.sleep(0.02)
            return

        if answer.status_code == 200:
            self.log.acknowledged.append([event["seq"] for event in self.pending])
            self.log.answers.append(answer.json())
            self.pending = []
            return
        self.log.failures += 1
        if answer.status_code >= 500:
            self.log.server_errors.append(f"{answer.status_code} {answer.text[:200]}")
        time.sleep(0.05)
