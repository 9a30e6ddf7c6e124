"""Benchmark: ingest throughput and latency over HTTP, paired with the direct-insert limit.

For each case (v1 or legacy dialect, 1 or 50 events per request) it starts ``litestar run``
on a fresh SQLite file, loads it with ``wrk`` (a separate process, 2 threads, 64 keep-alive
connections, 16 devices each with its own key) for a fixed time, and checks in the database
that every answered request was stored. In the same run it measures the direct-insert limit:
the same batches inserted with Python's sqlite3 module into a fresh file of the same schema
and the same pragmas (WAL, ``synchronous`` as the service uses), one transaction per batch,
no HTTP. The server, wrk and the direct insert share the machine's cores.

    python benchmarks/service_ingest.py [--runs 3] [--seconds 10] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    REPO,
    cpu_seconds,
    migrated_database,
    seed_fleet,
    start_server,
    stop_server,
)

from footfall.config import Settings

__all__ = ["CASES", "direct_insert_limit", "main", "run_case"]

WRK_SCRIPT = REPO / "benchmarks" / "wrk" / "ingest.lua"
WRK_THREADS = 2
CONNECTIONS = 64
DEVICES = 16

#: (name, dialect, events per request)
CASES = [
    ("v1, 1 event per request", "v1", 1),
    ("v1, 50 events per request", "v1", 50),
    ("legacy, 1 event per request", "legacy", 1),
    ("legacy, 50 events per request", "legacy", 50),
]


def run_wrk(url: str, keys_file: Path, batch: int, dialect: str, seconds: float) -> dict[str, Any]:
    """Run wrk against the ingest route and return its summary."""
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        str(keys_file),
        str(batch),
        dialect,
        "0",
        str(WRK_THREADS),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for line in output.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise RuntimeError(f"wrk printed no RESULT line:\n{output}")


def stored_events(database: Path) -> int:
    """Count the events in a SQLite file."""
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])


def load_average() -> float:
    """Return the one-minute load average of the machine."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def run_case(workdir: Path, dialect: str, batch: int, seconds: float) -> dict[str, Any]:
    """Load a fresh server with one case; return throughput, latency and CPU use."""
    database = workdir / f"ingest-{dialect}-{batch}.db"
    db = migrated_database(database)
    fleet = seed_fleet(db, stores=DEVICES // 2, devices_per_store=2)
    db.dispose()
    keys_file = workdir / "keys.txt"
    keys_file.write_text("\n".join(fleet.keys) + "\n")

    server, _ = start_server(database, workdir / f"server-{dialect}-{batch}.log")
    try:
        load_before = load_average()
        cpu_before = cpu_seconds(server.pid)
        result = run_wrk(server.url, keys_file, batch, dialect, seconds)
        cpu_used = cpu_seconds(server.pid) - cpu_before
        load_after = load_average()
    finally:
        stop_server(server)

    answered = result["requests"] - result["non2xx"]
    stored = stored_events(database)
    if result["non2xx"] or stored < answered * batch:
        raise RuntimeError(
            f"{dialect} batch {batch}: {result['non2xx']} requests failed and {stored} events "
            f"were stored for {answered} answered requests: see {server.log_path}"
        )
    duration_s = result["duration_us"] / 1e6
    for path in workdir.glob(f"ingest-{dialect}-{batch}.db*"):
        path.unlink()
    return {
        "requests_per_s": answered / duration_s,
        "events_per_s": answered * batch / duration_s,
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "timeouts": result["timeouts"],
        "server_cpu_cores": cpu_used / duration_s,
        "server_cpu_ms_per_request": cpu_used * 1000 / answered,
        "load_average": [load_before, load_after],
    }


def direct_insert_limit(workdir: Path, batch: int, seconds: float) -> dict[str, Any]:
    """Insert batches with sqlite3 into a fresh migrated file, one transaction per batch."""
    database = workdir / f"direct-{batch}.db"
    db = migrated_database(database)
    fleet = seed_fleet(db, stores=1, devices_per_store=1)
    db.dispose()
    synchronous = Settings().sqlite_synchronous

    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    device_id = fleet.device_ids[0]
    statement = (
        "INSERT INTO events (device_id, seq, time_ms, is_entry, received_ms) VALUES (?, ?, ?, ?, ?)"
    )

    seq = 0
    batches = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        now = int(time.time() * 1000)
        rows = [(device_id, seq + i, now - 5000, (seq + i) % 2 == 0, now) for i in range(batch)]
        seq += batch
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(statement, rows)
        connection.execute("COMMIT")
        batches += 1
    elapsed = time.perf_counter() - started
    connection.close()
    for path in workdir.glob(f"direct-{batch}.db*"):
        path.unlink()
    return {
        "batches_per_s": batches / elapsed,
        "events_per_s": batches * batch / elapsed,
        "synchronous": synchronous,
    }


def summarise(values: list[float]) -> dict[str, float]:
    """Return the median, minimum and maximum of several runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every case several times; print and return the medians and spreads."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs of every case")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of one wrk run")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"cases": [], "runs": args.runs, "seconds": args.seconds}
    with tempfile.TemporaryDirectory(prefix="footfall-ingest-") as tmp:
        workdir = Path(tmp)
        for name, dialect, batch in CASES:
            http_runs = []
            limit_runs = []
            for run in range(args.runs):
                http = run_case(workdir, dialect, batch, args.seconds)
                limit = direct_insert_limit(workdir, batch, min(args.seconds, 5.0))
                http["ratio"] = http["events_per_s"] / limit["events_per_s"]
                http_runs.append(http)
                limit_runs.append(limit)
                print(
                    f"{name} run {run + 1}: {http['requests_per_s']:.0f} requests/s, "
                    f"p99 {http['p99_ms']:.1f} ms, {http['events_per_s']:.0f} events/s, "
                    f"direct limit {limit['events_per_s']:.0f} events/s, "
                    f"ratio {http['ratio']:.2f}, load {http['load_average']}",
                    flush=True,
                )
            results["cases"].append(
                {
                    "name": name,
                    "dialect": dialect,
                    "batch": batch,
                    "requests_per_s": summarise([r["requests_per_s"] for r in http_runs]),
                    "events_per_s": summarise([r["events_per_s"] for r in http_runs]),
                    "p50_ms": summarise([r["p50_ms"] for r in http_runs]),
                    "p99_ms": summarise([r["p99_ms"] for r in http_runs]),
                    "server_cpu_cores": summarise([r["server_cpu_cores"] for r in http_runs]),
                    "server_cpu_ms_per_request": summarise(
                        [r["server_cpu_ms_per_request"] for r in http_runs]
                    ),
                    "limit_events_per_s": summarise([r["events_per_s"] for r in limit_runs]),
                    "ratio": summarise([r["ratio"] for r in http_runs]),
                    "load_average": [r["load_average"] for r in http_runs],
                    "synchronous": limit_runs[0]["synchronous"],
                }
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
