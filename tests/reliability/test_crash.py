"""Crash safety: SIGKILL the real server under ingest, again and again, and lose nothing.

Several simulated devices post batches while the test kills ``litestar run`` with SIGKILL at
random moments and starts it again on the same SQLite file. Devices keep every batch that did
not get a 200 response and send it again, as the firmware does. At the end every acknowledged
event must be stored exactly once, the devices' retries must have brought in every event they
generated, and the quarter-hour rollups must add up to the stored events.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from tests.helpers import Seeder, start_live_server
from tests.reliability.devices import ServerAddress, SimulatedDevice

#: Kill cycles; each costs a server start, about two seconds on a 2-core machine.
KILL_CYCLES = int(os.environ.get("FOOTFALL_CRASH_CYCLES", "20"))
DEVICES = 4

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("FOOTFALL_TEST_POSTGRES_URL")),
        reason="tests a SQLite file, which the SQLite test session already covers",
    ),
]


def _server_env(database: Path) -> dict[str, str]:
    return {
        "FOOTFALL_DATABASE_URL": f"sqlite:///{database}",
        "FOOTFALL_INGEST_RATE_PER_S": "0",
        "FOOTFALL_AUTH_FAILURE_RATE_PER_MIN": "0",
        "FOOTFALL_LOG_LEVEL": "WARNING",
    }


def test_kill_under_ingest_loses_nothing(tmp_path: Path) -> None:
    database = tmp_path / "crash.db"
    seed_value = int(os.environ.get("FOOTFALL_CRASH_SEED", str(random.randrange(1_000_000))))
    rng = random.Random(seed_value)
    print(f"crash test seed: {seed_value} (set FOOTFALL_CRASH_SEED to repeat it)")

    db = Database(Settings(database_url=f"sqlite:///{database}"))
    upgrade(db)
    seeder = Seeder(db)
    store = seeder.store("Crash Lane")
    keys = {f"door-{n}": seeder.key("device", device_id=seeder.device(f"door-{n}", store))
            for n in range(DEVICES)}
    device_ids = _device_ids(database)
    db.dispose()

    address = ServerAddress()
    devices = [SimulatedDevice(name, key, address, random.Random(rng.random()))
               for name, key in keys.items()]
    for device in devices:
        device.start()

    kill_moments = []
    try:
        for cycle in range(KILL_CYCLES):
            cycle_dir = tmp_path / f"cycle-{cycle:02d}"
            cycle_dir.mkdir()
            server = start_live_server(cycle_dir, _server_env(database))
            address.set(server.url)
            moment = rng.uniform(0.05, 0.8)
            time.sleep(moment)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            address.set(None)
            kill_moments.append(moment)

        # A last, undisturbed run lets every device deliver what it still holds.
        final_dir = tmp_path / "final"
        final_dir.mkdir()
        server = start_live_server(final_dir, _server_env(database))
        address.set(server.url)
        for device in devices:
            device.stop_producing()
        deadline = time.monotonic() + 60
        while not all(device.drained() for device in devices):
            assert time.monotonic() < deadline, "devices could not deliver their queues in 60 s"
            time.sleep(0.05)
        server.stop()
    finally:
        for device in devices:
            device.stop()
        for device in devices:
            device.join(10)

    stored = _stored_seqs(database)
    rollups = _rollup_totals(database)
    integrity = _integrity(database)

    assert len(kill_moments) == KILL_CYCLES
    assert integrity == "ok"
    for device in devices:
        log = device.log
        device_id = device_ids[log.name]
        seqs = stored.get(device_id, [])
        counts = Counter(seqs)
        acknowledged = [seq for batch in log.acknowledged for seq in batch]

        assert log.server_errors == [], f"{log.name} got 5xx answers"
        assert [seq for seq, n in counts.items() if n > 1] == [], f"{log.name}: stored twice"
        assert set(acknowledged) <= set(seqs), f"{log.name}: acknowledged events lost"
        assert sorted(seqs) == sorted(log.generated), f"{log.name}: stored != generated"
        assert rollups.get(device_id, 0) == len(seqs), f"{log.name}: rollups != events"
        for batch, answer in zip(log.acknowledged, log.answers, strict=True):
            assert answer["accepted"] + answer["duplicates"] == len(batch)
            assert answer["rejected"] == []
    # The kills must have hit requests in flight, or the test proved little.
    assert sum(device.log.failures for device in devices) > 0


def _device_ids(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT name, id FROM devices").fetchall())


def _stored_seqs(database: Path) -> dict[int, list[int]]:
    stored: dict[int, list[int]] = {}
    with sqlite3.connect(database) as connection:
        for device_id, seq in connection.execute("SELECT device_id, seq FROM events"):
            stored.setdefault(device_id, []).append(seq)
    return stored


def _rollup_totals(database: Path) -> dict[int, int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT device_id, SUM(entries + exits) FROM quarter_counts GROUP BY device_id"
        ).fetchall()
    return {device_id: int(total) for device_id, total in rows}


def _integrity(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
