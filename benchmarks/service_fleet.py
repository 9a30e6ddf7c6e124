"""Benchmark: how many devices, each posting 5 events every 10 s, one server holds.

Seeds stores with two doors each and one key per device into a fresh SQLite file, starts
``litestar run``, and runs ``fleet_load.py`` (a separate process) at a growing number of
devices until the 99th percentile latency passes 100 ms (running at least ``--min-steps``
steps, so the plot has a curve). Each step starts with one posting period whose latency is
reported apart (see :func:`run_step`). At every step it records the
server's CPU use (cores), its peak resident memory (sampled every 0.25 s from
/proc/PID/status) and the generator's own CPU use and send delay.

    python benchmarks/service_fleet.py [--steps 250,500,1000,2500,5000,10000]
        [--seconds 40] [--min-steps 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    cpu_seconds,
    migrated_database,
    resident_kib,
    seed_fleet,
    start_server,
    stop_server,
)
from fleet_load import percentile

__all__ = ["P99_LIMIT_MS", "main"]

P99_LIMIT_MS = 100.0
#: Seconds between two batches of one device, as fleet_load.py sends them by default.
PERIOD_S = 10.0
DOORS_PER_STORE = 2
DEFAULT_STEPS = "250,500,1000,2500,5000,10000,15000,20000,30000"


class PeakMemory:
    """Samples a process's resident memory in a thread and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, resident_kib(self.pid))
            self._stop.wait(0.25)


def run_step(
    url: str, pid: int, keys_file: Path, devices: int, seconds: float, seq_base: int
) -> dict[str, Any]:
    """Run the fleet at one size; return the generator's result and the server's usage.

    The generator runs one posting period longer than ``seconds``. In that first period
    every device of the step posts once, and the devices new to this step are seen by the
    server for the first time, so their keys and devices are looked up in the database.
    The latency of that period is reported on its own (``first_period_*``), and ``p50_ms``
    and ``p99_ms`` are those of the ``seconds`` that follow: the load a running server
    carries. CPU and memory cover the whole step.
    """
    trace_file = keys_file.with_name(f"trace-{devices}.txt")
    command = [
        sys.executable,
        str(Path(__file__).resolve().parent / "fleet_load.py"),
        url,
        str(keys_file),
        "--devices",
        str(devices),
        "--seconds",
        str(seconds + PERIOD_S),
        "--seq-base",
        str(seq_base),
        "--trace",
        str(trace_file),
    ]
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    with PeakMemory(pid) as memory:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    cpu_used = cpu_seconds(pid) - cpu_before

    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    first_period, running = read_trace(trace_file)
    result["first_period_p50_ms"] = percentile(first_period, 0.50)
    result["first_period_p99_ms"] = percentile(first_period, 0.99)
    result["p50_ms"] = percentile(running, 0.50)
    result["p99_ms"] = percentile(running, 0.99)
    result["max_ms"] = running[-1] if running else float("nan")
    result["server_cpu_cores"] = cpu_used / elapsed
    result["server_cpu_ms_per_request"] = cpu_used * 1000 / max(result["answered"], 1)
    result["server_peak_rss_mib"] = memory.peak_kib / 1024
    result["load_average"] = float(Path("/proc/loadavg").read_text().split()[0])
    return result


def read_trace(trace_file: Path) -> tuple[list[float], list[float]]:
    """Split the answered requests' latencies (ms, sorted) into the first period and the rest."""
    first_period: list[float] = []
    running: list[float] = []
    for line in trace_file.read_text().splitlines():
        due_s, latency_ms = (float(part) for part in line.split())
        (first_period if due_s < PERIOD_S else running).append(latency_ms)
    return sorted(first_period), sorted(running)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Grow the fleet step by step until the p99 latency passes the limit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", default=DEFAULT_STEPS, help="device counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of every step")
    parser.add_argument(
        "--min-steps", type=int, default=3, help="steps to run even past the limit, for the plot"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the server, such as FOOTFALL_KEY_CACHE_S=30 (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    steps = [int(part) for part in args.steps.split(",")]

    results: dict[str, Any] = {"steps": [], "seconds": args.seconds, "held": 0}
    with tempfile.TemporaryDirectory(prefix="footfall-fleet-") as tmp:
        workdir = Path(tmp)
        database = workdir / "fleet.db"
        db = migrated_database(database)
        fleet = seed_fleet(db, max(steps) // DOORS_PER_STORE, DOORS_PER_STORE)
        db.dispose()
        keys_file = workdir / "keys.txt"
        keys_file.write_text("\n".join(fleet.keys) + "\n")

        extra_env = dict(pair.split("=", 1) for pair in args.env)
        results["env"] = extra_env
        server, _ = start_server(database, workdir / "server.log", extra_env)
        results["idle_rss_mib"] = resident_kib(server.pid) / 1024
        try:
            for number, devices in enumerate(steps):
                # Every step starts its devices' sequence numbers past the previous steps'.
                step = run_step(
                    server.url, server.pid, keys_file, devices, args.seconds, number * 10**9
                )
                results["steps"].append(step)
                print(
                    f"{devices} devices: {step['answered']}/{step['due']} answered "
                    f"(failures: {step['errors'] or 'none'}), "
                    f"p50 {step['p50_ms']:.1f} ms, p99 {step['p99_ms']:.1f} ms "
                    f"(first period: p99 {step['first_period_p99_ms']:.1f} ms), "
                    f"server CPU {step['server_cpu_cores']:.2f} cores, "
                    f"peak RSS {step['server_peak_rss_mib']:.0f} MiB, "
                    f"generator CPU {step['generator_cpu_cores']:.2f} cores, "
                    f"load {step['load_average']}",
                    flush=True,
                )
                held = step["failures"] == 0 and step["p99_ms"] <= P99_LIMIT_MS
                step["held"] = held
                if held and all(earlier["held"] for earlier in results["steps"]):
                    results["held"] = devices
                if not held and number + 1 >= args.min_steps:
                    break
        finally:
            stop_server(server)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
