"""Benchmark: time from ``litestar run`` to the first response, migrated database.

Each run starts ``python -m litestar run`` on a SQLite file that is already at the newest
schema and times the span from the process start to the first 200 response of
``GET /health/live``, polled every 5 ms from this process.

    python benchmarks/service_startup.py [--runs 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import migrated_database, seed_fleet, start_server, stop_server

__all__ = ["main"]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Start the server several times; print and return the times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="start-ups to time")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    times = []
    with tempfile.TemporaryDirectory(prefix="footfall-startup-") as tmp:
        database = Path(tmp) / "startup.db"
        db = migrated_database(database)
        seed_fleet(db, 10, 2)
        db.dispose()
        for run in range(args.runs):
            server, seconds = start_server(database, Path(tmp) / f"server-{run}.log")
            stop_server(server)
            times.append(seconds)
            print(f"start-up {run + 1}: {seconds:.2f} s", flush=True)

    results = {
        "runs": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
