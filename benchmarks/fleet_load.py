"""Load generator for the fleet benchmark: devices that each post a batch every period.

Runs as its own process (never inside the service's). Every device has its own key and its
own sequence numbers and sends ``--batch`` v1 events every ``--period`` seconds, starting at
a random phase. The schedule is open-loop: a request is due at its time whether or not the
previous responses have come back, and its latency is counted from when it was due, so a slow
server cannot hide its queue by slowing the generator down. Requests go out over a pool of
keep-alive connections (``--connections``), as a load balancer or NAT in front of many
devices would present them.

It prints one JSON line: requests due and answered, failures, latency percentiles, how late
the generator itself sent (to show it is not the bottleneck) and its own CPU use.

    python benchmarks/fleet_load.py URL KEYS_FILE --devices 10000 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import os
import random
import time
from pathlib import Path

__all__ = ["main"]


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the value at ``fraction`` (0 to 1) of a sorted list, nearest rank."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads its response."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, payload: bytes) -> int:
        """Send a prepared request; return the status code.

        The server closes a keep-alive connection after a few idle seconds (uvicorn: 5 s),
        so a request that fails on a reused connection is sent once more on a new one, as
        HTTP clients do. The v1 ingest route stores a repeated (device, seq) once.
        """
        reused = self.writer is not None
        try:
            return await self._send(payload)
        except (OSError, asyncio.IncompleteReadError):
            self.close()
            if not reused:
                raise
        return await self._send(payload)

    def close(self) -> None:
        """Close the connection; the next request opens a new one."""
        if self.writer is not None:
            self.writer.close()
        self.reader = None
        self.writer = None

    async def _send(self, payload: bytes) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


def build_request(host: str, key: str, first_seq: int, batch: int, now_s: float) -> bytes:
    """Return the bytes of one POST /api/v1/events request."""
    events = [
        {
            "seq": first_seq + index,
            "time": round(now_s - 2 + index * 0.1, 3),
            "direction": "entry" if (first_seq + index) % 2 == 0 else "exit",
        }
        for index in range(batch)
    ]
    body = json.dumps({"events": events}, separators=(",", ":")).encode()
    head = (
        f"POST /api/v1/events HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Drive the fleet for the given time; return the measurements."""
    host, _, port_text = args.url.removeprefix("http://").partition(":")
    port = int(port_text)
    keys = [line for line in Path(args.keys_file).read_text().splitlines() if line][: args.devices]
    if len(keys) < args.devices:
        raise SystemExit(
            f"{args.keys_file} contains {len(keys)} keys but {args.devices} devices were "
            "requested: seed more devices or lower --devices"
        )

    rng = random.Random(7)
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    latencies: list[float] = []
    send_delays: list[float] = []
    failures = 0
    errors: dict[str, int] = {}
    # (seconds since the start when due, latency in seconds) of every answered request.
    trace: list[tuple[float, float]] = []

    async def worker() -> None:
        nonlocal failures
        connection = Connection(host, port)
        while True:
            due, payload = await queue.get()
            send_delays.append(time.perf_counter() - due)
            try:
                status = await connection.request(payload)
            except (OSError, asyncio.IncompleteReadError) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                connection.close()
                failures += 1
                queue.task_done()
                continue
            if status == 200:
                latencies.append(time.perf_counter() - due)
                trace.append((due - start, latencies[-1]))
            else:
                failures += 1
                errors[str(status)] = errors.get(str(status), 0) + 1
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(args.connections)]
    cpu_start = os.times()
    start = time.perf_counter()
    end = start + args.seconds
    # (due time, device index, round number); the heap yields the next request due.
    schedule = [(start + rng.uniform(0, args.period), index, 0) for index in range(len(keys))]
    heapq.heapify(schedule)
    due_count = 0
    while True:
        due, index, round_number = heapq.heappop(schedule)
        if due >= end:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = build_request(
            host, keys[index], args.seq_base + round_number * args.batch, args.batch, time.time()
        )
        queue.put_nowait((due, payload))
        due_count += 1
        heapq.heappush(schedule, (due + args.period, index, round_number + 1))

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(queue.join(), timeout=30)
    elapsed = time.perf_counter() - start
    cpu_end = os.times()
    for task in workers:
        task.cancel()

    if args.trace:
        Path(args.trace).write_text(
            "".join(f"{due:.3f} {latency * 1000:.1f}\n" for due, latency in sorted(trace))
        )
    latencies.sort()
    send_delays.sort()
    generator_cpu = (cpu_end.user - cpu_start.user) + (cpu_end.system - cpu_start.system)
    return {
        "devices": args.devices,
        "seconds": elapsed,
        "due": due_count,
        "answered": len(latencies),
        "failures": failures,
        "errors": errors,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p90_ms": percentile(latencies, 0.90) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "send_delay_p99_ms": percentile(send_delays, 0.99) * 1000,
        "generator_cpu_cores": generator_cpu / elapsed,
    }


def main() -> None:
    """Parse the arguments, run the fleet and print the result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="base URL of the service, http://127.0.0.1:PORT")
    parser.add_argument("keys_file", help="device keys, one a line")
    parser.add_argument("--devices", type=int, required=True, help="devices to simulate")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the run")
    parser.add_argument("--period", type=float, default=10.0, help="seconds between batches")
    parser.add_argument("--batch", type=int, default=5, help="events per batch")
    parser.add_argument("--connections", type=int, default=128, help="keep-alive connections")
    parser.add_argument("--seq-base", type=int, default=0, help="first sequence number")
    parser.add_argument(
        "--trace", help="write each answered request's due time (s) and latency (ms) here"
    )
    args = parser.parse_args()
    print("RESULT " + json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
