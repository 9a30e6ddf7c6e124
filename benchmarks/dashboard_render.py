"""Benchmark: first complete render of the dashboard's year view, and the bytes it transfers.

Starts the service on 127.0.0.1 with a fresh SQLite database and stores a year of one
store's events through the ingest API. Then it restarts the service, waits until the
start-up warm-ups (dwell cache, peak occupancy) have logged that they finished (the script
prints how long that took), and opens the dashboard's year view (a custom range of the last
365 days, drawn with one bar a day) in Debian's headless Chromium with an empty cache,
several times. Run 1 is the first view after the restart, the later runs are warm. For each
run it reports the time from navigation start to the first complete render (every chart
drawn) and the bytes received on the wire (headers and compressed bodies, as Chromium's
DevTools protocol counts them), scripts included.

    python benchmarks/dashboard_render.py [--visitors-per-day 400] [--runs 6] [--verbose]

The requirement this measures: under 1 s and under 300 KB on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("FOOTFALL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ZONE = "Europe/Berlin"
BATCH_EVENTS = 1000
LIMIT_MS = 1000
LIMIT_BYTES = 300 * 1000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def post_json(url: str, key: str, body: object) -> Any:
    """POST JSON with a bearer key and return the decoded response."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def year_of_events(visitors_per_day: int, now_s: float) -> list[tuple[float, str]]:
    """Entries and exits of a year of opening hours (09:00 to 19:00 local), up to now."""
    rng = random.Random(365)
    zone = ZoneInfo(ZONE)
    today = datetime.fromtimestamp(now_s, zone).date()
    events = []

    for back in range(364, -1, -1):
        day = today - timedelta(days=back)
        opening = datetime(day.year, day.month, day.day, 9, tzinfo=zone).timestamp()
        for _ in range(visitors_per_day):
            entry = opening + rng.uniform(0, 10 * 3600)
            exit_ = entry + rng.uniform(120, 3600)
            if exit_ < now_s - 60:
                events.append((entry, "entry"))
                events.append((exit_, "exit"))
    return sorted(events)


def start_service(
    database: Path, log_path: Path, warmups: bool = True
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    """Start `litestar run` on a free loopback port and wait for /health/live."""
    port = free_port()
    env = {
        **os.environ,
        "LITESTAR_APP": "footfall.app:create_app",
        "FOOTFALL_DATABASE_URL": f"sqlite:///{database}",
        "FOOTFALL_LOG_LEVEL": "INFO",
        "FOOTFALL_DWELL_WARMUP": "1" if warmups else "0",
        "FOOTFALL_PEAK_OCCUPANCY_WARMUP": "1" if warmups else "0",
        # The year is stored as fast as the service takes it, above the per-key rate limit.
        "FOOTFALL_INGEST_RATE_PER_S": "0",
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "litestar", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health/live", timeout=2):
                return process, url, env
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(
        f"The service at {url} did not become live within 60 s; run `litestar run` to see why."
    )


def stop_service(process: subprocess.Popen[bytes]) -> None:
    """Stop the service with SIGTERM and wait for it to exit."""
    process.terminate()
    process.wait(timeout=15)


#: The last log line of each start-up warm-up of the default plugins.
WARMUP_DONE = ("Dwell cache warm-up finished", "Peak occupancy warm-up finished")


def wait_for_warmup(log_path: Path, started: float, timeout_s: float = 600.0) -> tuple[float, str]:
    """Wait for every start-up warm-up's last log line; return the seconds since ``started``.

    ``started`` is the ``time.monotonic()`` at which the service process was started. The
    second value is the last of those lines, without its logging prefix.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if any(done in line for done in WARMUP_DONE)
        ]
        if all(any(done in line for line in found) for done in WARMUP_DONE):
            return time.monotonic() - started, found[-1].split(": ", 1)[-1]
        time.sleep(0.05)
    # The log sits in a temporary folder that is gone once the script exits, so its end is
    # part of the message.
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
    raise SystemExit(
        f"The start-up warm-ups did not log that they finished within {timeout_s:.0f} s. "
        f"The end of the service log:\n{tail}"
    )


def cli(env: dict[str, str], *args: str) -> str:
    """Run `litestar footfall ...` and return its last output line."""
    result = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1].strip()


def measure(url: str, key: str, runs: int, verbose: bool) -> list[tuple[int, int]]:
    """Open the year view with an empty cache ``runs`` times: (render ms, bytes received)."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    first = today - timedelta(days=364)
    view = (
        f"{url}/dashboard/#store=Year&range=custom&from={first.isoformat()}&to={today.isoformat()}"
    )
    storage: Any = {
        "cookies": [],
        "origins": [{"origin": url, "localStorage": [{"name": "footfall.apiKey", "value": key}]}],
    }
    results = []
    url_prefix = url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, storage_state=storage
            )
            page = context.new_page()
            session = context.new_cdp_session(page)
            session.send("Network.enable")
            # Bytes on the wire of each finished response (headers and encoded body), and
            # each request's URL and start, for the per-request breakdown.
            received: list[int] = []
            requests: dict[str, tuple[str, float]] = {}
            breakdown: list[tuple[str, int, float]] = []

            def on_request(
                event: dict[str, Any], requests: dict[str, tuple[str, float]] = requests
            ) -> None:
                requests[event["requestId"]] = (event["request"]["url"], event["timestamp"])

            def on_finished(
                event: dict[str, Any],
                sizes: list[int] = received,
                requests: dict[str, tuple[str, float]] = requests,
                breakdown: list[tuple[str, int, float]] = breakdown,
            ) -> None:
                sizes.append(int(event["encodedDataLength"]))
                url, started = requests.get(event["requestId"], ("?", event["timestamp"]))
                elapsed_ms = (event["timestamp"] - started) * 1000
                breakdown.append(
                    (url.removeprefix(url_prefix), int(event["encodedDataLength"]), elapsed_ms)
                )

            session.on("Network.requestWillBeSent", on_request)
            session.on("Network.loadingFinished", on_finished)

            page.goto(view)
            page.wait_for_selector("body[data-first-load-ms]", state="attached", timeout=30000)
            state = page.get_attribute("body", "data-state")
            if state != "ready":
                raise SystemExit(
                    f"The year view ended in state {state}: {page.inner_text('#status')} "
                    "Fix the service error it names, then run the benchmark again."
                )
            render_ms = int(page.get_attribute("body", "data-first-load-ms") or "0")
            results.append((render_ms, sum(received)))
            if verbose:
                for address, size, elapsed_ms in breakdown:
                    print(f"  {size / 1000:7.1f} kB {elapsed_ms:7.0f} ms  {address[:110]}")
            context.close()
        browser.close()
    return results


def main() -> None:
    """Seed a year of events, measure the year view, print the numbers."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--visitors-per-day",
        type=int,
        default=400,
        help="visitors a day (each an entry and an exit)",
    )
    parser.add_argument(
        "--runs", type=int, default=6, help="page loads with an empty browser cache to measure"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print each response's size and time"
    )
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="restart with both start-up warm-ups off and measure at once, so that the first "
        "view fills the dwell and peak-occupancy caches itself",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "db.sqlite"
        process, url, env = start_service(database, Path(tmp) / "seed.log")
        try:
            cli(env, "stores", "create", "Year", "--timezone", ZONE)
            cli(env, "devices", "create", "door", "--store", "Year")
            device_key = cli(
                env, "keys", "create", "--role", "device", "--store", "Year", "--device", "door"
            )
            viewer_key = cli(env, "keys", "create", "--role", "viewer", "--store", "Year")

            events = year_of_events(args.visitors_per_day, time.time())
            started = time.monotonic()
            for first in range(0, len(events), BATCH_EVENTS):
                batch = [
                    {"seq": first + offset, "time": round(moment, 3), "direction": direction}
                    for offset, (moment, direction) in enumerate(
                        events[first : first + BATCH_EVENTS]
                    )
                ]
                post_json(f"{url}/api/v1/events", device_key, {"events": batch})
            print(f"stored {len(events)} events in {time.monotonic() - started:.1f} s")
        finally:
            stop_service(process)

        # A restart on the stored year: the first view after it is what a user sees first
        # once the service is back, after the start-up warm-ups have had their time.
        log_path = Path(tmp) / "service.log"
        started = time.monotonic()
        process, url, env = start_service(database, log_path, warmups=not args.no_warmup)
        try:
            if args.no_warmup:
                print("start-up warm-ups off: the first view fills the caches")
            else:
                warmup_s, warmup_line = wait_for_warmup(log_path, started)
                print(f"start-up warm-ups done {warmup_s:.1f} s after the service was started")
                print(f"  {warmup_line}")
            results = measure(url, viewer_key, args.runs, args.verbose)
        finally:
            stop_service(process)

    for index, (ms, size) in enumerate(results, start=1):
        label = " (first view after the restart)" if index == 1 else ""
        print(f"run {index}{label}: first complete render {ms} ms, received {size / 1000:.1f} kB")

    # The first run after start-up still pays for the service's cold caches (SQLite pages,
    # the first execution of each query), so it is shown on its own above and the summary
    # covers the warm runs.
    later = results[1:] or results
    render = [ms for ms, _ in later]
    sizes = [size for _, size in later]
    print(
        f"runs 2 to {len(results)}: median render {statistics.median(render):.0f} ms "
        f"(max {max(render)} ms, limit {LIMIT_MS} ms); "
        f"median received {statistics.median(sizes) / 1000:.1f} kB "
        f"(limit {LIMIT_BYTES / 1000:.0f} kB)"
    )


if __name__ == "__main__":
    main()
