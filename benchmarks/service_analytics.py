"""Benchmark: ``hourly``, ``dwell`` and ``peak_occupancy`` over a day, 30 days and a year.

Seeds a SQLite file with a year of one store (two doors, Europe/Berlin, open 09:00 to 20:00
Monday to Saturday, about 3,200 visitors a day with morning and evening peaks, each an entry
and, after a dwell of about 20 minutes, an exit: about 2 million events), plus one heartbeat
per device and quarter hour around the clock. Rows are written straight into the tables
with sqlite3 in one transaction per store, then ``footfall.rollups.rebuild_rollups`` fills
``quarter_counts`` from them. It measures every query against ``litestar run``, then adds
nine more such stores to the same file and measures the first store again.

``rebuild_rollups`` fills the dwell cache too, and the server's start-up warm-up then checks
every cached day. A second warm-up, of the ``peak_occupancy`` plugin, replays every finished
day into that plugin's table. The queries start once both have logged that they finished.
So the ``dwell`` and ``peak_occupancy`` requests, cold and warm, read the finished days'
stored results and compute only the current day and the sum over the range. ``hourly`` sums
the quarter-hour rollups. The script prints how long the warm-ups took, which is what computing
the finished days from the events costs.

Each query is sent once cold (the first request of its kind to the new server process), then
``--repeat`` times warm; the times are of the whole request on loopback from this process,
so they bound the server's time from above. Sizes are of the body as sent with
``Accept-Encoding: gzip`` and without.

    python benchmarks/service_analytics.py [--stores 10] [--repeat 10] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Server, migrated_database, running_server, seed_fleet

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.rollups import rebuild_rollups

__all__ = ["QUERIES", "main", "seed_year"]

ZONE = ZoneInfo("Europe/Berlin")
VISITORS_PER_DAY = 3200
OPEN_HOUR = 9
CLOSE_HOUR = 20
LIMIT_MS = 50.0
LIMIT_BYTES = 100_000

#: (label, analytic, days, extra query parameters)
QUERIES = [
    ("hourly, 1 day", "hourly", 1, {}),
    ("hourly, 30 days", "hourly", 30, {}),
    ("hourly, 365 days by day", "hourly", 365, {"resolution": "day"}),
    ("hourly, 365 days by hour", "hourly", 365, {"resolution": "hour"}),
    ("dwell, 1 day", "dwell", 1, {}),
    ("dwell, 30 days", "dwell", 30, {}),
    ("dwell, 365 days", "dwell", 365, {}),
    ("peak_occupancy, 1 day", "peak_occupancy", 1, {}),
    ("peak_occupancy, 30 days", "peak_occupancy", 30, {}),
    ("peak_occupancy, 365 days", "peak_occupancy", 365, {}),
]


def _arrival_weight(hour: float) -> float:
    # Two peaks, late morning and early evening, over a base level.
    return (
        0.4
        + math.exp(-(((hour - 12.5) / 1.5) ** 2))
        + 1.2 * math.exp(-(((hour - 17.5) / 1.3) ** 2))
    )


def day_of_visits(rng: random.Random, day: datetime) -> list[tuple[int, int]]:
    """Return the (entry ms, exit ms) of one local day's visitors; none on Sundays."""
    if day.weekday() == 6:
        return []
    opening = day.replace(hour=OPEN_HOUR)
    open_s = (CLOSE_HOUR - OPEN_HOUR) * 3600
    start_s = opening.timestamp()
    peak = max(_arrival_weight(OPEN_HOUR + h / 10) for h in range(110))
    visits = []
    count = int(rng.gauss(VISITORS_PER_DAY, VISITORS_PER_DAY * 0.1))
    while len(visits) < count:
        offset = rng.uniform(0, open_s)
        if rng.uniform(0, peak) > _arrival_weight(OPEN_HOUR + offset / 3600):
            continue
        dwell = min(rng.lognormvariate(math.log(20 * 60), 0.6), open_s - offset + 1800)
        entry_ms = int((start_s + offset) * 1000)
        visits.append((entry_ms, entry_ms + int(dwell * 1000)))
    return visits


def seed_year(database: Path, store_id: int, device_ids: list[int], first_day: datetime) -> int:
    """Write a year of one store's events and heartbeats; return the number of events."""
    rng = random.Random(store_id)
    events: list[list[tuple[int, bool]]] = [[] for _ in device_ids]
    for day_number in range(365):
        day = first_day + timedelta(days=day_number)
        for entry_ms, exit_ms in day_of_visits(rng, day):
            events[rng.randrange(len(device_ids))].append((entry_ms, True))
            events[rng.randrange(len(device_ids))].append((exit_ms, False))

    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("BEGIN IMMEDIATE")
    total = 0
    for device_id, device_events in zip(device_ids, events, strict=True):
        device_events.sort()
        connection.executemany(
            "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                (device_id, seq, time_ms, is_entry, time_ms + 2000)
                for seq, (time_ms, is_entry) in enumerate(device_events)
            ),
        )
        total += len(device_events)

        start_ms = int(first_day.timestamp() * 1000)
        end_ms = int((first_day + timedelta(days=365)).timestamp() * 1000)
        connection.executemany(
            "INSERT INTO heartbeats (device_id, received_ms, boot_id, uptime_s, firmware, fps, "
            "queue_depth, dropped, camera, rssi_dbm, free_heap, last_seq) "
            "VALUES (?, ?, 'boot', 1, 'bench', 7.0, 0, 0, 'ok', -60, 100000, 0)",
            ((device_id, at_ms) for at_ms in range(start_ms, end_ms, 900_000)),
        )
    connection.execute("COMMIT")
    connection.close()
    return total


#: The last log line of each start-up warm-up of the default plugins.
WARMUP_DONE = ("Dwell cache warm-up finished", "Peak occupancy warm-up finished")


def wait_for_warmup(server: Server, timeout_s: float = 600.0) -> float:
    """Wait until the server logs that every start-up warm-up finished.

    The warm-ups fill the dwell and peak-occupancy caches of finished days in threads of
    their own, so a request measured while they run shares the CPU with them. Returns the
    seconds waited.
    """
    began = time.perf_counter()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        log = server.log_path.read_text(errors="replace")
        if all(line in log for line in WARMUP_DONE):
            return time.perf_counter() - began
        time.sleep(0.05)
    raise RuntimeError(
        f"the start-up warm-ups did not finish within {timeout_s:.0f} s. The server log:\n"
        f"{server.log_path.read_text(errors='replace')[-3000:]}"
    )


def measure(server: Server, key: str, store: str, last_day: datetime, repeat: int) -> list[dict]:
    """Send every query cold once and warm ``repeat`` times; return times and sizes."""
    results = []
    for label, analytic, days, extra in QUERIES:
        start = last_day + timedelta(days=1) - timedelta(days=days)
        parameters = {
            "store": store,
            "start": start.replace(tzinfo=None).isoformat(),
            "end": (last_day + timedelta(days=1)).replace(tzinfo=None).isoformat(),
            **extra,
        }
        path = f"/api/v1/analytics/{analytic}?{urllib.parse.urlencode(parameters)}"

        began = time.perf_counter()
        status, body = server.get(path, key=key, gzip=True)
        cold_ms = (time.perf_counter() - began) * 1000
        if status != 200:
            raise RuntimeError(f"{label}: status {status}: {body[:300]!r}")

        warm = []
        for _ in range(repeat):
            began = time.perf_counter()
            server.get(path, key=key, gzip=True)
            warm.append((time.perf_counter() - began) * 1000)
        _, plain = server.get(path, key=key, gzip=False)
        results.append(
            {
                "label": label,
                "cold_ms": cold_ms,
                "warm_median_ms": statistics.median(warm),
                "warm_min_ms": min(warm),
                "warm_max_ms": max(warm),
                "wire_bytes": len(body),
                "plain_bytes": len(plain),
            }
        )
        print(
            f"  {label}: cold {cold_ms:.1f} ms, warm median {statistics.median(warm):.1f} ms "
            f"(min {min(warm):.1f}, max {max(warm):.1f}), {len(body)} B on the wire, "
            f"{len(plain)} B uncompressed",
            flush=True,
        )
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Seed one store, measure; seed the others, measure again."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=10, help="stores in the second round")
    parser.add_argument("--repeat", type=int, default=10, help="warm requests per query")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    today = datetime.now(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    last_day = today - timedelta(days=1)
    first_day = today - timedelta(days=365)
    results: dict[str, Any] = {"rounds": []}

    with tempfile.TemporaryDirectory(prefix="footfall-analytics-") as tmp:
        workdir = Path(tmp)
        database = workdir / "analytics.db"
        db = migrated_database(database)
        fleet = seed_fleet(db, 1, 2, zone=ZONE.key)
        db.dispose()

        rounds = [1] if args.stores <= 1 else [1, args.stores]
        stored = 0
        store_count = 1
        for round_stores in rounds:
            began = time.perf_counter()
            while store_count < round_stores:
                db = Database(Settings(database_url=f"sqlite:///{database}"))
                more = seed_fleet(db, 1, 2, zone=ZONE.key)
                db.dispose()
                stored += seed_year(database, more.store_ids[0], more.device_ids, first_day)
                store_count += 1
            if stored == 0:
                stored = seed_year(database, fleet.store_ids[0], fleet.device_ids, first_day)
            db = Database(Settings(database_url=f"sqlite:///{database}"))
            rebuild_rollups(db)
            db.dispose()
            seed_s = time.perf_counter() - began
            print(
                f"{round_stores} store(s), {stored} events stored, seeded in {seed_s:.0f} s",
                flush=True,
            )

            log_path = workdir / f"server-{round_stores}.log"
            # INFO, so that the log contains the warm-up's last line.
            with running_server(database, log_path, {"FOOTFALL_LOG_LEVEL": "INFO"}) as server:
                waited_s = wait_for_warmup(server)
                print(f"  start-up warm-ups finished {waited_s:.1f} s after the server answered")
                measured = measure(server, fleet.viewer_key, "store-00000", last_day, args.repeat)
            results["rounds"].append(
                {"stores": round_stores, "events": stored, "queries": measured}
            )
        results["database_mib"] = database.stat().st_size / 2**20

    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
