"""Benchmark: CPU time of one ingest batch in process, without HTTP.

Parses v1 bodies and stores them with ``footfall.ingest.store_batch`` on a fresh SQLite file,
one batch after the other from one thread, and reports the CPU time (user plus system, of
this process) and the wall time per batch. CPU time depends little on other work on the
machine, so it is the figure to compare between two versions of the ingest code; the wall
time includes the commit's fsync.

    python benchmarks/ingest_cpu.py [--batches 3000] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import database_url, migrated_database, seed_fleet

from footfall.clock import now_ms
from footfall.config import Settings
from footfall.ingest import parse_v1_events, store_batch
from footfall.service import Service

__all__ = ["main"]


def bodies(batch: int, count: int) -> list[bytes]:
    """Return ``count`` v1 bodies of ``batch`` events with growing sequence numbers."""
    result = []
    for number in range(count):
        events = [
            {
                "seq": number * batch + index,
                "time": time.time() - 5,
                "direction": "entry" if index % 2 == 0 else "exit",
            }
            for index in range(batch)
        ]
        result.append(json.dumps({"events": events}).encode())
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Store one-event and fifty-event batches; print and return the times per batch."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=3000, help="one-event batches to store")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"cases": []}
    with tempfile.TemporaryDirectory(prefix="footfall-ingest-cpu-") as tmp:
        database = Path(tmp) / "cpu.db"
        db = migrated_database(database)
        fleet = seed_fleet(db, 1, 2)
        db.dispose()
        service = Service.create(Settings(database_url=database_url(database)))
        try:
            # Fifty-event batches are fewer, so both cases store about as many requests' worth.
            for device_id, batch, count in (
                (fleet.device_ids[0], 1, args.batches),
                (fleet.device_ids[1], 50, max(1, args.batches // 5)),
            ):
                device = service.device_ref(device_id)
                prepared = bodies(batch, count)
                cpu_start = time.process_time()
                wall_start = time.perf_counter()
                for body in prepared:
                    events, rejections = parse_v1_events(body, service.settings, now_ms() / 1000)
                    valid = [event for event in events if event is not None]
                    store_batch(service.db, service.sinks, device, valid, "v1", rejections)
                cpu_us = (time.process_time() - cpu_start) * 1e6 / count
                wall_us = (time.perf_counter() - wall_start) * 1e6 / count
                results["cases"].append(
                    {"batch": batch, "batches": count, "cpu_us": cpu_us, "wall_us": wall_us}
                )
                print(
                    f"{batch} event(s) per batch, {count} batches: CPU {cpu_us:.0f} us, "
                    f"wall {wall_us:.0f} us per batch",
                    flush=True,
                )
        finally:
            service.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
