"""Time ``hourly`` and ``dwell`` in process over a day, 30 days and a year of one store.

Generates a SQLite file with a year of synthetic visits per store: 2,740 a day between 08:00
and 20:00 Europe/Berlin, with dwell exponentially distributed around a mean of 20 minutes and
a heartbeat every 5 minutes. It rebuilds the rollups, then calls each analytic's ``compute``
once cold and 7 times warm. It prints wall and CPU time: on a machine that other work
loads, CPU time is the steadier figure.

    python benchmarks/analytics_compute.py --stores 10 --database /tmp/analytics-10.db

The file is reused when it exists, so a second run measures only the requests.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.plugin_types import AnalyticParams, AnalyticQuery, StoreRef
from footfall.rollups import rebuild_rollups
from footfall_dwell import DwellAnalytic, DwellParams
from footfall_hourly import HourlyAnalytic, HourlyParams

ZONE = ZoneInfo("Europe/Berlin")
YEAR_START = datetime(2025, 1, 1, tzinfo=ZONE)
VISITS_PER_DAY = 2740
WARM_RUNS = 7


def generate(path: Path, stores: int) -> None:
    """Write stores, devices, events and heartbeats straight into the SQLite file."""
    connection = sqlite3.connect(path)
    rng = random.Random(1)
    for index in range(stores):
        store_id = index + 1
        connection.execute(
            "INSERT INTO stores (id, name, timezone, day_reset_hour, max_dwell_s, created_ms)"
            " VALUES (?, ?, ?, 4, 14400, 0)",
            (store_id, f"store-{index}", ZONE.key),
        )
        connection.execute(
            "INSERT INTO devices (id, store_id, name, settings_json, settings_etag, created_ms)"
            " VALUES (?, ?, ?, '{}', 'none', 0)",
            (store_id, store_id, f"door-{index}"),
        )

        events = []
        seq = 0
        for day in range(365):
            opening = (YEAR_START + timedelta(days=day)).replace(hour=8).timestamp()
            for _ in range(VISITS_PER_DAY):
                entry_s = opening + rng.random() * 12 * 3600
                exit_s = entry_s + rng.expovariate(1 / 1200)
                events.append((store_id, seq, int(entry_s * 1000), 1, int(entry_s * 1000)))
                events.append((store_id, seq + 1, int(exit_s * 1000), 0, int(exit_s * 1000)))
                seq += 2
        connection.executemany(
            "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms)"
            " VALUES (?, ?, ?, ?, ?)",
            events,
        )

        first_ms = int(YEAR_START.timestamp() * 1000)
        heartbeats = [
            (store_id, first_ms + minute * 60_000) for minute in range(0, 365 * 24 * 60, 5)
        ]
        connection.executemany(
            "INSERT INTO heartbeats (device_id, received_ms, boot_id, uptime_s, firmware, fps,"
            " queue_depth, dropped, camera, rssi_dbm, free_heap, last_seq)"
            " VALUES (?, ?, 'boot', 1, 'bench', 7.0, 0, 0, 'ok', -60, 100000, 0)",
            heartbeats,
        )
        connection.commit()
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1, help="stores to generate (default 1)")
    parser.add_argument(
        "--database", type=Path, default=Path("analytics-bench.db"), help="SQLite file to use"
    )
    arguments = parser.parse_args()

    fresh = not arguments.database.exists()
    db = Database(Settings(database_url=f"sqlite:///{arguments.database}"))
    upgrade(db)
    if fresh:
        generate(arguments.database, arguments.stores)
        started = time.perf_counter()
        rows = rebuild_rollups(db)
        print(f"rebuild_rollups: {rows} quarter rows in {time.perf_counter() - started:.1f} s")

    store = StoreRef(1, "store-0", ZONE.key, 4, 14400)
    ranges = {
        "day": (datetime(2025, 6, 10, tzinfo=ZONE), datetime(2025, 6, 11, tzinfo=ZONE)),
        "30 days": (datetime(2025, 6, 1, tzinfo=ZONE), datetime(2025, 7, 1, tzinfo=ZONE)),
        "year": (YEAR_START, datetime(2026, 1, 1, tzinfo=ZONE)),
    }
    analytics: list[tuple[str, HourlyAnalytic | DwellAnalytic, AnalyticParams]] = [
        ("hourly", HourlyAnalytic(), HourlyParams()),
        ("dwell", DwellAnalytic(), DwellParams()),
    ]
    for range_name, (start, end) in ranges.items():
        query = AnalyticQuery(
            store=store, device_ids=(1,), device=None, start=start, end=end, zone=ZONE, db=db
        )
        for name, analytic, params in analytics:
            started = time.perf_counter()
            analytic.compute(query, params)  # type: ignore[arg-type]
            cold_ms = (time.perf_counter() - started) * 1000

            wall, cpu = [], []
            for _ in range(WARM_RUNS):
                started, cpu_started = time.perf_counter(), time.process_time()
                analytic.compute(query, params)  # type: ignore[arg-type]
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            wall_ms = statistics.median(wall)
            cpu_ms = statistics.median(cpu)
            print(
                f"{name:7s} {range_name:8s} cold {cold_ms:8.1f} ms   "
                f"warm wall median {wall_ms:6.1f} ms   warm CPU median {cpu_ms:6.1f} ms"
            )
    db.dispose()


if __name__ == "__main__":
    main()
